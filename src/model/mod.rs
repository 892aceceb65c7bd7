//! The project model beyond the canonical JSON: facts derived from it that several commands
//! share (the config hash, the dependency graph, image names).

pub mod go_shape;
mod hash;

pub use hash::{config_hash, legacy_config_hash, network_hash, volume_hash};

use serde_json::Value as J;

use crate::graph::DependencyGraph;

/// The dependency graph of the canonical model's services (`depends_on`, which already holds
/// the implicit dependencies of links, volumes_from and network_mode).
pub fn dependency_graph(model: &J) -> DependencyGraph {
    let mut graph = DependencyGraph::new();
    for (name, service) in services(model) {
        graph.add_service(name);
        if let Some(depends_on) = service.get("depends_on").and_then(J::as_object) {
            for dependency in depends_on.keys() {
                graph.add_dependency(name, dependency);
            }
        }
    }
    graph
}

/// The services of a canonical model, by name.
pub fn services(model: &J) -> impl Iterator<Item = (&String, &J)> {
    model
        .get("services")
        .and_then(J::as_object)
        .into_iter()
        .flatten()
}

/// The image a service runs: `image`, or `<project>-<service>` when it is only built.
pub fn image_name(project_name: &str, service_name: &str, service: &J) -> String {
    service
        .get("image")
        .and_then(J::as_str)
        .map(String::from)
        .unwrap_or_else(|| format!("{project_name}-{service_name}"))
}
