//! One service in canonical form. Each key has its conversion in [`convert`]; keys without one
//! pass through unchanged.

use indexmap::IndexMap;
use serde_json::{json, Map, Value as J};

use super::{ports, units, volumes, Context};
use crate::diag::{Diagnostic, SourceMap};
use crate::project::dotenv;
use crate::project::node::{KeyPath, Node, Value};

pub fn canonical(
    service: &Node,
    context: &Context,
    path: &KeyPath,
    sources: &mut SourceMap,
    diagnostics: &mut Vec<Diagnostic>,
) -> J {
    let Some(map) = service.as_map() else {
        return service.to_json();
    };
    let mut out = Map::new();
    for (key, value) in map {
        // `env_file` is folded into `environment` and `label_file` into `labels` below.
        if key == "env_file" || key == "label_file" {
            continue;
        }
        // docker compose prints a service's `x-` extensions in YAML, not in JSON (the JSON
        // renderer leaves them out) nor in the config hashes.
        if key.starts_with("x-") {
            out.insert(key.clone(), value.to_json());
            continue;
        }
        match convert(key, value, context) {
            Ok(Some(converted)) => {
                out.insert(key.clone(), converted);
            }
            Ok(None) => {}
            Err(message) => diagnostics.push(
                Diagnostic::error(message)
                    .at(value.span)
                    .path(path.key(key)),
            ),
        }
    }

    if let Some(labels) = labels_with_files(service, context, path, diagnostics) {
        out.insert("labels".into(), labels);
    }
    for (node, key_path, message) in conflicts(service, path) {
        diagnostics.push(Diagnostic::error(message).at(node.span).path(key_path));
    }
    let environment = environment(service, context, path, sources, diagnostics);
    if !environment.is_empty() {
        out.insert("environment".into(), J::Object(environment));
    }
    // With a `deploy` section, `scale` is also its replica count.
    if let (Some(scale), Some(J::Object(deploy))) = (service.get("scale"), out.get_mut("deploy")) {
        if !deploy.contains_key("replicas") {
            if let Ok(count) = number(scale) {
                deploy.insert("replicas".into(), count);
            }
        }
    }
    add_implicit_dependencies(service, &mut out);
    prune_empty(&mut out);
    // A provider service (a model runner, ...) runs no container: no default network.
    let provider = map.contains_key("provider");
    if !out.contains_key("networks") && !map.contains_key("network_mode") && !provider {
        out.insert("networks".into(), json!({"default": null}));
    }
    for key in ["command", "entrypoint"] {
        out.entry(key).or_insert(J::Null);
    }
    super::sort_object(&mut out);
    J::Object(out)
}

/// The conversion of one service key; `Ok(None)` drops the key.
fn convert(key: &str, value: &Node, context: &Context) -> Result<Option<J>, String> {
    let converted = match key {
        "build" => build(value, context)?,
        "command" | "entrypoint" => match &value.value {
            Value::Str(text) => json!(units::shell_split(text)?),
            _ => value.to_json(),
        },
        "depends_on" => depends_on(value),
        "deploy" => deploy(value)?,
        "devices" => devices(value),
        "dns" | "dns_search" | "dns_opt" | "tmpfs" => string_or_list(value),
        "expose" => list_of_strings(value),
        "extra_hosts" => extra_hosts(value),
        "gpus" => gpus(value),
        "blkio_config" => blkio(value)?,
        "ulimits" => ulimits(value),
        "post_start" | "pre_stop" => hooks(value)?,
        "develop" => develop(value, context)?,
        "healthcheck" => healthcheck(value)?,
        "models" => match &value.value {
            // A list of model names is a mapping of names to no options.
            Value::Seq(items) => J::Object(
                items
                    .iter()
                    .filter_map(Node::scalar_text)
                    .map(|name| (name, J::Null))
                    .collect(),
            ),
            _ => value.to_json(),
        },
        "provider" => provider(value),
        "labels" | "annotations" | "sysctls" => labels_map(value),
        "networks" => networks(value),
        "ports" => {
            let mut out = Vec::new();
            for item in value.as_seq().unwrap_or_default() {
                out.extend(ports::canonical(item)?);
            }
            J::Array(out)
        }
        "secrets" | "configs" => file_references(key, value),
        "volumes" => {
            let mut out = Vec::new();
            // `create_host_path: false` is docker compose's default in long syntax: not printed.
            for item in value.as_seq().unwrap_or_default() {
                out.push(volumes::canonical(
                    item,
                    context.project_dir,
                    context.home.as_deref(),
                )?);
            }
            J::Array(out)
        }
        "shm_size" | "mem_limit" | "mem_reservation" | "memswap_limit" => {
            volumes::size_in_bytes(value)?
        }
        "stop_grace_period" => duration(value)?,
        "cpus" => number(value)?,
        // An alias docker compose prints under its canonical name.
        "pull_policy" if value.as_str() == Some("if_not_present") => json!("missing"),
        // Plain booleans docker compose only prints when true.
        "privileged" | "read_only" | "stdin_open" | "tty" | "oom_kill_disable"
            if matches!(value.value, Value::Bool(false)) =>
        {
            return Ok(None)
        }
        "environment" => return Ok(None),
        _ => value.to_json(),
    };
    Ok(Some(converted))
}

