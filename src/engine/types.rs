//! The plain data the engine seam speaks: what the planner asks the engine to make (`*Spec`) and
//! what the observer reads back (`*Summary`, `*Info`). No bollard type appears here, so the planner,
//! the executor and their tests never depend on the Docker client.

use std::collections::BTreeMap;
use std::time::Duration;

/// Labels and other string maps, sorted so that specs and snapshots print deterministically.
pub type Labels = BTreeMap<String, String>;

/// The label every object of a compose project carries; every list query is scoped by it.
pub const PROJECT_LABEL: &str = "com.docker.compose.project";

/// Which objects a list query sees: always one project's, optionally narrowed by more labels
/// (a service, one-off containers, ...). There is no way to build an unscoped query, so nothing
/// outside the project is ever listed, and so never removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectFilter {
    project: String,
    labels: Vec<LabelMatch>,
}

/// One extra label condition of a [`ProjectFilter`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LabelMatch {
    /// The label is set, whatever its value.
    Present(String),
    /// The label is set to this value.
    Equals(String, String),
}

impl ProjectFilter {
    /// The objects labelled `com.docker.compose.project=<project>`.
    pub fn new(project: impl Into<String>) -> Self {
        ProjectFilter {
            project: project.into(),
            labels: Vec::new(),
        }
    }

    /// Narrows the query to objects whose `key` label is `value`.
    pub fn with_label(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.labels
            .push(LabelMatch::Equals(key.into(), value.into()));
        self
    }

    /// Narrows the query to objects that carry the `key` label.
    pub fn with_label_key(mut self, key: impl Into<String>) -> Self {
        self.labels.push(LabelMatch::Present(key.into()));
        self
    }

    pub fn project(&self) -> &str {
        &self.project
    }

    /// The conditions in the engine's `label` filter syntax (`key=value` or `key`); the engine
    /// keeps the objects that meet all of them.
    pub fn label_filters(&self) -> Vec<String> {
        let mut filters = vec![format!("{PROJECT_LABEL}={}", self.project)];
        filters.extend(self.labels.iter().map(|label| match label {
            LabelMatch::Present(key) => key.clone(),
            LabelMatch::Equals(key, value) => format!("{key}={value}"),
        }));
        filters
    }

    /// Whether an object with these labels is in the query's scope.
    pub fn matches(&self, labels: &Labels) -> bool {
        labels.get(PROJECT_LABEL).map(String::as_str) == Some(self.project.as_str())
            && self.labels.iter().all(|label| match label {
                LabelMatch::Present(key) => labels.contains_key(key),
                LabelMatch::Equals(key, value) => labels.get(key) == Some(value),
            })
    }
}

// ---------------------------------------------------------------------------------------------
// The engine itself

/// What `version` reports about the engine, and the API version the client settled on.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EngineVersion {
    /// The engine's release, e.g. `20.10.24`.
    pub version: String,
    /// The newest API version the engine speaks, e.g. `1.41`.
    pub api_version: String,
    /// The oldest API version the engine accepts.
    pub min_api_version: Option<String>,
    /// The API version the client uses: the lower of the engine's and the client's.
    pub client_api_version: String,
    pub os: String,
    pub arch: String,
    pub kernel_version: Option<String>,
}

impl EngineVersion {
    /// Whether the negotiated API is at least `major.minor` (e.g. 1.44, from which a container
    /// can be created on several networks at once).
    pub fn api_at_least(&self, major: u32, minor: u32) -> bool {
        api_at_least(&self.client_api_version, major, minor)
    }
}

/// Whether a `major.minor` API version string is at least `major.minor`.
pub fn api_at_least(version: &str, major: u32, minor: u32) -> bool {
    let mut parts = version
        .split('.')
        .map(|part| part.parse::<u32>().unwrap_or(0));
    let have = (parts.next().unwrap_or(0), parts.next().unwrap_or(0));
    have >= (major, minor)
}

// ---------------------------------------------------------------------------------------------
// Containers: what is observed

/// The lifecycle state of a container.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ContainerStatus {
    Created,
    Running,
    Paused,
    Restarting,
    Removing,
    Exited,
    Dead,
    /// A state this client does not know (a newer engine's).
    Unknown,
}

