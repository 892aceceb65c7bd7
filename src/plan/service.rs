//! One service of the model → what its containers are made of: a [`DesiredService`] holding
//! everything docker compose v2 passes to the engine (checked field by field against docker
//! compose 2.40.3 with `docker inspect`), and [`DesiredService::container_spec`], which adds
//! what depends on the replica and on the other services' containers (name, number, aliases,
//! links, `service:x` namespaces).

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value as J;

use super::json::{
    bool_at, bytes, bytes_at, duration_at, float, int, int_at, non_empty, optional_strings_at,
    scalar_text, str_at, string_map_at, strings_at,
};
use super::labels;
use crate::engine::{
    BindOptions, ContainerFile, ContainerSpec, DeviceMapping, DeviceRequest, EndpointSpec,
    HealthcheckSpec, Labels, LogConfig, Mount, MountKind, PortBinding, Protocol, Resources,
    RestartPolicy, RestartPolicyName, ThrottleDevice, TmpfsOptions, Ulimit, VolumeOptions,
    WeightDevice,
};

/// A `depends_on` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dependency {
    pub service: String,
    pub condition: Condition,
    /// When false, a dependency that is missing or fails is a warning.
    pub required: bool,
    /// Restart the dependent when this dependency is recreated.
    pub restart: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Condition {
    Started,
    Healthy,
    CompletedSuccessfully,
    /// A condition this version does not know; treated as `Started`.
    Other(String),
}

impl Condition {
    pub fn parse(text: &str) -> Condition {
        match text {
            "service_started" => Condition::Started,
            "service_healthy" => Condition::Healthy,
            "service_completed_successfully" => Condition::CompletedSuccessfully,
            other => Condition::Other(other.to_string()),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            Condition::Started => "service_started",
            Condition::Healthy => "service_healthy",
            Condition::CompletedSuccessfully => "service_completed_successfully",
            Condition::Other(text) => text,
        }
    }
}

/// `volumes_from` entries: another service's first container, or a container by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VolumesFrom {
    Service {
        service: String,
        mode: Option<String>,
    },
    Container {
        name: String,
        mode: Option<String>,
    },
}

/// The references from a service to other services' containers, resolved per container.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct References {
    /// `network_mode: service:x`.
    pub network_mode: Option<String>,
    /// `ipc: service:x`.
    pub ipc: Option<String>,
    /// `pid: service:x`.
    pub pid: Option<String>,
    pub volumes_from: Vec<VolumesFrom>,
    /// `links`: (service, alias).
    pub links: Vec<(String, String)>,
}

impl References {
    /// The services whose containers this service's containers are bound to: recreating one of
    /// them leaves this container pointing at a removed container, so it must be recreated too.
    /// With the reason, for the plan.
    pub fn bound_to(&self) -> Vec<(String, String)> {
        let mut bound = Vec::new();
        if let Some(service) = &self.network_mode {
            bound.push((service.clone(), format!("network_mode: service:{service}")));
        }
        if let Some(service) = &self.ipc {
            bound.push((service.clone(), format!("ipc: service:{service}")));
        }
        if let Some(service) = &self.pid {
            bound.push((service.clone(), format!("pid: service:{service}")));
        }
        for item in &self.volumes_from {
            if let VolumesFrom::Service { service, .. } = item {
                bound.push((service.clone(), format!("volumes_from: {service}")));
            }
        }
        bound
    }

    /// Every service whose containers must exist before this service's are created.
    pub fn needed_services(&self) -> Vec<String> {
        let mut needed: Vec<String> = self.bound_to().into_iter().map(|(s, _)| s).collect();
        needed.extend(self.links.iter().map(|(service, _)| service.clone()));
        needed.sort();
        needed.dedup();
        needed
    }
}

/// A network a service's containers attach to, in priority order (the first is the primary).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceNetwork {
    /// The key in the compose file.
    pub key: String,
    /// The engine's name.
    pub name: String,
    /// Without the per-container aliases (container name, service name), which are added first.
    pub endpoint: EndpointSpec,
}

/// One service, ready to make containers of.
#[derive(Debug, Clone, PartialEq)]
pub struct DesiredService {
    pub name: String,
    /// The image reference the containers run.
    pub image: String,
    /// `scale`, else `deploy.replicas`, else 1.
    pub replicas: usize,
    /// `container_name`, when set.
    pub container_name: Option<String>,
    pub config_hash: String,
    /// The hash rcompose wrote before it wrote docker compose's: a container carrying it is
    /// up to date too (no recreate after an upgrade).
    pub previous_config_hash: String,
    /// Per top-level field (see [`labels::FIELD_HASHES`]).
    pub field_hashes: BTreeMap<String, String>,
    pub depends_on: Vec<Dependency>,
    pub references: References,
    /// `external_links`, as `name:alias`.
    pub external_links: Vec<String>,
    pub networks: Vec<ServiceNetwork>,
    /// The engine names of the named volumes mounted.
    pub named_volumes: Vec<String>,
    /// The targets of anonymous volumes (inherited by a recreated container).
    pub anonymous_volumes: Vec<String>,
    /// What every container of the service shares; name, number, aliases and references are
    /// filled by [`DesiredService::container_spec`].
    pub base: ContainerSpec,
}

/// Project facts the mapping needs.
pub struct ProjectContext<'a> {
    pub name: &'a str,
    pub working_dir: &'a Path,
    /// Comma-joined.
    pub config_files: &'a str,
    pub model: &'a J,
    pub environment: &'a indexmap::IndexMap<String, String>,
}

