//! `rcompose graph`'s three renderings of a [`ProjectGraph`], each a pure function: a text tree,
//! Graphviz DOT and Mermaid. An edge `a → b` means `a` needs `b` (it starts after it).
//!
//! Edge styles, the same in DOT and Mermaid: `depends_on` solid (labelled with its condition),
//! `links` dashed, `network_mode: service:x` bold, `volumes_from` dotted (DOT) or with a circle
//! end (Mermaid); a service's networks are separate nodes (an ellipse, a stadium) joined to it
//! by an arrowless dotted line — a service on several networks could not sit in several
//! clusters.

use std::collections::{BTreeMap, BTreeSet};

use super::view::{Edge, EdgeKind, Networking, ProjectGraph, ServiceNode};

/// The text tree: every service that nothing needs is a root, its children are what it needs
/// (`name [edge labels]  networks: ...`), repeated subtrees are marked `(*)`.
pub fn text(graph: &ProjectGraph) -> String {
    let mut needed: BTreeSet<&str> = BTreeSet::new();
    for edge in &graph.edges {
        needed.insert(edge.to.as_str());
    }
    let mut out = String::new();
    let mut shown: BTreeSet<String> = BTreeSet::new();
    let roots: Vec<&ServiceNode> = graph
        .services
        .iter()
        .filter(|s| !needed.contains(s.name.as_str()))
        .collect();
    for root in roots {
        text_node(
            graph,
            root,
            None,
            "",
            "",
            &mut shown,
            &mut Vec::new(),
            &mut out,
        );
    }
    // Services inside a cycle have no root (the loader rejects cycles; this is a safety net).
    for service in &graph.services {
        if !shown.contains(&service.name) {
            text_node(
                graph,
                service,
                None,
                "",
                "",
                &mut shown,
                &mut Vec::new(),
                &mut out,
            );
        }
    }
    out
}

/// The edges from `from` grouped by target: target → labels.
fn children(graph: &ProjectGraph, from: &str) -> BTreeMap<String, Vec<String>> {
    let mut children: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for edge in graph.edges_from(from) {
        children
            .entry(edge.to.clone())
            .or_default()
            .push(edge.kind.label());
    }
    children
}

fn networking_text(service: &ServiceNode) -> String {
    match &service.networking {
        Networking::Networks(networks) if networks.is_empty() => String::new(),
        Networking::Networks(networks) => format!("  networks: {}", networks.join(", ")),
        Networking::Mode(mode) => format!("  network_mode: {mode}"),
    }
}

#[allow(clippy::too_many_arguments)]
fn text_node(
    graph: &ProjectGraph,
    service: &ServiceNode,
    labels: Option<&[String]>,
    line_prefix: &str,
    child_prefix: &str,
    shown: &mut BTreeSet<String>,
    ancestors: &mut Vec<String>,
    out: &mut String,
) {
    out.push_str(line_prefix);
    out.push_str(&service.name);
    if let Some(labels) = labels {
        out.push_str(&format!(" [{}]", labels.join("; ")));
    }
    if ancestors.contains(&service.name) {
        out.push_str(" (cycle)\n");
        return;
    }
    if !shown.insert(service.name.clone()) {
        out.push_str(" (*)\n");
        return;
    }
    out.push_str(&networking_text(service));
    out.push('\n');
    let children = children(graph, &service.name);
    ancestors.push(service.name.clone());
    let count = children.len();
    for (index, (target, labels)) in children.iter().enumerate() {
        let Some(node) = graph.services.iter().find(|s| &s.name == target) else {
            continue;
        };
        let last = index + 1 == count;
        let (branch, next) = if last {
            ("└── ", "    ")
        } else {
            ("├── ", "│   ")
        };
        text_node(
            graph,
            node,
            Some(labels),
            &format!("{child_prefix}{branch}"),
            &format!("{child_prefix}{next}"),
            shown,
            ancestors,
            out,
        );
    }
    ancestors.pop();
}

/// A DOT quoted string: `"` and `\` escaped, newlines as `\n`.
pub fn dot_quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            _ => out.push(c),
        }
    }
    out.push('"');
    out
}

