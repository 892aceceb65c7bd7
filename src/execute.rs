//! Runs a [`Plan`] against an engine. Every operation starts the moment the operations it waits
//! for have succeeded — no level-by-level barriers — with at most `concurrency` engine writes in
//! flight (waits for `depends_on` conditions only read and do not count). The first failure
//! cancels what has not started (in-flight calls finish, polling waits stop), unless
//! [`OnError::ContinueIndependent`] asks to carry on with everything that does not depend on it.
//! The [`Report`] says what succeeded, what failed with the engine's message, and what was
//! skipped and why. Progress goes out as [`ProgressEvent`]s through a [`Progress`] sink, for the
//! CLI to render (tty, plain, json, quiet).
//!
//! The executor makes no decisions: the plan says what and in which order. The only rule of its
//! own is that an object already gone counts as stopped or removed.

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::fmt;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

use futures_util::future::BoxFuture;
use futures_util::stream::{FuturesUnordered, StreamExt};
use tokio::sync::watch;

use crate::engine::{
    ContainerStatus, Engine, EngineError, HealthStatus, RemoveContainerOptions, WaitCondition,
};
use crate::plan::{Action, Op, OpId, Plan};

/// The default cap on engine writes in flight. 16, not 8: on this project's 2-core machine kind
/// (Docker 20.10), `up -d` of 50 containers took 10.07–10.36 s with 8 in flight, 9.44–9.78 s
/// with 16 and 9.43–9.54 s without a cap (alternating runs, 2026-11-28); docker compose v2 has
/// no cap on `up`. 16 keeps most of that gain while still bounding the engine's load.
pub const DEFAULT_CONCURRENCY: usize = 16;

/// What to do after an operation fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OnError {
    /// Start nothing more; let the calls in flight finish.
    #[default]
    CancelPending,
    /// Skip what depends on the failure, run everything else.
    ContinueIndependent,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecuteOptions {
    /// Engine writes in flight at most (at least 1).
    pub concurrency: usize,
    /// How often a health wait inspects the containers.
    pub poll_interval: Duration,
    pub on_error: OnError,
}

impl Default for ExecuteOptions {
    fn default() -> Self {
        ExecuteOptions {
            concurrency: DEFAULT_CONCURRENCY,
            poll_interval: Duration::from_millis(500),
            on_error: OnError::CancelPending,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Progress

/// What an event is about, as docker compose names it in its progress lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ObjectKind {
    Container,
    Network,
    Volume,
    Image,
}

impl ObjectKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ObjectKind::Container => "Container",
            ObjectKind::Network => "Network",
            ObjectKind::Volume => "Volume",
            ObjectKind::Image => "Image",
        }
    }
}

/// The step an event reports, in docker compose's words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventStatus {
    Creating,
    Created,
    Connecting,
    Connected,
    Starting,
    Started,
    Stopping,
    Stopped,
    Removing,
    Removed,
    Waiting,
    Healthy,
    Exited,
    Warning,
    Error,
}

impl EventStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            EventStatus::Creating => "Creating",
            EventStatus::Created => "Created",
            EventStatus::Connecting => "Connecting",
            EventStatus::Connected => "Connected",
            EventStatus::Starting => "Starting",
            EventStatus::Started => "Started",
            EventStatus::Stopping => "Stopping",
            EventStatus::Stopped => "Stopped",
            EventStatus::Removing => "Removing",
            EventStatus::Removed => "Removed",
            EventStatus::Waiting => "Waiting",
            EventStatus::Healthy => "Healthy",
            EventStatus::Exited => "Exited",
            EventStatus::Warning => "Warning",
            EventStatus::Error => "Error",
        }
    }

    /// Whether the step is over (as opposed to under way).
    pub fn is_done(self) -> bool {
        !matches!(
            self,
            EventStatus::Creating
                | EventStatus::Connecting
                | EventStatus::Starting
                | EventStatus::Stopping
                | EventStatus::Removing
                | EventStatus::Waiting
        )
    }
}

