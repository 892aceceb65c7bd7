//! `rcompose ls`: the compose projects on this engine, found by the `com.docker.compose.project`
//! label of their containers (docker compose's and rcompose's alike), with their states and
//! compose files. Running projects only, unless `-a`.

use std::collections::BTreeMap;

use clap::{Args, ValueEnum};
use serde_json::json;

use super::engine_session as session;
use super::ps::table;
use super::{exit, GlobalOptions};
use crate::engine::{Engine, PROJECT_LABEL};
use crate::plan::labels;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Json,
}

#[derive(Debug, Args)]
pub struct LsArgs {
    /// Show all stopped Compose projects
    #[arg(short = 'a', long)]
    all: bool,
    /// Only display project names
    #[arg(short = 'q', long)]
    quiet: bool,
    /// Filter output based on conditions provided: `name=NAME`
    #[arg(long, value_name = "KEY=VALUE")]
    filter: Vec<String>,
    /// Format the output: table | json
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
}

/// One project, as `ls` shows it.
#[derive(Debug, Default)]
struct Listed {
    /// State → count.
    states: BTreeMap<String, usize>,
    config_files: Vec<String>,
}

impl Listed {
    /// `exited(1), running(2)`: states by name, as docker compose combines them.
    fn status(&self) -> String {
        self.states
            .iter()
            .map(|(state, count)| format!("{state}({count})"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

pub fn run(_global: &GlobalOptions, args: &LsArgs) -> u8 {
    let mut names: Vec<String> = Vec::new();
    for filter in &args.filter {
        match filter.split_once('=') {
            Some(("name", value)) => names.push(value.to_string()),
            _ => {
                eprintln!("error: unsupported filter `{filter}`: only `name=NAME` is");
                return exit::INVALID;
            }
        }
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
        let containers = match engine.list_compose_containers(args.all).await {
            Ok(containers) => containers,
            Err(error) => {
                eprintln!("error: {error}");
                return exit::FAILURE;
            }
        };
        let mut projects: BTreeMap<String, Listed> = BTreeMap::new();
        for container in containers {
            let Some(project) = container.labels.get(PROJECT_LABEL) else {
                continue;
            };
            if !names.is_empty() && !names.iter().any(|n| project.contains(n.as_str())) {
                continue;
            }
            let listed = projects.entry(project.clone()).or_default();
            *listed
                .states
                .entry(container.status.as_str().to_string())
                .or_default() += 1;
            if let Some(files) = container.labels.get(labels::CONFIG_FILES) {
                for file in files.split(',').filter(|f| !f.is_empty()) {
                    if !listed.config_files.iter().any(|known| known == file) {
                        listed.config_files.push(file.to_string());
                    }
                }
            }
        }
        if args.quiet {
            for name in projects.keys() {
                println!("{name}");
            }
            return exit::OK;
        }
        match args.format {
            Format::Json => {
                let list: Vec<serde_json::Value> = projects
                    .iter()
                    .map(|(name, listed)| {
                        json!({
                            "Name": name,
                            "Status": listed.status(),
                            "ConfigFiles": listed.config_files.join(","),
                        })
                    })
                    .collect();
                println!("{}", serde_json::Value::Array(list));
            }
            Format::Table => {
                let mut rows = vec![vec![
                    "NAME".to_string(),
                    "STATUS".to_string(),
                    "CONFIG FILES".to_string(),
                ]];
                for (name, listed) in &projects {
                    rows.push(vec![
                        name.clone(),
                        listed.status(),
                        listed.config_files.join(","),
                    ]);
                }
                print!("{}", table(&rows, 20, 3));
            }
        }
        exit::OK
    })
}
