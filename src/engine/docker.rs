//! The real engine, over bollard: the only file of the crate that knows bollard. It turns the
//! seam's plain data into the Engine API's bodies and back, and bollard's errors into
//! [`EngineError`]s that name the action and the object.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bollard::errors::Error as BollardError;
use bollard::models as api;
use bollard::query_parameters as query;
use bollard::Docker;
use futures_util::{StreamExt, TryStreamExt};

// The build API (`BuildEngine`), in its own file.
mod build;

use super::{
    ContainerInfo, ContainerSpec, ContainerState, ContainerStatus, ContainerSummary, EndpointInfo,
    EndpointSpec, Engine, EngineCall, EngineError, EngineVersion, ErrorKind, Health, HealthStatus,
    ImageInfo, Ipam, IpamPool, Labels, LogLine, LogSource, LogStream, LogsOptions, MountInfo,
    MountKind, NetworkInfo, NetworkMember, NetworkSpec, ProjectFilter, RemoveContainerOptions,
    RestartPolicyName, VolumeInfo, VolumeSpec, WaitCondition,
};
use super::{ContainerPort, PROJECT_LABEL};

// The daily commands' calls (pull, images, pause, top, port, events, cp), one file per area.
mod archive;
mod attach;
mod container_ops;
mod events;
mod images;
mod snapshot;

mod exec;

/// Where the engine listens when `DOCKER_HOST` is not set.
pub const DEFAULT_DOCKER_HOST: &str = "unix:///var/run/docker.sock";

/// How long `connect` waits for the engine to answer before it gives up.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// How long one call may wait for the engine's answer to begin. Streams (logs, wait) are not
/// bounded once the answer has begun; stop and restart get their stop timeout on top.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(120);

/// A connection to a Docker engine.
#[derive(Debug, Clone)]
pub struct DockerEngine {
    docker: Docker,
    host: String,
    client_api_version: String,
    /// The engine's `/version` answer, from the negotiation: asking again would cost a call.
    version: EngineVersion,
    /// Requests sent so far (the negotiation's included), for `RCOMPOSE_TIMINGS`.
    calls: Arc<AtomicU64>,
}

/// A parsed `DOCKER_HOST`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EngineAddress {
    /// A unix socket path.
    Unix(String),
    /// `host:port` of a plain TCP (unencrypted) engine.
    Tcp(String),
}

/// Reads a `DOCKER_HOST` value: `unix:///path`, a bare `/path`, `tcp://host[:port]` (2375 by
/// default) or `http://host[:port]`. Other schemes (ssh, npipe, https) are not supported.
pub fn parse_docker_host(host: &str) -> Result<EngineAddress, String> {
    let host = host.trim();
    if let Some(path) = host.strip_prefix("unix://") {
        if path.is_empty() {
            return Err("the unix socket path is empty".to_string());
        }
        return Ok(EngineAddress::Unix(path.to_string()));
    }
    if host.starts_with('/') {
        return Ok(EngineAddress::Unix(host.to_string()));
    }
    let address = host
        .strip_prefix("tcp://")
        .or_else(|| host.strip_prefix("http://"));
    if let Some(address) = address {
        let address = address.trim_end_matches('/');
        if address.is_empty() {
            return Err("the tcp address is empty".to_string());
        }
        let has_port = match address.rsplit_once(':') {
            // An IPv6 literal `[::1]` has colons but no port unless `]:port` ends it.
            Some((before, port)) => {
                port.chars().all(|c| c.is_ascii_digit())
                    && (!before.contains(':') || before.ends_with(']'))
            }
            None => false,
        };
        return Ok(EngineAddress::Tcp(if has_port {
            address.to_string()
        } else {
            format!("{address}:2375")
        }));
    }
    let scheme = host.split_once("://").map_or(host, |(scheme, _)| scheme);
    Err(format!(
        "DOCKER_HOST scheme `{scheme}` is not supported (use unix:// or tcp://)"
    ))
}

impl DockerEngine {
    /// Connects to the engine named by `DOCKER_HOST` (the unix socket
    /// `/var/run/docker.sock` by default) and negotiates the API version.
    pub async fn connect() -> Result<Self, EngineError> {
        let host = std::env::var("DOCKER_HOST")
            .ok()
            .filter(|host| !host.trim().is_empty())
            .unwrap_or_else(|| DEFAULT_DOCKER_HOST.to_string());
        Self::connect_to(&host, DEFAULT_CONNECT_TIMEOUT).await
    }

    /// Connects to `host` (a `DOCKER_HOST` value), waiting at most `timeout` for the engine to
    /// answer, and settles on the newer API version both sides speak, so that engines from
    /// API 1.41 (Docker 20.10) on work.
    pub async fn connect_to(host: &str, timeout: Duration) -> Result<Self, EngineError> {
        let unreachable = |message: String| EngineError::unreachable(host, message);
        let address = parse_docker_host(host).map_err(&unreachable)?;
        let client = |version: &bollard::ClientVersion| match &address {
            EngineAddress::Unix(path) => Docker::connect_with_unix(
                &format!("unix://{path}"),
                REQUEST_TIMEOUT.as_secs(),
                version,
            ),
            EngineAddress::Tcp(address) => Docker::connect_with_http(
                &format!("tcp://{address}"),
                REQUEST_TIMEOUT.as_secs(),
                version,
            ),
        };
        match &address {
            EngineAddress::Unix(path) if !Path::new(path).exists() => {
                return Err(unreachable(format!("no socket at {path}")));
            }
            EngineAddress::Tcp(_)
                if std::env::var("DOCKER_TLS_VERIFY").is_ok_and(|value| !value.is_empty()) =>
            {
                return Err(unreachable(
                    "TLS engines (DOCKER_TLS_VERIFY) are not supported".to_string(),
                ));
            }
            _ => {}
        }
        let docker =
            client(bollard::API_DEFAULT_VERSION).map_err(|error| unreachable(describe(&error)))?;

        // The negotiation is the one `/version` call the docker CLI makes too (bollard's
        // `negotiate_version` makes the same call but drops the answer, which `version()` would
        // then ask for again): the lower of the engine's API version and bollard's.
        let answer = match tokio::time::timeout(timeout, docker.version()).await {
            Err(_) => {
                return Err(unreachable(format!(
                    "no answer within {}",
                    format_duration(timeout)
                )))
            }
            Ok(Err(error)) => return Err(unreachable(describe(&error))),
            Ok(Ok(answer)) => answer,
        };
        let engine_api = answer.api_version.clone().unwrap_or_default();
        let Some(engine_pair) = parse_api(&engine_api) else {
            return Err(unreachable(format!(
                "unreadable API version `{engine_api}` in the engine's /version answer"
            )));
        };
        let ours = bollard::API_DEFAULT_VERSION;
        let client_pair = (
            u32::try_from(ours.major_version).unwrap_or(u32::MAX),
            u32::try_from(ours.minor_version).unwrap_or(u32::MAX),
        );
        let (major, minor) = engine_pair.min(client_pair);
        let api_version = format!("{major}.{minor}");
        if !super::api_at_least(&api_version, MIN_API.0, MIN_API.1) {
            return Err(EngineError::TooOld {
                host: host.to_string(),
                api_version,
            });
        }
        let negotiated = bollard::ClientVersion {
            major_version: major as usize,
            minor_version: minor as usize,
        };
        let docker = client(&negotiated).map_err(|error| unreachable(describe(&error)))?;
        let calls = Arc::new(AtomicU64::new(1));
        Ok(DockerEngine {
            docker: pin_api_version(docker, &api_version, Arc::clone(&calls)),
            host: host.to_string(),
            version: EngineVersion {
                version: answer.version.unwrap_or_default(),
                api_version: engine_api,
                min_api_version: answer.min_api_version,
                client_api_version: api_version.clone(),
                os: answer.os.unwrap_or_default(),
                arch: answer.arch.unwrap_or_default(),
                kernel_version: answer.kernel_version,
            },
            client_api_version: api_version,
            calls,
        })
    }

    /// The `DOCKER_HOST` value this engine was reached at.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The API version in use, e.g. `1.41`.
    pub fn api_version(&self) -> &str {
        &self.client_api_version
    }

    /// How many requests this engine (and its clones) has sent, the negotiation's included.
    pub fn calls(&self) -> u64 {
        self.calls.load(Ordering::Relaxed)
    }