impl ContainerStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ContainerStatus::Created => "created",
            ContainerStatus::Running => "running",
            ContainerStatus::Paused => "paused",
            ContainerStatus::Restarting => "restarting",
            ContainerStatus::Removing => "removing",
            ContainerStatus::Exited => "exited",
            ContainerStatus::Dead => "dead",
            ContainerStatus::Unknown => "unknown",
        }
    }

    /// Parses the engine's word for a state; anything else is `Unknown`.
    pub fn parse(status: &str) -> Self {
        match status {
            "created" => ContainerStatus::Created,
            "running" => ContainerStatus::Running,
            "paused" => ContainerStatus::Paused,
            "restarting" => ContainerStatus::Restarting,
            "removing" => ContainerStatus::Removing,
            "exited" => ContainerStatus::Exited,
            "dead" => ContainerStatus::Dead,
            _ => ContainerStatus::Unknown,
        }
    }
}

impl std::fmt::Display for ContainerStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A container as the list call shows it: enough to match it to a service and decide about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerSummary {
    pub id: String,
    /// The name without the engine's leading `/`.
    pub name: String,
    /// The image reference the container was created from.
    pub image: String,
    pub image_id: String,
    pub status: ContainerStatus,
    /// The engine's human text, e.g. `Up 3 seconds (healthy)`.
    pub status_text: String,
    /// Unix seconds.
    pub created: i64,
    pub labels: Labels,
    /// The names of the networks the container is attached to.
    pub networks: Vec<String>,
    // --- ps/ls: what `docker compose ps` shows of a container
    /// The command line as the engine prints it (`sleep 100000`): entrypoint and arguments.
    pub command: String,
    /// Its ports: published ones (while it runs) with their host side, exposed ones without.
    pub ports: Vec<ContainerPort>,
    // engine performance: the list call carries the mounts, so observing needs no inspect
    /// Its mounts (volumes, binds, tmpfs), as the list call shows them.
    pub mounts: Vec<MountInfo>,
}

/// The result of a container's health check, when it has one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HealthStatus {
    Starting,
    Healthy,
    Unhealthy,
}

impl HealthStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            HealthStatus::Starting => "starting",
            HealthStatus::Healthy => "healthy",
            HealthStatus::Unhealthy => "unhealthy",
        }
    }
}

impl std::fmt::Display for HealthStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The health of a container with a health check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Health {
    pub status: HealthStatus,
    pub failing_streak: i64,
    /// The output of the last check that ran (the engine keeps the last few).
    pub last_output: Option<String>,
    pub last_exit_code: Option<i64>,
}

/// The runtime state of a container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerState {
    pub status: ContainerStatus,
    pub running: bool,
    pub paused: bool,
    pub restarting: bool,
    pub oom_killed: bool,
    pub dead: bool,
    pub pid: i64,
    pub exit_code: i64,
    /// The engine's error for the last start, empty when there was none.
    pub error: String,
    /// RFC 3339; `0001-01-01T00:00:00Z` when it never started.
    pub started_at: String,
    pub finished_at: String,
    /// `None` when the container has no health check.
    pub health: Option<Health>,
}

/// A container's attachment to one network.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EndpointInfo {
    pub network_id: String,
    pub aliases: Vec<String>,
    /// Empty while the container is not running.
    pub ipv4_address: String,
    pub ipv6_address: String,
    pub mac_address: String,
}

/// A mount of a container as the engine reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MountInfo {
    /// `bind`, `volume`, `tmpfs`, `npipe`.
    pub kind: String,
    /// The volume's name, for volumes.
    pub name: Option<String>,
    pub source: String,
    pub destination: String,
    pub read_write: bool,
}

/// A container as the inspect call shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerInfo {
    pub id: String,
    /// The name without the engine's leading `/`.
    pub name: String,
    /// The image reference the container was created from.
    pub image: String,
    /// The id of that image.
    pub image_id: String,
    /// RFC 3339.
    pub created: String,
    pub labels: Labels,
    pub state: ContainerState,
    pub restart_count: i64,
    pub network_mode: String,
    /// By network name.
    pub networks: BTreeMap<String, EndpointInfo>,
    pub mounts: Vec<MountInfo>,
}

