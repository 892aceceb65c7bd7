//! The reconciler's command line against the real engine: each scenario runs the built
//! `rcompose` with `-p <unique>` in a temp dir and checks the engine's state (containers, their
//! ids and start times, networks, volumes), not the printed text. A guard removes everything of
//! the project, and the foreign objects a scenario makes, even when it fails. Without an engine
//! (outside CI) the scenarios say so and skip; in CI they fail.

mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use rcompose::engine::{
    ContainerStatus, ContainerSummary, DockerEngine, Engine, HealthStatus, ProjectFilter,
};

const BIN: &str = env!("CARGO_BIN_EXE_rcompose");
const IMAGE: &str = support::TEST_IMAGE;

/// Removes, by name, the objects a scenario made outside the project (with the docker CLI),
/// before the project guard runs.
struct Foreign {
    containers: Vec<String>,
    networks: Vec<String>,
}

impl Drop for Foreign {
    fn drop(&mut self) {
        for container in &self.containers {
            let _ = Command::new("docker")
                .args(["rm", "-f", container])
                .output();
        }
        for network in &self.networks {
            let _ = Command::new("docker")
                .args(["network", "rm", network])
                .output();
        }
    }
}

struct Scenario {
    name: String,
    dir: PathBuf,
    engine: DockerEngine,
    // Dropped in this order: foreign objects first (they may sit on the project's network),
    // then the project, then the folder.
    foreign: Foreign,
    _guard: support::ProjectGuard,
    _dir: TempDir,
}

struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

impl Scenario {
    async fn new(label: &str) -> Option<Scenario> {
        let engine = support::real_engine(label).await?;
        let name = support::unique_project(label);
        let mut guard = support::ProjectGuard::new(&engine);
        guard.guard(&name);
        let dir = std::env::temp_dir().join(format!("rcompose-scenario-{name}"));
        std::fs::create_dir_all(&dir).expect("temp dir");
        Some(Scenario {
            name,
            dir: dir.clone(),
            engine,
            foreign: Foreign {
                containers: Vec::new(),
                networks: Vec::new(),
            },
            _guard: guard,
            _dir: TempDir(dir),
        })
    }

    fn write(&self, compose: &str) {
        std::fs::write(self.dir.join("compose.yaml"), compose).expect("write compose.yaml");
    }

    fn command(&self, dir: &Path, args: &[&str]) -> Command {
        let mut command = Command::new(BIN);
        command
            .current_dir(dir)
            .args(["-p", &self.name, "--progress", "plain"])
            .args(args)
            .env_remove("COMPOSE_FILE")
            .env_remove("COMPOSE_PROJECT_NAME")
            .env_remove("COMPOSE_PROFILES")
            .stdin(Stdio::null());
        command
    }

    fn rcompose(&self, args: &[&str]) -> Output {
        self.command(&self.dir, args)
            .output()
            .expect("run rcompose")
    }

