//! `rcompose down`: stops and removes the project's containers (dependents first), then its
//! networks, and with `-v` its named volumes; never anything external or unlabelled. Works from
//! `-p NAME` alone, without a compose file (the order then comes from the containers' labels).
//! A network that a container of another project (or of none) still sits on is kept, with a
//! warning naming that container, and `down` still succeeds.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use clap::Args;

use super::engine_session::{self as session, Interrupt};
use super::lifecycle::run_plan;
use super::timings::Timings;
use super::{exit, GlobalOptions};
use crate::engine::Engine;
use crate::execute::{ExecError, OnError};
use crate::plan::{observe, plan_down, Action, DownOptions, Op, OpId, Plan};

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
        let _lock = if global.dry_run {
            None
        } else {
            match session::lock_project(&scope.name, &interrupt).await {
                Ok(lock) => Some(lock),
                Err(code) => return code,
            }
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
        let mut plan = plan_down(
            desired.as_ref(),
            &observed,
            &DownOptions {
                remove_orphans: args.remove_orphans,
                volumes: args.volumes,
                timeout: args.timeout.map(Duration::from_secs),
                inactive_services: scope.inactive_services.clone(),
            },
        );
        keep_shared_networks(&engine, &mut plan).await;
        // The plan, with the inspect of each network to remove (who else is on it).
        timings.engine("plan", engine.calls());
        if observed.containers.is_empty()
            && observed.networks.is_empty()
            && observed.volumes.is_empty()
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
