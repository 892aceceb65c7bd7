//! `RCOMPOSE_TIMINGS=1`: where a command's time went, phase by phase, as one line on stderr —
//! rcompose's own work (loading the files, planning) apart from the phases that wait on the
//! engine, with the number of engine calls each made:
//!
//! ```text
//! timings: load 2.1ms, connect 0.9ms (1 call), lock 0.1ms, observe 1.8ms (4 calls), plan 0.2ms,
//!   preflight 0.0ms (0 calls), execute 0.0ms (0 calls); total 5.2ms (own work 2.4ms, 5 engine calls)
//! ```
//!
//! (one line in the output). Off unless the variable is set to something other than `0`.

use std::time::{Duration, Instant};

/// The environment variable that turns the timings on.
pub const TIMINGS_VAR: &str = "RCOMPOSE_TIMINGS";

struct Phase {
    name: &'static str,
    took: Duration,
    /// Engine calls made in the phase; `None` for phases of own work only.
    calls: Option<u64>,
}

/// A stopwatch over a command's phases; marks cost nothing when the timings are off.
pub struct Timings {
    enabled: bool,
    start: Instant,
    mark: Instant,
    calls_mark: u64,
    phases: Vec<Phase>,
}

impl Timings {
    /// Starts the clock; on when `RCOMPOSE_TIMINGS` is set (and not `0`).
    pub fn start() -> Timings {
        let enabled =
            std::env::var(TIMINGS_VAR).is_ok_and(|value| !value.is_empty() && value != "0");
        Timings::new(enabled)
    }

    pub fn new(enabled: bool) -> Timings {
        let now = Instant::now();
        Timings {
            enabled,
            start: now,
            mark: now,
            calls_mark: 0,
            phases: Vec::new(),
        }
    }

    /// Ends a phase of own work (no engine calls).
    pub fn own(&mut self, name: &'static str) {
        self.end(name, None);
    }

    /// Ends a phase that called the engine; `calls` is the engine's running count of calls.
    pub fn engine(&mut self, name: &'static str, calls: u64) {
        let made = calls.saturating_sub(self.calls_mark);
        self.calls_mark = calls;
        self.end(name, Some(made));
    }

    fn end(&mut self, name: &'static str, calls: Option<u64>) {
        let now = Instant::now();
        if self.enabled {
            self.phases.push(Phase {
                name,
                took: now.duration_since(self.mark),
                calls,
            });
        }
        self.mark = now;
    }

    /// The summary line (without the `timings: ` prefix).
    pub fn render(&self) -> String {
        let phases: Vec<String> = self
            .phases
            .iter()
            .map(|phase| match phase.calls {
                None => format!("{} {}", phase.name, millis(phase.took)),
                Some(calls) => format!(
                    "{} {} ({calls} call{})",
                    phase.name,
                    millis(phase.took),
                    if calls == 1 { "" } else { "s" }
                ),
            })
            .collect();
        let own: Duration = self
            .phases
            .iter()
            .filter(|phase| phase.calls.is_none())
            .map(|phase| phase.took)
            .sum();
        let calls: u64 = self.phases.iter().filter_map(|phase| phase.calls).sum();
        let total = self
            .phases
            .iter()
            .map(|phase| phase.took)
            .sum::<Duration>()
            .max(self.mark.duration_since(self.start));
        format!(
            "{}; total {} (own work {}, {calls} engine call{})",
            phases.join(", "),
            millis(total),
            millis(own),
            if calls == 1 { "" } else { "s" }
        )
    }

    /// Prints the summary line to stderr, when the timings are on.
    pub fn print(&self) {
        if self.enabled {
            eprintln!("timings: {}", self.render());
        }
    }
}

fn millis(duration: Duration) -> String {
    let ms = duration.as_secs_f64() * 1000.0;
    if ms >= 1000.0 {
        format!("{:.2}s", ms / 1000.0)
    } else {
        format!("{ms:.1}ms")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phases_show_their_calls_and_own_work_adds_up() {
        let mut timings = Timings::new(true);
        timings.own("load");
        timings.engine("connect", 1);
        timings.engine("observe", 5);
        timings.own("plan");
        let line = timings.render();
        assert!(line.starts_with("load "), "{line}");
        assert!(line.contains(", connect "), "{line}");
        assert!(line.contains("ms (1 call), observe "), "{line}");
        assert!(line.contains("ms (4 calls), plan "), "{line}");
        assert!(line.ends_with(", 5 engine calls)"), "{line}");
    }

    #[test]
    fn off_records_nothing() {
        let mut timings = Timings::new(false);
        timings.own("load");
        assert!(timings.phases.is_empty());
    }
}
