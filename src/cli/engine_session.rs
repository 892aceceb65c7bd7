//! What every engine command shares: the runtime, the connection (one line naming the socket
//! when no engine answers), the project as the commands see it (with or without a compose file),
//! the per-project lock, and Ctrl-C.
//!
//! Ctrl-C is handled without a hook in the executor: [`Interruptible`] wraps the engine and, once
//! interrupted, refuses every call that has not started yet. The executor sees the first refusal
//! as a failure and cancels what is pending, while the calls already in flight finish — so the
//! engine is never left with half a call, and the report still says what happened.

use std::collections::BTreeSet;
use std::fs::File;
use std::path::PathBuf;
use std::time::Duration;

use tokio::sync::watch;

use super::{exit, output, GlobalOptions};
use crate::engine::{
    ContainerInfo, ContainerSpec, ContainerSummary, DockerEngine, EndpointSpec, Engine, EngineCall,
    EngineError, EngineVersion, ErrorKind, ImageInfo, LogStream, LogsOptions, NetworkInfo,
    NetworkSpec, ProjectFilter, RemoveContainerOptions, VolumeInfo, VolumeSpec, WaitCondition,
};
use crate::execute::{ExecError, OutcomeStatus, Report, DEFAULT_CONCURRENCY};
use crate::plan::{desired_state, Desired, Observed, ObservedContainer};
use crate::project::{self, Project};

/// The exit code of a command stopped by Ctrl-C (128 + SIGINT), as shells report it.
pub const INTERRUPTED: u8 = 130;

/// What the engine's refusal says after Ctrl-C; the report shows such calls as skipped.
pub const INTERRUPTED_MESSAGE: &str = "interrupted by Ctrl-C";

/// A multi-threaded runtime for one command.
pub fn runtime() -> Result<tokio::runtime::Runtime, u8> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|error| {
            eprintln!("error: cannot start the async runtime: {error}");
            exit::FAILURE
        })
}

/// Connects to the engine (`DOCKER_HOST`, else the default socket), waiting a bounded time; when
/// no engine answers, one line names the socket and the command exits 1.
pub async fn connect() -> Result<DockerEngine, u8> {
    DockerEngine::connect().await.map_err(|error| {
        eprintln!("error: {error}");
        exit::FAILURE
    })
}

/// The cap on engine writes in flight: `--parallel` / `COMPOSE_PARALLEL_LIMIT` (`-1` or `0`:
/// no cap worth the name).
pub fn concurrency(global: &GlobalOptions) -> usize {
    match global.parallel {
        Some(n) if n > 0 => usize::try_from(n).unwrap_or(usize::MAX),
        Some(_) => 1024,
        None => DEFAULT_CONCURRENCY,
    }
}

// ---------------------------------------------------------------------------------------------
// The project as a command sees it

/// The project a command works on: always a name; the loaded project when there is a compose
/// file (commands such as `down` and `ps` also work from `-p NAME` alone).
pub struct Scope {
    pub name: String,
    pub project: Option<Project>,
    /// Services of the model that profiles disable: their containers are not orphans.
    pub inactive_services: BTreeSet<String>,
}

impl Scope {
    pub fn desired(&self) -> Option<Desired> {
        self.project.as_ref().map(desired_state)
    }
}

/// Loads the project for a command that needs its compose file (`up`): diagnostics go to
/// stderr, an invalid project exits 2.
pub fn load_required(global: &GlobalOptions) -> Result<Scope, u8> {
    let options = global.load_options(true, false);
    let loaded = project::load(&options);
    output::print_human(&loaded.diagnostics, &loaded.sources);
    let Some(project) = loaded.project else {
        return Err(exit::INVALID);
    };
    Ok(scope_of(global, project))
}

