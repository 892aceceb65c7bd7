//! Consistency checks over the merged tree, all reported together: references to undefined
//! services, networks, volumes, secrets and configs, and dependency cycles.

use super::merge;
use super::node::{KeyPath, Node, Value};
use crate::diag::{did_you_mean, Diagnostic};
use crate::graph::DependencyGraph;

/// What a service refers to, with where it says so.
struct Reference<'a> {
    name: String,
    node: &'a Node,
    path: KeyPath,
}

/// `declared_services`: every service of the project before profiles were applied; a
/// `required: false` dependency may name one of those that is not enabled, but not a service
/// that does not exist.
pub fn check(doc: &Node, declared_services: &[String], diagnostics: &mut Vec<Diagnostic>) {
    resource_sources(doc, diagnostics);
    let Some(services) = doc.get("services").and_then(Node::as_map) else {
        return;
    };
    let top_keys = |section: &str| -> Vec<String> {
        doc.get(section)
            .and_then(Node::as_map)
            .map(|map| map.keys().cloned().collect())
            .unwrap_or_default()
    };
    let networks = top_keys("networks");
    let volumes = top_keys("volumes");
    let secrets = top_keys("secrets");
    let configs = top_keys("configs");
    let models = top_keys("models");
    let service_names: Vec<String> = services.keys().cloned().collect();

    let mut graph = DependencyGraph::new();
    let mut first_edge: std::collections::HashMap<(String, String), (KeyPath, &Node)> =
        Default::default();
    for (service_name, service) in services {
        graph.add_service(service_name);
        let base = KeyPath::root().key("services").key(service_name);
        for dependency in service_dependencies(service, &base) {
            if !services.contains_key(&dependency.name) {
                if dependency.path.to_string().contains("depends_on")
                    && !is_required(dependency.node)
                    && declared_services.contains(&dependency.name)
                {
                    continue;
                }
                diagnostics.push(undefined(
                    "service",
                    service_name,
                    &dependency,
                    &service_names,
                ));
                continue;
            }
            graph.add_dependency(service_name, &dependency.name);
            first_edge
                .entry((service_name.clone(), dependency.name.clone()))
                .or_insert((dependency.path.clone(), dependency.node));
        }
        for reference in service_networks(service, &base) {
            if reference.name != "default" && !networks.contains(&reference.name) {
                diagnostics.push(undefined("network", service_name, &reference, &networks));
            }
        }
        for reference in named_volumes(service, &base) {
            if !volumes.contains(&reference.name) {
                diagnostics.push(undefined("volume", service_name, &reference, &volumes));
            }
        }
        if let Some(node) = service.get("models") {
            for (name, node, path) in list_or_keys(node, &base.key("models")) {
                if !models.contains(&name) {
                    let reference = Reference { name, node, path };
                    diagnostics.push(undefined("model", service_name, &reference, &models));
                }
            }
        }
        let build_secrets = service
            .get("build")
            .map(|build| sources_of(build, "secrets", &base.key("build")))
            .unwrap_or_default();
        for reference in build_secrets {
            if !secrets.contains(&reference.name) {
                diagnostics.push(undefined("secret", service_name, &reference, &secrets));
            }
        }
        for (section, declared) in [("secrets", &secrets), ("configs", &configs)] {
            for reference in sources_of(service, section, &base) {
                if !declared.contains(&reference.name) {
                    let kind = &section[..section.len() - 1];
                    diagnostics.push(undefined(kind, service_name, &reference, declared));
                }
            }
        }
    }

    for cycle in graph.cycles() {
        let (path, node) = first_edge
            .get(&(cycle[0].clone(), cycle[1].clone()))
            .cloned()
            .expect("every edge of a cycle was recorded");
        diagnostics.push(
            Diagnostic::error(format!("dependency cycle: {}", cycle.join(" -> ")))
                .at(node.entry_span())
                .path(path)
                .label("this dependency closes the cycle")
                .help("remove one of these dependencies"),
        );
    }
}

