//! An in-memory engine for executor and planner tests: it keeps containers, networks, volumes
//! and images with ids and labels, behaves like the real engine where the contract tests pin it
//! (conflicts, missing objects, in-use objects, idempotent start and stop), records every call
//! with its start and end time, and injects failures and delays.
//!
//! ```no_run
//! # async fn demo() {
//! use std::time::Duration;
//! use rcompose::engine::fake::{Fault, FakeEngine};
//! use rcompose::engine::{Engine, EngineCall};
//!
//! let engine = FakeEngine::new().with_image("rcompose-test/busybox:latest");
//! engine.inject(Fault::fail(EngineCall::StartContainer, "port is already allocated").on("proj-db-1"));
//! engine.inject(Fault::delay(EngineCall::CreateContainer, Duration::from_millis(50)));
//! // ... run the executor against `engine`, then look at engine.calls().
//! # }
//! ```
//!
//! There is no process: a started container runs until it is stopped, killed, or told to exit
//! ([`FakeEngine::exit_container`], or a [`Program`] that exits at once). Health checks do not
//! run: a container with one stays `starting` until [`FakeEngine::set_health`] or its program
//! says otherwise.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use futures_util::StreamExt;
use tokio::sync::watch;

use super::{
    ContainerInfo, ContainerSpec, ContainerState, ContainerStatus, ContainerSummary, EndpointInfo,
    EndpointSpec, Engine, EngineCall, EngineError, EngineVersion, ErrorKind, Health, HealthStatus,
    ImageInfo, Ipam, IpamPool, Labels, LogLine, LogSource, LogStream, LogsOptions, MountInfo,
    MountKind, NetworkInfo, NetworkMember, NetworkSpec, ProjectFilter, RemoveContainerOptions,
    VolumeInfo, VolumeSpec, WaitCondition,
};
use super::{ContainerPort, PROJECT_LABEL};

const NEVER: &str = "0001-01-01T00:00:00Z";

/// One call the fake received, in the order calls began.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallRecord {
    /// The position of the call among all calls, from 0.
    pub index: usize,
    pub call: EngineCall,
    /// The name or id the call was about (the project, for list calls).
    pub target: String,
    pub started: Instant,
    /// `None` while the call runs, or when its future was dropped before the end.
    pub finished: Option<Instant>,
    /// The error the call returned, if it failed.
    pub error: Option<String>,
}

impl CallRecord {
    /// Whether two calls ran at the same time for a while.
    pub fn overlaps(&self, other: &CallRecord) -> bool {
        let ends_after = |record: &CallRecord, instant: Instant| {
            record.finished.is_none_or(|finished| finished > instant)
        };
        ends_after(self, other.started) && ends_after(other, self.started)
    }

    /// `create_container proj-web-1`.
    pub fn describe(&self) -> String {
        format!("{} {}", self.call.name(), self.target)
    }
}

/// A failure or a delay to inject into matching calls.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    call: EngineCall,
    target: Option<String>,
    effect: Effect,
    /// How many more calls it applies to; `None` for all of them.
    remaining: Option<usize>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Effect {
    Fail { kind: ErrorKind, message: String },
    Delay(Duration),
}

impl Fault {
    /// Fails the next matching call with `message` (an `ErrorKind::Other` error, as a 500 from
    /// the engine would be).
    pub fn fail(call: EngineCall, message: impl Into<String>) -> Self {
        Fault {
            call,
            target: None,
            effect: Effect::Fail {
                kind: ErrorKind::Other,
                message: message.into(),
            },
            remaining: Some(1),
        }
    }

    /// Delays every matching call by `delay` before it acts.
    pub fn delay(call: EngineCall, delay: Duration) -> Self {
        Fault {
            call,
            target: None,
            effect: Effect::Delay(delay),
            remaining: None,
        }
    }

    /// Only calls about this object: a name or id, matched against what the call was given and
    /// against the name and id of the object it resolves to.
    pub fn on(mut self, target: impl Into<String>) -> Self {
        self.target = Some(target.into());
        self
    }

    /// The kind of the injected error.
    pub fn kind(mut self, kind: ErrorKind) -> Self {
        if let Effect::Fail { kind: own, .. } = &mut self.effect {
            *own = kind;
        }
        self
    }

    /// Applies to the next `count` matching calls.
    pub fn times(mut self, count: usize) -> Self {
        self.remaining = Some(count);
        self
    }

    /// Applies to every matching call.
    pub fn always(mut self) -> Self {
        self.remaining = None;
        self
    }
}

/// What a fake container "does" when it starts.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Program {
    /// The lines it prints as it starts, in order, each on its stream.
    pub output: Vec<(LogSource, String)>,
    /// Exits at once with this code; `None` runs until stopped or killed.
    pub exit_code: Option<i64>,
    /// The health its check reports once started, with the check's output; `None` stays
    /// `starting`.
    pub health: Option<(HealthStatus, String)>,
    /// The exit code `stop` leaves; 137 when `None`, as for a process that ignores `SIGTERM`
    /// and is killed when the timeout ends (what `sleep` as PID 1 does).
    pub stop_exit_code: Option<i64>,
}

/// The in-memory engine. Clones share the same state and call log.
#[derive(Debug, Clone)]
pub struct FakeEngine {
    shared: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    state: Mutex<State>,
    calls: Mutex<Vec<CallRecord>>,
    faults: Mutex<Vec<Fault>>,
    /// Bumped after every change, for waits and followed logs.
    changes: watch::Sender<u64>,
}

#[derive(Debug)]
struct State {
    api_version: String,
    next_id: u64,
    next_subnet: u8,
    containers: BTreeMap<String, FakeContainer>,
    /// The exit code of removed containers, by id, for waits on removal.
    removed: HashMap<String, i64>,
    networks: BTreeMap<String, FakeNetwork>,
    volumes: BTreeMap<String, VolumeInfo>,
    images: Vec<ImageInfo>,
    programs: HashMap<String, Program>,
}

#[derive(Debug, Clone)]
struct FakeContainer {
    id: String,
    name: String,
    spec: ContainerSpec,
    image_id: String,
    labels: Labels,
    created: String,
    created_unix: i64,
    status: ContainerStatus,
    exit_code: i64,
    pid: i64,
    started_at: String,
    finished_at: String,
    /// How many times it has exited, for `WaitCondition::NextExit`.
    exits: u64,
    health: Option<Health>,
    /// By network name.
    endpoints: BTreeMap<String, FakeEndpoint>,
    anonymous_volumes: Vec<String>,
    logs: Vec<FakeLog>,
}

#[derive(Debug, Clone)]
struct FakeEndpoint {
    spec: EndpointSpec,
    ipv4_address: String,
    mac_address: String,
}

#[derive(Debug, Clone)]
struct FakeLog {
    source: LogSource,
    message: String,
    timestamp: String,
    unix: i64,
}

#[derive(Debug, Clone)]
struct FakeNetwork {
    info: NetworkInfo,
    /// For handing out addresses.
    subnet_prefix: Option<String>,
    next_host: u8,
}

impl Default for FakeEngine {
    fn default() -> Self {
        Self::new()
    }
}

impl FakeEngine {
    /// An engine with the predefined networks (`bridge`, `host`, `none`) and nothing else, at
    /// API version 1.41 (Docker 20.10).
    pub fn new() -> Self {
        let mut state = State {
            api_version: "1.41".to_string(),
            next_id: 0,
            next_subnet: 20,
            containers: BTreeMap::new(),
            removed: HashMap::new(),
            networks: BTreeMap::new(),
            volumes: BTreeMap::new(),
            images: Vec::new(),
            programs: HashMap::new(),
        };
        for (name, driver) in [("bridge", "bridge"), ("host", "host"), ("none", "null")] {
            let id = state.new_id();
            let subnet = (name == "bridge").then(|| "172.17.0".to_string());
            state.networks.insert(
                id.clone(),
                FakeNetwork {
                    info: NetworkInfo {
                        id,
                        name: name.to_string(),
                        driver: driver.to_string(),
                        scope: "local".to_string(),
                        ipam: Ipam {
                            driver: Some("default".to_string()),
                            config: subnet
                                .iter()
                                .map(|prefix| IpamPool {
                                    subnet: Some(format!("{prefix}.0/16")),
                                    gateway: Some(format!("{prefix}.1")),
                                    ..Default::default()
                                })
                                .collect(),
                            options: Labels::new(),
                        },
                        ..Default::default()
                    },
                    subnet_prefix: subnet,
                    next_host: 2,
                },
            );
        }
        FakeEngine {
            shared: Arc::new(Shared {
                state: Mutex::new(state),
                calls: Mutex::new(Vec::new()),
                faults: Mutex::new(Vec::new()),
                changes: watch::channel(0).0,
            }),
        }
    }

