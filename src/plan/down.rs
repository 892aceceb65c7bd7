//! `down`'s decisions: stop the project's containers in reverse dependency order (in parallel
//! where the order allows), remove them, then the networks and, with `volumes`, the volumes.
//! External networks and volumes are never removed.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use super::desired::Desired;
use super::labels;
use super::observed::{Observed, ObservedContainer};
use super::op::{Action, Cause, ContainerRef, OpId, Plan};

/// What `down` was asked to do.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DownOptions {
    /// Remove the containers of services no longer in the model too.
    pub remove_orphans: bool,
    /// Remove the named volumes of the project and the containers' anonymous volumes.
    pub volumes: bool,
    /// The stop timeout; `None`: each container's own.
    pub timeout: Option<Duration>,
    /// Services of the project that profiles disable: theirs are not orphans.
    pub inactive_services: BTreeSet<String>,
    /// `--rmi`: the images to remove once every container is gone (the caller keeps only those
    /// present on the engine, as docker compose does).
    pub images: Vec<String>,
}

/// Plans `down`. Without a model (`desired` is `None`), everything labelled with the project
/// goes, and the stop order comes from the containers' `com.docker.compose.depends_on` labels.
pub fn plan_down(desired: Option<&Desired>, observed: &Observed, options: &DownOptions) -> Plan {
    let mut plan = Plan::default();
    let in_model = |service: &str| {
        desired.is_none_or(|d| {
            d.service(service).is_some() || options.inactive_services.contains(service)
        })
    };
    let (removed, orphans): (Vec<&ObservedContainer>, Vec<&ObservedContainer>) = observed
        .containers
        .iter()
        .partition(|c| options.remove_orphans || c.service().is_some_and(in_model));
    if !orphans.is_empty() {
        let names: Vec<&str> = orphans.iter().map(|c| c.name.as_str()).collect();
        plan.warnings.push(format!(
            "found orphan containers ({}) for this project: if you removed or renamed their service in the compose file, run this command with --remove-orphans to clean them up",
            names.join(", ")
        ));
    }

    // Who depends on whom: the model's and the labels' (a container knows its dependencies).
    let depends_on = dependency_map(desired, observed);

    // Stops: a service's containers stop after those of every service that depends on it.
    // Services in reverse of a dependency order; the fallback for a cycle is by name.
    let mut services: Vec<String> = removed
        .iter()
        .filter_map(|c| c.service().map(String::from))
        .collect();
    services.sort();
    services.dedup();
    let order = stop_order(&services, &depends_on);
    let mut stops: BTreeMap<&str, Vec<OpId>> = BTreeMap::new();
    let mut stop_of: BTreeMap<&str, OpId> = BTreeMap::new();
    for service in &order {
        let after: Vec<OpId> = depends_on
            .iter()
            .filter(|(dependent, on)| on.contains(service) && *dependent != service)
            .flat_map(|(dependent, _)| stops.get(dependent.as_str()).cloned().unwrap_or_default())
            .collect();
        let mut ids = Vec::new();
        for container in removed
            .iter()
            .filter(|c| c.service() == Some(service.as_str()) && c.is_running())
        {
            let cause = cause_of(container, desired);
            let id = plan.push(
                Action::StopContainer {
                    container: reference(container),
                    timeout: options.timeout,
                },
                cause,
                after.clone(),
            );
            ids.push(id);
            stop_of.insert(&container.name, id);
        }
        // A service with nothing to stop passes its own wait on, so that the order holds
        // across it.
        stops.insert(service, if ids.is_empty() { after } else { ids });
    }
    // Containers without a service label stop first, with no order.
    for container in removed
        .iter()
        .filter(|c| c.service().is_none() && c.is_running())
    {
        let id = plan.push(
            Action::StopContainer {
                container: reference(container),
                timeout: options.timeout,
            },
            cause_of(container, desired),
            Vec::new(),
        );
        stop_of.insert(&container.name, id);
    }

    let mut removes = Vec::new();
    for container in &removed {
        let id = plan.push(
            Action::RemoveContainer {
                container: reference(container),
                volumes: options.volumes,
            },
            cause_of(container, desired),
            stop_of
                .get(container.name.as_str())
                .copied()
                .into_iter()
                .collect(),
        );
        removes.push(id);
    }

    // Networks: the project's, never an external one; one an orphan that stays is attached to
    // cannot go.
    for network in &observed.networks {
        let declared = desired.map(|d| d.network_named(&network.name));
        let removable = match declared {
            None => true,
            Some(Some(found)) => !found.external,
            Some(None) => false,
        };
        if !removable {
            continue;
        }
        let busy: Vec<&str> = orphans
            .iter()
            .filter(|c| c.networks.contains(&network.name))
            .map(|c| c.name.as_str())
            .collect();
        if !busy.is_empty() {
            plan.warnings.push(format!(
                "network `{}` is kept: orphan containers ({}) are attached to it",
                network.name,
                busy.join(", ")
            ));
            continue;
        }
        plan.push(
            Action::RemoveNetwork {
                name: network.name.clone(),
            },
            Cause::Down,
            removes.clone(),
        );
    }
    for image in &options.images {
        plan.push(
            Action::RemoveImage {
                image: image.clone(),
            },
            Cause::Down,
            removes.clone(),
        );
    }
    if options.volumes {
        for volume in &observed.volumes {
            let removable = match desired.map(|d| d.volume_named(&volume.name)) {
                None => true,
                Some(Some(found)) => !found.external,
                Some(None) => false,
            };
            if removable {
                plan.push(
                    Action::RemoveVolume {
                        name: volume.name.clone(),
                    },
                    Cause::Down,
                    removes.clone(),
                );
            }
        }
    }
    plan
}