/// Loads the project when there is a compose file; without one, `-p NAME` (or
/// `COMPOSE_PROJECT_NAME`) alone names the project.
pub fn load_optional(global: &GlobalOptions) -> Result<Scope, u8> {
    let options = global.load_options(true, false);
    let loaded = project::load(&options);
    let no_file = loaded.project.is_none()
        && loaded
            .diagnostics
            .iter()
            .any(|d| d.is_error() && d.headline().contains("no configuration file provided"));
    let named = global.project_name.clone().or_else(|| {
        std::env::var("COMPOSE_PROJECT_NAME")
            .ok()
            .filter(|name| !name.is_empty())
    });
    if no_file {
        if let Some(name) = named {
            if !crate::project::source::is_valid_project_name(&name) {
                eprintln!("error: invalid project name `{name}`: it must contain only lowercase letters, digits, dashes and underscores, and start with a letter or digit");
                return Err(exit::INVALID);
            }
            return Ok(Scope {
                name,
                project: None,
                inactive_services: BTreeSet::new(),
            });
        }
    }
    output::print_human(&loaded.diagnostics, &loaded.sources);
    let Some(project) = loaded.project else {
        return Err(exit::INVALID);
    };
    Ok(scope_of(global, project))
}

fn scope_of(global: &GlobalOptions, project: Project) -> Scope {
    let mut inactive_services = BTreeSet::new();
    if !project.all_profiles.is_empty() {
        // The services of every profile, less the active ones.
        let mut options = global.load_options(true, false);
        options.profiles = vec!["*".to_string()];
        options.project_name = Some(project.name.clone());
        if let Some(all) = project::load(&options).project {
            let active: BTreeSet<&String> = crate::model::services(&project.model)
                .map(|(name, _)| name)
                .collect();
            inactive_services = crate::model::services(&all.model)
                .map(|(name, _)| name)
                .filter(|name| !active.contains(name))
                .cloned()
                .collect();
        }
    }
    Scope {
        name: project.name.clone(),
        project: Some(project),
        inactive_services,
    }
}

/// A usage error (exit 2) for every `SERVICE` argument the project does not define, naming the
/// services it does (docker compose v2 exits 1 or 0, depending on the command). One message for
/// every command. Without a compose file, any name goes (the containers' labels decide).
pub fn check_services(scope: &Scope, services: &[String]) -> Result<(), u8> {
    let Some(project) = &scope.project else {
        return Ok(());
    };
    let mut known: Vec<&String> = crate::model::services(&project.model)
        .map(|(name, _)| name)
        .collect();
    known.sort();
    let unknown: Vec<&String> = services.iter().filter(|s| !known.contains(s)).collect();
    if unknown.is_empty() {
        return Ok(());
    }
    let list = |names: &[&String]| {
        names
            .iter()
            .map(|n| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    for name in &unknown {
        eprintln!(
            "error: no such service `{name}` in project `{}`",
            scope.name
        );
    }
    if known.is_empty() {
        eprintln!("  help: the project defines no service");
    } else {
        eprintln!("  help: the services are {}", list(&known));
    }
    Err(exit::INVALID)
}

/// The service containers (not one-off) of the selected services, or of all when none is named.
pub fn selected<'a>(
    observed: &'a Observed,
    services: &'a [String],
) -> impl Iterator<Item = &'a ObservedContainer> + 'a {
    observed.containers.iter().filter(move |c| {
        !c.is_oneoff()
            && (services.is_empty() || c.service().is_some_and(|s| services.iter().any(|n| n == s)))
    })
}

// ---------------------------------------------------------------------------------------------
// The per-project lock

/// An exclusive `flock` on `<dir>/<project>.lock`, held until dropped (or the process ends), so
/// that two commands changing one project run one after the other.
pub struct ProjectLock {
    _file: File,
}

/// Where the lock files live: `$XDG_RUNTIME_DIR/rcompose`, else `/tmp/rcompose-<uid>`.
pub fn lock_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("XDG_RUNTIME_DIR")
        .map(PathBuf::from)
        .filter(|dir| dir.is_absolute() && dir.is_dir())
    {
        return dir.join("rcompose");
    }
    // SAFETY: getuid has no preconditions and cannot fail.
    let uid = unsafe { libc::getuid() };
    std::env::temp_dir().join(format!("rcompose-{uid}"))
}

