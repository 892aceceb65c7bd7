//! The executor against the in-memory engine: ordering, parallelism, the concurrency cap,
//! failures (cancel or carry on), dependency waits, progress events, and the whole loop
//! (observe → reconcile → execute) converging to a plan with nothing to do.

mod plan_support;

use std::time::Duration;

use plan_support::{desired, PROJECT};
use rcompose::engine::fake::{Fault, Program};
use rcompose::engine::{
    ContainerStatus, Engine, EngineCall, FakeEngine, HealthStatus, ProjectFilter,
};
use rcompose::execute::{
    execute, Collect, EventStatus, ExecError, ExecuteOptions, OnError, OutcomeStatus, Report, Skip,
};
use rcompose::plan::{
    observe, observe_for, plan_down, reconcile, Action, DownOptions, Observed, Options, Plan,
};
use serde_json::{json, Value};

const IMAGE: &str = "rcompose-test/busybox:latest";

fn service(extra: Value) -> Value {
    let mut service = json!({
        "image": IMAGE, "command": ["sleep", "1000"], "entrypoint": null,
        "networks": {"default": null}
    });
    if let (Some(target), Some(extra)) = (service.as_object_mut(), extra.as_object()) {
        target.extend(extra.clone());
    }
    service
}

/// db ← api ← web, and an independent cache.
fn model() -> Value {
    json!({
        "networks": {"default": {"name": "demo_default", "ipam": {}}},
        "services": {
            "db": service(json!({})),
            "api": service(json!({"depends_on": {"db": {"condition": "service_started", "required": true}}})),
            "web": service(json!({"depends_on": {"api": {"condition": "service_started", "required": true}}})),
            "cache": service(json!({}))
        }
    })
}

fn engine() -> FakeEngine {
    FakeEngine::new().with_image(IMAGE)
}

fn fast() -> ExecuteOptions {
    ExecuteOptions {
        poll_interval: Duration::from_millis(5),
        ..ExecuteOptions::default()
    }
}

fn fresh_plan(model: Value) -> Plan {
    reconcile(
        &desired(model),
        &Observed::new(PROJECT),
        &Options::default(),
    )
}

/// The engine call and target an op makes (waits excluded).
fn call_of(action: &Action) -> Option<(EngineCall, String)> {
    Some(match action {
        Action::CreateNetwork(spec) => (EngineCall::CreateNetwork, spec.name.clone()),
        Action::RemoveNetwork { name } => (EngineCall::RemoveNetwork, name.clone()),
        Action::CreateVolume(spec) => (EngineCall::CreateVolume, spec.name.clone()),
        Action::RemoveVolume { name } => (EngineCall::RemoveVolume, name.clone()),
        Action::CreateContainer { spec, .. } => (EngineCall::CreateContainer, spec.name.clone()),
        Action::ConnectNetwork { container, .. } => (EngineCall::ConnectNetwork, container.clone()),
        Action::StartContainer { container } => {
            (EngineCall::StartContainer, container.target().to_string())
        }
        Action::StopContainer { container, .. } => {
            (EngineCall::StopContainer, container.target().to_string())
        }
        Action::RemoveContainer { container, .. } => {
            (EngineCall::RemoveContainer, container.target().to_string())
        }
        Action::RemoveImage { image } => (EngineCall::RemoveImage, image.clone()),
        Action::WaitHealthy { .. } | Action::WaitCompleted { .. } => return None,
    })
}

/// Every engine write of the plan began after the writes it waits for had ended.
fn assert_order_respected(engine: &FakeEngine, plan: &Plan) {
    let calls = engine.calls();
    let record = |id: usize| {
        let (call, target) = call_of(&plan.op(id).unwrap().action)?;
        calls
            .iter()
            .find(|r| r.call == call && r.target == target)
            .cloned()
    };
    for op in &plan.ops {
        let Some(this) = record(op.id) else { continue };
        for before in &op.after {
            let Some(earlier) = record(*before) else {
                continue;
            };
            let finished = earlier.finished.expect("finished");
            assert!(
                finished <= this.started,
                "#{} `{}` started before #{before} `{}` ended",
                op.id,
                this.describe(),
                earlier.describe()
            );
        }
    }
}

fn statuses(report: &Report) -> Vec<String> {
    report.outcomes.iter().map(ToString::to_string).collect()
}

