//! `rcompose build [SERVICE...]`, and the builds `up` makes: each service with a `build:`
//! section is built by the engine (classic builder), its output streamed to stdout with a
//! `service  | ` prefix, its progress (`Service web  Building` … `Built`) on stderr.
//! Independent builds run in parallel under `--parallel`; a service waits for the builds of the
//! services it depends on (its Dockerfile may start `FROM` their image). A failed build lets the
//! builds in flight finish, starts no other, and exits 1 with the engine's message.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};

use clap::Args;
use tokio::sync::{watch, Semaphore};

use super::engine_session as session;
use super::progress::{Mark, ProgressMode, Reporter};
use super::{exit, GlobalOptions};
use crate::build::context::{self, human_size};
use crate::build::{parse_build_arg, service_build, BuildOptions, ContextSource, ServiceBuild};
use crate::engine::{BuildEngine, BuildOutput};
use crate::project::Project;

#[derive(Debug, Args)]
pub struct BuildArgs {
    /// Services to build (default: every service with a `build` section)
    #[arg(value_name = "SERVICE")]
    services: Vec<String>,
    /// Do not use cache when building the image
    #[arg(long)]
    no_cache: bool,
    /// Always attempt to pull a newer version of the image
    #[arg(long)]
    pull: bool,
    /// Set build-time variables for services (`KEY=VALUE`; `KEY` alone takes the environment's)
    #[arg(long = "build-arg", value_name = "KEY=VALUE")]
    build_args: Vec<String>,
    /// Don't print anything to standard output
    #[arg(short = 'q', long)]
    quiet: bool,
}

pub fn run(global: &GlobalOptions, args: &BuildArgs) -> u8 {
    let mut options = BuildOptions {
        no_cache: args.no_cache,
        pull: args.pull,
        quiet: args.quiet,
        args: Vec::new(),
    };
    for text in &args.build_args {
        match parse_build_arg(text) {
            Ok(arg) => options.args.push(arg),
            Err(message) => {
                eprintln!("error: {message}");
                return exit::INVALID;
            }
        }
    }
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
    let builds = builds_of(project, |name| {
        args.services.is_empty() || args.services.iter().any(|s| s == name)
    });
    if builds.is_empty() {
        return exit::OK;
    }
    if global.dry_run {
        for build in &builds {
            eprintln!(
                "would build image `{}` for service `{}`",
                build.image, build.service
            );
        }
        return exit::OK;
    }
    let runtime = match session::runtime() {
        Ok(runtime) => runtime,
        Err(code) => return code,
    };
    runtime.block_on(async {
        let engine = match session::connect().await {
            Ok(engine) => engine,
            Err(code) => return code,
        };
        let mode = if args.quiet {
            ProgressMode::Quiet
        } else {
            global.progress
        };
        match build_all(
            &engine,
            project,
            builds,
            &options,
            session::concurrency(global),
            mode,
        )
        .await
        {
            Ok(_) => exit::OK,
            Err(code) => code,
        }
    })
}

/// The builds of the services `wanted` picks that have a `build` section, in the model's
/// order; one per image (two services building the same image build it once).
pub fn builds_of(project: &Project, wanted: impl Fn(&str) -> bool) -> Vec<ServiceBuild> {
    let mut images = BTreeSet::new();
    crate::model::services(&project.model)
        .filter(|(name, _)| wanted(name))
        .filter_map(|(name, service)| service_build(&project.name, name, service))
        .filter(|build| images.insert(build.image.clone()))
        .collect()
}

/// Builds `builds`, in parallel under `concurrency`, each after the builds of the services it
/// depends on. Returns the built image ids by service; on failure, prints the errors and gives
/// the exit code.
pub async fn build_all<E: BuildEngine>(
    engine: &E,
    project: &Project,
    builds: Vec<ServiceBuild>,
    options: &BuildOptions,
    concurrency: usize,
    mode: ProgressMode,
) -> Result<BTreeMap<String, String>, u8> {
    // The build output shares the terminal with the progress: one line per step, not redrawn.
    let mode = match mode {
        ProgressMode::Auto | ProgressMode::Tty => ProgressMode::Plain,
        other => other,
    };
    let reporter = Reporter::new(mode, "Building");
    let width = builds
        .iter()
        .map(|b| b.service.chars().count())
        .max()
        .unwrap_or(0);
    for build in &builds {
        for key in &build.unsupported {
            eprintln!(
                "warning: service `{}`: `build.{key}` is ignored: it needs BuildKit, and rcompose builds with the engine's classic builder",
                build.service
            );
        }
    }
    let building: BTreeSet<&str> = builds.iter().map(|b| b.service.as_str()).collect();
    let mut done_senders = BTreeMap::new();
    let mut done_receivers = BTreeMap::new();
    for build in &builds {
        let (sender, receiver) = watch::channel(None::<bool>);
        done_senders.insert(build.service.clone(), sender);
        done_receivers.insert(build.service.clone(), receiver);
    }
    let semaphore = Semaphore::new(concurrency.max(1));
    let failed = AtomicBool::new(false);
    let environment = |key: &str| std::env::var(key).ok();

    let tasks = builds.iter().map(|build| {
        let dependencies: Vec<watch::Receiver<Option<bool>>> =
            dependencies_of(project, &build.service)
                .into_iter()
                .filter(|d| building.contains(d.as_str()) && *d != build.service)
                .filter_map(|d| done_receivers.get(&d).cloned())
                .collect();
        let done = &done_senders[&build.service];
        let reporter = &reporter;
        let semaphore = &semaphore;
        let failed = &failed;
        let environment = &environment;
        async move {
            let mut ok = true;
            for mut dependency in dependencies {
                let result = dependency.wait_for(Option::is_some).await.map(|r| *r);
                if !matches!(result, Ok(Some(true))) {
                    ok = false;
                }
            }
            let result = if !ok || failed.load(Ordering::SeqCst) {
                reporter.update("Service", &build.service, "Skipped", Mark::Warning, None);
                Err(None)
            } else {
                let _permit = semaphore.acquire().await;
                if failed.load(Ordering::SeqCst) {
                    reporter.update("Service", &build.service, "Skipped", Mark::Warning, None);
                    Err(None)
                } else {
                    build_one(engine, build, options, width, reporter, environment)
                        .await
                        .map_err(Some)
                }
            };
            if result.is_err() {
                failed.store(true, Ordering::SeqCst);
            }
            let _ = done.send(Some(result.is_ok()));
            (build, result)
        }
    });
    let results = futures_util::future::join_all(tasks).await;
    reporter.finish();
    let mut built = BTreeMap::new();
    let mut errors = Vec::new();
    for (build, result) in results {
        match result {
            Ok(id) => {
                built.insert(build.service.clone(), id);
            }
            Err(Some(message)) => errors.push(message),
            Err(None) => {}
        }
    }
    if errors.is_empty() {
        Ok(built)
    } else {
        for message in errors {
            eprintln!("error: {message}");
        }
        Err(exit::FAILURE)
    }
}

