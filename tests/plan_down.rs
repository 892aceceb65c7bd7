//! Plan tests for `down`: stop in reverse dependency order, remove containers, networks, and
//! volumes only with `-v`; never an external network or volume.

mod plan_support;

use plan_support::*;
use rcompose::engine::{ContainerStatus, NetworkInfo, VolumeInfo};
use rcompose::plan::{desired_state, labels, plan_down, DownOptions, Observed, ObservedContainer};
use serde_json::json;

fn model() -> serde_json::Value {
    json!({
        "name": "demo",
        "networks": {
            "default": {"name": "demo_default", "ipam": {}},
            "outside": {"name": "outside", "external": true}
        },
        "volumes": {
            "data": {"name": "demo_data"},
            "keep": {"name": "keep", "external": true}
        },
        "services": {
            "db": {
                "image": "postgres:16",
                "networks": {"default": null},
                "volumes": [
                    {"type": "volume", "source": "data", "target": "/data", "volume": {}},
                    {"type": "volume", "source": "keep", "target": "/keep", "volume": {}}
                ]
            },
            "api": {
                "image": "app:1",
                "depends_on": {"db": {"condition": "service_healthy", "required": true}},
                "networks": {"default": null, "outside": null}
            },
            "web": {
                "image": "nginx:1",
                "depends_on": {"api": {"condition": "service_started", "required": true}},
                "networks": {"default": null}
            },
            "cron": {
                "image": "app:1",
                "depends_on": {"db": {"condition": "service_started", "required": true}},
                "networks": {"default": null}
            }
        }
    })
}

/// The converged project, plus an external network and volume that carry the project label
/// (made by an earlier `up` before they were declared external).
fn observed() -> Observed {
    let mut observed = converged(&desired(model()));
    let label = |kind: &str, key: &str| {
        [
            (labels::PROJECT.to_string(), PROJECT.to_string()),
            (kind.to_string(), key.to_string()),
        ]
        .into_iter()
        .collect()
    };
    observed.networks.push(NetworkInfo {
        name: "outside".to_string(),
        labels: label(labels::NETWORK, "outside"),
        ..NetworkInfo::default()
    });
    observed.volumes.push(VolumeInfo {
        name: "keep".to_string(),
        labels: label(labels::VOLUME, "keep"),
        ..VolumeInfo::default()
    });
    observed
}

fn assert_plan(actual: String, expected: &str) {
    let expected = expected.trim_start_matches('\n');
    assert_eq!(
        lines(&actual),
        lines(expected),
        "\n--- actual plan:\n{actual}--- expected:\n{expected}"
    );
}

#[test]
fn down_stops_dependents_first_and_keeps_volumes() {
    let desired = desired(model());
    assert_plan(
        plan_down(Some(&desired), &observed(), &DownOptions::default()).to_string(),
        "
#1 stop container demo-cron-1: down
#2 stop container demo-web-1: down
#3 stop container demo-api-1: down (after #2)
#4 stop container demo-db-1: down (after #1, #3)
#5 remove container demo-api-1: down (after #3)
#6 remove container demo-cron-1: down (after #1)
#7 remove container demo-db-1: down (after #4)
#8 remove container demo-web-1: down (after #2)
#9 remove network demo_default: down (after #5, #6, #7, #8)
",
    );
}

#[test]
fn down_with_volumes_removes_the_project_volumes_but_never_external_ones() {
    let desired = desired(model());
    let options = DownOptions {
        volumes: true,
        ..DownOptions::default()
    };
    assert_plan(
        plan_down(Some(&desired), &observed(), &options).to_string(),
        "
#1 stop container demo-cron-1: down
#2 stop container demo-web-1: down
#3 stop container demo-api-1: down (after #2)
#4 stop container demo-db-1: down (after #1, #3)
#5 remove container demo-api-1 and its anonymous volumes: down (after #3)
#6 remove container demo-cron-1 and its anonymous volumes: down (after #1)
#7 remove container demo-db-1 and its anonymous volumes: down (after #4)
#8 remove container demo-web-1 and its anonymous volumes: down (after #2)
#9 remove network demo_default: down (after #5, #6, #7, #8)
#10 remove volume demo_data: down (after #5, #6, #7, #8)
",
    );
}

