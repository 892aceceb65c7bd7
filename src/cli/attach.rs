//! `up` without `-d`: streams every container's output with a `service-1  | ` prefix (coloured
//! on a terminal) until all have exited. Ctrl-C stops the project gracefully (a second Ctrl-C
//! kills it); `--abort-on-container-exit` stops it when one container exits,
//! `--abort-on-container-failure` when one fails; `--exit-code-from` returns that service's exit
//! code.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use futures_util::future::join_all;
use tokio::sync::mpsc;

use super::engine_session::{self as session, Interrupt, INTERRUPTED};
use super::exit;
use super::lifecycle::stop_plan;
use super::log_printer::{self, PrefixStyle};
use super::progress::{Mark, ProgressMode, Reporter};
use crate::engine::{DockerEngine, Engine, LogsOptions};
use crate::execute::{execute, ExecuteOptions, OnError};
use crate::plan::{observe, Desired};

pub struct AttachOptions {
    /// The services whose output is shown.
    pub services: Vec<String>,
    /// The services stopped on Ctrl-C or abort.
    pub stop_services: Vec<String>,
    pub abort_on_exit: bool,
    pub abort_on_failure: bool,
    pub exit_code_from: Option<String>,
    pub color: bool,
    pub prefix: bool,
    pub timestamps: bool,
    pub timeout: Option<Duration>,
    /// Unix seconds: output from then on.
    pub since: i64,
    pub progress: ProgressMode,
    pub concurrency: usize,
}

enum Event {
    Exited {
        name: String,
        service: String,
        code: i64,
    },
}

pub async fn attach(
    engine: &DockerEngine,
    desired: &Desired,
    options: &AttachOptions,
    interrupt: &Interrupt,
) -> u8 {
    let observed = match observe(engine, &desired.project).await {
        Ok(observed) => observed,
        Err(error) => {
            eprintln!("error: {error}");
            return exit::FAILURE;
        }
    };
    let containers: Vec<_> = session::selected(&observed, &options.services)
        .cloned()
        .collect();
    if containers.is_empty() {
        return exit::OK;
    }
    let names: Vec<String> = containers.iter().map(log_printer::short_name).collect();
    let style = PrefixStyle::new(
        options.prefix,
        log_printer::use_color(options.color),
        &names,
    );
    println!("Attaching to {}", names.join(", "));

    let (sender, mut events) = mpsc::unbounded_channel::<Event>();
    let mut followers = Vec::new();
    for (index, (container, name)) in containers.iter().zip(&names).enumerate() {
        let prefix = style.prefix(name, index);
        followers.push(tokio::spawn(follow(
            engine.clone(),
            container.id.clone(),
            name.clone(),
            container.service().unwrap_or_default().to_string(),
            prefix,
            options.since,
            options.timestamps,
            sender.clone(),
        )));
    }
    drop(sender);

    let mut running: BTreeSet<String> = names.iter().cloned().collect();
    let mut codes: BTreeMap<String, i64> = BTreeMap::new();
    let mut code = exit::OK;
    let mut seen_interrupts = interrupt.count();
    let mut stopping = false;
    loop {
        tokio::select! {
            event = events.recv() => {
                let Some(Event::Exited { name, service, code: exit_code }) = event else { break };
                println!("{name} exited with code {exit_code}");
                running.remove(&name);
                codes.entry(service.clone()).or_insert(exit_code);
                let abort = !stopping && (options.abort_on_exit
                    || (options.abort_on_failure && exit_code != 0));
                if abort {
                    stopping = true;
                    if options.abort_on_failure && exit_code != 0 {
                        code = u8::try_from(exit_code.clamp(0, 255)).unwrap_or(exit::FAILURE);
                    }
                    eprintln!("Aborting on container exit...");
                    stop_all(engine, desired, options, interrupt).await;
                }
                if running.is_empty() {
                    break;
                }
            }
            _ = interrupt.reached(seen_interrupts + 1) => {
                seen_interrupts = interrupt.count();
                eprintln!("Gracefully stopping... (press Ctrl+C again to force)");
                code = INTERRUPTED;
                let stopped = stop_all(engine, desired, options, interrupt);
                tokio::select! {
                    _ = stopped => {}
                    _ = interrupt.reached(seen_interrupts + 1) => {
                        kill_all(engine, desired, options).await;
                    }
                }
                break;
            }
        }
    }
    for follower in followers {
        follower.abort();
    }
    if code == INTERRUPTED {
        return INTERRUPTED;
    }
    if let Some(service) = &options.exit_code_from {
        let exit_code = codes.get(service).copied().unwrap_or(0);
        return u8::try_from(exit_code.clamp(0, 255)).unwrap_or(exit::FAILURE);
    }
    code
}

/// Streams one container's output, line by line, until it exits for good (a restart policy
/// that brings it back is followed), then reports its exit code.
#[allow(clippy::too_many_arguments)]
async fn follow(
    engine: DockerEngine,
    id: String,
    name: String,
    service: String,
    prefix: String,
    since: i64,
    timestamps: bool,
    events: mpsc::UnboundedSender<Event>,
) {
    let mut since = since;
    loop {
        let options = LogsOptions {
            follow: true,
            since: Some(since),
            timestamps,
            ..LogsOptions::default()
        };
        if let Ok(stream) = engine.container_logs(&id, &options).await {
            log_printer::print_stream(stream, &prefix).await;
        }
        since = log_printer::unix_now();
        match engine.inspect_container(&id).await {
            Ok(info) if info.state.running || info.state.restarting => {
                // The stream ended early, or a restart policy brought the container back.
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Ok(info) => {
                let _ = events.send(Event::Exited {
                    name,
                    service,
                    code: info.state.exit_code,
                });
                return;
            }
            Err(_) => {
                let _ = events.send(Event::Exited {
                    name,
                    service,
                    code: -1,
                });
                return;
            }
        }
    }
}

async fn stop_all(
    engine: &DockerEngine,
    desired: &Desired,
    options: &AttachOptions,
    _interrupt: &Interrupt,
) {
    let observed = match observe(engine, &desired.project).await {
        Ok(observed) => observed,
        Err(error) => {
            eprintln!("error: {error}");
            return;
        }
    };
    let plan = stop_plan(
        Some(desired),
        &observed,
        &options.stop_services,
        options.timeout,
    );
    let reporter = Reporter::new(options.progress, "Stopping");
    let execute_options = ExecuteOptions {
        concurrency: options.concurrency,
        on_error: OnError::ContinueIndependent,
        ..ExecuteOptions::default()
    };
    let report = execute(engine, &plan, &execute_options, &reporter).await;
    reporter.finish();
    if !report.is_success() {
        session::print_summary("stop", &report, false);
    }
}

async fn kill_all(engine: &DockerEngine, desired: &Desired, options: &AttachOptions) {
    let Ok(observed) = observe(engine, &desired.project).await else {
        return;
    };
    let reporter = Reporter::new(options.progress, "Killing");
    join_all(
        session::selected(&observed, &options.stop_services)
            .filter(|c| c.is_running())
            .map(|container| {
                let reporter = &reporter;
                async move {
                    reporter.update("Container", &container.name, "Killing", Mark::Working, None);
                    let mark = match engine.kill_container(&container.id, None).await {
                        Ok(()) => Mark::Done,
                        Err(_) => Mark::Failed,
                    };
                    reporter.update("Container", &container.name, "Killed", mark, None);
                }
            }),
    )
    .await;
    reporter.finish();
}
