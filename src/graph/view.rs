//! What `rcompose graph` draws, read from the canonical model: the services, the networks each
//! joins, and every edge between two services with its kind (`depends_on` with its condition,
//! `links`, `network_mode: service:x`, `volumes_from`). Pure data, sorted, so each renderer is a
//! plain function of it.

use serde_json::Value as J;

use crate::model;

/// How one service relates to another.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum EdgeKind {
    /// `depends_on`, with its `condition` (`service_started`, `service_healthy`,
    /// `service_completed_successfully`), `required` and `restart`.
    DependsOn {
        condition: String,
        required: bool,
        restart: bool,
    },
    /// `links: [target]` or `links: [target:alias]`.
    Link { alias: Option<String> },
    /// `network_mode: service:target`.
    NetworkMode,
    /// `volumes_from: [target]` or `[target:ro]`.
    VolumesFrom { mode: Option<String> },
}

impl EdgeKind {
    /// The short label renderers print: `service_healthy, restart`, `link: redis`,
    /// `network_mode`, `volumes_from: ro`.
    pub fn label(&self) -> String {
        match self {
            EdgeKind::DependsOn {
                condition,
                required,
                restart,
            } => {
                let mut label = condition.clone();
                if *restart {
                    label.push_str(", restart");
                }
                if !*required {
                    label.push_str(", required: false");
                }
                label
            }
            EdgeKind::Link { alias: None } => "link".to_string(),
            EdgeKind::Link { alias: Some(alias) } => format!("link: {alias}"),
            EdgeKind::NetworkMode => "network_mode".to_string(),
            EdgeKind::VolumesFrom { mode: None } => "volumes_from".to_string(),
            EdgeKind::VolumesFrom { mode: Some(mode) } => format!("volumes_from: {mode}"),
        }
    }
}

/// `from` relates to (and waits for) `to`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Edge {
    pub from: String,
    pub to: String,
    pub kind: EdgeKind,
}

/// Where a service's network comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Networking {
    /// The project networks it joins, by their key in the file, sorted.
    Networks(Vec<String>),
    /// `network_mode: host|none|service:x|container:y`.
    Mode(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceNode {
    pub name: String,
    pub networking: Networking,
}

/// The project's graph: services sorted by name, edges sorted by (from, to, kind), the
/// project networks sorted by key.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ProjectGraph {
    pub project: String,
    pub services: Vec<ServiceNode>,
    pub networks: Vec<String>,
    pub edges: Vec<Edge>,
}

/// The implicit dependency the canonical form writes for a link, a `volumes_from` or a
/// `network_mode: service:x` (docker compose writes the same: `service_started`, required,
/// with `restart: true` for all but `volumes_from`).
fn is_implicit_entry(entry: &J) -> bool {
    entry.get("condition").and_then(J::as_str) == Some("service_started")
        && entry.get("required").and_then(J::as_bool).unwrap_or(true)
}