fn duration(node: &Node) -> Result<J, String> {
    match &node.value {
        Value::Str(text) => units::parse_duration(text)
            .map(|nanos| json!(units::format_duration(nanos)))
            .ok_or_else(|| format!("invalid duration `{text}`")),
        _ => Ok(node.to_json()),
    }
}

fn number(node: &Node) -> Result<J, String> {
    match &node.value {
        Value::Str(text) => text
            .trim()
            .parse::<f64>()
            .map(|f| {
                if f.fract() == 0.0 && f.abs() < 1e15 {
                    json!(f as i64)
                } else {
                    json!(f)
                }
            })
            .map_err(|_| format!("invalid number `{text}`")),
        _ => Ok(node.to_json()),
    }
}

fn string_or_list(node: &Node) -> J {
    match &node.value {
        Value::Str(text) => json!([text]),
        _ => list_of_strings(node),
    }
}

fn list_of_strings(node: &Node) -> J {
    match &node.value {
        Value::Seq(items) => J::Array(
            items
                .iter()
                .map(|item| {
                    item.scalar_text()
                        .map(J::from)
                        .unwrap_or_else(|| item.to_json())
                })
                .collect(),
        ),
        _ => node.to_json(),
    }
}

/// A `K=V` list or a mapping → a mapping of strings, sorted by key as docker compose prints it.
/// With `resolve`, a bare `K` (or `K: null`) takes its value from the project environment and
/// is dropped when unset; without it, it stays `null`.
pub fn string_map(node: &Node, context: &Context, resolve: bool) -> J {
    let mut pairs: Vec<(String, J)> = Vec::new();
    match &node.value {
        Value::Seq(items) => {
            for item in items {
                let Some(text) = item.scalar_text() else {
                    continue;
                };
                match text.split_once('=') {
                    Some((key, value)) => pairs.push((key.to_string(), json!(value))),
                    None => pairs.push((text, J::Null)),
                }
            }
        }
        Value::Map(map) => {
            for (key, value) in map {
                let converted = if value.is_null() {
                    J::Null
                } else {
                    value
                        .scalar_text()
                        .map(J::from)
                        .unwrap_or_else(|| value.to_json())
                };
                pairs.push((key.clone(), converted));
            }
        }
        _ => return node.to_json(),
    }
    let mut out = Map::new();
    for (key, value) in pairs {
        if value.is_null() && resolve {
            match context.environment.get(&key) {
                Some(found) => {
                    out.insert(key, json!(found));
                }
                None => {
                    out.shift_remove(&key);
                }
            }
            continue;
        }
        out.insert(key, value);
    }
    super::sort_object(&mut out);
    J::Object(out)
}

fn build(node: &Node, context: &Context) -> Result<J, String> {
    let context_path = |raw: &str| {
        if is_remote_context(raw) {
            raw.to_string()
        } else {
            volumes::resolve_host_path(raw, context.project_dir, context.home.as_deref())
        }
    };
    match &node.value {
        Value::Str(raw) => Ok(json!({"context": context_path(raw), "dockerfile": "Dockerfile"})),
        Value::Map(map) => {
            let mut out = Map::new();
            let raw_context = map
                .get("context")
                .and_then(Node::scalar_text)
                .unwrap_or_else(|| ".".into());
            out.insert("context".into(), json!(context_path(&raw_context)));
            if !map.contains_key("dockerfile") && !map.contains_key("dockerfile_inline") {
                out.insert("dockerfile".into(), json!("Dockerfile"));
            }
            for (key, value) in map {
                let converted = match key.as_str() {
                    "context" => continue,
                    "args" => string_map(value, context, true),
                    "labels" => labels_map(value),
                    "extra_hosts" => extra_hosts(value),
                    "additional_contexts" => additional_contexts(value, context),
                    "shm_size" => volumes::size_in_bytes(value)?,
                    "secrets" => file_references("build_secrets", value),
                    _ => value.to_json(),
                };
                out.insert(key.clone(), converted);
            }
            Ok(J::Object(out))
        }
        _ => Ok(node.to_json()),
    }
}

fn is_remote_context(raw: &str) -> bool {
    [
        "http://",
        "https://",
        "git://",
        "git@",
        "github.com/",
        "ssh://",
    ]
    .iter()
    .any(|prefix| raw.starts_with(prefix))
}