fn undefined(
    kind: &str,
    service_name: &str,
    reference: &Reference,
    known: &[String],
) -> Diagnostic {
    let mut diagnostic = Diagnostic::error(format!(
        "service `{service_name}` refers to undefined {kind} `{}`",
        reference.name
    ))
    .at(reference.node.entry_span())
    .path(reference.path.clone())
    .label(format!("no {kind} named `{}`", reference.name));
    let help =
        did_you_mean(&reference.name, known.iter().map(String::as_str)).unwrap_or_else(|| {
            if known.is_empty() {
                format!("declare it under the top-level `{kind}s:` key")
            } else {
                format!("defined {kind}s: {}", known.join(", "))
            }
        });
    if kind != "service" || !known.is_empty() {
        diagnostic = diagnostic.help(help);
    }
    diagnostic
}

fn is_required(node: &Node) -> bool {
    !matches!(
        node.get("required").map(|n| &n.value),
        Some(Value::Bool(false))
    )
}

/// Names in a list (`[a, b]`) or the keys of a mapping (`{a: ..., b: ...}`), with their nodes.
fn list_or_keys<'a>(node: &'a Node, path: &KeyPath) -> Vec<(String, &'a Node, KeyPath)> {
    match &node.value {
        Value::Seq(items) => items
            .iter()
            .enumerate()
            .filter_map(|(i, item)| item.scalar_text().map(|name| (name, item, path.index(i))))
            .collect(),
        Value::Map(map) => map
            .iter()
            .map(|(name, value)| (name.clone(), value, path.key(name)))
            .collect(),
        _ => Vec::new(),
    }
}

/// `depends_on`, `links`, `network_mode: service:x`, `volumes_from: x`.
fn service_dependencies<'a>(service: &'a Node, base: &KeyPath) -> Vec<Reference<'a>> {
    let mut references = Vec::new();
    if let Some(node) = service.get("depends_on") {
        for (name, node, path) in list_or_keys(node, &base.key("depends_on")) {
            references.push(Reference { name, node, path });
        }
    }
    if let Some(Value::Seq(links)) = service.get("links").map(|n| &n.value) {
        for (i, link) in links.iter().enumerate() {
            if let Some(text) = link.as_str() {
                let name = text.split(':').next().unwrap_or(text).to_string();
                references.push(Reference {
                    name,
                    node: link,
                    path: base.key("links").index(i),
                });
            }
        }
    }
    if let Some(node) = service.get("network_mode") {
        if let Some(name) = node.as_str().and_then(|mode| mode.strip_prefix("service:")) {
            references.push(Reference {
                name: name.to_string(),
                node,
                path: base.key("network_mode"),
            });
        }
    }
    if let Some(Value::Seq(items)) = service.get("volumes_from").map(|n| &n.value) {
        for (i, item) in items.iter().enumerate() {
            let Some(text) = item.as_str() else { continue };
            if text.starts_with("container:") {
                continue;
            }
            let name = text.split(':').next().unwrap_or(text).to_string();
            references.push(Reference {
                name,
                node: item,
                path: base.key("volumes_from").index(i),
            });
        }
    }
    references
}

fn service_networks<'a>(service: &'a Node, base: &KeyPath) -> Vec<Reference<'a>> {
    service
        .get("networks")
        .map(|node| {
            list_or_keys(node, &base.key("networks"))
                .into_iter()
                .map(|(name, node, path)| Reference { name, node, path })
                .collect()
        })
        .unwrap_or_default()
}

