//! What the daily commands (`pull`, `images`, `top`, `port`, `pause`, `unpause`, `events`,
//! `wait`, `cp`) share: the project and a connected engine in one step, and the service containers of a selection.

use super::engine_session::{self as session, Scope};
use super::{exit, GlobalOptions};
use crate::engine::{ContainerSummary, DockerEngine, Engine, ProjectFilter};
use crate::plan::labels;

/// The project (with or without a compose file) and the engine, inside a runtime.
pub fn with_engine(
    global: &GlobalOptions,
    services: &[String],
    require_file: bool,
    body: impl AsyncFnOnce(Scope, DockerEngine) -> u8,
) -> u8 {
    let scope = if require_file {
        session::load_required(global)
    } else {
        session::load_optional(global)
    };
    let scope = match scope {
        Ok(scope) => scope,
        Err(code) => return code,
    };
    if let Err(code) = session::check_services(&scope, services) {
        return code;
    }
    let runtime = match session::runtime() {
        Ok(runtime) => runtime,
        Err(code) => return code,
    };
    runtime.block_on(async move {
        match session::connect().await {
            Ok(engine) => body(scope, engine).await,
            Err(code) => code,
        }
    })
}

/// The project's service containers (one-off `run` containers left out) of `services` (all
/// when empty), running ones only unless `all`, sorted by name. An engine failure is printed
/// and is exit 1.
pub async fn service_containers<E: Engine>(
    engine: &E,
    project: &str,
    services: &[String],
    all: bool,
) -> Result<Vec<ContainerSummary>, u8> {
    let containers = engine
        .list_containers(&ProjectFilter::new(project))
        .await
        .map_err(|error| {
            eprintln!("error: {error}");
            exit::FAILURE
        })?;
    Ok(containers
        .into_iter()
        .filter(|c| {
            !c.labels
                .get(labels::ONEOFF)
                .is_some_and(|v| v.eq_ignore_ascii_case("true"))
        })
        .filter(|c| all || is_running(c))
        .filter(|c| services.is_empty() || services.iter().any(|s| Some(s) == service_of(c)))
        .collect())
}

/// Running, paused or restarting: what the engine lists without `all`.
pub fn is_running(container: &ContainerSummary) -> bool {
    use crate::engine::ContainerStatus as S;
    matches!(container.status, S::Running | S::Paused | S::Restarting)
}

pub fn service_of(container: &ContainerSummary) -> Option<&String> {
    container.labels.get(labels::SERVICE)
}

/// The replica number (`com.docker.compose.container-number`).
pub fn number_of(container: &ContainerSummary) -> Option<u32> {
    container
        .labels
        .get(labels::CONTAINER_NUMBER)
        .and_then(|n| n.parse().ok())
}

/// The container of `service` that a `--index` picks: that replica, or the lowest-numbered
/// one without it. The error says which was looked for.
pub fn pick_replica<'a>(
    containers: &'a [ContainerSummary],
    service: &str,
    index: Option<u32>,
    what: &str,
) -> Result<&'a ContainerSummary, String> {
    let mut candidates: Vec<&ContainerSummary> = containers
        .iter()
        .filter(|c| service_of(c).is_some_and(|s| s == service))
        .collect();
    candidates.sort_by_key(|c| number_of(c).unwrap_or(u32::MAX));
    match index {
        Some(index) => candidates
            .into_iter()
            .find(|c| number_of(c) == Some(index))
            .ok_or_else(|| format!("service `{service}` has no {what} container #{index}")),
        None => candidates
            .into_iter()
            .next()
            .ok_or_else(|| format!("service `{service}` has no {what} container")),
    }
}

/// The running container of `service` that `--index` picks (see [`pick_replica`]), for the
/// commands that act on one container (`port`, `commit`, `export`, `attach`). Failures are
/// printed and are exit 1.
pub async fn running_replica<E: Engine>(
    engine: &E,
    project: &str,
    service: &str,
    index: Option<u32>,
) -> Result<ContainerSummary, u8> {
    let services = [service.to_string()];
    let containers = service_containers(engine, project, &services, false).await?;
    pick_replica(&containers, service, index, "running")
        .cloned()
        .map_err(|message| {
            eprintln!("error: {message}");
            exit::FAILURE
        })
}

/// The project, a connected engine and the running container of `service` that `--index`
/// picks, for the commands that act on one container. Under `--dry-run`, a command that names
/// its `action` ("exporting") prints it with the container's name instead of running `body`.
pub fn with_replica(
    global: &GlobalOptions,
    service: &str,
    index: Option<u32>,
    action: Option<&str>,
    body: impl AsyncFnOnce(DockerEngine, ContainerSummary) -> u8,
) -> u8 {
    let services = [service.to_string()];
    with_engine(global, &services, false, async |scope: Scope, engine| {
        let container = match running_replica(&engine, &scope.name, service, index).await {
            Ok(container) => container,
            Err(code) => return code,
        };
        if let Some(action) = action.filter(|_| global.dry_run) {
            println!("{action} container {}", container.name);
            return exit::OK;
        }
        body(engine, container).await
    })
}
