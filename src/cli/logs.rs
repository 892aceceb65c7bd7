//! `rcompose logs [SERVICE...]`: the output of the project's service containers, each line behind
//! its `service-N  | ` prefix, as docker compose prints it. Without `-f` it prints what the
//! containers have written and ends, container after container (by name). With `-f` it follows
//! them: a container that stops ends its stream (`web-1 exited with code 0`), one that is started,
//! restarted or recreated meanwhile is picked up (the project is polled), and it ends once no
//! container of the selection has run for a few seconds, or on Ctrl-C (exit 130, as docker
//! compose).

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use clap::Args;
use tokio::sync::mpsc;

use super::engine_session::{self as session, Interrupt, INTERRUPTED};
use super::log_printer::{self, PrefixStyle};
use super::{exit, GlobalOptions};
use crate::engine::{DockerEngine, Engine, LogsOptions, ProjectFilter};
use crate::plan::ObservedContainer;

#[derive(Debug, Args)]
pub struct LogsArgs {
    /// Services whose output to show; default: all
    #[arg(value_name = "SERVICE")]
    services: Vec<String>,
    /// Follow log output (`-f` works too, as in docker compose)
    #[arg(long)]
    follow: bool,
    /// Number of lines to show from the end of the logs for each container (or `all`)
    #[arg(short = 'n', long, value_name = "N", default_value = "all")]
    tail: String,
    /// Show timestamps
    #[arg(short = 't', long)]
    timestamps: bool,
    /// Show logs since a time stamp (e.g. 2013-01-02T13:23:37Z) or relative (e.g. 42m for 42 minutes)
    #[arg(long, value_name = "TIME")]
    since: Option<String>,
    /// Show logs before a time stamp (e.g. 2013-01-02T13:23:37Z) or relative (e.g. 42m for 42 minutes)
    #[arg(long, value_name = "TIME")]
    until: Option<String>,
    /// Produce monochrome output
    #[arg(long)]
    no_color: bool,
    /// Don't print prefix in logs
    #[arg(long)]
    no_log_prefix: bool,
    /// The replica of the service (1, 2, ...); default: all
    #[arg(long, value_name = "N")]
    index: Option<u32>,
}

/// How often `-f` looks for containers that were started or recreated.
const POLL: Duration = Duration::from_millis(500);
/// How long `-f` goes on with nothing running before it ends (a recreate leaves a gap).
const IDLE_END: Duration = Duration::from_secs(3);