fn flock(file: &File, blocking: bool) -> std::io::Result<bool> {
    use std::os::fd::AsRawFd;
    let mut operation = libc::LOCK_EX;
    if !blocking {
        operation |= libc::LOCK_NB;
    }
    loop {
        // SAFETY: the descriptor is owned by `file`, which outlives the call.
        let result = unsafe { libc::flock(file.as_raw_fd(), operation) };
        if result == 0 {
            return Ok(true);
        }
        let error = std::io::Error::last_os_error();
        match error.kind() {
            std::io::ErrorKind::Interrupted => continue,
            std::io::ErrorKind::WouldBlock => return Ok(false),
            _ => return Err(error),
        }
    }
}

/// The project's lock for a command that changes the project, or none for a `--dry-run`, which
/// changes nothing.
pub async fn lock_unless_dry_run(
    global: &GlobalOptions,
    project: &str,
    interrupt: &Interrupt,
) -> Result<Option<ProjectLock>, u8> {
    if global.dry_run {
        return Ok(None);
    }
    lock_project(project, interrupt).await.map(Some)
}

/// Takes the project's lock, waiting (and saying so) while another rcompose holds it. Ctrl-C
/// while waiting exits 130.
pub async fn lock_project(project: &str, interrupt: &Interrupt) -> Result<ProjectLock, u8> {
    let dir = lock_dir();
    let path = dir.join(format!("{project}.lock"));
    let failed = |error: std::io::Error| {
        eprintln!(
            "error: taking the lock of project `{project}` at {}: {error}",
            path.display()
        );
        exit::FAILURE
    };
    if let Err(error) = std::fs::create_dir_all(&dir) {
        return Err(failed(error));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700));
    }
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(failed)?;
    if flock(&file, false).map_err(failed)? {
        return Ok(ProjectLock { _file: file });
    }
    eprintln!(
        "waiting for another rcompose working on project `{project}` (lock {})",
        path.display()
    );
    let file = file.try_clone().map_err(failed)?;
    let waited = tokio::task::spawn_blocking(move || flock(&file, true).map(|_| file));
    let mut interrupted = interrupt.receiver();
    tokio::select! {
        joined = waited => match joined {
            Ok(Ok(file)) => Ok(ProjectLock { _file: file }),
            Ok(Err(error)) => Err(failed(error)),
            Err(error) => Err(failed(std::io::Error::other(error.to_string()))),
        },
        _ = interrupted.wait_for(|count| *count > 0) => Err(INTERRUPTED),
    }
}

// ---------------------------------------------------------------------------------------------
// Ctrl-C

/// Counts Ctrl-Cs (SIGINT) from the moment it is installed; the first no longer kills the
/// process, the commands decide what it means.
#[derive(Clone)]
pub struct Interrupt {
    count: watch::Receiver<u32>,
}

impl Interrupt {
    /// Starts listening; call inside the runtime.
    pub fn install() -> Interrupt {
        let (sender, count) = watch::channel(0u32);
        tokio::spawn(async move {
            while tokio::signal::ctrl_c().await.is_ok() {
                sender.send_modify(|count| *count += 1);
            }
        });
        Interrupt { count }
    }

    pub fn count(&self) -> u32 {
        *self.count.borrow()
    }

    pub fn is_interrupted(&self) -> bool {
        self.count() > 0
    }

    pub fn receiver(&self) -> watch::Receiver<u32> {
        self.count.clone()
    }

    /// Resolves once the count reaches `n`.
    pub async fn reached(&self, n: u32) {
        let mut receiver = self.count.clone();
        if receiver.wait_for(|count| *count >= n).await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}

/// Whether a failure is the refusal [`Interruptible`] makes after Ctrl-C.
pub fn is_interruption(error: &ExecError) -> bool {
    matches!(error, ExecError::Engine(e) if e.message() == INTERRUPTED_MESSAGE)
}

/// An engine that refuses to start calls once Ctrl-C was pressed; calls in flight finish,
/// except the long waits (a container's exit), which end at once.
pub struct Interruptible<'a, E> {
    pub inner: &'a E,
    pub interrupt: Interrupt,
}