// ---------------------------------------------------------------------------------------------
// Containers: what is asked for

/// Everything docker compose v2 passes to the engine when it creates a container. Empty vectors,
/// empty maps, `false` and `None` leave the engine's (or the image's) default.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ContainerSpec {
    /// The container name, e.g. `proj-web-1`; empty lets the engine choose one.
    pub name: String,
    /// `os[/arch[/variant]]` to pick from a multi-platform image.
    pub platform: Option<String>,

    // --- the process
    pub image: String,
    /// Overrides the image's `CMD`.
    pub cmd: Option<Vec<String>>,
    /// Overrides the image's `ENTRYPOINT`; `Some(vec![""])` resets it to none.
    pub entrypoint: Option<Vec<String>>,
    /// `KEY=value` (or `KEY` to unset), in order.
    pub env: Vec<String>,
    pub working_dir: Option<String>,
    pub user: Option<String>,
    pub group_add: Vec<String>,
    pub hostname: Option<String>,
    pub domainname: Option<String>,
    pub labels: Labels,
    pub tty: bool,
    pub open_stdin: bool,
    pub stdin_once: bool,
    pub attach_stdin: bool,
    pub attach_stdout: bool,
    pub attach_stderr: bool,
    pub init: Option<bool>,
    pub stop_signal: Option<String>,
    /// How long `stop` waits before it kills; whole seconds reach the engine.
    pub stop_timeout: Option<Duration>,
    pub healthcheck: Option<HealthcheckSpec>,
    pub restart_policy: Option<RestartPolicy>,
    pub auto_remove: bool,

    // --- ports and networks
    /// `port/protocol` entries such as `80/tcp`; every port of `port_bindings` is exposed too.
    pub exposed_ports: Vec<String>,
    pub port_bindings: Vec<PortBinding>,
    pub publish_all_ports: bool,
    /// `bridge`, `host`, `none`, `container:<id>`, or a network's name.
    pub network_mode: Option<String>,
    /// `network_mode: disabled` in compose.
    pub network_disabled: bool,
    /// The endpoints to create the container on. Engines before API 1.44 take one (the network
    /// of `network_mode`); connect the others with `connect_network` after creation.
    pub endpoints: Vec<EndpointSpec>,
    /// compose's service-level `mac_address`. It is sent on the endpoint of the `network_mode`
    /// network, which engines from API 1.44 apply; older engines ignore it (the container-wide
    /// field they read is not in bollard's model).
    pub mac_address: Option<String>,
    /// `name:alias` legacy links.
    pub links: Vec<String>,
    /// `host:ip` entries for `/etc/hosts`.
    pub extra_hosts: Vec<String>,
    pub dns: Vec<String>,
    pub dns_search: Vec<String>,
    pub dns_options: Vec<String>,

    // --- storage
    /// Legacy `source:target[:options]` binds (they create a missing host path, mounts do not).
    pub binds: Vec<String>,
    pub mounts: Vec<Mount>,
    /// `target → options` for `tmpfs:` entries.
    pub tmpfs: Labels,
    pub volumes_from: Vec<String>,
    pub volume_driver: Option<String>,
    pub storage_opt: Labels,
    pub read_only: bool,
    pub shm_size: Option<i64>,

    // --- isolation and privileges
    pub privileged: bool,
    pub cap_add: Vec<String>,
    pub cap_drop: Vec<String>,
    pub security_opt: Vec<String>,
    /// `Some(vec![])` with `systempaths=unconfined`.
    pub masked_paths: Option<Vec<String>>,
    pub readonly_paths: Option<Vec<String>>,
    pub sysctls: Labels,
    pub pid_mode: Option<String>,
    pub ipc_mode: Option<String>,
    pub uts_mode: Option<String>,
    pub userns_mode: Option<String>,
    /// `host` or `private`.
    pub cgroupns_mode: Option<String>,
    pub cgroup_parent: Option<String>,
    /// `default`, `process` or `hyperv`.
    pub isolation: Option<String>,
    pub runtime: Option<String>,
    pub oom_score_adj: Option<i64>,
    pub annotations: Labels,

    // --- logging and resources
    pub log_config: Option<LogConfig>,
    pub resources: Resources,

    // --- secrets and configs (engine differential area)
    /// Files copied into the container right after it is created, as docker compose v2 copies
    /// the secrets and configs that come from `environment` or `content` (a tar archive
    /// extracted at `/`).
    pub files: Vec<ContainerFile>,
}

