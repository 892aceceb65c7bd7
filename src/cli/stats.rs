//! `rcompose stats [SERVICE]`: the resource usage of the project's containers (running ones,
//! all with `--all`), in `docker stats`'s table (`CONTAINER ID  NAME  CPU %  MEM USAGE / LIMIT
//! MEM %  NET I/O  BLOCK I/O  PIDS`), `--format json` (one object a line, its keys) or
//! `--format TEMPLATE` (`{{.Name}}  {{.CPUPerc}}`).
//! `--no-stream` prints one sample; without it the table is redrawn every sample until Ctrl-C.

use clap::Args;
use futures_util::future::join_all;

use super::daily_support;
use super::engine_session::{Interrupt, Scope, INTERRUPTED};
use super::{exit, GlobalOptions};
use crate::engine::{ContainerSummary, DockerEngine, SnapshotEngine, StatsSample};

#[derive(Debug, Args)]
pub struct StatsArgs {
    /// Only this service's containers
    #[arg(value_name = "SERVICE")]
    service: Option<String>,
    /// Show all containers (default shows just running)
    #[arg(short = 'a', long)]
    all: bool,
    /// Format the output: table | json | TEMPLATE (`{{.Name}}\t{{.CPUPerc}}`)
    #[arg(long, value_name = "FORMAT", default_value = "table")]
    format: String,
    /// Disable streaming stats and only pull the first result
    #[arg(long)]
    no_stream: bool,
    /// Do not truncate output
    #[arg(long)]
    no_trunc: bool,
}

/// Go's `%.<precision>g` for the sizes docker prints: `precision` significant digits, no
/// trailing zeros.
fn significant(value: f64, precision: i32) -> String {
    if value == 0.0 {
        return "0".to_string();
    }
    let magnitude = value.abs().log10().floor() as i32;
    let decimals = usize::try_from((precision - 1 - magnitude).max(0)).unwrap_or(0);
    let text = format!("{value:.decimals$}");
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    }
}

/// go-units' sizes: `%.<precision>g` and the unit, dividing by `base` while it fits.
fn size(bytes: u64, base: f64, units: &[&str], precision: i32) -> String {
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= base && unit < units.len() - 1 {
        value /= base;
        unit += 1;
    }
    format!("{}{}", significant(value, precision), units[unit])
}

/// `568KiB`, `23.59GiB`: memory, in binary units.
pub fn binary_size(bytes: u64) -> String {
    size(
        bytes,
        1024.0,
        &["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"],
        4,
    )
}

/// `1.31kB`, `0B`: network and disk traffic, in decimal units.
pub fn decimal_size(bytes: u64) -> String {
    size(bytes, 1000.0, &["B", "kB", "MB", "GB", "TB", "PB", "EB"], 3)
}

/// The cells of one row, in the table's column order.
fn cells(container: &ContainerSummary, sample: &StatsSample, no_trunc: bool) -> [String; 8] {
    let id = if no_trunc {
        container.id.clone()
    } else {
        super::up::short_id(&container.id).to_string()
    };
    [
        id,
        container.name.clone(),
        format!("{:.2}%", sample.cpu_percent()),
        format!(
            "{} / {}",
            binary_size(sample.memory_usage),
            binary_size(sample.memory_limit)
        ),
        format!("{:.2}%", sample.memory_percent()),
        format!(
            "{} / {}",
            decimal_size(sample.net_rx),
            decimal_size(sample.net_tx)
        ),
        format!(
            "{} / {}",
            decimal_size(sample.block_read),
            decimal_size(sample.block_write)
        ),
        sample.pids.to_string(),
    ]
}

const TITLES: [&str; 8] = [
    "CONTAINER ID",
    "NAME",
    "CPU %",
    "MEM USAGE / LIMIT",
    "MEM %",
    "NET I/O",
    "BLOCK I/O",
    "PIDS",
];

/// The docker CLI's tabwriter: every column but the last padded to its widest cell plus three
/// spaces, at least ten columns.
pub fn render_table(rows: &[[String; 8]]) -> String {
    let mut widths = TITLES.map(str::len);
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.len());
        }
    }
    let line = |cells: [&str; 8]| {
        let mut out = String::new();
        for (i, cell) in cells.iter().enumerate() {
            if i + 1 == cells.len() {
                out.push_str(cell);
            } else {
                let width = (widths[i] + 3).max(10);
                out.push_str(&format!("{cell:<width$}"));
            }
        }
        out.push('\n');
        out
    };
    let mut out = line(TITLES);
    for row in rows {
        out.push_str(&line(row.each_ref().map(String::as_str)));
    }
    out
}

