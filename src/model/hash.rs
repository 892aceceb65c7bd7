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
    fn hash_is_pinned() {
        // Pinned: a change here recreates every container of every user after an upgrade.
        assert_eq!(
            config_hash(&json!({"image": "busybox", "command": ["sleep", "1"]})),
            "9f341ee723a308ed89d88a6ced398152e0586077895e0996b8cb148d1194cd93"
        );
    }
}
