//! `rcompose up [SERVICE...]`: load → connect → lock → observe → plan → preflight → execute,
//! then `--wait` for the services to be running (and healthy), or, without `-d`, attach to their
//! output.
//!
//! Images of services without `build:` that are missing are pulled first (every time with
//! `pull_policy: always`; never with `never`), as docker compose v2 does: a failed pull changes
//! nothing. Images of services with `build:` are built first when they are missing, always with `--build`
//! or `pull_policy: build`, never with `--no-build` (then a missing one is a preflight error);
//! the project is then observed and planned again, so a rebuilt image recreates the containers
//! that run the old one, as docker compose compares image ids.
//!
//! The preflight checks, before any change, what the engine would refuse half-way: every image
//! of a container to create is present or about to be pulled or built, the external
//! networks and volumes exist, the names of the containers and networks to create are free. A
//! failed preflight changes nothing. A failed run says what succeeded, what failed and what was
//! skipped; what succeeded stays, and a rerun converges.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use clap::Args;

use super::attach::{self, AttachOptions};
use super::engine_session::{self as session, Interrupt, Interruptible, INTERRUPTED};
use super::progress::{Mark, Reporter};
use super::timings::Timings;
use super::{exit, GlobalOptions};
use crate::build::ServiceBuild;
use crate::engine::{ContainerStatus, Engine, HealthStatus, ProjectFilter};
use crate::execute::{execute, ExecuteOptions};
use crate::plan::{
    desired_state, observe_for, reconcile, Action, Desired, Observed, Options, Plan,
};

#[derive(Debug, Args)]
pub struct UpArgs {
    /// Services to bring up (and, unless --no-deps, what they depend on); default: all
    #[arg(value_name = "SERVICE")]
    services: Vec<String>,
    /// Detached mode: run the containers in the background
    #[arg(short = 'd', long)]
    detach: bool,
    /// Recreate containers even if their configuration and image haven't changed
    #[arg(long, conflicts_with = "no_recreate")]
    force_recreate: bool,
    /// If containers already exist, don't recreate them
    #[arg(long)]
    no_recreate: bool,
    /// Don't start the services after creating them
    #[arg(long)]
    no_start: bool,
    /// Don't start linked services
    #[arg(long)]
    no_deps: bool,
    /// Remove containers for services not defined in the compose file
    #[arg(long)]
    remove_orphans: bool,
    /// Scale SERVICE to NUM instances (overrides `scale` and `deploy.replicas`); repeatable
    #[arg(long, value_name = "SERVICE=NUM")]
    scale: Vec<String>,
    /// Timeout in seconds for stopping containers that are recreated
    #[arg(short = 't', long, value_name = "SECONDS")]
    timeout: Option<u64>,
    /// Wait for services to be running (and healthy, when they have a health check); implies -d
    #[arg(long)]
    wait: bool,
    /// Maximum time in seconds to wait for the project to be running|healthy
    #[arg(long, value_name = "SECONDS")]
    wait_timeout: Option<u64>,
    /// Stop all containers if any container stops (incompatible with -d)
    #[arg(long)]
    abort_on_container_exit: bool,
    /// Stop all containers if any container exits with a failure (incompatible with -d)
    #[arg(long)]
    abort_on_container_failure: bool,
    /// Return the exit code of this service's container (implies --abort-on-container-exit)
    #[arg(long, value_name = "SERVICE")]
    exit_code_from: Option<String>,
    /// Produce monochrome output
    #[arg(long)]
    no_color: bool,
    /// Don't print a prefix in the logs
    #[arg(long)]
    no_log_prefix: bool,
    /// Show timestamps in the logs
    #[arg(long)]
    timestamps: bool,
    /// Build images before starting containers
    #[arg(long, conflicts_with = "no_build")]
    build: bool,
    /// Don't build an image, even if it's missing
    #[arg(long)]
    no_build: bool,
    /// Pull images before running, overriding every service's `pull_policy`
    #[arg(long, value_name = "POLICY", value_parser = super::pull_policy::parse, default_value = "policy")]
    pull: super::pull_policy::PullOverride,
    /// Pull without printing progress information
    #[arg(long)]
    quiet_pull: bool,
    /// Suppress the build output
    #[arg(long)]
    quiet_build: bool,
    /// Recreate anonymous volumes instead of retrieving data from the previous containers
    #[arg(short = 'V', long)]
    renew_anon_volumes: bool,
    /// Recreate dependent containers (incompatible with --no-recreate)
    #[arg(long)]
    always_recreate_deps: bool,
    /// Show the output of these services only (repeatable; incompatible with --attach-dependencies)
    #[arg(long, value_name = "SERVICE")]
    attach: Vec<String>,
    /// Show the output of the services the named ones depend on too
    #[arg(long)]
    attach_dependencies: bool,
    /// Don't show the output of these services (repeatable)
    #[arg(long, value_name = "SERVICE")]
    no_attach: Vec<String>,
    /// Assume "yes" as answer to all prompts and run non-interactively
    #[arg(short = 'y', long)]
    yes: bool,
}

