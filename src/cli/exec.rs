//! `rcompose exec SERVICE COMMAND [ARGS...]`: runs a command in a running container of the
//! service (replica `--index`, 1 by default), as `docker compose exec`: attached, with stdin
//! forwarded, and a TTY when stdin is a terminal (`-T` never); the command's exit code is
//! rcompose's. `-d` starts it in the background.

use std::time::Duration;

use clap::Args;

use super::engine_session::{self as session, Interrupt, INTERRUPTED};
use super::interactive::{self, RawTerminal};
use super::{exit, GlobalOptions};
use crate::engine::exec::{ExecEngine, ExecSpec};
use crate::engine::{Engine, ProjectFilter};
use crate::plan::ObservedContainer;

#[derive(Debug, Args)]
pub struct ExecArgs {
    /// Detached mode: run the command in the background
    #[arg(short = 'd', long)]
    detach: bool,
    /// Set environment variables (repeatable): KEY=VAL, or KEY to take it from here
    #[arg(short = 'e', long = "env", value_name = "KEY=VAL")]
    env: Vec<String>,
    /// Run the command as this user (name or uid, optionally :group)
    #[arg(short = 'u', long, value_name = "USER")]
    user: Option<String>,
    /// Path to the working directory for this command
    #[arg(short = 'w', long, value_name = "DIR")]
    workdir: Option<String>,
    /// Index of the container if the service has several replicas
    #[arg(long, value_name = "N")]
    index: Option<u32>,
    /// Give extended privileges to the process
    #[arg(long)]
    privileged: bool,
    /// Disable pseudo-TTY allocation (by default one is allocated when stdin is a terminal)
    #[arg(short = 'T', long = "no-tty")]
    no_tty: bool,
    /// Keep STDIN open (the default; accepted for compatibility)
    #[arg(short = 'i', long, hide = true)]
    interactive: bool,
    /// The service
    #[arg(value_name = "SERVICE")]
    service: String,
    /// The command and its arguments
    #[arg(
        value_name = "COMMAND",
        required = true,
        trailing_var_arg = true,
        allow_hyphen_values = true
    )]
    command: Vec<String>,
}

pub fn run(global: &GlobalOptions, args: &ExecArgs) -> u8 {
    if args.index == Some(0) {
        eprintln!("error: invalid --index `0`: replicas are numbered from 1");
        return exit::INVALID;
    }
    let scope = match session::load_optional(global) {
        Ok(scope) => scope,
        Err(code) => return code,
    };
    if let Err(code) = session::check_services(&scope, std::slice::from_ref(&args.service)) {
        return code;
    }
    let runtime = match session::runtime() {
        Ok(runtime) => runtime,
        Err(code) => return code,
    };
    let tty = !args.no_tty && !args.detach && interactive::stdin_is_terminal();
    let spec = ExecSpec {
        cmd: args.command.clone(),
        env: interactive::environment(&args.env),
        user: args.user.clone(),
        working_dir: args.workdir.clone(),
        privileged: args.privileged,
        tty,
        attach_stdin: !args.detach,
        attach_output: !args.detach,
    };
    runtime.block_on(async {
        let interrupt = Interrupt::install();
        let engine = match session::connect().await {
            Ok(engine) => engine,
            Err(code) => return code,
        };
        let containers = match engine
            .list_containers(&ProjectFilter::new(&scope.name))
            .await
        {
            Ok(containers) => containers,
            Err(error) => {
                eprintln!("error: {error}");
                return exit::FAILURE;
            }
        };
        let index = args.index.unwrap_or(1);
        let target = containers
            .into_iter()
            .map(ObservedContainer::from_summary)
            .find(|c| {
                !c.is_oneoff()
                    && c.service() == Some(args.service.as_str())
                    && c.number() == Some(index)
                    && c.is_running()
            });
        let Some(target) = target else {
            if args.index.is_some() {
                eprintln!(
                    "error: service `{}` is not running container #{index}",
                    args.service
                );
            } else {
                eprintln!("error: service `{}` is not running", args.service);
            }
            return exit::FAILURE;
        };
        exec_in(&engine, &target.name, &spec, args.detach, &interrupt).await
    })
}

/// Runs `spec` in `container` and returns its exit code (0 for a detached one).
async fn exec_in<E: ExecEngine>(
    engine: &E,
    container: &str,
    spec: &ExecSpec,
    detach: bool,
    interrupt: &Interrupt,
) -> u8 {
    let exec_id = match engine.create_exec(container, spec).await {
        Ok(id) => id,
        Err(error) => {
            eprintln!("error: {error}");
            return exit::FAILURE;
        }
    };
    let attached = match engine.start_exec(&exec_id, detach, spec.tty).await {
        Ok(attached) => attached,
        Err(error) => {
            eprintln!("error: {error}");
            return exit::FAILURE;
        }
    };
    let Some(attached) = attached else {
        return exit::OK;
    };
    let raw = spec.tty.then(RawTerminal::enable);
    if spec.tty {
        if let Some((rows, columns)) = interactive::terminal_size() {
            let _ = engine.resize_exec(&exec_id, rows, columns).await;
        }
    }
    let input = interactive::forward_stdin(attached.input);
    let copied = interactive::copy_output(attached.output);
    let interrupted = tokio::select! {
        () = copied => false,
        () = interrupt.reached(1) => true,
    };
    input.abort();
    drop(raw);
    if interrupted {
        return INTERRUPTED;
    }
    // The output ends when the process does; its exit code follows shortly.
    for _ in 0..100 {
        match engine.inspect_exec(&exec_id).await {
            Ok(info) if !info.running => {
                return info
                    .exit_code
                    .map_or(exit::FAILURE, interactive::exit_status);
            }
            Ok(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            Err(error) => {
                eprintln!("error: {error}");
                return exit::FAILURE;
            }
        }
    }
    eprintln!("error: exec process in container `{container}` still runs after its output ended");
    exit::FAILURE
}