/// One progress line: `Container proj-web-1  Started`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgressEvent {
    pub time: SystemTime,
    /// The operation it belongs to.
    pub op: OpId,
    pub kind: ObjectKind,
    pub name: String,
    pub status: EventStatus,
    /// The error message, the network connected to, the last health check output...
    pub detail: Option<String>,
}

impl fmt::Display for ProgressEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}  {}",
            self.kind.as_str(),
            self.name,
            self.status.as_str()
        )?;
        if let Some(detail) = &self.detail {
            write!(f, " {detail}")?;
        }
        Ok(())
    }
}

/// Where progress events go.
pub trait Progress: Send + Sync {
    fn event(&self, event: ProgressEvent);
}

/// Quiet.
impl Progress for () {
    fn event(&self, _event: ProgressEvent) {}
}

/// To a channel, for a renderer on another task.
impl Progress for tokio::sync::mpsc::UnboundedSender<ProgressEvent> {
    fn event(&self, event: ProgressEvent) {
        // A renderer that went away does not stop the work.
        let _ = self.send(event);
    }
}

/// Keeps every event, in order (tests, json output at the end).
#[derive(Debug, Default)]
pub struct Collect {
    events: Mutex<Vec<ProgressEvent>>,
}

impl Collect {
    pub fn new() -> Self {
        Collect::default()
    }

    pub fn events(&self) -> Vec<ProgressEvent> {
        self.events
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// The events as `Container proj-web-1  Started` lines, without time stamps.
    pub fn lines(&self) -> Vec<String> {
        self.events().iter().map(ToString::to_string).collect()
    }
}

impl Progress for Collect {
    fn event(&self, event: ProgressEvent) {
        self.events
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(event);
    }
}

// ---------------------------------------------------------------------------------------------
// The report

/// Why an operation failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExecError {
    #[error(transparent)]
    Engine(#[from] EngineError),
    #[error("container `{container}` is unhealthy{}", last_output(.output))]
    Unhealthy {
        container: String,
        output: Option<String>,
    },
    #[error("container `{container}` exited ({code}) before it was healthy")]
    ExitedBeforeHealthy { container: String, code: i64 },
    #[error("container `{container}` has no healthcheck configured")]
    NoHealthcheck { container: String },
    #[error("service `{service}` didn't complete successfully: container `{container}` exited with {code}")]
    CompletedWithError {
        service: String,
        container: String,
        code: i64,
    },
    #[error("timed out after {}s waiting for `{service}`{}", .timeout.as_secs(), last_output(.output))]
    TimedOut {
        service: String,
        timeout: Duration,
        output: Option<String>,
    },
    #[error("cancelled: an earlier operation failed")]
    Cancelled,
}

fn last_output(output: &Option<String>) -> String {
    match output.as_deref().map(str::trim) {
        Some(text) if !text.is_empty() => format!(" (last healthcheck output: {text})"),
        _ => String::new(),
    }
}

/// Why an operation did not run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Skip {
    /// An operation it waits for failed or was skipped.
    DependencyFailed(OpId),
    /// An earlier failure cancelled what had not started.
    Cancelled,
    /// The plan has errors: nothing runs.
    InvalidPlan,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutcomeStatus {
    Succeeded,
    /// An optional dependency wait failed: the dependents ran anyway.
    Warned(String),
    Failed(ExecError),
    Skipped(Skip),
}

/// What became of one operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub op: OpId,
    /// `create container proj-web-1`.
    pub description: String,
    pub status: OutcomeStatus,
    pub started: Option<SystemTime>,
    pub finished: Option<SystemTime>,
    /// The id of the container a create made.
    pub created_id: Option<String>,
}

