//! The config hashes stored in `com.docker.compose.config-hash` labels: they decide whether a
//! container, network or volume must be recreated. They are docker compose v2's, so either
//! tool takes over what the other created without recreating it.

use serde_json::Value as J;
use sha2::{Digest, Sha256};

use super::go_shape::{self, Shape};

// --- services, hashed as docker compose v2 hashes them
//
// docker compose 2.40 labels a service's containers with sha256(json.Marshal(ServiceConfig))
// once `build`, `pull_policy`, `scale`, `deploy.replicas`, `depends_on` and `profiles` are
// cleared (compose's `ServiceHash`). The text is Go's: struct fields in declaration order (the
// table in `go_shape`), empty `omitempty` fields left out, `command`/`entrypoint` always there
// (`null` when unset), `x-*` extensions left out (`json:"-"`), map keys sorted, `<`, `>`, `&`
// escaped.

/// Service fields docker compose clears before hashing: they never change a container.
const NOT_HASHED: [&str; 5] = ["build", "pull_policy", "scale", "depends_on", "profiles"];

/// The hash docker compose v2 writes on a service's containers.
pub fn config_hash(service: &J) -> String {
    let mut text = String::with_capacity(1024);
    let empty = serde_json::Map::new();
    let map = service.as_object().unwrap_or(&empty);
    go_struct(&mut text, map, &go_shape::SERVICE, &NOT_HASHED, true);
    sha256_hex(text.as_bytes())
}

/// A struct: declared fields in order, `omitempty` applied; `skip`: fields cleared before
/// hashing. `top`: the service itself (`deploy.replicas` is cleared below it).
fn go_struct(
    out: &mut String,
    map: &serde_json::Map<String, J>,
    shape: &Shape,
    skip: &[&str],
    top: bool,
) {
    out.push('{');
    let mut first = true;
    for (name, field) in shape.fields() {
        if skip.contains(name) {
            continue;
        }
        let empty = serde_json::Map::new();
        let value = match (map.get(*name), field) {
            (None | Some(J::Null), Shape::Always) => Some(&J::Null),
            // A struct value (not a pointer) is always there in Go's JSON.
            (None, Shape::Struct(_)) => None,
            (None, _) => continue,
            (Some(value), _) if omitted(value, field) => continue,
            (Some(value), _) => Some(value),
        };
        if !first {
            out.push(',');
        }
        first = false;
        if matches!(shape, Shape::GoNamed(_)) {
            go_string(out, &go_field_name(name));
        } else {
            go_string(out, name);
        }
        out.push(':');
        let inner_skip: &[&str] = if top && *name == "deploy" {
            &["replicas"]
        } else {
            &[]
        };
        match value {
            Some(value) => go_value(out, value, field, inner_skip),
            None => go_struct(out, &empty, field, &[], false),
        }
    }
    out.push('}');
}

/// `omitempty` in Go's JSON: nil, empty slices and maps, zero scalars; not struct values.
fn omitted(value: &J, field: &Shape) -> bool {
    match value {
        J::Null => !matches!(field, Shape::Always),
        J::Array(items) => items.is_empty() && !matches!(field, Shape::Always),
        J::Object(map) => map.is_empty() && matches!(field, Shape::Any | Shape::Map(_)),
        J::Bool(flag) => !flag && field.omits_zero(),
        J::String(text) => text.is_empty() && field.omits_zero(),
        J::Number(n) => n.as_f64() == Some(0.0) && field.omits_zero(),
    }
}

fn go_value(out: &mut String, value: &J, shape: &Shape, skip: &[&str]) {
    match value {
        J::Null => out.push_str("null"),
        J::Bool(flag) => out.push_str(if *flag { "true" } else { "false" }),
        // `UnitBytes` marshals itself as a string.
        J::Number(n) if matches!(shape, Shape::Bytes) => go_string(out, &n.to_string()),
        J::Number(n) if n.is_i64() || n.is_u64() => out.push_str(&n.to_string()),
        // compose-go's floats are float32 (`cpus`, `max_failure_ratio`).
        J::Number(n) => out.push_str(&format!("{}", n.as_f64().unwrap_or_default() as f32)),
        J::String(text) => go_string(out, text),
        J::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                go_value(out, item, shape.item(), &[]);
            }
            out.push(']');
        }
        J::Object(map) if shape.is_struct() => go_struct(out, map, shape, skip, false),
        J::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                go_string(out, key);
                out.push(':');
                go_value(out, &map[key], shape.field(key).1, &[]);
            }
            out.push('}');
        }
    }
}

/// `path` → `Path`: the Go name of a field without a JSON tag.
fn go_field_name(key: &str) -> String {
    let mut chars = key.chars();
    match chars.next() {
        Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
        None => String::new(),
    }
}

/// A JSON string as Go's `encoding/json` writes it (HTML-safe).
fn go_string(out: &mut String, text: &str) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                out.push_str(&format!("\\u{:04x}", c as u32))
            }
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

