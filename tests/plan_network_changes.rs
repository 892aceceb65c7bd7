//! What `up` does when a declared network's or volume's configuration changed since it was
//! created, decided as docker compose 2.40.3 decides (checked on this engine): a network whose
//! `com.docker.compose.config-hash` label differs is removed once its containers are gone and
//! created again, and those containers are recreated on it; a changed volume is kept with a
//! warning (docker compose asks whether to recreate it, and keeps it when nobody answers). The
//! labels are docker compose's own hashes, so a network or volume made by either tool is kept
//! by the other.

mod plan_support;

use plan_support::*;
use rcompose::plan::{labels, reconcile, Observed, Options};
use serde_json::json;

fn model(network_label: &str, volume_label: &str) -> serde_json::Value {
    json!({
        "name": "demo",
        "networks": {
            "back": {"name": "demo_back", "ipam": {}, "labels": {"tier": network_label}},
            "front": {"name": "demo_front", "ipam": {}}
        },
        "volumes": {"data": {"name": "demo_data", "labels": {"kind": volume_label}}},
        "services": {
            "db": {
                "image": "postgres:16",
                "command": null,
                "entrypoint": null,
                "networks": {"back": null},
                "volumes": [{"type": "volume", "source": "data", "target": "/data", "volume": {}}]
            },
            "web": {
                "image": "nginx:1",
                "command": null,
                "entrypoint": null,
                "networks": {"back": null, "front": null}
            },
            "edge": {"image": "nginx:1", "command": null, "entrypoint": null, "networks": {"front": null}}
        }
    })
}

fn plan_lines(
    desired: &rcompose::plan::Desired,
    observed: &Observed,
) -> (Vec<String>, Vec<String>) {
    let plan = reconcile(desired, observed, &Options::default());
    let operations = lines(&plan.to_string())
        .into_iter()
        .filter(|line| !line.starts_with("warning:"))
        .collect();
    (operations, plan.warnings.clone())
}

#[test]
fn a_changed_network_is_recreated_with_the_containers_on_it() {
    let before = desired(model("a", "x"));
    let observed = converged(&before);
    let after = desired(model("b", "x"));
    let (plan, _) = plan_lines(&after, &observed);
    // Dependents stop first (reverse start order), as for any recreate.
    let expected = "
#1 stop container demo-web-1: network `demo_back` configuration changed
#2 stop container demo-db-1: network `demo_back` configuration changed
#3 remove container demo-db-1: network `demo_back` configuration changed (after #2)
#4 remove container demo-web-1: network `demo_back` configuration changed (after #1)
#5 remove network demo_back: network `demo_back` configuration changed (after #3, #4)
#6 create network demo_back: network `demo_back` configuration changed (after #5)
#7 create container demo-db-1: network `demo_back` configuration changed (after #3, #6)
#8 create container demo-web-1: network `demo_back` configuration changed (after #4, #6)
#9 connect container demo-web-1 to network demo_front: network `demo_back` configuration changed (after #8)
#10 start container demo-db-1: network `demo_back` configuration changed (after #7)
#11 start container demo-web-1: network `demo_back` configuration changed (after #9)
";
    assert_eq!(
        plan,
        lines(expected.trim_start_matches('\n')),
        "\n{}",
        plan.join("\n")
    );
    // `edge` is only on `front`: untouched.
    assert!(!plan.iter().any(|line| line.contains("edge")));
}

#[test]
fn an_unchanged_network_made_by_docker_compose_or_an_older_rcompose_is_kept() {
    let desired = desired(model("a", "x"));
    for hash in [
        // docker compose 2.40.3's label for this network, which rcompose now writes too.
        desired.network("back").unwrap().config_hash.clone(),
        // What rcompose wrote before it wrote docker compose's hash.
        desired
            .network("back")
            .unwrap()
            .previous_config_hash
            .clone(),
    ] {
        let mut observed = converged(&desired);
        for network in observed
            .networks
            .iter_mut()
            .filter(|n| n.name == "demo_back")
        {
            network
                .labels
                .insert(labels::CONFIG_HASH.to_string(), hash.clone());
        }
        let (plan, warnings) = plan_lines(&desired, &observed);
        assert_eq!(plan, Vec::<String>::new(), "hash {hash}");
        assert!(warnings.is_empty(), "{warnings:?}");
    }
}

#[test]
fn a_network_without_a_config_hash_label_is_kept() {
    let desired = desired(model("a", "x"));
    let mut observed = converged(&desired);
    for network in &mut observed.networks {
        network.labels.remove(labels::CONFIG_HASH);
    }
    let (plan, _) = plan_lines(&desired, &observed);
    assert_eq!(plan, Vec::<String>::new());
}

#[test]
fn a_changed_volume_is_kept_with_a_warning() {
    let before = desired(model("a", "x"));
    let observed = converged(&before);
    let after = desired(model("a", "y"));
    let (plan, warnings) = plan_lines(&after, &observed);
    assert_eq!(plan, Vec::<String>::new());
    assert_eq!(
        warnings,
        vec!["volume `demo_data` exists but doesn't match the configuration in the compose file: remove it (data will be lost) to recreate it"]
    );
}

#[test]
fn no_recreate_keeps_a_changed_network_with_a_warning() {
    let before = desired(model("a", "x"));
    let observed = converged(&before);
    let after = desired(model("b", "x"));
    let options = Options {
        no_recreate: true,
        ..Options::default()
    };
    let plan = reconcile(&after, &observed, &options);
    assert_eq!(
        plan.to_string(),
        "warning: network `demo_back` exists but its configuration changed: it is kept with --no-recreate\n"
    );
    assert_eq!(
        plan.warnings,
        vec!["network `demo_back` exists but its configuration changed: it is kept with --no-recreate"]
    );
}

#[test]
fn network_and_volume_labels_carry_docker_compose_s_hash() {
    let desired = desired(model("a", "x"));
    let back = desired.network("back").unwrap();
    assert_eq!(
        back.spec.labels[labels::CONFIG_HASH],
        rcompose::model::network_hash("demo_back", &json!({"labels": {"tier": "a"}, "ipam": {}}))
    );
    let data = desired.volume_named("demo_data").unwrap();
    assert_eq!(
        data.spec.labels[labels::CONFIG_HASH],
        rcompose::model::volume_hash("demo_data", &json!({"labels": {"kind": "x"}}))
    );
}