fn dot_network_id(network: &str) -> String {
    dot_quote(&format!("network:{network}"))
}

fn dot_edge_attributes(kind: &EdgeKind) -> String {
    let style = match kind {
        EdgeKind::DependsOn { required: true, .. } => "style=solid",
        EdgeKind::DependsOn {
            required: false, ..
        } => "style=solid, color=gray40",
        EdgeKind::Link { .. } => "style=dashed, color=blue",
        EdgeKind::NetworkMode => "style=bold, color=darkgreen",
        EdgeKind::VolumesFrom { .. } => "style=dotted, color=brown",
    };
    format!("label={}, {style}", dot_quote(&kind.label()))
}

/// Graphviz DOT: a `digraph` named after the project; services are boxes, networks dashed
/// ellipses (ids `network:<key>`, so they never clash with a service).
pub fn dot(graph: &ProjectGraph) -> String {
    let mut out = format!("digraph {} {{\n", dot_quote(&graph.project));
    out.push_str("  node [shape=box];\n");
    for service in &graph.services {
        match &service.networking {
            Networking::Mode(mode) if !mode.starts_with("service:") => {
                let label = format!("{}\nnetwork_mode: {mode}", service.name);
                out.push_str(&format!(
                    "  {} [label={}];\n",
                    dot_quote(&service.name),
                    dot_quote(&label)
                ));
            }
            _ => out.push_str(&format!("  {};\n", dot_quote(&service.name))),
        }
    }
    for network in &graph.networks {
        out.push_str(&format!(
            "  {} [label={}, shape=ellipse, style=dashed];\n",
            dot_network_id(network),
            dot_quote(network)
        ));
    }
    for Edge { from, to, kind } in &graph.edges {
        out.push_str(&format!(
            "  {} -> {} [{}];\n",
            dot_quote(from),
            dot_quote(to),
            dot_edge_attributes(kind)
        ));
    }
    for service in &graph.services {
        if let Networking::Networks(networks) = &service.networking {
            for network in networks.iter().filter(|n| graph.networks.contains(n)) {
                out.push_str(&format!(
                    "  {} -> {} [arrowhead=none, style=dotted, color=gray];\n",
                    dot_quote(&service.name),
                    dot_network_id(network)
                ));
            }
        }
    }
    out.push_str("}\n");
    out
}

/// A Mermaid quoted label: `"` as `#quot;`, newlines as `<br/>`.
pub fn mermaid_quote(text: &str) -> String {
    format!("\"{}\"", text.replace('"', "#quot;").replace('\n', "<br/>"))
}

