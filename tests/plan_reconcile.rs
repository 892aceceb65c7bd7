//! Plan tests for `up`: desired state + observed state in, plan text out.

mod plan_support;

use plan_support::*;
use rcompose::engine::{ContainerStatus, ImageInfo, MountInfo};
use rcompose::plan::{labels, reconcile, Action, Observed, Options};
use serde_json::json;

fn model() -> serde_json::Value {
    json!({
        "name": "demo",
        "networks": {
            "default": {"name": "demo_default", "ipam": {}},
            "shared": {"name": "shared", "external": true}
        },
        "volumes": {"data": {"name": "demo_data"}},
        "services": {
            "db": {
                "image": "postgres:16",
                "command": null,
                "entrypoint": null,
                "healthcheck": {"test": ["CMD", "pg_isready"], "interval": "2s"},
                "networks": {"default": null},
                "volumes": [{"type": "volume", "source": "data", "target": "/var/lib/postgresql/data", "volume": {}}]
            },
            "cache": {"image": "redis:7", "command": null, "entrypoint": null, "networks": {"default": null}},
            "web": {
                "image": "nginx:1",
                "command": null,
                "entrypoint": null,
                "depends_on": {
                    "cache": {"condition": "service_started", "required": true},
                    "db": {"condition": "service_healthy", "required": true}
                },
                "networks": {"default": null, "shared": null},
                "ports": [{"mode": "ingress", "target": 80, "published": "8080", "protocol": "tcp"}]
            },
            "worker": {
                "image": "app:1",
                "command": ["work"],
                "entrypoint": null,
                "depends_on": {"db": {"condition": "service_started", "required": true, "restart": true}},
                "networks": {"default": null}
            },
            "sidecar": {
                "image": "busybox",
                "command": null,
                "entrypoint": null,
                "network_mode": "service:web",
                "depends_on": {"web": {"condition": "service_started", "required": true, "restart": true}}
            }
        }
    })
}

