//! `start`, `stop`, `restart`, `rm` and `kill`: the project's existing containers (by label),
//! with or without a compose file. Stops go dependents first, starts dependencies first, as
//! plans the executor runs (so `--dry-run` prints them); `kill` signals every container at once.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, IsTerminal, Write};
use std::time::Duration;

use clap::Args;
use futures_util::future::join_all;

use super::engine_session::{self as session, Interrupt, Interruptible, Scope, INTERRUPTED};
use super::progress::{Mark, Reporter};
use super::{exit, GlobalOptions};
use crate::engine::{DockerEngine, Engine};
use crate::execute::{execute, ExecError, ExecuteOptions, OnError};
use crate::plan::{
    observe, plan_down, Action, Cause, ContainerRef, Desired, DownOptions, Observed,
    ObservedContainer, OpId, Plan,
};

#[derive(Debug, Args)]
pub struct StartArgs {
    /// Services to start; default: all
    #[arg(value_name = "SERVICE")]
    services: Vec<String>,
}

#[derive(Debug, Args)]
pub struct StopArgs {
    /// Services to stop; default: all
    #[arg(value_name = "SERVICE")]
    services: Vec<String>,
    /// Timeout in seconds before the container is killed
    #[arg(short = 't', long, value_name = "SECONDS")]
    timeout: Option<u64>,
}

#[derive(Debug, Args)]
pub struct RestartArgs {
    /// Services to restart; default: all
    #[arg(value_name = "SERVICE")]
    services: Vec<String>,
    /// Timeout in seconds before the container is killed
    #[arg(short = 't', long, value_name = "SECONDS")]
    timeout: Option<u64>,
    /// Don't restart dependent services
    #[arg(long)]
    no_deps: bool,
}

#[derive(Debug, Args)]
pub struct RmArgs {
    /// Services whose stopped containers to remove; default: all
    #[arg(value_name = "SERVICE")]
    services: Vec<String>,
    /// Don't ask to confirm removal (`-f`, as docker compose spells it, works too)
    #[arg(long)]
    force: bool,
    /// Stop the containers, if required, before removing
    #[arg(short = 's', long)]
    stop: bool,
    /// Remove any anonymous volumes attached to containers
    #[arg(short = 'v', long)]
    volumes: bool,
}

#[derive(Debug, Args)]
pub struct KillArgs {
    /// Services to kill; default: all
    #[arg(value_name = "SERVICE")]
    services: Vec<String>,
    /// SIGNAL to send to the container
    #[arg(short = 's', long, value_name = "SIGNAL", default_value = "SIGKILL")]
    signal: String,
    /// Remove containers for services not defined in the Compose file
    #[arg(long)]
    remove_orphans: bool,
}

/// What each command needs first: the project, the engine, its lock, a snapshot.
struct Context {
    scope: Scope,
    desired: Option<Desired>,
    engine: DockerEngine,
    interrupt: Interrupt,
    observed: Observed,
    _lock: Option<session::ProjectLock>,
}

async fn context(global: &GlobalOptions, scope: Scope, services: &[String]) -> Result<Context, u8> {
    session::check_services(&scope, services)?;
    let interrupt = Interrupt::install();
    let engine = session::connect().await?;
    let lock = session::lock_unless_dry_run(global, &scope.name, &interrupt).await?;
    let observed = observe(&engine, &scope.name).await.map_err(|error| {
        eprintln!("error: {error}");
        exit::FAILURE
    })?;
    Ok(Context {
        desired: scope.desired(),
        scope,
        engine,
        interrupt,
        observed,
        _lock: lock,
    })
}

fn with_runtime(
    global: &GlobalOptions,
    services: &[String],
    body: impl AsyncFnOnce(Context) -> u8,
) -> u8 {
    let scope = match session::load_optional(global) {
        Ok(scope) => scope,
        Err(code) => return code,
    };
    let runtime = match session::runtime() {
        Ok(runtime) => runtime,
        Err(code) => return code,
    };
    runtime.block_on(async move {
        match context(global, scope, services).await {
            Ok(context) => body(context).await,
            Err(code) => code,
        }
    })
}