/// What `service` depends on, directly or not (`depends_on` of the canonical model).
fn dependencies_of(project: &Project, service: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut queue = vec![service.to_string()];
    while let Some(name) = queue.pop() {
        let direct = project
            .model
            .get("services")
            .and_then(|services| services.get(&name))
            .and_then(|s| s.get("depends_on"))
            .and_then(serde_json::Value::as_object);
        for dependency in direct.into_iter().flat_map(|map| map.keys()) {
            if found.insert(dependency.clone()) {
                queue.push(dependency.clone());
            }
        }
    }
    found.remove(service);
    found
}

/// One build: the context, the engine call, the output with its prefix.
async fn build_one<E: BuildEngine>(
    engine: &E,
    build: &ServiceBuild,
    options: &BuildOptions,
    width: usize,
    reporter: &Reporter,
    environment: &(dyn Fn(&str) -> Option<String> + Sync),
) -> Result<String, String> {
    let name = &build.service;
    reporter.update("Service", name, "Building", Mark::Working, None);
    let fail = |message: String| {
        reporter.update("Service", name, "Error", Mark::Failed, None);
        message
    };
    let prefix = format!("{name:<width$}  | ");
    let mut printer = LinePrinter {
        prefix: prefix.clone(),
        pending: String::new(),
        quiet: options.quiet,
    };
    let (tar, dockerfile) = match &build.context {
        ContextSource::Folder(dir) => {
            let dir = dir.clone();
            let dockerfile = build.dockerfile.clone();
            let made = tokio::task::spawn_blocking(move || context::make(&dir, &dockerfile))
                .await
                .map_err(|error| fail(format!("service `{name}`: {error}")))?
                .map_err(|error| fail(format!("service `{name}`: {error}")))?;
            printer.text(&format!(
                "Sending build context to Docker daemon  {}\n",
                human_size(made.tar.len())
            ));
            (Some(made.tar), made.dockerfile)
        }
        ContextSource::Remote(_) => {
            let dockerfile = match &build.dockerfile {
                context::Dockerfile::Path(path) => path.to_string_lossy().into_owned(),
                context::Dockerfile::Inline(_) => {
                    return Err(fail(format!(
                        "service `{name}`: `dockerfile_inline` cannot be used with a remote context"
                    )))
                }
            };
            (None, dockerfile)
        }
    };
    let spec = build.spec(options, dockerfile, environment);
    let result = engine
        .build_image(&spec, tar, &mut |output| match output {
            BuildOutput::Text(text) => printer.text(&text),
            BuildOutput::Status(line) => printer.text(&format!("{line}\n")),
        })
        .await;
    printer.flush();
    match result {
        Ok(id) => {
            reporter.update("Service", name, "Built", Mark::Done, None);
            Ok(id)
        }
        Err(error) => Err(fail(
            error
                .with_context(format!(" for service `{name}`"))
                .to_string(),
        )),
    }
}

/// Prints whole lines of a build's output with the service's prefix.
struct LinePrinter {
    prefix: String,
    pending: String,
    quiet: bool,
}

impl LinePrinter {
    fn text(&mut self, text: &str) {
        if self.quiet {
            return;
        }
        self.pending.push_str(text);
        while let Some(end) = self.pending.find('\n') {
            let line: String = self.pending.drain(..=end).collect();
            self.print(line.trim_end_matches(['\n', '\r']));
        }
    }

    fn flush(&mut self) {
        if !self.quiet && !self.pending.is_empty() {
            let line = std::mem::take(&mut self.pending);
            self.print(line.trim_end_matches(['\n', '\r']));
        }
    }

    fn print(&self, line: &str) {
        // A progress bar's carriage returns: the last state of the line.
        let line = line.rsplit('\r').next().unwrap_or(line);
        let mut stdout = std::io::stdout().lock();
        let _ = writeln!(stdout, "{}{line}", self.prefix);
        let _ = stdout.flush();
    }
}