fn plan_text(model: serde_json::Value, observed: &Observed, options: &Options) -> String {
    reconcile(&desired(model), observed, options).to_string()
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
fn fresh_up_creates_everything_in_dependency_order() {
    let actual = plan_text(model(), &Observed::new(PROJECT), &Options::default());
    assert_plan(
        actual,
        "
#1 create network demo_default: missing
#2 create volume demo_data: missing
#3 create container demo-cache-1: missing (after #1)
#4 create container demo-db-1: missing (after #1, #2)
#5 create container demo-web-1: missing (after #1)
#6 connect container demo-web-1 to network shared: missing (after #5)
#7 create container demo-sidecar-1: missing (after #5)
#8 create container demo-worker-1: missing (after #1)
#9 start container demo-cache-1: missing (after #3)
#10 start container demo-db-1: missing (after #4)
#11 wait for db to be healthy (demo-db-1): `web` depends on `db` (service_healthy) (after #10)
#12 start container demo-web-1: missing (after #6, #9, #11)
#13 start container demo-sidecar-1: missing (after #7, #12)
#14 start container demo-worker-1: missing (after #8, #10)
",
    );
}

#[test]
fn from_api_1_44_a_container_is_created_on_all_its_networks() {
    let mut observed = Observed::new(PROJECT);
    observed.api_version = Some("1.44".to_string());
    let plan = reconcile(&desired(model()), &observed, &Options::default());
    assert!(!plan.to_string().contains("connect container"), "{plan}");
    let web = plan
        .ops
        .iter()
        .find_map(|op| match &op.action {
            Action::CreateContainer { spec, .. } if spec.name == "demo-web-1" => Some(spec),
            _ => None,
        })
        .expect("web is created");
    let networks: Vec<&str> = web.endpoints.iter().map(|e| e.network.as_str()).collect();
    assert_eq!(networks, ["demo_default", "shared"]);
}

#[test]
fn a_converged_project_makes_no_operation() {
    let desired = desired(model());
    let plan = reconcile(&desired, &converged(&desired), &Options::default());
    assert!(plan.is_empty(), "{plan}");
    assert!(plan.warnings.is_empty() && plan.errors.is_empty(), "{plan}");
    assert_eq!(plan.to_string(), "");
}

#[test]
fn a_changed_service_is_recreated_with_what_is_bound_to_it_and_nothing_else() {
    let observed = converged(&desired(model()));
    let mut changed = model();
    changed["services"]["web"]["command"] = json!(["nginx", "-g", "daemon off;"]);
    changed["services"]["web"]["environment"] = json!({"A": "1"});
    assert_plan(
        plan_text(changed, &observed, &Options::default()),
        "
#1 stop container demo-sidecar-1: `web` is recreated (network_mode: service:web)
#2 stop container demo-web-1: config hash changed: `command` changed, `environment` added (after #1)
#3 remove container demo-web-1: config hash changed: `command` changed, `environment` added (after #2)
#4 remove container demo-sidecar-1: `web` is recreated (network_mode: service:web) (after #1)
#5 create container demo-web-1: config hash changed: `command` changed, `environment` added (after #3)
#6 connect container demo-web-1 to network shared: config hash changed: `command` changed, `environment` added (after #5)
#7 create container demo-sidecar-1: `web` is recreated (network_mode: service:web) (after #4, #5)
#8 wait for db to be healthy (demo-db-1): `web` depends on `db` (service_healthy)
#9 start container demo-web-1: config hash changed: `command` changed, `environment` added (after #6, #8)
#10 start container demo-sidecar-1: `web` is recreated (network_mode: service:web) (after #7, #9)
",
    );
}

#[test]
fn dependents_with_restart_are_stopped_before_and_started_after() {
    let observed = converged(&desired(model()));
    let mut changed = model();
    changed["services"]["db"]["image"] = json!("postgres:17");
    changed["services"]["db"]["ports"] =
        json!([{"mode": "ingress", "target": 5432, "published": "5432", "protocol": "tcp"}]);
    assert_plan(
        plan_text(changed, &observed, &Options::default()),
        "
#1 stop container demo-worker-1: `db` is recreated (depends_on restart: true)
#2 stop container demo-db-1: config hash changed: `image` changed, `ports` added (after #1)
#3 remove container demo-db-1: config hash changed: `image` changed, `ports` added (after #2)
#4 create container demo-db-1: config hash changed: `image` changed, `ports` added (after #3)
#5 start container demo-db-1: config hash changed: `image` changed, `ports` added (after #4)
#6 start container demo-worker-1: `db` is recreated (depends_on restart: true) (after #1, #5)
",
    );
}

#[test]
fn a_container_made_by_another_tool_is_recreated_without_a_field_list() {
    let mut observed = converged(&desired(model()));
    let cache = container(&mut observed, "demo-cache-1");
    cache.labels.insert(
        labels::CONFIG_HASH.to_string(),
        "docker-compose-hash".to_string(),
    );
    cache.labels.remove(labels::FIELD_HASHES);
    assert_plan(
        plan_text(model(), &observed, &Options::default()),
        "
#1 stop container demo-cache-1: config hash changed
#2 remove container demo-cache-1: config hash changed (after #1)
#3 create container demo-cache-1: config hash changed (after #2)
#4 start container demo-cache-1: config hash changed (after #3)
",
    );
}

#[test]
fn a_new_image_behind_the_same_tag_recreates() {
    let mut observed = converged(&desired(model()));
    container(&mut observed, "demo-cache-1").image_id = "sha256:old".to_string();
    observed.images.insert(
        "redis:7".to_string(),
        ImageInfo {
            id: "sha256:new".to_string(),
            ..ImageInfo::default()
        },
    );
    let plan = reconcile(&desired(model()), &observed, &Options::default());
    assert_plan(
        plan.to_string(),
        "
#1 stop container demo-cache-1: image `redis:7` changed
#2 remove container demo-cache-1: image `redis:7` changed (after #1)
#3 create container demo-cache-1: image `redis:7` changed (after #2)
#4 start container demo-cache-1: image `redis:7` changed (after #3)
",
    );
    // The new container says which image it was made from, as docker compose's do.
    let Action::CreateContainer { spec, .. } = &plan.ops[2].action else {
        panic!("not a create: {plan}");
    };
    assert_eq!(spec.labels[labels::IMAGE], "sha256:new");
}

#[test]
fn a_running_container_off_its_network_is_recreated() {
    let mut observed = converged(&desired(model()));
    container(&mut observed, "demo-worker-1").networks.clear();
    assert_plan(
        plan_text(model(), &observed, &Options::default()),
        "
#1 stop container demo-worker-1: not connected to network `demo_default`
#2 remove container demo-worker-1: not connected to network `demo_default` (after #1)
#3 create container demo-worker-1: not connected to network `demo_default` (after #2)
#4 start container demo-worker-1: not connected to network `demo_default` (after #3)
",
    );
}

#[test]
fn scale_up_adds_the_next_numbers() {
    let observed = converged(&desired(model()));
    let mut options = Options::default();
    options.scale.insert("worker".to_string(), 3);
    assert_plan(
        plan_text(model(), &observed, &options),
        "
#1 create container demo-worker-2: scale up to 3
#2 create container demo-worker-3: scale up to 3
#3 start container demo-worker-2: scale up to 3 (after #1)
#4 start container demo-worker-3: scale up to 3 (after #2)
",
    );
}

#[test]
fn scale_down_removes_the_highest_numbers() {
    let mut three = model();
    three["services"]["worker"]["scale"] = json!(3);
    let observed = converged(&desired(three));
    assert_plan(
        plan_text(model(), &observed, &Options::default()),
        "
#1 stop container demo-worker-2: scale down to 1
#2 remove container demo-worker-2: scale down to 1 (after #1)
#3 stop container demo-worker-3: scale down to 1
#4 remove container demo-worker-3: scale down to 1 (after #3)
",
    );
}

#[test]
fn scale_down_removes_obsolete_containers_first() {
    let mut three = model();
    three["services"]["worker"]["scale"] = json!(3);
    let mut observed = converged(&desired(three));
    container(&mut observed, "demo-worker-1")
        .labels
        .insert(labels::CONFIG_HASH.to_string(), "stale".to_string());
    assert_plan(
        plan_text(model(), &observed, &Options::default()),
        "
#1 stop container demo-worker-3: scale down to 1
#2 remove container demo-worker-3: scale down to 1 (after #1)
#3 stop container demo-worker-1: scale down to 1
#4 remove container demo-worker-1: scale down to 1 (after #3)
",
    );
}

#[test]
fn scale_to_zero_removes_all_and_dependents_do_not_wait() {
    let observed = converged(&desired(model()));
    let mut options = Options::default();
    options.scale.insert("db".to_string(), 0);
    options.force_recreate = true;
    options.services = vec!["web".to_string()];
    let plan = reconcile(&desired(model()), &observed, &options);
    let text = plan.to_string();
    assert!(
        text.contains("remove container demo-db-1: scale down to 0"),
        "{text}"
    );
    assert!(!text.contains("wait for db"), "{text}");
}

#[test]
fn orphans_are_warned_about() {
    let observed = converged(&desired(model())).with_container(orphan("old", 1));
    assert_plan(
        plan_text(model(), &observed, &Options::default()),
        "
warning: found orphan containers (demo-old-1) for this project: if you removed or renamed their service in the compose file, run this command with --remove-orphans to clean them up
",
    );
}

#[test]
fn orphans_are_removed_with_remove_orphans() {
    let mut stopped = orphan("gone", 1);
    stopped.status = ContainerStatus::Exited;
    let observed = converged(&desired(model()))
        .with_container(orphan("old", 1))
        .with_container(stopped);
    let options = Options {
        remove_orphans: true,
        ..Options::default()
    };
    assert_plan(
        plan_text(model(), &observed, &options),
        "
#1 remove container demo-gone-1: orphan (service `gone` is not in the project)
#2 stop container demo-old-1: orphan (service `old` is not in the project)
#3 remove container demo-old-1: orphan (service `old` is not in the project) (after #2)
",
    );
}

#[test]
fn containers_of_inactive_profiles_and_one_offs_are_not_orphans() {
    let mut oneoff = orphan("web", 1);
    oneoff.name = "demo-web-run-1234".to_string();
    oneoff
        .labels
        .insert(labels::ONEOFF.to_string(), "True".to_string());
    let observed = converged(&desired(model()))
        .with_container(orphan("debug", 1))
        .with_container(oneoff);
    let mut options = Options::default();
    options.inactive_services.insert("debug".to_string());
    let plan = reconcile(&desired(model()), &observed, &options);
    assert!(plan.is_empty() && plan.warnings.is_empty(), "{plan}");
}

#[test]
fn force_recreate_recreates_everything_dependents_stopping_first() {
    let observed = converged(&desired(model()));
    let options = Options {
        force_recreate: true,
        ..Options::default()
    };
    assert_plan(
        plan_text(model(), &observed, &options),
        "
#1 stop container demo-worker-1: --force-recreate
#2 stop container demo-sidecar-1: --force-recreate
#3 stop container demo-web-1: --force-recreate (after #2)
#4 stop container demo-db-1: --force-recreate (after #1, #3)
#5 stop container demo-cache-1: --force-recreate (after #3)
#6 remove container demo-cache-1: --force-recreate (after #5)
#7 remove container demo-db-1: --force-recreate (after #4)
#8 remove container demo-web-1: --force-recreate (after #3)
#9 remove container demo-sidecar-1: --force-recreate (after #2)
#10 remove container demo-worker-1: --force-recreate (after #1)
#11 create container demo-cache-1: --force-recreate (after #6)
#12 create container demo-db-1: --force-recreate (after #7)
#13 create container demo-web-1: --force-recreate (after #8)
#14 connect container demo-web-1 to network shared: --force-recreate (after #13)
#15 create container demo-sidecar-1: --force-recreate (after #9, #13)
#16 create container demo-worker-1: --force-recreate (after #10)
#17 start container demo-cache-1: --force-recreate (after #11)
#18 start container demo-db-1: --force-recreate (after #12)
#19 wait for db to be healthy (demo-db-1): `web` depends on `db` (service_healthy) (after #18)
#20 start container demo-web-1: --force-recreate (after #14, #17, #19)
#21 start container demo-sidecar-1: --force-recreate (after #15, #20)
#22 start container demo-worker-1: --force-recreate (after #16, #18)
",
    );
}

#[test]
fn force_recreate_of_one_service_leaves_its_dependencies_and_warns_about_bound_ones() {
    let observed = converged(&desired(model()));
    let options = Options {
        force_recreate: true,
        services: vec!["web".to_string()],
        ..Options::default()
    };
    assert_plan(
        plan_text(model(), &observed, &options),
        "
#1 stop container demo-web-1: --force-recreate
#2 remove container demo-web-1: --force-recreate (after #1)
#3 create container demo-web-1: --force-recreate (after #2)
#4 connect container demo-web-1 to network shared: --force-recreate (after #3)
#5 wait for db to be healthy (demo-db-1): `web` depends on `db` (service_healthy)
#6 start container demo-web-1: --force-recreate (after #4, #5)
warning: service `sidecar` is bound to `web` (network_mode: service:web), which is recreated: bring `sidecar` up too
",
    );
}

#[test]
fn no_recreate_leaves_changed_containers() {
    let mut observed = converged(&desired(model()));
    container(&mut observed, "demo-web-1").status = ContainerStatus::Exited;
    let mut changed = model();
    changed["services"]["web"]["command"] = json!(["other"]);
    changed["services"]["cache"]["image"] = json!("redis:8");
    let options = Options {
        no_recreate: true,
        ..Options::default()
    };
    assert_plan(
        plan_text(changed, &observed, &options),
        "
#1 wait for db to be healthy (demo-db-1): `web` depends on `db` (service_healthy)
#2 start container demo-web-1: not running (exited) (after #1)
",
    );
}

#[test]
fn a_stopped_container_is_started() {
    let mut observed = converged(&desired(model()));
    container(&mut observed, "demo-db-1").status = ContainerStatus::Exited;
    container(&mut observed, "demo-cache-1").status = ContainerStatus::Created;
    assert_plan(
        plan_text(model(), &observed, &Options::default()),
        "
#1 start container demo-cache-1: not running (created)
#2 start container demo-db-1: not running (exited)
",
    );
}

#[test]
fn no_start_creates_only() {
    let options = Options {
        no_start: true,
        services: vec!["db".to_string()],
        ..Options::default()
    };
    assert_plan(
        plan_text(model(), &Observed::new(PROJECT), &options),
        "
#1 create network demo_default: missing
#2 create volume demo_data: missing
#3 create container demo-db-1: missing (after #1, #2)
",
    );
}

#[test]
fn a_services_subset_brings_its_dependencies() {
    let options = Options {
        services: vec!["web".to_string()],
        ..Options::default()
    };
    assert_plan(
        plan_text(model(), &Observed::new(PROJECT), &options),
        "
#1 create network demo_default: missing
#2 create volume demo_data: missing
#3 create container demo-cache-1: missing (after #1)
#4 create container demo-db-1: missing (after #1, #2)
#5 create container demo-web-1: missing (after #1)
#6 connect container demo-web-1 to network shared: missing (after #5)
#7 start container demo-cache-1: missing (after #3)
#8 start container demo-db-1: missing (after #4)
#9 wait for db to be healthy (demo-db-1): `web` depends on `db` (service_healthy) (after #8)
#10 start container demo-web-1: missing (after #6, #7, #9)
",
    );
}

#[test]
fn a_services_subset_without_deps_is_alone() {
    let options = Options {
        services: vec!["web".to_string()],
        no_deps: true,
        ..Options::default()
    };
    assert_plan(
        plan_text(model(), &Observed::new(PROJECT), &options),
        "
#1 create network demo_default: missing
#2 create container demo-web-1: missing (after #1)
#3 connect container demo-web-1 to network shared: missing (after #2)
#4 start container demo-web-1: missing (after #3)
",
    );
}

#[test]
fn a_bound_service_brings_what_it_is_bound_to() {
    let options = Options {
        services: vec!["sidecar".to_string()],
        ..Options::default()
    };
    let text = plan_text(model(), &Observed::new(PROJECT), &options);
    for name in ["demo-web-1", "demo-db-1", "demo-cache-1", "demo-sidecar-1"] {
        assert!(text.contains(&format!("create container {name}")), "{text}");
    }
    assert!(!text.contains("demo-worker-1"), "{text}");
}

#[test]
fn unknown_services_and_missing_externals_are_errors() {
    let mut observed = Observed::new(PROJECT);
    observed
        .external_networks
        .insert("shared".to_string(), false);
    let mut options = Options::default();
    options.scale.insert("nope".to_string(), 2);
    let plan = reconcile(&desired(model()), &observed, &options);
    assert_eq!(
        plan.errors,
        [
            "no such service: `nope`",
            "network `shared` is declared as external, but could not be found"
        ]
    );
}

#[test]
fn services_optional_dependency_waits_are_not_required() {
    let mut optional = model();
    optional["services"]["web"]["depends_on"]["db"]["required"] = json!(false);
    let plan = reconcile(
        &desired(optional),
        &Observed::new(PROJECT),
        &Options::default(),
    );
    let wait = plan
        .ops
        .iter()
        .find_map(|op| match &op.action {
            Action::WaitHealthy { required, .. } => Some(*required),
            _ => None,
        })
        .expect("a health wait");
    assert!(!wait);
}

#[test]
fn a_recreated_container_keeps_its_anonymous_volumes() {
    let mut with_anonymous = model();
    with_anonymous["services"]["cache"]["volumes"] =
        json!([{"type": "volume", "target": "/data", "volume": {}}]);
    let desired_state = desired(with_anonymous.clone());
    let mut observed = converged(&desired_state);
    container(&mut observed, "demo-cache-1").mounts = Some(vec![
        MountInfo {
            kind: "volume".to_string(),
            name: Some("0123abcd".to_string()),
            source: "/var/lib/docker/volumes/0123abcd/_data".to_string(),
            destination: "/data".to_string(),
            read_write: true,
        },
        // A VOLUME of the image.
        MountInfo {
            kind: "volume".to_string(),
            name: Some("4567cdef".to_string()),
            source: "/var/lib/docker/volumes/4567cdef/_data".to_string(),
            destination: "/image-volume".to_string(),
            read_write: true,
        },
    ]);
    observed.images.insert(
        "redis:7".to_string(),
        ImageInfo {
            id: String::new(),
            volumes: vec!["/image-volume".to_string()],
            ..ImageInfo::default()
        },
    );
    let options = Options {
        force_recreate: true,
        services: vec!["cache".to_string()],
        ..Options::default()
    };
    let plan = reconcile(&desired_state, &observed, &options);
    let spec = plan
        .ops
        .iter()
        .find_map(|op| match &op.action {
            Action::CreateContainer { spec, .. } => Some(spec),
            _ => None,
        })
        .expect("a create");
    let volumes: Vec<(Option<&str>, &str)> = spec
        .mounts
        .iter()
        .map(|m| (m.source.as_deref(), m.target.as_str()))
        .collect();
    assert_eq!(
        volumes,
        [
            (Some("0123abcd"), "/data"),
            (Some("4567cdef"), "/image-volume")
        ]
    );
    // And the old container goes without them.
    assert!(plan
        .ops
        .iter()
        .any(|op| matches!(&op.action, Action::RemoveContainer { volumes: false, .. })));
}

#[test]
fn a_dependent_left_out_of_the_selection_is_warned_about() {
    let observed = converged(&desired(model()));
    let mut changed = model();
    changed["services"]["db"]["image"] = json!("postgres:17");
    let options = Options {
        services: vec!["db".to_string()],
        ..Options::default()
    };
    let plan = reconcile(&desired(changed), &observed, &options);
    assert_eq!(
        plan.warnings,
        ["service `worker` depends on `db` with `restart: true`, but is not restarted: bring `worker` up too"]
    );
    assert!(!plan.to_string().contains("demo-worker-1:"), "{plan}");
}

#[test]
fn odd_labels_do_not_panic() {
    let mut observed = converged(&desired(model()));
    let worker = container(&mut observed, "demo-worker-1");
    worker
        .labels
        .insert(labels::CONTAINER_NUMBER.to_string(), u32::MAX.to_string());
    worker
        .labels
        .insert(labels::FIELD_HASHES.to_string(), ",=,x,==".to_string());
    worker
        .labels
        .insert(labels::CONFIG_HASH.to_string(), String::new());
    let mut unnumbered = orphan("cache", 7);
    unnumbered.labels.remove(labels::CONTAINER_NUMBER);
    let observed = observed.with_container(unnumbered);
    let mut options = Options::default();
    options.scale.insert("worker".to_string(), 2);
    let text = reconcile(&desired(model()), &observed, &options).to_string();
    assert!(
        text.contains(&format!("create container demo-worker-{}", u32::MAX)),
        "{text}"
    );
    assert!(text.contains("remove container demo-cache-7"), "{text}");
}
