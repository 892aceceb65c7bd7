//! The pre-commit hook, run by the real `pre-commit` tool: a commit holding a broken compose
//! file is refused and the hook's output names the file, line and column.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

fn pre_commit() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("RCOMPOSE_PRE_COMMIT") {
        return Some(PathBuf::from(path));
    }
    let local = Path::new(env!("CARGO_MANIFEST_DIR")).join(".ci/venv/bin/pre-commit");
    local.is_file().then_some(local)
}

fn git(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.com")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.com")
        .output()
        .expect("git runs")
}

#[test]
fn pre_commit_hook_refuses_a_broken_compose_file() {
    let Some(pre_commit) = pre_commit() else {
        assert!(
            !common::required(),
            "pre-commit is required in CI (pip install pre-commit)"
        );
        eprintln!("skipped: pre-commit not found (set RCOMPOSE_PRE_COMMIT)");
        return;
    };
    let repo_root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let head = git(repo_root, &["rev-parse", "HEAD"]);
    assert!(
        head.status.success(),
        "the rcompose repository has a commit"
    );
    let rev = common::text(&head.stdout).trim().to_string();

    let work = tempdir("pre-commit");
    assert!(git(&work, &["init", "-q"]).status.success());
    std::fs::write(
        work.join(".pre-commit-config.yaml"),
        format!(
            "repos:\n  - repo: {}\n    rev: {rev}\n    hooks:\n      - id: rcompose-validate\n",
            repo_root.display()
        ),
    )
    .unwrap();
    std::fs::write(
        work.join("compose.yaml"),
        "services:\n  web:\n    image: busybox\n    enviroment:\n      A: 1\n",
    )
    .unwrap();
    assert!(git(&work, &["add", "."]).status.success());

    // Building the hook's rcompose is the slow part: share one target dir and one pre-commit
    // cache between runs.
    let cache = repo_root.join("target/pre-commit");
    let run = Command::new(&pre_commit)
        .args(["run", "--all-files", "--color", "never"])
        .current_dir(&work)
        .env("PRE_COMMIT_HOME", cache.join("home"))
        .env("CARGO_TARGET_DIR", cache.join("cargo-target"))
        // The hook's `cargo install` builds in release mode; for this test a quick unoptimised
        // build does (the hook's behaviour does not depend on it).
        .env("CARGO_PROFILE_RELEASE_LTO", "false")
        .env("CARGO_PROFILE_RELEASE_OPT_LEVEL", "0")
        .env("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "256")
        .env("CARGO_PROFILE_RELEASE_INCREMENTAL", "true")
        .env("NO_COLOR", "1")
        .output()
        .expect("pre-commit runs");
    let output = format!("{}{}", common::text(&run.stdout), common::text(&run.stderr));
    assert!(
        !run.status.success(),
        "the broken file must fail the hook:\n{output}"
    );
    assert!(output.contains("rcompose validate"), "{output}");
    assert!(
        output.contains("compose.yaml:4:5"),
        "location missing:\n{output}"
    );
    assert!(output.contains("enviroment"), "{output}");

    // And the commit itself is refused once the hook is installed.
    let install = Command::new(&pre_commit)
        .arg("install")
        .current_dir(&work)
        .env("PRE_COMMIT_HOME", cache.join("home"))
        .output()
        .unwrap();
    assert!(install.status.success());
    let mut commit = Command::new("git");
    commit
        .args(["commit", "-q", "-m", "broken"])
        .current_dir(&work)
        .env("PRE_COMMIT_HOME", cache.join("home"))
        .env("CARGO_TARGET_DIR", cache.join("cargo-target"))
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.com")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.com");
    let commit = commit.output().unwrap();
    assert!(!commit.status.success(), "the commit must be refused");
    assert!(
        git(&work, &["rev-parse", "HEAD"]).status.code() != Some(0),
        "no commit was made"
    );

    // Fixed, the same commit goes through.
    std::fs::write(
        work.join("compose.yaml"),
        "services:\n  web:\n    image: busybox\n",
    )
    .unwrap();
    assert!(git(&work, &["add", "."]).status.success());
    let fixed = Command::new(&pre_commit)
        .args(["run", "--all-files", "--color", "never"])
        .current_dir(&work)
        .env("PRE_COMMIT_HOME", cache.join("home"))
        .env("CARGO_TARGET_DIR", cache.join("cargo-target"))
        .output()
        .unwrap();
    assert!(fixed.status.success(), "{}", common::text(&fixed.stdout));
    let _ = std::fs::remove_dir_all(&work);
}

fn tempdir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "rcompose-{tag}-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
