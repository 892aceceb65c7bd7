//! `rcompose run SERVICE [COMMAND...]`: a one-off container of a service, as `docker compose run`
//! makes it: named `<project>-<service>-run-<12 hex>`, labelled `com.docker.compose.oneoff=True`
//! with a `com.docker.compose.slug`, without the service's ports (unless `--service-ports` or
//! `-p`), restart policy or network aliases (unless `--use-aliases`). The services it depends
//! on are brought up first by `up`'s planner and executor (`--no-deps`: not). Attached, its output
//! and exit code are rcompose's, stdin is forwarded, Ctrl-C is passed on as SIGINT (a second one
//! kills it); `-d` starts it and prints its id; `--rm` removes it once it exited.
//!
//! `up` leaves one-off containers alone (neither replicas nor orphans), `ps` lists them, `down`
//! removes them.

use std::path::Path;
use std::time::{Duration, Instant};

use clap::Args;
use serde_json::{json, Value as J};

use super::engine_session::{self as session, Interrupt, Interruptible, INTERRUPTED};
use super::interactive::{self, RawTerminal};
use super::progress::Reporter;
use super::up::{preflight, report_kept, selection};
use super::{exit, GlobalOptions};
use crate::engine::exec::ExecEngine;
use crate::engine::{
    ContainerSpec, DockerEngine, Engine, HealthStatus, Mount, MountKind, RemoveContainerOptions,
    WaitCondition,
};
use crate::execute::{execute, ExecuteOptions};
use crate::plan::{
    desired_state, labels, observe, observe_for, reconcile, Condition, Desired, DesiredService,
    Options, ProjectContext,
};
use crate::project::Project;

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Run the container in the background and print its id
    #[arg(short = 'd', long)]
    detach: bool,
    /// Remove the container when it exits
    #[arg(long)]
    rm: bool,
    /// Set environment variables (repeatable): KEY=VAL, or KEY to take it from here
    #[arg(short = 'e', long = "env", value_name = "KEY=VAL")]
    env: Vec<String>,
    /// Set environment variables from a file (repeatable; `-e` wins)
    #[arg(long, value_name = "FILE")]
    env_from_file: Vec<String>,
    /// Don't print the progress of bringing the dependencies up (the container's output is
    /// printed still, as docker compose does)
    #[arg(short = 'q', long)]
    quiet: bool,
    /// Add a Linux capability (repeatable)
    #[arg(long, value_name = "CAP")]
    cap_add: Vec<String>,
    /// Drop a Linux capability (repeatable)
    #[arg(long, value_name = "CAP")]
    cap_drop: Vec<String>,
    /// Add or override a label (repeatable)
    #[arg(short = 'l', long = "label", value_name = "KEY=VAL")]
    labels: Vec<String>,
    /// Publish a container's port to the host (repeatable; `-p` works too, as in docker compose)
    #[arg(long = "publish", value_name = "[IP:][HOST:]CONTAINER[/PROTOCOL]")]
    publish: Vec<String>,
    /// Run with the service's ports published to the host
    #[arg(short = 'P', long)]
    service_ports: bool,
    /// Don't start the services the service depends on
    #[arg(long)]
    no_deps: bool,
    /// Override the entrypoint of the image
    #[arg(long, value_name = "CMD")]
    entrypoint: Option<String>,
    /// Bind mount a volume (repeatable): SOURCE:TARGET[:MODE], or TARGET for an anonymous one
    #[arg(short = 'v', long = "volume", value_name = "VOLUME")]
    volumes: Vec<String>,
    /// Working directory inside the container
    #[arg(short = 'w', long, value_name = "DIR")]
    workdir: Option<String>,
    /// Run as this user (name or uid, optionally :group)
    #[arg(short = 'u', long, value_name = "USER")]
    user: Option<String>,
    /// Assign a name to the container
    #[arg(long, value_name = "NAME")]
    name: Option<String>,
    /// Disable pseudo-TTY allocation (by default one is allocated when stdin is a terminal)
    #[arg(short = 'T', long = "no-TTY", alias = "no-tty")]
    no_tty: bool,
    /// Keep STDIN open (the default; accepted for compatibility)
    #[arg(short = 'i', long)]
    interactive: bool,
    /// Use the service's network aliases in the network(s) the container joins
    #[arg(long)]
    use_aliases: bool,
    /// Remove containers for services not defined in the compose file
    #[arg(long)]
    remove_orphans: bool,
    /// The service
    #[arg(value_name = "SERVICE")]
    service: String,
    /// The command and its arguments (default: the service's)
    #[arg(
        value_name = "COMMAND",
        trailing_var_arg = true,
        allow_hyphen_values = true
    )]
    command: Vec<String>,
}