/// Runs a plan with progress; prints it instead with `--dry-run`. The exit code.
pub async fn run_plan<E: Engine>(
    global: &GlobalOptions,
    engine: &E,
    interrupt: &Interrupt,
    plan: &Plan,
    command: &str,
    on_error: OnError,
    tolerated: fn(&Action, &ExecError) -> Option<String>,
) -> u8 {
    if global.dry_run {
        print!("{}", plan.render());
        return exit::OK;
    }
    for warning in &plan.warnings {
        eprintln!("warning: {warning}");
    }
    if plan.is_empty() {
        return exit::OK;
    }
    let reporter = Reporter::new(global.progress, "Running");
    let wrapped = Interruptible {
        inner: engine,
        interrupt: interrupt.clone(),
    };
    let options = ExecuteOptions {
        concurrency: session::concurrency(global),
        on_error,
        ..ExecuteOptions::default()
    };
    let report = execute(&wrapped, plan, &options, &reporter).await;
    reporter.finish();
    if interrupt.is_interrupted() {
        session::print_summary(command, &report, true);
        return INTERRUPTED;
    }
    if report.is_success() {
        return exit::OK;
    }
    let warnings: Vec<Option<String>> = report
        .failed()
        .map(|(outcome, error)| {
            plan.op(outcome.op)
                .and_then(|op| tolerated(&op.action, error))
        })
        .collect();
    if warnings.iter().all(Option::is_some) && report.skipped().next().is_none() {
        for warning in warnings.into_iter().flatten() {
            eprintln!("warning: {warning}");
        }
        return exit::OK;
    }
    session::print_summary(command, &report, false);
    exit::FAILURE
}

/// No failure is tolerated.
pub fn strict(_action: &Action, _error: &ExecError) -> Option<String> {
    None
}

/// A copy of the snapshot with only these containers.
fn narrowed(observed: &Observed, keep: impl Fn(&ObservedContainer) -> bool) -> Observed {
    Observed {
        containers: observed
            .containers
            .iter()
            .filter(|c| keep(c))
            .cloned()
            .collect(),
        networks: Vec::new(),
        volumes: Vec::new(),
        ..observed.clone()
    }
}

/// Stops the running containers of `services` (all when empty), dependents first: the stop
/// operations of `down`'s plan, which come first in it.
pub fn stop_plan(
    desired: Option<&Desired>,
    observed: &Observed,
    services: &[String],
    timeout: Option<Duration>,
) -> Plan {
    let selected: BTreeSet<String> = session::selected(observed, services)
        .map(|c| c.name.clone())
        .collect();
    let only = narrowed(observed, |c| selected.contains(&c.name));
    let down = plan_down(
        desired,
        &only,
        &DownOptions {
            remove_orphans: true,
            volumes: false,
            timeout,
            inactive_services: BTreeSet::new(),
            images: Vec::new(),
        },
    );
    let ops = down
        .ops
        .into_iter()
        .take_while(|op| matches!(op.action, Action::StopContainer { .. }))
        .map(|mut op| {
            if op.cause == Cause::Down || matches!(op.cause, Cause::Orphan { .. }) {
                op.cause = Cause::Down;
            }
            op
        })
        .collect();
    Plan {
        ops,
        warnings: Vec::new(),
        errors: Vec::new(),
    }
}

/// Services in start order: each after the services it depends on (ties by name; a cycle's
/// members last, by name).
fn start_order(
    services: &BTreeSet<String>,
    depends_on: &BTreeMap<String, BTreeSet<String>>,
) -> Vec<String> {
    let mut done: BTreeSet<&str> = BTreeSet::new();
    let mut order = Vec::new();
    while order.len() < services.len() {
        let ready = services.iter().find(|s| {
            !done.contains(s.as_str())
                && depends_on.get(*s).is_none_or(|on| {
                    on.iter()
                        .all(|d| done.contains(d.as_str()) || !services.contains(d) || d == *s)
                })
        });
        let next = ready.or_else(|| services.iter().find(|s| !done.contains(s.as_str())));
        let Some(next) = next else { break };
        done.insert(next);
        order.push(next.clone());
    }
    order
}

/// Starts the given containers, each after the containers of the services it depends on; each
/// start also waits for `after_all` (the stops of a restart).
fn push_starts(
    plan: &mut Plan,
    desired: Option<&Desired>,
    observed: &Observed,
    containers: &[&ObservedContainer],
    after_all: &BTreeMap<String, OpId>,
) {
    let depends_on = crate::plan::dependency_map(desired, observed);
    let services: BTreeSet<String> = containers
        .iter()
        .filter_map(|c| c.service().map(String::from))
        .collect();
    let mut starts: BTreeMap<String, Vec<OpId>> = BTreeMap::new();
    for service in start_order(&services, &depends_on) {
        let mut after: Vec<OpId> = depends_on
            .get(&service)
            .into_iter()
            .flatten()
            .flat_map(|d| starts.get(d).cloned().unwrap_or_default())
            .collect();
        let mut ids = Vec::new();
        for container in containers
            .iter()
            .filter(|c| c.service() == Some(service.as_str()))
        {
            let mut own = after.clone();
            own.extend(after_all.get(&container.name));
            let id = plan.push(
                Action::StartContainer {
                    container: ContainerRef {
                        name: container.name.clone(),
                        id: Some(container.id.clone()),
                    },
                },
                Cause::NotRunning {
                    status: container.status,
                },
                own,
            );
            ids.push(id);
        }
        after.clear();
        starts.insert(service, ids);
    }
}