fn depends_on(node: &Node) -> J {
    let mut out = Map::new();
    match &node.value {
        Value::Seq(items) => {
            for item in items {
                if let Some(name) = item.scalar_text() {
                    out.insert(
                        name,
                        json!({"condition": "service_started", "required": true}),
                    );
                }
            }
        }
        Value::Map(map) => {
            for (name, value) in map {
                let mut entry = Map::new();
                let condition = value.get("condition").and_then(Node::scalar_text);
                entry.insert(
                    "condition".into(),
                    json!(condition.unwrap_or_else(|| "service_started".into())),
                );
                // `restart: false` is the default, which docker compose leaves out.
                if let Some(restart) = value.get("restart") {
                    if !matches!(restart.value, Value::Bool(false)) {
                        entry.insert("restart".into(), restart.to_json());
                    }
                }
                let required = value
                    .get("required")
                    .map(Node::to_json)
                    .unwrap_or(json!(true));
                entry.insert("required".into(), required);
                out.insert(name.clone(), J::Object(entry));
            }
        }
        _ => return node.to_json(),
    }
    super::sort_object(&mut out);
    J::Object(out)
}

/// `links`, `volumes_from` and `network_mode`/`ipc`/`pid: service:x` imply a dependency, which docker
/// compose writes out in `depends_on` (with `restart: true`, except for `volumes_from`).
fn add_implicit_dependencies(service: &Node, out: &mut Map<String, J>) {
    // (service, whether docker compose adds `restart: true`)
    let mut implied: Vec<(String, bool)> = Vec::new();
    for key in ["network_mode", "ipc", "pid"] {
        if let Some(mode) = service.get(key).and_then(Node::as_str) {
            if let Some(name) = mode.strip_prefix("service:") {
                implied.push((name.to_string(), true));
            }
        }
    }
    for link in service
        .get("links")
        .and_then(Node::as_seq)
        .unwrap_or_default()
    {
        if let Some(text) = link.as_str() {
            implied.push((text.split(':').next().unwrap_or(text).to_string(), true));
        }
    }
    for item in service
        .get("volumes_from")
        .and_then(Node::as_seq)
        .unwrap_or_default()
    {
        if let Some(text) = item.as_str() {
            if text.starts_with("container:") {
                continue;
            }
            implied.push((text.split(':').next().unwrap_or(text).to_string(), false));
        }
    }
    if implied.is_empty() {
        return;
    }
    let depends = out
        .entry("depends_on")
        .or_insert_with(|| J::Object(Map::new()));
    if let Some(map) = depends.as_object_mut() {
        for (name, restart) in implied {
            map.entry(name).or_insert_with(|| {
                if restart {
                    json!({"condition": "service_started", "restart": true, "required": true})
                } else {
                    json!({"condition": "service_started", "required": true})
                }
            });
        }
        super::sort_object(map);
    }
}

fn deploy(node: &Node) -> Result<J, String> {
    let mut out = match node.to_json() {
        J::Object(map) => map,
        other => return Ok(other),
    };
    if let Some(resources) = node.get("resources") {
        for kind in ["limits", "reservations"] {
            let Some(section) = resources.get(kind) else {
                continue;
            };
            let target = &mut out["resources"][kind];
            if let Some(cpus) = section.get("cpus") {
                target["cpus"] = number(cpus)?;
            }
            if let Some(memory) = section.get("memory") {
                target["memory"] = volumes::size_in_bytes(memory)?;
            }
            if let Some(devices) = target.get_mut("devices").and_then(J::as_array_mut) {
                for device in devices {
                    if let Some(device) = device.as_object_mut() {
                        // No count and no ids, or `count: all`, means every device (-1).
                        let unspecified =
                            !device.contains_key("count") && !device.contains_key("device_ids");
                        if unspecified || device.get("count") == Some(&json!("all")) {
                            device.insert("count".into(), json!(-1));
                        }
                    }
                }
            }
        }
    }
    for (section, keys) in [
        ("restart_policy", &["delay", "window"][..]),
        ("update_config", &["delay", "monitor"][..]),
        ("rollback_config", &["delay", "monitor"][..]),
    ] {
        let Some(source) = node.get(section) else {
            continue;
        };
        for key in keys {
            if let Some(value) = source.get(key) {
                out[section][*key] = duration(value)?;
            }
        }
    }
    if let Some(labels) = node.get("labels") {
        out.insert("labels".into(), labels_map(labels));
    }
    if let Some(replicas) = node.get("replicas") {
        if let Value::Str(text) = &replicas.value {
            let count: i64 = text
                .parse()
                .map_err(|_| format!("invalid replicas `{text}`"))?;
            out.insert("replicas".into(), json!(count));
        }
    }
    out.entry("resources").or_insert_with(|| json!({}));
    out.entry("placement").or_insert_with(|| json!({}));
    Ok(J::Object(out))
}

