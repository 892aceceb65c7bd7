//! The commands of docker compose v2 beyond the daily ones (`create`, `scale`, `volumes`,
//! `commit`, `export`, `stats`, `attach`) against the real engine, each test with a project of its own
//! and guards that remove it (and any image it made) even when the test fails; and their usage
//! errors and `-h`, which need no engine.

mod support;

use support::project::{text, TestProject};

use std::process::{Command, Output, Stdio};

const IMAGE: &str = support::TEST_IMAGE;

/// An image a test makes, removed at the end.
struct ImageGuard(String);

impl Drop for ImageGuard {
    fn drop(&mut self) {
        let _ = Command::new("docker").args(["rmi", "-f", &self.0]).output();
    }
}

impl TestProject {
    fn containers(&self) -> Vec<String> {
        let output = Command::new("docker")
            .args(["ps", "-a", "--format", "{{.Names}} {{.State}}", "--filter"])
            .arg(format!("label=com.docker.compose.project={}", self.name))
            .output()
            .expect("docker ps");
        let mut lines: Vec<String> = text(&output.stdout).lines().map(String::from).collect();
        lines.sort();
        lines
    }
}

fn docker(args: &[&str]) -> String {
    let output = Command::new("docker").args(args).output().expect("docker");
    assert!(
        output.status.success(),
        "docker {args:?}: {}",
        text(&output.stderr)
    );
    text(&output.stdout).trim().to_string()
}

/// A service that sleeps and dies at once when stopped.
fn sleeper(name: &str, extra: &str) -> String {
    format!("  {name}:\n    image: {IMAGE}\n    command: [\"sleep\", \"100000\"]\n    stop_signal: SIGKILL\n{extra}")
}

// ---------------------------------------------------------------------------------------------
// create

#[tokio::test]
async fn create_makes_the_containers_network_and_volume_and_starts_nothing() {
    let compose = format!(
        "services:\n{}volumes:\n  data:\n",
        sleeper("web", "    volumes: [\"data:/data\"]\n")
    );
    let Some(project) = TestProject::new("create", &compose).await else {
        return;
    };
    project.ok(&["create", "--scale", "web=2"]);
    let name = &project.name;
    assert_eq!(
        project.containers(),
        [
            format!("{name}-web-1 created"),
            format!("{name}-web-2 created")
        ]
    );
    assert_eq!(
        docker(&[
            "volume",
            "inspect",
            "-f",
            "{{.Name}}",
            &format!("{name}_data")
        ]),
        format!("{name}_data")
    );
    assert_eq!(
        docker(&[
            "network",
            "inspect",
            "-f",
            "{{.Name}}",
            &format!("{name}_default")
        ]),
        format!("{name}_default")
    );
    // A second `create` changes nothing; `--force-recreate` makes new containers.
    let first = docker(&["inspect", "-f", "{{.Id}}", &format!("{name}-web-1")]);
    project.ok(&["create", "--scale", "web=2"]);
    assert_eq!(
        docker(&["inspect", "-f", "{{.Id}}", &format!("{name}-web-1")]),
        first
    );
    project.ok(&["create", "--force-recreate", "--scale", "web=2"]);
    assert_ne!(
        docker(&["inspect", "-f", "{{.Id}}", &format!("{name}-web-1")]),
        first
    );
    assert_eq!(
        project.containers(),
        [
            format!("{name}-web-1 created"),
            format!("{name}-web-2 created")
        ]
    );
}

// ---------------------------------------------------------------------------------------------
// scale

#[tokio::test]
async fn scale_adds_and_removes_replicas_and_no_deps_leaves_dependencies_alone() {
    let compose = format!(
        "services:\n{}{}",
        sleeper("web", "    depends_on: [db]\n"),
        sleeper("db", "")
    );
    let Some(project) = TestProject::new("scale", &compose).await else {
        return;
    };
    let name = &project.name;
    project.ok(&["scale", "--no-deps", "web=2"]);
    assert_eq!(
        project.containers(),
        [
            format!("{name}-web-1 running"),
            format!("{name}-web-2 running")
        ]
    );
    project.ok(&["scale", "web=3"]);
    assert_eq!(
        project.containers(),
        [
            format!("{name}-db-1 running"),
            format!("{name}-web-1 running"),
            format!("{name}-web-2 running"),
            format!("{name}-web-3 running"),
        ]
    );
    project.ok(&["scale", "web=1", "db=0"]);
    assert_eq!(project.containers(), [format!("{name}-web-1 running")]);
}