    fn spawn(&self, args: &[&str]) -> Child {
        self.command(&self.dir, args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn rcompose")
    }

    /// Runs and insists on success.
    fn ok(&self, args: &[&str]) -> Output {
        let output = self.rcompose(args);
        assert!(
            output.status.success(),
            "rcompose {args:?} failed ({}):\n{}{}",
            output.status,
            text(&output.stdout),
            text(&output.stderr)
        );
        output
    }

    async fn containers(&self) -> Vec<ContainerSummary> {
        self.engine
            .list_containers(&ProjectFilter::new(&self.name))
            .await
            .expect("list containers")
    }

    /// Container name → (id, started at).
    async fn snapshot(&self) -> BTreeMap<String, (String, String)> {
        let mut out = BTreeMap::new();
        for container in self.containers().await {
            let info = self
                .engine
                .inspect_container(&container.id)
                .await
                .expect("inspect");
            out.insert(container.name, (container.id, info.state.started_at));
        }
        out
    }

    async fn network_names(&self) -> Vec<String> {
        self.engine
            .list_networks(&ProjectFilter::new(&self.name))
            .await
            .expect("list networks")
            .into_iter()
            .map(|n| n.name)
            .collect()
    }

    async fn volume_names(&self) -> Vec<String> {
        self.engine
            .list_volumes(&ProjectFilter::new(&self.name))
            .await
            .expect("list volumes")
            .into_iter()
            .map(|v| v.name)
            .collect()
    }

    async fn assert_nothing_created(&self) {
        assert!(
            self.containers().await.is_empty(),
            "containers were created"
        );
        assert!(
            self.network_names().await.is_empty(),
            "networks were created"
        );
        assert!(self.volume_names().await.is_empty(), "volumes were created");
    }

    /// A container outside the project (no compose label), removed by the guard.
    fn foreign_container(&mut self, name: &str, network: Option<&str>) {
        self.foreign.containers.push(name.to_string());
        let mut args = vec!["run", "-d", "--name", name];
        if let Some(network) = network {
            args.extend(["--network", network]);
        }
        args.extend([IMAGE, "sleep", "100000"]);
        let output = Command::new("docker")
            .args(&args)
            .output()
            .expect("docker run");
        assert!(output.status.success(), "{}", text(&output.stderr));
    }

    async fn status_of(&self, container: &str) -> Option<ContainerStatus> {
        self.engine
            .inspect_container(container)
            .await
            .ok()
            .map(|info| info.state.status)
    }

    /// Polls until `check` holds, for at most `limit`.
    async fn until(&self, limit: Duration, what: &str, check: impl AsyncFn(&Scenario) -> bool) {
        let deadline = Instant::now() + limit;
        while !check(self).await {
            assert!(Instant::now() < deadline, "timed out waiting for {what}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn interrupt(child: &Child) {
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill -INT");
    assert!(status.success());
}

/// Waits for the child to exit, at most `limit`; kills it (and fails) past that.
fn wait_child(mut child: Child, limit: Duration) -> Output {
    let deadline = Instant::now() + limit;
    loop {
        match child.try_wait().expect("try_wait") {
            Some(_) => return child.wait_with_output().expect("output"),
            None if Instant::now() > deadline => {
                let _ = child.kill();
                let output = child.wait_with_output().expect("output");
                panic!(
                    "rcompose did not exit in time:\n{}{}",
                    text(&output.stdout),
                    text(&output.stderr)
                );
            }
            None => std::thread::sleep(Duration::from_millis(50)),
        }
    }
}

fn basic(color: &str) -> String {
    format!(
        r#"
services:
  db:
    image: {IMAGE}
    command: ["sleep", "100000"]
    stop_grace_period: 1s
    volumes: [data:/data]
  web:
    image: {IMAGE}
    command: ["sleep", "100000"]
    stop_grace_period: 1s
    depends_on: [db]
    environment:
      COLOR: {color}
volumes:
  data:
"#
    )
}

#[tokio::test]
async fn up_creates_the_project_and_a_second_up_changes_nothing() {
    let Some(s) = Scenario::new("converge").await else {
        return;
    };
    s.write(&basic("blue"));
    s.ok(&["up", "-d"]);
    let containers = s.containers().await;
    let names: Vec<&str> = containers.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        [format!("{}-db-1", s.name), format!("{}-web-1", s.name)]
    );
    assert!(containers
        .iter()
        .all(|c| c.status == ContainerStatus::Running));
    assert_eq!(s.network_names().await, [format!("{}_default", s.name)]);
    assert_eq!(s.volume_names().await, [format!("{}_data", s.name)]);

    let before = s.snapshot().await;
    s.ok(&["up", "-d"]);
    assert_eq!(
        s.snapshot().await,
        before,
        "the second up changed containers"
    );
    assert_eq!(s.network_names().await.len(), 1);
}

#[tokio::test]
async fn changing_one_service_recreates_only_it() {
    let Some(s) = Scenario::new("recreate").await else {
        return;
    };
    s.write(&basic("blue"));
    s.ok(&["up", "-d"]);
    let before = s.snapshot().await;
    s.write(&basic("red"));
    s.ok(&["up", "-d"]);
    let after = s.snapshot().await;
    let db = format!("{}-db-1", s.name);
    let web = format!("{}-web-1", s.name);
    assert_eq!(after[&db], before[&db], "db was touched");
    assert_ne!(after[&web].0, before[&web].0, "web was not recreated");
    assert_eq!(s.status_of(&web).await, Some(ContainerStatus::Running));
}

#[tokio::test]
async fn scale_up_and_down() {
    let Some(s) = Scenario::new("scale").await else {
        return;
    };
    s.write(&basic("blue"));
    s.ok(&["up", "-d", "--scale", "web=3"]);
    let web: Vec<String> = s
        .containers()
        .await
        .into_iter()
        .filter(|c| c.name.contains("-web-"))
        .map(|c| c.name)
        .collect();
    assert_eq!(
        web,
        (1..=3)
            .map(|n| format!("{}-web-{n}", s.name))
            .collect::<Vec<_>>()
    );
    let before = s.snapshot().await;
    s.ok(&["up", "-d", "--scale", "web=1"]);
    let after = s.snapshot().await;
    let web1 = format!("{}-web-1", s.name);
    let db1 = format!("{}-db-1", s.name);
    assert_eq!(
        after.keys().cloned().collect::<Vec<_>>(),
        [db1.clone(), web1.clone()]
    );
    assert_eq!(after[&web1], before[&web1], "the replica kept was touched");
    assert_eq!(after[&db1], before[&db1]);
}

#[tokio::test]
async fn orphans_are_warned_about_and_removed_with_remove_orphans() {
    let Some(s) = Scenario::new("orphans").await else {
        return;
    };
    s.write(&basic("blue"));
    s.ok(&["up", "-d"]);
    let before = s.snapshot().await;
    s.write(&format!(
        "services:\n  db:\n    image: {IMAGE}\n    command: [\"sleep\", \"100000\"]\n    stop_grace_period: 1s\n    volumes: [data:/data]\nvolumes:\n  data:\n"
    ));
    let output = s.ok(&["up", "-d"]);
    let web = format!("{}-web-1", s.name);
    assert!(
        text(&output.stderr).contains(&web),
        "no orphan warning naming {web}"
    );
    assert_eq!(
        s.snapshot().await,
        before,
        "orphans must stay without --remove-orphans"
    );
    s.ok(&["up", "-d", "--remove-orphans"]);
    let after = s.snapshot().await;
    let db = format!("{}-db-1", s.name);
    assert_eq!(after.keys().collect::<Vec<_>>(), [&db]);
    assert_eq!(after[&db], before[&db]);
}

#[tokio::test]
async fn down_keeps_named_volumes_and_down_v_removes_them() {
    let Some(s) = Scenario::new("volumes").await else {
        return;
    };
    s.write(&basic("blue"));
    s.ok(&["up", "-d"]);
    s.ok(&["down"]);
    assert!(s.containers().await.is_empty());
    assert!(s.network_names().await.is_empty());
    assert_eq!(s.volume_names().await, [format!("{}_data", s.name)]);

    s.ok(&["up", "-d"]);
    s.ok(&["down", "-v"]);
    s.assert_nothing_created().await;
}

#[tokio::test]
async fn down_leaves_foreign_containers_alone() {
    let Some(mut s) = Scenario::new("foreign").await else {
        return;
    };
    s.write(&basic("blue"));
    s.ok(&["up", "-d"]);
    let network = format!("{}_default", s.name);
    // On our network, without our label; and one named like a replica of ours.
    let intruder = format!("{}-intruder", s.name);
    let lookalike = format!("{}-web-2", s.name);
    s.foreign_container(&intruder, Some(&network));
    s.foreign_container(&lookalike, None);

    let output = s.ok(&["down"]);
    assert!(
        text(&output.stderr).contains(&intruder),
        "the warning does not name {intruder}:\n{}",
        text(&output.stderr)
    );
    assert!(s.containers().await.is_empty());
    assert_eq!(s.status_of(&intruder).await, Some(ContainerStatus::Running));
    assert_eq!(
        s.status_of(&lookalike).await,
        Some(ContainerStatus::Running)
    );
    // The network stays while the intruder sits on it.
    assert_eq!(s.network_names().await, [network]);
}

#[tokio::test]
async fn a_missing_external_network_is_a_clear_error_and_nothing_is_created() {
    let Some(s) = Scenario::new("extnet").await else {
        return;
    };
    let missing = format!("{}-absent", s.name);
    s.write(&format!(
        "services:\n  web:\n    image: {IMAGE}\n    command: [\"sleep\", \"100000\"]\n    networks: [ext, own]\n    volumes: [data:/data]\nnetworks:\n  own:\n  ext:\n    external: true\n    name: {missing}\nvolumes:\n  data:\n"
    ));
    let output = s.rcompose(&["up", "-d"]);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stderr));
    assert!(text(&output.stderr).contains(&missing));
    s.assert_nothing_created().await;
}

#[tokio::test]
async fn a_failed_preflight_creates_nothing() {
    let Some(mut s) = Scenario::new("preflight").await else {
        return;
    };
    // A missing image.
    let absent = format!("rcompose-test/absent-{}:latest", s.name);
    s.write(&format!(
        "services:\n  db:\n    image: {IMAGE}\n    command: [\"sleep\", \"100000\"]\n    volumes: [data:/data]\n  web:\n    image: {absent}\nvolumes:\n  data:\n"
    ));
    let output = s.rcompose(&["up", "-d"]);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stderr));
    // docker compose v2 pulls a missing image first: here (no registry) the pull fails, named
    // with its registry, before anything is created.
    assert!(text(&output.stderr).contains(&absent));
    assert!(
        text(&output.stderr).contains("docker.io"),
        "{}",
        text(&output.stderr)
    );
    s.assert_nothing_created().await;
    // `pull_policy: never`: no pull, the preflight names the image and the policy.
    s.write(&format!(
        "services:\n  db:\n    image: {IMAGE}\n    command: [\"sleep\", \"100000\"]\n  web:\n    image: {absent}\n    pull_policy: never\n"
    ));
    let output = s.rcompose(&["up", "-d"]);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stderr));
    assert!(
        text(&output.stderr).contains(&format!(
            "image `{absent}` (service `web`) is not present in the engine and its `pull_policy` forbids pulling it"
        )),
        "{}",
        text(&output.stderr)
    );
    s.assert_nothing_created().await;

    // A container name in use by a container that is not the project's.
    let taken = format!("{}-taken", s.name);
    s.foreign_container(&taken, None);
    s.write(&format!(
        "services:\n  db:\n    image: {IMAGE}\n    command: [\"sleep\", \"100000\"]\n  web:\n    image: {IMAGE}\n    container_name: {taken}\n"
    ));
    let output = s.rcompose(&["up", "-d"]);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stderr));
    assert!(text(&output.stderr).contains(&taken));
    s.assert_nothing_created().await;
    assert_eq!(s.status_of(&taken).await, Some(ContainerStatus::Running));
}

