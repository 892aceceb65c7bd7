//! The engine contract: every scenario runs against the in-memory fake and against the real
//! Docker engine, so the fake behaves as the engine does wherever the executor relies on it.
//!
//! Real-engine runs use a unique project per test and a guard that removes everything with that
//! project's label when the test ends, passed or failed. Without an engine they skip with a note,
//! except in CI (`CI=true`), where they fail.

mod support;

use std::collections::BTreeSet;
use std::future::Future;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use rcompose::engine::fake::Program;
use rcompose::engine::{
    ContainerSpec, ContainerStatus, DockerEngine, EndpointSpec, Engine, ErrorKind, FakeEngine,
    HealthStatus, HealthcheckSpec, ImageInfo, Ipam, IpamPool, Labels, LogLine, LogSource,
    LogsOptions, Mount, MountKind, NetworkSpec, ProjectFilter, RemoveContainerOptions, VolumeSpec,
    WaitCondition, PROJECT_LABEL,
};
use support::{ProjectGuard, TEST_IMAGE, TEST_IMAGE_LABEL};

const SERVICE_LABEL: &str = "com.docker.compose.service";

/// One engine under test, with what the scenarios need around it.
struct Harness<E: Engine> {
    engine: E,
    /// The fake again, to script what its containers do; `None` for the real engine, whose
    /// containers run their commands.
    fake: Option<FakeEngine>,
    guard: Option<ProjectGuard>,
    label: &'static str,
}

impl<E: Engine> Harness<E> {
    /// A fresh project name, cleaned up after the test on the real engine.
    fn project(&mut self) -> String {
        let project = support::unique_project(self.label);
        if let Some(guard) = &mut self.guard {
            guard.guard(&project);
        }
        project
    }

    /// What a fake container does when it starts (the real one runs its command).
    fn program(&self, container: &str, program: Program) {
        if let Some(fake) = &self.fake {
            fake.set_program(container, program);
        }
    }
}

fn fake_harness(label: &'static str) -> Harness<FakeEngine> {
    let engine = FakeEngine::new();
    engine.add_image_info(ImageInfo {
        id: "sha256:5eb1a9d1d2b7e0b1d7e5d6c7f8a9b0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7".into(),
        repo_tags: vec![TEST_IMAGE.into()],
        labels: Labels::from([(TEST_IMAGE_LABEL.0.into(), TEST_IMAGE_LABEL.1.into())]),
        os: "linux".into(),
        architecture: "amd64".into(),
        ..Default::default()
    });
    Harness {
        engine: engine.clone(),
        fake: Some(engine),
        guard: None,
        label,
    }
}

async fn real_harness(label: &'static str) -> Option<Harness<DockerEngine>> {
    let engine = support::real_engine(label).await?;
    let guard = ProjectGuard::new(&engine);
    Some(Harness {
        engine,
        fake: None,
        guard: Some(guard),
        label,
    })
}

/// Each scenario becomes a module with a `fake` and a `real` test.
macro_rules! contract {
    ($($scenario:ident),* $(,)?) => {$(
        mod $scenario {
            #[tokio::test]
            async fn fake() {
                super::$scenario(super::fake_harness(stringify!($scenario))).await;
            }

            #[tokio::test]
            async fn real() {
                if let Some(harness) = super::real_harness(stringify!($scenario)).await {
                    super::$scenario(harness).await;
                }
            }
        }
    )*};
}

contract!(
    ping_and_version,
    lists_see_only_their_project,
    container_lifecycle,
    kill_and_wait,
    exit_code_and_logs,
    followed_logs_end_when_the_container_stops,
    wait_for_removal,
    health_check_status_and_output,
    restart_runs_again,
    missing_objects_are_not_found,
    name_conflicts,
    objects_in_use,
    connect_with_aliases_and_address,
    endpoints_at_creation_follow_the_api_version,
    a_missing_network_fails_the_start,
    summaries_carry_command_and_ports,
    compose_containers_of_every_project,
    remove_image_untags_and_refuses_images_in_use,
);

// ---------------------------------------------------------------------------------------------
// helpers

fn labels(project: &str, service: &str) -> Labels {
    Labels::from([
        (PROJECT_LABEL.to_string(), project.to_string()),
        (SERVICE_LABEL.to_string(), service.to_string()),
    ])
}

fn project_labels(project: &str) -> Labels {
    Labels::from([(PROJECT_LABEL.to_string(), project.to_string())])
}

/// A container that sleeps; `init` so that a stop is quick (sleep as PID 1 ignores SIGTERM).
fn sleeper(project: &str, service: &str) -> ContainerSpec {
    ContainerSpec {
        name: format!("{project}-{service}-1"),
        image: TEST_IMAGE.into(),
        cmd: Some(vec!["sleep".into(), "300".into()]),
        init: Some(true),
        labels: labels(project, service),
        ..Default::default()
    }
}

fn shell(project: &str, service: &str, script: &str) -> ContainerSpec {
    ContainerSpec {
        cmd: Some(vec!["sh".into(), "-c".into(), script.into()]),
        ..sleeper(project, service)
    }
}

async fn create_network<E: Engine>(engine: &E, project: &str, name: &str) -> String {
    let spec = NetworkSpec {
        name: format!("{project}_{name}"),
        labels: project_labels(project),
        ..Default::default()
    };
    engine.create_network(&spec).await.expect("network created")
}

async fn status_of<E: Engine>(engine: &E, container: &str) -> ContainerStatus {
    engine
        .inspect_container(container)
        .await
        .expect("inspect")
        .state
        .status
}

