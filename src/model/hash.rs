//! The config hash stored in the `com.docker.compose.config-hash` label: it decides whether a
//! container must be recreated. It is computed from the canonical form, whose key order is
//! sorted and whose scalars are normalised, so it stays stable across rcompose versions as long
//! as the canonical form does — fields that do not change the container are left out.

use serde_json::Value as J;
use sha2::{Digest, Sha256};

/// Fields that never change what the container is (docker compose leaves them out too).
const NOT_HASHED: [&str; 6] = [
    "build",
    "pull_policy",
    "scale",
    "depends_on",
    "profiles",
    "develop",
];

pub fn config_hash(service: &J) -> String {
    let mut hashed = service.clone();
    if let Some(map) = hashed.as_object_mut() {
        for key in NOT_HASHED {
            map.remove(key);
        }
        if let Some(deploy) = map.get_mut("deploy").and_then(J::as_object_mut) {
            deploy.remove("replicas");
        }
    }
    let text = serde_json::to_string(&sorted(&hashed)).unwrap_or_default();
    let digest = Sha256::digest(text.as_bytes());
    digest.iter().map(|byte| format!("{byte:02x}")).collect()
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
    fn hash_ignores_key_order_and_replicas() {
        let a =
            json!({"image": "x", "environment": {"A": "1", "B": "2"}, "deploy": {"replicas": 2}});
        let b =
            json!({"deploy": {"replicas": 5}, "environment": {"B": "2", "A": "1"}, "image": "x"});
        assert_eq!(config_hash(&a), config_hash(&b));
        let c = json!({"image": "y", "environment": {"A": "1", "B": "2"}});
        assert_ne!(config_hash(&a), config_hash(&c));
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
    fn hash_is_pinned() {
        // Pinned: a change here recreates every container of every user after an upgrade.
        assert_eq!(
            config_hash(&json!({"image": "busybox", "command": ["sleep", "1"]})),
            "9f341ee723a308ed89d88a6ced398152e0586077895e0996b8cb148d1194cd93"
        );
    }
}
