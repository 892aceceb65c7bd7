//! `rcompose export SERVICE`: the filesystem of a running container of the service (`--index N`
//! for a replica other than the first) as a tar, to standard output or `-o FILE`, as `docker
//! compose export` writes it. Like the docker CLI, it refuses to write a tar to a terminal.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use clap::Args;
use futures_util::StreamExt;

use super::daily_support;
use super::{exit, GlobalOptions};
use crate::engine::{DockerEngine, SnapshotEngine};

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The service
    #[arg(value_name = "SERVICE")]
    service: String,
    /// Write to a file, instead of STDOUT
    #[arg(short = 'o', long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Index of the container if the service has multiple replicas
    #[arg(long, value_name = "N")]
    index: Option<u32>,
}

pub fn run(global: &GlobalOptions, args: &ExportArgs) -> u8 {
    if args.output.is_none() && std::io::stdout().is_terminal() {
        eprintln!("error: refusing to write a tar archive to a terminal: use -o FILE or redirect the output");
        return exit::INVALID;
    }
    daily_support::with_replica(
        global,
        &args.service,
        args.index,
        Some("exporting"),
        async |engine: DockerEngine, container| {
            let mut stream = match engine.export_container(&container.id).await {
                Ok(stream) => stream,
                Err(error) => {
                    eprintln!("error: {error}");
                    return exit::FAILURE;
                }
            };
            // To a file: written beside it and renamed at the end, so a failure leaves no
            // truncated tar under the name asked for.
            let (mut sink, partial): (Box<dyn Write + Send>, Option<PathBuf>) = match &args.output {
                Some(path) => {
                    let mut partial = path.clone().into_os_string();
                    partial.push(".partial");
                    let partial = PathBuf::from(partial);
                    match std::fs::File::create(&partial) {
                        Ok(file) => (Box::new(std::io::BufWriter::new(file)), Some(partial)),
                        Err(error) => {
                            eprintln!("error: cannot write `{}`: {error}", path.display());
                            return exit::FAILURE;
                        }
                    }
                }
                None => (Box::new(std::io::BufWriter::new(std::io::stdout())), None),
            };
            let mut failure = None;
            while let Some(chunk) = stream.next().await {
                match chunk {
                    Ok(bytes) => {
                        if let Err(error) = sink.write_all(&bytes) {
                            failure = Some(format!("writing the archive: {error}"));
                            break;
                        }
                    }
                    Err(error) => {
                        failure = Some(error.to_string());
                        break;
                    }
                }
            }
            if failure.is_none() {
                if let Err(error) = sink.flush() {
                    failure = Some(format!("writing the archive: {error}"));
                }
            }
            drop(sink);
            if let (Some(partial), Some(path)) = (&partial, &args.output) {
                if failure.is_none() {
                    if let Err(error) = std::fs::rename(partial, path) {
                        failure = Some(format!("cannot write `{}`: {error}", path.display()));
                    }
                }
                let _ = std::fs::remove_file(partial);
            }
            match failure {
                None => exit::OK,
                Some(message) => {
                    eprintln!("error: {message}");
                    exit::FAILURE
                }
            }
        },
    )
}