fn devices(node: &Node) -> J {
    let Some(items) = node.as_seq() else {
        return node.to_json();
    };
    J::Array(
        items
            .iter()
            .map(|item| match &item.value {
                Value::Str(spec) => {
                    let mut parts = spec.splitn(3, ':');
                    let source = parts.next().unwrap_or_default();
                    let target = parts.next().unwrap_or(source);
                    let permissions = parts.next().unwrap_or("rwm");
                    json!({"source": source, "target": target, "permissions": permissions})
                }
                _ => item.to_json(),
            })
            .collect(),
    )
}

/// `host:ip` / `host=ip` entries or a mapping → sorted `host=ip` strings, as docker compose
/// prints them.
fn extra_hosts(node: &Node) -> J {
    match &node.value {
        Value::Seq(items) => {
            let mut entries: Vec<String> = Vec::new();
            for entry in items.iter().filter_map(Node::scalar_text) {
                let pair = entry.split_once('=').or_else(|| entry.split_once(':'));
                match pair {
                    Some((host, ip)) => entries.push(format!("{host}={}", unbracket(ip))),
                    None => entries.push(entry.clone()), // reported by `conflicts`
                }
            }
            entries.sort();
            json!(entries)
        }
        Value::Map(map) => {
            let mut entries: Vec<String> = Vec::new();
            for (host, ips) in map {
                match &ips.value {
                    Value::Seq(list) => {
                        for ip in list.iter().filter_map(Node::scalar_text) {
                            entries.push(format!("{host}={}", unbracket(&ip)));
                        }
                    }
                    _ => {
                        let ip = ips.scalar_text().unwrap_or_default();
                        entries.push(format!("{host}={}", unbracket(&ip)));
                    }
                }
            }
            entries.sort();
            json!(entries)
        }
        _ => node.to_json(),
    }
}

/// `[::1]` → `::1`: docker compose accepts an IPv6 address in brackets and prints it bare.
fn unbracket(ip: &str) -> &str {
    ip.strip_prefix('[')
        .and_then(|rest| rest.strip_suffix(']'))
        .unwrap_or(ip)
}

/// Labels, annotations and sysctls: a bare `K` or `K: null` is the empty string.
fn labels_map(node: &Node) -> J {
    let mut map = string_map(node, &Context::none(), false);
    if let Some(entries) = map.as_object_mut() {
        for value in entries.values_mut() {
            if value.is_null() {
                *value = json!("");
            }
        }
    }
    map
}