#[tokio::test]
async fn dry_run_changes_nothing() {
    let Some(s) = Scenario::new("dryrun").await else {
        return;
    };
    s.write(&basic("blue"));
    let output = s.ok(&["--dry-run", "up", "-d"]);
    assert!(text(&output.stdout).contains("create container"));
    s.assert_nothing_created().await;

    s.ok(&["up", "-d"]);
    let before = s.snapshot().await;
    s.write(&basic("red"));
    s.ok(&["up", "-d", "--dry-run"]);
    s.ok(&["--dry-run", "down", "-v"]);
    s.ok(&["--dry-run", "stop"]);
    s.ok(&["--dry-run", "rm", "-s", "-f"]);
    assert_eq!(s.snapshot().await, before);
    assert_eq!(s.volume_names().await.len(), 1);
    assert_eq!(s.network_names().await.len(), 1);
}

#[tokio::test]
async fn two_ups_at_once_make_one_of_everything() {
    let Some(s) = Scenario::new("race").await else {
        return;
    };
    s.write(&basic("blue"));
    let first = s.spawn(&["up", "-d", "--scale", "web=2"]);
    let second = s.spawn(&["up", "-d", "--scale", "web=2"]);
    for child in [first, second] {
        let output = wait_child(child, Duration::from_secs(120));
        assert!(
            output.status.success(),
            "{}{}",
            text(&output.stdout),
            text(&output.stderr)
        );
    }
    assert_eq!(s.network_names().await.len(), 1);
    assert_eq!(s.volume_names().await.len(), 1);
    let names: Vec<String> = s.containers().await.into_iter().map(|c| c.name).collect();
    assert_eq!(
        names,
        [
            format!("{}-db-1", s.name),
            format!("{}-web-1", s.name),
            format!("{}-web-2", s.name)
        ]
    );
}

