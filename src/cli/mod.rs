//! The command line: clap definitions and one file per command.

use std::process::ExitCode;

pub fn run() -> ExitCode {
    ExitCode::SUCCESS
}