/// A file [`ContainerSpec::files`] puts into a new container.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ContainerFile {
    /// Absolute path in the container.
    pub path: String,
    pub content: Vec<u8>,
    /// Permission bits (docker compose's default is `0o444`).
    pub mode: u32,
    /// Owner; when either is set the engine is asked to keep them (`copyUIDGID`).
    pub uid: Option<u32>,
    pub gid: Option<u32>,
}

/// A health check; `test` is `["NONE"]` to disable the image's.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HealthcheckSpec {
    /// `["CMD", args...]`, `["CMD-SHELL", command]` or `["NONE"]`.
    pub test: Vec<String>,
    pub interval: Option<Duration>,
    pub timeout: Option<Duration>,
    pub start_period: Option<Duration>,
    pub start_interval: Option<Duration>,
    pub retries: Option<i64>,
}

/// When the engine restarts a container that stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RestartPolicyName {
    No,
    Always,
    UnlessStopped,
    OnFailure,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RestartPolicy {
    pub name: RestartPolicyName,
    /// With `OnFailure` only; 0 retries forever.
    pub maximum_retry_count: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum Protocol {
    #[default]
    Tcp,
    Udp,
    Sctp,
}

impl Protocol {
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Tcp => "tcp",
            Protocol::Udp => "udp",
            Protocol::Sctp => "sctp",
        }
    }
}

/// One published port: a container port bound to a host address.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PortBinding {
    pub container_port: u16,
    pub protocol: Protocol,
    /// `None` binds every host address.
    pub host_ip: Option<String>,
    /// `8080`, a range `8000-8010`, or `None` for an ephemeral port.
    pub host_port: Option<String>,
}

impl PortBinding {
    /// The engine's key for the container side, e.g. `80/tcp`.
    pub fn port_key(&self) -> String {
        format!("{}/{}", self.container_port, self.protocol.as_str())
    }
}

/// A container's endpoint on a network, at creation or by `connect_network`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EndpointSpec {
    /// The network's name (or id).
    pub network: String,
    pub aliases: Vec<String>,
    pub ipv4_address: Option<String>,
    pub ipv6_address: Option<String>,
    pub link_local_ips: Vec<String>,
    pub links: Vec<String>,
    /// Per-endpoint MAC address (API 1.44 and later).
    pub mac_address: Option<String>,
    pub driver_opts: Labels,
    /// Which endpoint provides the default gateway (API 1.48 and later).
    pub gw_priority: Option<i64>,
    /// Send an IPAM config (empty when no address is fixed), as docker compose does for a
    /// network the service configures (`networks: {back: {aliases: [...]}}`) — engine
    /// differential area.
    pub ipam_declared: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MountKind {
    #[default]
    Volume,
    Bind,
    Tmpfs,
    Npipe,
}

impl MountKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MountKind::Volume => "volume",
            MountKind::Bind => "bind",
            MountKind::Tmpfs => "tmpfs",
            MountKind::Npipe => "npipe",
        }
    }
}