// --- rcompose's own hash (before docker compose's was adopted)
//
// Over the canonical form with keys sorted. Still the per-field hashes of the
// `io.rcompose.config-hashes` label (stable across versions, so a recreate can say which field
// changed), and accepted as the config hash of containers created by earlier rcompose versions
// so an upgrade does not recreate them.

/// Fields that never change what the container is.
const NOT_HASHED_LEGACY: [&str; 6] = [
    "build",
    "pull_policy",
    "scale",
    "depends_on",
    "profiles",
    "develop",
];

pub fn legacy_config_hash(service: &J) -> String {
    let mut hashed = service.clone();
    if let Some(map) = hashed.as_object_mut() {
        for key in NOT_HASHED_LEGACY {
            map.remove(key);
        }
        // Extensions never change a container (and were not in the model when this was used).
        map.retain(|key, _| !key.starts_with("x-"));
        if let Some(deploy) = map.get_mut("deploy").and_then(J::as_object_mut) {
            deploy.remove("replicas");
        }
    }
    let text = serde_json::to_string(&sorted(&hashed)).unwrap_or_default();
    sha256_hex(text.as_bytes())
}

// --- networks and volumes, hashed as docker compose v2 hashes them (engine differential area)
//
// docker compose 2.40 labels a network with sha256(json.Marshal(NetworkConfig)) and a volume
// with sha256(json.Marshal(VolumeConfig)) (driver `local` when unset), and recreates a network
// whose label differs from its model. Writing the same hash lets either tool take over the
// other's networks and volumes without recreating them. The text is Go's: struct fields in
// declaration order, empty ones left out, map keys sorted, `<`, `>`, `&` escaped.

/// The hash docker compose v2 writes on a network: `name` is the engine name.
pub fn network_hash(name: &str, network: &J) -> String {
    let mut out = serde_json::Map::new();
    out.insert("name".into(), J::String(name.to_string()));
    put_text(&mut out, network, "driver");
    put_map(&mut out, network, "driver_opts");
    let mut ipam = serde_json::Map::new();
    if let Some(given) = network.get("ipam") {
        put_text(&mut ipam, given, "driver");
        let pools: Vec<J> = given
            .get("config")
            .and_then(J::as_array)
            .into_iter()
            .flatten()
            .map(|pool| {
                let mut out = serde_json::Map::new();
                for key in ["subnet", "gateway", "ip_range"] {
                    put_text(&mut out, pool, key);
                }
                put_map(&mut out, pool, "aux_addresses");
                J::Object(out)
            })
            .collect();
        if !pools.is_empty() {
            ipam.insert("config".into(), J::Array(pools));
        }
    }
    out.insert("ipam".into(), J::Object(ipam));
    for key in ["external", "internal", "attachable"] {
        if network.get(key).and_then(J::as_bool) == Some(true) {
            out.insert(key.into(), J::Bool(true));
        }
    }
    put_map(&mut out, network, "labels");
    for key in ["enable_ipv4", "enable_ipv6"] {
        if let Some(flag) = network.get(key).and_then(J::as_bool) {
            out.insert(key.into(), J::Bool(flag));
        }
    }
    go_sha256(&J::Object(out))
}

/// The hash docker compose v2 writes on a volume: `name` is the engine name.
pub fn volume_hash(name: &str, volume: &J) -> String {
    let mut out = serde_json::Map::new();
    out.insert("name".into(), J::String(name.to_string()));
    let driver = volume
        .get("driver")
        .and_then(J::as_str)
        .filter(|d| !d.is_empty())
        .unwrap_or("local");
    out.insert("driver".into(), J::String(driver.to_string()));
    put_map(&mut out, volume, "driver_opts");
    if volume.get("external").and_then(J::as_bool) == Some(true) {
        out.insert("external".into(), J::Bool(true));
    }
    put_map(&mut out, volume, "labels");
    go_sha256(&J::Object(out))
}