    /// The engine speaks this API version (`1.44` takes several endpoints at creation).
    pub fn with_api_version(self, version: &str) -> Self {
        self.state().api_version = version.to_string();
        self
    }

    /// Adds an image, e.g. `rcompose-test/busybox:latest` (`:latest` when no tag is given).
    pub fn with_image(self, reference: &str) -> Self {
        self.add_image(reference);
        self
    }

    /// Adds an image and returns its id.
    pub fn add_image(&self, reference: &str) -> String {
        let mut state = self.state();
        let reference = normalise_reference(reference);
        if let Some(image) = state
            .images
            .iter()
            .find(|image| image.repo_tags.contains(&reference))
        {
            return image.id.clone();
        }
        let id = format!("sha256:{}", state.new_id());
        state.images.push(ImageInfo {
            id: id.clone(),
            repo_tags: vec![reference],
            os: "linux".to_string(),
            architecture: "amd64".to_string(),
            ..Default::default()
        });
        id
    }

    /// Adds an image described in full; its `repo_tags` name it.
    pub fn add_image_info(&self, image: ImageInfo) {
        self.state().images.push(image);
    }

    /// `docker tag SOURCE TAG`: one more name for an image; false when `source` is missing.
    pub fn tag_image(&self, source: &str, tag: &str) -> bool {
        let mut state = self.state();
        let Some(id) = state.find_image(source).map(|image| image.id.clone()) else {
            return false;
        };
        let tag = normalise_reference(tag);
        for image in &mut state.images {
            image.repo_tags.retain(|t| *t != tag);
        }
        if let Some(image) = state.images.iter_mut().find(|image| image.id == id) {
            image.repo_tags.push(tag);
        }
        true
    }

    /// What the container named `container` does when it starts (before or after it exists).
    pub fn set_program(&self, container: &str, program: Program) {
        self.state().programs.insert(container.to_string(), program);
    }

    /// Makes a running container exit with `code`, as if its process ended.
    pub fn exit_container(&self, container: &str, code: i64) -> Result<(), EngineError> {
        let result = self.mutate(|state| {
            let id = state.container_id(EngineCall::WaitContainer, container)?;
            let entry = state
                .containers
                .get_mut(&id)
                .ok_or_else(|| no_such_container(EngineCall::WaitContainer, container))?;
            if entry.status == ContainerStatus::Running {
                entry.exit(code);
            }
            Ok(())
        });
        result
    }

    /// Sets the health a container's check reports, with the check's output.
    pub fn set_health(
        &self,
        container: &str,
        status: HealthStatus,
        output: &str,
    ) -> Result<(), EngineError> {
        self.mutate(|state| {
            let id = state.container_id(EngineCall::InspectContainer, container)?;
            if let Some(entry) = state.containers.get_mut(&id) {
                entry.set_health(status, output);
            }
            Ok(())
        })
    }

    /// Appends output to a container's log.
    pub fn append_log(
        &self,
        container: &str,
        source: LogSource,
        message: &str,
    ) -> Result<(), EngineError> {
        self.mutate(|state| {
            let id = state.container_id(EngineCall::ContainerLogs, container)?;
            if let Some(entry) = state.containers.get_mut(&id) {
                entry.log(source, message);
            }
            Ok(())
        })
    }

    /// Adds a failure or delay for later calls.
    pub fn inject(&self, fault: Fault) {
        lock(&self.shared.faults).push(fault);
    }

    /// Removes every injected fault.
    pub fn clear_faults(&self) {
        lock(&self.shared.faults).clear();
    }

    /// Every call so far, in the order they began.
    pub fn calls(&self) -> Vec<CallRecord> {
        lock(&self.shared.calls).clone()
    }

    /// The calls that changed something, as `create_container proj-web-1` lines.
    pub fn mutating_calls(&self) -> Vec<String> {
        lock(&self.shared.calls)
            .iter()
            .filter(|record| record.call.is_mutating())
            .map(CallRecord::describe)
            .collect()
    }

    /// Forgets the calls so far.
    pub fn clear_calls(&self) {
        lock(&self.shared.calls).clear();
    }

    /// The largest number of calls of `call` (of any kind when `None`) that ran at once.
    pub fn max_concurrency(&self, call: Option<EngineCall>) -> usize {
        let calls = lock(&self.shared.calls);
        // Ends sort before starts at the same instant: touching calls do not overlap.
        let mut events: Vec<(Instant, i32)> = Vec::new();
        for record in calls
            .iter()
            .filter(|record| call.is_none_or(|call| record.call == call))
        {
            events.push((record.started, 1));
            if let Some(finished) = record.finished {
                events.push((finished, -1));
            }
        }
        events.sort();
        let mut running = 0i32;
        let mut most = 0i32;
        for (_, step) in events {
            running += step;
            most = most.max(running);
        }
        usize::try_from(most).unwrap_or(0)
    }

    fn state(&self) -> MutexGuard<'_, State> {
        lock(&self.shared.state)
    }

    /// Changes the state and wakes whoever waits for a change.
    fn mutate<T>(
        &self,
        change: impl FnOnce(&mut State) -> Result<T, EngineError>,
    ) -> Result<T, EngineError> {
        let result = change(&mut self.state());
        self.shared.changes.send_modify(|version| *version += 1);
        result
    }

    /// Records the beginning of a call and picks the faults that apply to it.
    fn begin(&self, call: EngineCall, target: &str) -> (usize, Duration, Option<EngineError>) {
        let aliases = self.state().aliases(call, target);
        let index = {
            let mut calls = lock(&self.shared.calls);
            let index = calls.len();
            calls.push(CallRecord {
                index,
                call,
                target: target.to_string(),
                started: Instant::now(),
                finished: None,
                error: None,
            });
            index
        };
        let mut delay = Duration::ZERO;
        let mut failure = None;
        let mut faults = lock(&self.shared.faults);
        for fault in faults.iter_mut() {
            let matches = fault.call == call
                && fault.remaining != Some(0)
                && fault
                    .target
                    .as_ref()
                    .is_none_or(|wanted| aliases.iter().any(|alias| alias == wanted));
            if !matches {
                continue;
            }
            match &fault.effect {
                Effect::Delay(extra) => delay += *extra,
                Effect::Fail { kind, message } => {
                    if failure.is_some() {
                        continue;
                    }
                    failure = Some(EngineError::call(call, target, *kind, message.clone()));
                }
            }
            if let Some(remaining) = &mut fault.remaining {
                *remaining -= 1;
            }
        }
        faults.retain(|fault| fault.remaining != Some(0));
        (index, delay, failure)
    }

    fn end(&self, index: usize, error: Option<&EngineError>) {
        if let Some(record) = lock(&self.shared.calls).get_mut(index) {
            record.finished = Some(Instant::now());
            record.error = error.map(ToString::to_string);
        }
    }

    /// Runs one call: records it, applies faults, then changes the state.
    async fn run<T>(
        &self,
        call: EngineCall,
        target: &str,
        change: impl FnOnce(&mut State) -> Result<T, EngineError> + Send,
    ) -> Result<T, EngineError> {
        let (index, delay, failure) = self.begin(call, target);
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
        let result = match failure {
            Some(error) => Err(error),
            None => self.mutate(change),
        };
        self.end(index, result.as_ref().err());
        result
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A test that panicked while holding the lock must not hide its own failure behind ours.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

fn no_such_container(call: EngineCall, container: &str) -> EngineError {
    EngineError::call(
        call,
        container,
        ErrorKind::NotFound,
        format!("No such container: {container}"),
    )
}

fn no_such_network(call: EngineCall, object: &str, network: &str) -> EngineError {
    EngineError::call(
        call,
        object,
        ErrorKind::NotFound,
        format!("network {network} not found"),
    )
}

/// `busybox` → `busybox:latest`; tags and digests stay.
fn normalise_reference(reference: &str) -> String {
    let last = reference.rsplit('/').next().unwrap_or(reference);
    if reference.contains('@') || last.contains(':') {
        reference.to_string()
    } else {
        format!("{reference}:latest")
    }
}

fn valid_container_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphanumeric())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