#[tokio::test]
async fn a_fresh_plan_runs_in_dependency_order() {
    let engine = engine();
    engine.inject(Fault::delay(
        EngineCall::CreateContainer,
        Duration::from_millis(20),
    ));
    engine.inject(Fault::delay(
        EngineCall::StartContainer,
        Duration::from_millis(20),
    ));
    let plan = fresh_plan(model());
    let progress = Collect::new();
    let report = execute(&engine, &plan, &fast(), &progress).await;
    assert!(report.is_success(), "{report}");
    assert_order_respected(&engine, &plan);
    let containers = engine
        .list_containers(&ProjectFilter::new(PROJECT))
        .await
        .unwrap();
    assert_eq!(containers.len(), 4);
    assert!(containers
        .iter()
        .all(|c| c.status == ContainerStatus::Running));
    // Each create reports the id it made.
    let created: Vec<&str> = report
        .outcomes
        .iter()
        .filter_map(|o| o.created_id.as_deref())
        .collect();
    assert_eq!(created.len(), 4);
}

#[tokio::test]
async fn independent_operations_overlap() {
    let engine = engine();
    engine.inject(Fault::delay(
        EngineCall::CreateContainer,
        Duration::from_millis(50),
    ));
    let plan = fresh_plan(model());
    let report = execute(&engine, &plan, &fast(), &()).await;
    assert!(report.is_success(), "{report}");
    // All four creates wait for the network only: they run together.
    assert_eq!(engine.max_concurrency(Some(EngineCall::CreateContainer)), 4);
    // No level-by-level barrier: cache and db start while the slower api/web chain creates.
    let calls = engine.calls();
    let started = |target: &str| {
        calls
            .iter()
            .find(|r| r.call == EngineCall::StartContainer && r.target == target)
            .unwrap()
            .started
    };
    let web_start = started("demo-web-1");
    assert!(started("demo-cache-1") < web_start);
}

#[tokio::test]
async fn the_concurrency_cap_is_honoured() {
    let mut services = serde_json::Map::new();
    for index in 0..12 {
        services.insert(format!("s{index:02}"), service(json!({})));
    }
    let model = json!({
        "networks": {"default": {"name": "demo_default", "ipam": {}}},
        "services": services
    });
    let engine = engine();
    engine.inject(Fault::delay(
        EngineCall::CreateContainer,
        Duration::from_millis(20),
    ));
    engine.inject(Fault::delay(
        EngineCall::StartContainer,
        Duration::from_millis(20),
    ));
    let options = ExecuteOptions {
        concurrency: 3,
        ..fast()
    };
    let report = execute(&engine, &fresh_plan(model), &options, &()).await;
    assert!(report.is_success(), "{report}");
    assert_eq!(engine.max_concurrency(None), 3);
}

#[tokio::test]
async fn a_failure_skips_its_dependents_and_independent_branches_finish() {
    let engine = engine();
    engine.inject(
        Fault::fail(EngineCall::StartContainer, "port is already allocated").on("demo-db-1"),
    );
    engine.inject(Fault::delay(
        EngineCall::StartContainer,
        Duration::from_millis(20),
    ));
    let plan = fresh_plan(model());
    let options = ExecuteOptions {
        on_error: OnError::ContinueIndependent,
        ..fast()
    };
    let report = execute(&engine, &plan, &options, &()).await;
    assert!(!report.is_success());
    assert_eq!(
        statuses(&report),
        [
            "#1 create network demo_default: done",
            "#2 create container demo-cache-1: done",
            "#3 create container demo-db-1: done",
            "#4 create container demo-api-1: done",
            "#5 create container demo-web-1: done",
            "#6 start container demo-cache-1: done",
            "#7 start container demo-db-1: failed: starting container `demo-db-1`: port is already allocated",
            "#8 start container demo-api-1: skipped: #7 did not succeed",
            "#9 start container demo-web-1: skipped: #8 did not succeed",
        ]
    );
    let failed: Vec<String> = report.failed().map(|(_, e)| e.to_string()).collect();
    assert_eq!(
        failed,
        ["starting container `demo-db-1`: port is already allocated"]
    );
    assert_eq!(report.skipped().count(), 2);
    assert_eq!(report.succeeded().count(), 6);
    // The engine saw no call for what was skipped.
    assert!(!engine
        .mutating_calls()
        .iter()
        .any(|call| call == "start_container demo-api-1"));
}