/// The containers of other services, as [`DesiredService::container_spec`] sees them.
pub trait Peers {
    /// The names and numbers of `service`'s containers once the plan is done, by number.
    fn containers(&self, service: &str) -> Vec<(String, u32)>;
}

impl<F: Fn(&str) -> Vec<(String, u32)>> Peers for F {
    fn containers(&self, service: &str) -> Vec<(String, u32)> {
        self(service)
    }
}

impl DesiredService {
    /// Maps the service `name` of the model. Problems the engine would refuse (an external
    /// secret, an unreadable seccomp profile) are pushed on `errors`, things docker compose only
    /// warns about on `warnings`.
    pub fn from_model(
        project: &ProjectContext,
        name: &str,
        service: &J,
        errors: &mut Vec<String>,
        warnings: &mut Vec<String>,
    ) -> DesiredService {
        let mut problems = Problems {
            service: name,
            errors,
            warnings,
        };
        let replicas = int_at(service, "scale")
            .or_else(|| service.get("deploy").and_then(|d| int_at(d, "replicas")))
            .unwrap_or(1);
        let replicas = usize::try_from(replicas).unwrap_or(0);
        let container_name = non_empty(str_at(service, "container_name"));
        if container_name.is_some() && replicas > 1 {
            problems.error(format!(
                "service `{name}` sets `container_name`, so it cannot have {replicas} replicas: remove `container_name` to scale it"
            ));
        }
        let depends_on = dependencies(service);
        let references = references(service);
        let networks = service_networks(project, service);
        let (binds, mounts, named_volumes, anonymous_volumes, files) =
            storage(project, service, &mut problems);

        let mut base = ContainerSpec {
            image: crate::model::image_name(project.name, name, service),
            platform: non_empty(str_at(service, "platform")).or_else(|| {
                project
                    .environment
                    .get("DOCKER_DEFAULT_PLATFORM")
                    .filter(|p| !p.is_empty())
                    .cloned()
            }),
            cmd: optional_strings_at(service, "command"),
            entrypoint: optional_strings_at(service, "entrypoint"),
            env: environment(service),
            working_dir: non_empty(str_at(service, "working_dir")),
            user: non_empty(str_at(service, "user")),
            group_add: strings_at(service, "group_add"),
            hostname: non_empty(str_at(service, "hostname")),
            domainname: non_empty(str_at(service, "domainname")),
            tty: bool_at(service, "tty"),
            open_stdin: bool_at(service, "stdin_open"),
            attach_stdout: true,
            attach_stderr: true,
            init: service.get("init").and_then(J::as_bool),
            stop_signal: non_empty(str_at(service, "stop_signal")),
            stop_timeout: duration_at(service, "stop_grace_period"),
            healthcheck: service.get("healthcheck").map(healthcheck),
            restart_policy: restart_policy(service, &mut problems),
            exposed_ports: exposed_ports(service),
            port_bindings: port_bindings(service, &mut problems),
            extra_hosts: strings_at(service, "extra_hosts")
                .into_iter()
                .map(|entry| match entry.split_once('=') {
                    Some((host, ip)) => format!("{host}:{ip}"),
                    None => entry,
                })
                .collect(),
            dns: strings_at(service, "dns"),
            dns_search: strings_at(service, "dns_search"),
            dns_options: strings_at(service, "dns_opt"),
            mac_address: non_empty(str_at(service, "mac_address")),
            binds,
            mounts,
            tmpfs: strings_at(service, "tmpfs")
                .into_iter()
                .map(|entry| match entry.split_once(':') {
                    Some((path, options)) => (path.to_string(), options.to_string()),
                    None => (entry, String::new()),
                })
                .collect(),
            volume_driver: non_empty(str_at(service, "volume_driver")),
            storage_opt: string_map_at(service, "storage_opt"),
            read_only: bool_at(service, "read_only"),
            shm_size: bytes_at(service, "shm_size"),
            privileged: bool_at(service, "privileged"),
            cap_add: capabilities(service, "cap_add"),
            cap_drop: capabilities(service, "cap_drop"),
            sysctls: string_map_at(service, "sysctls"),
            pid_mode: non_empty(str_at(service, "pid")).filter(|p| !p.starts_with("service:")),
            ipc_mode: non_empty(str_at(service, "ipc")).filter(|p| !p.starts_with("service:")),
            uts_mode: non_empty(str_at(service, "uts")),
            userns_mode: non_empty(str_at(service, "userns_mode")),
            cgroupns_mode: non_empty(str_at(service, "cgroup")),
            cgroup_parent: non_empty(str_at(service, "cgroup_parent")),
            isolation: non_empty(str_at(service, "isolation")),
            runtime: non_empty(str_at(service, "runtime")),
            oom_score_adj: int_at(service, "oom_score_adj"),
            annotations: string_map_at(service, "annotations"),
            log_config: service
                .get("logging")
                .and_then(J::as_object)
                .map(|logging| LogConfig {
                    driver: logging
                        .get("driver")
                        .and_then(J::as_str)
                        .unwrap_or_default()
                        .to_string(),
                    options: logging
                        .get("options")
                        .and_then(J::as_object)
                        .map(|map| {
                            map.iter()
                                .map(|(k, v)| (k.clone(), scalar_text(v).unwrap_or_default()))
                                .collect()
                        })
                        .unwrap_or_default(),
                }),
            resources: resources(service),
            files,
            ..ContainerSpec::default()
        };
        security_options(project, service, &mut base, &mut problems);
        match str_at(service, "network_mode") {
            Some("disabled") => {
                base.network_disabled = true;
                base.network_mode = Some("none".to_string());
            }
            Some(mode) if !mode.starts_with("service:") && !mode.is_empty() => {
                base.network_mode = Some(mode.to_string());
            }
            _ => {}
        }
        for item in &references.volumes_from {
            if let VolumesFrom::Container { name, mode } = item {
                base.volumes_from.push(with_mode(name, mode.as_deref()));
            }
        }
        base.labels = service_labels(project, name, service, &depends_on);

        DesiredService {
            name: name.to_string(),
            image: base.image.clone(),
            replicas,
            container_name,
            config_hash: crate::model::config_hash(service),
            previous_config_hash: crate::model::legacy_config_hash(service),
            field_hashes: field_hashes(service),
            depends_on,
            references,
            external_links: strings_at(service, "external_links")
                .into_iter()
                .map(|link| match link.split_once(':') {
                    Some(_) => link,
                    None => format!("{link}:{link}"),
                })
                .collect(),
            networks,
            named_volumes,
            anonymous_volumes,
            base,
        }
    }

