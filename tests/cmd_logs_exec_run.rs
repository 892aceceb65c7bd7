//! `logs`, `exec` and `run` against the real engine: exact output lines, exit codes passed
//! through, and the engine state a one-off container leaves (its name and labels, `--rm`, what
//! `up`, `ps` and `down` do with it). Each test uses its own project under a unique name and a
//! guard that removes it even when the test fails; without an engine (outside CI) they skip.

mod support;

use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use rcompose::engine::{ContainerSummary, DockerEngine, Engine, ProjectFilter};

const BIN: &str = env!("CARGO_BIN_EXE_rcompose");
const IMAGE: &str = support::TEST_IMAGE;

struct Project {
    name: String,
    dir: PathBuf,
    engine: DockerEngine,
    _guard: support::ProjectGuard,
}

impl Drop for Project {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl Project {
    async fn new(label: &str, compose: &str) -> Option<Project> {
        let engine = support::real_engine(label).await?;
        let name = support::unique_project(label);
        let mut guard = support::ProjectGuard::new(&engine);
        guard.guard(&name);
        let dir = std::env::temp_dir().join(format!("rcompose-lxr-{name}"));
        std::fs::create_dir_all(&dir).expect("temp dir");
        std::fs::write(dir.join("compose.yaml"), compose).expect("write compose.yaml");
        Some(Project {
            name,
            dir,
            engine,
            _guard: guard,
        })
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(BIN);
        command
            .current_dir(&self.dir)
            .args(["-p", &self.name, "--progress", "quiet"])
            .args(args)
            .env_remove("COMPOSE_FILE")
            .env_remove("COMPOSE_PROJECT_NAME")
            .env_remove("COMPOSE_PROFILES")
            .env_remove("NO_COLOR")
            .stdin(Stdio::null());
        command
    }

    fn rcompose(&self, args: &[&str]) -> Output {
        self.command(args).output().expect("run rcompose")
    }

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

