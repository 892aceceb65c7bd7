//! `rcompose wait SERVICE...`: blocks until the services' running containers stop, printing
//! `container "p-job-1" exited with status code 3` for each, and exits with the code of the
//! last to stop, as `docker compose wait` does. `--down-project`: at the first container that
//! stops, takes the project down (orphans included) and exits with that container's code.
//!
//! Difference from docker compose v2, chosen: the line names the container by name (v2 prints
//! its id).

use clap::{Args, FromArgMatches};
use futures_util::stream::{FuturesUnordered, StreamExt};

use super::daily_support;
use super::down::DownArgs;
use super::engine_session::{Interrupt, Scope, INTERRUPTED};
use super::{exit, GlobalOptions};
use crate::engine::{DockerEngine, Engine, WaitCondition};

#[derive(Debug, Args)]
pub struct WaitArgs {
    /// The services whose containers to wait for
    #[arg(value_name = "SERVICE", required = true)]
    services: Vec<String>,
    /// Drop the project when the first container stops
    #[arg(long)]
    down_project: bool,
}

/// A process exit code from a container's (`256 + n` wraps as the shell does).
fn exit_code(code: i64) -> u8 {
    (code.rem_euclid(256)) as u8
}

pub fn run(global: &GlobalOptions, args: &WaitArgs) -> u8 {
    let mut take_down = false;
    let code = daily_support::with_engine(
        global,
        &args.services,
        false,
        async |scope: Scope, engine: DockerEngine| {
            let interrupt = Interrupt::install();
            let containers = match daily_support::service_containers(
                &engine,
                &scope.name,
                &args.services,
                false,
            )
            .await
            {
                Ok(containers) => containers,
                Err(code) => return code,
            };
            if containers.is_empty() {
                eprintln!(
                    "error: no running container of {} in project `{}`",
                    args.services
                        .iter()
                        .map(|s| format!("`{s}`"))
                        .collect::<Vec<_>>()
                        .join(", "),
                    scope.name
                );
                return exit::FAILURE;
            }
            let mut waits: FuturesUnordered<_> = containers
                .iter()
                .map(|container| {
                    let engine = &engine;
                    async move {
                        let result = engine
                            .wait_container(&container.id, WaitCondition::NotRunning)
                            .await;
                        (container, result)
                    }
                })
                .collect();
            let mut last = exit::OK;
            loop {
                let next = tokio::select! {
                    next = waits.next() => next,
                    _ = interrupt.reached(1) => return INTERRUPTED,
                };
                let Some((container, result)) = next else {
                    break;
                };
                match result {
                    Ok(code) => {
                        println!(
                            "container \"{}\" exited with status code {code}",
                            container.name
                        );
                        last = exit_code(code);
                        if args.down_project {
                            take_down = true;
                            return last;
                        }
                    }
                    Err(error) => {
                        eprintln!("error: {error}");
                        return exit::FAILURE;
                    }
                }
            }
            last
        },
    );
    if take_down {
        let command = <DownArgs as Args>::augment_args(clap::Command::new("down"));
        let down = command
            .try_get_matches_from(["down", "--remove-orphans"])
            .ok()
            .and_then(|matches| DownArgs::from_arg_matches(&matches).ok());
        let Some(down) = down else {
            eprintln!("error: cannot take the project down: the `down` options did not parse");
            return exit::FAILURE;
        };
        let downed = super::down::run(global, &down);
        if downed != exit::OK {
            return downed;
        }
    }
    code
}