fn signal_number(signal: &str) -> Option<i64> {
    let name = signal.trim_start_matches("SIG");
    if let Ok(number) = name.parse::<i64>() {
        return (1..=64).contains(&number).then_some(number);
    }
    Some(match name {
        "HUP" => 1,
        "INT" => 2,
        "QUIT" => 3,
        "ILL" => 4,
        "TRAP" => 5,
        "ABRT" => 6,
        "BUS" => 7,
        "FPE" => 8,
        "KILL" => 9,
        "USR1" => 10,
        "SEGV" => 11,
        "USR2" => 12,
        "PIPE" => 13,
        "ALRM" => 14,
        "TERM" => 15,
        "CHLD" => 17,
        "CONT" => 18,
        "STOP" => 19,
        "TSTP" => 20,
        "WINCH" => 28,
        _ => return None,
    })
}

fn unix_now() -> (i64, u32) {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO);
    (
        i64::try_from(now.as_secs()).unwrap_or(i64::MAX),
        now.subsec_nanos(),
    )
}

/// RFC 3339 in UTC with nanoseconds, as the engine writes time stamps.
fn rfc3339(seconds: i64, nanos: u32) -> String {
    let days = seconds.div_euclid(86_400);
    let of_day = seconds.rem_euclid(86_400);
    // Howard Hinnant's civil-from-days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{nanos:09}Z",
        of_day / 3600,
        of_day % 3600 / 60,
        of_day % 60
    )
}

fn now() -> (String, i64) {
    let (seconds, nanos) = unix_now();
    (rfc3339(seconds, nanos), seconds)
}

impl FakeContainer {
    fn running(&self) -> bool {
        self.status == ContainerStatus::Running
    }

    fn exit(&mut self, code: i64) {
        self.status = ContainerStatus::Exited;
        self.exit_code = code;
        self.pid = 0;
        self.finished_at = now().0;
        self.exits += 1;
        for endpoint in self.endpoints.values_mut() {
            endpoint.ipv4_address.clear();
        }
    }

    fn set_health(&mut self, status: HealthStatus, output: &str) {
        let failing_streak = match status {
            HealthStatus::Unhealthy => self.health.as_ref().map_or(0, |h| h.failing_streak) + 1,
            _ => 0,
        };
        self.health = Some(Health {
            status,
            failing_streak,
            last_output: Some(output.to_string()),
            last_exit_code: Some(i64::from(status == HealthStatus::Unhealthy)),
        });
    }

    fn log(&mut self, source: LogSource, message: &str) {
        let (timestamp, unix) = now();
        let mut message = message.to_string();
        if !message.ends_with('\n') {
            message.push('\n');
        }
        // A container with a TTY has one stream.
        let source = if self.spec.tty {
            LogSource::Console
        } else {
            source
        };
        self.logs.push(FakeLog {
            source,
            message,
            timestamp,
            unix,
        });
    }

    fn summary(&self) -> ContainerSummary {
        ContainerSummary {
            id: self.id.clone(),
            name: self.name.clone(),
            image: self.spec.image.clone(),
            image_id: self.image_id.clone(),
            status: self.status,
            status_text: match self.status {
                ContainerStatus::Running => "Up".to_string(),
                ContainerStatus::Exited => format!("Exited ({})", self.exit_code),
                ContainerStatus::Created => "Created".to_string(),
                other => other.to_string(),
            },
            created: self.created_unix,
            labels: self.labels.clone(),
            networks: self.endpoints.keys().cloned().collect(),
            command: self.command(),
            ports: self.ports(),
            mounts: self.mounts(),
        }
    }

    /// Entrypoint and arguments, joined as the engine's list call shows them.
    fn command(&self) -> String {
        let parts = self.spec.entrypoint.iter().flatten();
        parts
            .chain(self.spec.cmd.iter().flatten())
            .cloned()
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// While it runs: the published ports (fixed host ports only: the fake allocates none) and
    /// the exposed ones; stopped, none (as `docker ps -a` shows).
    fn ports(&self) -> Vec<ContainerPort> {
        if !self.running() {
            return Vec::new();
        }
        let mut ports: Vec<ContainerPort> = self
            .spec
            .port_bindings
            .iter()
            .map(|binding| ContainerPort {
                ip: Some(
                    binding
                        .host_ip
                        .clone()
                        .unwrap_or_else(|| "0.0.0.0".to_string()),
                ),
                private_port: binding.container_port,
                public_port: binding
                    .host_port
                    .as_deref()
                    .and_then(|port| port.split('-').next())
                    .and_then(|port| port.parse().ok()),
                protocol: binding.protocol.as_str().to_string(),
            })
            .collect();
        for exposed in &self.spec.exposed_ports {
            let (port, protocol) = exposed.split_once('/').unwrap_or((exposed, "tcp"));
            let Ok(private_port) = port.parse::<u16>() else {
                continue;
            };
            if !ports
                .iter()
                .any(|p| p.private_port == private_port && p.protocol == protocol)
            {
                ports.push(ContainerPort {
                    ip: None,
                    private_port,
                    public_port: None,
                    protocol: protocol.to_string(),
                });
            }
        }
        ports.sort();
        ports
    }

    /// The mounts as the engine reports them: the mount API's, and the binds (`source:target`
    /// with a volume name as source is a volume, as the engine says).
    fn mounts(&self) -> Vec<MountInfo> {
        let binds = self.spec.binds.iter().filter_map(|bind| {
            let mut parts = bind.splitn(3, ':');
            let source = parts.next()?;
            let target = parts.next()?;
            let options = parts.next().unwrap_or_default();
            let volume = !source.starts_with('/') && !source.starts_with('.');
            Some(MountInfo {
                kind: if volume { "volume" } else { "bind" }.to_string(),
                name: volume.then(|| source.to_string()),
                source: source.to_string(),
                destination: target.to_string(),
                read_write: !options.split(',').any(|option| option == "ro"),
            })
        });
        self.spec
            .mounts
            .iter()
            .map(|mount| MountInfo {
                kind: mount.kind.as_str().to_string(),
                name: (mount.kind == MountKind::Volume)
                    .then(|| mount.source.clone())
                    .flatten(),
                source: mount.source.clone().unwrap_or_default(),
                destination: mount.target.clone(),
                read_write: !mount.read_only,
            })
            .chain(binds)
            .collect()
    }

    fn info(&self) -> ContainerInfo {
        let running = self.running();
        ContainerInfo {
            id: self.id.clone(),
            name: self.name.clone(),
            image: self.spec.image.clone(),
            image_id: self.image_id.clone(),
            created: self.created.clone(),
            labels: self.labels.clone(),
            state: ContainerState {
                status: self.status,
                running,
                paused: false,
                restarting: false,
                oom_killed: false,
                dead: false,
                pid: self.pid,
                exit_code: self.exit_code,
                error: String::new(),
                started_at: self.started_at.clone(),
                finished_at: self.finished_at.clone(),
                health: self.health.clone(),
            },
            restart_count: 0,
            network_mode: self
                .spec
                .network_mode
                .clone()
                .unwrap_or_else(|| "default".to_string()),
            networks: self
                .endpoints
                .iter()
                .map(|(name, endpoint)| {
                    (
                        name.clone(),
                        EndpointInfo {
                            network_id: String::new(),
                            aliases: endpoint.spec.aliases.clone(),
                            ipv4_address: endpoint.ipv4_address.clone(),
                            ipv6_address: String::new(),
                            mac_address: if running {
                                endpoint.mac_address.clone()
                            } else {
                                String::new()
                            },
                        },
                    )
                })
                .collect(),
            mounts: self.mounts(),
        }
    }

    /// The named volumes the container uses, by mounts or binds.
    fn volume_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .spec
            .mounts
            .iter()
            .filter(|mount| mount.kind == MountKind::Volume)
            .filter_map(|mount| mount.source.clone())
            .collect();
        names.extend(self.spec.binds.iter().filter_map(|bind| {
            let source = bind.split(':').next()?;
            (!source.starts_with('/') && !source.starts_with('.') && !source.is_empty())
                .then(|| source.to_string())
        }));
        names.extend(self.anonymous_volumes.iter().cloned());
        names
    }
}

impl State {
    fn new_id(&mut self) -> String {
        self.next_id += 1;
        let mut id = String::with_capacity(64);
        for salt in 1..=4u64 {
            let mut z = self
                .next_id
                .wrapping_mul(0x9E37_79B9_7F4A_7C15)
                .wrapping_add(salt.wrapping_mul(0xD1B5_4A32_D192_ED03));
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^= z >> 31;
            id.push_str(&format!("{z:016x}"));
        }
        id
    }

