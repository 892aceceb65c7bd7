//! `rcompose attach SERVICE`: attaches this terminal's stdin, stdout and stderr to a running
//! container of the service (`--index N` for a replica other than the first), as `docker compose
//! attach` does: its output from now on, stdin forwarded unless `--no-stdin`, Ctrl-C passed on
//! to the container as SIGINT (`--sig-proxy=false`: Ctrl-C only detaches), the engine's detach
//! sequence (`--detach-keys`, default ctrl-p,ctrl-q) detaching. It ends with the container's
//! exit code when the container stops, 0 when detached.
//!
//! (`attach.rs` is `up`'s attaching to the output of every service.)

use clap::{ArgAction, Args};
use tokio::io::AsyncWriteExt;

use super::daily_support;
use super::engine_session::{Interrupt, INTERRUPTED};
use super::interactive::{self, RawTerminal};
use super::{exit, GlobalOptions};
use crate::engine::exec::InputSink;
use crate::engine::{AttachEngine, ContainerStatus, DockerEngine, Engine, ExecEngine};

#[derive(Debug, Args)]
pub struct AttachArgs {
    /// The service
    #[arg(value_name = "SERVICE")]
    service: String,
    /// Index of the container if the service has multiple replicas
    #[arg(long, value_name = "N")]
    index: Option<u32>,
    /// Do not attach STDIN
    #[arg(long)]
    no_stdin: bool,
    /// Proxy all received signals to the process (default true)
    #[arg(long, value_name = "BOOL", num_args = 0..=1, require_equals = true,
          default_value = "true", default_missing_value = "true", action = ArgAction::Set)]
    sig_proxy: bool,
    /// Override the key sequence for detaching from a container
    #[arg(long, value_name = "KEYS")]
    detach_keys: Option<String>,
}

/// Forwards this process's stdin to the container until stdin ends. Unlike `run`'s forwarding,
/// the end of stdin does not shut the connection's input down: a container attached after it
/// started does not see the end of its stdin anyway (the engine closes it only for
/// `stdin_once`), and a shut-down hijacked connection may end the output early.
fn forward_stdin(mut input: InputSink) -> tokio::task::JoinHandle<()> {
    let (sender, mut chunks) = tokio::sync::mpsc::channel::<Vec<u8>>(16);
    // A detached thread: a terminal that is never closed does not hold up the exit.
    std::thread::spawn(move || {
        let mut stdin = std::io::stdin().lock();
        let mut buffer = vec![0u8; 8192];
        while let Ok(n) = std::io::Read::read(&mut stdin, &mut buffer) {
            if n == 0 || sender.blocking_send(buffer[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    tokio::spawn(async move {
        while let Some(chunk) = chunks.recv().await {
            if input.write_all(&chunk).await.is_err() || input.flush().await.is_err() {
                return;
            }
        }
        // Held open until the output ends (the task is aborted then).
        std::future::pending::<()>().await;
    })
}

pub fn run(global: &GlobalOptions, args: &AttachArgs) -> u8 {
    daily_support::with_replica(
        global,
        &args.service,
        args.index,
        Some("attaching to"),
        async |engine: DockerEngine, container| {
            let interrupt = Interrupt::install();
            let id = container.id.as_str();
            let (attached, tty) = match engine
                .attach_running(id, !args.no_stdin, args.detach_keys.as_deref())
                .await
            {
                Ok(attached) => attached,
                Err(error) => {
                    eprintln!("error: {error}");
                    return exit::FAILURE;
                }
            };
            // With a TTY, Ctrl-C is a key the container's terminal reads.
            let raw = (tty && !args.no_stdin && interactive::stdin_is_terminal())
                .then(RawTerminal::enable);
            if tty {
                if let Some((rows, columns)) = interactive::terminal_size() {
                    let _ = engine.resize_container(id, rows, columns).await;
                }
            }
            let input = (!args.no_stdin).then(|| forward_stdin(attached.input));
            let copied = interactive::copy_output(attached.output);
            tokio::pin!(copied);
            let mut seen = 0;
            let mut detached_by_signal = false;
            loop {
                tokio::select! {
                    () = &mut copied => break,
                    () = interrupt.reached(seen + 1) => {
                        seen = interrupt.count();
                        if args.sig_proxy && !tty {
                            let _ = engine.kill_container(id, Some("SIGINT")).await;
                        } else {
                            detached_by_signal = true;
                            break;
                        }
                    }
                }
            }
            if let Some(input) = input {
                input.abort();
            }
            drop(raw);
            if detached_by_signal {
                return INTERRUPTED;
            }
            // The output ends when the container stops, or when the detach keys were typed.
            match engine.inspect_container(id).await {
                Ok(info) if info.state.status == ContainerStatus::Running => exit::OK,
                Ok(info) => interactive::exit_status(info.state.exit_code),
                Err(error) => {
                    eprintln!("error: {error}");
                    exit::FAILURE
                }
            }
        },
    )
}
