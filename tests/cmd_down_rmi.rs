//! `down --rmi local|all` against the real engine: the images go after the containers, with
//! docker compose's progress lines (` Image x  Removed`); `local` spares images with a custom
//! `image:`; an image that a container of another project uses is kept, with a warning.
//! The images are copies (tags) of the test image made per test; the test image itself is
//! never a candidate.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use rcompose::engine::Engine;

const BIN: &str = env!("CARGO_BIN_EXE_rcompose");

/// Removes the test's own image tags, and its folder, when dropped.
struct Cleanup {
    tags: Vec<String>,
    dir: PathBuf,
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        for tag in &self.tags {
            let _ = Command::new("docker").args(["rmi", tag]).output();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn docker_tag(tag: &str) {
    let status = Command::new("docker")
        .args(["tag", support::TEST_IMAGE, tag])
        .status()
        .expect("docker tag");
    assert!(status.success(), "docker tag {tag}");
}

fn write_project(root: &Path, name: &str, compose: &str) -> PathBuf {
    let dir = root.join(name);
    std::fs::create_dir_all(&dir).expect("project dir");
    std::fs::write(dir.join("compose.yaml"), compose).expect("compose.yaml");
    std::fs::write(
        dir.join("Dockerfile"),
        format!("FROM {}\n", support::TEST_IMAGE),
    )
    .expect("Dockerfile");
    dir
}

fn rcompose(dir: &Path, project: &str, args: &[&str]) -> Output {
    Command::new(BIN)
        .current_dir(dir)
        .args(["-p", project, "--progress", "plain"])
        .args(args)
        .env_remove("COMPOSE_FILE")
        .env_remove("COMPOSE_PROJECT_NAME")
        .env_remove("COMPOSE_PROFILES")
        .stdin(Stdio::null())
        .output()
        .expect("run rcompose")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn ok(output: Output, what: &str) -> Output {
    assert!(
        output.status.success(),
        "{what} failed ({}):\n{}{}",
        output.status,
        text(&output.stdout),
        text(&output.stderr)
    );
    output
}

fn sleeper_service(name: &str, image_line: &str) -> String {
    format!("  {name}:\n    {image_line}\n    command: [\"sleep\", \"300\"]\n    init: true\n")
}

#[tokio::test]
async fn down_rmi_local_removes_the_built_image_only() {
    let Some(engine) = support::real_engine("down_rmi_local").await else {
        return;
    };
    let project = support::unique_project("rmi-local");
    let mut guard = support::ProjectGuard::new(&engine);
    guard.guard(&project);
    let built = format!("{project}-app");
    let custom = format!("{project}-custom:v1");
    let root = std::env::temp_dir().join(format!("rcompose-{project}"));
    let _cleanup = Cleanup {
        tags: vec![built.clone(), custom.clone()],
        dir: root.clone(),
    };
    docker_tag(&built);
    docker_tag(&custom);
    let compose = format!(
        "services:\n{}{}{}",
        sleeper_service("app", "build: ."),
        sleeper_service("tagged", &format!("image: {custom}")),
        sleeper_service("plain", &format!("image: {}", support::TEST_IMAGE)),
    );
    let dir = write_project(&root, "a", &compose);
    ok(rcompose(&dir, &project, &["up", "-d"]), "up");
    let down = ok(
        rcompose(&dir, &project, &["down", "--rmi", "local", "-t", "1"]),
        "down --rmi local",
    );
    let stderr = text(&down.stderr);
    assert!(
        stderr.contains(&format!(" Image {built}:latest  Removed")),
        "{stderr}"
    );
    assert!(!stderr.contains(&custom), "{stderr}");
    assert!(!engine.image_exists(&built).await.unwrap());
    assert!(engine.image_exists(&custom).await.unwrap());
    assert!(engine.image_exists(support::TEST_IMAGE).await.unwrap());
    // The images are removed after the containers.
    let removed_container = stderr
        .find(&format!("Container {project}-app-1  Removed"))
        .expect("the container removal is reported");
    let removing_image = stderr
        .find(&format!("Image {built}:latest  Removing"))
        .unwrap();
    assert!(removed_container < removing_image, "{stderr}");
    // A second run finds nothing to remove and says nothing about images.
    let again = ok(
        rcompose(&dir, &project, &["down", "--rmi", "local"]),
        "down --rmi local again",
    );
    assert!(
        !text(&again.stderr).contains("Image"),
        "{}",
        text(&again.stderr)
    );
}

#[tokio::test]
async fn down_rmi_all_keeps_an_image_another_project_uses() {
    let Some(engine) = support::real_engine("down_rmi_all").await else {
        return;
    };
    let project = support::unique_project("rmi-all");
    let other = support::unique_project("rmi-other");
    let mut guard = support::ProjectGuard::new(&engine);
    guard.guard(&project);
    guard.guard(&other);
    let built = format!("{project}-app");
    let custom = format!("{project}-custom:v1");
    let root = std::env::temp_dir().join(format!("rcompose-{project}"));
    let _cleanup = Cleanup {
        tags: vec![built.clone(), custom.clone()],
        dir: root.clone(),
    };
    docker_tag(&built);
    docker_tag(&custom);
    let mine = format!(
        "services:\n{}{}",
        sleeper_service("app", "build: ."),
        sleeper_service("tagged", &format!("image: {custom}")),
    );
    let theirs = format!(
        "services:\n{}",
        sleeper_service("borrower", &format!("image: {custom}"))
    );
    let dir = write_project(&root, "a", &mine);
    let other_dir = write_project(&root, "b", &theirs);
    ok(rcompose(&dir, &project, &["up", "-d"]), "up");
    ok(
        rcompose(&other_dir, &other, &["up", "-d"]),
        "up (other project)",
    );
    let down = ok(
        rcompose(&dir, &project, &["down", "--rmi", "all", "-t", "1"]),
        "down --rmi all",
    );
    let stderr = text(&down.stderr);
    assert!(
        stderr.contains(&format!(" Image {built}:latest  Removed")),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!(
            "warning: image `{custom}` is kept: used by a container of another project ({other}-borrower-1)"
        )),
        "{stderr}"
    );
    assert!(!engine.image_exists(&built).await.unwrap());
    assert!(engine.image_exists(&custom).await.unwrap());
    // The other project runs on.
    let ps = ok(rcompose(&other_dir, &other, &["ps", "-q"]), "ps");
    assert_eq!(text(&ps.stdout).lines().count(), 1);
}

#[test]
fn rmi_takes_local_or_all() {
    let out = Command::new(BIN)
        .args(["-p", "x", "down", "--rmi", "some"])
        .output()
        .expect("run rcompose");
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("'some'") && stderr.contains("local, all"),
        "{stderr}"
    );
}
