//! The daily commands against the real engine (`pull`, `images`, `top`, `port`, `pause`,
//! `unpause`, `events`, `wait`, `cp`), each test with a project of its own and a guard that
//! removes it even when the test fails; and their usage errors, which need no engine.
//!
//! There is no registry on the test machines: every pull fails, and the tests check that the
//! failure names the image, the registry and the engine's words.
//!
//! Chosen differences from docker compose v2, checked here: usage errors (an unknown service,
//! a missing argument, two services or none in `cp`) exit 2 where v2 exits 1, and an unknown
//! service's error names the services there are; `wait` names the container by name (v2 prints
//! its id); `events` prints UTC times and sorted attributes.

mod support;

use support::project::{docker_inspect, text, TempDir, TestProject};

use std::io::{BufRead, BufReader};
use std::process::{Command, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const IMAGE: &str = support::TEST_IMAGE;

fn sleeper(extra: &str) -> String {
    format!("services:\n  web:\n    image: {IMAGE}\n    command: [\"sleep\", \"100000\"]\n{extra}")
}

// ---------------------------------------------------------------------------------------------
// pull

const PULL_PROJECT: &str = "services:
  remote:
    image: rcompose-nosuch/app:1.2
    pull_policy: always
  never:
    image: rcompose-nosuch/never:1
    pull_policy: never
  present:
    image: rcompose-test/busybox:latest
    pull_policy: missing
";

#[tokio::test]
async fn a_failed_pull_names_the_image_the_registry_and_the_engine_message() {
    let Some(daily) = TestProject::new("pull", PULL_PROJECT).await else {
        return;
    };
    let output = daily.run(&["pull"]);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("error: pulling image `rcompose-nosuch/app:1.2` from docker.io: "),
        "{stderr}"
    );
    // The engine's own words follow (whatever this machine's network says), and the service.
    let line = stderr
        .lines()
        .find(|l| l.starts_with("error: pulling image `rcompose-nosuch/app:1.2`"))
        .unwrap();
    assert!(line.ends_with("(service `remote`)"), "{line}");
    assert!(
        line.len()
            > "error: pulling image `rcompose-nosuch/app:1.2` from docker.io: (service `remote`)"
                .len()
    );
    // `never` is skipped, the present image with `missing` too: neither is pulled.
    assert!(stderr.contains(" Service never  Skipped"), "{stderr}");
    assert!(
        stderr.contains(" Service present  Skipped - Image is already present locally"),
        "{stderr}"
    );
    assert!(!stderr.contains("rcompose-nosuch/never"), "{stderr}");
    assert!(
        !stderr.contains("pulling image `rcompose-test/busybox"),
        "{stderr}"
    );
}

#[tokio::test]
async fn ignore_pull_failures_warns_and_succeeds() {
    let Some(daily) = TestProject::new("pullignore", PULL_PROJECT).await else {
        return;
    };
    let output = daily.run(&["pull", "--ignore-pull-failures", "remote"]);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("warning: pulling image `rcompose-nosuch/app:1.2` from docker.io: "),
        "{stderr}"
    );
    assert!(!stderr.contains("error:"), "{stderr}");
    // -q: no progress, the failure still said.
    let output = daily.run(&["pull", "-q", "remote"]);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(!stderr.contains("Pulling"), "{stderr}");
    assert!(stderr.contains("rcompose-nosuch/app:1.2"), "{stderr}");
    // `--policy` overrides the services' policies, as in v2: `missing` skips the present image,
    // and makes the `never` service pull its missing one.
    let output = daily.run(&["pull", "--policy", "missing", "present"]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let output = daily.run(&["pull", "--policy", "missing", "never"]);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stderr));
    assert!(text(&output.stderr).contains("pulling image `rcompose-nosuch/never:1` from docker.io"));
}

#[tokio::test]
async fn include_deps_pulls_the_dependencies_too() {
    let compose = "services:
  app:
    image: rcompose-nosuch/app:1
    depends_on: [dep]
  dep:
    image: rcompose-nosuch/dep:1
  built:
    build: .
";
    let Some(daily) = TestProject::new("pulldeps", compose).await else {
        return;
    };
    let output = daily.run(&["pull", "app"]);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("pulling image `rcompose-nosuch/app:1`"),
        "{stderr}"
    );
    assert!(!stderr.contains("rcompose-nosuch/dep:1"), "{stderr}");
    let output = daily.run(&["pull", "--include-deps", "app"]);
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("pulling image `rcompose-nosuch/dep:1`"),
        "{stderr}"
    );
    // A service that is only built has nothing to pull.
    let output = daily.run(&["pull", "built"]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert!(text(&output.stderr).contains(" Service built  Skipped - No image to be pulled"));
}