    /// Everything a call's target is known as, for matching faults.
    fn aliases(&self, call: EngineCall, target: &str) -> Vec<String> {
        let mut aliases = vec![target.to_string()];
        let container = self.find_container(target);
        let network = self.find_network(target);
        match call {
            EngineCall::InspectNetwork | EngineCall::RemoveNetwork | EngineCall::CreateNetwork => {
                if let Some(id) = network {
                    aliases.push(id.clone());
                    aliases.push(self.networks[&id].info.name.clone());
                }
            }
            _ => {
                if let Some(id) = container {
                    aliases.push(id.clone());
                    aliases.push(self.containers[&id].name.clone());
                }
            }
        }
        aliases
    }

    /// A container by id, name (with or without `/`), or unique id prefix.
    fn find_container(&self, reference: &str) -> Option<String> {
        if reference.is_empty() {
            return None;
        }
        if self.containers.contains_key(reference) {
            return Some(reference.to_string());
        }
        let name = reference.strip_prefix('/').unwrap_or(reference);
        if let Some(container) = self.containers.values().find(|c| c.name == name) {
            return Some(container.id.clone());
        }
        let mut prefixed = self
            .containers
            .keys()
            .filter(|id| id.starts_with(reference));
        match (prefixed.next(), prefixed.next()) {
            (Some(id), None) => Some(id.clone()),
            _ => None,
        }
    }

    fn container_id(&self, call: EngineCall, reference: &str) -> Result<String, EngineError> {
        self.find_container(reference)
            .ok_or_else(|| no_such_container(call, reference))
    }

    /// A network by name, id, or unique id prefix.
    fn find_network(&self, reference: &str) -> Option<String> {
        if reference.is_empty() {
            return None;
        }
        if let Some(network) = self.networks.values().find(|n| n.info.name == reference) {
            return Some(network.info.id.clone());
        }
        if self.networks.contains_key(reference) {
            return Some(reference.to_string());
        }
        let mut prefixed = self.networks.keys().filter(|id| id.starts_with(reference));
        match (prefixed.next(), prefixed.next()) {
            (Some(id), None) => Some(id.clone()),
            _ => None,
        }
    }

    fn find_image(&self, reference: &str) -> Option<&ImageInfo> {
        let normalised = normalise_reference(reference);
        self.images.iter().find(|image| {
            image.repo_tags.contains(&normalised)
                || image.id == reference
                || image.id.strip_prefix("sha256:") == Some(reference)
                || (reference.len() >= 12
                    && image
                        .id
                        .strip_prefix("sha256:")
                        .is_some_and(|id| id.starts_with(reference)))
        })
    }

    fn ensure_volume(&mut self, name: &str, labels: Labels) {
        if !self.volumes.contains_key(name) {
            self.volumes.insert(
                name.to_string(),
                VolumeInfo {
                    name: name.to_string(),
                    driver: "local".to_string(),
                    mountpoint: format!("/var/lib/docker/volumes/{name}/_data"),
                    labels,
                    options: Labels::new(),
                    scope: "local".to_string(),
                    created_at: Some(now().0),
                },
            );
        }
    }

    fn create_container(&mut self, spec: &ContainerSpec) -> Result<String, EngineError> {
        const CALL: EngineCall = EngineCall::CreateContainer;
        let object = if spec.name.is_empty() {
            spec.image.as_str()
        } else {
            spec.name.as_str()
        };
        if !spec.name.is_empty() && !valid_container_name(&spec.name) {
            return Err(EngineError::call(
                CALL,
                object,
                ErrorKind::InvalidArgument,
                format!(
                    "Invalid container name ({}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed",
                    spec.name
                ),
            ));
        }
        if let Some(existing) = self.containers.values().find(|c| c.name == spec.name) {
            return Err(EngineError::call(
                CALL,
                object,
                ErrorKind::Conflict,
                format!(
                    "Conflict. The container name \"/{}\" is already in use by container \"{}\". \
                     You have to remove (or rename) that container to be able to reuse that name",
                    spec.name, existing.id
                ),
            ));
        }
        let image = self.find_image(&spec.image).cloned().ok_or_else(|| {
            EngineError::call(
                CALL,
                object,
                ErrorKind::NotFound,
                format!("No such image: {}", normalise_reference(&spec.image)),
            )
        })?;
        if spec.endpoints.len() > 1 && !super::api_at_least(&self.api_version, 1, 44) {
            let mut names: Vec<&str> = spec.endpoints.iter().map(|e| e.network.as_str()).collect();
            names.sort_unstable();
            return Err(EngineError::call(
                CALL,
                object,
                ErrorKind::InvalidArgument,
                format!(
                    "Container cannot be connected to network endpoints: {}",
                    names.join(", ")
                ),
            ));
        }

        let id = self.new_id();
        let name = if spec.name.is_empty() {
            format!("fake_{}", &id[..8])
        } else {
            spec.name.clone()
        };
        // Like the engine: the image's labels, then the container's.
        let mut labels = image.labels.clone();
        labels.extend(spec.labels.clone());

        // Named volumes that do not exist yet are created, without labels, as the engine does;
        // an anonymous volume gets a random name.
        let mut anonymous_volumes = Vec::new();
        for mount in &spec.mounts {
            if mount.kind != MountKind::Volume {
                continue;
            }
            match &mount.source {
                Some(source) if !source.is_empty() => self.ensure_volume(source, Labels::new()),
                _ => {
                    let volume = self.new_id();
                    self.ensure_volume(&volume, Labels::new());
                    anonymous_volumes.push(volume);
                }
            }
        }
        for bind in &spec.binds {
            let source = bind.split(':').next().unwrap_or_default();
            if !source.is_empty() && !source.starts_with('/') && !source.starts_with('.') {
                self.ensure_volume(source, Labels::new());
            }
        }

        let mut endpoints = BTreeMap::new();
        let network_mode = spec.network_mode.as_deref().unwrap_or("default");
        let attaches = !spec.network_disabled
            && !matches!(network_mode, "host" | "none")
            && !network_mode.starts_with("container:");
        if attaches {
            let primary = if network_mode == "default" {
                "bridge"
            } else {
                network_mode
            };
            let mut specs: Vec<EndpointSpec> = spec.endpoints.clone();
            if !specs.iter().any(|endpoint| endpoint.network == primary) {
                specs.insert(
                    0,
                    EndpointSpec {
                        network: primary.to_string(),
                        ..Default::default()
                    },
                );
            }
            let container_mac = spec
                .mac_address
                .clone()
                .filter(|_| super::api_at_least(&self.api_version, 1, 44));
            for (position, mut endpoint) in specs.into_iter().enumerate() {
                // Known networks by their name, as the engine reports them; unknown ones stay
                // as given and fail the start.
                if let Some(network_id) = self.find_network(&endpoint.network) {
                    endpoint.network = self.networks[&network_id].info.name.clone();
                }
                let is_primary = endpoint.network == primary || position == 0;
                let mac_address = endpoint
                    .mac_address
                    .clone()
                    .or_else(|| container_mac.clone().filter(|_| is_primary))
                    .unwrap_or_else(|| {
                        format!(
                            "02:42:ac:11:{:02x}:{:02x}",
                            (self.next_id >> 8) % 256,
                            (self.next_id + position as u64) % 256
                        )
                    });
                endpoints.insert(
                    endpoint.network.clone(),
                    FakeEndpoint {
                        spec: endpoint,
                        ipv4_address: String::new(),
                        mac_address,
                    },
                );
            }
        }

        let (created, created_unix) = now();
        self.containers.insert(
            id.clone(),
            FakeContainer {
                id: id.clone(),
                name,
                spec: spec.clone(),
                image_id: image.id.clone(),
                labels,
                created,
                created_unix,
                status: ContainerStatus::Created,
                exit_code: 0,
                pid: 0,
                started_at: NEVER.to_string(),
                finished_at: NEVER.to_string(),
                exits: 0,
                health: None,
                endpoints,
                anonymous_volumes,
                logs: Vec::new(),
            },
        );
        Ok(id)
    }