pub fn run(global: &GlobalOptions, args: &UpArgs) -> u8 {
    let mut timings = Timings::start();
    let detach = args.detach || args.wait;
    let abort = args.abort_on_container_exit || args.exit_code_from.is_some();
    if detach && (abort || args.abort_on_container_failure) {
        eprintln!("error: --abort-on-container-exit, --abort-on-container-failure and --exit-code-from are incompatible with --detach and --wait");
        return exit::INVALID;
    }
    if detach && (!args.attach.is_empty() || args.attach_dependencies) {
        eprintln!("error: --detach cannot be combined with --attach or --attach-dependencies");
        return exit::INVALID;
    }
    if !args.attach.is_empty() && args.attach_dependencies {
        eprintln!("error: --attach and --attach-dependencies are incompatible");
        return exit::INVALID;
    }
    if args.always_recreate_deps && args.no_recreate {
        eprintln!("error: --always-recreate-deps and --no-recreate are incompatible");
        return exit::INVALID;
    }
    let scale = match parse_scale(&args.scale) {
        Ok(scale) => scale,
        Err(message) => {
            eprintln!("error: {message}");
            return exit::INVALID;
        }
    };
    let scope = match session::load_required(global) {
        Ok(scope) => scope,
        Err(code) => return code,
    };
    let Some(project) = &scope.project else {
        return exit::INVALID;
    };
    if let Err(code) = session::check_services(&scope, &args.services) {
        return code;
    }
    if let Some(service) = &args.exit_code_from {
        if let Err(code) = session::check_services(&scope, std::slice::from_ref(service)) {
            return code;
        }
    }
    let options = Options {
        force_recreate: args.force_recreate,
        no_recreate: args.no_recreate,
        no_start: args.no_start,
        no_deps: args.no_deps,
        remove_orphans: args.remove_orphans,
        scale,
        services: args.services.clone(),
        timeout: args.timeout.map(Duration::from_secs),
        wait_timeout: args.wait_timeout.map(Duration::from_secs),
        inactive_services: scope.inactive_services.clone(),
        always_recreate_deps: args.always_recreate_deps,
        renew_anon_volumes: args.renew_anon_volumes,
    };
    let runtime = match session::runtime() {
        Ok(runtime) => runtime,
        Err(code) => return code,
    };
    let desired = desired_state(project);
    timings.own("load");
    runtime.block_on(async {
        let interrupt = Interrupt::install();
        let engine = match session::connect().await {
            Ok(engine) => engine,
            Err(code) => return code,
        };
        timings.engine("connect", engine.calls());
        let lock = match session::lock_unless_dry_run(global, &scope.name, &interrupt).await {
            Ok(lock) => lock,
            Err(code) => return code,
        };
        timings.own("lock");
        // Log output of this run only, when attaching: from a second before it started.
        let since = unix_now().saturating_sub(1);
        let observed = match observe_for(&engine, &desired).await {
            Ok(observed) => observed,
            Err(error) => {
                eprintln!("error: {error}");
                return exit::FAILURE;
            }
        };
        timings.engine("observe", engine.calls());
        let mut plan = reconcile(&desired, &observed, &options);
        timings.own("plan");
        let (builds, mut problems, mut unchecked) =
            images_to_build(project, &desired, &observed, &options, args);
        unchecked.extend(builds.iter().map(|(build, _)| build.image.clone()));
        let pulls = super::pull::images_for_up(
            project,
            &selection(&desired, &options),
            args.pull,
            &|image| observed.images.contains_key(image),
        );
        unchecked.extend(pulls.iter().map(|(_, image, _)| image.clone()));
        problems.extend(preflight(&engine, &desired, &observed, &plan, &unchecked).await);
        timings.engine("preflight", engine.calls());
        if global.dry_run {
            timings.print();
            for (service, image, _) in &pulls {
                println!("pull image {image} (service {service})");
            }
            for (build, cause) in &builds {
                println!(
                    "build image {} (service {}): {cause}",
                    build.image, build.service
                );
            }
            print!("{}", plan.render());
            for problem in &problems {
                if !plan.errors.contains(problem) {
                    eprintln!("error: {problem}");
                }
            }
            if plan.is_empty() && problems.is_empty() && builds.is_empty() {
                eprintln!("nothing to do: the project is up to date");
            }
            return if problems.is_empty() {
                exit::OK
            } else {
                exit::FAILURE
            };
        }
        if !problems.is_empty() {
            for problem in &problems {
                eprintln!("error: {problem}");
            }
            eprintln!("nothing was changed");
            return exit::FAILURE;
        }
        if !pulls.is_empty() {
            let reporter = Reporter::new(quiet_if(global.progress, args.quiet_pull), "Pulling");
            let failures = tokio::select! {
                failures = super::pull::pull_all(
                    &engine,
                    &reporter,
                    &pulls,
                    session::concurrency(global),
                ) => failures,
                _ = interrupt.reached(1) => return INTERRUPTED,
            };
            reporter.finish();
            if !failures.is_empty() {
                for failure in &failures {
                    eprintln!("error: {failure}");
                }
                eprintln!("nothing was changed");
                return exit::FAILURE;
            }
        }
        let mut observed = observed;
        if !builds.is_empty() || !pulls.is_empty() {
            if !builds.is_empty() {
                let builds = builds.into_iter().map(|(build, _)| build).collect();
                let build_options = crate::build::BuildOptions::default();
                let built = tokio::select! {
                    built = super::build::build_all(
                        &engine,
                        project,
                        builds,
                        &build_options,
                        session::concurrency(global),
                        quiet_if(global.progress, args.quiet_build),
                    ) => built,
                    _ = interrupt.reached(1) => return INTERRUPTED,
                };
                if let Err(code) = built {
                    eprintln!("no container was changed");
                    return code;
                }
            }
            // The new images: a container running an older one is recreated.
            observed = match observe_for(&engine, &desired).await {
                Ok(observed) => observed,
                Err(error) => {
                    eprintln!("error: {error}");
                    return exit::FAILURE;
                }
            };
            plan = reconcile(&desired, &observed, &options);
            let problems = preflight(&engine, &desired, &observed, &plan, &BTreeSet::new()).await;
            if !problems.is_empty() {
                for problem in &problems {
                    eprintln!("error: {problem}");
                }
                eprintln!("no container was changed");
                return exit::FAILURE;
            }
        }
        for warning in &plan.warnings {
            eprintln!("warning: {warning}");
        }

        let reporter = Reporter::new(global.progress, "Running");
        report_kept(&reporter, &observed, &plan, &selection(&desired, &options));
        let wrapped = Interruptible {
            inner: &engine,
            interrupt: interrupt.clone(),
        };
        let execute_options = ExecuteOptions {
            concurrency: session::concurrency(global),
            ..ExecuteOptions::default()
        };
        let report = execute(&wrapped, &plan, &execute_options, &reporter).await;
        timings.engine("execute", engine.calls());
        if interrupt.is_interrupted() {
            reporter.finish();
            timings.print();
            session::print_summary("up", &report, true);
            return INTERRUPTED;
        }
        if !report.is_success() {
            reporter.finish();
            timings.print();
            session::print_summary("up", &report, false);
            return exit::FAILURE;
        }
        // Waiting and attaching only read: another command (a `down` from another terminal)
        // may change the project meanwhile.
        drop(lock);
        let selected = selection(&desired, &options);
        if args.wait {
            let timeout = args.wait_timeout.map(Duration::from_secs);
            let result = wait_ready(
                &wrapped, &desired, &selected, timeout, &reporter, &interrupt,
            )
            .await;
            reporter.finish();
            timings.engine("wait", engine.calls());
            timings.print();
            return match result {
                Ok(()) => exit::OK,
                Err(_) if interrupt.is_interrupted() => INTERRUPTED,
                Err(message) => {
                    eprintln!("error: {message}");
                    exit::FAILURE
                }
            };
        }
        reporter.finish();
        // Attached, the line comes before the logs.
        timings.print();
        if detach || args.no_start {
            return exit::OK;
        }
        let attach_options = AttachOptions {
            services: attached_services(args, &selected),
            stop_services: selected.iter().cloned().collect(),
            abort_on_exit: abort,
            abort_on_failure: args.abort_on_container_failure,
            exit_code_from: args.exit_code_from.clone(),
            color: !args.no_color,
            prefix: !args.no_log_prefix,
            timestamps: args.timestamps,
            timeout: options.timeout,
            since,
            progress: global.progress,
            concurrency: session::concurrency(global),
        };
        attach::attach(&engine, &desired, &attach_options, &interrupt).await
    })
}