// ---------------------------------------------------------------------------------------------
// volumes

#[tokio::test]
async fn volumes_lists_the_project_volumes_as_docker_compose_does() {
    let compose = format!(
        "services:\n{}{}volumes:\n  data:\n  other:\n    labels: {{a: b}}\n",
        sleeper("web", "    volumes: [\"data:/data\"]\n"),
        sleeper("db", "    volumes: [\"other:/o\"]\n")
    );
    let Some(project) = TestProject::new("volumes", &compose).await else {
        return;
    };
    let name = &project.name;
    project.ok(&["create"]);
    let output = project.ok(&["volumes"]);
    assert_eq!(
        text(&output.stdout),
        format!("DRIVER    VOLUME NAME\nlocal     {name}_data\nlocal     {name}_other\n")
    );
    let output = project.ok(&["volumes", "--format", "{{.Name}}\\t{{ .Driver }}"]);
    assert_eq!(
        text(&output.stdout),
        format!("{name}_data\tlocal\n{name}_other\tlocal\n")
    );
    let output = project.ok(&["volumes", "-q", "db"]);
    assert_eq!(text(&output.stdout), format!("{name}_other\n"));
    let output = project.ok(&["volumes", "--format", "json", "web"]);
    let stdout = text(&output.stdout);
    let object: serde_json::Value = serde_json::from_str(stdout.trim()).expect("one JSON object");
    assert_eq!(object["Name"], format!("{name}_data"));
    assert_eq!(object["Driver"], "local");
    assert_eq!(object["Scope"], "local");
    assert_eq!(object["Size"], "N/A");
    assert_eq!(
        object["Mountpoint"],
        docker(&[
            "volume",
            "inspect",
            "-f",
            "{{.Mountpoint}}",
            &format!("{name}_data")
        ])
    );
    assert!(object["Labels"]
        .as_str()
        .is_some_and(|l| l.contains(&format!("com.docker.compose.project={name}"))));
    let keys: Vec<&String> = object.as_object().expect("object").keys().collect();
    assert_eq!(
        keys,
        [
            "Availability",
            "Driver",
            "Group",
            "Labels",
            "Links",
            "Mountpoint",
            "Name",
            "Scope",
            "Size",
            "Status"
        ]
    );
}

// ---------------------------------------------------------------------------------------------
// commit and export

#[tokio::test]
async fn commit_makes_an_image_with_the_changes_author_and_message() {
    let compose = format!(
        "services:\n{}",
        sleeper("web", "").replace(
            "[\"sleep\", \"100000\"]",
            "[\"sh\", \"-c\", \"echo made > /marker && exec sleep 100000\"]"
        )
    );
    let Some(project) = TestProject::new("commit", &compose).await else {
        return;
    };
    project.ok(&["up", "-d"]);
    let reference = format!("{}:snap", project.name);
    let _image = ImageGuard(reference.clone());
    let output = project.ok(&[
        "commit",
        "-a",
        "me",
        "-m",
        "a message",
        "-c",
        "ENV MARK=1",
        "-p",
        "web",
        &reference,
    ]);
    let stderr = text(&output.stderr);
    let id = docker(&["image", "inspect", "-f", "{{.Id}}", &reference]);
    assert!(
        stderr.contains(&format!(
            " Container {}-web-1  Committed as {id}",
            project.name
        )),
        "{stderr}"
    );
    assert_eq!(
        docker(&[
            "image",
            "inspect",
            "-f",
            "{{.Author}}|{{.Comment}}",
            &reference
        ]),
        "me|a message"
    );
    assert!(docker(&["image", "inspect", "-f", "{{.Config.Env}}", &reference]).contains("MARK=1"));
    // The container's change is in the image.
    assert_eq!(
        docker(&["run", "--rm", "--entrypoint", "cat", &reference, "/marker"]),
        "made"
    );
}

