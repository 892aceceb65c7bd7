//! Flags of `up`, `run` and `ps` beyond the basics, against the real engine, each test with a
//! project of its own and a guard that removes it even when the test fails: `up --pull`, `-V`,
//! `--always-recreate-deps`, `--attach`, `--no-attach`, `--attach-dependencies`; `run
//! --cap-add`, `--cap-drop`, `--env-from-file`, `-q`; `ps --orphans`; and the usage errors,
//! which need no engine.

mod support;

use support::project::{docker_inspect, text, TestProject};

use std::process::{Command, Output, Stdio};

const IMAGE: &str = support::TEST_IMAGE;

/// `db` keeps data in an anonymous volume; `web` depends on it. Both print a line and sleep.
fn two_services() -> String {
    format!(
        "services:
  db:
    image: {IMAGE}
    command: [\"sh\", \"-c\", \"echo db-out; exec sleep 100000\"]
    volumes: [\"/data\"]
    stop_signal: SIGKILL
  web:
    image: {IMAGE}
    command: [\"sh\", \"-c\", \"echo web-out; exec sleep 100000\"]
    depends_on: [db]
    stop_signal: SIGKILL
"
    )
}

/// Volumes removed at the end. Declared before the project, it drops after the project's
/// guard has removed the containers. Needed because a volume a recreated container inherits is
/// mounted by name, so neither `rm -v` nor the project's labels find it (as with docker compose
/// v2).
#[derive(Default)]
struct VolumeGuard(std::cell::RefCell<Vec<String>>);

impl VolumeGuard {
    fn add(&self, name: String) {
        self.0.borrow_mut().push(name);
    }
}

impl Drop for VolumeGuard {
    fn drop(&mut self) {
        for name in self.0.borrow().iter() {
            let _ = Command::new("docker")
                .args(["volume", "rm", "-f", name])
                .output();
        }
    }
}

#[tokio::test]
async fn renew_anon_volumes_gives_the_new_container_a_fresh_anonymous_volume() {
    let volumes = VolumeGuard::default();
    let Some(project) = TestProject::new("upflags-renew", &two_services()).await else {
        return;
    };
    let db = project.container("db");
    let volume = "{{range .Mounts}}{{.Name}}{{end}}";
    project.ok(&["up", "-d"]);
    let first_id = docker_inspect(&db, "{{.Id}}");
    let first = docker_inspect(&db, volume);
    // `-V` leaves the old anonymous volume behind, unlabelled, as docker compose v2 does.
    volumes.add(first.clone());
    project.ok(&["up", "-d", "--force-recreate", "db"]);
    assert_ne!(docker_inspect(&db, "{{.Id}}"), first_id, "recreated");
    assert_eq!(docker_inspect(&db, volume), first, "inherited without -V");
    let plan = project.ok(&["--dry-run", "up", "-d", "-V", "db"]);
    assert!(
        text(&plan.stdout).contains(&format!("create container {db}: --renew-anon-volumes")),
        "{}",
        text(&plan.stdout)
    );
    project.ok(&["up", "-d", "-V"]);
    let renewed = docker_inspect(&db, volume);
    volumes.add(renewed.clone());
    assert!(!renewed.is_empty());
    assert_ne!(renewed, first, "-V: a fresh anonymous volume");
}

#[tokio::test]
async fn always_recreate_deps_recreates_the_dependencies_of_the_named_service() {
    let volumes = VolumeGuard::default();
    let Some(project) = TestProject::new("upflags-deps", &two_services()).await else {
        return;
    };
    let (db, web) = (project.container("db"), project.container("web"));
    project.ok(&["up", "-d"]);
    volumes.add(docker_inspect(&db, "{{range .Mounts}}{{.Name}}{{end}}"));
    let (db_id, web_id) = (
        docker_inspect(&db, "{{.Id}}"),
        docker_inspect(&web, "{{.Id}}"),
    );
    project.ok(&["up", "-d", "web"]);
    assert_eq!(
        docker_inspect(&db, "{{.Id}}"),
        db_id,
        "kept without the flag"
    );
    project.ok(&["up", "-d", "--always-recreate-deps", "web"]);
    assert_ne!(
        docker_inspect(&db, "{{.Id}}"),
        db_id,
        "the dependency is recreated"
    );
    assert_eq!(
        docker_inspect(&web, "{{.Id}}"),
        web_id,
        "the named service is not"
    );
}

/// Containers that print a line and exit: an attached `up` ends by itself.
fn short_lived() -> String {
    format!(
        "services:
  db:
    image: {IMAGE}
    command: [\"echo\", \"db-out\"]
  web:
    image: {IMAGE}
    command: [\"echo\", \"web-out\"]
    depends_on: [db]
"
    )
}

#[tokio::test]
async fn attach_flags_choose_whose_output_is_shown() {
    let Some(project) = TestProject::new("upflags-attach", &short_lived()).await else {
        return;
    };
    let shown = |args: &[&str]| {
        let mut all = vec!["up", "--no-color"];
        all.extend_from_slice(args);
        let output = project.ok(&all);
        let stdout = text(&output.stdout);
        stdout
            .lines()
            .find(|line| line.starts_with("Attaching to "))
            .unwrap_or_else(|| panic!("no Attaching line in:\n{stdout}"))
            .to_string()
    };
    assert_eq!(shown(&["web"]), "Attaching to web-1");
    assert_eq!(
        shown(&["--attach-dependencies", "web"]),
        "Attaching to db-1, web-1"
    );
    assert_eq!(shown(&["--attach", "db", "web"]), "Attaching to db-1");
    assert_eq!(shown(&["--no-attach", "db"]), "Attaching to web-1");
}

#[tokio::test]
async fn pull_overrides_every_services_pull_policy() {
    let compose = format!(
        "services:
  local:
    image: {IMAGE}
    command: [\"sleep\", \"100000\"]
    pull_policy: always
    stop_signal: SIGKILL
"
    );
    let Some(project) = TestProject::new("upflags-pull", &compose).await else {
        return;
    };
    // `always` asks the registry, which cannot be reached here: nothing is created.
    let failed = project.run(&["up", "-d", "--pull", "always"]);
    assert_eq!(failed.status.code(), Some(1));
    let stderr = text(&failed.stderr);
    assert!(
        stderr.contains(&format!("error: pulling image `{IMAGE}`"))
            && stderr.contains("(service `local`)")
            && stderr.ends_with("nothing was changed\n"),
        "{stderr}"
    );
    // The file's `pull_policy: always` gives way to `missing` and `never`: the local image
    // serves.
    project.ok(&["up", "-d", "--pull", "missing"]);
    assert_eq!(
        docker_inspect(&project.container("local"), "{{.State.Status}}"),
        "running"
    );
    project.ok(&["up", "-d", "--pull", "never", "--force-recreate"]);
}

#[tokio::test]
async fn pull_never_refuses_a_missing_image_before_any_change() {
    let compose = "services:\n  gone:\n    image: rcompose-nosuch/app:9\n";
    let Some(project) = TestProject::new("upflags-never", compose).await else {
        return;
    };
    let output = project.run(&["up", "-d", "--pull", "never"]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        text(&output.stderr),
        "error: image `rcompose-nosuch/app:9` (service `gone`) is not present in the engine and its `pull_policy` forbids pulling it: pull or build it first (e.g. `docker pull rcompose-nosuch/app:9`)\nnothing was changed\n"
    );
}

fn cli(args: &[&str]) -> Output {
    let dir = std::env::temp_dir().join(format!("rcompose-upflags-usage-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    std::fs::write(dir.join("compose.yaml"), short_lived()).expect("write compose.yaml");
    let output = Command::new(support::project::BIN)
        .current_dir(&dir)
        .args(args)
        .env_remove("COMPOSE_FILE")
        .env_remove("COMPOSE_PROJECT_NAME")
        .env("DOCKER_HOST", "unix:///nonexistent/rcompose-test.sock")
        .stdin(Stdio::null())
        .output()
        .expect("run rcompose");
    output
}

#[test]
fn incompatible_flags_are_usage_errors() {
    for (args, message) in [
        (
            &["up", "-d", "--attach", "db"][..],
            "error: --detach cannot be combined with --attach or --attach-dependencies\n",
        ),
        (
            &["up", "--attach", "db", "--attach-dependencies"][..],
            "error: --attach and --attach-dependencies are incompatible\n",
        ),
        (
            &["up", "--always-recreate-deps", "--no-recreate"][..],
            "error: --always-recreate-deps and --no-recreate are incompatible\n",
        ),
    ] {
        let output = cli(args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert_eq!(text(&output.stderr), message, "{args:?}");
    }
    let output = cli(&["up", "--pull", "bogus"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output.stderr).contains(
        "invalid --pull option \"bogus\": expected always, missing, never, build or policy"
    ));
}

#[tokio::test]
async fn ps_orphans_false_hides_the_services_the_files_do_not_declare() {
    let Some(project) = TestProject::new("upflags-orphans", &short_lived()).await else {
        return;
    };
    project.ok(&["up"]);
    std::fs::write(
        project.dir.join("only-db.yaml"),
        format!("services:\n  db:\n    image: {IMAGE}\n"),
    )
    .expect("write only-db.yaml");
    let services = |extra: &[&str]| {
        let mut args = vec!["-f", "only-db.yaml", "ps", "-a", "--services"];
        args.extend_from_slice(extra);
        text(&project.ok(&args).stdout)
    };
    assert_eq!(services(&[]), "db\nweb\n");
    assert_eq!(services(&["--orphans"]), "db\nweb\n");
    assert_eq!(services(&["--orphans=false"]), "db\n");
}

#[tokio::test]
async fn run_takes_capabilities_and_environment_files() {
    let Some(project) = TestProject::new("upflags-run", &short_lived()).await else {
        return;
    };
    std::fs::write(project.dir.join("e.env"), "A=from-file\nB=b\n").expect("write e.env");
    let name = format!("{}-captest", project.name);
    let output = project.ok(&[
        "run",
        "--no-deps",
        "-T",
        "--cap-add",
        "NET_ADMIN",
        "--cap-drop",
        "CHOWN",
        "--env-from-file",
        "e.env",
        "-e",
        "A=cli",
        "--name",
        &name,
        "db",
        "sh",
        "-c",
        "echo $A $B",
    ]);
    assert_eq!(text(&output.stdout), "cli b\n");
    assert_eq!(
        docker_inspect(&name, "{{.HostConfig.CapAdd}} {{.HostConfig.CapDrop}}"),
        "[CAP_NET_ADMIN] [CAP_CHOWN]"
    );
}

#[tokio::test]
async fn run_quiet_hides_the_progress_not_the_output() {
    let Some(project) = TestProject::new("upflags-runq", &short_lived()).await else {
        return;
    };
    let output = project.ok(&["run", "--rm", "-q", "-T", "web", "echo", "hi"]);
    assert_eq!(text(&output.stdout), "hi\n");
    assert_eq!(text(&output.stderr), "");
    // The dependency was brought up all the same.
    assert_eq!(
        docker_inspect(&project.container("db"), "{{.Config.Image}}"),
        IMAGE
    );
}