    /// The name of container `number`: `container_name`, or `<project>-<service>-<number>`.
    pub fn container_name(&self, project: &str, number: u32) -> String {
        match &self.container_name {
            Some(name) => name.clone(),
            None => format!("{project}-{}-{number}", self.name),
        }
    }

    /// The spec of container `number`. `peers` gives the containers of the services this one
    /// refers to (`network_mode`/`ipc`/`pid: service:x`, `volumes_from`, `links`); a reference to
    /// a service without containers is an error, as in docker compose.
    ///
    /// References use the other container's *name* (`container:proj-db-1`): the engine resolves
    /// it to the id at creation, so the engine state is what docker compose makes with the id,
    /// and the plan does not depend on ids that do not exist yet.
    pub fn container_spec(
        &self,
        project: &str,
        number: u32,
        peers: &dyn Peers,
    ) -> Result<ContainerSpec, String> {
        let name = self.container_name(project, number);
        let mut spec = self.base.clone();
        spec.name = name.clone();
        spec.labels
            .insert(labels::CONTAINER_NUMBER.to_string(), number.to_string());

        let first = |service: &str, what: &str| -> Result<String, String> {
            peers
                .containers(service)
                .into_iter()
                .next()
                .map(|(name, _)| name)
                .ok_or_else(|| {
                    format!(
                        "cannot share {what} with service `{service}`: it has no container (service `{}`)",
                        self.name
                    )
                })
        };
        let references = &self.references;
        if let Some(service) = &references.network_mode {
            spec.network_mode = Some(format!(
                "container:{}",
                first(service, "network namespace")?
            ));
        }
        if let Some(service) = &references.ipc {
            spec.ipc_mode = Some(format!("container:{}", first(service, "IPC namespace")?));
        }
        if let Some(service) = &references.pid {
            spec.pid_mode = Some(format!("container:{}", first(service, "PID namespace")?));
        }
        let mut volumes_from = Vec::new();
        for item in &references.volumes_from {
            match item {
                VolumesFrom::Service { service, mode } => {
                    volumes_from.push(with_mode(&first(service, "volumes")?, mode.as_deref()));
                }
                VolumesFrom::Container { name, mode } => {
                    volumes_from.push(with_mode(name, mode.as_deref()));
                }
            }
        }
        spec.volumes_from = volumes_from;

        // Legacy links, as docker compose v1 made them: the alias, `<service>-<n>` and the
        // full name, for each container of the linked service.
        let mut links = Vec::new();
        for (service, alias) in &references.links {
            for (container, container_number) in peers.containers(service) {
                links.push(format!("{container}:{alias}"));
                links.push(format!("{container}:{service}-{container_number}"));
                links.push(format!(
                    "{container}:{project}-{service}-{container_number}"
                ));
            }
        }
        links.extend(self.external_links.iter().cloned());
        spec.links = links;

        if spec.network_mode.is_none() {
            spec.network_mode = match self.networks.first() {
                Some(primary) => Some(primary.name.clone()),
                None => Some("none".to_string()),
            };
            spec.endpoints = self
                .networks
                .iter()
                .map(|network| {
                    let mut endpoint = network.endpoint.clone();
                    let mut aliases = vec![name.clone(), self.name.clone()];
                    aliases.extend(endpoint.aliases);
                    endpoint.aliases = aliases;
                    endpoint.links = spec.links.clone();
                    endpoint
                })
                .collect();
        }
        Ok(spec)
    }
}

struct Problems<'a> {
    service: &'a str,
    errors: &'a mut Vec<String>,
    warnings: &'a mut Vec<String>,
}

impl Problems<'_> {
    fn error(&mut self, message: String) {
        self.errors.push(message);
    }

    fn warn(&mut self, message: impl std::fmt::Display) {
        self.warnings
            .push(format!("service `{}`: {message}", self.service));
    }
}

fn with_mode(name: &str, mode: Option<&str>) -> String {
    match mode {
        Some(mode) if !mode.is_empty() => format!("{name}:{mode}"),
        _ => name.to_string(),
    }
}

