//! The whole loop against the real engine, under a unique project name that a guard always
//! removes: load → desired → observe → reconcile → execute. It checks the engine's state, and
//! that docker compose v2 sees the project rcompose made. Without an engine (outside CI) it
//! says so and skips.

mod common;
mod support;

use std::path::Path;
use std::time::Duration;

use rcompose::engine::{ContainerStatus, DockerEngine, Engine, ProjectFilter};
use rcompose::execute::{execute, Collect, ExecuteOptions};
use rcompose::plan::{
    desired_state, labels, observe, observe_for, plan_down, reconcile, Desired, DownOptions,
    Options,
};
use rcompose::project::{load, LoadOptions};

const COMPOSE: &str = r#"
services:
  db:
    image: rcompose-test/busybox:latest
    command: ["sleep", "100000"]
    stop_grace_period: 1s
    volumes:
      - data:/data
      - /anon
    healthcheck:
      test: ["CMD", "true"]
      interval: 1s
      start_interval: 1s
      start_period: 5s
  web:
    image: rcompose-test/busybox:latest
    command: ["sleep", "100000"]
    stop_grace_period: 1s
    scale: 2
    depends_on:
      db:
        condition: service_healthy
        restart: true
    networks:
      default:
      back:
        aliases: [www]
  side:
    image: rcompose-test/busybox:latest
    command: ["sleep", "100000"]
    stop_grace_period: 1s
    network_mode: "service:db"
volumes:
  data:
networks:
  back:
"#;

fn project_in(dir: &Path, name: &str) -> rcompose::project::Project {
    let loaded = load(&LoadOptions {
        files: vec![dir.join("compose.yaml")],
        project_name: Some(name.to_string()),
        interpolate: true,
        working_dir: dir.to_path_buf(),
        ..LoadOptions::default()
    });
    assert!(!loaded.has_errors(), "{:?}", loaded.diagnostics);
    loaded.project.expect("a project")
}

async fn up(engine: &DockerEngine, desired: &Desired, options: &Options) -> String {
    let observed = observe_for(engine, desired).await.expect("observe");
    let plan = reconcile(desired, &observed, options);
    let progress = Collect::new();
    let report = execute(engine, &plan, &ExecuteOptions::default(), &progress).await;
    assert!(
        report.is_success(),
        "{plan}\n{report}\n{:#?}",
        progress.lines()
    );
    plan.to_string()
}