/// `label_file` entries (dotenv files, in order) under the service's `labels`, which win.
fn labels_with_files(
    service: &Node,
    context: &Context,
    path: &KeyPath,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<J> {
    let files = service.get("label_file")?;
    let names: Vec<&Node> = match &files.value {
        Value::Seq(items) => items.iter().collect(),
        _ => vec![files],
    };
    let mut from_files: IndexMap<String, String> = IndexMap::new();
    for node in names {
        let Some(file) = node.scalar_text() else {
            continue;
        };
        let resolved =
            volumes::resolve_host_path(&file, context.project_dir, context.home.as_deref());
        let text = match std::fs::read_to_string(&resolved) {
            Ok(text) => text,
            Err(error) => {
                diagnostics.push(
                    Diagnostic::error(format!("label file `{resolved}` not found: {error}"))
                        .at(node.span)
                        .path(path.key("label_file")),
                );
                continue;
            }
        };
        if let Err(error) = dotenv::parse_into(&text, &|_| None, &mut from_files) {
            diagnostics.push(
                Diagnostic::error(format!(
                    "invalid label file `{resolved}`: {}",
                    error.message
                ))
                .at(node.span)
                .path(path.key("label_file")),
            );
        }
    }
    let mut out: Map<String, J> = from_files.into_iter().map(|(k, v)| (k, json!(v))).collect();
    if let Some(J::Object(declared)) = service.get("labels").map(labels_map) {
        out.extend(declared);
    }
    super::sort_object(&mut out);
    Some(J::Object(out))
}

/// What docker compose refuses in a service whose keys are each valid: keys that exclude each
/// other, no image to run, an extra host without an address. (node, path, message)
fn conflicts<'n>(service: &'n Node, path: &KeyPath) -> Vec<(&'n Node, KeyPath, String)> {
    let mut found = Vec::new();
    let provider = service.get("provider").is_some();
    if service.get("image").is_none() && service.get("build").is_none() && !provider {
        found.push((
            service,
            path.clone(),
            "the service has neither an `image` nor a `build` context".to_string(),
        ));
    }
    if let (Some(mode), Some(_)) = (service.get("network_mode"), service.get("networks")) {
        found.push((
            mode,
            path.key("network_mode"),
            "`network_mode` and `networks` are mutually exclusive".to_string(),
        ));
    }
    let replicas = service.get("deploy").and_then(|d| d.get("replicas"));
    if let (Some(scale), Some(replicas)) = (service.get("scale"), replicas) {
        if scale.scalar_text() != replicas.scalar_text() {
            found.push((
                scale,
                path.key("scale"),
                "can't set distinct values on `scale` and `deploy.replicas`".to_string(),
            ));
        }
    }
    // A service-level limit next to a `deploy.resources` section must agree with it (an
    // absent deploy value counts as 0, as in docker compose).
    let resources = service.get("deploy").and_then(|d| d.get("resources"));
    for (key, section, field) in [
        ("cpus", "limits", "cpus"),
        ("mem_limit", "limits", "memory"),
        ("pids_limit", "limits", "pids"),
        ("mem_reservation", "reservations", "memory"),
    ] {
        let (Some(own), Some(deploy)) = (service.get(key), resources.and_then(|r| r.get(section)))
        else {
            continue;
        };
        let amount = |node: Option<&Node>| -> Option<f64> {
            let Some(node) = node else { return Some(0.0) };
            if field == "memory" {
                volumes::size_in_bytes(node).ok()?.as_str()?.parse().ok()
            } else {
                number(node).ok()?.as_f64()
            }
        };
        let own_amount = amount(Some(own));
        if own_amount != Some(0.0) && own_amount != amount(deploy.get(field)) {
            found.push((
                own,
                path.key(key),
                format!(
                    "can't set distinct values on `{key}` and `deploy.resources.{section}.{field}`"
                ),
            ));
        }
    }
    let platforms = service.get("build").and_then(|b| b.get("platforms"));
    if let (Some(platform), Some(platforms)) = (service.get("platform"), platforms) {
        let listed: Vec<String> = platforms
            .as_seq()
            .unwrap_or_default()
            .iter()
            .filter_map(Node::scalar_text)
            .collect();
        let wanted = platform.scalar_text().unwrap_or_default();
        if !listed.is_empty() && !listed.contains(&wanted) {
            found.push((
                platforms,
                path.key("build").key("platforms"),
                format!("`build.platforms` must include the service's `platform` `{wanted}`"),
            ));
        }
    }
    if let Some(build) = service.get("build") {
        if let (Some(file), Some(_)) = (build.get("dockerfile"), build.get("dockerfile_inline")) {
            found.push((
                file,
                path.key("build").key("dockerfile"),
                "`build.dockerfile` and `build.dockerfile_inline` are mutually exclusive"
                    .to_string(),
            ));
        }
    }
    let volumes = service.get("volumes").and_then(Node::as_seq);
    for (i, item) in volumes.unwrap_or_default().iter().enumerate() {
        if item.as_map().is_none() {
            continue;
        }
        let message = if item.get("target").is_none() {
            "the volume has no `target` (mount path in the container)"
        } else if item.get("type").and_then(Node::as_str) == Some("bind")
            && item.get("source").is_none()
        {
            "a `bind` volume needs a `source`"
        } else {
            continue;
        };
        found.push((item, path.key("volumes").index(i), message.to_string()));
    }
    if let Some(test) = service.get("healthcheck").and_then(|h| h.get("test")) {
        let first = test.as_seq().and_then(|t| t.first());
        if let Some(first) = first.and_then(Node::scalar_text) {
            if !["CMD", "CMD-SHELL", "NONE"].contains(&first.as_str()) {
                found.push((
                    test,
                    path.key("healthcheck").key("test"),
                    format!("`healthcheck.test` must start with `CMD`, `CMD-SHELL` or `NONE`, not `{first}`"),
                ));
            }
        }
    }
    let retries = service.get("healthcheck").and_then(|h| h.get("retries"));
    if let Some(retries) = retries.filter(|r| matches!(r.to_json().as_f64(), Some(n) if n < 0.0)) {
        found.push((
            retries,
            path.key("healthcheck").key("retries"),
            "`healthcheck.retries` cannot be negative".to_string(),
        ));
    }
    // A `tmpfs` path may not also be a volume's target.
    let tmpfs: Vec<String> = match service.get("tmpfs").map(|t| &t.value) {
        Some(Value::Str(text)) => vec![text.clone()],
        Some(Value::Seq(items)) => items.iter().filter_map(Node::scalar_text).collect(),
        _ => Vec::new(),
    };
    let tmpfs: Vec<&str> = tmpfs
        .iter()
        .map(|t| t.split(':').next().unwrap_or(t))
        .collect();
    for (i, item) in volumes.unwrap_or_default().iter().enumerate() {
        let target = match &item.value {
            Value::Str(spec) => crate::project::merge::parse_volume(spec).map(|v| v.target),
            _ => item.get("target").and_then(Node::scalar_text),
        };
        if let Some(target) = target.filter(|t| tmpfs.contains(&t.as_str())) {
            found.push((
                item,
                path.key("volumes").index(i),
                format!("target `{target}` is already mounted by `tmpfs`"),
            ));
        }
    }
    let environment = service.get("environment").and_then(Node::as_seq);
    for (i, item) in environment.unwrap_or_default().iter().enumerate() {
        let Some(text) = item.as_str() else { continue };
        let key = text.split_once('=').map_or(text, |(key, _)| key);
        if key.ends_with(char::is_whitespace) {
            found.push((
                item,
                path.key("environment").index(i),
                format!(
                    "environment variable `{}` is declared with a trailing space",
                    key.trim_end()
                ),
            ));
        }
    }
    let hosts = service.get("extra_hosts").and_then(Node::as_seq);
    for (i, item) in hosts.unwrap_or_default().iter().enumerate() {
        if let Some(entry) = item.scalar_text().filter(|e| !e.contains(['=', ':'])) {
            found.push((
                item,
                path.key("extra_hosts").index(i),
                format!("invalid additional host `{entry}`: missing IP"),
            ));
        }
    }
    found
}