impl<E> Interruptible<'_, E> {
    fn check(&self, call: EngineCall, object: &str) -> Result<(), EngineError> {
        if self.interrupt.is_interrupted() {
            Err(EngineError::call(
                call,
                object,
                ErrorKind::Other,
                INTERRUPTED_MESSAGE,
            ))
        } else {
            Ok(())
        }
    }
}

impl<E: Engine> Engine for Interruptible<'_, E> {
    async fn ping(&self) -> Result<(), EngineError> {
        self.inner.ping().await
    }

    async fn version(&self) -> Result<EngineVersion, EngineError> {
        self.inner.version().await
    }

    async fn list_containers(
        &self,
        filter: &ProjectFilter,
    ) -> Result<Vec<ContainerSummary>, EngineError> {
        self.inner.list_containers(filter).await
    }

    async fn list_compose_containers(
        &self,
        all: bool,
    ) -> Result<Vec<ContainerSummary>, EngineError> {
        self.inner.list_compose_containers(all).await
    }

    async fn remove_image(&self, reference: &str) -> Result<(), EngineError> {
        self.check(EngineCall::RemoveImage, reference)?;
        self.inner.remove_image(reference).await
    }

    async fn inspect_container(&self, container: &str) -> Result<ContainerInfo, EngineError> {
        // Health waits poll with inspect: refusing it ends them.
        self.check(EngineCall::InspectContainer, container)?;
        self.inner.inspect_container(container).await
    }

    async fn create_container(&self, spec: &ContainerSpec) -> Result<String, EngineError> {
        self.check(EngineCall::CreateContainer, &spec.name)?;
        self.inner.create_container(spec).await
    }

    async fn start_container(&self, container: &str) -> Result<(), EngineError> {
        self.check(EngineCall::StartContainer, container)?;
        self.inner.start_container(container).await
    }

    async fn stop_container(
        &self,
        container: &str,
        timeout: Option<Duration>,
    ) -> Result<(), EngineError> {
        self.check(EngineCall::StopContainer, container)?;
        self.inner.stop_container(container, timeout).await
    }

    async fn kill_container(
        &self,
        container: &str,
        signal: Option<&str>,
    ) -> Result<(), EngineError> {
        self.check(EngineCall::KillContainer, container)?;
        self.inner.kill_container(container, signal).await
    }

    async fn restart_container(
        &self,
        container: &str,
        timeout: Option<Duration>,
    ) -> Result<(), EngineError> {
        self.check(EngineCall::RestartContainer, container)?;
        self.inner.restart_container(container, timeout).await
    }

    async fn remove_container(
        &self,
        container: &str,
        options: RemoveContainerOptions,
    ) -> Result<(), EngineError> {
        self.check(EngineCall::RemoveContainer, container)?;
        self.inner.remove_container(container, options).await
    }

    async fn wait_container(
        &self,
        container: &str,
        condition: WaitCondition,
    ) -> Result<i64, EngineError> {
        self.check(EngineCall::WaitContainer, container)?;
        tokio::select! {
            result = self.inner.wait_container(container, condition) => result,
            _ = self.interrupt.reached(1) => Err(EngineError::call(
                EngineCall::WaitContainer,
                container,
                ErrorKind::Other,
                INTERRUPTED_MESSAGE,
            )),
        }
    }

    async fn container_logs(
        &self,
        container: &str,
        options: &LogsOptions,
    ) -> Result<LogStream, EngineError> {
        self.inner.container_logs(container, options).await
    }

    async fn list_networks(&self, filter: &ProjectFilter) -> Result<Vec<NetworkInfo>, EngineError> {
        self.inner.list_networks(filter).await
    }

    async fn inspect_network(&self, network: &str) -> Result<NetworkInfo, EngineError> {
        self.inner.inspect_network(network).await
    }

    async fn create_network(&self, spec: &NetworkSpec) -> Result<String, EngineError> {
        self.check(EngineCall::CreateNetwork, &spec.name)?;
        self.inner.create_network(spec).await
    }

    async fn remove_network(&self, network: &str) -> Result<(), EngineError> {
        self.check(EngineCall::RemoveNetwork, network)?;
        self.inner.remove_network(network).await
    }

    async fn connect_network(
        &self,
        container: &str,
        endpoint: &EndpointSpec,
    ) -> Result<(), EngineError> {
        self.check(EngineCall::ConnectNetwork, container)?;
        self.inner.connect_network(container, endpoint).await
    }

    async fn disconnect_network(
        &self,
        network: &str,
        container: &str,
        force: bool,
    ) -> Result<(), EngineError> {
        self.check(EngineCall::DisconnectNetwork, container)?;
        self.inner
            .disconnect_network(network, container, force)
            .await
    }

    async fn list_volumes(&self, filter: &ProjectFilter) -> Result<Vec<VolumeInfo>, EngineError> {
        self.inner.list_volumes(filter).await
    }

    async fn inspect_volume(&self, volume: &str) -> Result<VolumeInfo, EngineError> {
        self.inner.inspect_volume(volume).await
    }

    async fn create_volume(&self, spec: &VolumeSpec) -> Result<VolumeInfo, EngineError> {
        self.check(EngineCall::CreateVolume, &spec.name)?;
        self.inner.create_volume(spec).await
    }

    async fn remove_volume(&self, volume: &str, force: bool) -> Result<(), EngineError> {
        self.check(EngineCall::RemoveVolume, volume)?;
        self.inner.remove_volume(volume, force).await
    }

    async fn inspect_image(&self, reference: &str) -> Result<ImageInfo, EngineError> {
        self.inner.inspect_image(reference).await
    }
}

