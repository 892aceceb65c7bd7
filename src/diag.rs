//! Diagnostics as data: every loader phase reports problems as [`Diagnostic`]s pointing at a
//! [`Span`]; the CLI renders them (human through miette, JSON, GitHub annotations).

use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::Arc;

use crate::project::node::{FileId, KeyPath, Span};

/// The texts of every file read during one load, so diagnostics can show source lines.
#[derive(Clone, Debug, Default)]
pub struct SourceMap {
    files: Vec<SourceFile>,
}

#[derive(Clone, Debug)]
pub struct SourceFile {
    /// The path as the user should read it (relative to the working directory when possible).
    pub display_name: String,
    pub path: PathBuf,
    pub text: Arc<str>,
}

impl SourceMap {
    pub fn add(&mut self, path: PathBuf, display_name: String, text: Arc<str>) -> FileId {
        self.files.push(SourceFile {
            display_name,
            path,
            text,
        });
        (self.files.len() - 1) as FileId
    }

    pub fn get(&self, file: FileId) -> Option<&SourceFile> {
        self.files.get(file as usize)
    }

    pub fn files(&self) -> &[SourceFile] {
        &self.files
    }

    /// The span at `line`:`column` (1-based) up to the end of that line.
    pub fn column_span(&self, file: FileId, line: u32, column: u32) -> Span {
        let whole = self.line_span(file, line);
        let skip = (column.max(1) - 1) as usize;
        let text = self.get(file).map(|f| f.text.clone()).unwrap_or_default();
        let line_text = text
            .get(whole.offset..whole.offset + whole.len)
            .unwrap_or("");
        let skip_bytes: usize = line_text.chars().take(skip).map(char::len_utf8).sum();
        Span {
            offset: whole.offset + skip_bytes,
            len: whole.len.saturating_sub(skip_bytes).max(1),
            col: column.max(1),
            ..whole
        }
    }

    /// The span of a whole line, for errors that only know their line number.
    pub fn line_span(&self, file: FileId, line: u32) -> Span {
        let text = self.get(file).map(|f| f.text.clone()).unwrap_or_default();
        let mut offset = 0;
        for (index, content) in text.split_inclusive('\n').enumerate() {
            if index + 1 == line as usize {
                return Span {
                    file,
                    offset,
                    len: content.trim_end().len(),
                    line,
                    col: 1,
                };
            }
            offset += content.len();
        }
        Span {
            file,
            offset: text.len(),
            len: 0,
            line,
            col: 1,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
}

/// One problem, located. `label` is the short text under the marker; `help` the fix.
#[derive(Clone, Debug, PartialEq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub message: String,
    pub path: Option<KeyPath>,
    pub span: Option<Span>,
    pub label: Option<String>,
    pub help: Option<String>,
    /// Further places that explain this one ("first defined here").
    pub related: Vec<(Span, String)>,
}

impl Diagnostic {
    pub fn error(message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            message: message.into(),
            path: None,
            span: None,
            label: None,
            help: None,
            related: Vec::new(),
        }
    }

    pub fn warning(message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(message)
        }
    }

    pub fn at(mut self, span: Span) -> Diagnostic {
        self.span = Some(span);
        self
    }

    pub fn at_opt(mut self, span: Option<Span>) -> Diagnostic {
        self.span = span.or(self.span);
        self
    }

    pub fn path(mut self, path: KeyPath) -> Diagnostic {
        if !path.is_root() {
            self.path = Some(path);
        }
        self
    }

    pub fn label(mut self, label: impl Into<String>) -> Diagnostic {
        self.label = Some(label.into());
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    pub fn related(mut self, span: Span, text: impl Into<String>) -> Diagnostic {
        self.related.push((span, text.into()));
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// `file:line:column` of the diagnostic, when it has a location.
    pub fn location(&self, sources: &SourceMap) -> Option<String> {
        let span = self.span?;
        let file = sources.get(span.file)?;
        Some(format!("{}:{}:{}", file.display_name, span.line, span.col))
    }

    /// The headline: the key path in backticks, then the message.
    /// A message that already names the path (or its parent, as "unknown key `k` in `a.b`")
    /// is not prefixed again.
    pub fn headline(&self) -> String {
        let Some(path) = &self.path else {
            return self.message.clone();
        };
        let path = path.to_string();
        let parent = path.rfind(['.', '[']).map(|at| &path[..at]);
        let named = |text: &str| self.message.contains(&format!("`{text}`"));
        if named(&path) || parent.is_some_and(named) {
            self.message.clone()
        } else {
            format!("`{path}`: {}", self.message)
        }
    }
}

/// Suggests the closest of `candidates` to a misspelt `word`, docker compose style.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    candidates
        .into_iter()
        .map(|candidate| (strsim::jaro_winkler(word, candidate), candidate))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, candidate)| format!("did you mean `{candidate}`?"))
}

/// Orders diagnostics by file and position so output is stable whatever order phases ran in.
pub fn sort(diagnostics: &mut [Diagnostic]) {
    diagnostics.sort_by(|a, b| {
        let key = |d: &Diagnostic| d.span.map(|s| (s.file, s.offset)).unwrap_or((u32::MAX, 0));
        key(a)
            .cmp(&key(b))
            .then_with(|| a.severity.cmp(&b.severity))
            .then_with(|| a.message.cmp(&b.message))
    });
}