/// A Mermaid flowchart: node ids are `s<N>` (services, by name) and `n<N>` (networks), so a
/// name with `-` or `.` is only ever a quoted label.
pub fn mermaid(graph: &ProjectGraph) -> String {
    let service_id: BTreeMap<&str, String> = graph
        .services
        .iter()
        .enumerate()
        .map(|(index, s)| (s.name.as_str(), format!("s{index}")))
        .collect();
    let network_id: BTreeMap<&str, String> = graph
        .networks
        .iter()
        .enumerate()
        .map(|(index, n)| (n.as_str(), format!("n{index}")))
        .collect();
    let mut out = String::from("flowchart TD\n");
    for service in &graph.services {
        let label = match &service.networking {
            Networking::Mode(mode) if !mode.starts_with("service:") => {
                format!("{}\nnetwork_mode: {mode}", service.name)
            }
            _ => service.name.clone(),
        };
        out.push_str(&format!(
            "  {}[{}]\n",
            service_id[service.name.as_str()],
            mermaid_quote(&label)
        ));
    }
    for network in &graph.networks {
        out.push_str(&format!(
            "  {}([{}])\n",
            network_id[network.as_str()],
            mermaid_quote(&format!("network: {network}"))
        ));
    }
    for Edge { from, to, kind } in &graph.edges {
        let (Some(from), Some(to)) = (service_id.get(from.as_str()), service_id.get(to.as_str()))
        else {
            continue;
        };
        let arrow = match kind {
            EdgeKind::DependsOn { .. } => "-->",
            EdgeKind::Link { .. } => "-.->",
            EdgeKind::NetworkMode => "==>",
            EdgeKind::VolumesFrom { .. } => "--o",
        };
        out.push_str(&format!(
            "  {from} {arrow}|{}| {to}\n",
            mermaid_quote(&kind.label())
        ));
    }
    for service in &graph.services {
        if let Networking::Networks(networks) = &service.networking {
            for network in networks {
                if let Some(network) = network_id.get(network.as_str()) {
                    out.push_str(&format!(
                        "  {} -.- {network}\n",
                        service_id[service.name.as_str()]
                    ));
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sample() -> ProjectGraph {
        let model = json!({"services": {
            "web": {
                "links": ["cache.v2:redis"],
                "depends_on": {
                    "cache.v2": {"condition": "service_started", "restart": true, "required": true},
                    "db": {"condition": "service_healthy", "restart": true, "required": true},
                    "migrate": {"condition": "service_completed_successfully", "required": false}
                },
                "networks": {"front": null, "back": null}
            },
            "db": {"networks": {"back": null}},
            "migrate": {"networks": {"default": null}},
            "cache.v2": {"network_mode": "host"},
            "side-car": {
                "network_mode": "service:web",
                "volumes_from": ["db:ro"],
                "depends_on": {
                    "web": {"condition": "service_started", "restart": true, "required": true},
                    "db": {"condition": "service_started", "restart": true, "required": true}
                }
            }
        }, "networks": {"front": {}, "back": {}, "default": {}}});
        ProjectGraph::from_model("my-app", &model)
    }

    #[test]
    fn text_is_a_tree_of_what_each_service_needs() {
        assert_eq!(
            text(&sample()),
            "\
side-car  network_mode: service:web
├── db [volumes_from: ro]  networks: back
└── web [network_mode]  networks: back, front
    ├── cache.v2 [link: redis]  network_mode: host
    ├── db [service_healthy, restart] (*)
    └── migrate [service_completed_successfully, required: false]  networks: default
"
        );
    }

    #[test]
    fn dot_quotes_every_identifier() {
        assert_eq!(
            dot(&sample()),
            r#"digraph "my-app" {
  node [shape=box];
  "cache.v2" [label="cache.v2\nnetwork_mode: host"];
  "db";
  "migrate";
  "side-car";
  "web";
  "network:back" [label="back", shape=ellipse, style=dashed];
  "network:default" [label="default", shape=ellipse, style=dashed];
  "network:front" [label="front", shape=ellipse, style=dashed];
  "side-car" -> "db" [label="volumes_from: ro", style=dotted, color=brown];
  "side-car" -> "web" [label="network_mode", style=bold, color=darkgreen];
  "web" -> "cache.v2" [label="link: redis", style=dashed, color=blue];
  "web" -> "db" [label="service_healthy, restart", style=solid];
  "web" -> "migrate" [label="service_completed_successfully, required: false", style=solid, color=gray40];
  "db" -> "network:back" [arrowhead=none, style=dotted, color=gray];
  "migrate" -> "network:default" [arrowhead=none, style=dotted, color=gray];
  "web" -> "network:back" [arrowhead=none, style=dotted, color=gray];
  "web" -> "network:front" [arrowhead=none, style=dotted, color=gray];
}
"#
        );
        assert_eq!(dot_quote(r#"a"b\c"#), r#""a\"b\\c""#);
    }

    #[test]
    fn mermaid_uses_plain_ids_and_quoted_labels() {
        assert_eq!(
            mermaid(&sample()),
            r#"flowchart TD
  s0["cache.v2<br/>network_mode: host"]
  s1["db"]
  s2["migrate"]
  s3["side-car"]
  s4["web"]
  n0(["network: back"])
  n1(["network: default"])
  n2(["network: front"])
  s3 --o|"volumes_from: ro"| s1
  s3 ==>|"network_mode"| s4
  s4 -.->|"link: redis"| s0
  s4 -->|"service_healthy, restart"| s1
  s4 -->|"service_completed_successfully, required: false"| s2
  s1 -.- n0
  s2 -.- n1
  s4 -.- n0
  s4 -.- n2
"#
        );
        assert_eq!(mermaid_quote("a\"b"), "\"a#quot;b\"");
    }
}