pub fn start(global: &GlobalOptions, args: &StartArgs) -> u8 {
    with_runtime(global, &args.services, async |cx: Context| {
        let containers: Vec<&ObservedContainer> =
            session::selected(&cx.observed, &args.services).collect();
        for service in &args.services {
            if !containers.iter().any(|c| c.service() == Some(service)) {
                eprintln!("error: service `{service}` has no container to start");
                return exit::FAILURE;
            }
        }
        let stopped: Vec<&ObservedContainer> =
            containers.into_iter().filter(|c| !c.is_running()).collect();
        let mut plan = Plan::default();
        push_starts(
            &mut plan,
            cx.desired.as_ref(),
            &cx.observed,
            &stopped,
            &BTreeMap::new(),
        );
        run_plan(
            global,
            &cx.engine,
            &cx.interrupt,
            &plan,
            "start",
            OnError::CancelPending,
            strict,
        )
        .await
    })
}

pub fn stop(global: &GlobalOptions, args: &StopArgs) -> u8 {
    with_runtime(global, &args.services, async |cx: Context| {
        let plan = stop_plan(
            cx.desired.as_ref(),
            &cx.observed,
            &args.services,
            args.timeout.map(Duration::from_secs),
        );
        run_plan(
            global,
            &cx.engine,
            &cx.interrupt,
            &plan,
            "stop",
            OnError::ContinueIndependent,
            strict,
        )
        .await
    })
}

pub fn restart(global: &GlobalOptions, args: &RestartArgs) -> u8 {
    with_runtime(global, &args.services, async |cx: Context| {
        // The named services, and (unless --no-deps) the services that depend on them, which
        // docker compose restarts too.
        let mut services: Vec<String> = args.services.clone();
        if !args.services.is_empty() && !args.no_deps {
            let depends_on = crate::plan::dependency_map(cx.desired.as_ref(), &cx.observed);
            let mut grew = true;
            while grew {
                grew = false;
                for (dependent, on) in &depends_on {
                    if !services.contains(dependent) && on.iter().any(|s| services.contains(s)) {
                        services.push(dependent.clone());
                        grew = true;
                    }
                }
            }
        }
        let mut plan = stop_plan(
            cx.desired.as_ref(),
            &cx.observed,
            &services,
            args.timeout.map(Duration::from_secs),
        );
        let stops: BTreeMap<String, OpId> = plan
            .ops
            .iter()
            .filter_map(|op| match &op.action {
                Action::StopContainer { container, .. } => Some((container.name.clone(), op.id)),
                _ => None,
            })
            .collect();
        let containers: Vec<&ObservedContainer> =
            session::selected(&cx.observed, &services).collect();
        push_starts(
            &mut plan,
            cx.desired.as_ref(),
            &cx.observed,
            &containers,
            &stops,
        );
        run_plan(
            global,
            &cx.engine,
            &cx.interrupt,
            &plan,
            "restart",
            OnError::CancelPending,
            strict,
        )
        .await
    })
}

pub fn rm(global: &GlobalOptions, args: &RmArgs) -> u8 {
    with_runtime(global, &args.services, async |cx: Context| {
        let containers: Vec<&ObservedContainer> =
            session::selected(&cx.observed, &args.services).collect();
        let mut plan = if args.stop {
            stop_plan(cx.desired.as_ref(), &cx.observed, &args.services, None)
        } else {
            Plan::default()
        };
        let stops: BTreeMap<String, OpId> = plan
            .ops
            .iter()
            .filter_map(|op| match &op.action {
                Action::StopContainer { container, .. } => Some((container.name.clone(), op.id)),
                _ => None,
            })
            .collect();
        let removable: Vec<&ObservedContainer> = containers
            .into_iter()
            .filter(|c| !c.is_running() || stops.contains_key(&c.name))
            .collect();
        if removable.is_empty() {
            eprintln!("No stopped containers");
            return exit::OK;
        }
        for container in &removable {
            plan.push(
                Action::RemoveContainer {
                    container: ContainerRef {
                        name: container.name.clone(),
                        id: Some(container.id.clone()),
                    },
                    volumes: args.volumes,
                },
                Cause::Down,
                stops.get(&container.name).copied().into_iter().collect(),
            );
        }
        if !args.force && !global.dry_run {
            let names: Vec<&str> = removable.iter().map(|c| c.name.as_str()).collect();
            if !confirm(&format!("Going to remove {}", names.join(", "))) {
                return exit::OK;
            }
        }
        run_plan(
            global,
            &cx.engine,
            &cx.interrupt,
            &plan,
            "rm",
            OnError::ContinueIndependent,
            strict,
        )
        .await
    })
}