/// The hash of each top-level field that counts in the config hash.
pub fn field_hashes(service: &J) -> BTreeMap<String, String> {
    let empty = crate::model::legacy_config_hash(&J::Object(Default::default()));
    let mut hashes = BTreeMap::new();
    for (key, value) in service.as_object().into_iter().flatten() {
        let mut single = serde_json::Map::new();
        single.insert(key.clone(), value.clone());
        let hash = crate::model::legacy_config_hash(&J::Object(single));
        // A field the config hash leaves out hashes like the empty service.
        if hash != empty {
            hashes.insert(key.clone(), hash.chars().take(12).collect());
        }
    }
    hashes
}

/// `field=hash,...`: the label value of [`labels::FIELD_HASHES`].
pub fn field_hashes_label(hashes: &BTreeMap<String, String>) -> String {
    hashes
        .iter()
        .map(|(field, hash)| format!("{field}={hash}"))
        .collect::<Vec<_>>()
        .join(",")
}

pub fn parse_field_hashes(label: &str) -> BTreeMap<String, String> {
    label
        .split(',')
        .filter_map(|entry| entry.split_once('='))
        .map(|(field, hash)| (field.to_string(), hash.to_string()))
        .collect()
}

fn dependencies(service: &J) -> Vec<Dependency> {
    service
        .get("depends_on")
        .and_then(J::as_object)
        .into_iter()
        .flatten()
        .map(|(name, entry)| Dependency {
            service: name.clone(),
            condition: Condition::parse(str_at(entry, "condition").unwrap_or("service_started")),
            required: entry.get("required").and_then(J::as_bool).unwrap_or(true),
            restart: bool_at(entry, "restart"),
        })
        .collect()
}

/// `svc:condition:restart`, comma-joined, as docker compose writes `com.docker.compose.depends_on`.
pub fn depends_on_label(dependencies: &[Dependency]) -> String {
    dependencies
        .iter()
        .map(|d| format!("{}:{}:{}", d.service, d.condition.as_str(), d.restart))
        .collect::<Vec<_>>()
        .join(",")
}

fn references(service: &J) -> References {
    let service_of = |key: &str| {
        str_at(service, key)
            .and_then(|mode| mode.strip_prefix("service:"))
            .map(String::from)
    };
    let volumes_from = strings_at(service, "volumes_from")
        .into_iter()
        .map(|entry| {
            if let Some(rest) = entry.strip_prefix("container:") {
                let (name, mode) = split_mode(rest);
                VolumesFrom::Container { name, mode }
            } else {
                let rest = entry.strip_prefix("service:").unwrap_or(&entry);
                let (service, mode) = split_mode(rest);
                VolumesFrom::Service { service, mode }
            }
        })
        .collect();
    let links = strings_at(service, "links")
        .into_iter()
        .map(|link| match link.split_once(':') {
            Some((service, alias)) => (service.to_string(), alias.to_string()),
            None => (link.clone(), link),
        })
        .collect();
    References {
        network_mode: service_of("network_mode"),
        ipc: service_of("ipc"),
        pid: service_of("pid"),
        volumes_from,
        links,
    }
}

fn split_mode(text: &str) -> (String, Option<String>) {
    match text.split_once(':') {
        Some((name, mode)) => (name.to_string(), Some(mode.to_string())),
        None => (text.to_string(), None),
    }
}

/// The service's networks by priority (highest first, then by name), as docker compose orders
/// them; the first is the one the container is created on.
fn service_networks(project: &ProjectContext, service: &J) -> Vec<ServiceNetwork> {
    if service.get("network_mode").is_some() {
        return Vec::new();
    }
    let mut networks: Vec<(i64, ServiceNetwork)> = Vec::new();
    for (key, config) in service
        .get("networks")
        .and_then(J::as_object)
        .into_iter()
        .flatten()
    {
        let name = project
            .model
            .get("networks")
            .and_then(|n| n.get(key))
            .and_then(|n| str_at(n, "name"))
            .map(String::from)
            .unwrap_or_else(|| format!("{}_{key}", project.name));
        let endpoint = EndpointSpec {
            network: name.clone(),
            aliases: strings_at(config, "aliases"),
            ipv4_address: non_empty(str_at(config, "ipv4_address")),
            ipv6_address: non_empty(str_at(config, "ipv6_address")),
            link_local_ips: strings_at(config, "link_local_ips"),
            links: Vec::new(),
            mac_address: non_empty(str_at(config, "mac_address")),
            driver_opts: string_map_at(config, "driver_opts"),
            gw_priority: int_at(config, "gw_priority"),
            ipam_declared: config.is_object(),
        };
        networks.push((
            int_at(config, "priority").unwrap_or(0),
            ServiceNetwork {
                key: key.clone(),
                name,
                endpoint,
            },
        ));
    }
    networks.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.key.cmp(&b.1.key)));
    networks.into_iter().map(|(_, network)| network).collect()
}

/// `cap_add`/`cap_drop` with the `CAP_` prefix docker compose (like the docker CLI) adds;
/// `ALL` stays as it is.
fn capabilities(service: &J, key: &str) -> Vec<String> {
    strings_at(service, key)
        .into_iter()
        .map(|cap| {
            let upper = cap.to_ascii_uppercase();
            if upper == "ALL" || upper.starts_with("CAP_") {
                upper
            } else {
                format!("CAP_{upper}")
            }
        })
        .collect()
}