/// How long a dependency may take to become healthy or complete before `run` gives up.
const DEPENDENCY_TIMEOUT: Duration = Duration::from_secs(300);

pub fn run(global: &GlobalOptions, args: &RunArgs) -> u8 {
    let scope = match session::load_required(global) {
        Ok(scope) => scope,
        Err(code) => return code,
    };
    let Some(project) = &scope.project else {
        return exit::INVALID;
    };
    if let Err(code) = session::check_services(&scope, std::slice::from_ref(&args.service)) {
        return code;
    }
    let oneoff = match oneoff_service(project, args) {
        Ok(service) => service,
        Err(message) => {
            eprintln!("error: {message}");
            return exit::INVALID;
        }
    };
    let runtime = match session::runtime() {
        Ok(runtime) => runtime,
        Err(code) => return code,
    };
    let desired = desired_state(project);
    let tty = !args.no_tty && !args.detach && interactive::stdin_is_terminal();
    runtime.block_on(async {
        let interrupt = Interrupt::install();
        let engine = match session::connect().await {
            Ok(engine) => engine,
            Err(code) => return code,
        };
        let lock = match session::lock_unless_dry_run(global, &scope.name, &interrupt).await {
            Ok(lock) => lock,
            Err(code) => return code,
        };
        if let Err(code) =
            start_dependencies(&engine, global, &desired, &oneoff, args, &interrupt).await
        {
            return code;
        }
        drop(lock);
        if global.dry_run {
            println!(
                "then: create and start a one-off container of service `{}`{}",
                args.service,
                if args.detach { "" } else { ", attached" }
            );
            return exit::OK;
        }

        let observed = match observe(&engine, &desired.project).await {
            Ok(observed) => observed,
            Err(error) => {
                eprintln!("error: {error}");
                return exit::FAILURE;
            }
        };
        let peers = |service: &str| -> Vec<(String, u32)> {
            observed
                .service_containers(service)
                .map(|c| (c.name.clone(), c.number().unwrap_or(1)))
                .collect()
        };
        let spec = match container_spec(project, &oneoff, args, tty, &peers) {
            Ok(mut spec) => {
                if let Ok(image) = engine.inspect_image(&oneoff.image).await {
                    spec.labels.insert(labels::IMAGE.to_string(), image.id);
                }
                spec
            }
            Err(message) => {
                eprintln!("error: {message}");
                return exit::FAILURE;
            }
        };
        let id = match engine.create_container(&spec).await {
            Ok(id) => id,
            Err(error) => {
                eprintln!("error: {error}");
                return exit::FAILURE;
            }
        };
        if args.detach {
            if let Err(error) = engine.start_container(&id).await {
                eprintln!("error: {error}");
                return exit::FAILURE;
            }
            println!("{id}");
            return exit::OK;
        }
        let code = run_attached(&engine, &id, tty, &interrupt).await;
        if args.rm {
            let options = RemoveContainerOptions {
                force: true,
                volumes: true,
            };
            if let Err(error) = engine.remove_container(&id, options).await {
                if !error.is_not_found() {
                    eprintln!("error: {error}");
                }
            }
        }
        code
    })
}