impl Outcome {
    pub fn succeeded(&self) -> bool {
        matches!(
            self.status,
            OutcomeStatus::Succeeded | OutcomeStatus::Warned(_)
        )
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{} {}: ", self.op, self.description)?;
        match &self.status {
            OutcomeStatus::Succeeded => f.write_str("done"),
            OutcomeStatus::Warned(message) => write!(f, "done, warning: {message}"),
            OutcomeStatus::Failed(error) => write!(f, "failed: {error}"),
            OutcomeStatus::Skipped(Skip::DependencyFailed(id)) => {
                write!(f, "skipped: #{id} did not succeed")
            }
            OutcomeStatus::Skipped(Skip::Cancelled) => {
                f.write_str("skipped: cancelled after a failure")
            }
            OutcomeStatus::Skipped(Skip::InvalidPlan) => {
                f.write_str("skipped: the plan has errors")
            }
        }
    }
}

/// What happened, operation by operation (in plan order).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Report {
    pub outcomes: Vec<Outcome>,
}

impl Report {
    /// Every operation succeeded (or warned).
    pub fn is_success(&self) -> bool {
        self.outcomes.iter().all(Outcome::succeeded)
    }

    pub fn succeeded(&self) -> impl Iterator<Item = &Outcome> {
        self.outcomes.iter().filter(|o| o.succeeded())
    }

    pub fn failed(&self) -> impl Iterator<Item = (&Outcome, &ExecError)> {
        self.outcomes.iter().filter_map(|o| match &o.status {
            OutcomeStatus::Failed(error) => Some((o, error)),
            _ => None,
        })
    }

    pub fn skipped(&self) -> impl Iterator<Item = &Outcome> {
        self.outcomes
            .iter()
            .filter(|o| matches!(o.status, OutcomeStatus::Skipped(_)))
    }