/// `KEY=value`, sorted by key; a key without a value is passed bare (the engine unsets it).
fn environment(service: &J) -> Vec<String> {
    let mut pairs: Vec<(&String, &J)> = service
        .get("environment")
        .and_then(J::as_object)
        .into_iter()
        .flatten()
        .collect();
    pairs.sort_by(|a, b| a.0.cmp(b.0));
    pairs
        .into_iter()
        .map(|(key, value)| match scalar_text(value) {
            Some(text) => format!("{key}={text}"),
            None => key.clone(),
        })
        .collect()
}

fn healthcheck(check: &J) -> HealthcheckSpec {
    let test = if bool_at(check, "disable") {
        vec!["NONE".to_string()]
    } else {
        match check.get("test") {
            Some(J::String(text)) => vec!["CMD-SHELL".to_string(), text.clone()],
            _ => strings_at(check, "test"),
        }
    };
    HealthcheckSpec {
        test,
        interval: duration_at(check, "interval"),
        timeout: duration_at(check, "timeout"),
        start_period: duration_at(check, "start_period"),
        start_interval: duration_at(check, "start_interval"),
        retries: int_at(check, "retries"),
    }
}

fn restart_policy(service: &J, problems: &mut Problems) -> Option<RestartPolicy> {
    let parse = |name: &str| match name {
        "no" | "none" => Some(RestartPolicyName::No),
        "always" | "any" => Some(RestartPolicyName::Always),
        "unless-stopped" => Some(RestartPolicyName::UnlessStopped),
        "on-failure" => Some(RestartPolicyName::OnFailure),
        _ => None,
    };
    let mut policy = None;
    if let Some(restart) = str_at(service, "restart") {
        let (name, count) = match restart.split_once(':') {
            Some((name, count)) => (name, count.trim().parse().unwrap_or(0)),
            None => (restart, 0),
        };
        match parse(name) {
            Some(name) => {
                policy = Some(RestartPolicy {
                    name,
                    maximum_retry_count: count,
                })
            }
            None => problems.warn(format_args!("unknown restart policy `{restart}`, ignored")),
        }
    }
    // `deploy.restart_policy` wins, as in docker compose.
    if let Some(deploy) = service.get("deploy").and_then(|d| d.get("restart_policy")) {
        let condition = str_at(deploy, "condition").unwrap_or("any");
        match parse(condition) {
            Some(name) => {
                policy = Some(RestartPolicy {
                    name,
                    maximum_retry_count: int_at(deploy, "max_attempts").unwrap_or(0),
                })
            }
            None => problems.warn(format_args!(
                "unknown deploy.restart_policy.condition `{condition}`, ignored"
            )),
        }
    }
    policy
}

/// `expose` entries as `port/protocol`, ranges expanded.
fn exposed_ports(service: &J) -> Vec<String> {
    let mut ports = Vec::new();
    for entry in strings_at(service, "expose") {
        let (range, protocol) = match entry.split_once('/') {
            Some((range, protocol)) => (range.to_string(), protocol.to_string()),
            None => (entry.clone(), "tcp".to_string()),
        };
        let bounds = match range.split_once('-') {
            Some((low, high)) => low.parse::<u32>().ok().zip(high.parse::<u32>().ok()),
            None => range.parse::<u32>().ok().map(|port| (port, port)),
        };
        match bounds {
            Some((low, high)) if low <= high && high - low <= 65535 => {
                ports.extend((low..=high).map(|port| format!("{port}/{protocol}")));
            }
            _ => ports.push(entry),
        }
    }
    ports
}

fn port_bindings(service: &J, problems: &mut Problems) -> Vec<PortBinding> {
    let mut bindings = Vec::new();
    for port in service
        .get("ports")
        .and_then(J::as_array)
        .into_iter()
        .flatten()
    {
        let Some(target) = port
            .get("target")
            .and_then(int)
            .and_then(|t| u16::try_from(t).ok())
        else {
            problems.warn(format_args!("port without a valid target, ignored: {port}"));
            continue;
        };
        let protocol = match str_at(port, "protocol").unwrap_or("tcp") {
            "udp" => Protocol::Udp,
            "sctp" => Protocol::Sctp,
            _ => Protocol::Tcp,
        };
        bindings.push(PortBinding {
            container_port: target,
            protocol,
            host_ip: non_empty(str_at(port, "host_ip")),
            host_port: port
                .get("published")
                .and_then(scalar_text)
                .filter(|p| !p.is_empty()),
        });
    }
    bindings
}

type Storage = (
    Vec<String>,
    Vec<Mount>,
    Vec<String>,
    Vec<String>,
    Vec<ContainerFile>,
);

