//! The desired state: what the project's model asks the engine for — networks, volumes, and the
//! services whose containers [`super::reconcile`] creates. Built from the model alone; the
//! replica numbers and the references between containers are settled by the reconciler.

use std::collections::BTreeMap;

use serde_json::Value as J;

use super::json::{bool_at, non_empty, str_at, string_map_at};
use super::labels;
use super::service::{DesiredService, ProjectContext};
use crate::engine::{Ipam, IpamPool, NetworkSpec, VolumeSpec};
use crate::project::Project;

/// A network of the model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DesiredNetwork {
    /// The key in the compose file (`default`, `back`).
    pub key: String,
    /// What to create; for an external network, only `name` counts.
    pub spec: NetworkSpec,
    /// Not created, never removed: it must exist.
    pub external: bool,
    /// Stored in the network's `com.docker.compose.config-hash` label: docker compose v2's hash
    /// ([`crate::model::network_hash`]), so that either tool keeps the other's network.
    pub config_hash: String,
    /// The hash earlier rcompose versions wrote for the same config: not a change.
    pub previous_config_hash: String,
}

/// A volume of the model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DesiredVolume {
    pub key: String,
    pub spec: VolumeSpec,
    pub external: bool,
    /// docker compose v2's hash ([`crate::model::volume_hash`]).
    pub config_hash: String,
    /// The hash earlier rcompose versions wrote for the same config: not a change.
    pub previous_config_hash: String,
}

/// Everything the model asks for.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Desired {
    pub project: String,
    /// By key.
    pub networks: Vec<DesiredNetwork>,
    /// By key.
    pub volumes: Vec<DesiredVolume>,
    /// In start order: every service after the services it depends on (ties by name).
    pub services: Vec<DesiredService>,
    /// What makes the project impossible to bring up as it is (an external secret, a
    /// dependency cycle, `container_name` with several replicas).
    pub errors: Vec<String>,
    /// What docker compose would warn about.
    pub warnings: Vec<String>,
}

impl Desired {
    pub fn service(&self, name: &str) -> Option<&DesiredService> {
        self.services.iter().find(|service| service.name == name)
    }

    pub fn network(&self, key: &str) -> Option<&DesiredNetwork> {
        self.networks.iter().find(|network| network.key == key)
    }

    /// The network with this engine name.
    pub fn network_named(&self, name: &str) -> Option<&DesiredNetwork> {
        self.networks
            .iter()
            .find(|network| network.spec.name == name)
    }

    /// The volume with this engine name.
    pub fn volume_named(&self, name: &str) -> Option<&DesiredVolume> {
        self.volumes.iter().find(|volume| volume.spec.name == name)
    }
}

/// The `com.docker.compose.project.config_files` label's value: the files, comma-separated.
pub fn config_files_label(project: &Project) -> String {
    project
        .config_files
        .iter()
        .map(|path| path.display().to_string())
        .collect::<Vec<_>>()
        .join(",")
}

/// The desired state of a loaded project.
pub fn desired_state(project: &Project) -> Desired {
    let config_files = config_files_label(project);
    let context = ProjectContext {
        name: &project.name,
        working_dir: &project.working_dir,
        config_files: &config_files,
        model: &project.model,
        environment: &project.environment,
    };
    from_model(&context)
}

