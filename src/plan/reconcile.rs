//! `up`'s decisions, as a pure function: desired state + observed state + options → a plan.
//!
//! The rules (docker compose v2's convergence, with the recreate made explicit):
//! - a container whose config hash, image or attachments are those asked for, and which runs,
//!   gets no operation: a second `up` with nothing changed makes no engine writes;
//! - a changed container is recreated: stop, remove, create, start — after the services it
//!   depends on, and the containers bound to it (`network_mode`/`ipc`/`pid: service:x`,
//!   `volumes_from`) are recreated after it; `depends_on` with `restart: true` dependents are
//!   stopped before it and started after it;
//! - a missing container is created and started, a stopped one started;
//! - scale down removes obsolete containers first, then the highest numbers;
//! - a container of a service no longer in the model is an orphan: a warning, or removed with
//!   `remove_orphans`;
//! - a container starts after its dependencies started, and after they are healthy or completed
//!   when `depends_on` says so (wait operations the executor performs).

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use super::desired::Desired;
use super::labels;
use super::observed::{Observed, ObservedContainer};
use super::op::{Action, Cause, ContainerRef, FieldChange, OpId, Plan};
use super::service::{parse_field_hashes, Condition, DesiredService};
use crate::engine::{api_at_least, ContainerSpec, ContainerStatus, Mount, MountKind};

/// What `up` was asked to do beyond the model.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Options {
    /// Recreate the containers of the selected services even when nothing changed.
    pub force_recreate: bool,
    /// Never recreate: changed containers are left as they are.
    pub no_recreate: bool,
    /// Create, do not start.
    pub no_start: bool,
    /// With `services`: leave their dependencies alone.
    pub no_deps: bool,
    /// Remove the containers of services no longer in the model.
    pub remove_orphans: bool,
    /// `--scale service=n`: replicas over the model's.
    pub scale: BTreeMap<String, usize>,
    /// Only these services (and their dependencies, unless `no_deps`); empty for all.
    pub services: Vec<String>,
    /// The stop timeout for containers that are stopped; `None`: each container's own.
    pub timeout: Option<Duration>,
    /// How long a `service_healthy`/`service_completed_successfully` wait may take.
    pub wait_timeout: Option<Duration>,
    /// Services of the project that profiles disable: their containers are not orphans.
    pub inactive_services: BTreeSet<String>,
    /// `--always-recreate-deps`: recreate the dependencies of the named services too.
    pub always_recreate_deps: bool,
    /// `-V`: recreated containers get new anonymous volumes instead of their predecessors'
    /// (and the named services are recreated, as docker compose does).
    pub renew_anon_volumes: bool,
}

/// What happens to one replica that remains.
#[derive(Debug, Clone)]
enum Fate {
    /// Left as it is.
    Keep(ObservedContainer),
    /// Started.
    Start(ObservedContainer, Cause),
    /// Stopped, then started after the service it depends on is recreated.
    Restart(ObservedContainer, Cause),
    /// Stopped, removed, created anew, started.
    Recreate(ObservedContainer, Cause),
    /// Created and started.
    Create(Cause),
}

#[derive(Debug, Clone)]
struct Replica {
    number: u32,
    name: String,
    fate: Fate,
}

impl Replica {
    fn recreated_or_created(&self) -> bool {
        matches!(self.fate, Fate::Recreate(..) | Fate::Create(..))
    }
}

#[derive(Debug, Default)]
struct ServiceDecision {
    /// By number.
    replicas: Vec<Replica>,
    /// Scale down.
    removed: Vec<(ObservedContainer, Cause)>,
}

/// The ops of one replica, as they are emitted.
#[derive(Debug, Default, Clone)]
struct ReplicaOps {
    stop: Option<OpId>,
    remove: Option<OpId>,
    create: Option<OpId>,
    /// Create and connects: what a start waits for.
    ready: Vec<OpId>,
    start: Option<OpId>,
}