#[tokio::test]
async fn the_first_failure_cancels_what_has_not_started() {
    let engine = engine();
    engine.inject(
        Fault::fail(EngineCall::CreateContainer, "no space left on device").on("demo-db-1"),
    );
    // The other creates are in flight when db's fails at once: they finish, and nothing
    // starts after them.
    for other in ["demo-api-1", "demo-cache-1", "demo-web-1"] {
        engine
            .inject(Fault::delay(EngineCall::CreateContainer, Duration::from_millis(30)).on(other));
    }
    let plan = fresh_plan(model());
    let report = execute(&engine, &plan, &fast(), &()).await;
    assert_eq!(
        statuses(&report),
        [
            "#1 create network demo_default: done",
            "#2 create container demo-cache-1: done",
            "#3 create container demo-db-1: failed: creating container `demo-db-1`: no space left on device",
            "#4 create container demo-api-1: done",
            "#5 create container demo-web-1: done",
            "#6 start container demo-cache-1: skipped: cancelled after a failure",
            "#7 start container demo-db-1: skipped: #3 did not succeed",
            "#8 start container demo-api-1: skipped: #7 did not succeed",
            "#9 start container demo-web-1: skipped: #8 did not succeed",
        ]
    );
    let cancelled = report
        .outcomes
        .iter()
        .filter(|o| o.status == OutcomeStatus::Skipped(Skip::Cancelled))
        .count();
    assert_eq!(cancelled, 1);
    assert!(!engine
        .mutating_calls()
        .iter()
        .any(|call| call.starts_with("start_container")));
}

#[tokio::test]
async fn a_plan_with_errors_runs_nothing() {
    let engine = engine();
    let mut plan = fresh_plan(model());
    plan.errors.push("something is wrong".to_string());
    let report = execute(&engine, &plan, &fast(), &()).await;
    assert!(report
        .outcomes
        .iter()
        .all(|o| o.status == OutcomeStatus::Skipped(Skip::InvalidPlan)));
    assert!(engine.calls().is_empty());
}

fn healthy_model(condition: &str, required: bool) -> Value {
    json!({
        "networks": {"default": {"name": "demo_default", "ipam": {}}},
        "services": {
            "db": service(json!({"healthcheck": {"test": ["CMD", "true"], "interval": "1s"}})),
            "web": service(json!({"depends_on": {"db": {"condition": condition, "required": required}}}))
        }
    })
}

#[tokio::test]
async fn service_healthy_waits_for_health() {
    let engine = engine();
    let plan = fresh_plan(healthy_model("service_healthy", true));
    let background = engine.clone();
    // db turns healthy a little after it starts.
    let turn_healthy = tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_millis(10)).await;
            if background
                .set_health("demo-db-1", HealthStatus::Healthy, "ok")
                .is_ok()
            {
                let info = background.inspect_container("demo-db-1").await.unwrap();
                if info.state.running {
                    break;
                }
            }
        }
    });
    let progress = Collect::new();
    let report = execute(&engine, &plan, &fast(), &progress).await;
    turn_healthy.await.unwrap();
    assert!(report.is_success(), "{report}");
    let lines = progress.lines();
    let position = |line: &str| {
        lines
            .iter()
            .position(|l| l == line)
            .unwrap_or_else(|| panic!("no `{line}` in {lines:#?}"))
    };
    assert!(position("Container demo-db-1  Started") < position("Container demo-db-1  Waiting"));
    assert!(position("Container demo-db-1  Healthy") < position("Container demo-web-1  Starting"));
}

#[tokio::test]
async fn an_unhealthy_dependency_fails_with_its_last_healthcheck_output() {
    let engine = engine();
    engine.set_program(
        "demo-db-1",
        Program {
            health: Some((HealthStatus::Unhealthy, "connection refused".to_string())),
            ..Program::default()
        },
    );
    let plan = fresh_plan(healthy_model("service_healthy", true));
    let progress = Collect::new();
    let report = execute(&engine, &plan, &fast(), &progress).await;
    let failed: Vec<String> = report.failed().map(|(_, e)| e.to_string()).collect();
    assert_eq!(
        failed,
        ["container `demo-db-1` is unhealthy (last healthcheck output: connection refused)"]
    );
    assert_eq!(
        statuses(&report).last().unwrap(),
        "#6 start container demo-web-1: skipped: #5 did not succeed"
    );
    assert!(progress.lines().contains(
        &"Container demo-db-1  Error container `demo-db-1` is unhealthy (last healthcheck output: connection refused)".to_string()
    ));
}

#[tokio::test]
async fn a_health_wait_times_out_with_the_last_output() {
    let engine = engine();
    engine.set_program(
        "demo-db-1",
        Program {
            health: Some((HealthStatus::Starting, "still booting".to_string())),
            ..Program::default()
        },
    );
    let options = Options {
        wait_timeout: Some(Duration::from_millis(100)),
        ..Options::default()
    };
    let plan = reconcile(
        &desired(healthy_model("service_healthy", true)),
        &Observed::new(PROJECT),
        &options,
    );
    let report = execute(&engine, &plan, &fast(), &()).await;
    let errors: Vec<&ExecError> = report.failed().map(|(_, e)| e).collect();
    assert!(
        matches!(errors[..], [ExecError::TimedOut { ref output, .. }] if output.as_deref() == Some("still booting")),
        "{report}"
    );
}