/// The desired state of a canonical model with the project facts given.
pub fn from_model(project: &ProjectContext) -> Desired {
    let model = project.model;
    let mut desired = Desired {
        project: project.name.to_string(),
        ..Desired::default()
    };
    for (key, network) in sections(model, "networks") {
        desired
            .networks
            .push(network_of(project.name, key, network));
    }
    for (key, volume) in sections(model, "volumes") {
        desired.volumes.push(volume_of(project.name, key, volume));
    }

    let graph = crate::model::dependency_graph(model);
    let order = match graph.start_order() {
        Some(order) => order,
        None => {
            for cycle in graph.cycles() {
                desired.errors.push(format!(
                    "dependency cycle between services: {}",
                    cycle.join(" → ")
                ));
            }
            let mut names: Vec<String> = crate::model::services(model)
                .map(|(name, _)| name.clone())
                .collect();
            names.sort();
            names
        }
    };
    let services: BTreeMap<&String, &J> = crate::model::services(model).collect();
    for name in order {
        // `depends_on` may name a service that is not in the model (an optional one).
        let Some(service) = services.get(&name) else {
            continue;
        };
        desired.services.push(DesiredService::from_model(
            project,
            &name,
            service,
            &mut desired.errors,
            &mut desired.warnings,
        ));
    }
    desired
}

fn sections<'a>(model: &'a J, section: &str) -> impl Iterator<Item = (&'a String, &'a J)> {
    model
        .get(section)
        .and_then(J::as_object)
        .into_iter()
        .flatten()
}

fn resource_labels(
    project: &str,
    kind_label: &str,
    key: &str,
    value: &J,
    hash: &str,
) -> crate::engine::Labels {
    let mut out = string_map_at(value, "labels");
    for (label, text) in [
        (kind_label, key.to_string()),
        (labels::PROJECT, project.to_string()),
        (labels::VERSION, labels::TOOL_VERSION.to_string()),
        (labels::CONFIG_HASH, hash.to_string()),
    ] {
        out.insert(label.to_string(), text);
    }
    out
}

fn engine_name(project: &str, key: &str, value: &J) -> String {
    non_empty(str_at(value, "name")).unwrap_or_else(|| format!("{project}_{key}"))
}

fn network_of(project: &str, key: &str, network: &J) -> DesiredNetwork {
    let ipam = network.get("ipam").filter(|ipam| {
        ipam.get("driver").is_some()
            || ipam
                .get("config")
                .and_then(J::as_array)
                .is_some_and(|c| !c.is_empty())
            || ipam.get("options").is_some()
    });
    let name = engine_name(project, key, network);
    let config_hash = crate::model::network_hash(&name, network);
    let spec = NetworkSpec {
        labels: resource_labels(project, labels::NETWORK, key, network, &config_hash),
        name,
        driver: non_empty(str_at(network, "driver")),
        driver_opts: string_map_at(network, "driver_opts"),
        internal: bool_at(network, "internal"),
        attachable: bool_at(network, "attachable"),
        enable_ipv6: network.get("enable_ipv6").and_then(J::as_bool),
        ipam: ipam.map(|ipam| Ipam {
            driver: non_empty(str_at(ipam, "driver")),
            config: ipam
                .get("config")
                .and_then(J::as_array)
                .into_iter()
                .flatten()
                .map(|pool| IpamPool {
                    subnet: non_empty(str_at(pool, "subnet")),
                    ip_range: non_empty(str_at(pool, "ip_range")),
                    gateway: non_empty(str_at(pool, "gateway")),
                    aux_addresses: string_map_at(pool, "aux_addresses"),
                })
                .collect(),
            options: string_map_at(ipam, "options"),
        }),
    };
    DesiredNetwork {
        key: key.to_string(),
        external: bool_at(network, "external"),
        config_hash,
        previous_config_hash: crate::model::legacy_config_hash(network),
        spec,
    }
}

fn volume_of(project: &str, key: &str, volume: &J) -> DesiredVolume {
    let name = engine_name(project, key, volume);
    let config_hash = crate::model::volume_hash(&name, volume);
    DesiredVolume {
        key: key.to_string(),
        spec: VolumeSpec {
            labels: resource_labels(project, labels::VOLUME, key, volume, &config_hash),
            name,
            driver: non_empty(str_at(volume, "driver")),
            driver_opts: string_map_at(volume, "driver_opts"),
        },
        external: bool_at(volume, "external"),
        config_hash,
        previous_config_hash: crate::model::legacy_config_hash(volume),
    }
}
