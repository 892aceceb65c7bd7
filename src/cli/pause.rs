//! `rcompose pause|unpause [SERVICE...]`: freezes or thaws the project's running containers,
//! all at once, with docker compose's progress lines (` Container p-web-1  Paused`). As in v2,
//! pausing a paused container (or unpausing one that is not) is the engine's error, exit 1.

use clap::Args;
use futures_util::future::join_all;

use super::daily_support;
use super::engine_session::{self as session, Interrupt, Scope};
use super::progress::{Mark, Reporter};
use super::{exit, GlobalOptions};
use crate::engine::{ContainerOpsEngine, DockerEngine};

#[derive(Debug, Args)]
pub struct PauseArgs {
    /// Services to pause (or unpause); default: all
    #[arg(value_name = "SERVICE")]
    services: Vec<String>,
}

pub fn pause(global: &GlobalOptions, args: &PauseArgs) -> u8 {
    run(global, args, true)
}

pub fn unpause(global: &GlobalOptions, args: &PauseArgs) -> u8 {
    run(global, args, false)
}

fn run(global: &GlobalOptions, args: &PauseArgs, freeze: bool) -> u8 {
    daily_support::with_engine(
        global,
        &args.services,
        false,
        async |scope: Scope, engine: DockerEngine| {
            let interrupt = Interrupt::install();
            let _lock = match session::lock_unless_dry_run(global, &scope.name, &interrupt).await {
                Ok(lock) => lock,
                Err(code) => return code,
            };
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
            let (working, done) = if freeze {
                ("Pausing", "Paused")
            } else {
                ("Unpausing", "Unpaused")
            };
            if global.dry_run {
                for container in &containers {
                    println!("{} container {}", working.to_lowercase(), container.name);
                }
                return exit::OK;
            }
            let reporter = Reporter::new(global.progress, working);
            let results = join_all(containers.iter().map(|container| {
                let reporter = &reporter;
                let engine = &engine;
                async move {
                    reporter.update("Container", &container.name, working, Mark::Working, None);
                    let result = if freeze {
                        engine.pause_container(&container.name).await
                    } else {
                        engine.unpause_container(&container.name).await
                    };
                    match &result {
                        Ok(()) => {
                            reporter.update("Container", &container.name, done, Mark::Done, None)
                        }
                        Err(error) => reporter.update(
                            "Container",
                            &container.name,
                            "Error",
                            Mark::Failed,
                            Some(error.message().into_owned()),
                        ),
                    }
                    result
                }
            }))
            .await;
            reporter.finish();
            let mut code = exit::OK;
            for error in results.into_iter().filter_map(Result::err) {
                eprintln!("error: {error}");
                code = exit::FAILURE;
            }
            code
        },
    )
}