/// `volumes`, `secrets` and `configs` → legacy binds and mounts, as docker compose 2.40 splits
/// them: a bind or a named volume without options the bind syntax cannot carry goes to `Binds`
/// (which creates a missing host path), everything else to `Mounts`; secrets and configs from
/// files are read-only bind mounts, those from `environment` or `content` files copied into the
/// container after it is created ([`ContainerSpec::files`]).
fn storage(project: &ProjectContext, service: &J, problems: &mut Problems) -> Storage {
    let mut binds = Vec::new();
    let mut mounts = Vec::new();
    let mut named = Vec::new();
    let mut anonymous = Vec::new();
    let mut targets = Vec::new();
    let mut files = Vec::new();
    for volume in service
        .get("volumes")
        .and_then(J::as_array)
        .into_iter()
        .flatten()
    {
        let Some(target) = non_empty(str_at(volume, "target")) else {
            problems.warn(format_args!("volume without a target, ignored: {volume}"));
            continue;
        };
        targets.push(target.clone());
        let read_only = bool_at(volume, "read_only");
        let access = if read_only { "ro" } else { "rw" };
        let consistency = non_empty(str_at(volume, "consistency"));
        let source = non_empty(str_at(volume, "source"));
        match str_at(volume, "type").unwrap_or("volume") {
            "bind" => {
                let Some(source) = source else {
                    problems.warn(format_args!(
                        "bind mount without a source, ignored: {target}"
                    ));
                    continue;
                };
                let bind = volume.get("bind");
                let create = bind.is_none_or(|b| bool_at(b, "create_host_path"));
                let propagation = bind.and_then(|b| non_empty(str_at(b, "propagation")));
                let recursive = bind.and_then(|b| non_empty(str_at(b, "recursive")));
                if create && propagation.is_none() && recursive.is_none() {
                    let mut options = vec![access.to_string()];
                    if let Some(selinux) = bind.and_then(|b| non_empty(str_at(b, "selinux"))) {
                        options.push(selinux);
                    }
                    binds.push(format!("{source}:{target}:{}", options.join(",")));
                } else {
                    let recursive = recursive.as_deref();
                    mounts.push(Mount {
                        kind: MountKind::Bind,
                        source: Some(source),
                        target,
                        read_only,
                        consistency,
                        bind: bind.map(|b| BindOptions {
                            propagation: propagation.clone(),
                            create_mountpoint: bool_at(b, "create_host_path"),
                            non_recursive: recursive == Some("disabled"),
                            read_only_non_recursive: recursive == Some("writable"),
                            read_only_force_recursive: recursive == Some("readonly"),
                        }),
                        ..Mount::default()
                    });
                }
            }
            "volume" => {
                let options = volume.get("volume");
                let no_copy = options.is_some_and(|o| bool_at(o, "nocopy"));
                let subpath = options.and_then(|o| non_empty(str_at(o, "subpath")));
                let volume_options = options.map(|_| VolumeOptions {
                    no_copy,
                    subpath: subpath.clone(),
                    ..VolumeOptions::default()
                });
                match source {
                    Some(source) => {
                        let engine_name = project
                            .model
                            .get("volumes")
                            .and_then(|v| v.get(&source))
                            .and_then(|v| str_at(v, "name"))
                            .map(String::from)
                            .unwrap_or(source);
                        named.push(engine_name.clone());
                        if !no_copy && subpath.is_none() {
                            binds.push(format!("{engine_name}:{target}:{access}"));
                        } else {
                            mounts.push(Mount {
                                kind: MountKind::Volume,
                                source: Some(engine_name),
                                target,
                                read_only,
                                consistency,
                                volume: volume_options,
                                ..Mount::default()
                            });
                        }
                    }
                    None => {
                        anonymous.push(target.clone());
                        mounts.push(Mount {
                            kind: MountKind::Volume,
                            source: None,
                            target,
                            read_only,
                            consistency,
                            volume: volume_options,
                            ..Mount::default()
                        });
                    }
                }
            }
            "tmpfs" => {
                let options = volume.get("tmpfs");
                mounts.push(Mount {
                    kind: MountKind::Tmpfs,
                    source: None,
                    target,
                    read_only,
                    consistency,
                    tmpfs: options.map(|o| TmpfsOptions {
                        size_bytes: bytes_at(o, "size"),
                        mode: int_at(o, "mode").and_then(|m| u32::try_from(m).ok()),
                    }),
                    ..Mount::default()
                });
            }
            "npipe" => mounts.push(Mount {
                kind: MountKind::Npipe,
                source,
                target,
                read_only,
                consistency,
                ..Mount::default()
            }),
            other => problems.warn(format_args!(
                "volumes of type `{other}` are not supported yet, `{target}` ignored"
            )),
        }
    }

    for (section, default_dir) in [("secrets", "/run/secrets/"), ("configs", "/")] {
        for item in service
            .get(section)
            .and_then(J::as_array)
            .into_iter()
            .flatten()
        {
            let Some(source) = str_at(item, "source") else {
                continue;
            };
            let target = match str_at(item, "target") {
                Some(target) if target.starts_with('/') => target.to_string(),
                Some(target) if !target.is_empty() => format!("{default_dir}{target}"),
                _ => format!("{default_dir}{source}"),
            };
            let singular = &section[..section.len() - 1];
            let defined = project.model.get(section).and_then(|s| s.get(source));
            let Some(defined) = defined else {
                problems.error(format!(
                    "service `{}` uses {singular} `{source}`, which is not defined",
                    problems.service
                ));
                continue;
            };
            if bool_at(defined, "external") {
                problems.error(format!(
                    "service `{}`: external {singular} `{source}` is not supported without swarm",
                    problems.service
                ));
                continue;
            }
            if targets.contains(&target) {
                continue;
            }
            let Some(file) = str_at(defined, "file") else {
                // From `environment` or `content`: copied into the container after it is
                // created, as docker compose v2 does (mode 0444 unless set, owner 0:0).
                let content = if let Some(variable) = str_at(defined, "environment") {
                    match project.environment.get(variable) {
                        Some(value) => value.clone(),
                        None => {
                            problems.error(format!(
                                "environment variable `{variable}` required by {singular} `{source}` is not set (service `{}`)",
                                problems.service
                            ));
                            continue;
                        }
                    }
                } else if let Some(content) = str_at(defined, "content") {
                    content.to_string()
                } else {
                    problems.error(format!(
                        "service `{}`: {singular} `{source}` has no `file`, `environment` or `content`",
                        problems.service
                    ));
                    continue;
                };
                targets.push(target.clone());
                let id = |key: &str| {
                    item.get(key)
                        .and_then(scalar_text)
                        .and_then(|t| t.parse().ok())
                };
                files.push(ContainerFile {
                    path: target,
                    content: content.into_bytes(),
                    mode: item.get("mode").and_then(file_mode).unwrap_or(0o444),
                    uid: id("uid"),
                    gid: id("gid"),
                });
                continue;
            };
            if item.get("uid").is_some() || item.get("gid").is_some() || item.get("mode").is_some()
            {
                problems.warn(format_args!(
                    "{singular} `uid`, `gid` and `mode` do not apply to a {singular} from a file (it is bind-mounted), they are ignored"
                ));
            }
            targets.push(target.clone());
            mounts.push(Mount {
                kind: MountKind::Bind,
                source: Some(file.to_string()),
                target,
                read_only: true,
                bind: (section == "secrets").then(BindOptions::default),
                ..Mount::default()
            });
        }
    }
    (binds, mounts, named, anonymous, files)
}