/// The service as `run` changes it: the command, entrypoint, environment, user, working
/// directory, labels and ports of the command line; no restart policy; a TTY and stdin open.
fn oneoff_service(project: &Project, args: &RunArgs) -> Result<DesiredService, String> {
    let mut service = crate::model::services(&project.model)
        .find(|(name, _)| **name == args.service)
        .map(|(_, service)| service.clone())
        .unwrap_or_else(|| json!({}));
    let Some(object) = service.as_object_mut() else {
        return Err(format!("service `{}` is not a mapping", args.service));
    };
    if !args.command.is_empty() {
        object.insert("command".to_string(), json!(args.command));
    }
    if let Some(entrypoint) = &args.entrypoint {
        object.insert("entrypoint".to_string(), json!(shell_words(entrypoint)?));
    }
    for (key, values) in [("cap_add", &args.cap_add), ("cap_drop", &args.cap_drop)] {
        if !values.is_empty() {
            let list = object
                .entry(key)
                .or_insert_with(|| json!([]))
                .as_array_mut()
                .ok_or_else(|| format!("the service's {key} is not a list"))?;
            list.extend(values.iter().map(|v| json!(v)));
        }
    }
    let mut from_files = indexmap::IndexMap::new();
    for file in &args.env_from_file {
        let text = std::fs::read_to_string(file)
            .map_err(|error| format!("--env-from-file: reading `{file}`: {error}"))?;
        crate::project::dotenv::parse_into(&text, &|key| std::env::var(key).ok(), &mut from_files)
            .map_err(|error| {
                format!(
                    "--env-from-file: `{file}` line {}: {}",
                    error.line, error.message
                )
            })?;
    }
    if !args.env.is_empty() || !from_files.is_empty() {
        let environment = object
            .entry("environment")
            .or_insert_with(|| json!({}))
            .as_object_mut()
            .ok_or("the service's environment is not a mapping")?;
        for (key, value) in &from_files {
            environment.insert(key.clone(), json!(value));
        }
    }
    if !args.env.is_empty() {
        let environment = object
            .entry("environment")
            .or_insert_with(|| json!({}))
            .as_object_mut()
            .ok_or("the service's environment is not a mapping")?;
        for item in interactive::environment(&args.env) {
            let (key, value) = item.split_once('=').unwrap_or((&item, ""));
            environment.insert(key.to_string(), json!(value));
        }
    }
    if let Some(user) = &args.user {
        object.insert("user".to_string(), json!(user));
    }
    if let Some(workdir) = &args.workdir {
        object.insert("working_dir".to_string(), json!(workdir));
    }
    if !args.labels.is_empty() {
        let labels = object
            .entry("labels")
            .or_insert_with(|| json!({}))
            .as_object_mut()
            .ok_or("the service's labels are not a mapping")?;
        for item in &args.labels {
            let (key, value) = item.split_once('=').unwrap_or((item, ""));
            labels.insert(key.to_string(), json!(value));
        }
    }
    let mut ports: Vec<J> = if args.service_ports {
        object
            .get("ports")
            .and_then(J::as_array)
            .cloned()
            .unwrap_or_default()
    } else {
        Vec::new()
    };
    for publish in &args.publish {
        ports.extend(
            crate::project::canonical::ports::parse_short(publish)
                .map_err(|message| format!("-p/--publish: {message}"))?,
        );
    }
    object.insert("ports".to_string(), J::Array(ports));
    object.remove("restart");
    object.remove("container_name");
    object.remove("scale");

    let config_files = crate::plan::config_files_label(project);
    let context = ProjectContext {
        name: &project.name,
        working_dir: &project.working_dir,
        config_files: &config_files,
        model: &project.model,
        environment: &project.environment,
    };
    let mut errors = Vec::new();
    let mut warnings = Vec::new();
    let oneoff = DesiredService::from_model(
        &context,
        &args.service,
        &service,
        &mut errors,
        &mut warnings,
    );
    for warning in warnings {
        eprintln!("warning: {warning}");
    }
    match errors.first() {
        Some(error) => Err(error.clone()),
        None => Ok(oneoff),
    }
}