/// The services whose output `up` shows, as docker compose picks them: those of `--attach`, or
/// the named ones (all when none is; with `--attach-dependencies`, what they depend on too),
/// less those of `--no-attach`.
fn attached_services(args: &UpArgs, selected: &BTreeSet<String>) -> Vec<String> {
    let shown: BTreeSet<String> = if !args.attach.is_empty() {
        args.attach.iter().cloned().collect()
    } else if args.services.is_empty() || args.attach_dependencies {
        selected.clone()
    } else {
        args.services.iter().cloned().collect()
    };
    shown
        .into_iter()
        .filter(|service| !args.no_attach.contains(service))
        .collect()
}

/// `--quiet-pull`, `--quiet-build`: that step's progress is not shown.
fn quiet_if(mode: super::progress::ProgressMode, quiet: bool) -> super::progress::ProgressMode {
    if quiet {
        super::progress::ProgressMode::Quiet
    } else {
        mode
    }
}

fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// `--scale web=3` → `{web: 3}`.
pub fn parse_scale(items: &[String]) -> Result<BTreeMap<String, usize>, String> {
    let mut scale = BTreeMap::new();
    for item in items {
        let parsed = item
            .split_once('=')
            .and_then(|(service, n)| Some((service.trim(), n.trim().parse::<usize>().ok()?)))
            .filter(|(service, _)| !service.is_empty());
        match parsed {
            Some((service, n)) => {
                scale.insert(service.to_string(), n);
            }
            None => {
                return Err(format!(
                    "invalid --scale `{item}`: expected SERVICE=NUM, e.g. `web=3`"
                ))
            }
        }
    }
    Ok(scale)
}