/// A secret's or config's `mode`: a number, or octal text (`"0440"`).
fn file_mode(value: &J) -> Option<u32> {
    match value {
        J::String(text) => u32::from_str_radix(text.trim_start_matches("0o"), 8).ok(),
        other => int(other).and_then(|mode| u32::try_from(mode).ok()),
    }
}

/// `security_opt`: `systempaths=unconfined` clears the masked and read-only paths; a seccomp
/// profile file is read and passed inline, as docker compose does.
fn security_options(
    project: &ProjectContext,
    service: &J,
    spec: &mut ContainerSpec,
    problems: &mut Problems,
) {
    for option in strings_at(service, "security_opt") {
        if option == "systempaths=unconfined" {
            spec.masked_paths = Some(Vec::new());
            spec.readonly_paths = Some(Vec::new());
            continue;
        }
        let split = option
            .split_once('=')
            .or_else(|| option.split_once(':'))
            .filter(|(key, _)| *key == "seccomp");
        match split {
            Some((_, profile)) if profile != "unconfined" && profile != "builtin" => {
                let path = project.working_dir.join(profile);
                let read = std::fs::read_to_string(&path)
                    .map_err(|error| error.to_string())
                    .and_then(|text| {
                        serde_json::from_str::<J>(&text).map_err(|error| error.to_string())
                    });
                match read {
                    Ok(profile) => spec.security_opt.push(format!("seccomp={profile}")),
                    Err(error) => problems.error(format!(
                        "service `{}`: reading the seccomp profile `{}`: {error}",
                        problems.service,
                        path.display()
                    )),
                }
            }
            _ => spec.security_opt.push(option),
        }
    }
}

