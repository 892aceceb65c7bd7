//! What the engine benchmark's targets rest on, counted on the in-memory engine: a no-op `up`
//! is a few list calls and no inspect; observing a project (for `up` or `down`) inspects no
//! container, as the list call carries the mounts; and the executor pipelines a container's
//! start right after its create instead of queueing it behind every other create.

mod plan_support;

use plan_support::{desired, PROJECT};
use rcompose::engine::{Engine, EngineCall, FakeEngine};
use rcompose::execute::{execute, ExecuteOptions};
use rcompose::plan::{observe, observe_for, reconcile, Options};
use serde_json::{json, Value};

const IMAGE: &str = "rcompose-test/busybox:latest";

/// `count` independent services; with `volumes`, the first has a named and an anonymous one.
fn wide(count: usize, volumes: bool) -> Value {
    let mut services = serde_json::Map::new();
    for i in 0..count {
        let mut service = json!({
            "image": IMAGE, "command": ["sleep", "1000"], "entrypoint": null,
            "networks": {"default": null}
        });
        if i == 0 && volumes {
            service["volumes"] = json!([
                {"type": "volume", "source": "data", "target": "/data", "volume": {}},
                {"type": "volume", "target": "/cache", "volume": {}}
            ]);
        }
        services.insert(format!("s{i}"), service);
    }
    json!({
        "networks": {"default": {"name": "demo_default", "ipam": {}}},
        "volumes": {"data": {"name": "demo_data"}},
        "services": services
    })
}

fn calls_of(engine: &FakeEngine) -> Vec<String> {
    let mut calls: Vec<String> = engine
        .calls()
        .iter()
        .map(|record| record.call.name().to_string())
        .collect();
    calls.sort();
    calls
}

#[tokio::test]
async fn a_no_op_up_lists_and_inspects_the_image_only() {
    let engine = FakeEngine::new().with_image(IMAGE);
    let desired = desired(wide(20, true));
    let observed = observe_for(&engine, &desired).await.unwrap();
    let plan = reconcile(&desired, &observed, &Options::default());
    assert!(execute(&engine, &plan, &ExecuteOptions::default(), &())
        .await
        .is_success());

    engine.clear_calls();
    let observed = observe_for(&engine, &desired).await.unwrap();
    let plan = reconcile(&desired, &observed, &Options::default());
    assert!(plan.is_empty(), "nothing changed:\n{}", plan.render());
    assert_eq!(
        calls_of(&engine),
        vec![
            EngineCall::InspectImage.name(),
            EngineCall::ListContainers.name(),
            EngineCall::ListNetworks.name(),
            EngineCall::ListVolumes.name(),
            EngineCall::Version.name(),
        ],
        "one list call per kind, the image, the version: no container inspect"
    );
    // The mounts came with the list: the volume check still sees them.
    let s0 = observed
        .containers
        .iter()
        .find(|c| c.name == "demo-s0-1")
        .unwrap();
    let mounts = s0.mounts.as_ref().expect("mounts from the list call");
    assert!(mounts
        .iter()
        .any(|m| m.kind == "volume" && m.name.as_deref() == Some("demo_data")));
}

#[tokio::test]
async fn observing_for_down_inspects_no_container() {
    let engine = FakeEngine::new().with_image(IMAGE);
    let desired = desired(wide(10, true));
    let observed = observe_for(&engine, &desired).await.unwrap();
    let plan = reconcile(&desired, &observed, &Options::default());
    assert!(execute(&engine, &plan, &ExecuteOptions::default(), &())
        .await
        .is_success());
    engine.clear_calls();
    let observed = observe(&engine, PROJECT).await.unwrap();
    assert_eq!(observed.containers.len(), 10);
    assert!(observed.containers.iter().all(|c| c.mounts.is_some()));
    assert_eq!(
        calls_of(&engine),
        vec![
            EngineCall::ListContainers.name(),
            EngineCall::ListNetworks.name(),
            EngineCall::ListVolumes.name(),
        ]
    );
}

#[tokio::test]
async fn a_start_follows_its_create_before_the_other_creates() {
    let engine = FakeEngine::new().with_image(IMAGE);
    let desired = desired(wide(4, false));
    let observed = observe_for(&engine, &desired).await.unwrap();
    let plan = reconcile(&desired, &observed, &Options::default());
    engine.clear_calls();
    let options = ExecuteOptions {
        concurrency: 1,
        ..ExecuteOptions::default()
    };
    assert!(execute(&engine, &plan, &options, &()).await.is_success());
    let order: Vec<String> = engine
        .calls()
        .iter()
        .filter(|record| {
            matches!(
                record.call,
                EngineCall::CreateContainer | EngineCall::StartContainer
            )
        })
        .map(|record| record.describe())
        .collect();
    let mut expected = Vec::new();
    for i in 0..4 {
        expected.push(format!(
            "{} demo-s{i}-1",
            EngineCall::CreateContainer.name()
        ));
        expected.push(format!("{} demo-s{i}-1", EngineCall::StartContainer.name()));
    }
    assert_eq!(order, expected);
}

#[tokio::test]
async fn the_preflight_name_check_finds_a_foreign_container() {
    // The default `containers_named` (the fake's) and the docker one answer alike: the
    // contract is exercised on the real engine by `tests/engine_scenarios.rs`.
    let engine = FakeEngine::new().with_image(IMAGE);
    let spec = rcompose::engine::ContainerSpec {
        name: "demo-s1-1".to_string(),
        image: IMAGE.to_string(),
        ..Default::default()
    };
    engine.create_container(&spec).await.unwrap();
    let names = vec!["demo-s0-1".to_string(), "demo-s1-1".to_string()];
    let found = engine.containers_named(&names).await.unwrap();
    assert_eq!(
        found.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(),
        vec!["demo-s1-1"]
    );
}