#[tokio::test]
async fn up_converge_recreate_and_down_against_the_engine() {
    let Some(engine) =
        support::real_engine("up_converge_recreate_and_down_against_the_engine").await
    else {
        return;
    };
    let name = support::unique_project("plan");
    // Declared before the guard, so dropped after it: the anonymous volume a recreated
    // container inherits is mounted by name, so removing the container does not remove it.
    let mut volumes = Cleanup {
        volumes: Vec::new(),
        dir: None,
    };
    let mut guard = support::ProjectGuard::new(&engine);
    guard.guard(&name);
    let dir = std::env::temp_dir().join(&name);
    std::fs::create_dir_all(&dir).unwrap();
    volumes.dir = Some(dir.clone());
    std::fs::write(dir.join("compose.yaml"), COMPOSE).unwrap();
    let desired = desired_state(&project_in(&dir, &name));
    assert!(desired.errors.is_empty(), "{:?}", desired.errors);

    // Fresh up.
    let first = up(&engine, &desired, &Options::default()).await;
    assert!(
        first.contains(&format!("create container {name}-web-2")),
        "{first}"
    );
    let filter = ProjectFilter::new(&name);
    let containers = engine.list_containers(&filter).await.unwrap();
    assert_eq!(containers.len(), 4);
    assert!(containers
        .iter()
        .all(|c| c.status == ContainerStatus::Running));
    let web = engine
        .inspect_container(&format!("{name}-web-1"))
        .await
        .unwrap();
    assert_eq!(web.labels[labels::DEPENDS_ON], "db:service_healthy:true");
    assert_eq!(web.labels[labels::ONEOFF], "False");
    assert!(web.labels[labels::IMAGE].starts_with("sha256:"));
    let back = &web.networks[&format!("{name}_back")];
    for alias in [
        format!("{name}-web-1"),
        "web".to_string(),
        "www".to_string(),
    ] {
        assert!(back.aliases.contains(&alias), "{:?}", back.aliases);
    }
    let db = engine
        .inspect_container(&format!("{name}-db-1"))
        .await
        .unwrap();
    volumes
        .volumes
        .extend(db.mounts.iter().filter_map(|m| m.name.clone()));
    let side = engine
        .inspect_container(&format!("{name}-side-1"))
        .await
        .unwrap();
    assert_eq!(side.network_mode, format!("container:{}", db.id));

    // docker compose v2 sees the project rcompose made.
    if let Some(compose) = common::compose_v2() {
        let output = common::run_v2(
            &compose,
            &dir,
            &["-p", &name, "ps", "-a", "--format", "{{.Name}}"],
            &[],
        );
        let stdout = String::from_utf8_lossy(&output.stdout);
        let mut names: Vec<&str> = stdout.lines().collect();
        names.sort_unstable();
        assert_eq!(
            names,
            [
                format!("{name}-db-1"),
                format!("{name}-side-1"),
                format!("{name}-web-1"),
                format!("{name}-web-2")
            ],
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }

    // Nothing changed: nothing to do.
    let observed = observe_for(&engine, &desired).await.unwrap();
    let plan = reconcile(&desired, &observed, &Options::default());
    assert!(plan.is_empty(), "{plan}");

    // Recreating db keeps its anonymous volume, recreates side (bound to it) and restarts web.
    let anonymous = |info: &rcompose::engine::ContainerInfo| {
        info.mounts
            .iter()
            .find(|m| m.destination == "/anon")
            .and_then(|m| m.name.clone())
    };
    std::fs::write(
        dir.join("compose.yaml"),
        COMPOSE.replace(
            "    stop_grace_period: 1s\n    volumes:",
            "    stop_grace_period: 1s\n    environment: {CHANGED: \"1\"}\n    volumes:",
        ),
    )
    .unwrap();
    let desired = desired_state(&project_in(&dir, &name));
    let options = Options {
        timeout: Some(Duration::from_secs(1)),
        ..Options::default()
    };
    let text = up(&engine, &desired, &options).await;
    assert!(
        text.contains(&format!(
            "create container {name}-db-1: config hash changed: `environment` added"
        )),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "create container {name}-side-1: `db` is recreated (network_mode: service:db)"
        )),
        "{text}"
    );
    assert!(text.contains(&format!("stop container {name}-web-1 (timeout 1s): `db` is recreated (depends_on restart: true)")), "{text}");
    let db_after = engine
        .inspect_container(&format!("{name}-db-1"))
        .await
        .unwrap();
    assert_ne!(db.id, db_after.id);
    assert!(anonymous(&db).is_some());
    assert_eq!(anonymous(&db), anonymous(&db_after));
    let side_after = engine
        .inspect_container(&format!("{name}-side-1"))
        .await
        .unwrap();
    assert_eq!(
        side_after.network_mode,
        format!("container:{}", db_after.id)
    );
    assert!(side_after.state.running);

    // And converged again.
    let observed = observe_for(&engine, &desired).await.unwrap();
    assert!(reconcile(&desired, &observed, &Options::default()).is_empty());

    // Down with volumes.
    let observed = observe(&engine, &name).await.unwrap();
    let down = plan_down(
        Some(&desired),
        &observed,
        &DownOptions {
            volumes: true,
            timeout: Some(Duration::from_secs(1)),
            ..DownOptions::default()
        },
    );
    let report = execute(&engine, &down, &ExecuteOptions::default(), &()).await;
    assert!(report.is_success(), "{down}\n{report}");
    let left = observe(&engine, &name).await.unwrap();
    assert!(left.containers.is_empty(), "{:?}", left.containers);
    assert!(left.networks.is_empty() && left.volumes.is_empty());
    // As with docker compose, the inherited anonymous volume outlives `down -v`: the new
    // container mounted it by name.
    if let Some(volume) = anonymous(&db_after) {
        assert!(
            engine.inspect_volume(&volume).await.is_ok(),
            "{volume} is gone"
        );
    }
}

/// Removes volumes by name and the project directory when dropped (after the project guard
/// removed the containers), whether the test passed or not.
struct Cleanup {
    volumes: Vec<String>,
    dir: Option<std::path::PathBuf>,
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        for volume in &self.volumes {
            let _ = std::process::Command::new("docker")
                .args(["volume", "rm", "-f", volume])
                .output();
        }
        if let Some(dir) = &self.dir {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}
