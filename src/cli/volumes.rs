//! `rcompose volumes [SERVICE...]`: the project's volumes (by the project label), or those
//! the named services mount, as docker compose v2 lists them: a `DRIVER  VOLUME NAME` table,
//! `--format json` (one object a line, v2's keys) or `--format TEMPLATE` (`{{.Name}}`), `-q`
//! (names only).
//!
//! Chosen differences from v2: volumes are sorted by name (v2 prints the engine's order, which
//! varies), labels in the JSON `Labels` are sorted (v2 prints Go's map order), and an unknown
//! service is the usage error every command gives (v2 prints an empty table).

use std::collections::BTreeSet;

use clap::Args;

use super::daily_support;
use super::engine_session::Scope;
use super::{exit, GlobalOptions};
use crate::engine::{DockerEngine, Engine, ProjectFilter, VolumeInfo};

#[derive(Debug, Args)]
pub struct VolumesArgs {
    /// Services whose volumes to list; default: all the project's volumes
    #[arg(value_name = "SERVICE")]
    services: Vec<String>,
    /// Format the output: table | json | TEMPLATE (`{{.Name}}\t{{.Driver}}`)
    #[arg(long, value_name = "FORMAT", default_value = "table")]
    format: String,
    /// Only display volume names
    #[arg(short = 'q', long)]
    quiet: bool,
}

/// The project volume keys (`data` of `volumes: {data: ...}`) the services mount.
fn mounted_by(scope: &Scope, services: &[String]) -> BTreeSet<String> {
    let Some(project) = &scope.project else {
        return BTreeSet::new();
    };
    crate::model::services(&project.model)
        .filter(|(name, _)| services.contains(name))
        .filter_map(|(_, service)| service.get("volumes").and_then(|v| v.as_array()))
        .flatten()
        .filter(|mount| mount.get("type").and_then(|t| t.as_str()) == Some("volume"))
        .filter_map(|mount| mount.get("source").and_then(|s| s.as_str()))
        .map(str::to_string)
        .collect()
}

/// The table, as v2 prints it (the docker CLI's tabwriter: a cell padded to the widest plus
/// three spaces, at least ten columns).
pub fn render_table(volumes: &[VolumeInfo]) -> String {
    let width = volumes
        .iter()
        .map(|v| v.driver.len())
        .chain(["DRIVER".len()])
        .max()
        .unwrap_or(0)
        .saturating_add(3)
        .max(10);
    let mut out = format!("{:<width$}VOLUME NAME\n", "DRIVER");
    for volume in volumes {
        out.push_str(&format!("{:<width$}{}\n", volume.driver, volume.name));
    }
    out
}

/// The keys of [`json_object`], the fields a `--format` template may name.
const FIELDS: [&str; 10] = [
    "Availability",
    "Driver",
    "Group",
    "Labels",
    "Links",
    "Mountpoint",
    "Name",
    "Scope",
    "Size",
    "Status",
];

pub fn render_json(volume: &VolumeInfo) -> String {
    json_object(volume).to_string()
}

/// One JSON object, with the keys and `N/A` values `docker volume ls --format json` prints.
fn json_object(volume: &VolumeInfo) -> serde_json::Value {
    let labels: Vec<String> = volume
        .labels
        .iter()
        .map(|(key, value)| format!("{key}={value}"))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    serde_json::json!({
        "Availability": "N/A",
        "Driver": volume.driver,
        "Group": "N/A",
        "Labels": labels.join(","),
        "Links": "N/A",
        "Mountpoint": volume.mountpoint,
        "Name": volume.name,
        "Scope": volume.scope,
        "Size": "N/A",
        "Status": "N/A",
    })
}

pub fn run(global: &GlobalOptions, args: &VolumesArgs) -> u8 {
    let template = !matches!(args.format.as_str(), "table" | "json");
    if template {
        if let Err(message) = super::go_template::check(&args.format, &FIELDS) {
            eprintln!("error: unsupported --format: {message}");
            return exit::INVALID;
        }
    }
    daily_support::with_engine(
        global,
        &args.services,
        false,
        async |scope: Scope, engine: DockerEngine| {
            let mut volumes = match engine.list_volumes(&ProjectFilter::new(&scope.name)).await {
                Ok(volumes) => volumes,
                Err(error) => {
                    eprintln!("error: {error}");
                    return exit::FAILURE;
                }
            };
            if !args.services.is_empty() {
                let keys = mounted_by(&scope, &args.services);
                volumes.retain(|v| {
                    v.labels
                        .get(crate::plan::labels::VOLUME)
                        .is_some_and(|key| keys.contains(key))
                });
            }
            volumes.sort_by(|a, b| a.name.cmp(&b.name));
            if args.quiet {
                for volume in &volumes {
                    println!("{}", volume.name);
                }
            } else if template {
                for volume in &volumes {
                    let object = json_object(volume);
                    let value = |field: &str| object[field].as_str().unwrap_or("").to_string();
                    println!("{}", super::go_template::render(&args.format, &value));
                }
            } else if args.format == "json" {
                for volume in &volumes {
                    println!("{}", render_json(volume));
                }
            } else {
                print!("{}", render_table(&volumes));
            }
            exit::OK
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_and_json_read_as_docker_compose_prints_them() {
        let volume = VolumeInfo {
            name: "p_data".into(),
            driver: "local".into(),
            mountpoint: "/var/lib/docker/volumes/p_data/_data".into(),
            labels: [("z".to_string(), "1".to_string()), ("a".into(), "b".into())]
                .into_iter()
                .collect(),
            scope: "local".into(),
            ..VolumeInfo::default()
        };
        assert_eq!(
            render_table(std::slice::from_ref(&volume)),
            "DRIVER    VOLUME NAME\nlocal     p_data\n"
        );
        assert_eq!(
            render_json(&volume),
            r#"{"Availability":"N/A","Driver":"local","Group":"N/A","Labels":"a=b,z=1","Links":"N/A","Mountpoint":"/var/lib/docker/volumes/p_data/_data","Name":"p_data","Scope":"local","Size":"N/A","Status":"N/A"}"#
        );
    }
}
