//! `rcompose ps`: the project's containers, as `docker compose ps` prints them (a table of NAME,
//! IMAGE, COMMAND, SERVICE, CREATED, STATUS, PORTS; or one JSON object per line; or ids, or
//! service names). Running containers only, unless `-a` or `--status`.

use std::collections::BTreeSet;

use clap::{Args, ValueEnum};
use serde_json::json;

use super::engine_session as session;
use super::{exit, GlobalOptions};
use crate::engine::{ContainerPort, ContainerStatus, ContainerSummary, Engine, ProjectFilter};
use crate::plan::labels;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Json,
}

#[derive(Debug, Args)]
pub struct PsArgs {
    /// Only these services' containers
    #[arg(value_name = "SERVICE")]
    services: Vec<String>,
    /// Show all stopped containers too
    #[arg(short = 'a', long)]
    all: bool,
    /// Only display IDs
    #[arg(short = 'q', long)]
    quiet: bool,
    /// Display services
    #[arg(long = "services", id = "services_only")]
    services_only: bool,
    /// Filter by status (repeatable): paused | restarting | removing | running | dead | created
    /// | exited
    #[arg(long, value_name = "STATUS")]
    status: Vec<String>,
    /// Filter by a property: `status=running`
    #[arg(long, value_name = "KEY=VALUE")]
    filter: Vec<String>,
    /// Format the output: table | json
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
    /// Don't truncate the output
    #[arg(long)]
    no_trunc: bool,
    /// Include the containers of services the files do not declare (`--orphans=false`: not)
    #[arg(long, value_name = "BOOL", default_value_t = true, action = clap::ArgAction::Set, num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    orphans: bool,
}

const STATUSES: [&str; 7] = [
    "paused",
    "restarting",
    "removing",
    "running",
    "dead",
    "created",
    "exited",
];

pub fn run(global: &GlobalOptions, args: &PsArgs) -> u8 {
    let mut statuses: Vec<String> = args.status.clone();
    for filter in &args.filter {
        match filter.split_once('=') {
            Some(("status", value)) => statuses.push(value.to_string()),
            _ => {
                eprintln!("error: unsupported filter `{filter}`: only `status=STATUS` is");
                return exit::INVALID;
            }
        }
    }
    for status in &statuses {
        if !STATUSES.contains(&status.as_str()) {
            eprintln!(
                "error: invalid status `{status}`: expected one of {}",
                STATUSES.join(", ")
            );
            return exit::INVALID;
        }
    }
    let scope = match session::load_optional(global) {
        Ok(scope) => scope,
        Err(code) => return code,
    };
    if let Err(code) = session::check_services(&scope, &args.services) {
        return code;
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
        let all = args.all || !statuses.is_empty();
        // Without the files, nothing is known to be an orphan.
        let declared: Option<BTreeSet<&str>> = scope
            .project
            .as_ref()
            .filter(|_| !args.orphans)
            .map(|project| {
                crate::model::services(&project.model)
                    .map(|(name, _)| name.as_str())
                    .chain(scope.inactive_services.iter().map(String::as_str))
                    .collect()
            });
        let shown: Vec<&ContainerSummary> = containers
            .iter()
            .filter(|c| all || c.status == ContainerStatus::Running)
            .filter(|c| statuses.is_empty() || statuses.iter().any(|s| s == c.status.as_str()))
            .filter(|c| {
                declared.as_ref().is_none_or(|declared| {
                    c.labels
                        .get(labels::SERVICE)
                        .is_some_and(|s| declared.contains(s.as_str()))
                })
            })
            .filter(|c| {
                args.services.is_empty()
                    || c.labels
                        .get(labels::SERVICE)
                        .is_some_and(|s| args.services.contains(s))
            })
            .collect();
        if args.quiet {
            for container in &shown {
                println!("{}", container.id);
            }
            return exit::OK;
        }
        if args.services_only {
            let services: BTreeSet<&str> = shown
                .iter()
                .filter_map(|c| c.labels.get(labels::SERVICE).map(String::as_str))
                .collect();
            for service in services {
                println!("{service}");
            }
            return exit::OK;
        }
        let now = unix_now();
        match args.format {
            Format::Json => {
                for container in &shown {
                    println!("{}", json_row(container, now));
                }
            }
            Format::Table => {
                let mut rows = vec![[
                    "NAME", "IMAGE", "COMMAND", "SERVICE", "CREATED", "STATUS", "PORTS",
                ]
                .map(String::from)
                .to_vec()];
                for container in &shown {
                    let command = container.command.clone();
                    let command = if args.no_trunc {
                        command
                    } else {
                        truncate(&command, 20)
                    };
                    rows.push(vec![
                        container.name.clone(),
                        container.image.clone(),
                        format!("\"{command}\""),
                        container
                            .labels
                            .get(labels::SERVICE)
                            .cloned()
                            .unwrap_or_default(),
                        format!("{} ago", human_duration(now - container.created)),
                        container.status_text.clone(),
                        ports_text(&container.ports),
                    ]);
                }
                print!("{}", table(&rows, 10, 3));
            }
        }
        exit::OK
    })
}