pub fn run(global: &GlobalOptions, args: &LogsArgs) -> u8 {
    let tail = match args.tail.trim() {
        "all" | "" => None,
        n => match n.parse::<i64>() {
            Ok(n) if n < 0 => None,
            Ok(n) => Some(usize::try_from(n).unwrap_or(usize::MAX)),
            Err(_) => {
                eprintln!("error: invalid --tail `{n}`: expected a number of lines or `all`");
                return exit::INVALID;
            }
        },
    };
    let now = log_printer::unix_now();
    let mut times = [None, None];
    for (slot, (flag, value)) in times
        .iter_mut()
        .zip([("--since", &args.since), ("--until", &args.until)])
    {
        if let Some(value) = value {
            match parse_time(value, now) {
                Ok(t) => *slot = Some(t),
                Err(message) => {
                    eprintln!("error: invalid {flag} `{value}`: {message}");
                    return exit::INVALID;
                }
            }
        }
    }
    if args.index == Some(0) {
        eprintln!("error: invalid --index `0`: replicas are numbered from 1");
        return exit::INVALID;
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
    let options = LogsOptions {
        follow: args.follow,
        tail,
        timestamps: args.timestamps,
        since: times[0],
        until: times[1],
        ..LogsOptions::default()
    };
    let selection = Selection {
        project: scope.name.clone(),
        services: args.services.clone(),
        index: args.index,
    };
    let color = log_printer::use_color(!args.no_color);
    runtime.block_on(async {
        let interrupt = Interrupt::install();
        let engine = match session::connect().await {
            Ok(engine) => engine,
            Err(code) => return code,
        };
        let containers = match selection.list(&engine).await {
            Ok(containers) => containers,
            Err(code) => return code,
        };
        let names: Vec<String> = containers.iter().map(log_printer::short_name).collect();
        let style = PrefixStyle::new(!args.no_log_prefix, color, &names);
        if !args.follow {
            for (index, container) in containers.iter().enumerate() {
                let prefix = style.prefix(&names[index], index);
                match engine.container_logs(&container.id, &options).await {
                    Ok(stream) => {
                        log_printer::print_stream(stream, &prefix).await;
                    }
                    // Removed since the list: nothing to show.
                    Err(error) if error.is_not_found() => {}
                    Err(error) => {
                        eprintln!("error: {error}");
                        return exit::FAILURE;
                    }
                }
            }
            return exit::OK;
        }
        tokio::select! {
            code = follow(&engine, &selection, containers, style, &options) => code,
            _ = interrupt.reached(1) => INTERRUPTED,
        }
    })
}

/// The containers `logs` shows.
struct Selection {
    project: String,
    services: Vec<String>,
    index: Option<u32>,
}

impl Selection {
    /// The selected service containers (no one-offs), by name.
    async fn list(&self, engine: &DockerEngine) -> Result<Vec<ObservedContainer>, u8> {
        let containers = engine
            .list_containers(&ProjectFilter::new(&self.project))
            .await
            .map_err(|error| {
                eprintln!("error: {error}");
                exit::FAILURE
            })?;
        Ok(containers
            .into_iter()
            .map(ObservedContainer::from_summary)
            .filter(|c| {
                !c.is_oneoff()
                    && (self.services.is_empty()
                        || c.service()
                            .is_some_and(|s| self.services.iter().any(|n| n == s)))
                    && self.index.is_none_or(|index| c.number() == Some(index))
            })
            .collect())
    }
}

/// A follower's end: its container stopped (with this exit code) or went away.
struct Ended {
    id: String,
    name: String,
    /// Set when the container ran while it was followed.
    exit_code: Option<i64>,
}

/// `-f`: one follower per running container, new ones as containers appear, until nothing has
/// run for [`IDLE_END`].
async fn follow(
    engine: &DockerEngine,
    selection: &Selection,
    initial: Vec<ObservedContainer>,
    mut style: PrefixStyle,
    options: &LogsOptions,
) -> u8 {
    let (sender, mut ended) = mpsc::unbounded_channel::<Ended>();
    // Containers with a follower, by id; the prefix index of each name; when a stream ended.
    let mut active: BTreeSet<String> = BTreeSet::new();
    let mut indexes: BTreeMap<String, usize> = BTreeMap::new();
    let mut id_of_name: BTreeMap<String, String> = BTreeMap::new();
    let mut ended_at: BTreeMap<String, i64> = BTreeMap::new();
    let mut tasks = Vec::new();
    let mut spawn = |container: &ObservedContainer,
                     options: LogsOptions,
                     style: &PrefixStyle,
                     active: &mut BTreeSet<String>| {
        let name = log_printer::short_name(container);
        let next = indexes.len();
        let index = *indexes.entry(name.clone()).or_insert(next);
        if let Some(previous) = id_of_name.insert(name.clone(), container.id.clone()) {
            if previous != container.id {
                println!("{name} has been recreated");
            }
        }
        active.insert(container.id.clone());
        tasks.push(tokio::spawn(follow_one(
            engine.clone(),
            container.id.clone(),
            name.clone(),
            style.prefix(&name, index),
            options,
            container.is_running(),
            sender.clone(),
        )));
    };
    for container in &initial {
        spawn(container, options.clone(), &style, &mut active);
    }
    let mut idle_since: Option<tokio::time::Instant> = None;
    let mut ticker = tokio::time::interval(POLL);
    let code = loop {
        tokio::select! {
            Some(end) = ended.recv() => {
                active.remove(&end.id);
                ended_at.insert(end.id.clone(), log_printer::unix_now());
                if let Some(code) = end.exit_code {
                    println!("{} exited with code {code}", end.name);
                }
            }
            _ = ticker.tick() => {
                let containers = match selection.list(engine).await {
                    Ok(containers) => containers,
                    Err(code) => break code,
                };
                let running: Vec<&ObservedContainer> =
                    containers.iter().filter(|c| c.is_running()).collect();
                for container in &running {
                    if active.contains(&container.id) {
                        continue;
                    }
                    let name = log_printer::short_name(container);
                    style.width = style.width.max(name.chars().count());
                    // A new container from its first line; a restarted one from where its
                    // stream ended.
                    let options = LogsOptions {
                        tail: None,
                        since: ended_at.get(&container.id).copied().or(options.since),
                        ..options.clone()
                    };
                    spawn(container, options, &style, &mut active);
                }
                if running.is_empty() && active.is_empty() {
                    let since = *idle_since.get_or_insert_with(tokio::time::Instant::now);
                    if since.elapsed() >= IDLE_END {
                        break exit::OK;
                    }
                } else {
                    idle_since = None;
                }
            }
        }
    };
    for task in tasks {
        task.abort();
    }
    code
}

/// Follows one container until its stream ends and it does not run any more.
async fn follow_one(
    engine: DockerEngine,
    id: String,
    name: String,
    prefix: String,
    options: LogsOptions,
    was_running: bool,
    ended: mpsc::UnboundedSender<Ended>,
) {
    let mut options = options;
    let mut ran = was_running;
    loop {
        match engine.container_logs(&id, &options).await {
            Ok(stream) => {
                log_printer::print_stream(stream, &prefix).await;
            }
            Err(_) => {
                let _ = ended.send(Ended {
                    id,
                    name,
                    exit_code: None,
                });
                return;
            }
        }
        let exit_code = match engine.inspect_container(&id).await {
            Ok(info) if info.state.running && options.until.is_none() => {
                // The stream ended early: go on from now.
                ran = true;
                options.since = Some(log_printer::unix_now());
                options.tail = None;
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
            Ok(info) => ran.then_some(info.state.exit_code),
            Err(_) => None,
        };
        let _ = ended.send(Ended {
            id,
            name,
            exit_code,
        });
        return;
    }
}

/// A `--since`/`--until` value as Unix seconds: Unix seconds (`1700000000`, fractions dropped),
/// a duration before `now` as Go writes them (`42m`, `1h30m`, `10s`, `1.5h`), or an RFC 3339 date
/// or time (`2013-01-02`, `2013-01-02T13:23:37`, `2013-01-02T13:23:37.5Z`,
/// `2013-01-02T13:23:37+02:00`; without a zone, UTC).
pub fn parse_time(value: &str, now: i64) -> Result<i64, String> {
    let value = value.trim();
    if value.is_empty() {
        return Err("empty time".to_string());
    }
    let integral = value.split('.').next().unwrap_or_default();
    if !integral.is_empty()
        && integral.chars().all(|c| c.is_ascii_digit())
        && value[integral.len()..]
            .strip_prefix('.')
            .is_none_or(|f| f.chars().all(|c| c.is_ascii_digit()))
        && !value.contains('-')
    {
        return integral
            .parse::<i64>()
            .map_err(|_| "the number is too large".to_string());
    }
    if let Some(seconds) = parse_go_duration(value) {
        return Ok(now - seconds);
    }
    parse_rfc3339(value).ok_or_else(|| {
        "expected a time stamp (2013-01-02T13:23:37Z), a date (2013-01-02), Unix seconds or a duration (42m, 1h30m)".to_string()
    })
}

/// `1h30m`, `42m`, `10s`, `1.5h`, `300ms` → whole seconds (rounded down).
fn parse_go_duration(value: &str) -> Option<i64> {
    let mut rest = value;
    let mut total = 0.0f64;
    let mut any = false;
    while !rest.is_empty() {
        let number_end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let number: f64 = rest[..number_end].parse().ok()?;
        rest = &rest[number_end..];
        let unit_end = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let scale = match &rest[..unit_end] {
            "ns" => 1e-9,
            "us" | "µs" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            _ => return None,
        };
        rest = &rest[unit_end..];
        total += number * scale;
        any = true;
    }
    // Whole seconds: the float is bounded by the input's digits.
    #[allow(clippy::cast_possible_truncation)]
    any.then_some(total.floor() as i64)
}

fn parse_rfc3339(value: &str) -> Option<i64> {
    let (date, time) = match value.split_once(['T', 't', ' ']) {
        Some((date, time)) => (date, Some(time)),
        None => (value, None),
    };
    let mut parts = date.split('-');
    let year: i64 = parts.next()?.parse().ok()?;
    let month: u32 = parts.next()?.parse().ok()?;
    let day: u32 = parts.next()?.parse().ok()?;
    if parts.next().is_some() || !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    let mut seconds = days_from_civil(year, month, day) * 86_400;
    if let Some(time) = time {
        let (clock, offset) = if let Some(clock) = time.strip_suffix(['Z', 'z']) {
            (clock, 0)
        } else if let Some(at) = time.rfind(['+', '-']) {
            let (clock, zone) = time.split_at(at);
            let sign = if zone.starts_with('-') { -1 } else { 1 };
            let (hours, minutes) = zone[1..].split_once(':').unwrap_or((&zone[1..], "0"));
            let hours: i64 = hours.parse().ok()?;
            let minutes: i64 = minutes.parse().ok()?;
            (clock, sign * (hours * 3600 + minutes * 60))
        } else {
            (time, 0)
        };
        let mut fields = clock.split(':');
        let hour: i64 = fields.next()?.parse().ok()?;
        let minute: i64 = fields.next().unwrap_or("0").parse().ok()?;
        let second_text = fields.next().unwrap_or("0");
        let second: i64 = second_text.split('.').next()?.parse().ok()?;
        if fields.next().is_some() || hour > 23 || minute > 59 || second > 60 {
            return None;
        }
        seconds += hour * 3600 + minute * 60 + second - offset;
    }
    Some(seconds)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month = i64::from(month);
    let day_of_year =
        (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

#[cfg(test)]
mod tests {
    use super::parse_time;

    #[test]
    fn times_as_docker_reads_them() {
        let now = 1_700_000_000;
        assert_eq!(parse_time("1600000000", now), Ok(1_600_000_000));
        assert_eq!(parse_time("1600000000.25", now), Ok(1_600_000_000));
        assert_eq!(parse_time("42m", now), Ok(now - 42 * 60));
        assert_eq!(parse_time("1h30m", now), Ok(now - 5400));
        assert_eq!(parse_time("1.5h", now), Ok(now - 5400));
        assert_eq!(parse_time("10s", now), Ok(now - 10));
        assert_eq!(parse_time("1970-01-01", now), Ok(0));
        assert_eq!(parse_time("2013-01-02T13:23:37Z", now), Ok(1_357_133_017));
        assert_eq!(
            parse_time("2013-01-02T13:23:37.123Z", now),
            Ok(1_357_133_017)
        );
        assert_eq!(
            parse_time("2013-01-02T15:23:37+02:00", now),
            Ok(1_357_133_017)
        );
        assert_eq!(parse_time("2013-01-02T13:23:37", now), Ok(1_357_133_017));
        assert_eq!(parse_time("2024-02-29", now), Ok(1_709_164_800));
        assert!(parse_time("yesterday", now).is_err());
        assert!(parse_time("5x", now).is_err());
        assert!(parse_time("2013-13-01", now).is_err());
    }
}
