//! Helpers for tests that talk to the real Docker engine: connect or skip (fail in CI), the test
//! image, unique project names, and a guard that removes a project's objects when it drops,
//! even when the test failed.
#![allow(dead_code)]

use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

pub mod project;

use rcompose::engine::{DockerEngine, Engine, ProjectFilter, RemoveContainerOptions};

/// The image the real-engine tests run; `scripts/test-image.sh` makes it without a registry.
pub const TEST_IMAGE: &str = "rcompose-test/busybox:latest";

/// The label the test image carries (the engine copies image labels onto containers).
pub const TEST_IMAGE_LABEL: (&str, &str) = ("org.rcompose.test-image", "busybox");

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|value| value == "true" || value == "1")
}

/// Builds the test image once per test process.
pub fn ensure_test_image() -> Result<(), String> {
    static RESULT: OnceLock<Result<(), String>> = OnceLock::new();
    RESULT
        .get_or_init(|| {
            let script = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/test-image.sh");
            let output = Command::new("bash")
                .arg(script)
                .output()
                .map_err(|error| format!("running {script}: {error}"))?;
            if output.status.success() {
                Ok(())
            } else {
                Err(format!(
                    "{script} failed ({}): {}",
                    output.status,
                    String::from_utf8_lossy(&output.stderr).trim()
                ))
            }
        })
        .clone()
}

/// The real engine, with the test image present; `None` (and a note on stderr) when no engine
/// answers outside CI. In CI (`CI=true`) a missing engine fails the test: engine tests never
/// skip silently there.
pub async fn real_engine(test: &str) -> Option<DockerEngine> {
    match DockerEngine::connect().await {
        Ok(engine) => {
            if let Err(error) = ensure_test_image() {
                panic!("{test}: the engine answers but the test image cannot be made: {error}");
            }
            Some(engine)
        }
        Err(error) if in_ci() => panic!("{test}: CI needs a Docker engine: {error}"),
        Err(error) => {
            // Once per process, and past the test harness's capture, so that it is seen.
            static SAID: std::sync::Once = std::sync::Once::new();
            SAID.call_once(|| {
                let note =
                    format!("note: skipping the real-engine tests ({test} first): {error}\n");
                let _ = std::io::Write::write_all(&mut std::io::stderr(), note.as_bytes());
            });
            None
        }
    }
}

/// A project name no other test (or run) uses: `rct-<label>-<pid>-<n>`.
pub fn unique_project(label: &str) -> String {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let stamp = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |now| now.subsec_nanos() % 10_000);
    format!("rct-{label}-{}-{n}-{stamp}", std::process::id())
}

/// Removes everything labelled with its projects when dropped: containers (with their anonymous
/// volumes), then networks, then volumes. It touches nothing else.
pub struct ProjectGuard {
    host: String,
    projects: Vec<String>,
}

impl ProjectGuard {
    pub fn new(engine: &DockerEngine) -> Self {
        ProjectGuard {
            host: engine.host().to_string(),
            projects: Vec::new(),
        }
    }

    /// Guards one more project.
    pub fn guard(&mut self, project: &str) {
        self.projects.push(project.to_string());
    }
}

impl Drop for ProjectGuard {
    fn drop(&mut self) {
        if self.projects.is_empty() {
            return;
        }
        // Drop cannot await, and may run inside a runtime (or during a panic): clean up on a
        // thread of its own with a runtime of its own.
        let host = self.host.clone();
        let projects = std::mem::take(&mut self.projects);
        let cleanup = std::thread::spawn(move || {
            let runtime = match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(runtime) => runtime,
                Err(error) => {
                    eprintln!("cleanup: no runtime: {error}");
                    return;
                }
            };
            runtime.block_on(async move {
                let engine = match DockerEngine::connect_to(&host, Duration::from_secs(10)).await {
                    Ok(engine) => engine,
                    Err(error) => {
                        eprintln!("cleanup: {error}");
                        return;
                    }
                };
                for project in &projects {
                    remove_project(&engine, project).await;
                }
            });
        });
        if cleanup.join().is_err() {
            eprintln!("cleanup: the cleanup thread panicked");
        }
    }
}

async fn remove_project(engine: &DockerEngine, project: &str) {
    let filter = ProjectFilter::new(project);
    if let Ok(containers) = engine.list_containers(&filter).await {
        for container in containers {
            let options = RemoveContainerOptions {
                force: true,
                volumes: true,
            };
            if let Err(error) = engine.remove_container(&container.id, options).await {
                if !error.is_not_found() {
                    eprintln!("cleanup: {error}");
                }
            }
        }
    }
    if let Ok(networks) = engine.list_networks(&filter).await {
        for network in networks {
            if let Err(error) = engine.remove_network(&network.id).await {
                if !error.is_not_found() {
                    eprintln!("cleanup: {error}");
                }
            }
        }
    }
    if let Ok(volumes) = engine.list_volumes(&filter).await {
        for volume in volumes {
            if let Err(error) = engine.remove_volume(&volume.name, true).await {
                if !error.is_not_found() {
                    eprintln!("cleanup: {error}");
                }
            }
        }
    }
}