fn json_row(container: &ContainerSummary, now: i64) -> String {
    let label = |key: &str| container.labels.get(key).cloned().unwrap_or_default();
    let labels_text: Vec<String> = container
        .labels
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    let ports = &container.ports;
    let publishers: Vec<serde_json::Value> = ports
        .iter()
        .map(|p| {
            json!({
                "URL": p.ip.clone().unwrap_or_default(),
                "TargetPort": p.private_port,
                "PublishedPort": p.public_port.unwrap_or(0),
                "Protocol": p.protocol,
            })
        })
        .collect();
    json!({
        "Command": format!("\"{}\"", container.command),
        "CreatedAt": created_at(container.created),
        "ExitCode": exit_code(&container.status_text),
        "Health": health(&container.status_text),
        "ID": super::up::short_id(&container.id),
        "Image": container.image,
        "Labels": labels_text.join(","),
        "Name": container.name,
        "Names": container.name,
        "Networks": container.networks.join(","),
        "Ports": ports_text(ports),
        "Project": label(labels::PROJECT),
        "Publishers": publishers,
        "RunningFor": format!("{} ago", human_duration(now - container.created)),
        "Service": label(labels::SERVICE),
        "State": container.status.as_str(),
        "Status": container.status_text,
    })
    .to_string()
}

/// `Exited (137) 2 seconds ago` → 137.
fn exit_code(status: &str) -> i64 {
    status
        .strip_prefix("Exited (")
        .and_then(|rest| rest.split(')').next())
        .and_then(|code| code.parse().ok())
        .unwrap_or(0)
}

/// `Up 2 minutes (healthy)` → `healthy`.
fn health(status: &str) -> &str {
    for word in ["healthy", "unhealthy", "health: starting"] {
        if status.ends_with(&format!("({word})")) {
            return if word == "health: starting" {
                "starting"
            } else {
                word
            };
        }
    }
    ""
}

fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// Unix seconds as `2026-11-27 22:21:47 +0000 UTC`.
fn created_at(seconds: i64) -> String {
    let days = seconds.div_euclid(86_400);
    let rest = seconds.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02} +0000 UTC",
        rest / 3600,
        (rest % 3600) / 60,
        rest % 60
    )
}

/// Days since 1970-01-01 → (year, month, day), Howard Hinnant's algorithm.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = u32::try_from(doy - (153 * mp + 2) / 5 + 1).unwrap_or(1);
    let m = u32::try_from(if mp < 10 { mp + 3 } else { mp - 9 }).unwrap_or(1);
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// docker's `units.HumanDuration`: "Less than a second", "3 seconds", "About a minute", ...
pub fn human_duration(seconds: i64) -> String {
    let seconds = seconds.max(0);
    let minutes = seconds / 60;
    let hours = minutes / 60;
    let days = hours / 24;
    if seconds < 1 {
        "Less than a second".to_string()
    } else if seconds == 1 {
        "1 second".to_string()
    } else if seconds < 60 {
        format!("{seconds} seconds")
    } else if minutes == 1 {
        "About a minute".to_string()
    } else if minutes < 60 {
        format!("{minutes} minutes")
    } else if hours == 1 {
        "About an hour".to_string()
    } else if hours < 48 {
        format!("{hours} hours")
    } else if hours < 24 * 7 * 2 {
        format!("{days} days")
    } else if hours < 24 * 30 * 2 {
        format!("{} weeks", days / 7)
    } else if hours < 24 * 365 * 2 {
        format!("{} months", days / 30)
    } else {
        format!("{} years", days / 365)
    }
}

