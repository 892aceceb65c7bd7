//! The canonical form: what `config` prints and the reconciler binds. Short syntax becomes long
//! syntax, lists of `K=V` become maps, sizes become bytes and durations Go durations, relative
//! paths absolute, and top-level resources get their engine names — as docker compose v2 does.

pub mod ports;
mod service;
pub mod units;
pub mod volumes;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use indexmap::IndexMap;
use serde_json::{json, Map, Value as J};

use super::node::{KeyPath, Node, Value};
use crate::diag::{Diagnostic, SourceMap};

/// What canonicalisation needs to know beyond the tree.
pub struct Context<'a> {
    pub project_name: &'a str,
    pub project_dir: &'a Path,
    pub environment: &'a IndexMap<String, String>,
    pub home: Option<PathBuf>,
}

impl Context<'_> {
    /// A context for conversions that need no project facts (label lists, ...).
    pub fn none() -> Context<'static> {
        static EMPTY: std::sync::OnceLock<IndexMap<String, String>> = std::sync::OnceLock::new();
        Context {
            project_name: "",
            project_dir: Path::new("/"),
            environment: EMPTY.get_or_init(IndexMap::new),
            home: None,
        }
    }
}

/// The merged, profile-filtered tree → the canonical model. Problems found on the way (an
/// unparsable port, a missing env_file) are diagnostics at the node concerned.
pub fn canonicalize(
    doc: &Node,
    context: &Context,
    sources: &mut SourceMap,
    diagnostics: &mut Vec<Diagnostic>,
) -> J {
    canonicalize_services(doc, context, sources, diagnostics, true)
}

/// The diagnostics of the canonical form without keeping it: each service's form is dropped once
/// the resources it uses are noted. For `config -q` and `validate`, whose peak memory on 1000
/// services this cuts by a third (the tree and the whole model were held together). The
/// returned model has every section but `services`.
pub fn check_only(
    doc: &Node,
    context: &Context,
    sources: &mut SourceMap,
    diagnostics: &mut Vec<Diagnostic>,
) -> J {
    canonicalize_services(doc, context, sources, diagnostics, false)
}

fn canonicalize_services(
    doc: &Node,
    context: &Context,
    sources: &mut SourceMap,
    diagnostics: &mut Vec<Diagnostic>,
    keep_services: bool,
) -> J {
    let mut services = Map::new();
    let mut used = Used::default();
    if let Some(map) = doc.get("services").and_then(Node::as_map) {
        let mut names: Vec<&String> = map.keys().collect();
        names.sort();
        for name in names {
            let path = KeyPath::root().key("services").key(name);
            let service = service::canonical(&map[name], context, &path, sources, diagnostics);
            used.add(&service);
            if keep_services {
                services.insert(name.clone(), service);
            }
        }
    }

    let mut out = Map::new();
    out.insert("name".into(), json!(context.project_name));
    let sections: [(&str, &BTreeSet<String>); 4] = [
        ("networks", &used.networks),
        ("volumes", &used.volumes),
        ("secrets", &used.secrets),
        ("configs", &used.configs),
    ];
    for (section, used_names) in sections {
        let declared = doc.get(section).and_then(Node::as_map);
        let mut resources = Map::new();
        for name in used_names {
            let node = declared.and_then(|d| d.get(name));
            if node.is_none() && !(section == "networks" && name == "default") {
                continue; // undefined: reported by the checks phase
            }
            resources.insert(name.clone(), resource(section, name, node, context));
        }
        if !resources.is_empty() {
            out.insert(section.into(), J::Object(resources));
        }
    }
    // The models the services use: docker compose prints them in YAML, not in JSON (the
    // JSON renderer leaves them out).
    let declared_models = doc.get("models").and_then(Node::as_map);
    let models: Map<String, J> = used
        .models
        .iter()
        .filter_map(|name| Some((name.clone(), declared_models?.get(name)?.to_json())))
        .collect();
    if !models.is_empty() {
        out.insert("models".into(), J::Object(models));
    }
    if keep_services {
        out.insert("services".into(), J::Object(services));
    }
    if let Some(map) = doc.as_map() {
        for (key, value) in map {
            if key.starts_with("x-") {
                out.insert(key.clone(), value.to_json());
            }
        }
    }
    sort_object(&mut out);
    J::Object(out)
}

