//! `rcompose images [SERVICE...]`: the images of the project's containers (stopped ones too), as
//! `docker compose images` prints them: a table of CONTAINER, REPOSITORY, TAG, PLATFORM, IMAGE
//! ID, SIZE, CREATED; `-q` the image ids once each; `--format json` one array.

use std::collections::BTreeMap;

use clap::{Args, ValueEnum};
use serde_json::json;

use super::daily_support;
use super::engine_session::Scope;
use super::ps::{human_duration, table};
use super::{exit, GlobalOptions};
use crate::engine::{familiar_name, DockerEngine, ImageDetails, ImageEngine};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Json,
}

#[derive(Debug, Args)]
pub struct ImagesArgs {
    /// Only these services' containers
    #[arg(value_name = "SERVICE")]
    services: Vec<String>,
    /// Only display IDs
    #[arg(short = 'q', long)]
    quiet: bool,
    /// Format the output: table | json
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
}

pub fn run(global: &GlobalOptions, args: &ImagesArgs) -> u8 {
    daily_support::with_engine(
        global,
        &args.services,
        false,
        async |scope: Scope, engine: DockerEngine| {
            let containers =
                match daily_support::service_containers(&engine, &scope.name, &args.services, true)
                    .await
                {
                    Ok(containers) => containers,
                    Err(code) => return code,
                };
            let mut details: BTreeMap<String, ImageDetails> = BTreeMap::new();
            for container in &containers {
                if !details.contains_key(&container.image) {
                    match engine.image_details(&container.image).await {
                        Ok(image) => {
                            details.insert(container.image.clone(), image);
                        }
                        Err(error) => {
                            eprintln!("error: {error}");
                            return exit::FAILURE;
                        }
                    }
                }
            }
            let rows: Vec<(&String, &String, &ImageDetails)> = containers
                .iter()
                .map(|c| (&c.name, &c.image, &details[&c.image]))
                .collect();
            if args.quiet {
                let mut seen = Vec::new();
                for (_, _, image) in &rows {
                    let id = image
                        .id
                        .split_once(':')
                        .map_or(image.id.as_str(), |(_, id)| id);
                    if !seen.contains(&id) {
                        println!("{id}");
                        seen.push(id);
                    }
                }
                return exit::OK;
            }
            match args.format {
                Format::Json => {
                    let list: Vec<serde_json::Value> = rows
                        .iter()
                        .map(|(name, reference, image)| {
                            let (repository, tag) = familiar_name(reference).unwrap_or_default();
                            let mut object = json!({
                                "ID": image.id,
                                "ContainerName": name,
                                "Repository": repository,
                                "Tag": tag,
                                "Platform": image.platform(),
                                "Size": image.size,
                            });
                            if let Some(time) = &image.last_tag_time {
                                object["LastTagTime"] = json!(time);
                            }
                            object
                        })
                        .collect();
                    println!("{}", serde_json::Value::Array(list));
                }
                Format::Table => {
                    let now = std::time::SystemTime::now()
                        .duration_since(std::time::UNIX_EPOCH)
                        .map_or(0, |d| d.as_secs() as i64);
                    let mut lines = vec![[
                        "CONTAINER",
                        "REPOSITORY",
                        "TAG",
                        "PLATFORM",
                        "IMAGE ID",
                        "SIZE",
                        "CREATED",
                    ]
                    .map(String::from)
                    .to_vec()];
                    for (name, reference, image) in &rows {
                        let (repository, tag) = familiar_name(reference).unwrap_or_default();
                        let none = |text: String| {
                            if text.is_empty() {
                                "<none>".to_string()
                            } else {
                                text
                            }
                        };
                        let id = image
                            .id
                            .split_once(':')
                            .map_or(image.id.as_str(), |(_, id)| id);
                        let created = image
                            .created
                            .as_deref()
                            .and_then(unix_seconds)
                            .map_or("N/A".to_string(), |t| {
                                format!("{} ago", human_duration(now - t))
                            });
                        lines.push(vec![
                            name.to_string(),
                            none(repository),
                            none(tag),
                            image.platform(),
                            id.chars().take(12).collect(),
                            human_size(image.size),
                            created,
                        ]);
                    }
                    print!("{}", table(&lines, 20, 3));
                }
            }
            exit::OK
        },
    )
}

/// docker's `units.HumanSizeWithPrecision(size, 3)`: decimal units, three significant digits
/// (`1.99MB`, `12.3kB`, `100B`).
pub fn human_size(size: i64) -> String {
    const UNITS: [&str; 9] = ["B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"];
    let mut value = size as f64;
    let mut unit = 0;
    while value >= 1000.0 && unit + 1 < UNITS.len() {
        value /= 1000.0;
        unit += 1;
    }
    format!("{}{}", significant(value, 3), UNITS[unit])
}

/// Go's `%.{digits}g` for the values sizes take (no exponent below 1e`digits`).
fn significant(value: f64, digits: usize) -> String {
    if value == 0.0 {
        return "0".to_string();
    }
    let magnitude = value.abs().log10().floor() as i32;
    let decimals = (digits as i32 - 1 - magnitude).max(0) as usize;
    let text = format!("{value:.decimals$}");
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    }
}

/// RFC 3339 (`2026-11-27T23:42:13.357492658Z`, `...+01:00`) → Unix seconds.
pub fn unix_seconds(text: &str) -> Option<i64> {
    let (date, time) = text.split_once('T')?;
    let mut date_parts = date.split('-');
    let year: i64 = date_parts.next()?.parse().ok()?;
    let month: i64 = date_parts.next()?.parse().ok()?;
    let day: i64 = date_parts.next()?.parse().ok()?;
    let (clock, offset) = if let Some(clock) = time.strip_suffix('Z') {
        (clock, 0)
    } else {
        let at = time.rfind(['+', '-'])?;
        let (clock, zone) = time.split_at(at);
        let sign = if zone.starts_with('-') { -1 } else { 1 };
        let (h, m) = zone[1..].split_once(':')?;
        (
            clock,
            sign * (h.parse::<i64>().ok()? * 3600 + m.parse::<i64>().ok()? * 60),
        )
    };
    let mut clock_parts = clock.split(':');
    let hour: i64 = clock_parts.next()?.parse().ok()?;
    let minute: i64 = clock_parts.next()?.parse().ok()?;
    let second: i64 = clock_parts.next()?.split('.').next()?.parse().ok()?;
    // Days from civil (Howard Hinnant).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days * 86_400 + hour * 3600 + minute * 60 + second - offset)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_like_docker() {
        assert_eq!(human_size(1_985_593), "1.99MB");
        assert_eq!(human_size(12_345), "12.3kB");
        assert_eq!(human_size(100), "100B");
        assert_eq!(human_size(1_000_000), "1MB");
        assert_eq!(human_size(123_456_789), "123MB");
    }

    #[test]
    fn rfc3339_times_become_unix_seconds() {
        assert_eq!(unix_seconds("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            unix_seconds("2023-11-14T22:13:20.123456789Z"),
            Some(1_700_000_000)
        );
        assert_eq!(
            unix_seconds("2023-11-14T23:13:20+01:00"),
            Some(1_700_000_000)
        );
        assert_eq!(unix_seconds("garbage"), None);
    }
}