/// Asks on stderr, reads the answer from stdin; anything but `y`/`yes` (EOF included) is no.
fn confirm(question: &str) -> bool {
    let mut stderr = std::io::stderr();
    if std::io::stdin().is_terminal() {
        let _ = write!(stderr, "{question}\nAre you sure? [yN] ");
    } else {
        let _ = writeln!(stderr, "{question}");
    }
    let _ = stderr.flush();
    let mut answer = String::new();
    if std::io::stdin().lock().read_line(&mut answer).is_err() {
        return false;
    }
    matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes")
}

pub fn kill(global: &GlobalOptions, args: &KillArgs) -> u8 {
    with_runtime(global, &args.services, async |cx: Context| {
        let in_model = |c: &&ObservedContainer| match (&cx.desired, c.service()) {
            (Some(desired), Some(service)) => {
                desired.service(service).is_some() || cx.scope.inactive_services.contains(service)
            }
            _ => true,
        };
        let running: Vec<&ObservedContainer> = session::selected(&cx.observed, &args.services)
            .filter(|c| c.is_running())
            .filter(|c| args.remove_orphans || in_model(c))
            .collect();
        if global.dry_run {
            for container in &running {
                println!("kill container {} ({})", container.name, args.signal);
            }
            return exit::OK;
        }
        if running.is_empty() {
            eprintln!("no container to kill");
            return exit::OK;
        }
        let reporter = Reporter::new(global.progress, "Running");
        let results = join_all(running.iter().map(|container| {
            let reporter = &reporter;
            let engine = &cx.engine;
            let signal = args.signal.as_str();
            async move {
                reporter.update("Container", &container.name, "Killing", Mark::Working, None);
                match engine.kill_container(&container.id, Some(signal)).await {
                    Ok(()) => {
                        reporter.update("Container", &container.name, "Killed", Mark::Done, None);
                        Ok(())
                    }
                    Err(error) if error.is_not_found() => Ok(()),
                    Err(error) => {
                        reporter.update(
                            "Container",
                            &container.name,
                            "Error",
                            Mark::Failed,
                            Some(error.to_string()),
                        );
                        Err(error)
                    }
                }
            }
        }))
        .await;
        reporter.finish();
        let mut code = exit::OK;
        for error in results.into_iter().filter_map(Result::err) {
            eprintln!("error: {error}");
            code = exit::FAILURE;
        }
        if args.remove_orphans {
            let orphans: Vec<&ObservedContainer> = cx
                .observed
                .containers
                .iter()
                .filter(|c| !c.is_oneoff() && !in_model(c))
                .collect();
            let mut plan = Plan::default();
            for orphan in orphans {
                let stop = orphan.is_running().then(|| {
                    plan.push(
                        Action::StopContainer {
                            container: ContainerRef {
                                name: orphan.name.clone(),
                                id: Some(orphan.id.clone()),
                            },
                            timeout: None,
                        },
                        Cause::Orphan {
                            service: orphan.service().unwrap_or_default().to_string(),
                        },
                        Vec::new(),
                    )
                });
                plan.push(
                    Action::RemoveContainer {
                        container: ContainerRef {
                            name: orphan.name.clone(),
                            id: Some(orphan.id.clone()),
                        },
                        volumes: false,
                    },
                    Cause::Orphan {
                        service: orphan.service().unwrap_or_default().to_string(),
                    },
                    stop.into_iter().collect(),
                );
            }
            let removed = run_plan(
                global,
                &cx.engine,
                &cx.interrupt,
                &plan,
                "kill",
                OnError::ContinueIndependent,
                strict,
            )
            .await;
            if removed != exit::OK {
                code = removed;
            }
        }
        code
    })
}