    fn start_container(&mut self, reference: &str) -> Result<(), EngineError> {
        const CALL: EngineCall = EngineCall::StartContainer;
        let id = self.container_id(CALL, reference)?;
        let container = &self.containers[&id];
        if container.running() {
            return Ok(());
        }
        // The networks are looked up at start, as the engine does: one removed since creation
        // fails the start.
        for network in container.endpoints.keys() {
            if self.find_network(network).is_none() {
                return Err(no_such_network(CALL, reference, network));
            }
        }
        // A host port can be bound once.
        for binding in &container.spec.port_bindings {
            let Some(port) = binding.host_port.as_deref() else {
                continue;
            };
            let taken = self.containers.values().any(|other| {
                other.running()
                    && other.spec.port_bindings.iter().any(|theirs| {
                        theirs.host_port.as_deref() == Some(port)
                            && theirs.protocol == binding.protocol
                            && (theirs.host_ip.is_none()
                                || binding.host_ip.is_none()
                                || theirs.host_ip == binding.host_ip)
                    })
            });
            if taken {
                let host_ip = binding.host_ip.as_deref().unwrap_or("0.0.0.0");
                return Err(EngineError::call(
                    CALL,
                    reference,
                    ErrorKind::Other,
                    format!(
                        "driver failed programming external connectivity on endpoint {}: \
                         Bind for {host_ip}:{port} failed: port is already allocated",
                        container.name
                    ),
                ));
            }
        }

        let mut addresses = Vec::new();
        for (network_name, endpoint) in &container.endpoints {
            let address = match &endpoint.spec.ipv4_address {
                Some(address) => address.clone(),
                None => {
                    let Some(network_id) = self.find_network(network_name) else {
                        continue;
                    };
                    let Some(network) = self.networks.get_mut(&network_id) else {
                        continue;
                    };
                    match &network.subnet_prefix {
                        Some(prefix) => {
                            let address = format!("{prefix}.{}", network.next_host);
                            network.next_host = network.next_host.wrapping_add(1).max(2);
                            address
                        }
                        None => String::new(),
                    }
                }
            };
            addresses.push((network_name.clone(), address));
        }
        let program = self.programs.get(&self.containers[&id].name).cloned();
        let pid = i64::try_from(self.next_id).unwrap_or(0) + 1000;
        let Some(container) = self.containers.get_mut(&id) else {
            return Err(no_such_container(CALL, reference));
        };
        for (network, address) in addresses {
            if let Some(endpoint) = container.endpoints.get_mut(&network) {
                endpoint.ipv4_address = address;
            }
        }
        container.status = ContainerStatus::Running;
        container.pid = pid;
        container.exit_code = 0;
        container.started_at = now().0;
        container.finished_at = NEVER.to_string();
        let has_check = container
            .spec
            .healthcheck
            .as_ref()
            .is_some_and(|check| check.test.first().map(String::as_str) != Some("NONE"));
        container.health = has_check.then_some(Health {
            status: HealthStatus::Starting,
            failing_streak: 0,
            last_output: None,
            last_exit_code: None,
        });
        if let Some(program) = program {
            for (source, line) in &program.output {
                container.log(*source, line);
            }
            if let (Some((status, output)), true) = (&program.health, has_check) {
                container.set_health(*status, output);
            }
            if let Some(code) = program.exit_code {
                container.exit(code);
            }
        }
        Ok(())
    }

    fn stop_container(&mut self, call: EngineCall, reference: &str) -> Result<(), EngineError> {
        let id = self.container_id(call, reference)?;
        let code = self
            .programs
            .get(&self.containers[&id].name)
            .and_then(|program| program.stop_exit_code)
            .unwrap_or(137);
        if let Some(container) = self.containers.get_mut(&id) {
            if container.running() {
                container.exit(code);
            }
        }
        Ok(())
    }

    fn kill_container(&mut self, reference: &str, signal: Option<&str>) -> Result<(), EngineError> {
        const CALL: EngineCall = EngineCall::KillContainer;
        let id = self.container_id(CALL, reference)?;
        let signal = signal.unwrap_or("SIGKILL");
        let number = signal_number(signal).ok_or_else(|| {
            EngineError::call(
                CALL,
                reference,
                ErrorKind::InvalidArgument,
                format!("Invalid signal: {signal}"),
            )
        })?;
        let Some(container) = self.containers.get_mut(&id) else {
            return Err(no_such_container(CALL, reference));
        };
        if !container.running() {
            return Err(EngineError::call(
                CALL,
                reference,
                ErrorKind::Conflict,
                format!(
                    "Cannot kill container: {reference}: Container {} is not running",
                    container.id
                ),
            ));
        }
        container.exit(128 + number);
        Ok(())
    }

    fn remove_container(
        &mut self,
        reference: &str,
        options: RemoveContainerOptions,
    ) -> Result<(), EngineError> {
        const CALL: EngineCall = EngineCall::RemoveContainer;
        let id = self.container_id(CALL, reference)?;
        if self.containers[&id].running() && !options.force {
            return Err(EngineError::call(
                CALL,
                reference,
                ErrorKind::Conflict,
                format!(
                    "You cannot remove a running container {id}. Stop the container before \
                     attempting removal or force remove"
                ),
            ));
        }
        let Some(mut container) = self.containers.remove(&id) else {
            return Err(no_such_container(CALL, reference));
        };
        if container.running() {
            container.exit(137);
        }
        self.removed.insert(id, container.exit_code);
        if options.volumes {
            for volume in &container.anonymous_volumes {
                let in_use = self
                    .containers
                    .values()
                    .any(|other| other.volume_names().contains(volume));
                if !in_use {
                    self.volumes.remove(volume);
                }
            }
        }
        Ok(())
    }

    fn network_info(&self, id: &str) -> NetworkInfo {
        let network = &self.networks[id];
        let mut info = network.info.clone();
        for container in self.containers.values().filter(|c| c.running()) {
            if let Some(endpoint) = container.endpoints.get(&info.name) {
                let prefix_len = network
                    .info
                    .ipam
                    .config
                    .first()
                    .and_then(|pool| pool.subnet.as_deref())
                    .and_then(|subnet| subnet.split_once('/'))
                    .map_or("16", |(_, len)| len)
                    .to_string();
                info.containers.insert(
                    container.id.clone(),
                    NetworkMember {
                        name: container.name.clone(),
                        ipv4_address: if endpoint.ipv4_address.is_empty() {
                            String::new()
                        } else {
                            format!("{}/{prefix_len}", endpoint.ipv4_address)
                        },
                        ipv6_address: String::new(),
                        mac_address: endpoint.mac_address.clone(),
                    },
                );
            }
        }
        info
    }

    fn create_network(&mut self, spec: &NetworkSpec) -> Result<String, EngineError> {
        const CALL: EngineCall = EngineCall::CreateNetwork;
        if self.networks.values().any(|n| n.info.name == spec.name) {
            return Err(EngineError::call(
                CALL,
                &spec.name,
                ErrorKind::Conflict,
                format!("network with name {} already exists", spec.name),
            ));
        }
        let id = self.new_id();
        let driver = spec.driver.clone().unwrap_or_else(|| "bridge".to_string());
        let mut ipam = spec.ipam.clone().unwrap_or_default();
        if ipam.driver.is_none() {
            ipam.driver = Some("default".to_string());
        }
        let mut subnet_prefix = None;
        if driver == "bridge" {
            if ipam.config.is_empty() {
                let prefix = format!("172.{}.0", self.next_subnet);
                self.next_subnet = self.next_subnet.wrapping_add(1);
                ipam.config.push(IpamPool {
                    subnet: Some(format!("{prefix}.0/16")),
                    gateway: Some(format!("{prefix}.1")),
                    ..Default::default()
                });
                subnet_prefix = Some(prefix);
            } else if let Some(subnet) = ipam.config[0].subnet.as_deref() {
                let base = subnet.split('/').next().unwrap_or(subnet);
                let octets: Vec<&str> = base.split('.').collect();
                if octets.len() == 4 {
                    subnet_prefix = Some(octets[..3].join("."));
                }
            }
        }
        self.networks.insert(
            id.clone(),
            FakeNetwork {
                info: NetworkInfo {
                    id: id.clone(),
                    name: spec.name.clone(),
                    driver,
                    scope: "local".to_string(),
                    internal: spec.internal,
                    attachable: spec.attachable,
                    enable_ipv6: spec.enable_ipv6.unwrap_or(false),
                    labels: spec.labels.clone(),
                    options: spec.driver_opts.clone(),
                    ipam,
                    containers: BTreeMap::new(),
                },
                subnet_prefix,
                next_host: 2,
            },
        );
        Ok(id)
    }