/// Plans `up`.
pub fn reconcile(desired: &Desired, observed: &Observed, options: &Options) -> Plan {
    let mut plan = Plan {
        errors: desired.errors.clone(),
        warnings: desired.warnings.clone(),
        ..Plan::default()
    };
    for name in options.services.iter().chain(options.scale.keys()) {
        if desired.service(name).is_none() {
            plan.errors.push(format!("no such service: `{name}`"));
        }
    }
    let selected = selection(desired, options);
    let forced: BTreeSet<&str> = if options.services.is_empty() {
        selected.clone()
    } else {
        options.services.iter().map(String::as_str).collect()
    };
    let services: Vec<&DesiredService> = desired
        .services
        .iter()
        .filter(|s| selected.contains(s.name.as_str()))
        .collect();

    // --- networks and volumes the selected services use
    let mut network_ops: BTreeMap<String, OpId> = BTreeMap::new();
    let mut diverged_networks: Vec<crate::engine::NetworkSpec> = Vec::new();
    let used_networks: BTreeSet<&str> = services
        .iter()
        .flat_map(|s| s.networks.iter().map(|n| n.name.as_str()))
        .collect();
    for network in desired
        .networks
        .iter()
        .filter(|n| used_networks.contains(n.spec.name.as_str()))
    {
        let name = &network.spec.name;
        if network.external {
            if observed.external_networks.get(name) == Some(&false) {
                plan.errors.push(format!(
                    "network `{name}` is declared as external, but could not be found"
                ));
            }
            continue;
        }
        match observed.network(name) {
            Some(found) => {
                let key = found.labels.get(labels::NETWORK).map(String::as_str);
                if key.is_some_and(|key| key != network.key) {
                    plan.errors.push(format!(
                        "network `{name}` was found but has label `{}` set to `{}` (expected `{}`)",
                        labels::NETWORK,
                        key.unwrap_or_default(),
                        network.key
                    ));
                }
                if network_diverged(desired, observed, name) {
                    if options.no_recreate {
                        plan.warnings.push(format!(
                            "network `{name}` exists but its configuration changed: it is kept with --no-recreate"
                        ));
                    } else {
                        // As docker compose v2 does: the network is removed and created again,
                        // once the containers on it are gone (they are recreated on the new one).
                        diverged_networks.push(network.spec.clone());
                    }
                }
            }
            None => {
                let id = plan.push(
                    Action::CreateNetwork(network.spec.clone()),
                    Cause::Missing,
                    Vec::new(),
                );
                network_ops.insert(name.clone(), id);
            }
        }
    }
    let mut volume_ops: BTreeMap<String, OpId> = BTreeMap::new();
    let used_volumes: BTreeSet<&str> = services
        .iter()
        .flat_map(|s| s.named_volumes.iter().map(String::as_str))
        .collect();
    for volume in desired
        .volumes
        .iter()
        .filter(|v| used_volumes.contains(v.spec.name.as_str()))
    {
        let name = &volume.spec.name;
        if volume.external {
            if observed.external_volumes.get(name) == Some(&false) {
                plan.errors
                    .push(format!("external volume `{name}` not found"));
            }
            continue;
        }
        match observed.volume(name) {
            Some(found) => {
                let hash = found.labels.get(labels::CONFIG_HASH);
                if hash.is_some_and(|hash| {
                    *hash != volume.config_hash && *hash != volume.previous_config_hash
                }) {
                    plan.warnings.push(format!(
                        "volume `{name}` exists but doesn't match the configuration in the compose file: remove it (data will be lost) to recreate it"
                    ));
                }
            }
            None => {
                let id = plan.push(
                    Action::CreateVolume(volume.spec.clone()),
                    Cause::Missing,
                    Vec::new(),
                );
                volume_ops.insert(name.clone(), id);
            }
        }
    }

    // --- decisions, service by service in start order
    let mut decisions: BTreeMap<&str, ServiceDecision> = BTreeMap::new();
    for service in &services {
        let decision = decide(
            desired,
            observed,
            options,
            service,
            force_recreate(options, forced.contains(service.name.as_str())),
            &decisions,
        );
        decisions.insert(&service.name, decision);
    }
    if !options.no_start {
        plan_restarts(&services, &mut decisions);
    }
    // A service left out of the selection stays bound to a container that goes away.
    for service in desired
        .services
        .iter()
        .filter(|s| !selected.contains(s.name.as_str()))
    {
        if observed.service_containers(&service.name).next().is_none() {
            continue;
        }
        let bound: BTreeSet<String> = service
            .references
            .bound_to()
            .into_iter()
            .map(|(other, _)| other)
            .collect();
        for dependency in service
            .depends_on
            .iter()
            .filter(|d| d.restart && !bound.contains(&d.service))
        {
            let recreated = decisions.get(dependency.service.as_str()).is_some_and(|d| {
                d.replicas
                    .iter()
                    .any(|r| matches!(r.fate, Fate::Recreate(..)))
            });
            if recreated && !options.no_start {
                plan.warnings.push(format!(
                    "service `{}` depends on `{}` with `restart: true`, but is not restarted: bring `{}` up too",
                    service.name, dependency.service, service.name
                ));
            }
        }
        for (other, reason) in service.references.bound_to() {
            let replaced = decisions
                .get(other.as_str())
                .and_then(|d| d.replicas.first())
                .is_some_and(Replica::recreated_or_created);
            if replaced {
                plan.warnings.push(format!(
                    "service `{}` is bound to `{other}` ({reason}), which is recreated: bring `{}` up too",
                    service.name, service.name
                ));
            }
        }
    }

    // --- orphans and scale down: stop, remove
    let orphans: Vec<&ObservedContainer> = observed
        .containers
        .iter()
        .filter(|c| !c.is_oneoff())
        .filter(|c| {
            c.service().is_none_or(|service| {
                desired.service(service).is_none() && !options.inactive_services.contains(service)
            })
        })
        .collect();
    if !orphans.is_empty() {
        if options.remove_orphans {
            for orphan in &orphans {
                let cause = Cause::Orphan {
                    service: orphan.service().unwrap_or_default().to_string(),
                };
                stop_and_remove(&mut plan, orphan, cause, options.timeout, Vec::new());
            }
        } else {
            let names: Vec<&str> = orphans.iter().map(|c| c.name.as_str()).collect();
            plan.warnings.push(format!(
                "found orphan containers ({}) for this project: if you removed or renamed their service in the compose file, run this command with --remove-orphans to clean them up",
                names.join(", ")
            ));
        }
    }
    for service in &services {
        for (container, cause) in &decisions[service.name.as_str()].removed {
            stop_and_remove(
                &mut plan,
                container,
                cause.clone(),
                options.timeout,
                Vec::new(),
            );
        }
    }

    // --- stops, dependents first (reverse start order)
    let mut replica_ops: BTreeMap<String, ReplicaOps> = BTreeMap::new();
    let dependents = dependents_of(&services);
    for service in services.iter().rev() {
        let mut after = Vec::new();
        for dependent in dependents.get(service.name.as_str()).into_iter().flatten() {
            after.extend(
                decisions
                    .get(dependent)
                    .into_iter()
                    .flat_map(|d| &d.replicas)
                    .filter_map(|r| replica_ops.get(&r.name).and_then(|ops| ops.stop)),
            );
        }
        for replica in &decisions[service.name.as_str()].replicas {
            let (container, cause) = match &replica.fate {
                Fate::Recreate(container, cause) | Fate::Restart(container, cause) => {
                    (container, cause)
                }
                _ => continue,
            };
            let ops = replica_ops.entry(replica.name.clone()).or_default();
            if container.is_running() {
                ops.stop = Some(plan.push(
                    Action::StopContainer {
                        container: container_ref(container),
                        timeout: options.timeout,
                    },
                    cause.clone(),
                    after.clone(),
                ));
            }
        }
    }

    // --- removes of recreated containers
    for service in &services {
        for replica in &decisions[service.name.as_str()].replicas {
            if let Fate::Recreate(container, cause) = &replica.fate {
                let ops = replica_ops.entry(replica.name.clone()).or_default();
                ops.remove = Some(plan.push(
                    Action::RemoveContainer {
                        container: container_ref(container),
                        volumes: false,
                    },
                    cause.clone(),
                    ops.stop.into_iter().collect(),
                ));
            }
        }
    }

    // --- declared networks whose configuration changed: removed once their containers are
    // gone, then created again before the new containers
    for spec in diverged_networks {
        let removals: Vec<OpId> = services
            .iter()
            .filter(|service| service.networks.iter().any(|n| n.name == spec.name))
            .flat_map(|service| &decisions[service.name.as_str()].replicas)
            .filter_map(|replica| replica_ops.get(&replica.name).and_then(|ops| ops.remove))
            .collect();
        let cause = Cause::NetworkChanged {
            network: spec.name.clone(),
        };
        let remove = plan.push(
            Action::RemoveNetwork {
                name: spec.name.clone(),
            },
            cause.clone(),
            removals,
        );
        let name = spec.name.clone();
        let create = plan.push(Action::CreateNetwork(spec), cause, vec![remove]);
        network_ops.insert(name, create);
    }

    // --- creates, in start order
    let multi_endpoint = observed
        .api_version
        .as_deref()
        .is_some_and(|version| api_at_least(version, 1, 44));
    let peers = |service: &str| -> Vec<(String, u32)> {
        match decisions.get(service) {
            Some(decision) => decision
                .replicas
                .iter()
                .map(|r| (r.name.clone(), r.number))
                .collect(),
            // A service outside the selection keeps the containers it has.
            None => {
                let mut found: Vec<(String, u32)> = observed
                    .service_containers(service)
                    .filter_map(|c| c.number().map(|n| (c.name.clone(), n)))
                    .collect();
                found.sort_by_key(|(_, number)| *number);
                found
            }
        }
    };
    for service in &services {
        for replica in &decisions[service.name.as_str()].replicas {
            let (previous, cause) = match &replica.fate {
                Fate::Recreate(container, cause) => (Some(container), cause),
                Fate::Create(cause) => (None, cause),
                _ => continue,
            };
            let mut spec = match service.container_spec(&desired.project, replica.number, &peers) {
                Ok(spec) => spec,
                Err(error) => {
                    plan.errors.push(error);
                    continue;
                }
            };
            if let Some(image) = observed.images.get(&service.image) {
                spec.labels
                    .insert(labels::IMAGE.to_string(), image.id.clone());
            }
            if let Some(previous) = previous.filter(|_| !options.renew_anon_volumes) {
                inherit_anonymous_volumes(&mut spec, service, previous, observed);
            }
            let extra_endpoints = if multi_endpoint || spec.endpoints.len() <= 1 {
                Vec::new()
            } else {
                spec.endpoints.split_off(1)
            };

            let mut after: Vec<OpId> = Vec::new();
            let ops = replica_ops.entry(replica.name.clone()).or_default();
            after.extend(ops.remove);
            for endpoint in spec.endpoints.iter().chain(&extra_endpoints) {
                after.extend(network_ops.get(&endpoint.network));
            }
            for volume in &service.named_volumes {
                after.extend(volume_ops.get(volume));
            }
            for needed in service.references.needed_services() {
                for (name, _) in peers(&needed) {
                    after.extend(replica_ops.get(&name).and_then(|ops| ops.create));
                }
            }
            // `container:NAME` naming a container this plan creates (a `container_name` of the
            // project): the engine resolves the name at creation.
            for name in container_references(&spec) {
                if name != replica.name {
                    after.extend(replica_ops.get(name).and_then(|ops| ops.create));
                }
            }
            let create = plan.push(
                Action::CreateContainer {
                    service: service.name.clone(),
                    number: replica.number,
                    spec: Box::new(spec),
                },
                cause.clone(),
                after,
            );
            let ops = replica_ops.entry(replica.name.clone()).or_default();
            ops.create = Some(create);
            ops.ready = vec![create];
            if !extra_endpoints.is_empty() {
                // The connects follow the create: a start waits for them only.
                ops.ready.clear();
            }
            for endpoint in extra_endpoints {
                let connect = plan.push(
                    Action::ConnectNetwork {
                        container: replica.name.clone(),
                        endpoint,
                    },
                    cause.clone(),
                    vec![create],
                );
                ops.ready.push(connect);
            }
        }
    }

    // --- starts, and the waits depends_on asks for
    if !options.no_start {
        let mut waits: BTreeMap<(String, String), OpId> = BTreeMap::new();
        let starters: BTreeSet<&str> = services
            .iter()
            .filter(|s| {
                decisions[s.name.as_str()]
                    .replicas
                    .iter()
                    .any(|r| !matches!(r.fate, Fate::Keep(_)))
            })
            .map(|s| s.name.as_str())
            .collect();
        for service in &services {
            if !starters.contains(service.name.as_str()) {
                continue;
            }
            let mut gate: Vec<OpId> = Vec::new();
            for dependency in &service.depends_on {
                let Some(decision) = decisions.get(dependency.service.as_str()) else {
                    continue; // not selected (--no-deps) or not in the model
                };
                let starts: Vec<OpId> = decision
                    .replicas
                    .iter()
                    .filter_map(|r| replica_ops.get(&r.name).and_then(|ops| ops.start))
                    .collect();
                if decision.replicas.is_empty() {
                    continue; // scaled to 0: nothing to wait for
                }
                let (condition, make_wait): (&Condition, Option<bool>) = match &dependency.condition
                {
                    Condition::Healthy => (&dependency.condition, Some(true)),
                    Condition::CompletedSuccessfully => (&dependency.condition, Some(false)),
                    other => (other, None),
                };
                let Some(healthy) = make_wait else {
                    gate.extend(starts);
                    continue;
                };
                let key = (dependency.service.clone(), condition.as_str().to_string());
                let wait = match waits.get(&key) {
                    Some(id) => *id,
                    None => {
                        let containers: Vec<String> =
                            decision.replicas.iter().map(|r| r.name.clone()).collect();
                        let dependents: Vec<String> = services
                            .iter()
                            .filter(|s| starters.contains(s.name.as_str()))
                            .filter(|s| {
                                s.depends_on.iter().any(|d| {
                                    d.service == dependency.service && d.condition == *condition
                                })
                            })
                            .map(|s| s.name.clone())
                            .collect();
                        let required = services
                            .iter()
                            .filter(|s| dependents.contains(&s.name))
                            .flat_map(|s| &s.depends_on)
                            .filter(|d| {
                                d.service == dependency.service && d.condition == *condition
                            })
                            .any(|d| d.required);
                        let cause = Cause::DependsOn {
                            dependents,
                            service: dependency.service.clone(),
                            condition: condition.clone(),
                        };
                        let action = if healthy {
                            Action::WaitHealthy {
                                service: dependency.service.clone(),
                                containers,
                                required,
                                timeout: options.wait_timeout,
                            }
                        } else {
                            Action::WaitCompleted {
                                service: dependency.service.clone(),
                                containers,
                                required,
                                timeout: options.wait_timeout,
                            }
                        };
                        let id = plan.push(action, cause, starts);
                        waits.insert(key, id);
                        id
                    }
                };
                gate.push(wait);
            }
            for replica in &decisions[service.name.as_str()].replicas {
                let (container, cause) = match &replica.fate {
                    Fate::Keep(_) => continue,
                    Fate::Start(container, cause) | Fate::Restart(container, cause) => {
                        (container_ref(container), cause)
                    }
                    Fate::Recreate(_, cause) | Fate::Create(cause) => {
                        (ContainerRef::named(&replica.name), cause)
                    }
                };
                let ops = replica_ops.entry(replica.name.clone()).or_default();
                let mut after = gate.clone();
                after.extend(ops.ready.iter().copied());
                if let Fate::Restart(..) | Fate::Start(..) = &replica.fate {
                    after.extend(ops.stop);
                }
                let start = plan.push(Action::StartContainer { container }, cause.clone(), after);
                replica_ops.entry(replica.name.clone()).or_default().start = Some(start);
            }
        }
    }
    plan
}

