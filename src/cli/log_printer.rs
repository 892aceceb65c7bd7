//! Containers' output as docker compose prints it, shared by `up` (attached) and `logs`: each line
//! behind a `service-N  | ` prefix, padded to the longest name shown and coloured on a terminal
//! (the colours docker compose cycles through), optionally with its time stamp.

use std::io::{IsTerminal, Write};

use futures_util::StreamExt;

use crate::engine::LogStream;
use crate::plan::ObservedContainer;

/// Colours docker compose cycles through for the prefixes.
pub const COLORS: [&str; 6] = ["36", "33", "32", "35", "34", "91"];

/// `web-1`: the container's name without the project, as docker compose prefixes; the full name
/// for a container without a replica number (a one-off).
pub fn short_name(container: &ObservedContainer) -> String {
    match (container.service(), container.number()) {
        (Some(service), Some(n)) => format!("{service}-{n}"),
        _ => container.name.clone(),
    }
}

/// Whether to colour: asked for, stdout is a terminal, and `NO_COLOR` is not set.
pub fn use_color(requested: bool) -> bool {
    requested && std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
}

/// How prefixes look: none, plain, or coloured; padded to `width` characters.
#[derive(Debug, Clone, Copy)]
pub struct PrefixStyle {
    pub prefix: bool,
    pub color: bool,
    pub width: usize,
}

impl PrefixStyle {
    /// The style for these names: padded to the longest.
    pub fn new<'a>(prefix: bool, color: bool, names: impl IntoIterator<Item = &'a String>) -> Self {
        let width = names
            .into_iter()
            .map(|n| n.chars().count())
            .max()
            .unwrap_or(0);
        PrefixStyle {
            prefix,
            color,
            width,
        }
    }

    /// The prefix of the `index`th container shown (its colour), `name` padded.
    pub fn prefix(&self, name: &str, index: usize) -> String {
        let width = self.width;
        if !self.prefix {
            String::new()
        } else if self.color {
            format!(
                "\x1b[{}m{name:<width$}  |\x1b[0m ",
                COLORS[index % COLORS.len()]
            )
        } else {
            format!("{name:<width$}  | ")
        }
    }
}

/// Prints a log stream line by line behind `prefix` (a time stamp first, when the lines carry
/// one) until it ends; a last line without a newline gets one. Returns whether it printed
/// anything.
pub async fn print_stream(mut stream: LogStream, prefix: &str) -> bool {
    let mut pending = String::new();
    let mut printed = false;
    while let Some(Ok(line)) = stream.next().await {
        if let Some(stamp) = &line.timestamp {
            if pending.is_empty() {
                pending.push_str(stamp);
                pending.push(' ');
            }
        }
        pending.push_str(&line.message);
        while let Some(end) = pending.find('\n') {
            let text: String = pending.drain(..=end).collect();
            print_line(prefix, &text);
            printed = true;
        }
    }
    if !pending.is_empty() {
        pending.push('\n');
        print_line(prefix, &pending);
        printed = true;
    }
    printed
}

/// One line (with its newline) behind its prefix, in one write so that lines of several
/// containers never mix.
pub fn print_line(prefix: &str, text: &str) {
    let mut stdout = std::io::stdout().lock();
    let _ = write!(stdout, "{prefix}{text}");
    let _ = stdout.flush();
}

/// Unix seconds now.
pub fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}