impl ProjectGraph {
    /// Reads the graph from a canonical model (the services the active profiles left in it).
    /// The canonical `depends_on` also holds the dependencies implied by links, `volumes_from`
    /// and `network_mode`; such an entry is drawn as its own kind of edge, and as a
    /// `depends_on` edge too only when it says more than the implicit default
    /// (`service_started`, `restart: true`, required).
    pub fn from_model(project: &str, model_json: &J) -> ProjectGraph {
        let mut graph = ProjectGraph {
            project: project.to_string(),
            ..ProjectGraph::default()
        };
        let names: Vec<&String> = model::services(model_json).map(|(name, _)| name).collect();
        let known = |name: &str| names.iter().any(|n| n.as_str() == name);
        for (name, service) in model::services(model_json) {
            let mut implied: Vec<String> = Vec::new();
            let mode = service.get("network_mode").and_then(J::as_str);
            if let Some(target) = mode.and_then(|m| m.strip_prefix("service:")) {
                implied.push(target.to_string());
                if known(target) {
                    graph.edges.push(Edge {
                        from: name.clone(),
                        to: target.to_string(),
                        kind: EdgeKind::NetworkMode,
                    });
                }
            }
            for link in strings(service.get("links")) {
                let (target, alias) = match link.split_once(':') {
                    Some((target, alias)) => (target, Some(alias.to_string())),
                    None => (link, None),
                };
                implied.push(target.to_string());
                if known(target) {
                    graph.edges.push(Edge {
                        from: name.clone(),
                        to: target.to_string(),
                        kind: EdgeKind::Link { alias },
                    });
                }
            }
            for item in strings(service.get("volumes_from")) {
                if item.starts_with("container:") {
                    continue;
                }
                let item = item.strip_prefix("service:").unwrap_or(item);
                let (target, mode) = match item.split_once(':') {
                    Some((target, mode)) => (target, Some(mode.to_string())),
                    None => (item, None),
                };
                implied.push(target.to_string());
                if known(target) {
                    graph.edges.push(Edge {
                        from: name.clone(),
                        to: target.to_string(),
                        kind: EdgeKind::VolumesFrom { mode },
                    });
                }
            }
            if let Some(depends_on) = service.get("depends_on").and_then(J::as_object) {
                for (target, entry) in depends_on {
                    if !known(target) || (implied.contains(target) && is_implicit_entry(entry)) {
                        continue;
                    }
                    graph.edges.push(Edge {
                        from: name.clone(),
                        to: target.clone(),
                        kind: EdgeKind::DependsOn {
                            condition: entry
                                .get("condition")
                                .and_then(J::as_str)
                                .unwrap_or("service_started")
                                .to_string(),
                            required: entry.get("required").and_then(J::as_bool).unwrap_or(true),
                            restart: entry.get("restart").and_then(J::as_bool).unwrap_or(false),
                        },
                    });
                }
            }
            let networking = match mode {
                Some(mode) => Networking::Mode(mode.to_string()),
                None => {
                    let mut networks: Vec<String> = service
                        .get("networks")
                        .and_then(J::as_object)
                        .map(|map| map.keys().cloned().collect())
                        .unwrap_or_default();
                    networks.sort();
                    Networking::Networks(networks)
                }
            };
            graph.services.push(ServiceNode {
                name: name.clone(),
                networking,
            });
        }
        graph.services.sort_by(|a, b| a.name.cmp(&b.name));
        graph.edges.sort();
        graph.edges.dedup();
        graph.networks = model_json
            .get("networks")
            .and_then(J::as_object)
            .map(|map| map.keys().cloned().collect())
            .unwrap_or_default();
        graph.networks.sort();
        graph
    }

    /// The edges leaving `service`, in order.
    pub fn edges_from<'a>(&'a self, service: &'a str) -> impl Iterator<Item = &'a Edge> + 'a {
        self.edges.iter().filter(move |edge| edge.from == service)
    }
}

fn strings(value: Option<&J>) -> impl Iterator<Item = &str> {
    value
        .and_then(J::as_array)
        .into_iter()
        .flatten()
        .filter_map(J::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn implicit_dependencies_are_drawn_as_their_own_kind() {
        let model = json!({"services": {
            "web": {
                "links": ["db:database"],
                "depends_on": {
                    "db": {"condition": "service_started", "restart": true, "required": true},
                    "cache": {"condition": "service_healthy", "required": false}
                },
                "networks": {"front": null, "back": null}
            },
            "db": {"networks": {"back": null}},
            "cache": {"network_mode": "host"},
            "side": {
                "network_mode": "service:web",
                "volumes_from": ["db:ro", "container:other"],
                "depends_on": {
                    "web": {"condition": "service_healthy", "restart": true, "required": true},
                    "db": {"condition": "service_started", "restart": true, "required": true}
                }
            }
        }, "networks": {"front": {}, "back": {}}});
        let graph = ProjectGraph::from_model("p", &model);
        let labels: Vec<String> = graph
            .edges
            .iter()
            .map(|e| format!("{} -> {}: {}", e.from, e.to, e.kind.label()))
            .collect();
        assert_eq!(
            labels,
            vec![
                "side -> db: volumes_from: ro",
                "side -> web: service_healthy, restart",
                "side -> web: network_mode",
                "web -> cache: service_healthy, required: false",
                "web -> db: link: database",
            ]
        );
        assert_eq!(
            graph.services[3].networking,
            Networking::Networks(vec!["back".into(), "front".into()])
        );
        assert_eq!(
            graph.services[0].networking,
            Networking::Mode("host".into())
        );
        assert_eq!(graph.networks, vec!["back", "front"]);
    }
}