/// Whether a service's containers are recreated even when nothing changed: those named (all
/// when none is) with `--force-recreate` or `-V`, their dependencies with
/// `--always-recreate-deps`, as docker compose's recreate strategies.
fn force_recreate(options: &Options, named: bool) -> Option<Cause> {
    if options.no_recreate {
        None
    } else if named && options.force_recreate {
        Some(Cause::ForceRecreate)
    } else if named && options.renew_anon_volumes {
        Some(Cause::RenewAnonVolumes)
    } else if !named && options.always_recreate_deps {
        Some(Cause::AlwaysRecreateDeps)
    } else {
        None
    }
}

/// The selected services: all, or the ones named and (unless `no_deps`) what they depend on.
fn selection<'a>(desired: &'a Desired, options: &'a Options) -> BTreeSet<&'a str> {
    if options.services.is_empty() {
        return desired.services.iter().map(|s| s.name.as_str()).collect();
    }
    let mut selected: BTreeSet<&str> = BTreeSet::new();
    let mut queue: Vec<&str> = options
        .services
        .iter()
        .map(String::as_str)
        .filter(|name| desired.service(name).is_some())
        .collect();
    while let Some(name) = queue.pop() {
        if !selected.insert(name) || options.no_deps {
            continue;
        }
        if let Some(service) = desired.service(name) {
            let mut needed: Vec<&str> = service
                .depends_on
                .iter()
                .map(|d| d.service.as_str())
                .collect();
            for (other, _) in service.references.bound_to() {
                if let Some(found) = desired.service(&other) {
                    needed.push(found.name.as_str());
                }
            }
            queue.extend(needed.into_iter().filter(|n| desired.service(n).is_some()));
        }
    }
    selected
}