#[tokio::test]
async fn an_optional_dependency_that_fails_is_a_warning() {
    let engine = engine();
    engine.set_program(
        "demo-db-1",
        Program {
            health: Some((HealthStatus::Unhealthy, "nope".to_string())),
            ..Program::default()
        },
    );
    let plan = fresh_plan(healthy_model("service_healthy", false));
    let report = execute(&engine, &plan, &fast(), &()).await;
    assert!(report.is_success(), "{report}");
    assert!(matches!(
        &report.outcome(5).unwrap().status,
        OutcomeStatus::Warned(message) if message.contains("is unhealthy")
    ));
    assert!(engine
        .mutating_calls()
        .contains(&"start_container demo-web-1".to_string()));
}

#[tokio::test]
async fn service_completed_successfully_waits_for_exit_zero() {
    for (code, success) in [(0, true), (3, false)] {
        let engine = engine();
        engine.set_program(
            "demo-db-1",
            Program {
                exit_code: Some(code),
                ..Program::default()
            },
        );
        let plan = fresh_plan(healthy_model("service_completed_successfully", true));
        let progress = Collect::new();
        let report = execute(&engine, &plan, &fast(), &progress).await;
        assert_eq!(report.is_success(), success, "{report}");
        if success {
            assert!(progress
                .lines()
                .contains(&"Container demo-db-1  Exited".to_string()));
        } else {
            let failed: Vec<String> = report.failed().map(|(_, e)| e.to_string()).collect();
            assert_eq!(
                failed,
                ["service `db` didn't complete successfully: container `demo-db-1` exited with 3"]
            );
        }
    }
}

#[tokio::test]
async fn progress_events_name_the_object_and_the_step_with_a_time() {
    let engine = engine();
    let plan = fresh_plan(json!({
        "networks": {"default": {"name": "demo_default", "ipam": {}}},
        "volumes": {"data": {"name": "demo_data"}},
        "services": {"db": service(json!({"volumes": [{"type": "volume", "source": "data", "target": "/data", "volume": {}}]}))}
    }));
    let progress = Collect::new();
    let report = execute(
        &engine,
        &plan,
        &ExecuteOptions {
            concurrency: 1,
            ..fast()
        },
        &progress,
    )
    .await;
    assert!(report.is_success(), "{report}");
    assert_eq!(
        progress.lines(),
        [
            "Network demo_default  Creating",
            "Network demo_default  Created",
            "Volume demo_data  Creating",
            "Volume demo_data  Created",
            "Container demo-db-1  Creating",
            "Container demo-db-1  Created",
            "Container demo-db-1  Starting",
            "Container demo-db-1  Started",
        ]
    );
    let events = progress.events();
    assert!(events.windows(2).all(|w| w[0].time <= w[1].time));
    assert_eq!(events[5].status, EventStatus::Created);
    assert!(events[5].status.is_done() && !events[4].status.is_done());
}

#[tokio::test]
async fn a_second_up_makes_no_engine_writes() {
    let engine = engine();
    let model = json!({
        "networks": {"default": {"name": "demo_default", "ipam": {}}, "back": {"name": "demo_back", "ipam": {}}},
        "volumes": {"data": {"name": "demo_data"}},
        "services": {
            // `nocopy` sends the named volume through the mount API: the fake reports mounts
            // only (not binds) in inspect, where the real engine reports both.
            "db": service(json!({"volumes": [{"type": "volume", "source": "data", "target": "/data", "volume": {"nocopy": true}}]})),
            "web": service(json!({"networks": {"default": null, "back": {"aliases": ["www"]}}, "scale": 2,
                                  "depends_on": {"db": {"condition": "service_started", "required": true}}}))
        }
    });
    let desired = desired(model);
    let observed = observe_for(&engine, &desired).await.unwrap();
    let plan = reconcile(&desired, &observed, &Options::default());
    let report = execute(&engine, &plan, &fast(), &()).await;
    assert!(report.is_success(), "{report}");

    engine.clear_calls();
    let observed = observe_for(&engine, &desired).await.unwrap();
    let plan = reconcile(&desired, &observed, &Options::default());
    assert!(plan.is_empty(), "{plan}");
    let report = execute(&engine, &plan, &fast(), &()).await;
    assert!(report.outcomes.is_empty());
    assert_eq!(engine.mutating_calls(), Vec::<String>::new());
}