fn reference(container: &ObservedContainer) -> ContainerRef {
    ContainerRef {
        name: container.name.clone(),
        id: (!container.id.is_empty()).then(|| container.id.clone()),
    }
}

fn cause_of(container: &ObservedContainer, desired: Option<&Desired>) -> Cause {
    match (container.service(), desired) {
        (Some(service), Some(desired))
            if desired.service(service).is_none() && !container.is_oneoff() =>
        {
            Cause::Orphan {
                service: service.to_string(),
            }
        }
        _ => Cause::Down,
    }
}

/// Dependents before their dependencies (ties by name); services in a cycle come last, by name.
fn stop_order(services: &[String], depends_on: &BTreeMap<String, BTreeSet<String>>) -> Vec<String> {
    let wanted: BTreeSet<&str> = services.iter().map(String::as_str).collect();
    // Count, for each service, the wanted services that depend on it and are not stopped yet.
    let dependents = |service: &str, done: &BTreeSet<&str>| {
        depends_on
            .iter()
            .filter(|(dependent, on)| {
                wanted.contains(dependent.as_str())
                    && !done.contains(dependent.as_str())
                    && dependent.as_str() != service
                    && on.contains(service)
            })
            .count()
    };
    let mut done: BTreeSet<&str> = BTreeSet::new();
    let mut order = Vec::new();
    while order.len() < services.len() {
        let next = services
            .iter()
            .find(|s| !done.contains(s.as_str()) && dependents(s, &done) == 0)
            .or_else(|| services.iter().find(|s| !done.contains(s.as_str())));
        let Some(next) = next else { break };
        done.insert(next);
        order.push(next.clone());
    }
    order
}

/// Who depends on whom: the model's `depends_on` and service references, and the containers'
/// `com.docker.compose.depends_on` labels (the only source without a compose file).
pub fn dependency_map(
    desired: Option<&Desired>,
    observed: &Observed,
) -> BTreeMap<String, BTreeSet<String>> {
    let mut depends_on: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    if let Some(desired) = desired {
        for service in &desired.services {
            let entry = depends_on.entry(service.name.clone()).or_default();
            entry.extend(service.depends_on.iter().map(|d| d.service.clone()));
            entry.extend(service.references.needed_services());
        }
    }
    for container in &observed.containers {
        let (Some(service), Some(label)) =
            (container.service(), container.label(labels::DEPENDS_ON))
        else {
            continue;
        };
        depends_on.entry(service.to_string()).or_default().extend(
            label
                .split(',')
                .filter_map(|item| item.split(':').next())
                .filter(|name| !name.is_empty())
                .map(String::from),
        );
    }
    depends_on
}