/// Brings up what the service depends on (unless `--no-deps`) and the networks and volumes it
/// uses, with `up`'s planner: the service itself gets no replica, its containers are left alone.
async fn start_dependencies(
    engine: &DockerEngine,
    global: &GlobalOptions,
    desired: &Desired,
    oneoff: &DesiredService,
    args: &RunArgs,
    interrupt: &Interrupt,
) -> Result<(), u8> {
    let mut observed = observe_for(engine, desired).await.map_err(|error| {
        eprintln!("error: {error}");
        exit::FAILURE
    })?;
    let mut without_service = desired.clone();
    for service in &mut without_service.services {
        if service.name == args.service {
            service.replicas = 0;
        }
    }
    let options = Options {
        no_deps: args.no_deps,
        remove_orphans: args.remove_orphans,
        services: vec![args.service.clone()],
        ..Options::default()
    };
    // The service's own containers stay as they are: not scaled down to the 0 replicas above.
    observed
        .containers
        .retain(|c| c.is_oneoff() || c.service() != Some(args.service.as_str()));
    let plan = reconcile(&without_service, &observed, &options);
    let mut problems = preflight(
        engine,
        &without_service,
        &observed,
        &plan,
        &std::collections::BTreeSet::new(),
    )
    .await;
    if !observed.images.contains_key(&oneoff.image) {
        problems.push(format!(
            "image `{}` (service `{}`) is not present in the engine: rcompose neither pulls nor builds images yet; pull or build it first (e.g. `docker pull {}`)",
            oneoff.image, args.service, oneoff.image
        ));
    }
    if global.dry_run {
        print!("{}", plan.render());
        for problem in &problems {
            eprintln!("error: {problem}");
        }
        return if problems.is_empty() {
            Ok(())
        } else {
            Err(exit::FAILURE)
        };
    }
    if !problems.is_empty() {
        for problem in &problems {
            eprintln!("error: {problem}");
        }
        eprintln!("nothing was changed");
        return Err(exit::FAILURE);
    }
    for warning in &plan.warnings {
        eprintln!("warning: {warning}");
    }
    let progress = if args.quiet {
        super::progress::ProgressMode::Quiet
    } else {
        global.progress
    };
    let reporter = Reporter::new(progress, "Running");
    let mut selected = selection(&without_service, &options);
    selected.remove(&args.service);
    report_kept(&reporter, &observed, &plan, &selected);
    let wrapped = Interruptible {
        inner: engine,
        interrupt: interrupt.clone(),
    };
    let execute_options = ExecuteOptions {
        concurrency: session::concurrency(global),
        ..ExecuteOptions::default()
    };
    let report = execute(&wrapped, &plan, &execute_options, &reporter).await;
    reporter.finish();
    if interrupt.is_interrupted() {
        session::print_summary("run", &report, true);
        return Err(INTERRUPTED);
    }
    if !report.is_success() {
        session::print_summary("run", &report, false);
        return Err(exit::FAILURE);
    }
    if !args.no_deps {
        wait_for_dependencies(engine, desired, oneoff, interrupt).await?;
    }
    Ok(())
}

/// `depends_on` conditions of the service: its dependencies healthy, or completed successfully.
async fn wait_for_dependencies(
    engine: &DockerEngine,
    desired: &Desired,
    oneoff: &DesiredService,
    interrupt: &Interrupt,
) -> Result<(), u8> {
    let observed = observe(engine, &desired.project).await.map_err(|error| {
        eprintln!("error: {error}");
        exit::FAILURE
    })?;
    let deadline = Instant::now() + DEPENDENCY_TIMEOUT;
    for dependency in &oneoff.depends_on {
        if !matches!(
            dependency.condition,
            Condition::Healthy | Condition::CompletedSuccessfully
        ) {
            continue;
        }
        for container in observed.service_containers(&dependency.service) {
            loop {
                if interrupt.is_interrupted() {
                    return Err(INTERRUPTED);
                }
                let info = engine
                    .inspect_container(&container.id)
                    .await
                    .map_err(|error| {
                        eprintln!("error: {error}");
                        exit::FAILURE
                    })?;
                let done = match dependency.condition {
                    Condition::Healthy => match info.state.health.map(|h| h.status) {
                        Some(HealthStatus::Healthy) | None => true,
                        Some(HealthStatus::Unhealthy) => {
                            eprintln!(
                                "error: dependency failed to start: container `{}` is unhealthy",
                                container.name
                            );
                            return Err(exit::FAILURE);
                        }
                        Some(HealthStatus::Starting) => false,
                    },
                    _ if info.state.running || info.state.restarting => false,
                    _ if info.state.exit_code == 0 => true,
                    _ => {
                        eprintln!(
                            "error: service `{}` didn't complete successfully: exit {}",
                            dependency.service, info.state.exit_code
                        );
                        return Err(exit::FAILURE);
                    }
                };
                if done {
                    break;
                }
                if Instant::now() >= deadline {
                    eprintln!(
                        "error: timed out waiting for container `{}` ({})",
                        container.name,
                        dependency.condition.as_str()
                    );
                    return Err(exit::FAILURE);
                }
                tokio::time::sleep(Duration::from_millis(300)).await;
            }
        }
    }
    Ok(())
}