/// Named volumes used by a service's `volumes` (short `name:/path` or long `source: name`).
fn named_volumes<'a>(service: &'a Node, base: &KeyPath) -> Vec<Reference<'a>> {
    let Some(Value::Seq(items)) = service.get("volumes").map(|n| &n.value) else {
        return Vec::new();
    };
    let mut references = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let path = base.key("volumes").index(i);
        match &item.value {
            Value::Str(spec) => {
                let Some(source) = merge::parse_volume(spec).and_then(|v| v.source) else {
                    continue;
                };
                if !merge::is_host_path(&source) {
                    references.push(Reference {
                        name: source,
                        node: item,
                        path,
                    });
                }
            }
            Value::Map(_) => {
                let is_volume = item.get("type").and_then(Node::as_str) == Some("volume");
                if let (true, Some(source)) = (is_volume, item.get("source")) {
                    if let Some(name) = source.as_str().filter(|s| !s.is_empty()) {
                        references.push(Reference {
                            name: name.to_string(),
                            node: source,
                            path: path.key("source"),
                        });
                    }
                }
            }
            _ => {}
        }
    }
    references
}

fn sources_of<'a>(service: &'a Node, section: &str, base: &KeyPath) -> Vec<Reference<'a>> {
    let Some(Value::Seq(items)) = service.get(section).map(|n| &n.value) else {
        return Vec::new();
    };
    items
        .iter()
        .enumerate()
        .filter_map(|(i, item)| {
            let path = base.key(section).index(i);
            match &item.value {
                Value::Str(name) => Some(Reference {
                    name: name.clone(),
                    node: item,
                    path,
                }),
                Value::Map(_) => item.get("source").and_then(|source| {
                    source.as_str().map(|name| Reference {
                        name: name.to_string(),
                        node: source,
                        path: path.key("source"),
                    })
                }),
                _ => None,
            }
        })
        .collect()
}

/// The service names of a tree (before profiles are applied, for [`check`]).
pub fn service_names(doc: &Node) -> Vec<String> {
    doc.get("services")
        .and_then(Node::as_map)
        .map(|map| map.keys().cloned().collect())
        .unwrap_or_default()
}

/// Where top-level secrets and configs take their content from (exactly one source unless
/// external or driver-backed), and external volumes that also set engine options: docker
/// compose rejects these whether or not a service uses them.
fn resource_sources(doc: &Node, diagnostics: &mut Vec<Diagnostic>) {
    for (section, sources) in [
        ("secrets", &["file", "environment"][..]),
        ("configs", &["file", "environment", "content"][..]),
    ] {
        let Some(map) = doc.get(section).and_then(Node::as_map) else {
            continue;
        };
        for (name, node) in map {
            let path = KeyPath::root().key(section).key(name);
            let Some(entry) = node.as_map() else { continue };
            let set: Vec<&str> = sources
                .iter()
                .copied()
                .filter(|key| entry.contains_key(*key))
                .collect();
            let message = if set.len() > 1 {
                format!("{} are mutually exclusive", quoted(&set))
            } else if set.is_empty() && !entry.contains_key("external") {
                if section == "secrets" || !entry.contains_key("driver") {
                    format!("one of {} must be set", quoted(sources))
                } else {
                    continue;
                }
            } else {
                continue;
            };
            diagnostics.push(
                Diagnostic::error(format!("`{path}`: {message}"))
                    .at(node.entry_span())
                    .path(path),
            );
        }
    }
    let Some(volumes) = doc.get("volumes").and_then(Node::as_map) else {
        return;
    };
    for (name, node) in volumes {
        let external = matches!(
            node.get("external").map(|e| &e.value),
            Some(Value::Bool(true))
        );
        if !external {
            continue;
        }
        for (key, value) in node.as_map().into_iter().flatten() {
            if key == "name" || key == "external" || key.starts_with("x-") {
                continue;
            }
            let path = KeyPath::root().key("volumes").key(name);
            diagnostics.push(
                Diagnostic::error(format!(
                    "`{path}`: conflicting parameters `external` and `{key}` specified"
                ))
                .at(value.entry_span())
                .path(path.key(key))
                .help(format!(
                    "an external volume is created outside the project: remove `{key}`"
                )),
            );
        }
    }
}

fn quoted(keys: &[&str]) -> String {
    keys.iter()
        .map(|k| format!("`{k}`"))
        .collect::<Vec<_>>()
        .join(", ")
}