    /// A client whose request timeout leaves room for an engine-side wait of `wait`.
    fn client_waiting(&self, wait: Duration) -> Docker {
        self.docker.clone().with_timeout(REQUEST_TIMEOUT + wait)
    }
}

/// A few prefixes that, between them, start every one of `names`: the longest common prefix of
/// each group of names that share their first `-` part (at most 8 groups; more share one
/// prefix, possibly empty).
fn name_prefixes(names: &[String]) -> Vec<String> {
    fn common<'a>(names: impl Iterator<Item = &'a String>) -> String {
        let mut prefix: Option<&str> = None;
        for name in names {
            prefix = Some(match prefix {
                None => name,
                Some(prefix) => {
                    let same = prefix
                        .char_indices()
                        .zip(name.chars())
                        .take_while(|((_, a), b)| a == b)
                        .last()
                        .map_or(0, |((at, c), _)| at + c.len_utf8());
                    &prefix[..same]
                }
            });
        }
        prefix.unwrap_or_default().to_string()
    }
    let mut groups: BTreeMap<&str, Vec<&String>> = BTreeMap::new();
    for name in names {
        let head = name.split_inclusive('-').next().unwrap_or(name);
        groups.entry(head).or_default().push(name);
    }
    if groups.len() > 8 {
        return vec![common(names.iter())];
    }
    groups
        .values()
        .map(|group| common(group.iter().copied()))
        .collect()
}