/// The one-off container's spec: the service's, named and labelled as a one-off, with the
/// command line's volumes, TTY and stdin.
fn container_spec(
    project: &Project,
    oneoff: &DesiredService,
    args: &RunArgs,
    tty: bool,
    peers: &dyn crate::plan::Peers,
) -> Result<ContainerSpec, String> {
    let slug = random_slug();
    let name = args
        .name
        .clone()
        .unwrap_or_else(|| format!("{}-{}-run-{}", project.name, oneoff.name, &slug[..12]));
    let mut spec = oneoff.container_spec(&project.name, 1, peers)?;
    spec.name = name.clone();
    spec.labels.remove(labels::CONTAINER_NUMBER);
    spec.labels.remove(labels::FIELD_HASHES);
    spec.labels.insert(
        labels::ONEOFF.to_string(),
        labels::bool_label(true).to_string(),
    );
    spec.labels.insert(labels::SLUG.to_string(), slug);
    spec.restart_policy = None;
    for endpoint in &mut spec.endpoints {
        // `container_spec` puts the replica name and the service name first.
        let custom: Vec<String> = endpoint.aliases.iter().skip(2).cloned().collect();
        endpoint.aliases = vec![name.clone()];
        if args.use_aliases {
            endpoint.aliases.push(oneoff.name.clone());
            endpoint.aliases.extend(custom);
        }
    }
    spec.tty = tty;
    spec.open_stdin = !args.detach || args.interactive;
    spec.attach_stdin = !args.detach;
    spec.stdin_once = !args.detach;
    spec.attach_stdout = !args.detach;
    spec.attach_stderr = !args.detach;
    for volume in &args.volumes {
        add_volume(&mut spec, volume, project)?;
    }
    Ok(spec)
}

/// `-v SOURCE:TARGET[:MODE]` (a host path, relative to the project directory, or a volume name:
/// a volume the project declares is its engine volume, `<project>_<name>`, as docker compose
/// v2 maps it) or `-v TARGET` (an anonymous volume).
fn add_volume(spec: &mut ContainerSpec, volume: &str, project: &Project) -> Result<(), String> {
    let base: &Path = &project.working_dir;
    let parts: Vec<&str> = volume.split(':').collect();
    match parts.as_slice() {
        [target] if target.starts_with('/') => {
            spec.mounts.push(Mount {
                kind: MountKind::Volume,
                target: (*target).to_string(),
                ..Mount::default()
            });
            Ok(())
        }
        [source, target, rest @ ..] if target.starts_with('/') && rest.len() <= 1 => {
            let is_path = source.starts_with(['/', '.', '~']);
            let source = if is_path {
                let home = std::env::var_os("HOME").map(std::path::PathBuf::from);
                crate::project::canonical::volumes::resolve_host_path(source, base, home.as_deref())
            } else {
                declared_volume_name(project, source).unwrap_or_else(|| (*source).to_string())
            };
            let mut bind = format!("{source}:{target}");
            if let Some(mode) = rest.first() {
                bind.push(':');
                bind.push_str(mode);
            }
            spec.binds.push(bind);
            Ok(())
        }
        _ => Err(format!(
            "invalid -v/--volume `{volume}`: expected SOURCE:TARGET[:MODE] or an absolute TARGET"
        )),
    }
}