/// A mount through the engine's mount API.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Mount {
    pub kind: MountKind,
    /// The volume's name (none for an anonymous volume), the host path, or nothing for tmpfs.
    pub source: Option<String>,
    pub target: String,
    pub read_only: bool,
    /// `consistent`, `cached`, `delegated` (Docker Desktop only).
    pub consistency: Option<String>,
    pub bind: Option<BindOptions>,
    pub volume: Option<VolumeOptions>,
    pub tmpfs: Option<TmpfsOptions>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BindOptions {
    /// `private`, `rprivate`, `shared`, `rshared`, `slave` or `rslave`.
    pub propagation: Option<String>,
    pub create_mountpoint: bool,
    pub non_recursive: bool,
    pub read_only_non_recursive: bool,
    pub read_only_force_recursive: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct VolumeOptions {
    /// Do not copy the image's content at the target into a new volume.
    pub no_copy: bool,
    pub subpath: Option<String>,
    pub labels: Labels,
    pub driver: Option<String>,
    pub driver_opts: Labels,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TmpfsOptions {
    pub size_bytes: Option<i64>,
    /// Permission bits, e.g. `0o1777`.
    pub mode: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LogConfig {
    pub driver: String,
    pub options: Labels,
}

/// Resource limits. `cpus: 1.5` in compose is `nano_cpus: 1_500_000_000`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Resources {
    pub nano_cpus: Option<i64>,
    pub cpu_shares: Option<i64>,
    pub cpu_period: Option<i64>,
    pub cpu_quota: Option<i64>,
    pub cpu_realtime_period: Option<i64>,
    pub cpu_realtime_runtime: Option<i64>,
    pub cpu_count: Option<i64>,
    pub cpu_percent: Option<i64>,
    pub cpuset_cpus: Option<String>,
    pub cpuset_mems: Option<String>,
    /// Bytes.
    pub memory: Option<i64>,
    pub memory_reservation: Option<i64>,
    /// Memory plus swap, bytes; -1 for unlimited swap.
    pub memory_swap: Option<i64>,
    pub memory_swappiness: Option<i64>,
    pub oom_kill_disable: Option<bool>,
    pub pids_limit: Option<i64>,
    pub blkio_weight: Option<u16>,
    pub blkio_weight_device: Vec<WeightDevice>,
    pub blkio_device_read_bps: Vec<ThrottleDevice>,
    pub blkio_device_write_bps: Vec<ThrottleDevice>,
    pub blkio_device_read_iops: Vec<ThrottleDevice>,
    pub blkio_device_write_iops: Vec<ThrottleDevice>,
    pub devices: Vec<DeviceMapping>,
    pub device_cgroup_rules: Vec<String>,
    pub device_requests: Vec<DeviceRequest>,
    pub ulimits: Vec<Ulimit>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct WeightDevice {
    pub path: String,
    pub weight: u16,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ThrottleDevice {
    pub path: String,
    pub rate: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DeviceMapping {
    pub path_on_host: String,
    pub path_in_container: String,
    /// e.g. `rwm`.
    pub cgroup_permissions: String,
}

/// A request for devices from a driver (GPUs, CDI devices).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DeviceRequest {
    pub driver: Option<String>,
    /// -1 for all.
    pub count: Option<i64>,
    pub device_ids: Vec<String>,
    pub capabilities: Vec<Vec<String>>,
    pub options: Labels,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Ulimit {
    pub name: String,
    pub soft: i64,
    pub hard: i64,
}

/// How `remove_container` treats a running container and its anonymous volumes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RemoveContainerOptions {
    /// Kill a running container first instead of failing.
    pub force: bool,
    /// Remove the container's anonymous volumes too.
    pub volumes: bool,
}

/// What `wait_container` waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum WaitCondition {
    /// Returns at once for a container that is not running.
    #[default]
    NotRunning,
    /// Waits for the next exit, even of a container that is not running yet.
    NextExit,
    /// Waits until the container is removed.
    Removed,
}

impl WaitCondition {
    pub fn as_str(self) -> &'static str {
        match self {
            WaitCondition::NotRunning => "not-running",
            WaitCondition::NextExit => "next-exit",
            WaitCondition::Removed => "removed",
        }
    }
}

/// What `container_logs` streams.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogsOptions {
    /// Keep streaming new output until the container stops.
    pub follow: bool,
    /// The last `n` lines only; `None` for all of them.
    pub tail: Option<usize>,
    /// Ask for each line's time stamp (in [`LogLine::timestamp`]).
    pub timestamps: bool,
    pub stdout: bool,
    pub stderr: bool,
    /// Unix seconds; lines before are left out.
    pub since: Option<i64>,
    /// Unix seconds; lines after are left out.
    pub until: Option<i64>,
}

impl Default for LogsOptions {
    fn default() -> Self {
        LogsOptions {
            follow: false,
            tail: None,
            timestamps: false,
            stdout: true,
            stderr: true,
            since: None,
            until: None,
        }
    }
}

/// Which stream a log line came from. A container with a TTY has one `Console` stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LogSource {
    Stdout,
    Stderr,
    Console,
}

