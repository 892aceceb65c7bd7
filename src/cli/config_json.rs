//! `config --format json`: the canonical model as docker compose v2 prints it in JSON.
//!
//! v2 marshals compose-go's structs with `encoding/json`; a few of them carry YAML tags but no
//! JSON tags, so their fields come out under Go's own names. Followed here because the issue's
//! rule is to follow docker compose v2 where it and the spec disagree (the case is pinned by
//! tests/fixtures/differential/blkio-rates): blkio throttle entries print `Path`, `Rate` and
//! `Weight`. The YAML output (go-yaml, which reads the YAML tags) keeps lower case.

use serde_json::Value as J;

/// The blkio_config lists whose entries v2 prints with Go field names.
const BLKIO_DEVICE_LISTS: [&str; 5] = [
    "weight_device",
    "device_read_bps",
    "device_read_iops",
    "device_write_bps",
    "device_write_iops",
];

pub fn render(model: &J) -> String {
    let mut shaped;
    // Top-level `models` have no JSON tag in v2's Project struct: YAML only.
    let model = if has_blkio(model) || model.get("models").is_some() || has_extensions(model) {
        shaped = model.clone();
        go_field_names(&mut shaped);
        yaml_only_left_out(&mut shaped);
        &shaped
    } else {
        model
    };
    serde_json::to_string_pretty(model).unwrap_or_default() + "\n"
}

fn has_blkio(model: &J) -> bool {
    services(model).any(|service| service.get("blkio_config").is_some())
}

fn has_extensions(model: &J) -> bool {
    services(model).any(|service| {
        service
            .as_object()
            .is_some_and(|map| map.keys().any(|key| key.starts_with("x-")))
    })
}

/// What v2 prints in YAML only: top-level `models` (no JSON tag) and services' `x-`
/// extensions (`json:"-"`).
fn yaml_only_left_out(model: &mut J) {
    let Some(map) = model.as_object_mut() else {
        return;
    };
    map.remove("models");
    let services = map.get_mut("services").and_then(J::as_object_mut);
    for service in services.into_iter().flat_map(|s| s.values_mut()) {
        if let Some(fields) = service.as_object_mut() {
            fields.retain(|key, _| !key.starts_with("x-"));
        }
    }
}

fn services(model: &J) -> impl Iterator<Item = &J> {
    model
        .get("services")
        .and_then(J::as_object)
        .into_iter()
        .flat_map(|services| services.values())
}

fn go_field_names(model: &mut J) {
    let Some(services) = model.get_mut("services").and_then(J::as_object_mut) else {
        return;
    };
    for service in services.values_mut() {
        let Some(blkio) = service.get_mut("blkio_config") else {
            continue;
        };
        for list in BLKIO_DEVICE_LISTS {
            let entries = blkio.get_mut(list).and_then(J::as_array_mut);
            for entry in entries.into_iter().flatten() {
                if let Some(fields) = entry.as_object_mut() {
                    let renamed = std::mem::take(fields)
                        .into_iter()
                        .map(|(key, value)| (go_name(&key), value));
                    fields.extend(renamed);
                }
            }
        }
    }
}

/// `path` → `Path`: Go's exported field name of a YAML key.
fn go_name(key: &str) -> String {
    let mut chars = key.chars();
    match chars.next() {
        Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blkio_entries_take_go_field_names_and_nothing_else_changes() {
        let model = serde_json::json!({
            "services": {
                "a": {"image": "x", "blkio_config": {
                    "weight": 300,
                    "weight_device": [{"path": "/dev/sda", "weight": 400}],
                    "device_read_bps": [{"path": "/dev/sdb", "rate": 12}],
                }},
                "b": {"image": "y", "labels": {"path": "p"}},
            }
        });
        let printed: J = serde_json::from_str(&render(&model)).unwrap();
        assert_eq!(
            printed["services"]["a"]["blkio_config"],
            serde_json::json!({
                "weight": 300,
                "weight_device": [{"Path": "/dev/sda", "Weight": 400}],
                "device_read_bps": [{"Path": "/dev/sdb", "Rate": 12}],
            })
        );
        assert_eq!(printed["services"]["b"], model["services"]["b"]);
    }
}