/// Polls `check` until it returns `Some`, for at most `limit`.
async fn eventually<T, F, Fut>(limit: Duration, mut check: F) -> Option<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let start = Instant::now();
    loop {
        if let Some(value) = check().await {
            return Some(value);
        }
        if start.elapsed() > limit {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn collect_logs<E: Engine>(
    engine: &E,
    container: &str,
    options: &LogsOptions,
) -> Vec<LogLine> {
    let stream = engine
        .container_logs(container, options)
        .await
        .expect("logs");
    let lines = tokio::time::timeout(Duration::from_secs(30), stream.collect::<Vec<_>>())
        .await
        .expect("the log stream ends");
    lines
        .into_iter()
        .map(|line| line.expect("a log line"))
        .collect()
}

fn assert_kind<T: std::fmt::Debug>(
    result: Result<T, rcompose::engine::EngineError>,
    kind: ErrorKind,
    mentions: &str,
) {
    let error = result.expect_err("an error");
    assert_eq!(error.kind(), kind, "unexpected kind for: {error}");
    assert!(
        error.to_string().contains(mentions),
        "`{error}` should mention `{mentions}`"
    );
}

// ---------------------------------------------------------------------------------------------
// scenarios

async fn ping_and_version<E: Engine>(harness: Harness<E>) {
    let engine = &harness.engine;
    engine.ping().await.expect("ping");
    let version = engine.version().await.expect("version");
    assert!(!version.version.is_empty());
    assert!(version.api_at_least(1, 41), "{version:?}");
    assert!(
        rcompose::engine::api_at_least(&version.api_version, 1, 41),
        "{version:?}"
    );
    // The client never speaks a newer API than the engine.
    let engine_api: Vec<u32> = version
        .api_version
        .split('.')
        .map(|part| part.parse().unwrap_or(0))
        .collect();
    let client_api: Vec<u32> = version
        .client_api_version
        .split('.')
        .map(|part| part.parse().unwrap_or(0))
        .collect();
    assert!(client_api <= engine_api, "{version:?}");
}

async fn lists_see_only_their_project<E: Engine>(mut harness: Harness<E>) {
    let mine = harness.project();
    let theirs = harness.project();
    let engine = &harness.engine;
    for project in [&mine, &theirs] {
        create_network(engine, project, "default").await;
        let volume = VolumeSpec {
            name: format!("{project}_data"),
            labels: project_labels(project),
            ..Default::default()
        };
        engine.create_volume(&volume).await.expect("volume created");
        for service in ["web", "db"] {
            let spec = ContainerSpec {
                network_mode: Some(format!("{project}_default")),
                ..sleeper(project, service)
            };
            engine
                .create_container(&spec)
                .await
                .expect("container created");
        }
    }

    let filter = ProjectFilter::new(&mine);
    let containers = engine.list_containers(&filter).await.expect("containers");
    let names: Vec<&str> = containers.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, [format!("{mine}-db-1"), format!("{mine}-web-1")]);
    for container in &containers {
        assert_eq!(container.labels.get(PROJECT_LABEL), Some(&mine));
        assert_eq!(container.status, ContainerStatus::Created);
        assert_eq!(container.image, TEST_IMAGE);
        assert!(container.id.len() >= 12);
    }

    let networks = engine.list_networks(&filter).await.expect("networks");
    let names: Vec<&str> = networks.iter().map(|n| n.name.as_str()).collect();
    assert_eq!(names, [format!("{mine}_default")]);
    assert_eq!(networks[0].labels, project_labels(&mine));

    let volumes = engine.list_volumes(&filter).await.expect("volumes");
    let names: Vec<&str> = volumes.iter().map(|v| v.name.as_str()).collect();
    assert_eq!(names, [format!("{mine}_data")]);
    assert_eq!(volumes[0].labels, project_labels(&mine));
    assert_eq!(volumes[0].driver, "local");

    // Narrowed by one more label.
    let web = filter.clone().with_label(SERVICE_LABEL, "web");
    let containers = engine.list_containers(&web).await.expect("containers");
    let names: Vec<&str> = containers.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, [format!("{mine}-web-1")]);
    let keyed = filter.with_label_key("com.docker.compose.oneoff");
    assert!(engine
        .list_containers(&keyed)
        .await
        .expect("containers")
        .is_empty());

    // A project that has nothing.
    let nobody = ProjectFilter::new(support::unique_project("nobody"));
    assert!(engine
        .list_containers(&nobody)
        .await
        .expect("containers")
        .is_empty());
    assert!(engine
        .list_networks(&nobody)
        .await
        .expect("networks")
        .is_empty());
    assert!(engine
        .list_volumes(&nobody)
        .await
        .expect("volumes")
        .is_empty());
}

async fn container_lifecycle<E: Engine>(mut harness: Harness<E>) {
    let project = harness.project();
    let engine = &harness.engine;
    let network = format!("{project}_default");
    create_network(engine, &project, "default").await;
    let volume = format!("{project}_data");
    engine
        .create_volume(&VolumeSpec {
            name: volume.clone(),
            labels: project_labels(&project),
            ..Default::default()
        })
        .await
        .expect("volume");
    let spec = ContainerSpec {
        env: vec!["GREETING=hello".into()],
        network_mode: Some(network.clone()),
        endpoints: vec![EndpointSpec {
            network: network.clone(),
            aliases: vec!["web".into()],
            ..Default::default()
        }],
        mounts: vec![Mount {
            kind: MountKind::Volume,
            source: Some(volume.clone()),
            target: "/data".into(),
            ..Default::default()
        }],
        ..sleeper(&project, "web")
    };
    let name = spec.name.clone();
    let id = engine.create_container(&spec).await.expect("created");

    let created = engine.inspect_container(&name).await.expect("inspect");
    assert_eq!(created.id, id);
    assert_eq!(created.name, name);
    assert_eq!(created.image, TEST_IMAGE);
    assert_eq!(created.state.status, ContainerStatus::Created);
    assert!(!created.state.running);
    assert_eq!(created.state.health, None);
    assert_eq!(created.network_mode, network);
    for (key, value) in &spec.labels {
        assert_eq!(created.labels.get(key), Some(value), "label {key}");
    }
    assert_eq!(
        created.labels.get(TEST_IMAGE_LABEL.0).map(String::as_str),
        Some(TEST_IMAGE_LABEL.1),
        "the image's labels are the container's too"
    );
    let endpoint = created.networks.get(&network).expect("attached");
    assert!(endpoint.aliases.contains(&"web".to_string()));
    let mount = created
        .mounts
        .iter()
        .find(|mount| mount.destination == "/data")
        .expect("the volume is mounted");
    assert_eq!(mount.kind, "volume");
    assert_eq!(mount.name.as_deref(), Some(volume.as_str()));
    assert!(mount.read_write);
    // By id as well as by name.
    assert_eq!(
        engine.inspect_container(&id).await.expect("by id").name,
        name
    );

    engine.start_container(&name).await.expect("started");
    let running = engine.inspect_container(&name).await.expect("inspect");
    assert_eq!(running.state.status, ContainerStatus::Running);
    assert!(running.state.running);
    assert!(running.state.pid > 0);
    assert!(!running.networks[&network].ipv4_address.is_empty());
    // Starting a running container does nothing.
    engine.start_container(&name).await.expect("started again");

    engine
        .stop_container(&name, Some(Duration::from_secs(5)))
        .await
        .expect("stopped");
    let stopped = engine.inspect_container(&name).await.expect("inspect");
    assert_eq!(stopped.state.status, ContainerStatus::Exited);
    assert!(!stopped.state.running);
    assert_ne!(stopped.state.finished_at, "0001-01-01T00:00:00Z");
    // Stopping a stopped container does nothing.
    engine
        .stop_container(&name, Some(Duration::from_secs(1)))
        .await
        .expect("stopped again");

    engine
        .remove_container(&name, RemoveContainerOptions::default())
        .await
        .expect("removed");
    assert_kind(
        engine.inspect_container(&name).await,
        ErrorKind::NotFound,
        &name,
    );
    assert_kind(
        engine
            .remove_container(&name, RemoveContainerOptions::default())
            .await,
        ErrorKind::NotFound,
        "removing container",
    );
    // The named volume outlives the container.
    engine.inspect_volume(&volume).await.expect("volume kept");
}