fn truncate(text: &str, width: usize) -> String {
    if text.chars().count() > width {
        text.chars()
            .take(width.saturating_sub(1))
            .chain(['…'])
            .collect()
    } else {
        text.to_string()
    }
}

/// `127.0.0.1:8081->8080/tcp, 9090/udp`, as docker prints published and exposed ports.
fn ports_text(ports: &[ContainerPort]) -> String {
    let mut ports = ports.to_vec();
    ports.sort_by(|a, b| {
        (
            a.private_port,
            &a.protocol,
            a.ip.as_deref().unwrap_or("").contains(':'),
        )
            .cmp(&(
                b.private_port,
                &b.protocol,
                b.ip.as_deref().unwrap_or("").contains(':'),
            ))
    });
    ports.dedup();
    ports
        .iter()
        .map(|port| match (port.public_port, &port.ip) {
            (Some(public), Some(ip)) => {
                let host = if ip.contains(':') {
                    format!("[{ip}]")
                } else {
                    ip.clone()
                };
                format!("{host}:{public}->{}/{}", port.private_port, port.protocol)
            }
            (Some(public), None) => format!("{public}->{}/{}", port.private_port, port.protocol),
            (None, _) => format!("{}/{}", port.private_port, port.protocol),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Columns as Go's tabwriter pads them (`minwidth`, `padding`), the last one not padded.
pub fn table(rows: &[Vec<String>], min_width: usize, padding: usize) -> String {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|column| {
            rows.iter()
                .filter_map(|row| row.get(column))
                .map(|cell| cell.chars().count() + padding)
                .max()
                .unwrap_or(0)
                .max(min_width)
        })
        .collect();
    let mut out = String::new();
    for row in rows {
        for (column, cell) in row.iter().enumerate() {
            if column + 1 == row.len() {
                out.push_str(cell);
            } else {
                out.push_str(cell);
                let pad = widths[column].saturating_sub(cell.chars().count());
                out.push_str(&" ".repeat(pad));
            }
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_pad_like_tabwriter() {
        let rows = vec![
            vec!["NAME".to_string(), "STATUS".to_string(), "X".to_string()],
            vec![
                "refcmpx".to_string(),
                "running(2)".to_string(),
                String::new(),
            ],
        ];
        assert_eq!(
            table(&rows, 20, 3),
            "NAME                STATUS              X\nrefcmpx             running(2)          \n"
        );
    }

    #[test]
    fn durations_read_like_docker() {
        assert_eq!(human_duration(0), "Less than a second");
        assert_eq!(human_duration(2), "2 seconds");
        assert_eq!(human_duration(61), "About a minute");
        assert_eq!(human_duration(3 * 3600), "3 hours");
        assert_eq!(human_duration(3 * 86_400), "3 days");
    }

    #[test]
    fn created_at_is_utc() {
        assert_eq!(created_at(0), "1970-01-01 00:00:00 +0000 UTC");
        assert_eq!(created_at(1_700_000_000), "2023-11-14 22:13:20 +0000 UTC");
    }

    #[test]
    fn ports_read_like_docker() {
        let ports = vec![
            ContainerPort {
                ip: Some("127.0.0.1".into()),
                private_port: 8080,
                public_port: Some(18089),
                protocol: "tcp".into(),
            },
            ContainerPort {
                ip: None,
                private_port: 9090,
                public_port: None,
                protocol: "udp".into(),
            },
        ];
        assert_eq!(ports_text(&ports), "127.0.0.1:18089->8080/tcp, 9090/udp");
        assert_eq!(exit_code("Exited (137) 2 seconds ago"), 137);
        assert_eq!(health("Up 2 minutes (healthy)"), "healthy");
    }
}
