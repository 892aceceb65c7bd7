//! Printing diagnostics: the one place that writes them, to stderr (human) or stdout (machine
//! formats for `validate`).

use std::io::{IsTerminal, Write};

use crate::diag::{self, Diagnostic, SourceMap};

/// Writes every diagnostic to stderr, warnings included, for human readers.
pub fn print_human(diagnostics: &[Diagnostic], sources: &SourceMap) {
    let color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let mut stderr = std::io::stderr().lock();
    for diagnostic in diagnostics {
        let _ = write!(stderr, "{}", diag::render_human(diagnostic, sources, color));
    }
}

/// The count line: "2 errors, 1 warning".
pub fn summary(errors: usize, warnings: usize) -> String {
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    format!(
        "{}, {}",
        plural(errors, "error"),
        plural(warnings, "warning")
    )
}