async fn kill_and_wait<E: Engine>(mut harness: Harness<E>) {
    let project = harness.project();
    let engine = &harness.engine;
    let spec = sleeper(&project, "web");
    engine.create_container(&spec).await.expect("created");
    engine.start_container(&spec.name).await.expect("started");
    assert_kind(
        engine.kill_container(&spec.name, Some("SIGNOPE")).await,
        ErrorKind::InvalidArgument,
        "Invalid signal",
    );
    engine
        .kill_container(&spec.name, None)
        .await
        .expect("killed");
    let code = engine
        .wait_container(&spec.name, WaitCondition::NotRunning)
        .await
        .expect("waited");
    assert_eq!(code, 137);
    let info = engine.inspect_container(&spec.name).await.expect("inspect");
    assert_eq!(info.state.status, ContainerStatus::Exited);
    assert_eq!(info.state.exit_code, 137);
    assert_kind(
        engine.kill_container(&spec.name, None).await,
        ErrorKind::Conflict,
        "is not running",
    );
    // Waiting for a container that is not running returns at once.
    let code = tokio::time::timeout(
        Duration::from_secs(10),
        engine.wait_container(&spec.name, WaitCondition::NotRunning),
    )
    .await
    .expect("returns at once")
    .expect("waited");
    assert_eq!(code, 137);
}

async fn exit_code_and_logs<E: Engine>(mut harness: Harness<E>) {
    let project = harness.project();
    // stdout and stderr reach the log through two pipes: the pause keeps `last` last.
    let spec = shell(
        &project,
        "job",
        "echo out; echo err >&2; sleep 0.5; echo last; exit 3",
    );
    harness.program(
        &spec.name,
        Program {
            output: vec![
                (LogSource::Stdout, "out".into()),
                (LogSource::Stderr, "err".into()),
                (LogSource::Stdout, "last".into()),
            ],
            exit_code: Some(3),
            ..Default::default()
        },
    );
    let engine = &harness.engine;
    engine.create_container(&spec).await.expect("created");
    engine.start_container(&spec.name).await.expect("started");
    let code = engine
        .wait_container(&spec.name, WaitCondition::NotRunning)
        .await
        .expect("waited");
    assert_eq!(code, 3);
    let info = engine.inspect_container(&spec.name).await.expect("inspect");
    assert_eq!(info.state.status, ContainerStatus::Exited);
    assert_eq!(info.state.exit_code, 3);

    let all = collect_logs(engine, &spec.name, &LogsOptions::default()).await;
    let by_source: BTreeSet<(String, String)> = all
        .iter()
        .map(|line| (format!("{:?}", line.source), line.message.clone()))
        .collect();
    assert_eq!(
        by_source,
        BTreeSet::from([
            ("Stdout".to_string(), "out\n".to_string()),
            ("Stdout".to_string(), "last\n".to_string()),
            ("Stderr".to_string(), "err\n".to_string()),
        ])
    );
    assert!(all.iter().all(|line| line.timestamp.is_none()));

    let stdout_only = LogsOptions {
        stderr: false,
        ..Default::default()
    };
    let lines = collect_logs(engine, &spec.name, &stdout_only).await;
    let messages: Vec<&str> = lines.iter().map(|line| line.message.as_str()).collect();
    assert_eq!(messages, ["out\n", "last\n"]);

    let tail = LogsOptions {
        tail: Some(1),
        timestamps: true,
        ..Default::default()
    };
    let lines = collect_logs(engine, &spec.name, &tail).await;
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0].message, "last\n");
    assert_eq!(lines[0].source, LogSource::Stdout);
    let stamp = lines[0].timestamp.as_deref().expect("a time stamp");
    assert!(stamp.ends_with('Z') && stamp.contains('T'), "{stamp}");

    assert_kind(
        engine
            .container_logs(&format!("{project}-ghost-1"), &LogsOptions::default())
            .await
            .map(|_| ()),
        ErrorKind::NotFound,
        "reading the logs of container",
    );
}

async fn followed_logs_end_when_the_container_stops<E: Engine>(mut harness: Harness<E>) {
    let project = harness.project();
    let spec = shell(&project, "job", "echo one; sleep 1; echo two");
    harness.program(
        &spec.name,
        Program {
            output: vec![
                (LogSource::Stdout, "one".into()),
                (LogSource::Stdout, "two".into()),
            ],
            exit_code: Some(0),
            ..Default::default()
        },
    );
    let engine = &harness.engine;
    engine.create_container(&spec).await.expect("created");
    engine.start_container(&spec.name).await.expect("started");
    let follow = LogsOptions {
        follow: true,
        ..Default::default()
    };
    let lines = collect_logs(engine, &spec.name, &follow).await;
    let messages: Vec<&str> = lines.iter().map(|line| line.message.as_str()).collect();
    assert_eq!(messages, ["one\n", "two\n"]);
    assert_eq!(status_of(engine, &spec.name).await, ContainerStatus::Exited);
}