    fn remove_network(&mut self, reference: &str) -> Result<(), EngineError> {
        const CALL: EngineCall = EngineCall::RemoveNetwork;
        let id = self
            .find_network(reference)
            .ok_or_else(|| no_such_network(CALL, reference, reference))?;
        let name = self.networks[&id].info.name.clone();
        if matches!(name.as_str(), "bridge" | "host" | "none") {
            return Err(EngineError::call(
                CALL,
                reference,
                ErrorKind::Forbidden,
                format!("{name} is a pre-defined network and cannot be removed"),
            ));
        }
        // Only running containers hold an endpoint; created ones do not keep a network.
        if self
            .containers
            .values()
            .any(|c| c.running() && c.endpoints.contains_key(&name))
        {
            return Err(EngineError::call(
                CALL,
                reference,
                ErrorKind::Conflict,
                format!(
                    "error while removing network: network {name} id {id} has active endpoints"
                ),
            ));
        }
        self.networks.remove(&id);
        Ok(())
    }

    fn connect_network(
        &mut self,
        container: &str,
        endpoint: &EndpointSpec,
    ) -> Result<(), EngineError> {
        const CALL: EngineCall = EngineCall::ConnectNetwork;
        let context = format!(" to network `{}`", endpoint.network);
        let id = self
            .container_id(CALL, container)
            .map_err(|error| error.with_context(context.clone()))?;
        let running = self.containers[&id].running();
        // Like the engine, a container that is not running takes any network name: a missing
        // network fails its start instead.
        let network_id = self.find_network(&endpoint.network);
        if network_id.is_none() && running {
            return Err(no_such_network(CALL, container, &endpoint.network).with_context(context));
        }
        let network_name = network_id.as_ref().map_or_else(
            || endpoint.network.clone(),
            |id| self.networks[id].info.name.clone(),
        );
        if self.containers[&id].endpoints.contains_key(&network_name) {
            return Err(EngineError::call(
                CALL,
                container,
                ErrorKind::Forbidden,
                format!(
                    "endpoint with name {} already exists in network {network_name}",
                    self.containers[&id].name
                ),
            )
            .with_context(context));
        }
        let address = match (&endpoint.ipv4_address, running) {
            (Some(address), _) => address.clone(),
            (None, true) => {
                let network = network_id.as_ref().and_then(|id| self.networks.get_mut(id));
                match network {
                    Some(network) => match &network.subnet_prefix {
                        Some(prefix) => {
                            let address = format!("{prefix}.{}", network.next_host);
                            network.next_host = network.next_host.wrapping_add(1).max(2);
                            address
                        }
                        None => String::new(),
                    },
                    None => String::new(),
                }
            }
            (None, false) => String::new(),
        };
        let mac_address = endpoint
            .mac_address
            .clone()
            .unwrap_or_else(|| format!("02:42:ac:12:00:{:02x}", self.next_id % 256));
        if let Some(entry) = self.containers.get_mut(&id) {
            let mut spec = endpoint.clone();
            spec.network = network_name.clone();
            entry.endpoints.insert(
                network_name,
                FakeEndpoint {
                    spec,
                    ipv4_address: if running { address } else { String::new() },
                    mac_address,
                },
            );
        }
        Ok(())
    }

    fn disconnect_network(&mut self, network: &str, container: &str) -> Result<(), EngineError> {
        const CALL: EngineCall = EngineCall::DisconnectNetwork;
        let context = format!(" from network `{network}`");
        let network_id = self.find_network(network).ok_or_else(|| {
            no_such_network(CALL, container, network).with_context(context.clone())
        })?;
        let id = self
            .container_id(CALL, container)
            .map_err(|error| error.with_context(context.clone()))?;
        let network_name = self.networks[&network_id].info.name.clone();
        let removed = self
            .containers
            .get_mut(&id)
            .and_then(|entry| entry.endpoints.remove(&network_name));
        if removed.is_none() {
            return Err(EngineError::call(
                CALL,
                container,
                ErrorKind::Forbidden,
                format!("container {id} is not connected to network {network_name}"),
            )
            .with_context(context));
        }
        Ok(())
    }

    fn create_volume(&mut self, spec: &VolumeSpec) -> Result<VolumeInfo, EngineError> {
        let driver = spec.driver.clone().unwrap_or_else(|| "local".to_string());
        if let Some(existing) = self.volumes.get(&spec.name) {
            if existing.driver != driver {
                return Err(EngineError::call(
                    EngineCall::CreateVolume,
                    &spec.name,
                    ErrorKind::Conflict,
                    format!(
                        "volume name {} already in use with driver {}",
                        spec.name, existing.driver
                    ),
                ));
            }
            return Ok(existing.clone());
        }
        let name = if spec.name.is_empty() {
            self.new_id()
        } else {
            spec.name.clone()
        };
        self.ensure_volume(&name, spec.labels.clone());
        let volume = self.volumes.get_mut(&name).ok_or_else(|| {
            EngineError::call(
                EngineCall::CreateVolume,
                &spec.name,
                ErrorKind::Other,
                "the volume vanished",
            )
        })?;
        volume.driver = driver;
        volume.options = spec.driver_opts.clone();
        Ok(volume.clone())
    }

    fn remove_volume(&mut self, name: &str) -> Result<(), EngineError> {
        const CALL: EngineCall = EngineCall::RemoveVolume;
        if !self.volumes.contains_key(name) {
            return Err(EngineError::call(
                CALL,
                name,
                ErrorKind::NotFound,
                format!("get {name}: no such volume"),
            ));
        }
        let users: Vec<String> = self
            .containers
            .values()
            .filter(|container| container.volume_names().iter().any(|v| v == name))
            .map(|container| container.id.clone())
            .collect();
        if !users.is_empty() {
            return Err(EngineError::call(
                CALL,
                name,
                ErrorKind::Conflict,
                format!("remove {name}: volume is in use - [{}]", users.join(", ")),
            ));
        }
        self.volumes.remove(name);
        Ok(())
    }
}

impl Engine for FakeEngine {
    async fn ping(&self) -> Result<(), EngineError> {
        self.run(EngineCall::Ping, "fake://", |_| Ok(())).await
    }

    async fn version(&self) -> Result<EngineVersion, EngineError> {
        self.run(EngineCall::Version, "fake://", |state| {
            Ok(EngineVersion {
                version: "20.10.24-fake".to_string(),
                api_version: state.api_version.clone(),
                min_api_version: Some("1.12".to_string()),
                client_api_version: state.api_version.clone(),
                os: "linux".to_string(),
                arch: "amd64".to_string(),
                kernel_version: None,
            })
        })
        .await
    }

    async fn list_containers(
        &self,
        filter: &ProjectFilter,
    ) -> Result<Vec<ContainerSummary>, EngineError> {
        self.run(EngineCall::ListContainers, filter.project(), |state| {
            let mut containers: Vec<ContainerSummary> = state
                .containers
                .values()
                .filter(|container| filter.matches(&container.labels))
                .map(FakeContainer::summary)
                .collect();
            containers.sort_by(|a, b| a.name.cmp(&b.name));
            Ok(containers)
        })
        .await
    }

    async fn inspect_container(&self, container: &str) -> Result<ContainerInfo, EngineError> {
        self.run(EngineCall::InspectContainer, container, |state| {
            let id = state.container_id(EngineCall::InspectContainer, container)?;
            Ok(state.containers[&id].info())
        })
        .await
    }

    async fn create_container(&self, spec: &ContainerSpec) -> Result<String, EngineError> {
        let target = if spec.name.is_empty() {
            &spec.image
        } else {
            &spec.name
        };
        self.run(EngineCall::CreateContainer, target, |state| {
            state.create_container(spec)
        })
        .await
    }

    async fn start_container(&self, container: &str) -> Result<(), EngineError> {
        self.run(EngineCall::StartContainer, container, |state| {
            state.start_container(container)
        })
        .await
    }

    async fn stop_container(
        &self,
        container: &str,
        _timeout: Option<Duration>,
    ) -> Result<(), EngineError> {
        self.run(EngineCall::StopContainer, container, |state| {
            state.stop_container(EngineCall::StopContainer, container)
        })
        .await
    }

    async fn kill_container(
        &self,
        container: &str,
        signal: Option<&str>,
    ) -> Result<(), EngineError> {
        self.run(EngineCall::KillContainer, container, |state| {
            state.kill_container(container, signal)
        })
        .await
    }

