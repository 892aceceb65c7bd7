//! `rcompose down`: stops and removes the project's containers (dependents first), then its
//! networks, and with `-v` its named volumes; never anything external or unlabelled. Works from
//! `-p NAME` alone, without a compose file (the order then comes from the containers' labels).
//! A network that a container of another project (or of none) still sits on is kept, with a
//! warning naming that container, and `down` still succeeds.
//!
//! `--rmi local|all` then removes the services' images (`local`: those without an `image:`,
//! named `<project>-<service>`), never forced: an image a container of another project uses is
//! kept with a warning, whether the engine would refuse (one name) or only untag it.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use clap::{Args, ValueEnum};

use super::engine_session::{self as session, Interrupt};
use super::lifecycle::run_plan;
use super::timings::Timings;
use super::{exit, GlobalOptions};
use crate::engine::{ContainerSummary, Engine, PROJECT_LABEL};
use crate::execute::{ExecError, OnError};
use crate::model;
use crate::plan::{observe, plan_down, Action, DownOptions, Observed, Op, OpId, Plan};

#[derive(Debug, Args)]
pub struct DownArgs {
    /// Remove containers for services not defined in the compose file
    #[arg(long)]
    remove_orphans: bool,
    /// Remove the named volumes declared in the `volumes` section and the anonymous volumes
    /// attached to containers
    #[arg(short = 'v', long)]
    volumes: bool,
    /// Timeout in seconds before a container is killed
    #[arg(short = 't', long, value_name = "SECONDS")]
    timeout: Option<u64>,
    /// Remove images used by services: "local" remove only images that don't have a custom
    /// tag ("local"|"all")
    #[arg(long, value_enum, value_name = "TYPE")]
    rmi: Option<Rmi>,
}

/// Which images `down --rmi` removes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Rmi {
    /// The images of services without an `image:` (`<project>-<service>`).
    Local,
    /// Every service's image.
    All,
}

pub fn run(global: &GlobalOptions, args: &DownArgs) -> u8 {
    let mut timings = Timings::start();
    let scope = match session::load_optional(global) {
        Ok(scope) => scope,
        Err(code) => return code,
    };
    let runtime = match session::runtime() {
        Ok(runtime) => runtime,
        Err(code) => return code,
    };
    timings.own("load");
    runtime.block_on(async {
        let interrupt = Interrupt::install();
        let engine = match session::connect().await {
            Ok(engine) => engine,
            Err(code) => return code,
        };
        timings.engine("connect", engine.calls());
        let _lock = match session::lock_unless_dry_run(global, &scope.name, &interrupt).await {
            Ok(lock) => lock,
            Err(code) => return code,
        };
        timings.own("lock");
        let observed = match observe(&engine, &scope.name).await {
            Ok(observed) => observed,
            Err(error) => {
                eprintln!("error: {error}");
                return exit::FAILURE;
            }
        };
        timings.engine("observe", engine.calls());
        let desired = scope.desired();
        let mut warnings = Vec::new();
        let images = match args.rmi {
            Some(rmi) => {
                let candidates = image_candidates(&scope, &observed, rmi);
                images_to_remove(&engine, &scope.name, candidates, &mut warnings).await
            }
            None => Vec::new(),
        };
        let mut plan = plan_down(
            desired.as_ref(),
            &observed,
            &DownOptions {
                remove_orphans: args.remove_orphans,
                volumes: args.volumes,
                timeout: args.timeout.map(Duration::from_secs),
                inactive_services: scope.inactive_services.clone(),
                images,
            },
        );
        plan.warnings.extend(warnings);
        keep_shared_networks(&engine, &mut plan).await;
        // The plan, with the inspect of each network to remove (who else is on it).
        timings.engine("plan", engine.calls());
        if observed.containers.is_empty()
            && observed.networks.is_empty()
            && observed.volumes.is_empty()
            && plan.ops.is_empty()
        {
            eprintln!(
                "warning: no resource found to remove for project `{}`",
                scope.name
            );
        }
        let code = run_plan(
            global,
            &engine,
            &interrupt,
            &plan,
            "down",
            OnError::ContinueIndependent,
            network_in_use,
        )
        .await;
        timings.engine("execute", engine.calls());
        timings.print();
        code
    })
}

/// A network that a container of another project joined between the check and the removal:
/// the same warning as [`keep_shared_networks`] gives, not a failure.
fn network_in_use(action: &Action, error: &ExecError) -> Option<String> {
    match (action, error) {
        (Action::RemoveNetwork { name }, ExecError::Engine(error)) if error.is_conflict() => {
            Some(format!("network `{name}` is kept: {}", error.message()))
        }
        (Action::RemoveImage { image }, ExecError::Engine(error)) if error.is_conflict() => {
            Some(format!("image `{image}` is kept: {}", error.message()))
        }
        _ => None,
    }
}