async fn wait_for_removal<E: Engine>(mut harness: Harness<E>) {
    let project = harness.project();
    let engine = &harness.engine;
    let spec = sleeper(&project, "web");
    engine.create_container(&spec).await.expect("created");
    engine.start_container(&spec.name).await.expect("started");
    let (waited, removed) = tokio::join!(
        engine.wait_container(&spec.name, WaitCondition::Removed),
        async {
            tokio::time::sleep(Duration::from_millis(300)).await;
            engine
                .remove_container(
                    &spec.name,
                    RemoveContainerOptions {
                        force: true,
                        volumes: true,
                    },
                )
                .await
        }
    );
    removed.expect("removed");
    assert_eq!(waited.expect("waited"), 137);
    assert_kind(
        engine
            .wait_container(&spec.name, WaitCondition::NotRunning)
            .await,
        ErrorKind::NotFound,
        "waiting for container",
    );
}

async fn health_check_status_and_output<E: Engine>(mut harness: Harness<E>) {
    let project = harness.project();
    let spec = ContainerSpec {
        healthcheck: Some(HealthcheckSpec {
            test: vec!["CMD-SHELL".into(), "echo ok".into()],
            interval: Some(Duration::from_millis(500)),
            timeout: Some(Duration::from_secs(5)),
            retries: Some(3),
            ..Default::default()
        }),
        ..sleeper(&project, "web")
    };
    harness.program(
        &spec.name,
        Program {
            health: Some((HealthStatus::Healthy, "ok\n".into())),
            ..Default::default()
        },
    );
    let engine = &harness.engine;
    engine.create_container(&spec).await.expect("created");
    engine.start_container(&spec.name).await.expect("started");
    let health = eventually(Duration::from_secs(30), || async {
        let info = engine.inspect_container(&spec.name).await.ok()?;
        info.state
            .health
            .filter(|health| health.status == HealthStatus::Healthy)
    })
    .await
    .expect("healthy in time");
    assert_eq!(health.last_output.as_deref(), Some("ok\n"));
    assert_eq!(health.last_exit_code, Some(0));
    assert_eq!(health.failing_streak, 0);
}

async fn restart_runs_again<E: Engine>(mut harness: Harness<E>) {
    let project = harness.project();
    let engine = &harness.engine;
    let spec = sleeper(&project, "web");
    engine.create_container(&spec).await.expect("created");
    engine.start_container(&spec.name).await.expect("started");
    let before = engine.inspect_container(&spec.name).await.expect("inspect");
    tokio::time::sleep(Duration::from_millis(20)).await;
    engine
        .restart_container(&spec.name, Some(Duration::from_secs(5)))
        .await
        .expect("restarted");
    let after = engine.inspect_container(&spec.name).await.expect("inspect");
    assert!(after.state.running);
    assert_ne!(before.state.started_at, after.state.started_at);
    // A stopped container restarts too.
    engine
        .stop_container(&spec.name, Some(Duration::from_secs(5)))
        .await
        .expect("stopped");
    engine
        .restart_container(&spec.name, Some(Duration::from_secs(5)))
        .await
        .expect("restarted");
    assert_eq!(
        status_of(engine, &spec.name).await,
        ContainerStatus::Running
    );
}

async fn missing_objects_are_not_found<E: Engine>(mut harness: Harness<E>) {
    let project = harness.project();
    let engine = &harness.engine;
    let ghost = format!("{project}-ghost-1");
    assert_kind(
        engine.inspect_container(&ghost).await,
        ErrorKind::NotFound,
        &ghost,
    );
    assert_kind(
        engine.start_container(&ghost).await,
        ErrorKind::NotFound,
        &format!("starting container `{ghost}`"),
    );
    assert_kind(
        engine.stop_container(&ghost, None).await,
        ErrorKind::NotFound,
        "stopping container",
    );
    assert_kind(
        engine.kill_container(&ghost, None).await,
        ErrorKind::NotFound,
        "killing container",
    );
    assert_kind(
        engine
            .remove_container(&ghost, RemoveContainerOptions::default())
            .await,
        ErrorKind::NotFound,
        "removing container",
    );
    let network = format!("{project}_ghost");
    assert_kind(
        engine.inspect_network(&network).await,
        ErrorKind::NotFound,
        &network,
    );
    assert_kind(
        engine.remove_network(&network).await,
        ErrorKind::NotFound,
        &network,
    );
    let volume = format!("{project}_ghost");
    assert_kind(
        engine.inspect_volume(&volume).await,
        ErrorKind::NotFound,
        &volume,
    );
    assert_kind(
        engine.remove_volume(&volume, false).await,
        ErrorKind::NotFound,
        &volume,
    );

    let image = "rcompose-test/no-such-image:latest";
    assert_kind(
        engine.inspect_image(image).await,
        ErrorKind::NotFound,
        image,
    );
    assert!(!engine.image_exists(image).await.expect("asked"));
    assert!(engine.image_exists(TEST_IMAGE).await.expect("asked"));
    let info = engine.inspect_image(TEST_IMAGE).await.expect("inspect");
    assert!(info.repo_tags.contains(&TEST_IMAGE.to_string()));
    assert!(info.id.starts_with("sha256:"));

    let spec = ContainerSpec {
        image: image.into(),
        ..sleeper(&project, "web")
    };
    assert_kind(
        engine.create_container(&spec).await,
        ErrorKind::NotFound,
        &format!("creating container `{}`: No such image", spec.name),
    );
    // Nothing was left behind by the failures.
    let filter = ProjectFilter::new(&project);
    assert!(engine
        .list_containers(&filter)
        .await
        .expect("containers")
        .is_empty());
}