/// Which of the service's containers remain, what becomes of each, and which go.
fn decide(
    desired: &Desired,
    observed: &Observed,
    options: &Options,
    service: &DesiredService,
    forced: Option<Cause>,
    earlier: &BTreeMap<&str, ServiceDecision>,
) -> ServiceDecision {
    let replicas = options
        .scale
        .get(&service.name)
        .copied()
        .unwrap_or(service.replicas);
    let containers: Vec<&ObservedContainer> = observed.service_containers(&service.name).collect();
    let mut decision = ServiceDecision::default();

    // The services this one is bound to that get a new first container.
    let follows: Option<Cause> = service
        .references
        .bound_to()
        .into_iter()
        .find(|(other, _)| {
            earlier
                .get(other.as_str())
                .and_then(|d| d.replicas.first())
                .is_some_and(Replica::recreated_or_created)
        })
        .map(|(other, reason)| Cause::Follows {
            service: other,
            reason,
        });

    let mut numbered: Vec<(u32, &ObservedContainer, Option<Cause>)> = Vec::new();
    for container in &containers {
        match container.number() {
            Some(number) => {
                let obsolete = if options.no_recreate {
                    None
                } else if let Some(cause) = &forced {
                    Some(cause.clone())
                } else {
                    must_recreate(service, container, observed, desired).or_else(|| follows.clone())
                };
                numbered.push((number, container, obsolete));
            }
            // Not ours to number: replaced by a properly labelled one.
            None => decision.removed.push((
                (*container).clone(),
                Cause::ConfigChanged { fields: Vec::new() },
            )),
        }
    }
    // Up-to-date ones first, each group by number: the tail goes on scale down.
    numbered.sort_by_key(|(number, _, obsolete)| (obsolete.is_some(), *number));
    let next_number = containers
        .iter()
        .filter_map(|c| c.number())
        .max()
        .unwrap_or(0)
        .saturating_add(1);
    for (index, (number, container, obsolete)) in numbered.into_iter().enumerate() {
        if index >= replicas {
            decision
                .removed
                .push((container.clone(), Cause::ScaleDown { replicas }));
            continue;
        }
        let fate = match obsolete {
            Some(cause) => Fate::Recreate(container.clone(), cause),
            None => match container.status {
                ContainerStatus::Running | ContainerStatus::Restarting => {
                    Fate::Keep(container.clone())
                }
                ContainerStatus::Paused | ContainerStatus::Removing => {
                    Fate::Keep(container.clone())
                }
                ContainerStatus::Dead if !options.no_recreate => {
                    Fate::Recreate(container.clone(), Cause::Dead)
                }
                status => Fate::Start(container.clone(), Cause::NotRunning { status }),
            },
        };
        decision.replicas.push(Replica {
            number,
            name: container.name.clone(),
            fate,
        });
    }
    let missing = replicas.saturating_sub(decision.replicas.len());
    for offset in 0..missing {
        let number = next_number.saturating_add(u32::try_from(offset).unwrap_or(u32::MAX));
        let cause = if containers.is_empty() {
            Cause::Missing
        } else {
            Cause::ScaleUp { replicas }
        };
        decision.replicas.push(Replica {
            number,
            name: service.container_name(&desired.project, number),
            fate: Fate::Create(cause),
        });
    }
    decision.replicas.sort_by_key(|r| r.number);
    decision
}