#[tokio::test]
async fn down_removes_everything_it_planned() {
    let engine = engine();
    let desired = desired(json!({
        "networks": {"default": {"name": "demo_default", "ipam": {}}},
        "volumes": {"data": {"name": "demo_data"}},
        "services": {
            "db": service(json!({"volumes": [{"type": "volume", "source": "data", "target": "/data", "volume": {}}]})),
            "web": service(json!({"depends_on": {"db": {"condition": "service_started", "required": true}}}))
        }
    }));
    let observed = observe_for(&engine, &desired).await.unwrap();
    let up = reconcile(&desired, &observed, &Options::default());
    assert!(execute(&engine, &up, &fast(), &()).await.is_success());

    let observed = observe(&engine, PROJECT).await.unwrap();
    let down = plan_down(
        Some(&desired),
        &observed,
        &DownOptions {
            volumes: true,
            ..DownOptions::default()
        },
    );
    let report = execute(&engine, &down, &fast(), &()).await;
    assert!(report.is_success(), "{report}");
    assert_order_respected(&engine, &down);
    let left = observe(&engine, PROJECT).await.unwrap();
    assert!(left.containers.is_empty() && left.networks.is_empty() && left.volumes.is_empty());
    // Running it again finds nothing to do.
    assert!(plan_down(Some(&desired), &left, &DownOptions::default()).is_empty());
}

#[tokio::test]
async fn a_failure_stops_a_wait_in_flight() {
    let engine = engine();
    // db never turns healthy, and there is no wait timeout: only the cancellation ends the
    // wait when cache fails to start.
    let model = json!({
        "networks": {"default": {"name": "demo_default", "ipam": {}}},
        "services": {
            "db": service(json!({"healthcheck": {"test": ["CMD", "true"]}})),
            "web": service(json!({"depends_on": {"db": {"condition": "service_healthy", "required": true}}})),
            "cache": service(json!({}))
        }
    });
    engine.inject(Fault::fail(EngineCall::StartContainer, "boom").on("demo-cache-1"));
    engine.inject(
        Fault::delay(EngineCall::StartContainer, Duration::from_millis(100)).on("demo-cache-1"),
    );
    let plan = fresh_plan(model);
    let started = std::time::Instant::now();
    let report = tokio::time::timeout(
        Duration::from_secs(10),
        execute(&engine, &plan, &fast(), &()),
    )
    .await
    .expect("the wait was cancelled");
    assert!(started.elapsed() < Duration::from_secs(5));
    let text = report.to_string();
    assert!(
        text.contains("wait for db to be healthy (demo-db-1): skipped: cancelled after a failure"),
        "{text}"
    );
    assert!(
        text.contains("start container demo-web-1: skipped: #"),
        "{text}"
    );
    assert_eq!(report.failed().count(), 1, "{text}");
}

/// `down --rmi`: the images go after every container, with docker compose's progress words.
#[tokio::test]
async fn down_removes_images_after_the_containers() {
    let engine = engine();
    let built = format!("{PROJECT}-web:latest");
    assert!(engine.tag_image(IMAGE, &built));
    let desired = desired(json!({
        "networks": {"default": {"name": "demo_default", "ipam": {}}},
        "services": {
            "db": service(json!({})),
            "web": service(json!({"image": built}))
        }
    }));
    let observed = observe_for(&engine, &desired).await.unwrap();
    let up = reconcile(&desired, &observed, &Options::default());
    assert!(execute(&engine, &up, &fast(), &()).await.is_success());
    let observed = observe(&engine, PROJECT).await.unwrap();
    let down = plan_down(
        Some(&desired),
        &observed,
        &DownOptions {
            images: vec![built.clone()],
            ..DownOptions::default()
        },
    );
    let image_op = down
        .ops
        .iter()
        .find(|op| matches!(op.action, Action::RemoveImage { .. }))
        .expect("an image removal");
    let removals = down
        .ops
        .iter()
        .filter(|op| matches!(op.action, Action::RemoveContainer { .. }))
        .count();
    assert_eq!(image_op.after.len(), removals);
    let collect = Collect::new();
    let report = execute(&engine, &down, &fast(), &collect).await;
    assert!(report.is_success(), "{report}");
    assert_order_respected(&engine, &down);
    let lines = collect.lines();
    assert!(
        lines
            .iter()
            .any(|l| l.contains(&format!("Image {built}  Removed"))),
        "{lines:?}"
    );
    assert!(!engine.image_exists(&built).await.unwrap());
    assert!(engine.image_exists(IMAGE).await.unwrap());
}