/// The keys of [`json_object`], the fields a `--format` template may name.
const FIELDS: [&str; 9] = [
    "BlockIO",
    "CPUPerc",
    "Container",
    "ID",
    "MemPerc",
    "MemUsage",
    "Name",
    "NetIO",
    "PIDs",
];

pub fn render_json(container: &ContainerSummary, row: &[String; 8]) -> String {
    json_object(container, row).to_string()
}

/// One JSON object with `docker stats --format json`'s keys, in its (alphabetical) order.
fn json_object(container: &ContainerSummary, row: &[String; 8]) -> serde_json::Value {
    serde_json::json!({
        "BlockIO": row[6],
        "CPUPerc": row[2],
        "Container": container.id,
        "ID": row[0],
        "MemPerc": row[4],
        "MemUsage": row[3],
        "Name": row[1],
        "NetIO": row[5],
        "PIDs": row[7],
    })
}

pub fn run(global: &GlobalOptions, args: &StatsArgs) -> u8 {
    let template = !matches!(args.format.as_str(), "table" | "json");
    if template {
        if let Err(message) = super::go_template::check(&args.format, &FIELDS) {
            eprintln!("error: unsupported --format: {message}");
            return exit::INVALID;
        }
    }
    let services: Vec<String> = args.service.iter().cloned().collect();
    daily_support::with_engine(
        global,
        &services,
        false,
        async |scope: Scope, engine: DockerEngine| {
            let interrupt = Interrupt::install();
            loop {
                let containers = match daily_support::service_containers(
                    &engine,
                    &scope.name,
                    &services,
                    args.all,
                )
                .await
                {
                    Ok(containers) => containers,
                    Err(code) => return code,
                };
                let samples = tokio::select! {
                    samples = join_all(containers.iter().map(|c| engine.container_stats(&c.id))) => samples,
                    _ = interrupt.reached(1) => return INTERRUPTED,
                };
                let mut rows = Vec::new();
                for (container, sample) in containers.iter().zip(samples) {
                    match sample {
                        Ok(sample) => {
                            rows.push((container, cells(container, &sample, args.no_trunc)))
                        }
                        // Gone between the listing and the sample: not listed, as docker does.
                        Err(error) if error.is_not_found() => {}
                        Err(error) => {
                            eprintln!("error: {error}");
                            return exit::FAILURE;
                        }
                    }
                }
                let text = if template {
                    rows.iter()
                        .map(|(container, row)| {
                            let object = json_object(container, row);
                            let value =
                                |field: &str| object[field].as_str().unwrap_or("").to_string();
                            super::go_template::render(&args.format, &value) + "\n"
                        })
                        .collect()
                } else if args.format == "json" {
                    rows.iter()
                        .map(|(container, row)| render_json(container, row) + "\n")
                        .collect()
                } else {
                    render_table(&rows.into_iter().map(|(_, row)| row).collect::<Vec<_>>())
                };
                if args.no_stream {
                    print!("{text}");
                    return exit::OK;
                }
                // Redrawn in place, as `docker stats` does: cursor home, clear the screen.
                print!("\x1b[H\x1b[2J{text}");
                let _ = std::io::Write::flush(&mut std::io::stdout());
                tokio::select! {
                    _ = tokio::time::sleep(std::time::Duration::from_millis(500)) => {}
                    _ = interrupt.reached(1) => return exit::OK,
                }
            }
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_as_docker_prints_them() {
        assert_eq!(binary_size(581_632), "568KiB");
        assert_eq!(binary_size(25_329_000_000), "23.59GiB");
        assert_eq!(decimal_size(1310), "1.31kB");
        assert_eq!(decimal_size(0), "0B");
        assert_eq!(decimal_size(999), "999B");
    }

    #[test]
    fn the_table_pads_as_docker_stats_does() {
        let row = [
            "bb45134cfc72",
            "hv-web-1",
            "0.00%",
            "568KiB / 23.59GiB",
            "0.00%",
            "1.31kB / 0B",
            "0B / 0B",
            "1",
        ]
        .map(String::from);
        assert_eq!(
            render_table(&[row]),
            "CONTAINER ID   NAME       CPU %     MEM USAGE / LIMIT   MEM %     NET I/O       BLOCK I/O   PIDS\n\
             bb45134cfc72   hv-web-1   0.00%     568KiB / 23.59GiB   0.00%     1.31kB / 0B   0B / 0B     1\n"
        );
    }
}