/// One chunk of a container's output: a line, with its newline, for the usual line-buffered
/// programs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogLine {
    pub source: LogSource,
    /// RFC 3339 with nanoseconds, when asked for.
    pub timestamp: Option<String>,
    pub message: String,
}

// ---------------------------------------------------------------------------------------------
// Networks

/// A network to create.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NetworkSpec {
    pub name: String,
    /// `bridge` when `None`.
    pub driver: Option<String>,
    pub driver_opts: Labels,
    pub labels: Labels,
    pub internal: bool,
    pub attachable: bool,
    pub enable_ipv6: Option<bool>,
    pub ipam: Option<Ipam>,
}

/// Address management of a network.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Ipam {
    pub driver: Option<String>,
    pub config: Vec<IpamPool>,
    pub options: Labels,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct IpamPool {
    pub subnet: Option<String>,
    pub ip_range: Option<String>,
    pub gateway: Option<String>,
    pub aux_addresses: Labels,
}

/// A network as the engine reports it. The list call leaves `containers` empty; inspect fills it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NetworkInfo {
    pub id: String,
    pub name: String,
    pub driver: String,
    pub scope: String,
    pub internal: bool,
    pub attachable: bool,
    pub enable_ipv6: bool,
    pub labels: Labels,
    pub options: Labels,
    pub ipam: Ipam,
    /// By container id.
    pub containers: BTreeMap<String, NetworkMember>,
}

/// A container attached to a network, as the network reports it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NetworkMember {
    pub name: String,
    /// With its prefix length, e.g. `172.18.0.2/16`.
    pub ipv4_address: String,
    pub ipv6_address: String,
    pub mac_address: String,
}

// ---------------------------------------------------------------------------------------------
// Volumes and images

/// A volume to create.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct VolumeSpec {
    pub name: String,
    /// `local` when `None`.
    pub driver: Option<String>,
    pub driver_opts: Labels,
    pub labels: Labels,
}

/// A volume as the engine reports it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct VolumeInfo {
    pub name: String,
    pub driver: String,
    pub mountpoint: String,
    pub labels: Labels,
    pub options: Labels,
    pub scope: String,
    pub created_at: Option<String>,
}

/// An image that is present in the engine.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ImageInfo {
    pub id: String,
    pub repo_tags: Vec<String>,
    pub repo_digests: Vec<String>,
    /// The image's default user, working directory and labels, which compose's behaviour
    /// depends on (e.g. anonymous volumes declared by the image).
    pub user: Option<String>,
    pub working_dir: Option<String>,
    pub labels: Labels,
    /// The `VOLUME` paths the image declares.
    pub volumes: Vec<String>,
    pub os: String,
    pub architecture: String,
}

// ---------------------------------------------------------------------------------------------
// ps/ls: a container's ports as the list call shows them

/// One port of a container, as the list call reports it.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct ContainerPort {
    /// The host address it is published on (`0.0.0.0`, `::`, `127.0.0.1`); `None` when only
    /// exposed.
    pub ip: Option<String>,
    pub private_port: u16,
    pub public_port: Option<u16>,
    /// `tcp`, `udp` or `sctp`.
    pub protocol: String,
}

// ---------------------------------------------------------------------------------------------
// Engine performance

impl ContainerInfo {
    /// The list call's view of an inspected container (without the status text, and with
    /// `created` 0: the inspect call gives it as text).
    pub fn into_summary(self) -> ContainerSummary {
        ContainerSummary {
            id: self.id,
            name: self.name,
            image: self.image,
            image_id: self.image_id,
            status: self.state.status,
            status_text: String::new(),
            created: 0,
            labels: self.labels,
            networks: self.networks.into_keys().collect(),
            // Not in the inspect answer's shape; the name check does not need them.
            command: String::new(),
            ports: Vec::new(),
            mounts: self.mounts,
        }
    }
}