fn text_of(value: &J) -> Option<String> {
    match value {
        J::String(text) => Some(text.clone()),
        J::Number(n) => Some(n.to_string()),
        J::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn put_text(out: &mut serde_json::Map<String, J>, from: &J, key: &str) {
    if let Some(text) = from.get(key).and_then(text_of).filter(|t| !t.is_empty()) {
        out.insert(key.into(), J::String(text));
    }
}

/// A `map[string]string`: keys sorted, left out when empty.
fn put_map(out: &mut serde_json::Map<String, J>, from: &J, key: &str) {
    let Some(map) = from.get(key).and_then(J::as_object) else {
        return;
    };
    let mut entries: Vec<(&String, String)> = map
        .iter()
        .map(|(k, v)| (k, text_of(v).unwrap_or_default()))
        .collect();
    if entries.is_empty() {
        return;
    }
    entries.sort_by(|a, b| a.0.cmp(b.0));
    out.insert(
        key.into(),
        J::Object(
            entries
                .into_iter()
                .map(|(k, v)| (k.clone(), J::String(v)))
                .collect(),
        ),
    );
}

/// sha256 of the text Go's `json.Marshal` makes of `value` (whose keys are in order).
fn go_sha256(value: &J) -> String {
    let text = serde_json::to_string(value)
        .unwrap_or_default()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
        .replace('\u{2028}', "\\u2028")
        .replace('\u{2029}', "\\u2029");
    let digest = Sha256::digest(text.as_bytes());
    digest.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// A copy with every object's keys sorted, so the text does not depend on insertion order.
fn sorted(value: &J) -> J {
    match value {
        J::Object(map) => {
            let mut entries: Vec<(&String, &J)> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            J::Object(
                entries
                    .into_iter()
                    .map(|(k, v)| (k.clone(), sorted(v)))
                    .collect(),
            )
        }
        J::Array(items) => J::Array(items.iter().map(sorted).collect()),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn legacy_hash_ignores_key_order_and_replicas() {
        let a =
            json!({"image": "x", "environment": {"A": "1", "B": "2"}, "deploy": {"replicas": 2}});
        let b =
            json!({"deploy": {"replicas": 5}, "environment": {"B": "2", "A": "1"}, "image": "x"});
        assert_eq!(legacy_config_hash(&a), legacy_config_hash(&b));
        let c = json!({"image": "y", "environment": {"A": "1", "B": "2"}});
        assert_ne!(legacy_config_hash(&a), legacy_config_hash(&c));
    }

    #[test]
    fn service_hash_is_docker_compose_v2_s() {
        // What docker compose 2.40.3 printed (`config --hash`) and wrote on the container.
        let service = json!({
            "command": ["sleep", "600"], "entrypoint": null,
            "environment": {"B": "1", "A": "2"},
            "image": "rcompose-test/busybox:latest", "networks": {"default": null}
        });
        assert_eq!(
            config_hash(&service),
            "2a1ee3124d406303fdee55bf226149c6ec0bfc45b77834de470d6ae6b19b674d"
        );
        // Cleared fields, `x-` extensions, struct order below the service, `<&>` escaped.
        let service = json!({
            "build": {"context": "/tmp/hp", "dockerfile": "Dockerfile"}, "command": null,
            "deploy": {"replicas": 2, "resources": {"limits": {"memory": "1048576", "cpus": 0.5}},
                       "placement": {}},
            "entrypoint": null, "image": "x", "labels": {"a": "<&>"},
            "networks": {"default": null}, "profiles": ["p"], "x-ext": 1
        });
        assert_eq!(
            config_hash(&service),
            "babcf0e1e64bcf6d59aae5b5f92eeb01f6b69a592b10d27538e42a3c719b8f36"
        );
    }

    #[test]
    fn blkio_entries_hash_with_go_field_names_and_string_rates() {
        // tests/fixtures/differential/blkio-rates, hashed by docker compose 2.40.3.
        let service = json!({
            "blkio_config": {
                "weight": 300,
                "weight_device": [{"path": "/dev/sda", "weight": 400}],
                "device_read_bps": [{"path": "/dev/sdb", "rate": 12582912}],
                "device_read_iops": [{"path": "/dev/sdb", "rate": 120}],
                "device_write_bps": [{"path": "/dev/sdb", "rate": 1048576}],
            },
            "command": null, "entrypoint": null, "image": "busybox",
            "networks": {"default": null}
        });
        assert_eq!(
            config_hash(&service),
            "ca9be0231f0040c86af71a26512ebacdf0a2920a17a467c4de3d1479746e8807"
        );
    }

    #[test]
    fn network_and_volume_hashes_are_docker_compose_v2_s() {
        // The labels docker compose 2.40.3 wrote on this engine for these configs.
        assert_eq!(
            network_hash("ednet_n", &json!({"labels": {"a": "1"}})),
            "8ca5e863e1bc2b21f307c62bbb4be51024e17dbca7d48ef4c185b17cdad6508c"
        );
        assert_eq!(
            network_hash("ednet_n", &json!({"labels": {"a": "2"}})),
            "7d92bb3b8b094acfb09da05c2bf9471ac3525148eeafa01643edbb553b138f26"
        );
        assert_eq!(
            volume_hash("ednet_data", &json!({"labels": {"a": "1"}})),
            "eae327bb9d75a51be53ba9c1d62c5fe106c19166b033167186a182f11b3b0f6e"
        );
    }

    #[test]
    fn legacy_hash_is_pinned() {
        // Pinned: containers created by earlier rcompose versions carry this hash.
        assert_eq!(
            legacy_config_hash(&json!({"image": "busybox", "command": ["sleep", "1"]})),
            "9f341ee723a308ed89d88a6ced398152e0586077895e0996b8cb148d1194cd93"
        );
    }
}
