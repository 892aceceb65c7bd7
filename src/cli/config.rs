//! `rcompose config`: the canonical model, or parts of it, as docker compose prints them.

use clap::Args;
use serde_json::Value as J;

use super::{exit, output, GlobalOptions};
use crate::model;
use crate::project;
use crate::project::template;

#[derive(Debug, Args)]
pub struct ConfigArgs {
    /// Format the output: yaml | json
    #[arg(long, value_name = "FORMAT", default_value = "yaml", value_parser = ["yaml", "json"])]
    format: String,
    /// Only validate the configuration, don't print anything
    #[arg(short, long)]
    quiet: bool,
    /// Print the service names, one per line (dependencies first)
    #[arg(long)]
    services: bool,
    /// Print the volume names, one per line
    #[arg(long)]
    volumes: bool,
    /// Print the network names, one per line
    #[arg(long)]
    networks: bool,
    /// Print the image names, one per line
    #[arg(long)]
    images: bool,
    /// Print the profile names, one per line
    #[arg(long)]
    profiles: bool,
    /// Don't interpolate environment variables
    #[arg(long)]
    no_interpolate: bool,
    /// Print the service config hash, one per line (`*` for all services)
    #[arg(long, value_name = "SERVICE")]
    hash: Option<String>,
    /// Treat keys a file's version does not define (Compose Specification keys in a 3.x file)
    /// as errors, not warnings
    #[arg(long)]
    strict: bool,
    /// Save the model to this file instead of printing it (the lists of --services and the
    /// like are printed still, as docker compose does)
    #[arg(short, long, value_name = "FILE")]
    output: Option<std::path::PathBuf>,
    /// Print the environment used for interpolation (KEY=VALUE, sorted)
    #[arg(long)]
    environment: bool,
}

pub fn run(global: &GlobalOptions, args: &ConfigArgs) -> u8 {
    let mut options = global.load_options(!args.no_interpolate, args.strict);
    options.diagnostics_only = args.quiet;
    let loaded = project::load(&options);
    output::print_human(&loaded.diagnostics, &loaded.sources);
    let Some(project) = loaded.project else {
        return exit::INVALID;
    };
    if args.quiet {
        std::mem::forget(project);
        return exit::OK;
    }
    // The model holds values as the engine gets them; printed, `$` is escaped back to `$$` so
    // the output is itself a valid compose file (docker compose does the same).
    let escaped;
    let model = if args.no_interpolate {
        &project.model
    } else {
        escaped = escape_dollars(&project.model);
        &escaped
    };
    let names = |section: &str| -> Vec<String> {
        model
            .get(section)
            .and_then(J::as_object)
            .map(|map| map.keys().cloned().collect())
            .unwrap_or_default()
    };
    let lines: Option<Vec<String>> = if args.environment {
        Some(interpolation_environment(&project))
    } else if args.services {
        Some(
            model::dependency_graph(model)
                .start_order()
                .unwrap_or_else(|| names("services")),
        )
    } else if args.volumes {
        Some(names("volumes"))
    } else if args.networks {
        Some(names("networks"))
    } else if args.profiles {
        Some(project.all_profiles.clone())
    } else if args.images {
        let mut images: Vec<String> = model::services(model)
            .map(|(name, service)| model::image_name(&project.name, name, service))
            .collect();
        images.sort();
        Some(images)
    } else if let Some(wanted) = &args.hash {
        let wanted: Vec<&str> = wanted.split(',').map(str::trim).collect();
        let mut lines = Vec::new();
        // Hashed as the engine gets it (`$` unescaped), like the label `up` writes.
        for (name, service) in model::services(&project.model) {
            if wanted.contains(&"*") || wanted.contains(&name.as_str()) {
                lines.push(format!("{name} {}", model::config_hash(service)));
            }
        }
        for name in &wanted {
            if *name != "*" && !model::services(model).any(|(n, _)| n == name) {
                eprintln!("error: no such service: {name}");
                return exit::INVALID;
            }
        }
        Some(lines)
    } else {
        None
    };
    let whole_model = lines.is_none();
    let text = match lines {
        Some(lines) => lines.iter().map(|l| format!("{l}\n")).collect(),
        None if args.format == "json" => super::config_json::render(model),
        None => super::config_yaml::render(model),
    };
    match &args.output {
        Some(path) if whole_model => {
            // docker compose writes its JSON without the newline it prints after it.
            let saved = if args.format == "json" {
                text.strip_suffix('\n').unwrap_or(&text)
            } else {
                &text
            };
            if let Err(error) = std::fs::write(path, saved) {
                eprintln!("error: writing `{}`: {error}", path.display());
                return exit::FAILURE;
            }
        }
        _ => print!("{text}"),
    }
    // The process ends here: freeing a large model would only cost time.
    std::mem::forget(project);
    exit::OK
}

/// `--environment`: the shell environment over `.env`, with what docker compose adds to it
/// (`COMPOSE_PROJECT_NAME`, `PWD`), sorted by name.
fn interpolation_environment(project: &project::Project) -> Vec<String> {
    let mut environment: std::collections::BTreeMap<&str, String> = project
        .environment
        .iter()
        .map(|(key, value)| (key.as_str(), value.clone()))
        .collect();
    environment
        .entry("COMPOSE_PROJECT_NAME")
        .or_insert_with(|| project.name.clone());
    environment
        .entry("PWD")
        .or_insert_with(|| project.working_dir.display().to_string());
    environment
        .into_iter()
        .map(|(key, value)| format!("{key}={value}"))
        .collect()
}

/// `$` → `$$` in every key and string of the model (docker compose escapes keys too).
fn escape_dollars(value: &J) -> J {
    match value {
        J::String(text) => J::String(template::escape_dollars(text)),
        J::Array(items) => J::Array(items.iter().map(escape_dollars).collect()),
        J::Object(map) => J::Object(
            map.iter()
                .map(|(key, value)| (template::escape_dollars(key), escape_dollars(value)))
                .collect(),
        ),
        other => other.clone(),
    }
}