/// A literal for the engine's (Go) regular expressions.
fn escape_regex(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii_punctuation() && c != '_' && c != '-' {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

/// `1.41` → `(1, 41)`.
fn parse_api(version: &str) -> Option<(u32, u32)> {
    let (major, minor) = version.trim().split_once('.')?;
    Some((major.parse().ok()?, minor.parse().ok()?))
}

/// The oldest engine API rcompose works with (Docker 20.10).
pub const MIN_API: (u32, u32) = (1, 41);

/// Sends every request as `/v<version>/...`, as the docker CLI does once it has negotiated.
/// bollard 0.21 builds its paths without the version (fussybeaver/bollard#736), so an engine
/// would answer in its newest API rather than the one negotiated; a bollard that adds the
/// prefix itself is left alone.
fn pin_api_version(docker: Docker, version: &str, calls: Arc<AtomicU64>) -> Docker {
    pin_api_version_with_query(docker, version, String::new(), calls)
}

/// [`pin_api_version`], also appending `extra_query` (encoded, `&`-joined) to every query: for
/// parameters bollard can only send once (a build's repeated `extrahosts`).
fn pin_api_version_with_query(
    docker: Docker,
    version: &str,
    extra_query: String,
    calls: Arc<AtomicU64>,
) -> Docker {
    let prefix = format!("/v{version}");
    docker.with_request_modifier(move |mut request| {
        // Every request is built once, here: the count of engine calls `RCOMPOSE_TIMINGS` shows.
        calls.fetch_add(1, Ordering::Relaxed);
        let uri = request.uri();
        let versioned = uri.path().starts_with("/v1.");
        if versioned && extra_query.is_empty() {
            return request;
        }
        let path = if versioned {
            uri.path().to_string()
        } else {
            format!("{prefix}{}", uri.path())
        };
        let query = match (uri.query(), extra_query.is_empty()) {
            (Some(query), true) => Some(query.to_string()),
            (Some(query), false) => Some(format!("{query}&{extra_query}")),
            (None, false) => Some(extra_query.clone()),
            (None, true) => None,
        };
        let path_and_query = match query {
            Some(query) => format!("{path}?{query}"),
            None => path,
        };
        let mut parts = uri.clone().into_parts();
        let Ok(path_and_query) = path_and_query.parse::<http::uri::PathAndQuery>() else {
            return request;
        };
        parts.path_and_query = Some(path_and_query);
        if let Ok(versioned) = http::Uri::from_parts(parts) {
            *request.uri_mut() = versioned;
        }
        request
    })
}

fn format_duration(duration: Duration) -> String {
    if duration.subsec_millis() == 0 {
        format!("{}s", duration.as_secs())
    } else {
        format!("{}ms", duration.as_millis())
    }
}

/// An error's message with its causes, as hyper's connection errors say little by themselves.
fn describe(error: &(dyn std::error::Error + 'static)) -> String {
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !message.contains(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
        source = cause.source();
    }
    message
}

fn call_error(action: EngineCall, object: &str, error: BollardError) -> EngineError {
    let (kind, message) = match &error {
        // A network with members is "forbidden" to remove: it is in use, as a volume would be.
        BollardError::DockerResponseServerError {
            status_code: 403,
            message,
        } if message.contains("active endpoints") => (ErrorKind::Conflict, message.clone()),
        BollardError::DockerResponseServerError {
            status_code,
            message,
        } => (kind_of_status(*status_code), message.clone()),
        BollardError::RequestTimeoutError => (
            ErrorKind::Timeout,
            format!(
                "the engine did not answer within {}",
                format_duration(REQUEST_TIMEOUT)
            ),
        ),
        BollardError::HyperLegacyError { .. }
        | BollardError::HyperResponseError { .. }
        | BollardError::IOError { .. } => (ErrorKind::Unavailable, describe(&error)),
        BollardError::JsonDataError { .. } | BollardError::JsonSerdeError { .. } => (
            ErrorKind::Other,
            format!("unreadable answer from the engine: {}", describe(&error)),
        ),
        _ => (ErrorKind::Other, describe(&error)),
    };
    EngineError::call(action, object, kind, message)
}

fn kind_of_status(status: u16) -> ErrorKind {
    match status {
        400 => ErrorKind::InvalidArgument,
        403 => ErrorKind::Forbidden,
        404 => ErrorKind::NotFound,
        409 => ErrorKind::Conflict,
        _ => ErrorKind::Other,
    }
}

fn invalid(action: EngineCall, object: &str, message: String) -> EngineError {
    EngineError::call(action, object, ErrorKind::InvalidArgument, message)
}

fn label_filters(filter: &ProjectFilter) -> HashMap<String, Vec<String>> {
    HashMap::from([("label".to_string(), filter.label_filters())])
}

fn labels_from(labels: Option<HashMap<String, String>>) -> Labels {
    labels.unwrap_or_default().into_iter().collect()
}

fn some_map(map: &Labels) -> Option<HashMap<String, String>> {
    (!map.is_empty()).then(|| map.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
}

fn some_vec<T: Clone>(items: &[T]) -> Option<Vec<T>> {
    (!items.is_empty()).then(|| items.to_vec())
}

fn nanos(duration: Duration) -> i64 {
    i64::try_from(duration.as_nanos()).unwrap_or(i64::MAX)
}

fn whole_seconds(duration: Duration) -> i64 {
    i64::try_from(duration.as_secs()).unwrap_or(i64::MAX)
}

fn seconds_i32(duration: Duration) -> i32 {
    i32::try_from(duration.as_secs()).unwrap_or(i32::MAX)
}

fn strip_slash(name: &str) -> String {
    name.strip_prefix('/').unwrap_or(name).to_string()
}

// ---------------------------------------------------------------------------------------------
// Spec → Engine API bodies

fn endpoint_settings(endpoint: &EndpointSpec) -> api::EndpointSettings {
    let has_ipam = endpoint.ipam_declared
        || endpoint.ipv4_address.is_some()
        || endpoint.ipv6_address.is_some()
        || !endpoint.link_local_ips.is_empty();
    api::EndpointSettings {
        aliases: some_vec(&endpoint.aliases),
        links: some_vec(&endpoint.links),
        ipam_config: has_ipam.then(|| api::EndpointIpamConfig {
            ipv4_address: endpoint.ipv4_address.clone(),
            ipv6_address: endpoint.ipv6_address.clone(),
            link_local_ips: some_vec(&endpoint.link_local_ips),
        }),
        mac_address: endpoint.mac_address.clone(),
        driver_opts: some_map(&endpoint.driver_opts),
        gw_priority: endpoint.gw_priority,
        ..Default::default()
    }
}

fn propagation(value: &str) -> Result<api::MountBindOptionsPropagationEnum, String> {
    use api::MountBindOptionsPropagationEnum as P;
    Ok(match value {
        "private" => P::PRIVATE,
        "rprivate" => P::RPRIVATE,
        "shared" => P::SHARED,
        "rshared" => P::RSHARED,
        "slave" => P::SLAVE,
        "rslave" => P::RSLAVE,
        "" => P::EMPTY,
        other => return Err(format!("unknown bind propagation `{other}`")),
    })
}

fn mount_body(mount: &super::Mount) -> Result<api::Mount, String> {
    let kind = match mount.kind {
        MountKind::Volume => api::MountType::VOLUME,
        MountKind::Bind => api::MountType::BIND,
        MountKind::Tmpfs => api::MountType::TMPFS,
        MountKind::Npipe => api::MountType::NPIPE,
    };
    let bind_options = match &mount.bind {
        None => None,
        Some(bind) => Some(api::MountBindOptions {
            propagation: bind.propagation.as_deref().map(propagation).transpose()?,
            create_mountpoint: bind.create_mountpoint.then_some(true),
            non_recursive: bind.non_recursive.then_some(true),
            read_only_non_recursive: bind.read_only_non_recursive.then_some(true),
            read_only_force_recursive: bind.read_only_force_recursive.then_some(true),
        }),
    };
    let volume_options = mount.volume.as_ref().map(|volume| api::MountVolumeOptions {
        no_copy: volume.no_copy.then_some(true),
        labels: some_map(&volume.labels),
        driver_config: volume
            .driver
            .as_ref()
            .map(|driver| api::MountVolumeOptionsDriverConfig {
                name: Some(driver.clone()),
                options: some_map(&volume.driver_opts),
            }),
        subpath: volume.subpath.clone(),
    });
    let tmpfs_options = mount.tmpfs.as_ref().map(|tmpfs| api::MountTmpfsOptions {
        size_bytes: tmpfs.size_bytes,
        mode: tmpfs.mode.map(i64::from),
        options: None,
    });
    Ok(api::Mount {
        target: Some(mount.target.clone()),
        source: mount.source.clone(),
        typ: Some(kind),
        read_only: mount.read_only.then_some(true),
        consistency: mount.consistency.clone(),
        bind_options,
        volume_options,
        tmpfs_options,
        ..Default::default()
    })
}

fn restart_policy(policy: &super::RestartPolicy) -> api::RestartPolicy {
    use api::RestartPolicyNameEnum as N;
    api::RestartPolicy {
        name: Some(match policy.name {
            RestartPolicyName::No => N::NO,
            RestartPolicyName::Always => N::ALWAYS,
            RestartPolicyName::UnlessStopped => N::UNLESS_STOPPED,
            RestartPolicyName::OnFailure => N::ON_FAILURE,
        }),
        maximum_retry_count: (policy.name == RestartPolicyName::OnFailure)
            .then_some(policy.maximum_retry_count),
    }
}

/// The exposed ports: the spec's, and every bound port (as compose does), `80` read as `80/tcp`.
fn exposed_ports(spec: &ContainerSpec) -> Vec<String> {
    let mut ports: BTreeSet<String> = spec
        .exposed_ports
        .iter()
        .map(|port| {
            if port.contains('/') {
                port.clone()
            } else {
                format!("{port}/tcp")
            }
        })
        .collect();
    ports.extend(spec.port_bindings.iter().map(|binding| binding.port_key()));
    ports.into_iter().collect()
}

/// Always a map, empty without bindings: docker compose sends `{}`, which the engine keeps.
fn port_bindings(spec: &ContainerSpec) -> Option<api::PortMap> {
    let mut map: BTreeMap<String, Vec<api::PortBinding>> = BTreeMap::new();
    for binding in &spec.port_bindings {
        map.entry(binding.port_key())
            .or_default()
            .push(api::PortBinding {
                host_ip: binding.host_ip.clone(),
                host_port: binding.host_port.clone(),
            });
    }
    Some(
        map.into_iter()
            .map(|(port, bindings)| (port, Some(bindings)))
            .collect(),
    )
}

fn host_config(spec: &ContainerSpec) -> Result<api::HostConfig, String> {
    let resources = &spec.resources;
    let mounts = spec
        .mounts
        .iter()
        .map(mount_body)
        .collect::<Result<Vec<_>, _>>()?;
    let cgroupns_mode = match spec.cgroupns_mode.as_deref() {
        None => None,
        Some("host") => Some(api::HostConfigCgroupnsModeEnum::HOST),
        Some("private") => Some(api::HostConfigCgroupnsModeEnum::PRIVATE),
        Some("") => Some(api::HostConfigCgroupnsModeEnum::EMPTY),
        Some(other) => return Err(format!("unknown cgroup namespace mode `{other}`")),
    };
    let isolation = match spec.isolation.as_deref() {
        None => None,
        Some("default") => Some(api::HostConfigIsolationEnum::DEFAULT),
        Some("process") => Some(api::HostConfigIsolationEnum::PROCESS),
        Some("hyperv") => Some(api::HostConfigIsolationEnum::HYPERV),
        Some("") => Some(api::HostConfigIsolationEnum::EMPTY),
        Some(other) => return Err(format!("unknown isolation `{other}`")),
    };
    let throttle = |devices: &[super::ThrottleDevice]| {
        (!devices.is_empty()).then(|| {
            devices
                .iter()
                .map(|device| api::ThrottleDevice {
                    path: Some(device.path.clone()),
                    rate: Some(device.rate),
                })
                .collect()
        })
    };
    Ok(api::HostConfig {
        // resources
        cpu_shares: resources.cpu_shares,
        memory: resources.memory,
        cgroup_parent: spec.cgroup_parent.clone(),
        blkio_weight: resources.blkio_weight,
        blkio_weight_device: (!resources.blkio_weight_device.is_empty()).then(|| {
            resources
                .blkio_weight_device
                .iter()
                .map(|device| api::ResourcesBlkioWeightDevice {
                    path: Some(device.path.clone()),
                    weight: Some(usize::from(device.weight)),
                })
                .collect()
        }),
        blkio_device_read_bps: throttle(&resources.blkio_device_read_bps),
        blkio_device_write_bps: throttle(&resources.blkio_device_write_bps),
        blkio_device_read_iops: throttle(&resources.blkio_device_read_iops),
        blkio_device_write_iops: throttle(&resources.blkio_device_write_iops),
        cpu_period: resources.cpu_period,
        cpu_quota: resources.cpu_quota,
        cpu_realtime_period: resources.cpu_realtime_period,
        cpu_realtime_runtime: resources.cpu_realtime_runtime,
        cpuset_cpus: resources.cpuset_cpus.clone(),
        cpuset_mems: resources.cpuset_mems.clone(),
        devices: (!resources.devices.is_empty()).then(|| {
            resources
                .devices
                .iter()
                .map(|device| api::DeviceMapping {
                    path_on_host: Some(device.path_on_host.clone()),
                    path_in_container: Some(device.path_in_container.clone()),
                    cgroup_permissions: Some(device.cgroup_permissions.clone()),
                })
                .collect()
        }),
        device_cgroup_rules: some_vec(&resources.device_cgroup_rules),
        device_requests: (!resources.device_requests.is_empty()).then(|| {
            resources
                .device_requests
                .iter()
                .map(|request| api::DeviceRequest {
                    driver: request.driver.clone(),
                    count: request.count,
                    device_ids: some_vec(&request.device_ids),
                    capabilities: some_vec(&request.capabilities),
                    options: some_map(&request.options),
                })
                .collect()
        }),
        memory_reservation: resources.memory_reservation,
        memory_swap: resources.memory_swap,
        memory_swappiness: resources.memory_swappiness,
        nano_cpus: resources.nano_cpus,
        oom_kill_disable: resources.oom_kill_disable,
        init: spec.init,
        pids_limit: resources.pids_limit,
        ulimits: (!resources.ulimits.is_empty()).then(|| {
            resources
                .ulimits
                .iter()
                .map(|ulimit| api::ResourcesUlimits {
                    name: Some(ulimit.name.clone()),
                    soft: Some(ulimit.soft),
                    hard: Some(ulimit.hard),
                })
                .collect()
        }),
        cpu_count: resources.cpu_count,
        cpu_percent: resources.cpu_percent,
        // the rest of the host
        binds: some_vec(&spec.binds),
        log_config: spec
            .log_config
            .as_ref()
            .map(|log| api::HostConfigLogConfig {
                typ: Some(log.driver.clone()),
                config: some_map(&log.options),
            }),
        network_mode: spec.network_mode.clone(),
        port_bindings: port_bindings(spec),
        restart_policy: spec.restart_policy.as_ref().map(restart_policy),
        auto_remove: spec.auto_remove.then_some(true),
        volume_driver: spec.volume_driver.clone(),
        volumes_from: some_vec(&spec.volumes_from),
        mounts: some_vec(&mounts),
        annotations: some_map(&spec.annotations),
        cap_add: some_vec(&spec.cap_add),
        cap_drop: some_vec(&spec.cap_drop),
        cgroupns_mode,
        dns: some_vec(&spec.dns),
        dns_options: some_vec(&spec.dns_options),
        dns_search: some_vec(&spec.dns_search),
        // Always a list, as docker compose sends it (the engine keeps `[]` apart from `null`).
        extra_hosts: Some(spec.extra_hosts.clone()),
        group_add: some_vec(&spec.group_add),
        ipc_mode: spec.ipc_mode.clone(),
        links: some_vec(&spec.links),
        oom_score_adj: spec.oom_score_adj,
        pid_mode: spec.pid_mode.clone(),
        privileged: spec.privileged.then_some(true),
        publish_all_ports: spec.publish_all_ports.then_some(true),
        readonly_rootfs: spec.read_only.then_some(true),
        security_opt: some_vec(&spec.security_opt),
        storage_opt: some_map(&spec.storage_opt),
        tmpfs: some_map(&spec.tmpfs),
        uts_mode: spec.uts_mode.clone(),
        userns_mode: spec.userns_mode.clone(),
        shm_size: spec.shm_size,
        sysctls: some_map(&spec.sysctls),
        runtime: spec.runtime.clone(),
        isolation,
        masked_paths: spec.masked_paths.clone(),
        readonly_paths: spec.readonly_paths.clone(),
        ..Default::default()
    })
}

/// The create body for `spec`; an error names the field value the API cannot carry.
fn create_body(spec: &ContainerSpec) -> Result<api::ContainerCreateBody, String> {
    let healthcheck = spec.healthcheck.as_ref().map(|check| api::HealthConfig {
        test: some_vec(&check.test),
        interval: check.interval.map(nanos),
        timeout: check.timeout.map(nanos),
        retries: check.retries,
        start_period: check.start_period.map(nanos),
        start_interval: check.start_interval.map(nanos),
    });
    let exposed = exposed_ports(spec);
    let endpoints: HashMap<String, api::EndpointSettings> = spec
        .endpoints
        .iter()
        .map(|endpoint| (endpoint.network.clone(), endpoint_settings(endpoint)))
        .collect();
    let mut body = api::ContainerCreateBody {
        hostname: spec.hostname.clone(),
        domainname: spec.domainname.clone(),
        user: spec.user.clone(),
        attach_stdin: spec.attach_stdin.then_some(true),
        attach_stdout: spec.attach_stdout.then_some(true),
        attach_stderr: spec.attach_stderr.then_some(true),
        exposed_ports: (!exposed.is_empty()).then_some(exposed),
        tty: spec.tty.then_some(true),
        open_stdin: spec.open_stdin.then_some(true),
        stdin_once: spec.stdin_once.then_some(true),
        env: some_vec(&spec.env),
        cmd: spec.cmd.clone(),
        healthcheck,
        image: Some(spec.image.clone()),
        working_dir: spec.working_dir.clone(),
        entrypoint: spec.entrypoint.clone(),
        network_disabled: spec.network_disabled.then_some(true),
        labels: some_map(&spec.labels),
        stop_signal: spec.stop_signal.clone(),
        stop_timeout: spec.stop_timeout.map(whole_seconds),
        host_config: Some(host_config(spec)?),
        networking_config: (!endpoints.is_empty()).then_some(api::NetworkingConfig {
            endpoints_config: Some(endpoints),
        }),
        ..Default::default()
    };
    if let Some(mac) = &spec.mac_address {
        set_mac_address(&mut body, mac);
    }
    Ok(body)
}

/// bollard's model (API 1.53) has no container-wide `MacAddress`: it goes on the endpoint of the
/// `network_mode` network, where engines from API 1.44 read it. Older engines ignore it there
/// (and bollard cannot send the old field).
fn set_mac_address(body: &mut api::ContainerCreateBody, mac: &str) {
    let network = body
        .host_config
        .as_ref()
        .and_then(|host| host.network_mode.clone())
        .filter(|mode| {
            !matches!(mode.as_str(), "default" | "host" | "none") && !mode.starts_with("container:")
        });
    if let Some(network) = network {
        let endpoints = body
            .networking_config
            .get_or_insert_with(Default::default)
            .endpoints_config
            .get_or_insert_with(HashMap::new);
        let endpoint = endpoints.entry(network).or_default();
        if endpoint.mac_address.is_none() {
            endpoint.mac_address = Some(mac.to_string());
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Engine API answers → plain data

fn container_status(status: Option<api::ContainerStateStatusEnum>) -> ContainerStatus {
    status.map_or(ContainerStatus::Unknown, |status| {
        ContainerStatus::parse(status.as_ref())
    })
}

fn health(health: Option<api::Health>) -> Option<Health> {
    let health = health?;
    let status = match health.status? {
        api::HealthStatusEnum::STARTING => HealthStatus::Starting,
        api::HealthStatusEnum::HEALTHY => HealthStatus::Healthy,
        api::HealthStatusEnum::UNHEALTHY => HealthStatus::Unhealthy,
        api::HealthStatusEnum::NONE | api::HealthStatusEnum::EMPTY => return None,
    };
    let last = health.log.unwrap_or_default().into_iter().last();
    Some(Health {
        status,
        failing_streak: health.failing_streak.unwrap_or(0),
        last_output: last.as_ref().and_then(|result| result.output.clone()),
        last_exit_code: last.and_then(|result| result.exit_code),
    })
}

fn mount_info(mount: api::MountPoint) -> MountInfo {
    MountInfo {
        kind: mount.typ.unwrap_or_default(),
        name: mount.name.filter(|name| !name.is_empty()),
        source: mount.source.unwrap_or_default(),
        destination: mount.destination.unwrap_or_default(),
        read_write: mount.rw.unwrap_or(false),
    }
}

fn container_info(inspect: api::ContainerInspectResponse) -> ContainerInfo {
    let state = inspect.state.unwrap_or_default();
    let config = inspect.config.unwrap_or_default();
    let host = inspect.host_config.unwrap_or_default();
    let networks = inspect
        .network_settings
        .and_then(|settings| settings.networks)
        .unwrap_or_default()
        .into_iter()
        .map(|(name, endpoint)| {
            (
                name,
                EndpointInfo {
                    network_id: endpoint.network_id.unwrap_or_default(),
                    aliases: endpoint.aliases.unwrap_or_default(),
                    ipv4_address: endpoint.ip_address.unwrap_or_default(),
                    ipv6_address: endpoint.global_ipv6_address.unwrap_or_default(),
                    mac_address: endpoint.mac_address.unwrap_or_default(),
                },
            )
        })
        .collect();
    let mounts = inspect
        .mounts
        .unwrap_or_default()
        .into_iter()
        .map(mount_info)
        .collect();
    ContainerInfo {
        id: inspect.id.unwrap_or_default(),
        name: strip_slash(&inspect.name.unwrap_or_default()),
        image: config.image.unwrap_or_default(),
        image_id: inspect.image.unwrap_or_default(),
        created: inspect.created.unwrap_or_default(),
        labels: labels_from(config.labels),
        state: ContainerState {
            status: container_status(state.status),
            running: state.running.unwrap_or(false),
            paused: state.paused.unwrap_or(false),
            restarting: state.restarting.unwrap_or(false),
            oom_killed: state.oom_killed.unwrap_or(false),
            dead: state.dead.unwrap_or(false),
            pid: state.pid.unwrap_or(0),
            exit_code: state.exit_code.unwrap_or(0),
            error: state.error.unwrap_or_default(),
            started_at: state.started_at.unwrap_or_default(),
            finished_at: state.finished_at.unwrap_or_default(),
            health: health(state.health),
        },
        restart_count: inspect.restart_count.unwrap_or(0),
        network_mode: host.network_mode.unwrap_or_default(),
        networks,
        mounts,
    }
}

/// The container's own name among the names the list call gives (links add `/other/alias`).
fn primary_name(names: &[String]) -> String {
    names
        .iter()
        .map(|name| strip_slash(name))
        .find(|name| !name.contains('/'))
        .or_else(|| names.first().map(|name| strip_slash(name)))
        .unwrap_or_default()
}

fn container_summary(summary: api::ContainerSummary) -> ContainerSummary {
    let mut networks: Vec<String> = summary
        .network_settings
        .and_then(|settings| settings.networks)
        .map(|networks| networks.into_keys().collect())
        .unwrap_or_default();
    networks.sort();
    ContainerSummary {
        id: summary.id.unwrap_or_default(),
        name: primary_name(&summary.names.unwrap_or_default()),
        image: summary.image.unwrap_or_default(),
        image_id: summary.image_id.unwrap_or_default(),
        status: summary.state.map_or(ContainerStatus::Unknown, |state| {
            ContainerStatus::parse(state.as_ref())
        }),
        status_text: summary.status.unwrap_or_default(),
        created: summary.created.unwrap_or(0),
        labels: labels_from(summary.labels),
        networks,
        command: summary.command.unwrap_or_default(),
        ports: summary
            .ports
            .unwrap_or_default()
            .into_iter()
            .map(|port| ContainerPort {
                ip: port.ip.filter(|ip| !ip.is_empty()),
                private_port: port.private_port,
                public_port: port.public_port,
                protocol: port
                    .typ
                    .map(|t| t.to_string())
                    .filter(|t| !t.is_empty())
                    .unwrap_or_else(|| "tcp".to_string()),
            })
            .collect(),
        mounts: summary
            .mounts
            .unwrap_or_default()
            .into_iter()
            .map(mount_info)
            .collect(),
    }
}

fn ipam_from(ipam: Option<api::Ipam>) -> Ipam {
    let ipam = ipam.unwrap_or_default();
    Ipam {
        driver: ipam.driver,
        config: ipam
            .config
            .unwrap_or_default()
            .into_iter()
            .map(|pool| IpamPool {
                subnet: pool.subnet,
                ip_range: pool.ip_range,
                gateway: pool.gateway,
                aux_addresses: labels_from(pool.auxiliary_addresses),
            })
            .collect(),
        options: labels_from(ipam.options),
    }
}

fn network_summary(network: api::Network) -> NetworkInfo {
    NetworkInfo {
        id: network.id.unwrap_or_default(),
        name: network.name.unwrap_or_default(),
        driver: network.driver.unwrap_or_default(),
        scope: network.scope.unwrap_or_default(),
        internal: network.internal.unwrap_or(false),
        attachable: network.attachable.unwrap_or(false),
        enable_ipv6: network.enable_ipv6.unwrap_or(false),
        labels: labels_from(network.labels),
        options: labels_from(network.options),
        ipam: ipam_from(network.ipam),
        containers: BTreeMap::new(),
    }
}

fn network_info(network: api::NetworkInspect) -> NetworkInfo {
    NetworkInfo {
        id: network.id.unwrap_or_default(),
        name: network.name.unwrap_or_default(),
        driver: network.driver.unwrap_or_default(),
        scope: network.scope.unwrap_or_default(),
        internal: network.internal.unwrap_or(false),
        attachable: network.attachable.unwrap_or(false),
        enable_ipv6: network.enable_ipv6.unwrap_or(false),
        labels: labels_from(network.labels),
        options: labels_from(network.options),
        ipam: ipam_from(network.ipam),
        containers: network
            .containers
            .unwrap_or_default()
            .into_iter()
            .map(|(id, member)| {
                (
                    id,
                    NetworkMember {
                        name: member.name.unwrap_or_default(),
                        ipv4_address: member.ipv4_address.unwrap_or_default(),
                        ipv6_address: member.ipv6_address.unwrap_or_default(),
                        mac_address: member.mac_address.unwrap_or_default(),
                    },
                )
            })
            .collect(),
    }
}

fn volume_info(volume: api::Volume) -> VolumeInfo {
    VolumeInfo {
        name: volume.name,
        driver: volume.driver,
        mountpoint: volume.mountpoint,
        labels: volume.labels.into_iter().collect(),
        options: volume.options.into_iter().collect(),
        scope: volume
            .scope
            .map(|scope| scope.to_string())
            .unwrap_or_default(),
        created_at: volume.created_at,
    }
}

fn image_info(image: api::ImageInspect) -> ImageInfo {
    let config = image.config.unwrap_or_default();
    ImageInfo {
        id: image.id.unwrap_or_default(),
        repo_tags: image.repo_tags.unwrap_or_default(),
        repo_digests: image.repo_digests.unwrap_or_default(),
        user: config.user.filter(|user| !user.is_empty()),
        working_dir: config.working_dir.filter(|dir| !dir.is_empty()),
        labels: labels_from(config.labels),
        volumes: config.volumes.unwrap_or_default(),
        os: image.os.unwrap_or_default(),
        architecture: image.architecture.unwrap_or_default(),
    }
}

/// One chunk of output; with time stamps, the engine puts one and a space before the text.
fn log_line(output: bollard::container::LogOutput, timestamps: bool) -> LogLine {
    use bollard::container::LogOutput as Output;
    let (source, bytes) = match output {
        Output::StdOut { message } => (LogSource::Stdout, message),
        Output::StdErr { message } => (LogSource::Stderr, message),
        Output::Console { message } | Output::StdIn { message } => (LogSource::Console, message),
    };
    let text = String::from_utf8_lossy(&bytes).into_owned();
    if timestamps {
        if let Some((stamp, rest)) = text.split_once(' ') {
            if stamp.len() >= 20 && stamp.as_bytes()[4] == b'-' && stamp.contains('T') {
                return LogLine {
                    source,
                    timestamp: Some(stamp.to_string()),
                    message: rest.to_string(),
                };
            }
        }
    }
    LogLine {
        source,
        timestamp: None,
        message: text,
    }
}

// ---------------------------------------------------------------------------------------------

impl Engine for DockerEngine {
    async fn ping(&self) -> Result<(), EngineError> {
        self.docker
            .ping()
            .await
            .map(|_| ())
            .map_err(|error| call_error(EngineCall::Ping, &self.host, error))
    }

    async fn version(&self) -> Result<EngineVersion, EngineError> {
        // Asked at connect time: the engine's version does not change under a running command.
        Ok(self.version.clone())
    }

    async fn list_containers(
        &self,
        filter: &ProjectFilter,
    ) -> Result<Vec<ContainerSummary>, EngineError> {
        let options = query::ListContainersOptions {
            all: true,
            filters: Some(label_filters(filter)),
            ..Default::default()
        };
        let containers = self
            .docker
            .list_containers(Some(options))
            .await
            .map_err(|error| call_error(EngineCall::ListContainers, filter.project(), error))?;
        let mut containers: Vec<ContainerSummary> =
            containers.into_iter().map(container_summary).collect();
        containers.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(containers)
    }

    async fn inspect_container(&self, container: &str) -> Result<ContainerInfo, EngineError> {
        self.docker
            .inspect_container(container, None::<query::InspectContainerOptions>)
            .await
            .map(container_info)
            .map_err(|error| call_error(EngineCall::InspectContainer, container, error))
    }

    async fn create_container(&self, spec: &ContainerSpec) -> Result<String, EngineError> {
        const ACTION: EngineCall = EngineCall::CreateContainer;
        let object = if spec.name.is_empty() {
            spec.image.as_str()
        } else {
            spec.name.as_str()
        };
        let body = create_body(spec).map_err(|message| invalid(ACTION, object, message))?;
        let options = query::CreateContainerOptions {
            name: (!spec.name.is_empty()).then(|| spec.name.clone()),
            platform: spec.platform.clone().unwrap_or_default(),
        };
        let id = self
            .docker
            .create_container(Some(options), body)
            .await
            .map(|created| created.id)
            .map_err(|error| call_error(ACTION, object, error))?;
        if !spec.files.is_empty() {
            // A container without its files must not stay behind: the next `up` would see
            // it as up to date.
            if let Err(error) = self.copy_files(&id, &spec.files).await {
                let options = query::RemoveContainerOptions {
                    force: true,
                    v: true,
                    link: false,
                };
                let _ = self.docker.remove_container(&id, Some(options)).await;
                return Err(match error {
                    Ok(error) => call_error(ACTION, object, error),
                    Err(message) => invalid(ACTION, object, message),
                });
            }
        }
        Ok(id)
    }

    async fn start_container(&self, container: &str) -> Result<(), EngineError> {
        self.docker
            .start_container(container, None::<query::StartContainerOptions>)
            .await
            .map_err(|error| call_error(EngineCall::StartContainer, container, error))
    }

    async fn stop_container(
        &self,
        container: &str,
        timeout: Option<Duration>,
    ) -> Result<(), EngineError> {
        let options = query::StopContainerOptions {
            signal: None,
            t: timeout.map(seconds_i32),
        };
        self.client_waiting(timeout.unwrap_or(super::DEFAULT_STOP_TIMEOUT))
            .stop_container(container, Some(options))
            .await
            .map_err(|error| call_error(EngineCall::StopContainer, container, error))
    }

    async fn kill_container(
        &self,
        container: &str,
        signal: Option<&str>,
    ) -> Result<(), EngineError> {
        let options = query::KillContainerOptions {
            signal: signal.unwrap_or("SIGKILL").to_string(),
        };
        self.docker
            .kill_container(container, Some(options))
            .await
            .map_err(|error| call_error(EngineCall::KillContainer, container, error))
    }

    async fn restart_container(
        &self,
        container: &str,
        timeout: Option<Duration>,
    ) -> Result<(), EngineError> {
        let options = query::RestartContainerOptions {
            signal: None,
            t: timeout.map(seconds_i32),
        };
        self.client_waiting(timeout.unwrap_or(super::DEFAULT_STOP_TIMEOUT))
            .restart_container(container, Some(options))
            .await
            .map_err(|error| call_error(EngineCall::RestartContainer, container, error))
    }

    async fn remove_container(
        &self,
        container: &str,
        options: RemoveContainerOptions,
    ) -> Result<(), EngineError> {
        let options = query::RemoveContainerOptions {
            v: options.volumes,
            force: options.force,
            link: false,
        };
        self.docker
            .remove_container(container, Some(options))
            .await
            .map_err(|error| call_error(EngineCall::RemoveContainer, container, error))
    }

    async fn wait_container(
        &self,
        container: &str,
        condition: WaitCondition,
    ) -> Result<i64, EngineError> {
        const ACTION: EngineCall = EngineCall::WaitContainer;
        let options = query::WaitContainerOptions {
            condition: condition.as_str().to_string(),
        };
        let mut answers = self.docker.wait_container(container, Some(options));
        match answers.next().await {
            Some(Ok(answer)) => Ok(answer.status_code),
            // bollard reports a non-zero exit as an error; it is an answer here.
            Some(Err(BollardError::DockerContainerWaitError { error, code }))
                if error.is_empty() =>
            {
                Ok(code)
            }
            Some(Err(BollardError::DockerContainerWaitError { error, code })) => {
                Err(EngineError::call(
                    ACTION,
                    container,
                    ErrorKind::Other,
                    format!("{error} (exit code {code})"),
                ))
            }
            Some(Err(error)) => Err(call_error(ACTION, container, error)),
            None => Err(EngineError::call(
                ACTION,
                container,
                ErrorKind::Other,
                "the engine ended the wait without an exit code",
            )),
        }
    }

    async fn container_logs(
        &self,
        container: &str,
        options: &LogsOptions,
    ) -> Result<LogStream, EngineError> {
        const ACTION: EngineCall = EngineCall::ContainerLogs;
        // The stream reports a missing container only as its first item: ask first, so the
        // caller gets the error from this call.
        self.inspect_container(container)
            .await
            .map_err(|error| match error {
                EngineError::Call { kind, message, .. } => {
                    EngineError::call(ACTION, container, kind, message)
                }
                other => other,
            })?;
        let request = query::LogsOptions {
            follow: options.follow,
            stdout: options.stdout,
            stderr: options.stderr,
            since: options
                .since
                .map_or(0, |since| i32::try_from(since).unwrap_or(i32::MAX)),
            until: options
                .until
                .map_or(0, |until| i32::try_from(until).unwrap_or(i32::MAX)),
            timestamps: options.timestamps,
            tail: options
                .tail
                .map_or_else(|| "all".to_string(), |tail| tail.to_string()),
        };
        let timestamps = options.timestamps;
        let object = container.to_string();
        let stream = self
            .docker
            .logs(container, Some(request))
            .map_ok(move |output| log_line(output, timestamps))
            .map_err(move |error| call_error(ACTION, &object, error));
        Ok(stream.boxed())
    }

    async fn list_networks(&self, filter: &ProjectFilter) -> Result<Vec<NetworkInfo>, EngineError> {
        let options = query::ListNetworksOptions {
            filters: Some(label_filters(filter)),
        };
        let networks = self
            .docker
            .list_networks(Some(options))
            .await
            .map_err(|error| call_error(EngineCall::ListNetworks, filter.project(), error))?;
        let mut networks: Vec<NetworkInfo> = networks.into_iter().map(network_summary).collect();
        networks.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(networks)
    }

    async fn inspect_network(&self, network: &str) -> Result<NetworkInfo, EngineError> {
        self.docker
            .inspect_network(network, None::<query::InspectNetworkOptions>)
            .await
            .map(network_info)
            .map_err(|error| call_error(EngineCall::InspectNetwork, network, error))
    }

    async fn create_network(&self, spec: &NetworkSpec) -> Result<String, EngineError> {
        const ACTION: EngineCall = EngineCall::CreateNetwork;
        let name = spec.name.as_str();
        // Engines before API 1.44 create a second network of the same name unless asked not
        // to, and bollard's model no longer has the field that asks: check first.
        let options = query::ListNetworksOptions {
            filters: Some(HashMap::from([(
                "name".to_string(),
                vec![spec.name.clone()],
            )])),
        };
        let same_name = self
            .docker
            .list_networks(Some(options))
            .await
            .map_err(|error| call_error(ACTION, name, error))?;
        let already_exists = || {
            EngineError::call(
                ACTION,
                name,
                ErrorKind::Conflict,
                format!("network with name {name} already exists"),
            )
        };
        if same_name
            .iter()
            .any(|network| network.name.as_deref() == Some(name))
        {
            return Err(already_exists());
        }
        let request = api::NetworkCreateRequest {
            name: spec.name.clone(),
            driver: spec.driver.clone(),
            internal: spec.internal.then_some(true),
            attachable: spec.attachable.then_some(true),
            enable_ipv6: spec.enable_ipv6,
            ipam: spec.ipam.as_ref().map(|ipam| api::Ipam {
                driver: ipam.driver.clone(),
                config: some_vec(&ipam.config).map(|pools| {
                    pools
                        .into_iter()
                        .map(|pool| api::IpamConfig {
                            subnet: pool.subnet,
                            ip_range: pool.ip_range,
                            gateway: pool.gateway,
                            auxiliary_addresses: some_map(&pool.aux_addresses),
                        })
                        .collect()
                }),
                options: some_map(&ipam.options),
            }),
            options: some_map(&spec.driver_opts),
            labels: some_map(&spec.labels),
            ..Default::default()
        };
        let created = self
            .docker
            .create_network(request)
            .await
            .map_err(|error| call_error(ACTION, name, error))?;
        // Lost a race with another creator: the engine made a duplicate and warned.
        if created.warning.contains("already exists") {
            let _ = self.docker.remove_network(&created.id).await;
            return Err(already_exists());
        }
        Ok(created.id)
    }

    async fn remove_network(&self, network: &str) -> Result<(), EngineError> {
        self.docker
            .remove_network(network)
            .await
            .map_err(|error| call_error(EngineCall::RemoveNetwork, network, error))
    }

    async fn connect_network(
        &self,
        container: &str,
        endpoint: &EndpointSpec,
    ) -> Result<(), EngineError> {
        let request = api::NetworkConnectRequest {
            container: container.to_string(),
            endpoint_config: Some(endpoint_settings(endpoint)),
        };
        self.docker
            .connect_network(&endpoint.network, request)
            .await
            .map_err(|error| {
                call_error(EngineCall::ConnectNetwork, container, error)
                    .with_context(format!(" to network `{}`", endpoint.network))
            })
    }

    async fn disconnect_network(
        &self,
        network: &str,
        container: &str,
        force: bool,
    ) -> Result<(), EngineError> {
        let request = api::NetworkDisconnectRequest {
            container: container.to_string(),
            force: Some(force),
        };
        self.docker
            .disconnect_network(network, request)
            .await
            .map_err(|error| {
                call_error(EngineCall::DisconnectNetwork, container, error)
                    .with_context(format!(" from network `{network}`"))
            })
    }

    async fn list_volumes(&self, filter: &ProjectFilter) -> Result<Vec<VolumeInfo>, EngineError> {
        let options = query::ListVolumesOptions {
            filters: Some(label_filters(filter)),
        };
        let answer = self
            .docker
            .list_volumes(Some(options))
            .await
            .map_err(|error| call_error(EngineCall::ListVolumes, filter.project(), error))?;
        let mut volumes: Vec<VolumeInfo> = answer
            .volumes
            .unwrap_or_default()
            .into_iter()
            .map(volume_info)
            .collect();
        volumes.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(volumes)
    }

    async fn inspect_volume(&self, volume: &str) -> Result<VolumeInfo, EngineError> {
        self.docker
            .inspect_volume(volume)
            .await
            .map(volume_info)
            .map_err(|error| call_error(EngineCall::InspectVolume, volume, error))
    }

    async fn create_volume(&self, spec: &VolumeSpec) -> Result<VolumeInfo, EngineError> {
        let request = api::VolumeCreateRequest {
            name: Some(spec.name.clone()),
            driver: spec.driver.clone(),
            driver_opts: some_map(&spec.driver_opts),
            labels: some_map(&spec.labels),
            cluster_volume_spec: None,
        };
        self.docker
            .create_volume(request)
            .await
            .map(volume_info)
            .map_err(|error| call_error(EngineCall::CreateVolume, &spec.name, error))
    }

    async fn remove_volume(&self, volume: &str, force: bool) -> Result<(), EngineError> {
        self.docker
            .remove_volume(volume, Some(query::RemoveVolumeOptions { force }))
            .await
            .map_err(|error| call_error(EngineCall::RemoveVolume, volume, error))
    }

    async fn inspect_image(&self, reference: &str) -> Result<ImageInfo, EngineError> {
        self.docker
            .inspect_image(reference)
            .await
            .map(image_info)
            .map_err(|error| call_error(EngineCall::InspectImage, reference, error))
    }

    // --- ps/ls and down --rmi

    async fn list_compose_containers(
        &self,
        all: bool,
    ) -> Result<Vec<ContainerSummary>, EngineError> {
        let options = query::ListContainersOptions {
            all,
            filters: Some(HashMap::from([(
                "label".to_string(),
                vec![PROJECT_LABEL.to_string()],
            )])),
            ..Default::default()
        };
        let containers = self
            .docker
            .list_containers(Some(options))
            .await
            .map_err(|error| call_error(EngineCall::ListComposeContainers, &self.host, error))?;
        let mut containers: Vec<ContainerSummary> =
            containers.into_iter().map(container_summary).collect();
        containers.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(containers)
    }

    async fn remove_image(&self, reference: &str) -> Result<(), EngineError> {
        self.docker
            .remove_image(reference, None::<query::RemoveImageOptions>, None)
            .await
            .map(|_| ())
            .map_err(|error| call_error(EngineCall::RemoveImage, reference, error))
    }

    async fn containers_named(
        &self,
        names: &[String],
    ) -> Result<Vec<ContainerSummary>, EngineError> {
        // One list call instead of an inspect per name. The engine's `name` filter is a
        // regular expression on `/name`, compiled for every container it looks at, so the call
        // asks for a few short prefixes (`^/proj-web-`), not one pattern per name (50 patterns
        // cost the engine ~200 ms), and the exact names are picked here.
        if names.is_empty() {
            return Ok(Vec::new());
        }
        let options = query::ListContainersOptions {
            all: true,
            filters: Some(HashMap::from([(
                "name".to_string(),
                name_prefixes(names)
                    .iter()
                    .map(|prefix| format!("^/{}", escape_regex(prefix)))
                    .collect(),
            )])),
            ..Default::default()
        };
        let listed = self
            .docker
            .list_containers(Some(options))
            .await
            .map_err(|error| call_error(EngineCall::ListContainers, &names.join(", "), error))?;
        let mut found: Vec<ContainerSummary> = listed
            .into_iter()
            .map(container_summary)
            .filter(|container| names.contains(&container.name))
            .collect();
        found.sort_by(|a, b| a.name.cmp(&b.name));
        found.dedup_by(|a, b| a.id == b.id);
        Ok(found)
    }
}

// --- secrets and configs (engine differential area)
impl DockerEngine {
    /// Copies `files` into the container as one tar archive extracted at `/`, as docker
    /// compose v2 copies secrets and configs from `environment` or `content`.
    async fn copy_files(
        &self,
        container: &str,
        files: &[super::ContainerFile],
    ) -> Result<(), Result<BollardError, String>> {
        let mtime = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |elapsed| elapsed.as_secs());
        let archive = super::file_archive::tar(files, mtime).map_err(Err)?;
        let keep_owner = files.iter().any(|f| f.uid.is_some() || f.gid.is_some());
        let options = query::UploadToContainerOptions {
            path: "/".to_string(),
            copy_uidgid: keep_owner.then(|| "true".to_string()),
            ..Default::default()
        };
        self.docker
            .upload_to_container(container, Some(options), bollard::body_full(archive.into()))
            .await
            .map_err(Ok)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{
        BindOptions, HealthcheckSpec, Mount, PortBinding, Protocol, Resources, TmpfsOptions,
        VolumeOptions,
    };

    #[test]
    fn docker_host_forms() {
        assert_eq!(
            parse_docker_host("unix:///var/run/docker.sock"),
            Ok(EngineAddress::Unix("/var/run/docker.sock".into()))
        );
        assert_eq!(
            parse_docker_host("/run/docker.sock"),
            Ok(EngineAddress::Unix("/run/docker.sock".into()))
        );
        assert_eq!(
            parse_docker_host("tcp://127.0.0.1:2376"),
            Ok(EngineAddress::Tcp("127.0.0.1:2376".into()))
        );
        assert_eq!(
            parse_docker_host("tcp://docker"),
            Ok(EngineAddress::Tcp("docker:2375".into()))
        );
        assert_eq!(
            parse_docker_host("tcp://[::1]"),
            Ok(EngineAddress::Tcp("[::1]:2375".into()))
        );
        assert_eq!(
            parse_docker_host("tcp://[::1]:2380"),
            Ok(EngineAddress::Tcp("[::1]:2380".into()))
        );
        assert!(parse_docker_host("ssh://me@host")
            .unwrap_err()
            .contains("`ssh` is not supported"));
        assert!(parse_docker_host("unix://").is_err());
    }

    #[tokio::test]
    async fn a_missing_socket_is_unreachable_and_named() {
        let error = DockerEngine::connect_to(
            "unix:///nonexistent/rcompose-test.sock",
            Duration::from_millis(200),
        )
        .await
        .unwrap_err();
        assert_eq!(
            error.to_string(),
            "cannot reach the Docker engine at unix:///nonexistent/rcompose-test.sock: \
             no socket at /nonexistent/rcompose-test.sock"
        );
    }

    #[tokio::test]
    async fn a_silent_engine_times_out_with_the_host_named() {
        // A listening socket that never answers: the connect timeout must end the wait.
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a local port");
        let address = listener.local_addr().expect("local address");
        let host = format!("tcp://{address}");
        let error = DockerEngine::connect_to(&host, Duration::from_millis(300))
            .await
            .unwrap_err();
        assert_eq!(
            error.to_string(),
            format!("cannot reach the Docker engine at {host}: no answer within 300ms")
        );
        drop(listener);
    }

    /// A one-thread HTTP engine double: answers `/version` with `api_version` and anything else
    /// with `[]`, and reports the request lines it saw.
    fn version_server(api_version: &'static str) -> (String, std::sync::mpsc::Receiver<String>) {
        use std::io::{BufRead, BufReader, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a local port");
        let host = format!("tcp://{}", listener.local_addr().expect("local address"));
        let (seen, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for stream in listener.incoming().take(8) {
                let Ok(stream) = stream else { return };
                let mut reader = BufReader::new(stream);
                let mut request_line = String::new();
                if reader.read_line(&mut request_line).is_err() {
                    return;
                }
                loop {
                    let mut header = String::new();
                    match reader.read_line(&mut header) {
                        Ok(0) | Err(_) => break,
                        Ok(_) if header == "\r\n" => break,
                        Ok(_) => {}
                    }
                }
                let path = request_line
                    .split(' ')
                    .nth(1)
                    .unwrap_or_default()
                    .to_string();
                let body = if path.ends_with("/version") {
                    format!(
                        r#"{{"Version":"test","ApiVersion":"{api_version}","Os":"linux","Arch":"amd64"}}"#
                    )
                } else {
                    "[]".to_string()
                };
                let _ = seen.send(request_line.trim_end().to_string());
                let mut stream = reader.into_inner();
                let _ = write!(
                    stream,
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
            }
        });
        (host, lines)
    }

    #[tokio::test]
    async fn requests_carry_the_negotiated_api_version() {
        let (host, lines) = version_server("1.41");
        let engine = DockerEngine::connect_to(&host, Duration::from_secs(5))
            .await
            .expect("connected");
        assert_eq!(engine.api_version(), "1.41");
        let containers = engine
            .list_containers(&ProjectFilter::new("p"))
            .await
            .expect("listed");
        assert!(containers.is_empty());
        let seen: Vec<String> = lines.try_iter().collect();
        assert_eq!(
            seen[0], "GET /version HTTP/1.1",
            "negotiation asks unversioned"
        );
        assert!(
            seen[1].starts_with("GET /v1.41/containers/json?"),
            "then every call names the version: {seen:?}"
        );
        // The negotiation's answer serves `version()`: no second call.
        let version = engine.version().await.expect("version");
        assert_eq!(
            (
                version.api_version.as_str(),
                version.client_api_version.as_str()
            ),
            ("1.41", "1.41")
        );
        assert_eq!(version.version, "test");
        assert_eq!(engine.calls(), 2, "the negotiation and the list");
        let seen: Vec<String> = lines.try_iter().collect();
        assert!(seen.is_empty(), "no call for version(): {seen:?}");
    }

    #[test]
    fn name_prefixes_cover_every_name_with_few_patterns() {
        let names: Vec<String> = (0..50)
            .map(|i| format!("proj-s{i}-1"))
            .chain(["custom.db".to_string(), "proj-web-1".to_string()])
            .collect();
        let prefixes = name_prefixes(&names);
        assert_eq!(prefixes, vec!["custom.db".to_string(), "proj-".to_string()]);
        for name in &names {
            assert!(
                prefixes.iter().any(|p| name.starts_with(p.as_str())),
                "{name}"
            );
        }
        let many: Vec<String> = (0..20).map(|i| format!("a{i}-x")).collect();
        assert_eq!(name_prefixes(&many), vec!["a".to_string()]);
        assert_eq!(escape_regex("proj.v2-web_1"), "proj\\.v2-web_1");
    }

    #[tokio::test]
    async fn an_engine_older_than_api_1_41_is_refused_by_name() {
        let (host, _lines) = version_server("1.40");
        let error = DockerEngine::connect_to(&host, Duration::from_secs(5))
            .await
            .unwrap_err();
        assert_eq!(
            error.to_string(),
            format!(
                "the Docker engine at {host} speaks API 1.40, older than the 1.41 (Docker 20.10) rcompose needs"
            )
        );
    }

    #[test]
    fn the_create_body_carries_what_compose_passes() {
        let spec = ContainerSpec {
            name: "proj-web-1".into(),
            image: "rcompose-test/busybox:latest".into(),
            cmd: Some(vec!["sleep".into(), "300".into()]),
            env: vec!["A=1".into()],
            exposed_ports: vec!["9000".into()],
            port_bindings: vec![
                PortBinding {
                    container_port: 80,
                    protocol: Protocol::Tcp,
                    host_ip: Some("127.0.0.1".into()),
                    host_port: Some("8000-8010".into()),
                },
                PortBinding {
                    container_port: 53,
                    protocol: Protocol::Udp,
                    host_ip: None,
                    host_port: None,
                },
            ],
            mounts: vec![
                Mount {
                    kind: MountKind::Bind,
                    source: Some("/srv".into()),
                    target: "/srv".into(),
                    read_only: true,
                    bind: Some(BindOptions {
                        propagation: Some("rshared".into()),
                        ..Default::default()
                    }),
                    ..Default::default()
                },
                Mount {
                    kind: MountKind::Volume,
                    source: Some("proj_data".into()),
                    target: "/data".into(),
                    volume: Some(VolumeOptions {
                        no_copy: true,
                        ..Default::default()
                    }),
                    ..Default::default()
                },
                Mount {
                    kind: MountKind::Tmpfs,
                    target: "/run".into(),
                    tmpfs: Some(TmpfsOptions {
                        size_bytes: Some(1 << 20),
                        mode: Some(0o1777),
                    }),
                    ..Default::default()
                },
            ],
            healthcheck: Some(HealthcheckSpec {
                test: vec!["CMD".into(), "true".into()],
                interval: Some(Duration::from_millis(1500)),
                ..Default::default()
            }),
            stop_timeout: Some(Duration::from_secs(5)),
            network_mode: Some("proj_default".into()),
            endpoints: vec![EndpointSpec {
                network: "proj_default".into(),
                aliases: vec!["web".into()],
                ipv4_address: Some("172.28.0.5".into()),
                ..Default::default()
            }],
            restart_policy: Some(super::super::RestartPolicy {
                name: RestartPolicyName::OnFailure,
                maximum_retry_count: 3,
            }),
            resources: Resources {
                nano_cpus: Some(1_500_000_000),
                memory: Some(64 << 20),
                pids_limit: Some(100),
                ..Default::default()
            },
            ..Default::default()
        };
        let body =
            serde_json::to_value(create_body(&spec).expect("a valid spec")).expect("serialisable");
        assert_eq!(
            body["ExposedPorts"],
            serde_json::json!({"53/udp": {}, "80/tcp": {}, "9000/tcp": {}})
        );
        let host = &body["HostConfig"];
        assert_eq!(
            host["PortBindings"]["80/tcp"],
            serde_json::json!([{"HostIp": "127.0.0.1", "HostPort": "8000-8010"}])
        );
        assert_eq!(host["PortBindings"]["53/udp"], serde_json::json!([{}]));
        assert_eq!(host["Mounts"][0]["BindOptions"]["Propagation"], "rshared");
        assert_eq!(host["Mounts"][0]["ReadOnly"], true);
        assert_eq!(host["Mounts"][1]["VolumeOptions"]["NoCopy"], true);
        assert_eq!(host["Mounts"][2]["TmpfsOptions"]["Mode"], 0o1777);
        assert_eq!(host["NanoCpus"], 1_500_000_000i64);
        assert_eq!(host["PidsLimit"], 100);
        assert_eq!(
            host["RestartPolicy"],
            serde_json::json!({"Name": "on-failure", "MaximumRetryCount": 3})
        );
        assert_eq!(body["Healthcheck"]["Interval"], 1_500_000_000i64);
        assert_eq!(body["StopTimeout"], 5);
        assert_eq!(
            body["NetworkingConfig"]["EndpointsConfig"]["proj_default"]["IPAMConfig"]
                ["IPv4Address"],
            "172.28.0.5"
        );
    }

    #[test]
    fn an_unknown_propagation_is_an_invalid_argument_not_a_panic() {
        let spec = ContainerSpec {
            image: "x".into(),
            mounts: vec![Mount {
                kind: MountKind::Bind,
                source: Some("/a".into()),
                target: "/a".into(),
                bind: Some(BindOptions {
                    propagation: Some("sideways".into()),
                    ..Default::default()
                }),
                ..Default::default()
            }],
            ..Default::default()
        };
        assert_eq!(
            create_body(&spec).unwrap_err(),
            "unknown bind propagation `sideways`"
        );
    }
}