/// Drops the removal of every network that a container outside the plan is attached to, with a
/// warning naming those containers. Nothing in a `down` plan waits for a network removal, so
/// the rest of the plan stands.
async fn keep_shared_networks<E: Engine>(engine: &E, plan: &mut Plan) {
    let removed: BTreeSet<String> = plan
        .ops
        .iter()
        .filter_map(|op| match &op.action {
            Action::RemoveContainer { container, .. } => Some(
                [Some(container.name.clone()), container.id.clone()]
                    .into_iter()
                    .flatten(),
            ),
            _ => None,
        })
        .flatten()
        .collect();
    let mut dropped: BTreeSet<OpId> = BTreeSet::new();
    for op in &plan.ops {
        let Action::RemoveNetwork { name } = &op.action else {
            continue;
        };
        let Ok(network) = engine.inspect_network(name).await else {
            continue;
        };
        let strangers: Vec<&str> = network
            .containers
            .iter()
            .filter(|(id, member)| !removed.contains(*id) && !removed.contains(&member.name))
            .map(|(id, member)| {
                if member.name.is_empty() {
                    id.as_str()
                } else {
                    member.name.as_str()
                }
            })
            .collect();
        if !strangers.is_empty() {
            plan.warnings.push(format!(
                "network `{name}` is kept: {} not of this project {} attached to it ({})",
                if strangers.len() == 1 {
                    "a container"
                } else {
                    "containers"
                },
                if strangers.len() == 1 { "is" } else { "are" },
                strangers.join(", ")
            ));
            dropped.insert(op.id);
        }
    }
    if !dropped.is_empty() {
        *plan = without(plan, &dropped);
    }
}

/// The plan less the `dropped` operations, renumbered; references to them are dropped too
/// (only valid for operations nothing needs).
fn without(plan: &Plan, dropped: &BTreeSet<OpId>) -> Plan {
    let mut renumber: BTreeMap<OpId, OpId> = BTreeMap::new();
    let mut ops: Vec<Op> = Vec::new();
    for op in &plan.ops {
        if dropped.contains(&op.id) {
            continue;
        }
        let id = ops.len() + 1;
        renumber.insert(op.id, id);
        ops.push(Op {
            id,
            action: op.action.clone(),
            cause: op.cause.clone(),
            after: op
                .after
                .iter()
                .filter_map(|after| renumber.get(after).copied())
                .collect(),
        });
    }
    Plan {
        ops,
        warnings: plan.warnings.clone(),
        errors: plan.errors.clone(),
    }
}

/// `busybox` → `busybox:latest`, as docker compose names images in its progress lines.
fn with_tag(reference: &str) -> String {
    let last = reference.rsplit('/').next().unwrap_or(reference);
    if reference.contains('@') || last.contains(':') {
        reference.to_string()
    } else {
        format!("{reference}:latest")
    }
}

/// The images `--rmi` names, sorted: from the model's services when there is a compose file,
/// else from the project's containers (an image named `<project>-<service>` is local).
fn image_candidates(scope: &session::Scope, observed: &Observed, rmi: Rmi) -> Vec<String> {
    let mut images: BTreeSet<String> = BTreeSet::new();
    match &scope.project {
        Some(project) => {
            for (name, service) in model::services(&project.model) {
                let custom = service.get("image").and_then(|i| i.as_str()).is_some();
                if rmi == Rmi::All || !custom {
                    images.insert(with_tag(&model::image_name(&project.name, name, service)));
                }
            }
        }
        None => {
            for container in &observed.containers {
                let Some(service) = container.service() else {
                    continue;
                };
                let image = with_tag(&container.image);
                if rmi == Rmi::All || image == with_tag(&format!("{}-{service}", scope.name)) {
                    images.insert(image);
                }
            }
        }
    }
    images.into_iter().collect()
}

/// The candidates present on the engine and used by no container of another compose project
/// (those are kept, with a warning: removing the name a container was created from would leave
/// it without, even where the engine allows it; an image in use under its last name the engine
/// refuses to remove, which is a warning too).
async fn images_to_remove<E: Engine>(
    engine: &E,
    project: &str,
    candidates: Vec<String>,
    warnings: &mut Vec<String>,
) -> Vec<String> {
    let others: Vec<ContainerSummary> = match engine.list_compose_containers(true).await {
        Ok(containers) => containers
            .into_iter()
            .filter(|c| c.labels.get(PROJECT_LABEL).map(String::as_str) != Some(project))
            .collect(),
        Err(error) => {
            warnings.push(format!("images are kept: {error}"));
            return Vec::new();
        }
    };
    let mut images = Vec::new();
    for image in candidates {
        let info = match engine.inspect_image(&image).await {
            Ok(info) => info,
            Err(error) if error.is_not_found() => continue,
            Err(error) => {
                warnings.push(format!("image `{image}` is kept: {error}"));
                continue;
            }
        };
        let users: Vec<&str> = others
            .iter()
            // By name; by id only when this name is the image's last (removing a name among
            // several only untags, which matters to no container created from another name).
            .filter(|c| {
                with_tag(&c.image) == image || (info.repo_tags.len() <= 1 && c.image_id == info.id)
            })
            .map(|c| c.name.as_str())
            .collect();
        if users.is_empty() {
            images.push(image);
        } else {
            warnings.push(format!(
                "image `{image}` is kept: used by {} of another project ({})",
                if users.len() == 1 {
                    "a container"
                } else {
                    "containers"
                },
                users.join(", ")
            ));
        }
    }
    images
}
