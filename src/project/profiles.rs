//! `profiles`: services that name profiles run only when one of them is active (`--profile`,
//! `COMPOSE_PROFILES`; `*` activates all).

use super::node::{Node, Value};

/// Every profile named by any service, sorted and unique.
pub fn all(doc: &Node) -> Vec<String> {
    let mut names: Vec<String> = services(doc).flat_map(service_profiles).collect();
    names.sort();
    names.dedup();
    names
}

/// Removes the services whose profiles are all inactive.
pub fn apply(doc: &mut Node, active: &[String]) {
    let all_active = active.iter().any(|p| p == "*");
    if let Some(services) = doc
        .as_map_mut()
        .and_then(|map| map.get_mut("services"))
        .and_then(Node::as_map_mut)
    {
        services.retain(|_, service| {
            let profiles = service_profiles(service);
            profiles.is_empty() || all_active || profiles.iter().any(|p| active.contains(p))
        });
    }
}

fn services(doc: &Node) -> impl Iterator<Item = &Node> {
    doc.get("services")
        .and_then(Node::as_map)
        .into_iter()
        .flat_map(|services| services.values())
}

fn service_profiles(service: &Node) -> Vec<String> {
    match service.get("profiles").map(|p| &p.value) {
        Some(Value::Seq(items)) => items.iter().filter_map(Node::scalar_text).collect(),
        _ => Vec::new(),
    }
}