/// The services `up` works on: the named ones and (unless `--no-deps`) what they depend on or
/// are bound to; all when none is named.
pub fn selection(desired: &Desired, options: &Options) -> BTreeSet<String> {
    if options.services.is_empty() {
        return desired.services.iter().map(|s| s.name.clone()).collect();
    }
    let mut selected = BTreeSet::new();
    let mut queue: Vec<String> = options.services.clone();
    while let Some(name) = queue.pop() {
        let Some(service) = desired.service(&name) else {
            continue;
        };
        if !selected.insert(name.clone()) || options.no_deps {
            continue;
        }
        queue.extend(service.depends_on.iter().map(|d| d.service.clone()));
        queue.extend(service.references.bound_to().into_iter().map(|(s, _)| s));
    }
    selected
}

/// The images `up` builds before it changes anything, each with why: those of the selected
/// services with `build:` that are missing, or all of them with `--build` or `pull_policy:
/// build`. With `--no-build`, none, and a missing one is a problem (the second value; the third
/// holds the images so reported).
fn images_to_build(
    project: &crate::project::Project,
    desired: &Desired,
    observed: &Observed,
    options: &Options,
    args: &UpArgs,
) -> (
    Vec<(ServiceBuild, &'static str)>,
    Vec<String>,
    BTreeSet<String>,
) {
    let selected = selection(desired, options);
    let mut builds = Vec::new();
    let mut problems = Vec::new();
    let mut reported = BTreeSet::new();
    for build in super::build::builds_of(project, |name| selected.contains(name)) {
        let missing = !observed.images.contains_key(&build.image);
        let always = project
            .model
            .get("services")
            .and_then(|services| services.get(&build.service))
            .is_some_and(|service| args.pull.always_builds(service));
        if args.no_build {
            if missing {
                problems.push(format!(
                    "image `{}` (service `{}`) is not present in the engine, and `--no-build` forbids building it: run `rcompose build {}` first",
                    build.image, build.service, build.service
                ));
                reported.insert(build.image.clone());
            }
            continue;
        }
        let cause = if missing {
            "missing"
        } else if args.build {
            "--build"
        } else if always {
            "pull_policy: build"
        } else {
            continue;
        };
        builds.push((build, cause));
    }
    (builds, problems, reported)
}

/// What the engine would refuse half-way, found before any change: the plan's own errors
/// (external networks and volumes that do not exist, unknown services), missing images (but
/// those in `unchecked`: about to be built, or already reported), and
/// container and network names taken by objects that are not the project's.
pub async fn preflight<E: Engine>(
    engine: &E,
    desired: &Desired,
    observed: &Observed,
    plan: &Plan,
    unchecked: &BTreeSet<String>,
) -> Vec<String> {
    let mut problems: Vec<String> = plan.errors.clone();
    let mut images_named: BTreeSet<String> = BTreeSet::new();
    // A network whose configuration changed is removed before it is created again.
    let recreated_networks: BTreeSet<&str> = plan
        .ops
        .iter()
        .filter_map(|op| match &op.action {
            Action::RemoveNetwork { name } => Some(name.as_str()),
            _ => None,
        })
        .collect();
    // The names to create that are not the project's containers: one call for them all.
    let foreign_names: Vec<String> = plan
        .ops
        .iter()
        .filter_map(|op| match &op.action {
            Action::CreateContainer { spec, .. }
                if !observed.containers.iter().any(|c| c.name == spec.name) =>
            {
                Some(spec.name.clone())
            }
            _ => None,
        })
        .collect();
    let taken = if foreign_names.is_empty() {
        Vec::new()
    } else {
        match engine.containers_named(&foreign_names).await {
            Ok(taken) => taken,
            Err(error) => {
                problems.push(error.to_string());
                Vec::new()
            }
        }
    };
    for op in &plan.ops {
        match &op.action {
            Action::CreateContainer { service, spec, .. } => {
                let image = desired
                    .service(service)
                    .map_or(spec.image.as_str(), |s| s.image.as_str());
                if !observed.images.contains_key(image)
                    && !unchecked.contains(image)
                    && images_named.insert(image.to_string())
                {
                    problems.push(format!(
                        "image `{image}` (service `{service}`) is not present in the engine and its `pull_policy` forbids pulling it: pull or build it first (e.g. `docker pull {image}`)"
                    ));
                }
                let ours = observed.containers.iter().any(|c| c.name == spec.name);
                if let Some(found) = taken.iter().find(|c| !ours && c.name == spec.name) {
                    let owner = found
                        .labels
                        .get(crate::engine::PROJECT_LABEL)
                        .map_or("no project".to_string(), |p| format!("project `{p}`"));
                    problems.push(format!(
                        "container name `{}` (service `{service}`) is already in use by container {} of {owner}: remove or rename that container, or set another `container_name`",
                        spec.name,
                        short_id(&found.id)
                    ));
                }
            }
            Action::CreateNetwork(spec) if recreated_networks.contains(spec.name.as_str()) => {}
            Action::CreateNetwork(spec) => match engine.inspect_network(&spec.name).await {
                Ok(found) => {
                    let owner = found
                        .labels
                        .get(crate::engine::PROJECT_LABEL)
                        .map_or("no project".to_string(), |p| format!("project `{p}`"));
                    problems.push(format!(
                        "network `{}` already exists and belongs to {owner}, not to project `{}`: remove it, or declare it `external: true`",
                        spec.name, desired.project
                    ));
                }
                Err(error) if error.is_not_found() => {}
                Err(error) => problems.push(error.to_string()),
            },
            _ => {}
        }
    }
    problems
}

/// `Container p-db-1  Running` for the running containers the plan leaves alone, as docker
/// compose says.
pub fn report_kept(
    reporter: &Reporter,
    observed: &Observed,
    plan: &Plan,
    selected: &BTreeSet<String>,
) {
    let touched: BTreeSet<&str> = plan
        .ops
        .iter()
        .filter_map(|op| match &op.action {
            Action::CreateContainer { spec, .. } => Some(spec.name.as_str()),
            Action::StartContainer { container }
            | Action::StopContainer { container, .. }
            | Action::RemoveContainer { container, .. } => Some(container.name.as_str()),
            Action::ConnectNetwork { container, .. } => Some(container.as_str()),
            _ => None,
        })
        .collect();
    for container in observed.containers.iter().filter(|c| {
        !c.is_oneoff()
            && c.is_running()
            && c.service().is_some_and(|s| selected.contains(s))
            && !touched.contains(c.name.as_str())
    }) {
        reporter.update("Container", &container.name, "Running", Mark::Done, None);
    }
}

pub fn short_id(id: &str) -> &str {
    id.get(..12).unwrap_or(id)
}

/// `--wait`: polls the selected services' containers until each runs (and is healthy, with a
/// health check). A container that exits fails the wait, unless it exited 0 and a service waits
/// for it to complete.
async fn wait_ready<E: Engine>(
    engine: &E,
    desired: &Desired,
    selected: &BTreeSet<String>,
    timeout: Option<Duration>,
    reporter: &Reporter,
    interrupt: &Interrupt,
) -> Result<(), String> {
    let deadline = timeout.map(|t| Instant::now() + t);
    let completes: BTreeSet<&str> = desired
        .services
        .iter()
        .flat_map(|s| &s.depends_on)
        .filter(|d| d.condition == crate::plan::Condition::CompletedSuccessfully)
        .map(|d| d.service.as_str())
        .collect();
    let filter = ProjectFilter::new(&desired.project);
    let mut announced: BTreeSet<String> = BTreeSet::new();
    let mut ready: BTreeSet<String> = BTreeSet::new();
    loop {
        let containers = engine
            .list_containers(&filter)
            .await
            .map_err(|e| e.to_string())?;
        let mut pending = false;
        for container in containers.iter().filter(|c| {
            c.labels
                .get(crate::plan::labels::ONEOFF)
                .map(String::as_str)
                != Some("True")
                && c.labels
                    .get(crate::plan::labels::SERVICE)
                    .is_some_and(|s| selected.contains(s))
        }) {
            if ready.contains(&container.name) {
                continue;
            }
            let service = container
                .labels
                .get(crate::plan::labels::SERVICE)
                .cloned()
                .unwrap_or_default();
            if announced.insert(container.name.clone()) {
                reporter.update("Container", &container.name, "Waiting", Mark::Working, None);
            }
            let info = engine
                .inspect_container(&container.id)
                .await
                .map_err(|e| e.to_string())?;
            let fail = |message: String| {
                reporter.update(
                    "Container",
                    &container.name,
                    "Error",
                    Mark::Failed,
                    Some(message.clone()),
                );
                Err(message)
            };
            match info.state.status {
                ContainerStatus::Exited | ContainerStatus::Dead => {
                    if info.state.exit_code == 0 && completes.contains(service.as_str()) {
                        reporter.update("Container", &container.name, "Exited", Mark::Done, None);
                        ready.insert(container.name.clone());
                    } else {
                        return fail(format!(
                            "container `{}` exited ({})",
                            container.name, info.state.exit_code
                        ));
                    }
                }
                ContainerStatus::Running => match info.state.health.map(|h| h.status) {
                    None => {
                        reporter.update("Container", &container.name, "Running", Mark::Done, None);
                        ready.insert(container.name.clone());
                    }
                    Some(HealthStatus::Healthy) => {
                        reporter.update("Container", &container.name, "Healthy", Mark::Done, None);
                        ready.insert(container.name.clone());
                    }
                    Some(HealthStatus::Unhealthy) => {
                        return fail(format!("container `{}` is unhealthy", container.name));
                    }
                    Some(HealthStatus::Starting) => pending = true,
                },
                _ => pending = true,
            }
        }
        if !pending {
            return Ok(());
        }
        let mut pause = Duration::from_millis(500);
        if let Some(deadline) = deadline {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(format!(
                    "timed out after {}s waiting for the project to be running and healthy",
                    timeout.unwrap_or_default().as_secs()
                ));
            }
            pause = pause.min(left);
        }
        tokio::select! {
            _ = tokio::time::sleep(pause) => {}
            _ = interrupt.reached(1) => return Err("interrupted".to_string()),
        }
    }
}