/// `blkio_config`: byte rates (`12mb`) in bytes, as docker compose reads them.
fn blkio(node: &Node) -> Result<J, String> {
    let mut out = match node.to_json() {
        J::Object(map) => map,
        other => return Ok(other),
    };
    for key in ["device_read_bps", "device_write_bps"] {
        for (i, device) in node
            .get(key)
            .and_then(Node::as_seq)
            .unwrap_or_default()
            .iter()
            .enumerate()
        {
            if let Some(rate) = device.get("rate") {
                out[key][i]["rate"] = volumes::size_in_bytes(rate)?;
            }
        }
    }
    Ok(J::Object(out))
}

/// Lists and mappings docker compose leaves out when empty (Go slices and maps with
/// `omitempty`), at any depth; empty structs (`logging: {}`, `bind: {}`) and `command: []`
/// stay.
const OMITTED_WHEN_EMPTY: &[&str] = &[
    "additional_contexts",
    "aliases",
    "annotations",
    "args",
    "cache_from",
    "cache_to",
    "cap_add",
    "cap_drop",
    "config",
    "configs",
    "constraints",
    "depends_on",
    "device_cgroup_rules",
    "devices",
    "dns",
    "dns_opt",
    "dns_search",
    "driver_opts",
    "entitlements",
    "expose",
    "external_links",
    "extra_hosts",
    "group_add",
    "labels",
    "link_local_ips",
    "links",
    "networks",
    "options",
    "platforms",
    "ports",
    "post_start",
    "pre_stop",
    "preferences",
    "profiles",
    "secrets",
    "security_opt",
    "ssh",
    "storage_opt",
    "sysctls",
    "tags",
    "test",
    "tmpfs",
    "ulimits",
    "volumes",
    "volumes_from",
];

pub(super) fn prune_empty(map: &mut Map<String, J>) {
    map.retain(|key, value| {
        let empty = match value {
            J::Array(items) => items.is_empty(),
            J::Object(entries) => entries.is_empty(),
            _ => false,
        };
        !(empty && OMITTED_WHEN_EMPTY.contains(&key.as_str()))
    });
    for value in map.values_mut() {
        match value {
            J::Object(entries) => prune_empty(entries),
            J::Array(items) => {
                for item in items.iter_mut().filter_map(J::as_object_mut) {
                    prune_empty(item);
                }
            }
            _ => {}
        }
    }
}

/// `provider.options` values are lists in docker compose's model: a scalar becomes `[scalar]`.
fn provider(node: &Node) -> J {
    let mut out = node.to_json();
    if let Some(options) = out.get_mut("options").and_then(J::as_object_mut) {
        for value in options.values_mut() {
            if !value.is_array() && !value.is_null() {
                *value = json!([value.take()]);
            }
        }
    }
    out
}

/// `gpus: all` is every GPU (count -1), as in a `gpus` list entry with `count: all`.
fn gpus(node: &Node) -> J {
    match node.to_json() {
        J::String(text) if text == "all" => json!([{"count": -1}]),
        J::Array(mut items) => {
            for item in items.iter_mut().filter_map(J::as_object_mut) {
                if item.get("count") == Some(&json!("all")) {
                    item.insert("count".into(), json!(-1));
                }
            }
            J::Array(items)
        }
        other => other,
    }
}

/// docker compose omits zero limits: `core: 0` prints as `{}`, a zero soft or hard is left out.
fn ulimits(node: &Node) -> J {
    let mut out = match node.to_json() {
        J::Object(map) => map,
        other => return other,
    };
    let is_zero = |value: &J| value.as_i64() == Some(0) || value.as_str() == Some("0");
    for value in out.values_mut() {
        if is_zero(value) {
            *value = json!({});
        } else if let Some(limits) = value.as_object_mut() {
            limits.retain(|_, limit| !is_zero(limit));
        }
    }
    J::Object(out)
}