/// Output format of diagnostics (`validate --format`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Human,
    Json,
    Github,
}

/// Renders diagnostics without colour: `error: ...`, then the miette source excerpt.
pub fn render_human(diagnostic: &Diagnostic, sources: &SourceMap, color: bool) -> String {
    let prefix = match diagnostic.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    let mut out = String::new();
    let location = diagnostic.location(sources);
    let _ = write!(out, "{prefix}: ");
    if let Some(location) = &location {
        let _ = write!(out, "{location}: ");
    }
    let _ = writeln!(out, "{}", diagnostic.headline());
    if let Some(report) = miette_report(diagnostic, sources) {
        let theme = if color {
            miette::GraphicalTheme::unicode()
        } else {
            miette::GraphicalTheme::unicode_nocolor()
        };
        let handler = miette::GraphicalReportHandler::new_themed(theme)
            .with_context_lines(1)
            .without_cause_chain()
            .with_links(false);
        let mut rendered = String::new();
        if handler.render_report(&mut rendered, &report).is_ok() {
            // The first line repeats the headline; the excerpt starts after it.
            let body = rendered
                .split_once('\n')
                .map(|(_, rest)| rest)
                .unwrap_or("");
            out.push_str(body.trim_end());
            out.push('\n');
        }
    } else if let Some(help) = &diagnostic.help {
        let _ = writeln!(out, "  help: {help}");
    }
    out
}

struct Excerpt {
    message: String,
    source: miette::NamedSource<Arc<str>>,
    labels: Vec<miette::LabeledSpan>,
    help: Option<String>,
}

impl std::fmt::Debug for Excerpt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::fmt::Display for Excerpt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Excerpt {}

impl miette::Diagnostic for Excerpt {
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        Some(Box::new(self.labels.iter().cloned()))
    }

    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|help| Box::new(help) as Box<dyn std::fmt::Display>)
    }
}

fn miette_report(diagnostic: &Diagnostic, sources: &SourceMap) -> Option<Excerpt> {
    let span = diagnostic.span?;
    let file = sources.get(span.file)?;
    let mut labels = vec![miette::LabeledSpan::new_primary_with_span(
        diagnostic.label.clone().or(Some("here".to_string())),
        clamp(span.offset, span.len.max(1), &file.text),
    )];
    for (related, text) in &diagnostic.related {
        if related.file == span.file {
            labels.push(miette::LabeledSpan::new_with_span(
                Some(text.clone()),
                clamp(related.offset, related.len.max(1), &file.text),
            ));
        }
    }
    Some(Excerpt {
        message: diagnostic.headline(),
        source: miette::NamedSource::new(file.display_name.clone(), file.text.clone()),
        labels,
        help: diagnostic.help.clone(),
    })
}

fn clamp(offset: usize, len: usize, text: &str) -> miette::SourceSpan {
    let offset = offset.min(text.len());
    let len = len.min(text.len() - offset);
    (offset, len).into()
}

/// One JSON object per diagnostic, for tools.
pub fn render_json(diagnostic: &Diagnostic, sources: &SourceMap) -> serde_json::Value {
    let file = diagnostic.span.and_then(|span| sources.get(span.file));
    serde_json::json!({
        "severity": match diagnostic.severity { Severity::Error => "error", Severity::Warning => "warning" },
        "file": file.map(|f| f.display_name.clone()),
        "line": diagnostic.span.map(|s| s.line),
        "column": diagnostic.span.map(|s| s.col),
        "path": diagnostic.path.as_ref().map(|p| p.to_string()),
        "message": diagnostic.message,
        "help": diagnostic.help,
    })
}

/// A GitHub workflow command (`::error file=...,line=...::message`).
pub fn render_github(diagnostic: &Diagnostic, sources: &SourceMap) -> String {
    let kind = match diagnostic.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    let mut properties = Vec::new();
    if let Some(span) = diagnostic.span {
        if let Some(file) = sources.get(span.file) {
            properties.push(format!("file={}", escape_property(&file.display_name)));
            properties.push(format!("line={}", span.line));
            properties.push(format!("col={}", span.col));
        }
    }
    properties.push("title=rcompose".to_string());
    let mut message = diagnostic.headline();
    if let Some(help) = &diagnostic.help {
        message.push_str("\nhelp: ");
        message.push_str(help);
    }
    format!(
        "::{kind} {}::{}",
        properties.join(","),
        escape_data(&message)
    )
}

fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headlines_name_the_path_once() {
        let services_web = KeyPath::root().key("services").key("web");
        let unknown = Diagnostic::error("unknown key `enviroment` in `services.web`")
            .path(services_web.key("enviroment"));
        assert_eq!(
            unknown.headline(),
            "unknown key `enviroment` in `services.web`"
        );
        assert_eq!(
            unknown.path.as_ref().map(ToString::to_string).as_deref(),
            Some("services.web.enviroment")
        );
        let typed = Diagnostic::error("expected a string").path(services_web.key("image"));
        assert_eq!(typed.headline(), "`services.web.image`: expected a string");
    }
}