/// Why a container must be recreated, if it must.
fn must_recreate(
    service: &DesiredService,
    container: &ObservedContainer,
    observed: &Observed,
    desired: &Desired,
) -> Option<Cause> {
    let hash = container.label(labels::CONFIG_HASH);
    if hash != Some(service.config_hash.as_str())
        && hash != Some(service.previous_config_hash.as_str())
    {
        let fields = container
            .label(labels::FIELD_HASHES)
            .map(|label| changed_fields(&parse_field_hashes(label), &service.field_hashes))
            .unwrap_or_default();
        return Some(Cause::ConfigChanged { fields });
    }
    if let Some(image) = observed.images.get(&service.image) {
        if !container.image_id.is_empty() && !image.id.is_empty() && container.image_id != image.id
        {
            return Some(Cause::ImageChanged {
                image: service.image.clone(),
            });
        }
    }
    for network in &service.networks {
        if network_diverged(desired, observed, &network.name) {
            return Some(Cause::NetworkChanged {
                network: network.name.clone(),
            });
        }
    }
    if container.status == ContainerStatus::Running {
        for network in &service.networks {
            let external = desired
                .network_named(&network.name)
                .is_some_and(|n| n.external);
            if !external && !container.networks.contains(&network.name) {
                return Some(Cause::NetworkNotConnected {
                    network: network.name.clone(),
                });
            }
        }
    }
    if let Some(mounts) = &container.mounts {
        for volume in &service.named_volumes {
            let mounted = mounts
                .iter()
                .any(|m| m.kind == "volume" && m.name.as_deref() == Some(volume.as_str()));
            if !mounted {
                return Some(Cause::VolumeNotMounted {
                    volume: volume.clone(),
                });
            }
        }
    }
    None
}