    pub fn outcome(&self, id: OpId) -> Option<&Outcome> {
        self.outcomes.iter().find(|outcome| outcome.op == id)
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for outcome in &self.outcomes {
            writeln!(f, "{outcome}")?;
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// Running

struct Done {
    /// The operation's position in the plan.
    index: usize,
    started: SystemTime,
    result: Result<Ran, ExecError>,
}

#[derive(Default)]
struct Ran {
    warning: Option<String>,
    created_id: Option<String>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    Pending,
    Running,
    Finished,
}

/// Runs `plan` against `engine`, reporting progress to `progress`.
pub async fn execute<E, P>(
    engine: &E,
    plan: &Plan,
    options: &ExecuteOptions,
    progress: &P,
) -> Report
where
    E: Engine,
    P: Progress + ?Sized,
{
    let count = plan.ops.len();
    let mut outcomes: Vec<Outcome> = plan
        .ops
        .iter()
        .map(|op| Outcome {
            op: op.id,
            description: op.action.describe(),
            status: OutcomeStatus::Skipped(Skip::Cancelled),
            started: None,
            finished: None,
            created_id: None,
        })
        .collect();
    if !plan.errors.is_empty() {
        for outcome in &mut outcomes {
            outcome.status = OutcomeStatus::Skipped(Skip::InvalidPlan);
        }
        return Report { outcomes };
    }

    // Prerequisites left, and dependents, by position.
    let position: HashMap<OpId, usize> = plan
        .ops
        .iter()
        .enumerate()
        .map(|(index, op)| (op.id, index))
        .collect();
    let mut waiting: Vec<usize> = vec![0; count];
    let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); count];
    for (index, op) in plan.ops.iter().enumerate() {
        for prerequisite in &op.after {
            match position.get(prerequisite).copied().filter(|p| *p != index) {
                Some(p) => {
                    waiting[index] += 1;
                    dependents[p].push(index);
                }
                // A prerequisite that is not in the plan cannot be met.
                None => {
                    outcomes[index].status =
                        OutcomeStatus::Skipped(Skip::DependencyFailed(*prerequisite));
                    waiting[index] = usize::MAX;
                }
            }
        }
    }
    let mut state = vec![State::Pending; count];
    let mut ready = ReadyQueue::default();
    for index in (0..count).filter(|i| waiting[*i] == 0) {
        ready.insert(index);
    }
    let (cancel, cancelled) = watch::channel(false);
    let cap = options.concurrency.max(1);
    let mut writes_in_flight = 0usize;
    let mut stopping = false;
    let mut in_flight: FuturesUnordered<BoxFuture<'_, Done>> = FuturesUnordered::new();

    loop {
        if !stopping {
            let startable: Vec<usize> = ready
                .iter()
                .filter(|i| !plan.ops[*i].action.is_write() || writes_in_flight < cap)
                .collect();
            for index in startable {
                let op = &plan.ops[index];
                if op.action.is_write() {
                    if writes_in_flight >= cap {
                        continue;
                    }
                    writes_in_flight += 1;
                }
                ready.remove(&index);
                state[index] = State::Running;
                in_flight.push(Box::pin(run(
                    engine,
                    index,
                    op,
                    options,
                    progress,
                    cancelled.clone(),
                )));
            }
        }
        let Some(done) = in_flight.next().await else {
            break;
        };
        ready.next_generation();
        let index = done.index;
        state[index] = State::Finished;
        if plan.ops[index].action.is_write() {
            writes_in_flight -= 1;
        }
        let outcome = &mut outcomes[index];
        outcome.started = Some(done.started);
        outcome.finished = Some(SystemTime::now());
        match done.result {
            Ok(ran) => {
                outcome.created_id = ran.created_id;
                outcome.status = match ran.warning {
                    Some(warning) => OutcomeStatus::Warned(warning),
                    None => OutcomeStatus::Succeeded,
                };
                for dependent in &dependents[index] {
                    if waiting[*dependent] == usize::MAX {
                        continue;
                    }
                    waiting[*dependent] -= 1;
                    if waiting[*dependent] == 0 && state[*dependent] == State::Pending {
                        ready.insert(*dependent);
                    }
                }
            }
            Err(ExecError::Cancelled) => {
                // A wait stopped by an earlier failure: not a failure of its own.
                outcome.status = OutcomeStatus::Skipped(Skip::Cancelled);
                skip_dependents(
                    plan,
                    index,
                    &dependents,
                    &mut waiting,
                    &mut outcomes,
                    &mut ready,
                );
            }
            Err(error) => {
                outcome.status = OutcomeStatus::Failed(error);
                skip_dependents(
                    plan,
                    index,
                    &dependents,
                    &mut waiting,
                    &mut outcomes,
                    &mut ready,
                );
                if options.on_error == OnError::CancelPending && !stopping {
                    stopping = true;
                    // Waits in flight stop polling; engine calls in flight finish.
                    let _ = cancel.send(true);
                }
            }
        }
    }
    // What never started: cancelled, unless a failed prerequisite already says why.
    for (index, outcome) in outcomes.iter_mut().enumerate() {
        if state[index] == State::Pending && waiting[index] != usize::MAX {
            outcome.status = OutcomeStatus::Skipped(Skip::Cancelled);
        }
    }
    Report { outcomes }
}

/// The operations ready to start, in the order they start: those that the latest completion
/// made ready first, in plan order among themselves. A container's start thus follows its
/// create at once (and a remove its stop), as in a pipeline, instead of waiting behind every
/// other create: the engine gets a mix of creates and starts, as `docker compose` and a
/// create-then-start loop give it, rather than all the creates and then all the starts.
#[derive(Default)]
struct ReadyQueue {
    order: BTreeSet<(std::cmp::Reverse<u64>, usize)>,
    generation_of: HashMap<usize, u64>,
    generation: u64,
}

impl ReadyQueue {
    /// Operations inserted from now on start before those inserted until now.
    fn next_generation(&mut self) {
        self.generation += 1;
    }