async fn name_conflicts<E: Engine>(mut harness: Harness<E>) {
    let project = harness.project();
    let engine = &harness.engine;
    let spec = sleeper(&project, "web");
    let id = engine.create_container(&spec).await.expect("created");
    assert_kind(
        engine.create_container(&spec).await,
        ErrorKind::Conflict,
        &format!("creating container `{}`: Conflict", spec.name),
    );
    let invalid = ContainerSpec {
        name: "not a name".into(),
        ..sleeper(&project, "web")
    };
    assert_kind(
        engine.create_container(&invalid).await,
        ErrorKind::InvalidArgument,
        "Invalid container name",
    );
    let containers = engine
        .list_containers(&ProjectFilter::new(&project))
        .await
        .expect("containers");
    assert_eq!(containers.len(), 1);
    assert_eq!(containers[0].id, id);

    create_network(engine, &project, "default").await;
    let network = NetworkSpec {
        name: format!("{project}_default"),
        labels: project_labels(&project),
        ..Default::default()
    };
    assert_kind(
        engine.create_network(&network).await,
        ErrorKind::Conflict,
        "already exists",
    );
    let networks = engine
        .list_networks(&ProjectFilter::new(&project))
        .await
        .expect("networks");
    assert_eq!(networks.len(), 1, "no duplicate network was made");

    // Creating an existing volume returns it unchanged, as the engine does.
    let mut volume = VolumeSpec {
        name: format!("{project}_data"),
        labels: project_labels(&project),
        ..Default::default()
    };
    volume.labels.insert("first".into(), "yes".into());
    engine.create_volume(&volume).await.expect("created");
    volume.labels.remove("first");
    let again = engine.create_volume(&volume).await.expect("created again");
    assert_eq!(again.name, volume.name);
    let kept = engine.inspect_volume(&volume.name).await.expect("inspect");
    assert_eq!(kept.labels.get("first").map(String::as_str), Some("yes"));
}

async fn objects_in_use<E: Engine>(mut harness: Harness<E>) {
    let project = harness.project();
    let engine = &harness.engine;
    let network = format!("{project}_default");
    create_network(engine, &project, "default").await;
    let volume = format!("{project}_data");
    engine
        .create_volume(&VolumeSpec {
            name: volume.clone(),
            labels: project_labels(&project),
            ..Default::default()
        })
        .await
        .expect("volume");
    let spec = ContainerSpec {
        network_mode: Some(network.clone()),
        mounts: vec![Mount {
            kind: MountKind::Volume,
            source: Some(volume.clone()),
            target: "/data".into(),
            ..Default::default()
        }],
        ..sleeper(&project, "web")
    };
    engine.create_container(&spec).await.expect("created");

    // A created container holds its volume but not its network.
    assert_kind(
        engine.remove_volume(&volume, false).await,
        ErrorKind::Conflict,
        "volume is in use",
    );

    engine.start_container(&spec.name).await.expect("started");
    assert_kind(
        engine.remove_network(&network).await,
        ErrorKind::Conflict,
        "active endpoints",
    );
    assert_kind(
        engine
            .remove_container(&spec.name, RemoveContainerOptions::default())
            .await,
        ErrorKind::Conflict,
        "cannot remove a running container",
    );
    engine
        .remove_container(
            &spec.name,
            RemoveContainerOptions {
                force: true,
                volumes: true,
            },
        )
        .await
        .expect("force removed");
    engine
        .remove_network(&network)
        .await
        .expect("network removed");
    engine
        .remove_volume(&volume, false)
        .await
        .expect("volume removed");
    let filter = ProjectFilter::new(&project);
    assert!(engine
        .list_networks(&filter)
        .await
        .expect("networks")
        .is_empty());
    assert!(engine
        .list_volumes(&filter)
        .await
        .expect("volumes")
        .is_empty());
}

async fn connect_with_aliases_and_address<E: Engine>(mut harness: Harness<E>) {
    let project = harness.project();
    let engine = &harness.engine;
    create_network(engine, &project, "default").await;
    // A subnet of our own so the address can be chosen: from 172.16.0.0/16, which the engine's
    // default pools (172.17-31, 192.168) never hand out; another test or run may hold one.
    let backend = format!("{project}_back");
    let mut subnet_prefix = None;
    let seed = usize::try_from(std::process::id()).unwrap_or(0);
    for attempt in 0..20 {
        let octet = 16 + (seed + attempt * 37) % 230;
        let prefix = format!("172.16.{octet}");
        let spec = NetworkSpec {
            name: backend.clone(),
            labels: project_labels(&project),
            ipam: Some(Ipam {
                config: vec![IpamPool {
                    subnet: Some(format!("{prefix}.0/24")),
                    gateway: Some(format!("{prefix}.1")),
                    ..Default::default()
                }],
                ..Default::default()
            }),
            ..Default::default()
        };
        match engine.create_network(&spec).await {
            Ok(_) => {
                subnet_prefix = Some(prefix);
                break;
            }
            Err(error) if error.message().contains("overlap") => continue,
            Err(error) => panic!("creating the backend network: {error}"),
        }
    }
    let prefix = subnet_prefix.expect("a free subnet");
    let info = engine.inspect_network(&backend).await.expect("inspect");
    assert_eq!(info.name, backend);
    assert_eq!(info.driver, "bridge");
    assert_eq!(
        info.ipam.config[0].subnet.as_deref(),
        Some(format!("{prefix}.0/24").as_str())
    );

    let spec = ContainerSpec {
        network_mode: Some(format!("{project}_default")),
        ..sleeper(&project, "db")
    };
    engine.create_container(&spec).await.expect("created");
    let address = format!("{prefix}.10");
    let endpoint = EndpointSpec {
        network: backend.clone(),
        aliases: vec!["database".into(), "db".into()],
        ipv4_address: Some(address.clone()),
        ..Default::default()
    };
    engine
        .connect_network(&spec.name, &endpoint)
        .await
        .expect("connected");
    engine.start_container(&spec.name).await.expect("started");

    let info = engine.inspect_container(&spec.name).await.expect("inspect");
    let attached = info
        .networks
        .get(&backend)
        .expect("attached to the backend");
    assert_eq!(attached.ipv4_address, address);
    for alias in ["database", "db"] {
        assert!(
            attached.aliases.contains(&alias.to_string()),
            "{attached:?}"
        );
    }
    // A running container cannot join a network that does not exist.
    assert_kind(
        engine
            .connect_network(
                &spec.name,
                &EndpointSpec {
                    network: format!("{project}_nowhere"),
                    ..Default::default()
                },
            )
            .await,
        ErrorKind::NotFound,
        &format!(
            "connecting container `{}` to network `{project}_nowhere`",
            spec.name
        ),
    );
    let members = engine.inspect_network(&backend).await.expect("inspect");
    let member = members.containers.get(&info.id).expect("a member");
    assert_eq!(member.name, spec.name);
    assert_eq!(member.ipv4_address, format!("{address}/24"));

    engine
        .disconnect_network(&backend, &spec.name, false)
        .await
        .expect("disconnected");
    let info = engine.inspect_container(&spec.name).await.expect("inspect");
    assert!(!info.networks.contains_key(&backend));
    assert!(info.networks.contains_key(&format!("{project}_default")));
}