// ---------------------------------------------------------------------------------------------
// The summary after a run

/// What a run did, when it did not all succeed: what succeeded, what failed (with the engine's
/// message) and what was skipped, to stderr. Calls refused after Ctrl-C count as skipped.
pub fn print_summary(command: &str, report: &Report, interrupted: bool) {
    let mut succeeded = Vec::new();
    let mut failed = Vec::new();
    let mut skipped = Vec::new();
    for outcome in &report.outcomes {
        let took = match (outcome.started, outcome.finished) {
            (Some(start), Some(end)) => end
                .duration_since(start)
                .map(|d| format!(" ({:.1}s)", d.as_secs_f64()))
                .unwrap_or_default(),
            _ => String::new(),
        };
        match &outcome.status {
            OutcomeStatus::Failed(error) if is_interruption(error) => skipped.push(format!(
                "#{} {}: {INTERRUPTED_MESSAGE}",
                outcome.op, outcome.description
            )),
            OutcomeStatus::Failed(_) => failed.push(format!("{outcome}{took}")),
            OutcomeStatus::Skipped(_) => skipped.push(outcome.to_string()),
            _ => succeeded.push(format!("{outcome}{took}")),
        }
    }
    let headline = if interrupted {
        format!("{command} interrupted")
    } else {
        format!("{command} failed")
    };
    eprintln!(
        "{headline}: {} succeeded, {} failed, {} skipped",
        succeeded.len(),
        failed.len(),
        skipped.len()
    );
    for (title, lines) in [
        ("failed", &failed),
        ("succeeded", &succeeded),
        ("skipped", &skipped),
    ] {
        if lines.is_empty() {
            continue;
        }
        eprintln!("{title}:");
        for line in lines {
            eprintln!("  {line}");
        }
    }
    if !interrupted && !failed.is_empty() {
        eprintln!("the operations that succeeded are kept: run the command again to converge");
    }
}