    fn insert(&mut self, index: usize) {
        if let std::collections::hash_map::Entry::Vacant(entry) = self.generation_of.entry(index) {
            entry.insert(self.generation);
            self.order
                .insert((std::cmp::Reverse(self.generation), index));
        }
    }

    fn remove(&mut self, index: &usize) {
        if let Some(generation) = self.generation_of.remove(index) {
            self.order.remove(&(std::cmp::Reverse(generation), *index));
        }
    }

    fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        self.order.iter().map(|(_, index)| *index)
    }
}

/// Marks everything that waits (transitively) on `failed` as skipped because of it.
fn skip_dependents(
    plan: &Plan,
    failed: usize,
    dependents: &[Vec<usize>],
    waiting: &mut [usize],
    outcomes: &mut [Outcome],
    ready: &mut ReadyQueue,
) {
    let mut queue: VecDeque<(usize, OpId)> = dependents[failed]
        .iter()
        .map(|d| (*d, plan.ops[failed].id))
        .collect();
    while let Some((index, because)) = queue.pop_front() {
        if waiting[index] == usize::MAX {
            continue;
        }
        waiting[index] = usize::MAX;
        ready.remove(&index);
        outcomes[index].status = OutcomeStatus::Skipped(Skip::DependencyFailed(because));
        queue.extend(dependents[index].iter().map(|d| (*d, plan.ops[index].id)));
    }
}