#[tokio::test]
async fn down_works_from_the_project_name_alone() {
    let Some(s) = Scenario::new("byname").await else {
        return;
    };
    s.write(&basic("blue"));
    s.ok(&["up", "-d"]);
    let elsewhere = TempDir(s.dir.with_extension("empty"));
    std::fs::create_dir_all(&elsewhere.0).unwrap();
    let output = s
        .command(&elsewhere.0, &["down", "-v"])
        .output()
        .expect("run");
    assert!(output.status.success(), "{}", text(&output.stderr));
    s.assert_nothing_created().await;
}

#[tokio::test]
async fn a_failed_up_reports_what_happened_and_a_rerun_converges() {
    let Some(s) = Scenario::new("partial").await else {
        return;
    };
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .expect("a free port");
    let compose = |second_port: bool| {
        let ports = if second_port {
            format!("    ports: [\"127.0.0.1:{port}:8080\"]\n")
        } else {
            String::new()
        };
        format!(
            "services:\n  one:\n    image: {IMAGE}\n    command: [\"sleep\", \"100000\"]\n    stop_grace_period: 1s\n    ports: [\"127.0.0.1:{port}:8080\"]\n  two:\n    image: {IMAGE}\n    command: [\"sleep\", \"100000\"]\n    stop_grace_period: 1s\n    depends_on: [one]\n{ports}"
        )
    };
    s.write(&compose(true));
    let output = s.rcompose(&["up", "-d"]);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stderr));
    let stderr = text(&output.stderr);
    assert!(stderr.contains("failed"), "{stderr}");
    let one = format!("{}-one-1", s.name);
    let two = format!("{}-two-1", s.name);
    assert_eq!(s.status_of(&one).await, Some(ContainerStatus::Running));
    assert_ne!(s.status_of(&two).await, Some(ContainerStatus::Running));

    s.write(&compose(false));
    s.ok(&["up", "-d"]);
    assert_eq!(s.status_of(&one).await, Some(ContainerStatus::Running));
    assert_eq!(s.status_of(&two).await, Some(ContainerStatus::Running));
}