#[tokio::test]
async fn export_writes_the_container_filesystem_as_a_tar() {
    let compose = format!(
        "services:\n{}",
        sleeper("web", "    deploy: {replicas: 2}\n").replace(
            "[\"sleep\", \"100000\"]",
            "[\"sh\", \"-c\", \"hostname > /marker && exec sleep 100000\"]"
        )
    );
    let Some(project) = TestProject::new("export", &compose).await else {
        return;
    };
    project.ok(&["up", "-d"]);
    let tar = project.dir.join("out.tar");
    let tar_text = tar.to_string_lossy().into_owned();
    // A replica's own file, so that `--index` is seen to pick it; polled, as the command
    // writes it once started.
    let second = docker(&[
        "inspect",
        "-f",
        "{{.Config.Hostname}}",
        &format!("{}-web-2", project.name),
    ]);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        project.ok(&["export", "--index", "2", "-o", &tar_text, "web"]);
        let marker = Command::new("tar")
            .args(["-xOf", &tar_text, "marker"])
            .output()
            .expect("tar");
        if marker.status.success() {
            assert_eq!(text(&marker.stdout).trim(), second);
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no /marker in the export"
        );
    }
    assert!(!project.dir.join("out.tar.partial").exists());
    // To stdout: the same tar.
    let output = project.ok(&["export", "--index", "2", "web"]);
    assert_eq!(output.stdout, std::fs::read(&tar).expect("read tar"));
    let output = project.run(&["export", "--index", "3", "web"]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        text(&output.stderr),
        "error: service `web` has no running container #3\n"
    );
}

// ---------------------------------------------------------------------------------------------
// stats