/// Emits events for one operation and makes its call(s).
async fn run<E, P>(
    engine: &E,
    index: usize,
    op: &Op,
    options: &ExecuteOptions,
    progress: &P,
    cancelled: watch::Receiver<bool>,
) -> Done
where
    E: Engine,
    P: Progress + ?Sized,
{
    let started = SystemTime::now();
    let emit = |kind: ObjectKind, name: &str, status: EventStatus, detail: Option<String>| {
        progress.event(ProgressEvent {
            time: SystemTime::now(),
            op: op.id,
            kind,
            name: name.to_string(),
            status,
            detail,
        })
    };
    // One call, bracketed by its "-ing" and "-ed" events, or an error event.
    macro_rules! step {
        ($kind:expr, $name:expr, $doing:expr, $done:expr, $call:expr) => {{
            emit($kind, $name, $doing, None);
            match $call.await {
                Ok(value) => {
                    emit($kind, $name, $done, None);
                    Ok(value)
                }
                Err(error) => {
                    let error = ExecError::from(error);
                    emit($kind, $name, EventStatus::Error, Some(error.to_string()));
                    Err(error)
                }
            }
        }};
    }
    let result: Result<Ran, ExecError> = match &op.action {
        Action::CreateNetwork(spec) => step!(
            ObjectKind::Network,
            &spec.name,
            EventStatus::Creating,
            EventStatus::Created,
            engine.create_network(spec)
        )
        .map(|_| Ran::default()),
        Action::RemoveNetwork { name } => step!(
            ObjectKind::Network,
            name,
            EventStatus::Removing,
            EventStatus::Removed,
            gone_is_done(engine.remove_network(name))
        )
        .map(|_| Ran::default()),
        Action::CreateVolume(spec) => step!(
            ObjectKind::Volume,
            &spec.name,
            EventStatus::Creating,
            EventStatus::Created,
            engine.create_volume(spec)
        )
        .map(|_| Ran::default()),
        Action::RemoveVolume { name } => step!(
            ObjectKind::Volume,
            name,
            EventStatus::Removing,
            EventStatus::Removed,
            gone_is_done(engine.remove_volume(name, false))
        )
        .map(|_| Ran::default()),
        Action::CreateContainer { spec, .. } => step!(
            ObjectKind::Container,
            &spec.name,
            EventStatus::Creating,
            EventStatus::Created,
            engine.create_container(spec)
        )
        .map(|id| Ran {
            created_id: Some(id),
            ..Ran::default()
        }),
        Action::ConnectNetwork {
            container,
            endpoint,
        } => {
            emit(
                ObjectKind::Container,
                container,
                EventStatus::Connecting,
                Some(endpoint.network.clone()),
            );
            match engine.connect_network(container, endpoint).await {
                Ok(()) => {
                    emit(
                        ObjectKind::Container,
                        container,
                        EventStatus::Connected,
                        Some(endpoint.network.clone()),
                    );
                    Ok(Ran::default())
                }
                Err(error) => {
                    let error = ExecError::from(error);
                    emit(
                        ObjectKind::Container,
                        container,
                        EventStatus::Error,
                        Some(error.to_string()),
                    );
                    Err(error)
                }
            }
        }
        Action::StartContainer { container } => step!(
            ObjectKind::Container,
            &container.name,
            EventStatus::Starting,
            EventStatus::Started,
            engine.start_container(container.target())
        )
        .map(|_| Ran::default()),
        Action::StopContainer { container, timeout } => step!(
            ObjectKind::Container,
            &container.name,
            EventStatus::Stopping,
            EventStatus::Stopped,
            gone_is_done(engine.stop_container(container.target(), *timeout))
        )
        .map(|_| Ran::default()),
        Action::RemoveContainer { container, volumes } => step!(
            ObjectKind::Container,
            &container.name,
            EventStatus::Removing,
            EventStatus::Removed,
            gone_is_done(engine.remove_container(
                container.target(),
                RemoveContainerOptions {
                    force: false,
                    volumes: *volumes,
                },
            ))
        )
        .map(|_| Ran::default()),
        Action::RemoveImage { image } => step!(
            ObjectKind::Image,
            image,
            EventStatus::Removing,
            EventStatus::Removed,
            gone_is_done(engine.remove_image(image))
        )
        .map(|_| Ran::default()),
        Action::WaitHealthy {
            service,
            containers,
            required,
            timeout,
        } => {
            for container in containers {
                emit(ObjectKind::Container, container, EventStatus::Waiting, None);
            }
            let result = wait_healthy(
                engine,
                service,
                containers,
                *timeout,
                options.poll_interval,
                cancelled,
            )
            .await;
            finish_wait(&emit, containers, EventStatus::Healthy, result, *required)
        }
        Action::WaitCompleted {
            service,
            containers,
            required,
            timeout,
        } => {
            for container in containers {
                emit(ObjectKind::Container, container, EventStatus::Waiting, None);
            }
            let result = wait_completed(engine, service, containers, *timeout, cancelled).await;
            finish_wait(&emit, containers, EventStatus::Exited, result, *required)
        }
    };
    Done {
        index,
        started,
        result,
    }
}

/// Stop and remove calls on an object that is already gone did what they were for.
async fn gone_is_done(
    call: impl std::future::Future<Output = Result<(), EngineError>>,
) -> Result<(), EngineError> {
    match call.await {
        Err(error) if error.is_not_found() => Ok(()),
        other => other,
    }
}

fn finish_wait(
    emit: &impl Fn(ObjectKind, &str, EventStatus, Option<String>),
    containers: &[String],
    done: EventStatus,
    result: Result<(), (Option<String>, ExecError)>,
    required: bool,
) -> Result<Ran, ExecError> {
    match result {
        Ok(()) => {
            for container in containers {
                emit(ObjectKind::Container, container, done, None);
            }
            Ok(Ran::default())
        }
        Err((container, ExecError::Cancelled)) => {
            let _ = container;
            Err(ExecError::Cancelled)
        }
        Err((container, error)) => {
            let name = container.unwrap_or_else(|| containers.join(", "));
            if required {
                emit(
                    ObjectKind::Container,
                    &name,
                    EventStatus::Error,
                    Some(error.to_string()),
                );
                Err(error)
            } else {
                let message = format!("optional dependency: {error}");
                emit(
                    ObjectKind::Container,
                    &name,
                    EventStatus::Warning,
                    Some(message.clone()),
                );
                Ok(Ran {
                    warning: Some(message),
                    ..Ran::default()
                })
            }
        }
    }
}