/// `post_start`/`pre_stop` hooks: a string command is split as a shell would, environment lists
/// become mappings.
fn hooks(node: &Node) -> Result<J, String> {
    let Some(items) = node.as_seq() else {
        return Ok(node.to_json());
    };
    let mut out = Vec::new();
    for item in items {
        let mut hook = match item.to_json() {
            J::Object(map) => map,
            other => {
                out.push(other);
                continue;
            }
        };
        if let Some(Value::Str(text)) = item.get("command").map(|c| &c.value) {
            hook.insert("command".into(), json!(units::shell_split(text)?));
        }
        if let Some(environment) = item.get("environment") {
            hook.insert(
                "environment".into(),
                string_map(environment, &Context::none(), false),
            );
        }
        out.push(J::Object(hook));
    }
    Ok(J::Array(out))
}

/// `develop.watch`: paths absolute, and the `exec` hook docker compose always prints.
fn develop(node: &Node, context: &Context) -> Result<J, String> {
    let mut out = match node.to_json() {
        J::Object(map) => map,
        other => return Ok(other),
    };
    let Some(watches) = node.get("watch").and_then(Node::as_seq) else {
        return Ok(J::Object(out));
    };
    let mut converted = Vec::new();
    for watch in watches {
        let mut entry = match watch.to_json() {
            J::Object(map) => map,
            other => {
                converted.push(other);
                continue;
            }
        };
        for key in ["include", "ignore"] {
            if let Some(J::String(pattern)) = entry.get(key) {
                let list = json!([pattern]);
                entry.insert(key.into(), list);
            }
        }
        if let Some(raw) = watch.get("path").and_then(Node::scalar_text) {
            let resolved =
                volumes::resolve_host_path(&raw, context.project_dir, context.home.as_deref());
            entry.insert("path".into(), json!(resolved));
        }
        let command = match watch.get("exec").and_then(|e| e.get("command")) {
            Some(Node {
                value: Value::Str(text),
                ..
            }) => json!(units::shell_split(text)?),
            Some(other) => other.to_json(),
            None => J::Null,
        };
        let exec = entry.entry("exec").or_insert_with(|| json!({}));
        if let Some(exec) = exec.as_object_mut() {
            exec.insert("command".into(), command);
        }
        converted.push(J::Object(entry));
    }
    out.insert("watch".into(), J::Array(converted));
    Ok(J::Object(out))
}

/// `build.additional_contexts`: local paths absolute; images (`docker-image://`), URLs and
/// other schemes as written.
fn additional_contexts(node: &Node, context: &Context) -> J {
    let mut out = match string_map(node, &Context::none(), false) {
        J::Object(map) => map,
        other => return other,
    };
    for value in out.values_mut() {
        if let Some(raw) = value.as_str() {
            if !raw.contains("://") && !is_remote_context(raw) {
                let resolved =
                    volumes::resolve_host_path(raw, context.project_dir, context.home.as_deref());
                *value = json!(resolved);
            }
        }
    }
    J::Object(out)
}

fn healthcheck(node: &Node) -> Result<J, String> {
    let mut out = match node.to_json() {
        J::Object(map) => map,
        other => return Ok(other),
    };
    if let Some(test) = node.get("test") {
        if let Value::Str(text) = &test.value {
            out.insert("test".into(), json!(["CMD-SHELL", text]));
        }
    }
    // docker compose reads retries as an unsigned integer: `1.5` is 1.
    if let Some(retries) = out.get("retries").and_then(J::as_f64) {
        if retries.fract() != 0.0 {
            out.insert("retries".into(), json!(retries.trunc() as i64));
        }
    }
    for key in ["interval", "timeout", "start_period", "start_interval"] {
        if let Some(value) = node.get(key) {
            out.insert(key.into(), duration(value)?);
        }
    }
    Ok(J::Object(out))
}

fn networks(node: &Node) -> J {
    match &node.value {
        Value::Seq(items) => {
            let mut out = Map::new();
            for name in items.iter().filter_map(Node::scalar_text) {
                out.insert(name, J::Null);
            }
            super::sort_object(&mut out);
            J::Object(out)
        }
        Value::Map(map) => {
            let mut out = Map::new();
            for (name, value) in map {
                out.insert(name.clone(), value.to_json());
            }
            super::sort_object(&mut out);
            J::Object(out)
        }
        _ => node.to_json(),
    }
}

/// `secrets`/`configs` of a service: short names become `{source}`; secrets get their default
/// target under `/run/secrets`.
fn file_references(kind: &str, node: &Node) -> J {
    let Some(items) = node.as_seq() else {
        return node.to_json();
    };
    J::Array(
        items
            .iter()
            .map(|item| {
                let mut entry = match &item.value {
                    Value::Str(name) => {
                        let mut map = Map::new();
                        map.insert("source".into(), json!(name));
                        map
                    }
                    _ => match item.to_json() {
                        J::Object(map) => map,
                        other => return other,
                    },
                };
                // File modes print in octal, as docker compose's FileMode does.
                if let Some(mode) = entry.get("mode").and_then(J::as_i64) {
                    entry.insert("mode".into(), json!(format!("0{mode:o}")));
                }
                if kind == "secrets" && !entry.contains_key("target") {
                    if let Some(source) = entry.get("source").and_then(J::as_str) {
                        let target = format!("/run/secrets/{source}");
                        entry.insert("target".into(), json!(target));
                    }
                }
                J::Object(entry)
            })
            .collect(),
    )
}