#[tokio::test]
async fn stats_no_stream_lists_the_project_running_containers() {
    let compose = format!("services:\n{}{}", sleeper("web", ""), sleeper("db", ""));
    let Some(project) = TestProject::new("stats", &compose).await else {
        return;
    };
    let name = &project.name;
    project.ok(&["up", "-d", "web"]);
    project.ok(&["create", "db"]);
    let id = docker(&["inspect", "-f", "{{.Id}}", &format!("{name}-web-1")]);
    let output = project.ok(&["stats", "--no-stream"]);
    let stdout = text(&output.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{stdout}");
    let web = format!("{name}-web-1");
    // docker's columns, each cell starting where its title does.
    let columns = |line: &str| -> Vec<(usize, String)> {
        let mut cells = Vec::new();
        let mut start = None;
        let bytes = line.as_bytes();
        for i in 0..=bytes.len() {
            let gap = i == bytes.len() || (bytes[i] == b' ' && bytes.get(i + 1) == Some(&b' '));
            match (start, gap) {
                (None, false) if bytes[i] != b' ' => start = Some(i),
                (Some(from), true) => {
                    cells.push((from, line[from..i].to_string()));
                    start = None;
                }
                _ => {}
            }
        }
        cells
    };
    let titles = columns(lines[0]);
    let row = columns(lines[1]);
    assert_eq!(
        titles.iter().map(|(_, t)| t.as_str()).collect::<Vec<_>>(),
        [
            "CONTAINER ID",
            "NAME",
            "CPU %",
            "MEM USAGE / LIMIT",
            "MEM %",
            "NET I/O",
            "BLOCK I/O",
            "PIDS"
        ]
    );
    assert_eq!(
        titles.iter().map(|(at, _)| *at).collect::<Vec<_>>(),
        row.iter().map(|(at, _)| *at).collect::<Vec<_>>(),
        "{stdout}"
    );
    assert_eq!(row[0].1, id[..12]);
    assert_eq!(row[1].1, web);
    assert!(
        row[2].1.ends_with('%') && row[4].1.ends_with('%'),
        "{stdout}"
    );
    assert_eq!(row[7].1, "1", "one process: {stdout}");
    let output = project.ok(&["stats", "--no-stream", "--format", "{{.Name}}:{{.PIDs}}"]);
    assert_eq!(text(&output.stdout), format!("{web}:1\n"));
    // `--all` lists the created one too; `--no-trunc` the whole id; JSON has docker's keys.
    let output = project.ok(&[
        "stats",
        "--no-stream",
        "--all",
        "--no-trunc",
        "--format",
        "json",
    ]);
    let stdout = text(&output.stdout);
    let objects: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect();
    let mut names: Vec<&str> = objects.iter().filter_map(|o| o["Name"].as_str()).collect();
    names.sort_unstable();
    assert_eq!(names, [format!("{name}-db-1"), web.clone()]);
    let web_object = objects
        .iter()
        .find(|o| o["Name"] == web.as_str())
        .expect("web");
    assert_eq!(web_object["ID"], id.as_str());
    assert_eq!(web_object["Container"], id.as_str());
    assert_eq!(web_object["PIDs"], "1");
    let keys: Vec<&String> = web_object.as_object().expect("object").keys().collect();
    assert_eq!(
        keys,
        [
            "BlockIO",
            "CPUPerc",
            "Container",
            "ID",
            "MemPerc",
            "MemUsage",
            "Name",
            "NetIO",
            "PIDs"
        ]
    );
}

// ---------------------------------------------------------------------------------------------
// attach

const ATTACH_PROJECT: &str = "services:
  echo:
    image: rcompose-test/busybox:latest
    stdin_open: true
    stop_signal: SIGKILL
    command: [\"sh\", \"-c\", \"read l; echo got $$l; echo err >&2; exit 4\"]
  tick:
    image: rcompose-test/busybox:latest
    stop_signal: SIGKILL
    command: [\"sh\", \"-c\", \"while [ ! -f /go ]; do echo tick; sleep 0.2; done; echo bye; exit 3\"]
";

#[tokio::test]
async fn attach_forwards_stdin_and_ends_with_the_container_exit_code() {
    let Some(project) = TestProject::new("attach", ATTACH_PROJECT).await else {
        return;
    };
    project.ok(&["up", "-d"]);
    let mut child = Command::new(support::project::BIN)
        .current_dir(&project.dir)
        .args(["-p", &project.name, "attach", "echo"])
        .env_remove("COMPOSE_FILE")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn attach");
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().expect("stdin");
        stdin.write_all(b"hello\n").expect("write stdin");
    }
    let output = child.wait_with_output().expect("attach ends");
    assert_eq!(text(&output.stdout), "got hello\n");
    assert_eq!(text(&output.stderr), "err\n");
    assert_eq!(output.status.code(), Some(4));
    // Now that it has stopped, there is nothing to attach to.
    let output = project.run(&["attach", "echo"]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        text(&output.stderr),
        "error: service `echo` has no running container\n"
    );
}

#[tokio::test]
async fn attach_no_stdin_shows_the_output_from_now_until_the_container_stops() {
    use std::io::{BufRead, BufReader};
    let Some(project) = TestProject::new("attachout", ATTACH_PROJECT).await else {
        return;
    };
    project.ok(&["up", "-d", "tick"]);
    let mut child = Command::new(support::project::BIN)
        .current_dir(&project.dir)
        .args(["-p", &project.name, "attach", "--no-stdin", "tick"])
        .env_remove("COMPOSE_FILE")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn attach");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    // Attached once a tick comes through; then the container is told to stop.
    assert_eq!(lines.next().expect("a line").expect("text"), "tick");
    docker(&["exec", &format!("{}-tick-1", project.name), "touch", "/go"]);
    let rest: Vec<String> = lines.map(|l| l.expect("text")).collect();
    assert_eq!(rest.last().map(String::as_str), Some("bye"), "{rest:?}");
    assert!(
        rest[..rest.len() - 1].iter().all(|l| l == "tick"),
        "{rest:?}"
    );
    assert_eq!(child.wait().expect("attach ends").code(), Some(3));
}

// ---------------------------------------------------------------------------------------------
// usage, no engine

fn usage(args: &[&str]) -> Output {
    let dir = std::env::temp_dir().join(format!("rcompose-more-usage-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    std::fs::write(
        dir.join("compose.yaml"),
        "services:\n  web:\n    image: x\n",
    )
    .expect("write compose.yaml");
    Command::new(support::project::BIN)
        .current_dir(&dir)
        .args(["-p", "rcompose-usage"])
        .args(args)
        .env_remove("COMPOSE_FILE")
        .env("DOCKER_HOST", "unix:///nonexistent/docker.sock")
        .output()
        .expect("run rcompose")
}

#[test]
fn every_new_command_has_help_and_refuses_an_unknown_service() {
    for (command, args) in [
        ("create", vec!["nosuch"]),
        ("scale", vec!["nosuch=2"]),
        ("volumes", vec!["nosuch"]),
        ("commit", vec!["nosuch"]),
        ("export", vec!["-o", "x.tar", "nosuch"]),
        ("stats", vec!["--no-stream", "nosuch"]),
        ("attach", vec!["nosuch"]),
    ] {
        let help = usage(&[command, "-h"]);
        assert_eq!(help.status.code(), Some(0), "{command} -h");
        assert!(
            text(&help.stdout).contains(&format!("Usage: rcompose {command}")),
            "{command} -h: {}",
            text(&help.stdout)
        );
        let mut argv = vec![command];
        argv.extend(args);
        let output = usage(&argv);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{command}: {}",
            text(&output.stderr)
        );
        assert_eq!(
            text(&output.stderr),
            "error: no such service `nosuch` in project `rcompose-usage`\n  help: the services are `web`\n",
            "{command}"
        );
    }
    let output = usage(&["scale", "web"]);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        text(&output.stderr),
        "error: invalid --scale `web`: expected SERVICE=NUM, e.g. `web=3`\n"
    );
}