async fn endpoints_at_creation_follow_the_api_version<E: Engine>(mut harness: Harness<E>) {
    let project = harness.project();
    let engine = &harness.engine;
    let front = format!("{project}_front");
    let back = format!("{project}_back");
    create_network(engine, &project, "front").await;
    create_network(engine, &project, "back").await;
    let spec = ContainerSpec {
        network_mode: Some(front.clone()),
        endpoints: vec![
            EndpointSpec {
                network: front.clone(),
                aliases: vec!["web".into()],
                ..Default::default()
            },
            EndpointSpec {
                network: back.clone(),
                aliases: vec!["web".into()],
                ..Default::default()
            },
        ],
        ..sleeper(&project, "web")
    };
    let version = engine.version().await.expect("version");
    let result = engine.create_container(&spec).await;
    if version.api_at_least(1, 44) {
        result.expect("created with both endpoints");
        let info = engine.inspect_container(&spec.name).await.expect("inspect");
        assert!(info.networks.contains_key(&front) && info.networks.contains_key(&back));
    } else {
        assert_kind(
            result,
            ErrorKind::InvalidArgument,
            "cannot be connected to network endpoints",
        );
        // One endpoint at creation, the other by connecting.
        let one = ContainerSpec {
            endpoints: spec.endpoints[..1].to_vec(),
            ..spec.clone()
        };
        engine.create_container(&one).await.expect("created");
        engine
            .connect_network(&one.name, &spec.endpoints[1])
            .await
            .expect("connected");
        let info = engine.inspect_container(&one.name).await.expect("inspect");
        assert!(info.networks.contains_key(&front) && info.networks.contains_key(&back));
    }
}

async fn a_missing_network_fails_the_start<E: Engine>(mut harness: Harness<E>) {
    let project = harness.project();
    let engine = &harness.engine;
    // The engine takes a network name it does not know at creation and when connecting a
    // container that is not running; the start is what fails.
    let nowhere = format!("{project}_nowhere");
    let spec = ContainerSpec {
        network_mode: Some(nowhere.clone()),
        ..sleeper(&project, "web")
    };
    engine.create_container(&spec).await.expect("created");
    assert_kind(
        engine.start_container(&spec.name).await,
        ErrorKind::NotFound,
        &format!(
            "starting container `{}`: network {nowhere} not found",
            spec.name
        ),
    );

    let network = format!("{project}_default");
    create_network(engine, &project, "default").await;
    let other = ContainerSpec {
        network_mode: Some(network.clone()),
        ..sleeper(&project, "db")
    };
    engine.create_container(&other).await.expect("created");
    let elsewhere = format!("{project}_elsewhere");
    engine
        .connect_network(
            &other.name,
            &EndpointSpec {
                network: elsewhere.clone(),
                ..Default::default()
            },
        )
        .await
        .expect("accepted while not running");
    assert_kind(
        engine.start_container(&other.name).await,
        ErrorKind::NotFound,
        &format!("network {elsewhere} not found"),
    );
    assert_ne!(
        status_of(engine, &other.name).await,
        ContainerStatus::Running
    );
}

/// The guard removes a project's objects even when the test that made them panics.
#[tokio::test]
async fn the_guard_cleans_up_after_a_failing_test() {
    let Some(engine) = support::real_engine("the_guard_cleans_up_after_a_failing_test").await
    else {
        return;
    };
    let project = support::unique_project("guard");
    let failing = {
        let engine = engine.clone();
        let project = project.clone();
        tokio::spawn(async move {
            let mut guard = ProjectGuard::new(&engine);
            guard.guard(&project);
            let network = create_network(&engine, &project, "default").await;
            engine
                .create_volume(&VolumeSpec {
                    name: format!("{project}_data"),
                    labels: project_labels(&project),
                    ..Default::default()
                })
                .await
                .expect("volume");
            let spec = ContainerSpec {
                network_mode: Some(network),
                ..sleeper(&project, "web")
            };
            engine.create_container(&spec).await.expect("created");
            engine.start_container(&spec.name).await.expect("started");
            panic!("a test that fails with its objects in place");
        })
    };
    assert!(failing.await.expect_err("the task panicked").is_panic());
    let filter = ProjectFilter::new(&project);
    assert!(engine
        .list_containers(&filter)
        .await
        .expect("containers")
        .is_empty());
    assert!(engine
        .list_networks(&filter)
        .await
        .expect("networks")
        .is_empty());
    assert!(engine
        .list_volumes(&filter)
        .await
        .expect("volumes")
        .is_empty());
}