#[tokio::test]
async fn lifecycle_commands_and_listings() {
    let Some(s) = Scenario::new("lifecycle").await else {
        return;
    };
    s.write(&basic("blue"));
    s.ok(&["up", "-d"]);
    let db = format!("{}-db-1", s.name);
    let web = format!("{}-web-1", s.name);

    // ps -q lists what the engine lists.
    let ids: Vec<String> = text(&s.ok(&["ps", "-q"]).stdout)
        .lines()
        .map(String::from)
        .collect();
    let mut engine_ids: Vec<String> = s.containers().await.into_iter().map(|c| c.id).collect();
    let mut sorted = ids.clone();
    sorted.sort();
    engine_ids.sort();
    assert_eq!(sorted, engine_ids);
    let json = text(&s.ok(&["ps", "--format", "json"]).stdout);
    let services: Vec<String> = json
        .lines()
        .map(|line| serde_json::from_str::<serde_json::Value>(line).expect("json line"))
        .map(|row| row["Service"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(services, ["db", "web"]);
    let listed: serde_json::Value =
        serde_json::from_str(&text(&s.ok(&["ls", "--format", "json"]).stdout)).expect("ls json");
    let ours = listed
        .as_array()
        .expect("an array")
        .iter()
        .find(|p| p["Name"] == s.name.as_str())
        .expect("ls lists the project");
    assert_eq!(ours["Status"], "running(2)");

    s.ok(&["stop", "-t", "1"]);
    assert_eq!(s.status_of(&db).await, Some(ContainerStatus::Exited));
    assert_eq!(s.status_of(&web).await, Some(ContainerStatus::Exited));
    assert!(text(&s.ok(&["ps", "-q"]).stdout).trim().is_empty());
    assert_eq!(text(&s.ok(&["ps", "-a", "-q"]).stdout).lines().count(), 2);

    s.ok(&["start"]);
    assert_eq!(s.status_of(&db).await, Some(ContainerStatus::Running));
    assert_eq!(s.status_of(&web).await, Some(ContainerStatus::Running));

    let before = s.snapshot().await;
    s.ok(&["restart", "-t", "1", "web"]);
    let after = s.snapshot().await;
    assert_eq!(after[&db], before[&db], "restart web touched db");
    assert_eq!(
        after[&web].0, before[&web].0,
        "restart must keep the container"
    );
    assert_ne!(after[&web].1, before[&web].1, "web was not restarted");

    s.ok(&["kill", "web"]);
    assert_eq!(s.status_of(&web).await, Some(ContainerStatus::Exited));
    assert_eq!(s.status_of(&db).await, Some(ContainerStatus::Running));

    // rm without -f reads the answer from stdin: none (EOF) means no.
    s.ok(&["rm"]);
    assert!(s.status_of(&web).await.is_some());
    s.ok(&["rm", "-f"]);
    assert!(s.status_of(&web).await.is_none(), "rm -f left web");
    assert!(
        s.status_of(&db).await.is_some(),
        "rm removed a running container"
    );
    s.ok(&["rm", "-f", "-s"]);
    assert!(s.containers().await.is_empty());
}

#[tokio::test]
async fn up_attached_streams_output_and_returns_the_exit_code() {
    let Some(s) = Scenario::new("attach").await else {
        return;
    };
    s.write(&format!(
        "services:\n  job:\n    image: {IMAGE}\n    command: [\"sh\", \"-c\", \"echo hello-from-job; exit 3\"]\n  side:\n    image: {IMAGE}\n    command: [\"sleep\", \"100000\"]\n    stop_grace_period: 1s\n"
    ));
    let output = wait_child(
        s.spawn(&["up", "--exit-code-from", "job"]),
        Duration::from_secs(60),
    );
    assert_eq!(output.status.code(), Some(3), "{}", text(&output.stderr));
    assert!(
        text(&output.stdout).contains("job-1   | hello-from-job"),
        "{}",
        text(&output.stdout)
    );
    // The abort stopped the other service.
    let side = format!("{}-side-1", s.name);
    assert_eq!(s.status_of(&side).await, Some(ContainerStatus::Exited));
}

#[tokio::test]
async fn ctrl_c_during_attached_up_stops_the_project() {
    let Some(s) = Scenario::new("attachint").await else {
        return;
    };
    s.write(&format!(
        "services:\n  app:\n    image: {IMAGE}\n    command: [\"sleep\", \"100000\"]\n    stop_grace_period: 1s\n"
    ));
    let child = s.spawn(&["up"]);
    let app = format!("{}-app-1", s.name);
    s.until(Duration::from_secs(60), "the container to run", async |s| {
        s.status_of(&app).await == Some(ContainerStatus::Running)
    })
    .await;
    // The follower attaches right after the start: give it the chance to.
    tokio::time::sleep(Duration::from_millis(500)).await;
    interrupt(&child);
    let output = wait_child(child, Duration::from_secs(60));
    assert_eq!(output.status.code(), Some(130), "{}", text(&output.stderr));
    assert_eq!(s.status_of(&app).await, Some(ContainerStatus::Exited));
}

#[tokio::test]
async fn ctrl_c_during_up_detached_finishes_in_flight_calls_and_exits_130() {
    let Some(s) = Scenario::new("interrupt").await else {
        return;
    };
    // `slow` never becomes healthy (nor unhealthy soon): `up` waits for it.
    s.write(&format!(
        r#"
services:
  slow:
    image: {IMAGE}
    command: ["sleep", "100000"]
    stop_grace_period: 1s
    healthcheck:
      test: ["CMD", "false"]
      interval: 1s
      retries: 10000
  after:
    image: {IMAGE}
    command: ["sleep", "100000"]
    stop_grace_period: 1s
    depends_on:
      slow:
        condition: service_healthy
"#
    ));
    let child = s.spawn(&["up", "-d"]);
    let slow = format!("{}-slow-1", s.name);
    s.until(Duration::from_secs(60), "slow to run", async |s| {
        s.status_of(&slow).await == Some(ContainerStatus::Running)
    })
    .await;
    interrupt(&child);
    let output = wait_child(child, Duration::from_secs(30));
    assert_eq!(output.status.code(), Some(130), "{}", text(&output.stderr));
    let after = format!("{}-after-1", s.name);
    assert_ne!(s.status_of(&after).await, Some(ContainerStatus::Running));
    assert_eq!(s.status_of(&slow).await, Some(ContainerStatus::Running));
}

#[tokio::test]
async fn up_wait_returns_once_the_services_are_healthy() {
    let Some(s) = Scenario::new("wait").await else {
        return;
    };
    s.write(&format!(
        r#"
services:
  app:
    image: {IMAGE}
    command: ["sleep", "100000"]
    stop_grace_period: 1s
    healthcheck:
      test: ["CMD", "true"]
      interval: 1s
      start_interval: 1s
      start_period: 5s
"#
    ));
    s.ok(&["up", "-d", "--wait", "--wait-timeout", "60"]);
    let info = s
        .engine
        .inspect_container(&format!("{}-app-1", s.name))
        .await
        .expect("inspect");
    assert_eq!(
        info.state.health.map(|h| h.status),
        Some(HealthStatus::Healthy)
    );
}

#[tokio::test]
async fn the_webapp_example_of_the_readme_comes_up_and_down() {
    let Some(s) = Scenario::new("webapp").await else {
        return;
    };
    // Its fixed UDP port must be free; the web port comes from the environment.
    if std::net::UdpSocket::bind("127.0.0.1:9090").is_err() {
        eprintln!("note: skipping the webapp example: 127.0.0.1:9090/udp is in use");
        return;
    }
    let port = std::net::TcpListener::bind("0.0.0.0:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .expect("a free port");
    let file = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/webapp/compose.yaml");
    let run = |args: &[&str]| {
        let output = s
            .command(&s.dir, &[&["-f", file][..], args].concat())
            .env("WEB_PORT", port.to_string())
            .output()
            .expect("run rcompose");
        assert!(
            output.status.success(),
            "{args:?}: {}{}",
            text(&output.stdout),
            text(&output.stderr)
        );
    };
    run(&["up", "-d"]);
    let containers = s.containers().await;
    assert_eq!(containers.len(), 5, "{containers:#?}");
    assert!(containers
        .iter()
        .all(|c| c.status == ContainerStatus::Running));
    run(&["down", "-v"]);
    s.assert_nothing_created().await;
}

#[test]
fn no_engine_is_one_line_naming_the_socket_and_exit_1() {
    let dir = std::env::temp_dir().join(format!("rcompose-noengine-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let _cleanup = TempDir(dir.clone());
    std::fs::write(
        dir.join("compose.yaml"),
        format!("services:\n  a:\n    image: {IMAGE}\n"),
    )
    .unwrap();
    for args in [
        &["up", "-d"][..],
        &["down"][..],
        &["ps"][..],
        &["ls"][..],
        &["stop"][..],
    ] {
        let output = Command::new(BIN)
            .current_dir(&dir)
            .args(["-p", "rct-noengine"])
            .args(args)
            .env("DOCKER_HOST", "unix:///nonexistent/rcompose/docker.sock")
            .output()
            .expect("run");
        let stderr = text(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{args:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
        assert!(
            stderr.contains("/nonexistent/rcompose/docker.sock"),
            "{stderr}"
        );
    }
}

#[test]
fn usage_errors_exit_2_before_any_engine_call() {
    let dir = std::env::temp_dir().join(format!("rcompose-usage-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let _cleanup = TempDir(dir.clone());
    std::fs::write(
        dir.join("compose.yaml"),
        format!("services:\n  a:\n    image: {IMAGE}\n"),
    )
    .unwrap();
    for args in [
        &["up", "--scale", "a"][..],
        &["up", "-d", "--abort-on-container-exit"][..],
        &["up", "--progress", "fancy"][..],
        &["ps", "--status", "sleeping"][..],
        &["ls", "--filter", "label=x"][..],
    ] {
        let output = Command::new(BIN)
            .current_dir(&dir)
            .args(["-p", "rct-usage"])
            .args(args)
            // No engine would answer: usage errors come first.
            .env("DOCKER_HOST", "unix:///nonexistent/rcompose/docker.sock")
            .output()
            .expect("run");
        assert_eq!(
            output.status.code(),
            Some(2),
            "{args:?}: {}",
            text(&output.stderr)
        );
    }
    // An invalid compose file is 2 as well, for up as for config.
    std::fs::write(dir.join("compose.yaml"), "services:\n  a:\n    imag: x\n").unwrap();
    let output = Command::new(BIN)
        .current_dir(&dir)
        .args(["-p", "rct-usage", "up", "-d"])
        .env("DOCKER_HOST", "unix:///nonexistent/rcompose/docker.sock")
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(2), "{}", text(&output.stderr));
}