/// The containers a spec names with `container:NAME` (network, IPC and PID namespaces,
/// `volumes_from`).
fn container_references(spec: &crate::engine::ContainerSpec) -> Vec<&str> {
    let modes = [&spec.network_mode, &spec.ipc_mode, &spec.pid_mode];
    modes
        .into_iter()
        .flatten()
        .filter_map(|mode| mode.strip_prefix("container:"))
        .chain(
            spec.volumes_from
                .iter()
                .map(|v| v.split(':').next().unwrap_or(v)),
        )
        .collect()
}

/// Whether the project's network `name` exists with a config hash label that differs from the
/// model's, docker compose v2's and earlier rcompose's alike (a network without the label is
/// kept as it is, as docker compose keeps it).
fn network_diverged(desired: &Desired, observed: &Observed, name: &str) -> bool {
    let Some(network) = desired.network_named(name).filter(|n| !n.external) else {
        return false;
    };
    observed
        .network(name)
        .and_then(|found| found.labels.get(labels::CONFIG_HASH))
        .is_some_and(|hash| *hash != network.config_hash && *hash != network.previous_config_hash)
}

fn changed_fields(
    before: &BTreeMap<String, String>,
    now: &BTreeMap<String, String>,
) -> Vec<(String, FieldChange)> {
    let mut fields = Vec::new();
    for (field, hash) in now {
        match before.get(field) {
            None => fields.push((field.clone(), FieldChange::Added)),
            Some(old) if old != hash => fields.push((field.clone(), FieldChange::Changed)),
            Some(_) => {}
        }
    }
    for field in before.keys() {
        if !now.contains_key(field) {
            fields.push((field.clone(), FieldChange::Removed));
        }
    }
    fields.sort();
    fields
}

