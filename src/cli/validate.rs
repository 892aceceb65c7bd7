//! `rcompose validate [FILE...]`: each file is its own project (its own folder's `.env`), every
//! problem of every file is reported in one run, exit 0 only when all are valid.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::{exit, output, GlobalOptions};
use crate::diag::{self, Diagnostic};
use crate::project;

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Format {
    Human,
    Json,
    Github,
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Compose files to validate (default: the project's files, as for `config`)
    #[arg(value_name = "FILE")]
    files: Vec<PathBuf>,
    /// Output format: human (stderr), json or github (workflow annotations, stdout)
    #[arg(long, value_enum, default_value = "human")]
    format: Format,
    /// Treat keys a file's version does not define as errors, not warnings
    #[arg(long)]
    strict: bool,
}

pub fn run(global: &GlobalOptions, args: &ValidateArgs) -> u8 {
    // Without FILE arguments, the project's own files (from -f, COMPOSE_FILE or the lookup)
    // are validated together, as `config -q` would.
    let projects: Vec<Vec<PathBuf>> = if args.files.is_empty() {
        vec![global.files.clone()]
    } else {
        args.files.iter().map(|file| vec![file.clone()]).collect()
    };
    let mut errors = 0;
    let mut warnings = 0;
    let mut reports = Vec::new();
    for files in projects {
        let mut options = global.load_options(true, args.strict);
        options.diagnostics_only = true;
        let own_project = !args.files.is_empty();
        if own_project {
            options.project_directory = None;
            options.project_name = None;
            options.env_files = Vec::new();
        }
        options.files = files.clone();
        let loaded = project::load(&options);
        let file_errors = loaded.diagnostics.iter().filter(|d| d.is_error()).count();
        errors += file_errors;
        warnings += loaded.diagnostics.len() - file_errors;
        match args.format {
            Format::Human => output::print_human(&loaded.diagnostics, &loaded.sources),
            Format::Github => {
                for diagnostic in &loaded.diagnostics {
                    println!("{}", diag::render_github(diagnostic, &loaded.sources));
                }
            }
            Format::Json => {
                let names: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
                reports.push(serde_json::json!({
                    "files": names,
                    "valid": file_errors == 0,
                    "diagnostics": loaded
                        .diagnostics
                        .iter()
                        .map(|d: &Diagnostic| diag::render_json(d, &loaded.sources))
                        .collect::<Vec<_>>(),
                }));
            }
        }
    }
    match args.format {
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
                "valid": errors == 0,
                "errors": errors,
                "warnings": warnings,
                "projects": reports,
            }))
            .unwrap_or_default()
        ),
        Format::Human if errors + warnings > 0 => {
            eprintln!("{}", output::summary(errors, warnings))
        }
        _ => {}
    }
    if errors > 0 {
        exit::INVALID
    } else {
        exit::OK
    }
}