/// The names of the top-level resources the services use; docker compose leaves the others out.
#[derive(Default)]
struct Used {
    networks: BTreeSet<String>,
    volumes: BTreeSet<String>,
    secrets: BTreeSet<String>,
    configs: BTreeSet<String>,
    models: BTreeSet<String>,
}

impl Used {
    /// Notes the resources one service's canonical form uses.
    fn add(&mut self, service: &J) {
        let used = self;
        if let Some(networks) = service.get("networks").and_then(J::as_object) {
            used.networks.extend(networks.keys().cloned());
        }
        if let Some(models) = service.get("models").and_then(J::as_object) {
            used.models.extend(models.keys().cloned());
        }
        for volume in service
            .get("volumes")
            .and_then(J::as_array)
            .into_iter()
            .flatten()
        {
            if volume.get("type").and_then(J::as_str) == Some("volume") {
                if let Some(source) = volume.get("source").and_then(J::as_str) {
                    used.volumes.insert(source.to_string());
                }
            }
        }
        for (key, set) in [
            ("secrets", &mut used.secrets),
            ("configs", &mut used.configs),
        ] {
            for item in service.get(key).and_then(J::as_array).into_iter().flatten() {
                if let Some(source) = item.get("source").and_then(J::as_str) {
                    set.insert(source.to_string());
                }
            }
        }
        let build_secrets = service.pointer("/build/secrets").and_then(J::as_array);
        for item in build_secrets.into_iter().flatten() {
            if let Some(source) = item.get("source").and_then(J::as_str) {
                used.secrets.insert(source.to_string());
            }
        }
    }
}

/// A top-level network, volume, secret or config with its engine name.
fn resource(section: &str, name: &str, node: Option<&Node>, context: &Context) -> J {
    let mut out = Map::new();
    let map = node.and_then(Node::as_map);
    let external = map
        .and_then(|m| m.get("external"))
        .map(|e| match &e.value {
            Value::Bool(b) => *b,
            Value::Map(_) => true,
            _ => false,
        })
        .unwrap_or(false);
    let explicit_name = map.and_then(|m| m.get("name")).and_then(Node::scalar_text);
    let external_legacy_name = map
        .and_then(|m| m.get("external"))
        .and_then(|e| e.get("name"))
        .and_then(Node::scalar_text);
    let engine_name = explicit_name.or(external_legacy_name).unwrap_or_else(|| {
        if external {
            name.to_string()
        } else {
            format!("{}_{name}", context.project_name)
        }
    });
    out.insert("name".into(), json!(engine_name));
    for (key, value) in map.into_iter().flatten() {
        let converted = match key.as_str() {
            "name" => continue,
            "external" => json!(external),
            // Plain booleans docker compose prints only when true.
            "internal" | "attachable" if matches!(value.value, Value::Bool(false)) => continue,
            "labels" | "driver_opts" => service::string_map(value, context, false),
            // docker compose's IPAM model has no `options`: it drops them.
            "ipam" => {
                let mut ipam = value.to_json();
                if let Some(map) = ipam.as_object_mut() {
                    map.shift_remove("options");
                }
                ipam
            }
            "file" => match value.as_str() {
                Some(path) => json!(volumes::resolve_host_path(
                    path,
                    context.project_dir,
                    context.home.as_deref()
                )),
                None => value.to_json(),
            },
            _ => value.to_json(),
        };
        out.insert(key.clone(), converted);
    }
    service::prune_empty(&mut out);
    if section == "networks" && !out.contains_key("ipam") {
        insert_after(
            &mut out,
            "ipam",
            json!({}),
            &["name", "driver", "driver_opts"],
        );
    }
    J::Object(out)
}

/// Inserts `key` after the last of `after` present, keeping the others' order.
fn insert_after(map: &mut Map<String, J>, key: &str, value: J, after: &[&str]) {
    let mut entries: Vec<(String, J)> = std::mem::take(map).into_iter().collect();
    let position = entries
        .iter()
        .rposition(|(k, _)| after.contains(&k.as_str()))
        .map(|p| p + 1)
        .unwrap_or(0);
    entries.insert(position, (key.to_string(), value));
    map.extend(entries);
}

fn sort_object(map: &mut Map<String, J>) {
    // In place (keys are unique, so unstable is exact); rebuilding the map cost a hash per key.
    map.sort_keys();
}