/// `depends_on` with `restart: true`: the running containers of a dependent of a recreated
/// service are stopped before it and started after it.
fn plan_restarts(services: &[&DesiredService], decisions: &mut BTreeMap<&str, ServiceDecision>) {
    for service in services {
        let trigger = service.depends_on.iter().find(|d| {
            d.restart
                && decisions.get(d.service.as_str()).is_some_and(|decision| {
                    decision
                        .replicas
                        .iter()
                        .any(|r| matches!(r.fate, Fate::Recreate(..)))
                })
        });
        let Some(trigger) = trigger else { continue };
        let cause = Cause::RestartAfter {
            service: trigger.service.clone(),
        };
        if let Some(decision) = decisions.get_mut(service.name.as_str()) {
            for replica in &mut decision.replicas {
                if let Fate::Keep(container) = &replica.fate {
                    if container.status == ContainerStatus::Running {
                        replica.fate = Fate::Restart(container.clone(), cause.clone());
                    }
                }
            }
        }
    }
}

/// For each service, the selected services that depend on it (`depends_on` or bound to it).
fn dependents_of<'a>(services: &[&'a DesiredService]) -> BTreeMap<&'a str, Vec<&'a str>> {
    let mut dependents: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for service in services {
        let mut on: Vec<String> = service
            .depends_on
            .iter()
            .map(|d| d.service.clone())
            .collect();
        on.extend(service.references.needed_services());
        on.sort();
        on.dedup();
        for dependency in on {
            if let Some(found) = services.iter().find(|s| s.name == dependency) {
                dependents
                    .entry(found.name.as_str())
                    .or_default()
                    .push(service.name.as_str());
            }
        }
    }
    dependents
}