    async fn restart_container(
        &self,
        container: &str,
        _timeout: Option<Duration>,
    ) -> Result<(), EngineError> {
        self.run(EngineCall::RestartContainer, container, |state| {
            state.stop_container(EngineCall::RestartContainer, container)?;
            state
                .start_container(container)
                .map_err(|error| match error {
                    EngineError::Call {
                        object,
                        context,
                        kind,
                        message,
                        ..
                    } => EngineError::call(EngineCall::RestartContainer, object, kind, message)
                        .with_context(context),
                    other => other,
                })
        })
        .await
    }

    async fn remove_container(
        &self,
        container: &str,
        options: RemoveContainerOptions,
    ) -> Result<(), EngineError> {
        self.run(EngineCall::RemoveContainer, container, |state| {
            state.remove_container(container, options)
        })
        .await
    }

    async fn wait_container(
        &self,
        container: &str,
        condition: WaitCondition,
    ) -> Result<i64, EngineError> {
        const CALL: EngineCall = EngineCall::WaitContainer;
        let (index, delay, failure) = self.begin(CALL, container);
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
        let result = match failure {
            Some(error) => Err(error),
            None => self.wait_for(container, condition).await,
        };
        self.end(index, result.as_ref().err());
        result
    }

    async fn container_logs(
        &self,
        container: &str,
        options: &LogsOptions,
    ) -> Result<LogStream, EngineError> {
        const CALL: EngineCall = EngineCall::ContainerLogs;
        let (index, delay, failure) = self.begin(CALL, container);
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
        let result = match failure {
            Some(error) => Err(error),
            None => self.log_stream(container, options),
        };
        self.end(index, result.as_ref().err());
        result
    }

    async fn list_networks(&self, filter: &ProjectFilter) -> Result<Vec<NetworkInfo>, EngineError> {
        self.run(EngineCall::ListNetworks, filter.project(), |state| {
            let mut networks: Vec<NetworkInfo> = state
                .networks
                .values()
                .filter(|network| filter.matches(&network.info.labels))
                .map(|network| network.info.clone())
                .collect();
            networks.sort_by(|a, b| a.name.cmp(&b.name));
            Ok(networks)
        })
        .await
    }

    async fn inspect_network(&self, network: &str) -> Result<NetworkInfo, EngineError> {
        self.run(EngineCall::InspectNetwork, network, |state| {
            let id = state
                .find_network(network)
                .ok_or_else(|| no_such_network(EngineCall::InspectNetwork, network, network))?;
            Ok(state.network_info(&id))
        })
        .await
    }

    async fn create_network(&self, spec: &NetworkSpec) -> Result<String, EngineError> {
        self.run(EngineCall::CreateNetwork, &spec.name, |state| {
            state.create_network(spec)
        })
        .await
    }

    async fn remove_network(&self, network: &str) -> Result<(), EngineError> {
        self.run(EngineCall::RemoveNetwork, network, |state| {
            state.remove_network(network)
        })
        .await
    }

    async fn connect_network(
        &self,
        container: &str,
        endpoint: &EndpointSpec,
    ) -> Result<(), EngineError> {
        self.run(EngineCall::ConnectNetwork, container, |state| {
            state.connect_network(container, endpoint)
        })
        .await
    }

    async fn disconnect_network(
        &self,
        network: &str,
        container: &str,
        _force: bool,
    ) -> Result<(), EngineError> {
        self.run(EngineCall::DisconnectNetwork, container, |state| {
            state.disconnect_network(network, container)
        })
        .await
    }

    async fn list_volumes(&self, filter: &ProjectFilter) -> Result<Vec<VolumeInfo>, EngineError> {
        self.run(EngineCall::ListVolumes, filter.project(), |state| {
            Ok(state
                .volumes
                .values()
                .filter(|volume| filter.matches(&volume.labels))
                .cloned()
                .collect())
        })
        .await
    }

    async fn inspect_volume(&self, volume: &str) -> Result<VolumeInfo, EngineError> {
        self.run(EngineCall::InspectVolume, volume, |state| {
            state.volumes.get(volume).cloned().ok_or_else(|| {
                EngineError::call(
                    EngineCall::InspectVolume,
                    volume,
                    ErrorKind::NotFound,
                    format!("get {volume}: no such volume"),
                )
            })
        })
        .await
    }

    async fn create_volume(&self, spec: &VolumeSpec) -> Result<VolumeInfo, EngineError> {
        self.run(EngineCall::CreateVolume, &spec.name, |state| {
            state.create_volume(spec)
        })
        .await
    }

    async fn remove_volume(&self, volume: &str, _force: bool) -> Result<(), EngineError> {
        self.run(EngineCall::RemoveVolume, volume, |state| {
            state.remove_volume(volume)
        })
        .await
    }

    async fn inspect_image(&self, reference: &str) -> Result<ImageInfo, EngineError> {
        self.run(EngineCall::InspectImage, reference, |state| {
            state.find_image(reference).cloned().ok_or_else(|| {
                EngineError::call(
                    EngineCall::InspectImage,
                    reference,
                    ErrorKind::NotFound,
                    format!("No such image: {reference}"),
                )
            })
        })
        .await
    }

    // --- ps/ls and down --rmi

    async fn list_compose_containers(
        &self,
        all: bool,
    ) -> Result<Vec<ContainerSummary>, EngineError> {
        self.run(EngineCall::ListComposeContainers, "fake://", |state| {
            let mut containers: Vec<ContainerSummary> = state
                .containers
                .values()
                .filter(|container| container.labels.contains_key(PROJECT_LABEL))
                .filter(|container| {
                    all || matches!(
                        container.status,
                        ContainerStatus::Running
                            | ContainerStatus::Paused
                            | ContainerStatus::Restarting
                    )
                })
                .map(FakeContainer::summary)
                .collect();
            containers.sort_by(|a, b| a.name.cmp(&b.name));
            Ok(containers)
        })
        .await
    }

    async fn remove_image(&self, reference: &str) -> Result<(), EngineError> {
        const CALL: EngineCall = EngineCall::RemoveImage;
        self.run(CALL, reference, |state| {
            let Some(image) = state.find_image(reference).cloned() else {
                return Err(EngineError::call(
                    CALL,
                    reference,
                    ErrorKind::NotFound,
                    format!("No such image: {reference}"),
                ));
            };
            let tag = normalise_reference(reference);
            let index = state
                .images
                .iter()
                .position(|i| i.id == image.id)
                .expect("found above");
            // One tag among several: only untagged, whoever uses the image.
            if image.repo_tags.len() > 1 && image.repo_tags.contains(&tag) {
                state.images[index].repo_tags.retain(|t| *t != tag);
                return Ok(());
            }
            if image.repo_tags.len() > 1 {
                return Err(EngineError::call(
                    CALL,
                    reference,
                    ErrorKind::Conflict,
                    format!(
                        "conflict: unable to delete {} (must be forced) - image is referenced in multiple repositories",
                        reference.trim_start_matches("sha256:").chars().take(12).collect::<String>()
                    ),
                ));
            }
            if let Some(user) = state.containers.values().find(|c| c.image_id == image.id) {
                let short = |id: &str| {
                    id.trim_start_matches("sha256:")
                        .chars()
                        .take(12)
                        .collect::<String>()
                };
                return Err(EngineError::call(
                    CALL,
                    reference,
                    ErrorKind::Conflict,
                    format!(
                        "conflict: unable to remove repository reference \"{reference}\" (must force) - container {} is using its referenced image {}",
                        short(&user.id),
                        short(&image.id)
                    ),
                ));
            }
            state.images.remove(index);
            Ok(())
        })
        .await
    }
}

impl FakeEngine {
    async fn wait_for(
        &self,
        container: &str,
        condition: WaitCondition,
    ) -> Result<i64, EngineError> {
        const CALL: EngineCall = EngineCall::WaitContainer;
        // Subscribe before looking, so no change between the look and the wait is missed.
        let mut changes = self.shared.changes.subscribe();
        let (id, exits_at_start) = {
            let state = self.state();
            let id = state.container_id(CALL, container)?;
            let exits = state.containers[&id].exits;
            (id, exits)
        };
        loop {
            {
                let state = self.state();
                match (state.containers.get(&id), condition) {
                    (None, _) => {
                        return match state.removed.get(&id) {
                            Some(code) if condition == WaitCondition::Removed => Ok(*code),
                            Some(code) => Ok(*code),
                            None => Err(no_such_container(CALL, container)),
                        }
                    }
                    (Some(entry), WaitCondition::NotRunning) if !entry.running() => {
                        return Ok(entry.exit_code)
                    }
                    (Some(entry), WaitCondition::NextExit) if entry.exits > exits_at_start => {
                        return Ok(entry.exit_code)
                    }
                    _ => {}
                }
            }
            if changes.changed().await.is_err() {
                return Err(EngineError::call(
                    CALL,
                    container,
                    ErrorKind::Unavailable,
                    "the fake engine was dropped",
                ));
            }
        }
    }