#[test]
fn stopped_containers_are_only_removed_and_the_order_holds_across_them() {
    let desired = desired(model());
    let mut observed = observed();
    container(&mut observed, "demo-api-1").status = ContainerStatus::Exited;
    assert_plan(
        plan_down(Some(&desired), &observed, &DownOptions::default()).to_string(),
        "
#1 stop container demo-cron-1: down
#2 stop container demo-web-1: down
#3 stop container demo-db-1: down (after #1, #2)
#4 remove container demo-api-1: down
#5 remove container demo-cron-1: down (after #1)
#6 remove container demo-db-1: down (after #3)
#7 remove container demo-web-1: down (after #2)
#8 remove network demo_default: down (after #4, #5, #6, #7)
",
    );
}

#[test]
fn down_without_a_model_reads_the_order_from_the_labels() {
    // Labels as docker compose writes them: `service:condition:restart`.
    let mut observed = Observed::new(PROJECT)
        .with_network("default", "demo_default")
        .with_volume("data", "demo_data");
    for (service, depends_on) in [
        ("db", ""),
        ("api", "db:service_healthy:false"),
        ("web", "api:service_started:false"),
    ] {
        let mut c = ObservedContainer::new(PROJECT, service, 1, ContainerStatus::Running, "h");
        c.labels
            .insert(labels::DEPENDS_ON.to_string(), depends_on.to_string());
        observed = observed.with_container(c);
    }
    let options = DownOptions {
        volumes: true,
        ..DownOptions::default()
    };
    assert_plan(
        plan_down(None, &observed, &options).to_string(),
        "
#1 stop container demo-web-1: down
#2 stop container demo-api-1: down (after #1)
#3 stop container demo-db-1: down (after #2)
#4 remove container demo-api-1 and its anonymous volumes: down (after #2)
#5 remove container demo-db-1 and its anonymous volumes: down (after #3)
#6 remove container demo-web-1 and its anonymous volumes: down (after #1)
#7 remove network demo_default: down (after #4, #5, #6)
#8 remove volume demo_data: down (after #4, #5, #6)
",
    );
}

#[test]
fn orphans_are_kept_and_keep_their_network_unless_asked() {
    let desired = desired_state(&project(model()));
    let mut old = orphan("old", 1);
    old.networks = vec!["demo_default".to_string()];
    let observed = observed().with_container(old);
    let plan = plan_down(Some(&desired), &observed, &DownOptions::default());
    let text = plan.to_string();
    assert!(!text.contains("demo-old-1: "), "{text}");
    assert!(!text.contains("remove network"), "{text}");
    assert!(
        text.contains("warning: found orphan containers (demo-old-1)"),
        "{text}"
    );
    assert!(
        text.contains("warning: network `demo_default` is kept: orphan containers (demo-old-1) are attached to it"),
        "{text}"
    );

    let options = DownOptions {
        remove_orphans: true,
        ..DownOptions::default()
    };
    let text = plan_down(Some(&desired), &observed, &options).to_string();
    assert!(
        text.contains("stop container demo-old-1: orphan (service `old` is not in the project)"),
        "{text}"
    );
    assert!(text.contains("remove network demo_default"), "{text}");
    assert!(!text.contains("warning"), "{text}");
}

#[test]
fn one_off_containers_go_too() {
    let desired = desired(model());
    let mut run = ObservedContainer::new(PROJECT, "api", 1, ContainerStatus::Exited, "h");
    run.name = "demo-api-run-0a1b2c".to_string();
    run.labels
        .insert(labels::ONEOFF.to_string(), "True".to_string());
    let observed = observed().with_container(run);
    let text = plan_down(Some(&desired), &observed, &DownOptions::default()).to_string();
    assert!(
        text.contains("remove container demo-api-run-0a1b2c: down"),
        "{text}"
    );
}

#[test]
fn an_empty_project_has_nothing_to_do() {
    let plan = plan_down(None, &Observed::new(PROJECT), &DownOptions::default());
    assert!(plan.is_empty() && plan.warnings.is_empty(), "{plan}");
}