/// Real engine only: a container made from a spec with most fields set starts, and the engine
/// stored each field as compose would have it (read back with `docker inspect`).
#[tokio::test]
async fn a_full_spec_reaches_the_engine_intact() {
    let test = "a_full_spec_reaches_the_engine_intact";
    let Some(engine) = support::real_engine(test).await else {
        return;
    };
    let docker_cli_works = std::process::Command::new("docker")
        .arg("version")
        .output()
        .is_ok_and(|output| output.status.success());
    if !docker_cli_works {
        eprintln!("skipping {test}: no docker command to inspect with");
        return;
    }
    let mut guard = ProjectGuard::new(&engine);
    let project = support::unique_project("full");
    guard.guard(&project);
    let network = format!("{project}_default");
    create_network(&engine, &project, "default").await;
    let volume = format!("{project}_data");
    engine
        .create_volume(&VolumeSpec {
            name: volume.clone(),
            labels: project_labels(&project),
            ..Default::default()
        })
        .await
        .expect("volume");

    use rcompose::engine::{
        BindOptions, DeviceMapping, LogConfig, PortBinding, Protocol, Resources, RestartPolicy,
        RestartPolicyName, TmpfsOptions, Ulimit, VolumeOptions,
    };
    let spec = ContainerSpec {
        hostname: Some("box".into()),
        domainname: Some("example.internal".into()),
        user: Some("nobody".into()),
        working_dir: Some("/tmp".into()),
        env: vec!["A=1".into(), "B=two words".into()],
        entrypoint: Some(vec!["sh".into(), "-c".into()]),
        cmd: Some(vec!["sleep 300".into()]),
        exposed_ports: vec!["9000/tcp".into()],
        port_bindings: vec![
            PortBinding {
                container_port: 80,
                protocol: Protocol::Tcp,
                host_ip: Some("127.0.0.1".into()),
                host_port: None,
            },
            PortBinding {
                container_port: 53,
                protocol: Protocol::Udp,
                host_ip: Some("127.0.0.1".into()),
                host_port: None,
            },
        ],
        mounts: vec![
            Mount {
                kind: MountKind::Volume,
                source: Some(volume.clone()),
                target: "/data".into(),
                volume: Some(VolumeOptions {
                    no_copy: true,
                    ..Default::default()
                }),
                ..Default::default()
            },
            Mount {
                kind: MountKind::Bind,
                source: Some("/tmp".into()),
                target: "/hosttmp".into(),
                read_only: true,
                bind: Some(BindOptions {
                    propagation: Some("rprivate".into()),
                    ..Default::default()
                }),
                ..Default::default()
            },
            Mount {
                kind: MountKind::Tmpfs,
                target: "/scratch".into(),
                tmpfs: Some(TmpfsOptions {
                    size_bytes: Some(1 << 20),
                    mode: Some(0o1777),
                }),
                ..Default::default()
            },
        ],
        tmpfs: Labels::from([("/run/extra".into(), "size=65536".into())]),
        restart_policy: Some(RestartPolicy {
            name: RestartPolicyName::OnFailure,
            maximum_retry_count: 3,
        }),
        stop_signal: Some("SIGINT".into()),
        stop_timeout: Some(Duration::from_secs(7)),
        healthcheck: Some(HealthcheckSpec {
            test: vec!["CMD".into(), "true".into()],
            interval: Some(Duration::from_secs(30)),
            timeout: Some(Duration::from_secs(3)),
            start_period: Some(Duration::from_secs(1)),
            retries: Some(2),
            ..Default::default()
        }),
        log_config: Some(LogConfig {
            driver: "json-file".into(),
            options: Labels::from([("max-size".into(), "1m".into())]),
        }),
        cap_add: vec!["NET_ADMIN".into()],
        cap_drop: vec!["MKNOD".into()],
        security_opt: vec!["no-new-privileges:true".into()],
        read_only: true,
        shm_size: Some(64 << 20),
        tty: true,
        open_stdin: true,
        extra_hosts: vec!["somehost:127.0.0.2".into()],
        dns: vec!["127.0.0.1".into()],
        dns_search: vec!["example.internal".into()],
        dns_options: vec!["ndots:2".into()],
        group_add: vec!["100".into()],
        oom_score_adj: Some(100),
        network_mode: Some(network.clone()),
        endpoints: vec![EndpointSpec {
            network: network.clone(),
            aliases: vec!["web".into()],
            ..Default::default()
        }],
        resources: Resources {
            nano_cpus: Some(500_000_000),
            cpu_shares: Some(512),
            memory: Some(64 << 20),
            memory_reservation: Some(32 << 20),
            pids_limit: Some(64),
            ulimits: vec![Ulimit {
                name: "nofile".into(),
                soft: 1024,
                hard: 2048,
            }],
            devices: vec![DeviceMapping {
                path_on_host: "/dev/null".into(),
                path_in_container: "/dev/mynull".into(),
                cgroup_permissions: "rwm".into(),
            }],
            ..Default::default()
        },
        ..sleeper(&project, "web")
    };
    engine.create_container(&spec).await.expect("created");
    engine.start_container(&spec.name).await.expect("started");

    let output = std::process::Command::new("docker")
        .args(["inspect", &spec.name])
        .output()
        .expect("docker inspect");
    let inspected: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("inspect prints JSON");
    let container = &inspected[0];
    let config = &container["Config"];
    let host = &container["HostConfig"];
    assert_eq!(container["State"]["Running"], true);
    assert_eq!(config["Hostname"], "box");
    assert_eq!(config["Domainname"], "example.internal");
    assert_eq!(config["User"], "nobody");
    assert_eq!(config["WorkingDir"], "/tmp");
    assert!(config["Env"]
        .as_array()
        .expect("env")
        .contains(&serde_json::json!("B=two words")));
    assert_eq!(config["Entrypoint"], serde_json::json!(["sh", "-c"]));
    assert_eq!(config["Cmd"], serde_json::json!(["sleep 300"]));
    for port in ["9000/tcp", "80/tcp", "53/udp"] {
        assert!(config["ExposedPorts"].get(port).is_some(), "{port} exposed");
    }
    assert_eq!(config["StopSignal"], "SIGINT");
    assert_eq!(config["StopTimeout"], 7);
    assert_eq!(config["Tty"], true);
    assert_eq!(config["OpenStdin"], true);
    assert_eq!(config["Healthcheck"]["Interval"], 30_000_000_000i64);
    assert_eq!(config["Healthcheck"]["StartPeriod"], 1_000_000_000i64);
    assert_eq!(config["Healthcheck"]["Retries"], 2);
    assert_eq!(
        host["PortBindings"]["80/tcp"],
        serde_json::json!([{"HostIp": "127.0.0.1", "HostPort": ""}])
    );
    assert_eq!(
        host["PortBindings"]["53/udp"][0]["HostIp"],
        serde_json::json!("127.0.0.1")
    );
    let mounts = host["Mounts"].as_array().expect("mounts");
    let mount = |target: &str| {
        mounts
            .iter()
            .find(|mount| mount["Target"] == target)
            .unwrap_or_else(|| panic!("a mount at {target}"))
            .clone()
    };
    assert_eq!(mount("/data")["VolumeOptions"]["NoCopy"], true);
    assert_eq!(mount("/hosttmp")["ReadOnly"], true);
    assert_eq!(mount("/hosttmp")["BindOptions"]["Propagation"], "rprivate");
    assert_eq!(mount("/scratch")["TmpfsOptions"]["SizeBytes"], 1 << 20);
    assert_eq!(mount("/scratch")["TmpfsOptions"]["Mode"], 0o1777);
    assert_eq!(host["Tmpfs"]["/run/extra"], "size=65536");
    assert_eq!(
        host["RestartPolicy"],
        serde_json::json!({"Name": "on-failure", "MaximumRetryCount": 3})
    );
    assert_eq!(host["Init"], true);
    assert_eq!(host["LogConfig"]["Type"], "json-file");
    assert_eq!(host["LogConfig"]["Config"]["max-size"], "1m");
    assert_eq!(host["CapAdd"], serde_json::json!(["NET_ADMIN"]));
    assert_eq!(host["CapDrop"], serde_json::json!(["MKNOD"]));
    assert_eq!(
        host["SecurityOpt"],
        serde_json::json!(["no-new-privileges:true"])
    );
    assert_eq!(host["ReadonlyRootfs"], true);
    assert_eq!(host["ShmSize"], 64 << 20);
    assert_eq!(
        host["ExtraHosts"],
        serde_json::json!(["somehost:127.0.0.2"])
    );
    assert_eq!(host["Dns"], serde_json::json!(["127.0.0.1"]));
    assert_eq!(host["DnsSearch"], serde_json::json!(["example.internal"]));
    assert_eq!(host["DnsOptions"], serde_json::json!(["ndots:2"]));
    assert_eq!(host["GroupAdd"], serde_json::json!(["100"]));
    assert_eq!(host["OomScoreAdj"], 100);
    assert_eq!(host["NetworkMode"], serde_json::json!(network));
    assert_eq!(host["NanoCpus"], 500_000_000);
    assert_eq!(host["CpuShares"], 512);
    assert_eq!(host["Memory"], 64 << 20);
    assert_eq!(host["MemoryReservation"], 32 << 20);
    assert_eq!(host["PidsLimit"], 64);
    assert_eq!(
        host["Ulimits"],
        serde_json::json!([{"Name": "nofile", "Soft": 1024, "Hard": 2048}])
    );
    assert_eq!(host["Devices"][0]["PathInContainer"], "/dev/mynull");
    let endpoint = &container["NetworkSettings"]["Networks"][&network];
    assert!(endpoint["Aliases"]
        .as_array()
        .expect("aliases")
        .contains(&serde_json::json!("web")));
}