// ---------------------------------------------------------------------------------------------
// images, top, port

#[tokio::test]
async fn images_top_and_port_describe_the_running_project() {
    let Some(daily) = TestProject::new("images", &sleeper("    ports: [\"0:80\"]\n")).await else {
        return;
    };
    daily.ok(&["up", "-d"]);
    let web = daily.container("web");

    let output = daily.ok(&["images"]);
    let stdout = text(&output.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines[0]
            .split("  ")
            .filter(|c| !c.is_empty())
            .map(str::trim)
            .collect::<Vec<_>>(),
        [
            "CONTAINER",
            "REPOSITORY",
            "TAG",
            "PLATFORM",
            "IMAGE ID",
            "SIZE",
            "CREATED"
        ],
        "{stdout}"
    );
    // Go's tabwriter: a column is as wide as its widest cell plus 3, at least 20.
    assert!(lines[0].starts_with(&format!(
        "CONTAINER{}REPOSITORY",
        " ".repeat(web.len() + 3 - 9)
    )));
    let id = docker_inspect(IMAGE, "{{.Id}}");
    let short = &id["sha256:".len().."sha256:".len() + 12];
    let row: Vec<&str> = lines[1].split_whitespace().collect();
    assert_eq!(
        &row[..3],
        [web.as_str(), "rcompose-test/busybox", "latest"],
        "{stdout}"
    );
    assert_eq!(row[4], short, "{stdout}");

    let output = daily.ok(&["images", "-q"]);
    assert_eq!(
        text(&output.stdout),
        format!("{}\n", &id["sha256:".len()..])
    );
    let output = daily.ok(&["images", "--format", "json"]);
    let list: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
    assert_eq!(list[0]["ContainerName"], web.as_str());
    assert_eq!(list[0]["ID"], id.as_str());
    assert_eq!(list[0]["Repository"], "rcompose-test/busybox");

    let output = daily.ok(&["top"]);
    let stdout = text(&output.stdout);
    assert!(stdout.starts_with("SERVICE  #   UID"), "{stdout}");
    assert!(stdout.lines().next().unwrap().ends_with("CMD"), "{stdout}");
    let row = stdout.lines().nth(1).expect("a process");
    assert!(row.starts_with("web      1   "), "{stdout}");
    assert!(row.ends_with("sleep 100000"), "{stdout}");

    let output = daily.ok(&["port", "web", "80"]);
    let host_port = docker_inspect(
        &web,
        "{{(index (index .NetworkSettings.Ports \"80/tcp\") 0).HostPort}}",
    );
    let host_ip = docker_inspect(
        &web,
        "{{(index (index .NetworkSettings.Ports \"80/tcp\") 0).HostIp}}",
    );
    assert_eq!(text(&output.stdout), format!("{host_ip}:{host_port}\n"));
    let output = daily.run(&["port", "web", "81"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        text(&output.stderr).contains(&format!("container `{web}` does not publish port 81/tcp")),
        "{}",
        text(&output.stderr)
    );
    let output = daily.run(&["port", "--index", "2", "web", "80"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(text(&output.stderr).contains("service `web` has no running container #2"));
}

// ---------------------------------------------------------------------------------------------
// pause, unpause

#[tokio::test]
async fn pause_and_unpause_change_the_engine_state() {
    let Some(daily) = TestProject::new("pause", &sleeper("")).await else {
        return;
    };
    daily.ok(&["up", "-d"]);
    let web = daily.container("web");
    let output = daily.ok(&["pause"]);
    assert!(
        text(&output.stderr).contains(&format!(" Container {web}  Paused")),
        "{}",
        text(&output.stderr)
    );
    assert_eq!(docker_inspect(&web, "{{.State.Paused}}"), "true");
    // As in v2, pausing a paused container is the engine's error.
    let output = daily.run(&["pause", "web"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(text(&output.stderr).contains(&format!("error: pausing container `{web}`: ")));
    let output = daily.ok(&["unpause", "web"]);
    assert!(text(&output.stderr).contains(&format!(" Container {web}  Unpaused")));
    assert_eq!(docker_inspect(&web, "{{.State.Paused}}"), "false");
    assert_eq!(docker_inspect(&web, "{{.State.Running}}"), "true");
}

// ---------------------------------------------------------------------------------------------
// events

#[tokio::test]
async fn events_json_sees_a_restart() {
    let Some(daily) = TestProject::new("events", &sleeper("")).await else {
        return;
    };
    daily.ok(&["up", "-d"]);
    let web = daily.container("web");
    let id = docker_inspect(&web, "{{.Id}}");
    let mut child = daily
        .command(&["events", "--json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn events");
    let stdout = child.stdout.take().unwrap();
    let (send, lines) = mpsc::channel::<String>();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if send.send(line).is_err() {
                break;
            }
        }
    });
    // The stream is open once the engine answered; a restart soon after is seen. Restart until
    // its events arrive (the first may race the subscription), within a deadline.
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut seen: Vec<serde_json::Value> = Vec::new();
    let mut restarted = Instant::now() - Duration::from_secs(10);
    let saw = |seen: &[serde_json::Value], action: &str| {
        seen.iter()
            .any(|e| e["action"] == action && e["id"] == id.as_str())
    };
    while !(saw(&seen, "die") && saw(&seen, "start")) {
        assert!(
            Instant::now() < deadline,
            "no die/start event of {web} in time; seen: {seen:?}"
        );
        if restarted.elapsed() > Duration::from_secs(8) {
            daily.ok(&["restart", "-t", "1", "web"]);
            restarted = Instant::now();
        }
        if let Ok(line) = lines.recv_timeout(Duration::from_millis(500)) {
            seen.push(serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line}")));
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    let start = seen
        .iter()
        .find(|e| e["action"] == "start" && e["id"] == id.as_str())
        .unwrap();
    // v2's fields, and nothing of compose's own labels in the attributes.
    let keys: Vec<&String> = start.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        ["action", "attributes", "id", "service", "time", "type"]
    );
    assert_eq!(start["service"], "web");
    assert_eq!(start["type"], "container");
    assert_eq!(start["attributes"]["name"], web.as_str());
    assert!(start["attributes"]
        .as_object()
        .unwrap()
        .keys()
        .all(|k| !k.starts_with("com.docker.compose.")));
    let time = start["time"].as_str().unwrap();
    assert!(time.ends_with('Z') && time.contains('T'), "{time}");
}

// ---------------------------------------------------------------------------------------------
// wait

#[tokio::test]
async fn wait_returns_the_exit_code_of_the_container() {
    let compose = format!(
        "services:\n  job:\n    image: {IMAGE}\n    command: [\"sh\", \"-c\", \"sleep 4; exit 3\"]\n"
    );
    let Some(daily) = TestProject::new("wait", &compose).await else {
        return;
    };
    daily.ok(&["up", "-d"]);
    let job = daily.container("job");
    let output = daily.run(&["wait", "job"]);
    assert_eq!(output.status.code(), Some(3), "{}", text(&output.stderr));
    assert_eq!(
        text(&output.stdout),
        format!("container \"{job}\" exited with status code 3\n")
    );
    assert_eq!(docker_inspect(&job, "{{.State.ExitCode}}"), "3");
    // Nothing runs any more: nothing to wait for.
    let output = daily.run(&["wait", "job"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(text(&output.stderr).contains("no running container of `job`"));
}

#[tokio::test]
async fn wait_down_project_removes_the_project() {
    let compose = format!(
        "services:\n  job:\n    image: {IMAGE}\n    command: [\"sh\", \"-c\", \"sleep 3; exit 5\"]\n  web:\n    image: {IMAGE}\n    command: [\"sleep\", \"100000\"]\n    stop_signal: SIGKILL\n"
    );
    let Some(daily) = TestProject::new("waitdown", &compose).await else {
        return;
    };
    daily.ok(&["up", "-d"]);
    let output = daily.run(&["wait", "--down-project", "job", "web"]);
    assert_eq!(output.status.code(), Some(5), "{}", text(&output.stderr));
    let left = Command::new("docker")
        .args([
            "ps",
            "-aq",
            "--filter",
            &format!("label=com.docker.compose.project={}", daily.name),
        ])
        .output()
        .expect("docker ps");
    assert_eq!(
        text(&left.stdout),
        "",
        "containers left after --down-project"
    );
}

// ---------------------------------------------------------------------------------------------
// cp

#[tokio::test]
async fn cp_round_trips_files_and_folders() {
    let Some(daily) = TestProject::new("cp", &sleeper("")).await else {
        return;
    };
    daily.ok(&["up", "-d"]);
    let content = format!("hello from {}\n", daily.name);
    std::fs::write(daily.dir.join("in.txt"), &content).unwrap();
    std::fs::create_dir_all(daily.dir.join("tree/sub")).unwrap();
    std::fs::write(daily.dir.join("tree/sub/deep.txt"), "deep\n").unwrap();

    let output = daily.ok(&["cp", "in.txt", "web:/tmp/copied.txt"]);
    let web = daily.container("web");
    assert!(
        text(&output.stderr).contains(&format!(
            " {web} copy in.txt to {web}:/tmp/copied.txt  Copied"
        )),
        "{}",
        text(&output.stderr)
    );
    daily.ok(&["cp", "web:/tmp/copied.txt", "out.txt"]);
    assert_eq!(
        std::fs::read_to_string(daily.dir.join("out.txt")).unwrap(),
        content
    );

    // A folder into an existing folder keeps its name; out of the container into a new name.
    daily.ok(&["cp", "tree", "web:/tmp/"]);
    daily.ok(&["cp", "web:/tmp/tree", "back"]);
    assert_eq!(
        std::fs::read_to_string(daily.dir.join("back/sub/deep.txt")).unwrap(),
        "deep\n"
    );
    // --index picks a replica; there is no second one.
    let output = daily.run(&["cp", "--index", "2", "in.txt", "web:/tmp/"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(text(&output.stderr).contains("service `web` has no container #2"));
    // A missing container path is named.
    let output = daily.run(&["cp", "web:/no/such/file", "x"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        text(&output.stderr).contains("no such file or folder: /no/such/file"),
        "{}",
        text(&output.stderr)
    );
}

// ---------------------------------------------------------------------------------------------
// Usage errors: no engine needed (the names are checked before connecting)

fn cli(dir: &std::path::Path, args: &[&str]) -> Output {
    Command::new(support::project::BIN)
        .current_dir(dir)
        .args(args)
        .env_remove("COMPOSE_FILE")
        .env_remove("COMPOSE_PROJECT_NAME")
        .env_remove("COMPOSE_PROFILES")
        .env("DOCKER_HOST", "unix:///nonexistent/rcompose-test.sock")
        .stdin(Stdio::null())
        .output()
        .expect("run rcompose")
}

#[test]
fn usage_errors_exit_2_and_say_what_exists() {
    let dir = std::env::temp_dir().join(format!("rcompose-daily-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let _cleanup = TempDir(dir.clone());
    std::fs::write(
        dir.join("compose.yaml"),
        format!(
            "name: dailycli\nservices:\n  web:\n    image: {IMAGE}\n  db:\n    image: {IMAGE}\n"
        ),
    )
    .unwrap();
    for args in [
        &["pull", "nosuch"][..],
        &["images", "nosuch"],
        &["top", "nosuch"],
        &["port", "nosuch", "80"],
        &["pause", "nosuch"],
        &["unpause", "nosuch"],
        &["events", "nosuch"],
        &["wait", "nosuch"],
        &["cp", "nosuch:/x", "y"],
    ] {
        let output = cli(&dir, args);
        let stderr = text(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert_eq!(
            stderr,
            "error: no such service `nosuch` in project `dailycli`\n  help: the services are `db`, `web`\n",
            "{args:?}"
        );
    }
    for args in [
        &["port"][..],
        &["port", "web"],
        &["port", "web", "http"],
        &["wait"],
        &["cp", "a"],
        &["pull", "--policy", "sometimes"],
    ] {
        let output = cli(&dir, args);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{args:?}: {}",
            text(&output.stderr)
        );
    }
    let output = cli(&dir, &["cp", "a", "b"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output.stderr).contains("one of them must be SERVICE:PATH"));
    let output = cli(&dir, &["cp", "web:/a", "db:/b"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output.stderr).contains("copying between services is not supported"));
    // The engine is only reached after the checks: here it is missing, one line, exit 1.
    let output = cli(&dir, &["images"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(text(&output.stderr).contains("/nonexistent/rcompose-test.sock"));
}
