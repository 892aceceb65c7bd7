//! `rcompose events [SERVICE...]`: the project's container events as they happen, until Ctrl-C
//! (or `--until`), as `docker compose events` prints them: `2026-11-27 23:50:02.184729
//! container kill <id> (image=..., name=p-web-1, signal=15)`, or with `--json` one object per
//! line with v2's fields (`action`, `attributes`, `id`, `service`, `time`, `type`). The
//! `com.docker.compose.*` labels are left out of the attributes, one-off containers' events too.
//!
//! Differences from docker compose v2, chosen: the attributes of a text line are sorted (v2's
//! order is random) and no empty line follows each; times are UTC (v2 prints the local zone).

use clap::Args;
use futures_util::StreamExt;
use serde_json::json;

use super::daily_support;
use super::engine_session::{Interrupt, Scope, INTERRUPTED};
use super::{exit, GlobalOptions};
use crate::engine::{DockerEngine, EngineEvent, EventEngine, Labels, ProjectFilter};
use crate::plan::labels;

#[derive(Debug, Args)]
pub struct EventsArgs {
    /// Only these services' events
    #[arg(value_name = "SERVICE")]
    services: Vec<String>,
    /// Output events as a stream of json objects
    #[arg(long)]
    json: bool,
    /// Show all events created since timestamp
    #[arg(long, value_name = "TIMESTAMP")]
    since: Option<String>,
    /// Stream events until this timestamp
    #[arg(long, value_name = "TIMESTAMP")]
    until: Option<String>,
}

pub fn run(global: &GlobalOptions, args: &EventsArgs) -> u8 {
    daily_support::with_engine(
        global,
        &args.services,
        false,
        async |scope: Scope, engine: DockerEngine| {
            let interrupt = Interrupt::install();
            let mut stream = match engine
                .project_events(
                    &ProjectFilter::new(&scope.name),
                    args.since.as_deref(),
                    args.until.as_deref(),
                )
                .await
            {
                Ok(stream) => stream,
                Err(error) => {
                    eprintln!("error: {error}");
                    return exit::FAILURE;
                }
            };
            loop {
                let next = tokio::select! {
                    next = stream.next() => next,
                    _ = interrupt.reached(1) => return INTERRUPTED,
                };
                match next {
                    None => return exit::OK,
                    Some(Err(error)) => {
                        eprintln!("error: {error}");
                        return exit::FAILURE;
                    }
                    Some(Ok(event)) => {
                        if let Some(line) = render(&event, &args.services, args.json) {
                            use std::io::Write;
                            let mut stdout = std::io::stdout().lock();
                            if writeln!(stdout, "{line}")
                                .and_then(|()| stdout.flush())
                                .is_err()
                            {
                                // The reader went away (a closed pipe).
                                return exit::OK;
                            }
                        }
                    }
                }
            }
        },
    )
}

/// The line for one event, or `None` for an event `events` does not show (not a container's,
/// a one-off container's, another service's).
pub fn render(event: &EngineEvent, services: &[String], as_json: bool) -> Option<String> {
    if event.kind != "container" {
        return None;
    }
    if event
        .attributes
        .get(labels::ONEOFF)
        .is_some_and(|v| v.eq_ignore_ascii_case("true"))
    {
        return None;
    }
    let service = event
        .attributes
        .get(labels::SERVICE)
        .cloned()
        .unwrap_or_default();
    if !services.is_empty() && !services.contains(&service) {
        return None;
    }
    let attributes: Labels = event
        .attributes
        .iter()
        .filter(|(key, _)| !key.starts_with("com.docker.compose."))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    if as_json {
        // Keys in Go's order (sorted), as v2 marshals its map.
        return Some(
            json!({
                "action": event.action,
                "attributes": attributes,
                "id": event.actor_id,
                "service": service,
                "time": rfc3339_nanos(event.time_nanos),
                "type": "container",
            })
            .to_string(),
        );
    }
    let attributes: Vec<String> = attributes.iter().map(|(k, v)| format!("{k}={v}")).collect();
    Some(format!(
        "{} container {} {} ({})",
        micros_time(event.time_nanos),
        event.action,
        event.actor_id,
        attributes.join(", ")
    ))
}

fn civil(nanos: i64) -> (i64, u32, u32, i64, i64, i64, i64) {
    let seconds = nanos.div_euclid(1_000_000_000);
    let fraction = nanos.rem_euclid(1_000_000_000);
    let days = seconds.div_euclid(86_400);
    let rest = seconds.rem_euclid(86_400);
    // Civil from days (Howard Hinnant).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (
        year,
        month,
        day,
        rest / 3600,
        (rest % 3600) / 60,
        rest % 60,
        fraction,
    )
}

/// Go's `time.RFC3339Nano` in UTC: `2026-11-27T23:50:13.11657651Z` (trailing zeros dropped).
pub fn rfc3339_nanos(nanos: i64) -> String {
    let (year, month, day, hour, minute, second, fraction) = civil(nanos);
    let mut text = format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}");
    if fraction != 0 {
        let digits = format!("{fraction:09}");
        text.push('.');
        text.push_str(digits.trim_end_matches('0'));
    }
    text.push('Z');
    text
}

/// `2026-11-27 23:50:02.184729`, as v2's text lines.
fn micros_time(nanos: i64) -> String {
    let (year, month, day, hour, minute, second, fraction) = civil(nanos);
    format!(
        "{year:04}-{month:02}-{day:02} {hour:02}:{minute:02}:{second:02}.{:06}",
        fraction / 1000
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event() -> EngineEvent {
        EngineEvent {
            kind: "container".into(),
            action: "kill".into(),
            actor_id: "51859ea2".into(),
            attributes: [
                ("com.docker.compose.project", "dv2"),
                ("com.docker.compose.service", "web"),
                ("image", "rcompose-test/busybox:latest"),
                ("name", "dv2-web-1"),
                ("signal", "15"),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
            time_nanos: 1_795_218_602_184_729_279,
        }
    }

    #[test]
    fn json_lines_have_v2s_fields() {
        assert_eq!(
            render(&event(), &[], true).unwrap(),
            r#"{"action":"kill","attributes":{"image":"rcompose-test/busybox:latest","name":"dv2-web-1","signal":"15"},"id":"51859ea2","service":"web","time":"2026-11-20T23:50:02.184729279Z","type":"container"}"#
        );
    }

    #[test]
    fn text_lines_read_like_v2() {
        assert_eq!(
            render(&event(), &["web".into()], false).unwrap(),
            "2026-11-20 23:50:02.184729 container kill 51859ea2 (image=rcompose-test/busybox:latest, name=dv2-web-1, signal=15)"
        );
        assert_eq!(render(&event(), &["db".into()], false), None);
        let mut network = event();
        network.kind = "network".into();
        assert_eq!(render(&network, &[], true), None);
    }

    #[test]
    fn times_trim_trailing_zeros() {
        assert_eq!(rfc3339_nanos(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339_nanos(1_500_000_000), "1970-01-01T00:00:01.5Z");
    }
}
