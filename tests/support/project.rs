//! A project of a test's own in a temporary folder, driven through the rcompose binary: the
//! harness the command tests share. The guard removes the project's engine objects, then the
//! folder, when the value drops — even when the test failed.

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

pub const BIN: &str = env!("CARGO_BIN_EXE_rcompose");

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Removed when it drops.
pub struct TempDir(pub PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// One project in a folder of its own (`compose.yaml` written there).
pub struct TestProject {
    pub name: String,
    pub dir: PathBuf,
    _guard: super::ProjectGuard,
    _dir: TempDir,
}

impl TestProject {
    /// `None` when no engine answers outside CI (the test skips; in CI it fails).
    pub async fn new(label: &str, compose: &str) -> Option<TestProject> {
        let engine = super::real_engine(label).await?;
        let name = super::unique_project(label);
        let mut guard = super::ProjectGuard::new(&engine);
        guard.guard(&name);
        let dir = std::env::temp_dir().join(format!("rcompose-test-{name}"));
        std::fs::create_dir_all(&dir).expect("temp dir");
        std::fs::write(dir.join("compose.yaml"), compose).expect("write compose.yaml");
        Some(TestProject {
            name,
            dir: dir.clone(),
            _guard: guard,
            _dir: TempDir(dir),
        })
    }

    /// `rcompose -p NAME --progress plain ARGS` in the project's folder, without the
    /// `COMPOSE_*` variables of the environment the tests run in.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(BIN);
        command
            .current_dir(&self.dir)
            .args(["-p", &self.name, "--progress", "plain"])
            .args(args)
            .env_remove("COMPOSE_FILE")
            .env_remove("COMPOSE_PROJECT_NAME")
            .env_remove("COMPOSE_PROFILES")
            .env_remove("DOCKER_DEFAULT_PLATFORM")
            .stdin(Stdio::null());
        command
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().expect("run rcompose")
    }

    /// Runs and requires success, showing the output when it fails.
    pub fn ok(&self, args: &[&str]) -> Output {
        let output = self.run(args);
        assert!(
            output.status.success(),
            "rcompose {args:?} failed ({}):\n{}{}",
            output.status,
            text(&output.stdout),
            text(&output.stderr)
        );
        output
    }

    /// The container name of the first replica of `service`.
    pub fn container(&self, service: &str) -> String {
        format!("{}-{service}-1", self.name)
    }
}

/// `docker inspect -f FORMAT OBJECT`, trimmed; the object must exist.
pub fn docker_inspect(object: &str, format: &str) -> String {
    let output = Command::new("docker")
        .args(["inspect", "-f", format, object])
        .output()
        .expect("docker inspect");
    assert!(
        output.status.success(),
        "docker inspect {object}: {}",
        text(&output.stderr)
    );
    text(&output.stdout).trim().to_string()
}