/// Sleeps `duration`; `false` when cancelled meanwhile.
async fn pause(duration: Duration, cancelled: &mut watch::Receiver<bool>) -> bool {
    if *cancelled.borrow() {
        return false;
    }
    let slept = tokio::select! {
        _ = tokio::time::sleep(duration) => true,
        _ = cancelled.wait_for(|c| *c) => false,
    };
    slept && !*cancelled.borrow()
}

/// Inspects the containers until all are healthy. An unhealthy or exited container fails at
/// once, as in docker compose; so does one without a health check.
async fn wait_healthy<E: Engine>(
    engine: &E,
    service: &str,
    containers: &[String],
    timeout: Option<Duration>,
    poll: Duration,
    mut cancelled: watch::Receiver<bool>,
) -> Result<(), (Option<String>, ExecError)> {
    let deadline = timeout.map(|timeout| Instant::now() + timeout);
    let mut last_output: Option<String> = None;
    loop {
        let mut all_healthy = true;
        for container in containers {
            let info = engine
                .inspect_container(container)
                .await
                .map_err(|error| (Some(container.clone()), ExecError::from(error)))?;
            if matches!(
                info.state.status,
                ContainerStatus::Exited | ContainerStatus::Dead
            ) {
                return Err((
                    Some(container.clone()),
                    ExecError::ExitedBeforeHealthy {
                        container: container.clone(),
                        code: info.state.exit_code,
                    },
                ));
            }
            let Some(health) = info.state.health else {
                return Err((
                    Some(container.clone()),
                    ExecError::NoHealthcheck {
                        container: container.clone(),
                    },
                ));
            };
            match health.status {
                HealthStatus::Healthy => {}
                HealthStatus::Unhealthy => {
                    return Err((
                        Some(container.clone()),
                        ExecError::Unhealthy {
                            container: container.clone(),
                            output: health.last_output,
                        },
                    ))
                }
                HealthStatus::Starting => {
                    all_healthy = false;
                    if health.last_output.is_some() {
                        last_output = health.last_output;
                    }
                }
            }
        }
        if all_healthy {
            return Ok(());
        }
        let mut sleep = poll;
        if let Some(deadline) = deadline {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err((
                    None,
                    ExecError::TimedOut {
                        service: service.to_string(),
                        timeout: timeout.unwrap_or_default(),
                        output: last_output,
                    },
                ));
            }
            sleep = sleep.min(left);
        }
        if !pause(sleep, &mut cancelled).await {
            return Err((None, ExecError::Cancelled));
        }
    }
}

/// Waits for every container to exit, and fails unless all exit with 0.
async fn wait_completed<E: Engine>(
    engine: &E,
    service: &str,
    containers: &[String],
    timeout: Option<Duration>,
    mut cancelled: watch::Receiver<bool>,
) -> Result<(), (Option<String>, ExecError)> {
    let deadline = timeout.map(|timeout| tokio::time::Instant::now() + timeout);
    for container in containers {
        let wait = engine.wait_container(container, WaitCondition::NotRunning);
        let code = tokio::select! {
            code = wait => code.map_err(|error| (Some(container.clone()), ExecError::from(error)))?,
            _ = cancelled.wait_for(|c| *c) => return Err((None, ExecError::Cancelled)),
            _ = sleep_until(deadline) => return Err((None, ExecError::TimedOut {
                service: service.to_string(),
                timeout: timeout.unwrap_or_default(),
                output: None,
            })),
        };
        if code != 0 {
            return Err((
                Some(container.clone()),
                ExecError::CompletedWithError {
                    service: service.to_string(),
                    container: container.clone(),
                    code,
                },
            ));
        }
    }
    Ok(())
}

async fn sleep_until(deadline: Option<tokio::time::Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}