// ---------------------------------------------------------------------------------------------
// ps/ls and down --rmi: command and ports in summaries, every project's containers, remove_image

/// A free TCP port on 127.0.0.1 (free when asked; the engine binds it right after).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .expect("a free port on 127.0.0.1")
}

async fn summaries_carry_command_and_ports<E: Engine>(mut harness: Harness<E>) {
    let project = harness.project();
    let engine = &harness.engine;
    let port = free_port();
    let mut spec = sleeper(&project, "web");
    spec.exposed_ports = vec!["80/tcp".into(), "9999/udp".into()];
    spec.port_bindings = vec![rcompose::engine::PortBinding {
        container_port: 80,
        protocol: rcompose::engine::Protocol::Tcp,
        host_ip: Some("127.0.0.1".into()),
        host_port: Some(port.to_string()),
    }];
    let id = engine.create_container(&spec).await.unwrap();
    engine.start_container(&id).await.unwrap();
    let listed = engine
        .list_containers(&ProjectFilter::new(&project))
        .await
        .unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].command, "sleep 300");
    let mut ports = listed[0].ports.clone();
    ports.sort();
    assert_eq!(
        ports,
        vec![
            rcompose::engine::ContainerPort {
                ip: None,
                private_port: 9999,
                public_port: None,
                protocol: "udp".into(),
            },
            rcompose::engine::ContainerPort {
                ip: Some("127.0.0.1".into()),
                private_port: 80,
                public_port: Some(port),
                protocol: "tcp".into(),
            },
        ]
    );
    engine
        .remove_container(
            &id,
            RemoveContainerOptions {
                force: true,
                ..Default::default()
            },
        )
        .await
        .unwrap();
}

async fn compose_containers_of_every_project<E: Engine>(mut harness: Harness<E>) {
    let first = harness.project();
    let second = harness.project();
    let engine = &harness.engine;
    let running = engine
        .create_container(&sleeper(&first, "web"))
        .await
        .unwrap();
    engine.start_container(&running).await.unwrap();
    let created = engine
        .create_container(&sleeper(&second, "db"))
        .await
        .unwrap();
    let mine = |containers: &[rcompose::engine::ContainerSummary]| -> Vec<String> {
        containers
            .iter()
            .filter(|c| c.id == running || c.id == created)
            .map(|c| c.name.clone())
            .collect()
    };
    let all = engine.list_compose_containers(true).await.unwrap();
    assert_eq!(
        mine(&all),
        vec![format!("{first}-web-1"), format!("{second}-db-1")]
    );
    assert!(all.iter().all(|c| c.labels.contains_key(PROJECT_LABEL)));
    let running_only = engine.list_compose_containers(false).await.unwrap();
    assert_eq!(mine(&running_only), vec![format!("{first}-web-1")]);
    for id in [running, created] {
        engine
            .remove_container(
                &id,
                RemoveContainerOptions {
                    force: true,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
    }
}

async fn remove_image_untags_and_refuses_images_in_use<E: Engine>(mut harness: Harness<E>) {
    let project = harness.project();
    let tag = format!("{project}-app:latest");
    match &harness.fake {
        Some(fake) => assert!(fake.tag_image(TEST_IMAGE, &tag)),
        None => {
            let status = std::process::Command::new("docker")
                .args(["tag", TEST_IMAGE, &tag])
                .status()
                .expect("docker tag");
            assert!(status.success());
        }
    }
    let engine = &harness.engine;
    // One name among several: only that name goes.
    engine.remove_image(&tag).await.unwrap();
    assert!(!engine.image_exists(&tag).await.unwrap());
    assert!(engine.image_exists(TEST_IMAGE).await.unwrap());
    assert_kind(engine.remove_image(&tag).await, ErrorKind::NotFound, &tag);
    // An image a container uses (and named more than once) is refused, never forced.
    let id = engine
        .create_container(&sleeper(&project, "web"))
        .await
        .unwrap();
    let image_id = engine.inspect_image(TEST_IMAGE).await.unwrap().id;
    assert_kind(
        engine.remove_image(&image_id).await,
        ErrorKind::Conflict,
        &image_id,
    );
    assert!(engine.image_exists(TEST_IMAGE).await.unwrap());
    engine
        .remove_container(&id, RemoveContainerOptions::default())
        .await
        .unwrap();
}