    async fn oneoffs(&self) -> Vec<ContainerSummary> {
        self.containers()
            .await
            .into_iter()
            .filter(|c| {
                c.labels
                    .get("com.docker.compose.oneoff")
                    .map(String::as_str)
                    == Some("True")
            })
            .collect()
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn code(output: &Output) -> Option<i32> {
    output.status.code()
}

/// A service that writes known lines, then sleeps.
fn echoing() -> String {
    format!(
        r#"
services:
  db:
    image: {IMAGE}
    command: ["sleep", "100000"]
    stop_grace_period: 1s
  web:
    image: {IMAGE}
    command: ["sh", "-c", "echo one; echo two; echo three >&2; exec sleep 100000"]
    stop_grace_period: 1s
    depends_on: [db]
    ports: ["80"]
"#
    )
}

/// Polls `check` until it holds, for at most `limit`.
fn until(limit: Duration, what: &str, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while !check() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Kills a child when dropped (a following `logs -f` does not end by itself).
struct Killed(Option<Child>);

impl Drop for Killed {
    fn drop(&mut self) {
        if let Some(child) = &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

// ---------------------------------------------------------------------------------------------
// logs

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logs_print_exact_lines_with_tail_timestamps_and_without_prefix() {
    let Some(project) = Project::new("logs", &echoing()).await else {
        return;
    };
    project.ok(&["up", "-d"]);
    until(Duration::from_secs(20), "web's three lines", || {
        text(&project.ok(&["logs", "web"]).stdout).lines().count() == 3
    });
    // stdout and stderr both, behind the prefix; order between the two streams is not fixed.
    let mut lines: Vec<String> = text(&project.ok(&["logs", "--no-color", "web"]).stdout)
        .lines()
        .map(String::from)
        .collect();
    lines.sort();
    assert_eq!(lines, ["web-1  | one", "web-1  | three", "web-1  | two"]);

    let plain = text(
        &project
            .ok(&["logs", "--no-log-prefix", "--tail", "1", "db", "web"])
            .stdout,
    );
    let plain: Vec<&str> = plain.lines().collect();
    assert_eq!(plain.len(), 1, "{plain:?}");
    assert!(["two", "three"].contains(&plain[0]), "{plain:?}");

    let stamped = text(
        &project
            .ok(&["logs", "-t", "--tail", "all", "--index", "1", "web"])
            .stdout,
    );
    for line in stamped.lines() {
        let rest = line.strip_prefix("web-1  | ").expect("prefix");
        let (stamp, message) = rest.split_once(' ').expect("time stamp");
        assert!(stamp.starts_with("20") && stamp.ends_with('Z'), "{line}");
        assert!(["one", "two", "three"].contains(&message), "{line}");
    }

    // Prefixes are padded to the longest name shown.
    let both = text(&project.ok(&["logs", "--no-color"]).stdout);
    assert!(both.lines().all(|l| l.starts_with("web-1  | ")), "{both}");

    let unknown = project.rcompose(&["logs", "nope"]);
    assert_eq!(code(&unknown), Some(2));
    assert_eq!(
        text(&unknown.stderr),
        format!(
            "error: no such service `nope` in project `{}`\n  help: the services are `db`, `web`\n",
            project.name
        )
    );
    assert_eq!(
        code(&project.rcompose(&["logs", "--since", "soon"])),
        Some(2)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logs_follow_picks_up_a_recreated_container_and_ends_on_ctrl_c() {
    let Some(project) = Project::new("logsf", &echoing()).await else {
        return;
    };
    project.ok(&["up", "-d"]);
    let log = project.dir.join("follow.out");
    let child = project
        .command(&["logs", "-f", "--no-color", "web"])
        .stdout(std::fs::File::create(&log).expect("log file"))
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn logs -f");
    let mut child = Killed(Some(child));
    let read = || std::fs::read_to_string(&log).unwrap_or_default();
    until(Duration::from_secs(20), "the first lines", || {
        read().matches("web-1  | one").count() == 1
    });
    project.ok(&["up", "-d", "--force-recreate", "web"]);
    until(
        Duration::from_secs(30),
        "the recreated container's lines",
        || read().matches("web-1  | one").count() == 2,
    );
    assert!(read().contains("web-1 has been recreated"), "{}", read());

    let pid = child.0.as_ref().map(Child::id).expect("child");
    let status = Command::new("kill")
        .args(["-INT", &pid.to_string()])
        .status()
        .expect("kill -INT");
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(10);
    let exit = loop {
        if let Some(status) = child.0.as_mut().expect("child").try_wait().expect("wait") {
            break status;
        }
        assert!(Instant::now() < deadline, "logs -f did not end on Ctrl-C");
        std::thread::sleep(Duration::from_millis(50));
    };
    child.0 = None;
    assert_eq!(exit.code(), Some(130));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logs_follow_ends_when_the_containers_stop() {
    let Some(project) = Project::new("logsend", &echoing()).await else {
        return;
    };
    project.ok(&["up", "-d", "web"]);
    let log = project.dir.join("follow.out");
    let child = project
        .command(&["logs", "-f", "--no-color", "web"])
        .stdout(std::fs::File::create(&log).expect("log file"))
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn logs -f");
    let mut child = Killed(Some(child));
    let read = || std::fs::read_to_string(&log).unwrap_or_default();
    until(Duration::from_secs(20), "the first lines", || {
        read().contains("web-1  | one")
    });
    project.ok(&["stop", "-t", "0", "web"]);
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = child.0.as_mut().expect("child").try_wait().expect("wait") {
            break status;
        }
        assert!(Instant::now() < deadline, "logs -f did not end");
        std::thread::sleep(Duration::from_millis(100));
    };
    child.0 = None;
    assert_eq!(status.code(), Some(0));
    let stdout = read();
    assert!(stdout.ends_with("web-1 exited with code 137\n"), "{stdout}");
}

// ---------------------------------------------------------------------------------------------
// exec

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exec_passes_the_exit_code_environment_directory_and_user() {
    let Some(project) = Project::new("exec", &echoing()).await else {
        return;
    };
    project.ok(&["up", "-d"]);
    assert_eq!(
        code(&project.rcompose(&["exec", "web", "sh", "-c", "exit 3"])),
        Some(3)
    );
    let output = project.ok(&[
        "exec",
        "-e",
        "FOO=bar",
        "-w",
        "/tmp",
        "-u",
        "1000",
        "web",
        "sh",
        "-c",
        "echo $FOO; pwd; id -u; echo err >&2",
    ]);
    assert_eq!(text(&output.stdout), "bar\n/tmp\n1000\n");
    assert_eq!(text(&output.stderr), "err\n");
    // Options after the service belong to the command.
    assert_eq!(
        text(
            &project
                .ok(&["exec", "-T", "web", "printf", "%s|", "-e", "-f"])
                .stdout
        ),
        "-e|-f|"
    );

    // stdin reaches the command.
    let mut child = project
        .command(&["exec", "-T", "db", "cat"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn exec");
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().expect("stdin");
        stdin.write_all(b"through stdin\n").expect("write");
    }
    let output = child.wait_with_output().expect("exec output");
    assert!(output.status.success());
    assert_eq!(text(&output.stdout), "through stdin\n");

    // -d: in the background.
    let detached = project.ok(&["exec", "-d", "web", "sh", "-c", "sleep 1; touch /tmp/done"]);
    assert_eq!(text(&detached.stdout), "");
    until(Duration::from_secs(20), "the detached command", || {
        project
            .rcompose(&["exec", "web", "test", "-f", "/tmp/done"])
            .status
            .success()
    });

    let unknown = project.rcompose(&["exec", "nope", "true"]);
    assert_eq!(code(&unknown), Some(2));
    assert!(text(&unknown.stderr).contains("the services are `db`, `web`"));
    let replica = project.rcompose(&["exec", "--index", "2", "web", "true"]);
    assert_eq!(code(&replica), Some(1));
    assert_eq!(
        text(&replica.stderr),
        "error: service `web` is not running container #2\n"
    );
    project.ok(&["stop", "-t", "0", "web"]);
    let stopped = project.rcompose(&["exec", "web", "true"]);
    assert_eq!(code(&stopped), Some(1));
    assert_eq!(
        text(&stopped.stderr),
        "error: service `web` is not running\n"
    );
}

// ---------------------------------------------------------------------------------------------
// run

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_passes_output_and_exit_code_and_rm_leaves_nothing() {
    let Some(project) = Project::new("run", &echoing()).await else {
        return;
    };
    let output = project.rcompose(&[
        "run",
        "--rm",
        "--no-deps",
        "-e",
        "FOO=bar",
        "web",
        "sh",
        "-c",
        "echo $FOO; exit 4",
    ]);
    assert_eq!(code(&output), Some(4), "{}", text(&output.stderr));
    assert_eq!(text(&output.stdout), "bar\n");
    assert!(
        project.containers().await.is_empty(),
        "run --rm left a container"
    );

    // Without --rm the one-off stays, exited.
    let output = project.rcompose(&["run", "--no-deps", "-w", "/tmp", "web", "pwd"]);
    assert_eq!(code(&output), Some(0), "{}", text(&output.stderr));
    assert_eq!(text(&output.stdout), "/tmp\n");
    let oneoffs = project.oneoffs().await;
    assert_eq!(oneoffs.len(), 1);

    // --entrypoint and stdin.
    let mut child = project
        .command(&[
            "run",
            "--rm",
            "--no-deps",
            "--entrypoint",
            "sh -c",
            "web",
            "cat; echo done",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn run");
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().expect("stdin");
        stdin.write_all(b"in\n").expect("write");
    }
    let output = child.wait_with_output().expect("run output");
    assert!(output.status.success());
    assert_eq!(text(&output.stdout), "in\ndone\n");

    let unknown = project.rcompose(&["run", "nope"]);
    assert_eq!(code(&unknown), Some(2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_names_and_labels_the_one_off_as_docker_compose_and_starts_dependencies() {
    let Some(project) = Project::new("runlbl", &echoing()).await else {
        return;
    };
    let output = project.ok(&["run", "-d", "web", "sleep", "100000"]);
    let id = text(&output.stdout).trim().to_string();
    assert_eq!(id.len(), 64, "run -d prints the container id: {id:?}");

    let containers = project.containers().await;
    let names: Vec<&str> = containers.iter().map(|c| c.name.as_str()).collect();
    // The dependency was started, the service itself was not.
    assert!(
        names.contains(&format!("{}-db-1", project.name).as_str()),
        "{names:?}"
    );
    assert!(
        !names.contains(&format!("{}-web-1", project.name).as_str()),
        "{names:?}"
    );
    let oneoff = containers.iter().find(|c| c.id == id).expect("the one-off");
    let prefix = format!("{}-web-run-", project.name);
    let suffix = oneoff.name.strip_prefix(&prefix).expect("name pattern");
    assert_eq!(suffix.len(), 12);
    assert!(suffix.chars().all(|c| c.is_ascii_hexdigit()));
    let label = |key: &str| oneoff.labels.get(key).map(String::as_str);
    assert_eq!(label("com.docker.compose.oneoff"), Some("True"));
    assert_eq!(label("com.docker.compose.service"), Some("web"));
    assert_eq!(
        label("com.docker.compose.project"),
        Some(project.name.as_str())
    );
    assert_eq!(
        label("com.docker.compose.depends_on"),
        Some("db:service_started:false")
    );
    assert!(
        label("com.docker.compose.slug").is_some_and(|s| s.len() == 64 && s.starts_with(suffix))
    );
    assert!(label("com.docker.compose.image").is_some_and(|s| s.starts_with("sha256:")));
    assert_eq!(label("com.docker.compose.container-number"), None);
    let info = project
        .engine
        .inspect_container(&id)
        .await
        .expect("inspect");
    let network = format!("{}_default", project.name);
    assert_eq!(info.networks[&network].aliases.first(), Some(&oneoff.name));
    assert!(!info.networks[&network].aliases.contains(&"web".to_string()));

    // `up` neither counts it as a replica nor as an orphan; `ps` lists it.
    let up = project.ok(&["up", "-d", "--remove-orphans"]);
    assert!(!text(&up.stderr).contains("orphan"), "{}", text(&up.stderr));
    let after = project.containers().await;
    assert_eq!(
        after.len(),
        3,
        "{:?}",
        after.iter().map(|c| &c.name).collect::<Vec<_>>()
    );
    assert!(after.iter().any(|c| c.id == id));
    let ps = text(&project.ok(&["ps", "--format", "json"]).stdout);
    assert!(ps.contains(&oneoff.name), "{ps}");

    // `down` removes it too.
    project.ok(&["down", "-t", "0"]);
    assert!(project.containers().await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_no_deps_starts_nothing_else_and_publish_binds_the_port() {
    let Some(project) = Project::new("runnd", &echoing()).await else {
        return;
    };
    // --dry-run: the plan of the dependencies, nothing made.
    let dry = project.ok(&["--dry-run", "run", "web", "true"]);
    assert!(text(&dry.stdout).contains("db-1"), "{}", text(&dry.stdout));
    assert!(text(&dry.stdout)
        .ends_with("then: create and start a one-off container of service `web`, attached\n"));
    assert!(project.containers().await.is_empty());
    let output = project.ok(&[
        "run",
        "-d",
        "--no-deps",
        "-p",
        "127.0.0.1::8080",
        "web",
        "sleep",
        "100000",
    ]);
    let id = text(&output.stdout).trim().to_string();
    let containers = project.containers().await;
    assert_eq!(containers.len(), 1, "--no-deps started a dependency");
    assert_eq!(containers[0].id, id);
    let inspect = Command::new("docker")
        .args([
            "inspect",
            "--format",
            "{{json .HostConfig.PortBindings}}",
            &id,
        ])
        .output()
        .expect("docker inspect");
    let bindings = text(&inspect.stdout);
    assert!(bindings.contains("\"8080/tcp\""), "{bindings}");
    assert!(
        !bindings.contains("\"80/tcp\""),
        "the service's ports are not published: {bindings}"
    );
}

/// `run -v data:/mnt` with `data` a volume the project declares mounts the project's volume
/// (`<project>_data`), as docker compose v2 maps it, not a new volume named `data`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_volume_names_a_declared_volume_by_its_project_name() {
    let compose = format!(
        "services:\n  web:\n    image: {IMAGE}\n    command: [\"sleep\", \"100000\"]\n    volumes: [data:/data]\nvolumes:\n  data:\n"
    );
    let Some(project) = Project::new("runvol", &compose).await else {
        return;
    };
    let output = project.rcompose(&[
        "run",
        "--rm",
        "-v",
        "data:/mnt",
        "web",
        "sh",
        "-c",
        "echo kept > /mnt/file",
    ]);
    assert_eq!(code(&output), Some(0), "{}", text(&output.stderr));
    let output = project.rcompose(&["run", "--rm", "web", "cat", "/data/file"]);
    assert_eq!(code(&output), Some(0), "{}", text(&output.stderr));
    assert_eq!(text(&output.stdout), "kept\n");
    let stray = Command::new("docker")
        .args(["volume", "inspect", "data"])
        .output()
        .expect("docker volume inspect");
    assert!(!stray.status.success(), "a volume named `data` was created");
}