    fn log_stream(&self, container: &str, options: &LogsOptions) -> Result<LogStream, EngineError> {
        const CALL: EngineCall = EngineCall::ContainerLogs;
        let changes = self.shared.changes.subscribe();
        let (id, start) = {
            let state = self.state();
            let id = state.container_id(CALL, container)?;
            let logs = &state.containers[&id].logs;
            // The engine counts the tail before it picks the streams: `tail: 1` of a log that
            // ends on stderr gives nothing on stdout.
            let selected: Vec<usize> = (0..logs.len())
                .filter(|&index| in_time(options, &logs[index]))
                .collect();
            let start = match options.tail {
                Some(tail) if tail < selected.len() => selected[selected.len() - tail],
                Some(0) => logs.len(),
                _ => 0,
            };
            (id, start)
        };
        struct Cursor {
            engine: FakeEngine,
            id: String,
            next: usize,
            options: LogsOptions,
            changes: watch::Receiver<u64>,
        }
        let cursor = Cursor {
            engine: self.clone(),
            id,
            next: start,
            options: options.clone(),
            changes,
        };
        let stream = futures_util::stream::unfold(cursor, |mut cursor| async move {
            loop {
                {
                    let state = cursor.engine.state();
                    let entry = state.containers.get(&cursor.id)?;
                    while let Some(log) = entry.logs.get(cursor.next) {
                        cursor.next += 1;
                        if selects(&cursor.options, log) {
                            let line = LogLine {
                                source: log.source,
                                timestamp: cursor.options.timestamps.then(|| log.timestamp.clone()),
                                message: log.message.clone(),
                            };
                            drop(state);
                            return Some((Ok(line), cursor));
                        }
                    }
                    if !cursor.options.follow || !entry.running() {
                        return None;
                    }
                }
                cursor.changes.changed().await.ok()?;
            }
        });
        Ok(stream.boxed())
    }
}

fn in_time(options: &LogsOptions, log: &FakeLog) -> bool {
    options.since.is_none_or(|since| log.unix >= since)
        && options.until.is_none_or(|until| log.unix <= until)
}

fn selects(options: &LogsOptions, log: &FakeLog) -> bool {
    let stream = match log.source {
        LogSource::Stdout | LogSource::Console => options.stdout,
        LogSource::Stderr => options.stderr,
    };
    stream && in_time(options, log)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_stamps_are_rfc3339() {
        assert_eq!(rfc3339(0, 0), "1970-01-01T00:00:00.000000000Z");
        assert_eq!(rfc3339(951_782_400, 5), "2000-02-29T00:00:00.000000005Z");
        assert_eq!(rfc3339(1_700_000_000, 0), "2023-11-14T22:13:20.000000000Z");
    }

    #[test]
    fn references_without_a_tag_are_latest() {
        assert_eq!(normalise_reference("busybox"), "busybox:latest");
        assert_eq!(
            normalise_reference("localhost:5000/busybox"),
            "localhost:5000/busybox:latest"
        );
        assert_eq!(normalise_reference("a/b:1"), "a/b:1");
        assert_eq!(normalise_reference("a@sha256:00"), "a@sha256:00");
    }

    #[tokio::test]
    async fn faults_fail_the_next_matching_call_only() {
        let engine = FakeEngine::new().with_image("busybox");
        engine.inject(
            Fault::fail(EngineCall::StartContainer, "boom")
                .on("p-db-1")
                .kind(ErrorKind::Conflict),
        );
        for name in ["p-web-1", "p-db-1"] {
            let spec = ContainerSpec {
                name: name.into(),
                image: "busybox".into(),
                ..Default::default()
            };
            engine.create_container(&spec).await.expect("created");
        }
        engine.start_container("p-web-1").await.expect("web starts");
        let error = engine.start_container("p-db-1").await.unwrap_err();
        assert_eq!(error.to_string(), "starting container `p-db-1`: boom");
        assert!(error.is_conflict());
        engine
            .start_container("p-db-1")
            .await
            .expect("the second try works");
        let calls = engine.calls();
        assert_eq!(
            calls[3].error.as_deref(),
            Some("starting container `p-db-1`: boom")
        );
        assert_eq!(
            engine.mutating_calls(),
            [
                "create_container p-web-1",
                "create_container p-db-1",
                "start_container p-web-1",
                "start_container p-db-1",
                "start_container p-db-1"
            ]
        );
    }

    #[tokio::test]
    async fn delays_show_as_overlapping_calls() {
        let engine = FakeEngine::new().with_image("busybox");
        engine.inject(Fault::delay(
            EngineCall::CreateContainer,
            Duration::from_millis(50),
        ));
        let specs: Vec<ContainerSpec> = (1..=3)
            .map(|n| ContainerSpec {
                name: format!("p-web-{n}"),
                image: "busybox".into(),
                ..Default::default()
            })
            .collect();
        let results =
            futures_util::future::join_all(specs.iter().map(|spec| engine.create_container(spec)))
                .await;
        assert!(results.iter().all(Result::is_ok));
        assert_eq!(engine.max_concurrency(Some(EngineCall::CreateContainer)), 3);
        let calls = engine.calls();
        assert!(calls[0].overlaps(&calls[1]));

        engine.clear_calls();
        for spec in &specs {
            engine
                .remove_container(&spec.name, RemoveContainerOptions::default())
                .await
                .expect("removed");
        }
        assert_eq!(engine.max_concurrency(None), 1);
    }

    #[tokio::test]
    async fn programs_print_exit_and_report_health() {
        let engine = FakeEngine::new().with_image("busybox");
        engine.set_program(
            "p-job-1",
            Program {
                output: vec![
                    (LogSource::Stdout, "out".into()),
                    (LogSource::Stderr, "err".into()),
                ],
                exit_code: Some(3),
                ..Default::default()
            },
        );
        let spec = ContainerSpec {
            name: "p-job-1".into(),
            image: "busybox".into(),
            ..Default::default()
        };
        engine.create_container(&spec).await.expect("created");
        engine.start_container("p-job-1").await.expect("started");
        let code = engine
            .wait_container("p-job-1", WaitCondition::NotRunning)
            .await
            .expect("waited");
        assert_eq!(code, 3);
        let lines: Vec<LogLine> = engine
            .container_logs("p-job-1", &LogsOptions::default())
            .await
            .expect("logs")
            .map(|line| line.expect("a line"))
            .collect()
            .await;
        assert_eq!(
            lines
                .iter()
                .map(|line| (line.source, line.message.as_str()))
                .collect::<Vec<_>>(),
            [(LogSource::Stdout, "out\n"), (LogSource::Stderr, "err\n")]
        );
    }

    #[tokio::test]
    async fn waits_and_followed_logs_wake_on_changes() {
        let engine = FakeEngine::new().with_image("busybox");
        let spec = ContainerSpec {
            name: "p-web-1".into(),
            image: "busybox".into(),
            ..Default::default()
        };
        engine.create_container(&spec).await.expect("created");
        engine.start_container("p-web-1").await.expect("started");
        let follow = LogsOptions {
            follow: true,
            ..Default::default()
        };
        let mut logs = engine
            .container_logs("p-web-1", &follow)
            .await
            .expect("logs");
        let waiter = {
            let engine = engine.clone();
            tokio::spawn(async move {
                engine
                    .wait_container("p-web-1", WaitCondition::NextExit)
                    .await
            })
        };
        // Let the waiter register before anything changes: a next-exit wait that starts after
        // the exit waits for the one after.
        while engine
            .calls()
            .iter()
            .all(|call| call.call != EngineCall::WaitContainer)
        {
            tokio::task::yield_now().await;
        }
        engine
            .append_log("p-web-1", LogSource::Stdout, "hello")
            .expect("logged");
        let first = logs.next().await.expect("a line").expect("no error");
        assert_eq!(first.message, "hello\n");
        engine.exit_container("p-web-1", 7).expect("exited");
        assert_eq!(waiter.await.expect("joined").expect("waited"), 7);
        assert!(
            logs.next().await.is_none(),
            "follow ends when the container stops"
        );
    }
}