fn resources(service: &J) -> Resources {
    let micros = |key: &str| -> Option<i64> {
        match service.get(key)? {
            J::String(text) => crate::project::canonical::units::parse_duration(text)
                .and_then(|nanos| i64::try_from(nanos / 1000).ok()),
            other => int(other),
        }
    };
    let mut resources = Resources {
        nano_cpus: service
            .get("cpus")
            .and_then(float)
            .filter(|cpus| *cpus > 0.0)
            .map(|cpus| (cpus * 1e9) as i64),
        cpu_shares: int_at(service, "cpu_shares"),
        cpu_period: int_at(service, "cpu_period"),
        cpu_quota: int_at(service, "cpu_quota"),
        cpu_realtime_period: micros("cpu_rt_period"),
        cpu_realtime_runtime: micros("cpu_rt_runtime"),
        cpu_count: int_at(service, "cpu_count"),
        cpu_percent: service
            .get("cpu_percent")
            .and_then(float)
            .map(|percent| percent as i64),
        cpuset_cpus: non_empty(str_at(service, "cpuset")),
        memory: bytes_at(service, "mem_limit"),
        memory_reservation: bytes_at(service, "mem_reservation"),
        memory_swap: bytes_at(service, "memswap_limit"),
        memory_swappiness: int_at(service, "mem_swappiness"),
        oom_kill_disable: service.get("oom_kill_disable").and_then(J::as_bool),
        pids_limit: int_at(service, "pids_limit").filter(|limit| *limit != 0),
        device_cgroup_rules: strings_at(service, "device_cgroup_rules"),
        ..Resources::default()
    };
    if let Some(blkio) = service.get("blkio_config") {
        resources.blkio_weight = int_at(blkio, "weight").and_then(|w| u16::try_from(w).ok());
        resources.blkio_weight_device = blkio
            .get("weight_device")
            .and_then(J::as_array)
            .into_iter()
            .flatten()
            .filter_map(|device| {
                Some(WeightDevice {
                    path: str_at(device, "path")?.to_string(),
                    weight: int_at(device, "weight").and_then(|w| u16::try_from(w).ok())?,
                })
            })
            .collect();
        let throttle = |key: &str| -> Vec<ThrottleDevice> {
            blkio
                .get(key)
                .and_then(J::as_array)
                .into_iter()
                .flatten()
                .filter_map(|device| {
                    Some(ThrottleDevice {
                        path: str_at(device, "path")?.to_string(),
                        rate: device.get("rate").and_then(bytes)?,
                    })
                })
                .collect()
        };
        resources.blkio_device_read_bps = throttle("device_read_bps");
        resources.blkio_device_write_bps = throttle("device_write_bps");
        resources.blkio_device_read_iops = throttle("device_read_iops");
        resources.blkio_device_write_iops = throttle("device_write_iops");
    }

    if let Some(deploy) = service.get("deploy").and_then(|d| d.get("resources")) {
        if let Some(limits) = deploy.get("limits") {
            if let Some(memory) = bytes_at(limits, "memory").filter(|m| *m != 0) {
                resources.memory = Some(memory);
            }
            if let Some(cpus) = limits.get("cpus").and_then(float).filter(|c| *c != 0.0) {
                resources.nano_cpus = Some((cpus * 1e9) as i64);
            }
            if let Some(pids) = int_at(limits, "pids").filter(|p| *p > 0) {
                resources.pids_limit = Some(pids);
            }
        }
        if let Some(reservations) = deploy.get("reservations") {
            // A CPU reservation is a swarm option; memory and devices reach the engine.
            if let Some(memory) = bytes_at(reservations, "memory").filter(|m| *m != 0) {
                resources.memory_reservation = Some(memory);
            }
            for device in reservations
                .get("devices")
                .and_then(J::as_array)
                .into_iter()
                .flatten()
            {
                resources.device_requests.push(DeviceRequest {
                    driver: non_empty(str_at(device, "driver")),
                    count: int_at(device, "count"),
                    device_ids: strings_at(device, "device_ids"),
                    capabilities: vec![strings_at(device, "capabilities")],
                    options: string_map_at(device, "options"),
                });
            }
        }
    }

    let mut cdi = Vec::new();
    for device in service
        .get("devices")
        .and_then(J::as_array)
        .into_iter()
        .flatten()
    {
        let Some(source) = str_at(device, "source") else {
            continue;
        };
        let target = str_at(device, "target").unwrap_or(source);
        if source == target && is_cdi_name(source) {
            cdi.push(source.to_string());
            continue;
        }
        resources.devices.push(DeviceMapping {
            path_on_host: source.to_string(),
            path_in_container: target.to_string(),
            cgroup_permissions: str_at(device, "permissions").unwrap_or("rwm").to_string(),
        });
    }
    if !cdi.is_empty() {
        resources.device_requests.push(DeviceRequest {
            driver: Some("cdi".to_string()),
            device_ids: cdi,
            ..DeviceRequest::default()
        });
    }
    match service.get("gpus") {
        Some(J::String(all)) if all == "all" => resources.device_requests.push(DeviceRequest {
            count: Some(-1),
            capabilities: vec![vec!["gpu".to_string()]],
            ..DeviceRequest::default()
        }),
        Some(J::Array(gpus)) => {
            for gpu in gpus {
                let mut capabilities = strings_at(gpu, "capabilities");
                capabilities.push("gpu".to_string());
                resources.device_requests.push(DeviceRequest {
                    driver: non_empty(str_at(gpu, "driver")),
                    count: int_at(gpu, "count"),
                    device_ids: strings_at(gpu, "device_ids"),
                    capabilities: vec![capabilities],
                    options: string_map_at(gpu, "options"),
                });
            }
        }
        _ => {}
    }

    for (name, limit) in service
        .get("ulimits")
        .and_then(J::as_object)
        .into_iter()
        .flatten()
    {
        let (soft, hard) = match limit {
            J::Object(_) => (
                int_at(limit, "soft").unwrap_or(0),
                int_at(limit, "hard").unwrap_or(0),
            ),
            single => {
                let value = int(single).unwrap_or(0);
                (value, value)
            }
        };
        resources.ulimits.push(Ulimit {
            name: name.clone(),
            soft,
            hard,
        });
    }
    resources
}

/// `vendor.com/class=name`: a CDI device name.
fn is_cdi_name(text: &str) -> bool {
    match text.split_once('=') {
        Some((kind, name)) => {
            !name.is_empty()
                && kind
                    .split_once('/')
                    .is_some_and(|(vendor, class)| !vendor.is_empty() && !class.is_empty())
        }
        None => false,
    }
}

/// The service's own labels under the compose labels (which win, as in docker compose).
fn service_labels(
    project: &ProjectContext,
    name: &str,
    service: &J,
    depends_on: &[Dependency],
) -> Labels {
    let mut out = string_map_at(service, "labels");
    let compose = [
        (labels::PROJECT, project.name.to_string()),
        (labels::SERVICE, name.to_string()),
        (labels::ONEOFF, labels::bool_label(false).to_string()),
        (labels::CONFIG_HASH, crate::model::config_hash(service)),
        (
            labels::WORKING_DIR,
            project.working_dir.display().to_string(),
        ),
        (labels::CONFIG_FILES, project.config_files.to_string()),
        (labels::DEPENDS_ON, depends_on_label(depends_on)),
        (labels::VERSION, labels::TOOL_VERSION.to_string()),
        (
            labels::FIELD_HASHES,
            field_hashes_label(&field_hashes(service)),
        ),
    ];
    for (key, value) in compose {
        out.insert(key.to_string(), value);
    }
    out
}