/// The engine name of the volume the project declares as `key`.
fn declared_volume_name(project: &Project, key: &str) -> Option<String> {
    let volume = project.model.get("volumes")?.get(key)?;
    Some(
        volume
            .get("name")
            .and_then(serde_json::Value::as_str)
            .map_or_else(|| format!("{}_{key}", project.name), String::from),
    )
}

/// Starts the container attached to its output (and stdin), until it exits; its exit code.
async fn run_attached<E: ExecEngine>(engine: &E, id: &str, tty: bool, interrupt: &Interrupt) -> u8 {
    let attached = match engine.attach_container(id, true).await {
        Ok(attached) => attached,
        Err(error) => {
            eprintln!("error: {error}");
            return exit::FAILURE;
        }
    };
    if let Err(error) = engine.start_container(id).await {
        eprintln!("error: {error}");
        return exit::FAILURE;
    }
    let raw = tty.then(RawTerminal::enable);
    if tty {
        if let Some((rows, columns)) = interactive::terminal_size() {
            let _ = engine.resize_container(id, rows, columns).await;
        }
    }
    let input = interactive::forward_stdin(attached.input);
    let copied = interactive::copy_output(attached.output);
    tokio::pin!(copied);
    let mut seen = 0;
    loop {
        tokio::select! {
            () = &mut copied => break,
            () = interrupt.reached(seen + 1) => {
                seen = interrupt.count();
                // As `docker run` proxies signals: SIGINT first, then SIGKILL.
                let signal = if seen > 1 { "SIGKILL" } else { "SIGINT" };
                let _ = engine.kill_container(id, Some(signal)).await;
            }
        }
    }
    input.abort();
    drop(raw);
    match engine.wait_container(id, WaitCondition::NotRunning).await {
        Ok(code) => interactive::exit_status(code),
        Err(error) => {
            eprintln!("error: {error}");
            exit::FAILURE
        }
    }
}

/// 64 random hex digits, as docker compose's slug (the first 12 name the container).
fn random_slug() -> String {
    let mut bytes = [0u8; 32];
    let filled = std::fs::File::open("/dev/urandom")
        .and_then(|mut file| std::io::Read::read_exact(&mut file, &mut bytes))
        .is_ok();
    if !filled {
        // No /dev/urandom: the time and the process id, hashed.
        let seed = format!("{:?}{}", std::time::SystemTime::now(), std::process::id());
        let hash = crate::model::legacy_config_hash(&json!(seed));
        return format!("{hash:0<64}");
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Splits a command line as a POSIX shell would (quotes and backslashes; no expansions).
fn shell_words(text: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => word.push(c),
                        None => return Err(format!("unterminated quote in `{text}`")),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(c @ ('"' | '\\' | '$' | '`')) => word.push(c),
                            Some(c) => {
                                word.push('\\');
                                word.push(c);
                            }
                            None => return Err(format!("unterminated quote in `{text}`")),
                        },
                        Some(c) => word.push(c),
                        None => return Err(format!("unterminated quote in `{text}`")),
                    }
                }
            }
            '\\' => {
                in_word = true;
                if let Some(c) = chars.next() {
                    word.push(c);
                }
            }
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            c => {
                in_word = true;
                word.push(c);
            }
        }
    }
    if in_word {
        words.push(word);
    }
    Ok(words)
}

#[cfg(test)]
mod tests {
    use super::shell_words;

    #[test]
    fn entrypoints_split_as_a_shell_would() {
        assert_eq!(
            shell_words(r#"sh -c 'echo "a b"' x\ y "q\"z""#).unwrap(),
            ["sh", "-c", "echo \"a b\"", "x y", "q\"z"]
        );
        assert_eq!(shell_words("").unwrap(), Vec::<String>::new());
        assert_eq!(shell_words("''").unwrap(), [""]);
        assert!(shell_words("'open").is_err());
    }
}