/// `env_file` files (in order) under `environment`, bare names resolved from the project
/// environment.
fn environment(
    service: &Node,
    context: &Context,
    path: &KeyPath,
    sources: &mut SourceMap,
    diagnostics: &mut Vec<Diagnostic>,
) -> Map<String, J> {
    let mut from_files: IndexMap<String, String> = IndexMap::new();
    if let Some(env_files) = service.get("env_file") {
        // (node, path, required, format)
        type Entry<'n> = (&'n Node, String, bool, Option<String>);
        let entries: Vec<Entry> = match &env_files.value {
            Value::Str(file) => vec![(env_files, file.clone(), true, None)],
            Value::Seq(items) => items
                .iter()
                .filter_map(|item| match &item.value {
                    Value::Str(file) => Some((item, file.clone(), true, None)),
                    Value::Map(_) => {
                        let file = item.get("path").and_then(Node::scalar_text)?;
                        // Interpolation leaves `'false'` a string; docker compose casts it.
                        let required = !matches!(
                            item.get("required").and_then(Node::scalar_text).as_deref(),
                            Some("false" | "False" | "FALSE" | "f" | "F" | "0")
                        );
                        let format = item.get("format").and_then(Node::scalar_text);
                        Some((item, file, required, format))
                    }
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        };
        for (node, file, required, format) in entries {
            let resolved =
                volumes::resolve_host_path(&file, context.project_dir, context.home.as_deref());
            // compose-go knows the default dotenv format (no `format`, or an empty one) and
            // `raw`; any other name fails the load, as in docker compose v2.40.3.
            let raw = match format.as_deref() {
                None | Some("") => false,
                Some("raw") => true,
                Some(other) => {
                    diagnostics.push(
                        Diagnostic::error(format!("unsupported env_file format \"{other}\""))
                            .at(node.get("format").map_or(node.span, |f| f.span))
                            .path(path.key("env_file")),
                    );
                    continue;
                }
            };
            let bytes = match std::fs::read(&resolved) {
                Ok(bytes) => bytes,
                Err(_) if !required => continue,
                Err(error) => {
                    diagnostics.push(
                        Diagnostic::error(format!("env file `{resolved}` not found: {error}"))
                            .at(node.span)
                            .path(path.key("env_file")),
                    );
                    continue;
                }
            };
            // The project environment resolves `${X}` first, then earlier files' keys.
            let lookup = |key: &str| context.environment.get(key).cloned();
            let parsed = if raw {
                dotenv::parse_raw_into(&bytes, &lookup, &mut from_files)
            } else {
                match std::str::from_utf8(&bytes) {
                    Ok(text) => dotenv::parse_into(text, &lookup, &mut from_files).map(|_| ()),
                    Err(error) => {
                        diagnostics.push(
                            Diagnostic::error(format!(
                                "env file `{resolved}` is not UTF-8: {error}"
                            ))
                            .at(node.span)
                            .path(path.key("env_file")),
                        );
                        continue;
                    }
                }
            };
            match parsed {
                Ok(()) => {}
                Err(error) => {
                    let display = std::path::Path::new(&resolved)
                        .strip_prefix(context.project_dir)
                        .map(|p| p.display().to_string())
                        .unwrap_or_else(|_| resolved.clone());
                    let file_id = sources.add(
                        resolved.clone().into(),
                        display.clone(),
                        std::sync::Arc::from(String::from_utf8_lossy(&bytes).as_ref()),
                    );
                    diagnostics.push(
                        Diagnostic::error(format!(
                            "invalid env file `{display}` (used by `{path}.env_file`): {}",
                            error.message
                        ))
                        .at(sources.column_span(
                            file_id,
                            error.line,
                            error.column,
                        )),
                    );
                }
            }
        }
    }
    let mut out: Map<String, J> = from_files.into_iter().map(|(k, v)| (k, json!(v))).collect();
    if let Some(environment) = service.get("environment") {
        let declared = string_map(environment, context, false);
        for (key, value) in declared.as_object().into_iter().flatten() {
            // A bare name takes the project environment's value; when that is unset it stays
            // null even over an env_file value, as in docker compose.
            let value = if value.is_null() {
                context
                    .environment
                    .get(key)
                    .map(|v| json!(v))
                    .unwrap_or(J::Null)
            } else {
                value.clone()
            };
            out.insert(key.clone(), value);
        }
    }
    super::sort_object(&mut out);
    out
}