fn container_ref(container: &ObservedContainer) -> ContainerRef {
    ContainerRef {
        name: container.name.clone(),
        id: (!container.id.is_empty()).then(|| container.id.clone()),
    }
}

/// Stop (when it runs) and remove; returns the remove's id.
pub(super) fn stop_and_remove(
    plan: &mut Plan,
    container: &ObservedContainer,
    cause: Cause,
    timeout: Option<Duration>,
    mut after: Vec<OpId>,
) -> OpId {
    if container.is_running() {
        let stop = plan.push(
            Action::StopContainer {
                container: container_ref(container),
                timeout,
            },
            cause.clone(),
            after.clone(),
        );
        after = vec![stop];
    }
    plan.push(
        Action::RemoveContainer {
            container: container_ref(container),
            volumes: false,
        },
        cause,
        after,
    )
}

/// A recreated container keeps its predecessor's anonymous volumes (the service's and the
/// image's `VOLUME`s), as docker compose does: recreating a database must not lose its data.
fn inherit_anonymous_volumes(
    spec: &mut ContainerSpec,
    service: &DesiredService,
    previous: &ObservedContainer,
    observed: &Observed,
) {
    let Some(mounts) = &previous.mounts else {
        return;
    };
    let image_volumes: Vec<String> = observed
        .images
        .get(&service.image)
        .map(|image| image.volumes.clone())
        .unwrap_or_default();
    for mount in mounts {
        let Some(volume) = mount.name.as_deref().filter(|n| !n.is_empty()) else {
            continue;
        };
        if mount.kind != "volume" {
            continue;
        }
        let target = mount.destination.as_str();
        let declared_anonymous = service.anonymous_volumes.iter().any(|t| t == target);
        if let Some(existing) = spec
            .mounts
            .iter_mut()
            .find(|m| m.target == target && m.kind == MountKind::Volume && m.source.is_none())
        {
            existing.source = Some(volume.to_string());
            continue;
        }
        if declared_anonymous || !image_volumes.iter().any(|t| t == target) {
            continue;
        }
        let taken = spec.mounts.iter().any(|m| m.target == target)
            || spec.binds.iter().any(|b| bind_target(b) == Some(target))
            || spec.tmpfs.contains_key(target);
        if !taken {
            spec.mounts.push(Mount {
                kind: MountKind::Volume,
                source: Some(volume.to_string()),
                target: target.to_string(),
                read_only: !mount.read_write,
                ..Mount::default()
            });
        }
    }
}

/// The target of a `source:target[:options]` bind.
fn bind_target(bind: &str) -> Option<&str> {
    let mut parts = bind.split(':');
    parts.next()?;
    parts.next()
}
