//! `${VAR:-default}` substitution in one string, exactly as docker compose v2 (compose-go 2.9)
//! does it, quirks included.
//!
//! compose-go finds templates with one regular expression and then post-processes each match;
//! the observable behaviour follows from that shape, so this module reproduces it step by step
//! rather than parsing templates "properly":
//!
//! - `$$` is a literal `$`; `$NAME` and `${NAME}` look `NAME` up (`[_A-Za-z][_A-Za-z0-9]*`,
//!   matched case-insensitively, which in Go also admits `ſ` and the Kelvin sign `K`).
//! - `${NAME` followed by an operator (`:-` `-` `:+` `+` `:?` `?`) first extends to the *last*
//!   `}` on the same line; the match is then cut at the brace that closes it (counting every
//!   `{`), the operand is substituted recursively and whatever followed the cut is substituted
//!   as a template of its own. Operands are evaluated eagerly: an unset variable inside an
//!   unused default still warns, and a `${X:?}` inside an unused default still fails.
//! - `${` that does not start a valid template is an error; a `$` followed by anything else
//!   (`$}`, `$ `, `$1`, a trailing `$`) stays as it is.

/// The result of a successful substitution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Substituted {
    pub value: String,
    /// Variables referenced without a default that were not set (each became ""), once each, in
    /// order of first use. docker compose warns for each: see [`unset_warning`].
    pub unset: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    /// `${NAME:?message}` or `${NAME?message}` with `NAME` missing; `message` may be empty.
    /// The text is docker compose's, word for word.
    #[error("required variable {name} is missing a value{}", reason(message))]
    Required { name: String, message: String },
    /// A `${` that does not start a valid template. `template` is the string (or the part of it
    /// that was being substituted, for a nested template) as docker compose reports it.
    #[error("invalid interpolation format for `{template}`")]
    Invalid { template: String },
    /// Templates nested deeper than [`MAX_NESTING`] (compose has no limit; this keeps a
    /// hostile file from exhausting the stack).
    #[error("interpolation nested too deeply in `{template}`")]
    TooDeep { template: String },
}

fn reason(message: &str) -> String {
    if message.is_empty() {
        String::new()
    } else {
        format!(": {message}")
    }
}

impl TemplateError {
    /// The fix docker compose suggests for the error, if any.
    pub fn help(&self) -> Option<&'static str> {
        match self {
            TemplateError::Invalid { .. } => Some("you may need to escape any $ with another $"),
            TemplateError::Required { .. } | TemplateError::TooDeep { .. } => None,
        }
    }
}

/// How deep templates may nest inside defaults (`${A:-${B:-${C}}}` is depth 3).
pub const MAX_NESTING: usize = 64;

/// docker compose's warning for a variable that was referenced but not set.
pub fn unset_warning(name: &str) -> String {
    format!(
        "The {} variable is not set. Defaulting to a blank string.",
        go_quote(name)
    )
}

/// Substitutes every template in `template`. `lookup` returns `None` for an unset variable
/// (which differs from a variable set to "").
pub fn substitute(
    template: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<Substituted, TemplateError> {
    let mut run = Run {
        lookup,
        unset: Vec::new(),
        depth: 0,
    };
    let mut value = String::with_capacity(template.len());
    run.frame(template, &mut value)?;
    Ok(Substituted {
        value,
        unset: run.unset,
    })
}

/// Escapes every `$` as `$$`. `docker compose config` applies this to its whole output (keys and
/// values, JSON and YAML) so that what it prints is again a valid compose file; the tree itself
/// holds the unescaped values. Not applied with `--no-interpolate`, where the tree still holds
/// the text as written.
pub fn escape_dollars(text: &str) -> String {
    text.replace('$', "$$")
}

/// One variable a template refers to, as `docker compose config --variables` lists it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Variable {
    pub name: String,
    /// The raw (unsubstituted) operand of `:-` / `-`.
    pub default_value: String,
    /// The raw operand of `:+` / `+`.
    pub presence_value: String,
    /// `:?` / `?`.
    pub required: bool,
}

/// The variables `template` refers to, in order of first appearance. Operands of `:-`, `-`,
/// `:+` and `+` are searched too (those of `:?`/`?` are not, as in compose 2.40). A variable used
/// several times is required if any use is, and keeps the first non-empty default and presence
/// values.
pub fn variables(template: &str) -> Vec<Variable> {
    let mut found = Vec::new();
    collect_variables(template, &mut found, 0);
    let mut combined: Vec<Variable> = Vec::new();
    for variable in found {
        merge_variable(&mut combined, variable);
    }
    combined
}

/// Adds `variable` to `list`, combining it with an earlier entry of the same name the way
/// compose does (required if any use is; first non-empty default and presence values win).
pub fn merge_variable(list: &mut Vec<Variable>, variable: Variable) {
    match list.iter_mut().find(|v| v.name == variable.name) {
        None => list.push(variable),
        Some(existing) => {
            existing.required |= variable.required;
            if existing.default_value.is_empty() {
                existing.default_value = variable.default_value;
            }
            if existing.presence_value.is_empty() {
                existing.presence_value = variable.presence_value;
            }
        }
    }
}

fn collect_variables(template: &str, out: &mut Vec<Variable>, depth: usize) {
    if depth > MAX_NESTING {
        return;
    }
    let mut pos = 0;
    while let Some(found) = find_match(template, pos) {
        pos = found.end;
        let text = &template[found.start..found.end];
        let mut rest = "";
        let inner = match found.kind {
            MatchKind::Escaped | MatchKind::Invalid => continue,
            MatchKind::Named => &text[1..],
            MatchKind::Braced | MatchKind::BracedOp { .. } => match first_brace_closing(text) {
                Some(close) if close > 0 => {
                    rest = &text[close + 1..];
                    &text[2..close]
                }
                _ => &text[2..text.len() - 1],
            },
        };
        let name_end = inner
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .filter(|&i| i > 0);
        let mut variable = Variable {
            name: inner.to_string(),
            ..Variable::default()
        };
        if let Some(i) = name_end {
            variable.name = inner[..i].to_string();
            let rest = &inner[i..];
            if rest.starts_with(":?") || rest.starts_with('?') {
                variable.required = true;
            } else if let Some(operand) = rest.strip_prefix(":-").or(rest.strip_prefix('-')) {
                variable.default_value = operand.to_string();
            } else if let Some(operand) = rest.strip_prefix(":+").or(rest.strip_prefix('+')) {
                variable.presence_value = operand.to_string();
            }
        }
        let nested = [
            variable.default_value.clone(),
            variable.presence_value.clone(),
        ];
        out.push(variable);
        for operand in nested.iter().filter(|o| !o.is_empty()) {
            collect_variables(operand, out, depth + 1);
        }
        // Text order decides which default is kept: `${P:-a} ${P:-b}` lists `a`.
        collect_variables(rest, out, depth + 1);
    }
}

struct Run<'a> {
    lookup: &'a dyn Fn(&str) -> Option<String>,
    unset: Vec<String>,
    depth: usize,
}

/// What one match is replaced by: a value, possibly followed by the substitution of the text
/// that came after the match's closing brace (`rest_from` is its offset inside the match).
struct Replacement {
    value: String,
    rest_from: Option<usize>,
}

impl Run<'_> {
    /// One compose-go `SubstituteWith` call: replaces every match of `frame`, appending to `out`.
    /// `frame` is also what an invalid-template error reports. The substitution of the text after
    /// a match's closing brace is itself such a call; when it ends the frame (always, except at
    /// the top level) it is run as a loop rather than by recursion.
    fn frame(&mut self, frame: &str, out: &mut String) -> Result<(), TemplateError> {
        let mut frame = frame;
        'frames: loop {
            let mut pos = 0;
            while let Some(found) = find_match(frame, pos) {
                out.push_str(&frame[pos..found.start]);
                let replacement =
                    self.replace(&frame[found.start..found.end], found.kind, frame)?;
                out.push_str(&replacement.value);
                pos = found.end;
                if let Some(rest_from) = replacement.rest_from {
                    let rest = &frame[found.start + rest_from..found.end];
                    if found.end == frame.len() {
                        frame = rest;
                        continue 'frames;
                    }
                    self.frame(rest, out)?;
                }
            }
            out.push_str(&frame[pos..]);
            return Ok(());
        }
    }

    /// A nested substitution (an operand), with its own depth budget.
    fn nested(&mut self, template: &str) -> Result<String, TemplateError> {
        if self.depth >= MAX_NESTING {
            return Err(TemplateError::TooDeep {
                template: template.to_string(),
            });
        }
        self.depth += 1;
        let mut out = String::with_capacity(template.len());
        let result = self.frame(template, &mut out);
        self.depth -= 1;
        result.map(|()| out)
    }

    fn lookup_warning(&mut self, name: &str) -> String {
        match (self.lookup)(name) {
            Some(value) => value,
            None => {
                if !self.unset.iter().any(|n| n == name) {
                    self.unset.push(name.to_string());
                }
                String::new()
            }
        }
    }

    fn replace(
        &mut self,
        text: &str,
        kind: MatchKind,
        frame: &str,
    ) -> Result<Replacement, TemplateError> {
        let value = match kind {
            MatchKind::Escaped => "$".to_string(),
            MatchKind::Named => self.lookup_warning(&text[1..]),
            MatchKind::Braced => self.lookup_warning(&text[2..text.len() - 1]),
            MatchKind::Invalid => {
                return Err(TemplateError::Invalid {
                    template: frame.to_string(),
                })
            }
            MatchKind::BracedOp { name_end, op } => {
                // Cut the match at the brace that closes it; what follows is substituted on its
                // own (see `frame`).
                let (cut, rest_from) = match first_brace_closing(text) {
                    Some(close) => (&text[..=close], Some(close + 1)),
                    None => (text, None),
                };
                let name = &text[2..name_end];
                // The operand runs to the last `}` of the cut text, which is its end.
                let operand = &cut[name_end + op.len()..cut.len() - 1];
                let value = self.apply(name, op, operand)?;
                return Ok(Replacement { value, rest_from });
            }
        };
        Ok(Replacement {
            value,
            rest_from: None,
        })
    }

    fn apply(&mut self, name: &str, op: Operator, operand: &str) -> Result<String, TemplateError> {
        // compose substitutes the operand before looking at the variable, whether or not it is
        // used.
        let operand = self.nested(operand)?;
        let value = (self.lookup)(name);
        Ok(match op {
            Operator::DefaultIfEmpty => match value {
                Some(value) if !value.is_empty() => value,
                _ => operand,
            },
            Operator::DefaultIfUnset => value.unwrap_or(operand),
            Operator::ReplaceIfNotEmpty => match value {
                Some(value) if !value.is_empty() => operand,
                value => value.unwrap_or_default(),
            },
            Operator::ReplaceIfSet => match value {
                Some(_) => operand,
                None => String::new(),
            },
            Operator::RequiredNotEmpty | Operator::Required => match value {
                Some(value) if op == Operator::Required || !value.is_empty() => value,
                _ => {
                    return Err(TemplateError::Required {
                        name: name.to_string(),
                        message: operand,
                    })
                }
            },
        })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Operator {
    DefaultIfEmpty,
    DefaultIfUnset,
    ReplaceIfNotEmpty,
    ReplaceIfSet,
    RequiredNotEmpty,
    Required,
}

impl Operator {
    fn len(self) -> usize {
        match self {
            Operator::DefaultIfEmpty | Operator::ReplaceIfNotEmpty | Operator::RequiredNotEmpty => {
                2
            }
            Operator::DefaultIfUnset | Operator::ReplaceIfSet | Operator::Required => 1,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum MatchKind {
    /// `$$`
    Escaped,
    /// `$NAME`
    Named,
    /// `${NAME}`
    Braced,
    /// `${NAME<op>...}` up to the last `}` of the line; `name_end` is the byte offset of the
    /// operator inside the match.
    BracedOp { name_end: usize, op: Operator },
    /// `${` not followed by a valid template.
    Invalid,
}

struct Match {
    start: usize,
    end: usize,
    kind: MatchKind,
}

/// Go's `(?i)[_a-z]`: ASCII letters and `_`, plus the two non-ASCII characters whose simple case
/// folding reaches `s` and `k`.
fn is_name_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_' || c == '\u{17F}' || c == '\u{212A}'
}

fn is_name_char(c: char) -> bool {
    is_name_start(c) || c.is_ascii_digit()
}

/// The end (byte offset) of the name starting at `from`, if one starts there.
fn name_end(text: &str, from: usize) -> Option<usize> {
    let mut chars = text[from..].char_indices();
    match chars.next() {
        Some((_, c)) if is_name_start(c) => {}
        _ => return None,
    }
    Some(
        chars
            .find(|&(_, c)| !is_name_char(c))
            .map_or(text.len(), |(i, _)| from + i),
    )
}

/// The leftmost match of compose's template pattern in `text` at or after `from`.
fn find_match(text: &str, from: usize) -> Option<Match> {
    let bytes = text.as_bytes();
    let mut i = from;
    while i < bytes.len() {
        let start = i + text[i..].find('$')?;
        if let Some(found) = match_at(text, start) {
            return Some(found);
        }
        i = start + 1;
    }
    None
}

fn match_at(text: &str, start: usize) -> Option<Match> {
    let bytes = text.as_bytes();
    let next = start + 1;
    let found = |end, kind| Some(Match { start, end, kind });
    match bytes.get(next) {
        Some(b'$') => found(next + 1, MatchKind::Escaped),
        Some(b'{') => {
            let invalid = found(next + 1, MatchKind::Invalid);
            let Some(name_end) = name_end(text, next + 1) else {
                return invalid;
            };
            let op = match (bytes.get(name_end), bytes.get(name_end + 1)) {
                (Some(b'}'), _) => return found(name_end + 1, MatchKind::Braced),
                (Some(b':'), Some(b'-')) => Operator::DefaultIfEmpty,
                (Some(b':'), Some(b'+')) => Operator::ReplaceIfNotEmpty,
                (Some(b':'), Some(b'?')) => Operator::RequiredNotEmpty,
                (Some(b'-'), _) => Operator::DefaultIfUnset,
                (Some(b'+'), _) => Operator::ReplaceIfSet,
                (Some(b'?'), _) => Operator::Required,
                _ => return invalid,
            };
            // `(.*)}`: greedy, so up to the last `}` before the end of the line.
            let operand_start = name_end + op.len();
            let line_end = text[operand_start..]
                .find('\n')
                .map_or(text.len(), |i| operand_start + i);
            match text[operand_start..line_end].rfind('}') {
                Some(close) => found(
                    operand_start + close + 1,
                    MatchKind::BracedOp {
                        name_end: name_end - start,
                        op,
                    },
                ),
                None => invalid,
            }
        }
        Some(_) => name_end(text, next).and_then(|end| found(end, MatchKind::Named)),
        None => None,
    }
}

/// compose-go's `getFirstBraceClosingIndex`: counts every `{` (skipping the byte after it) and
/// returns the `}` that brings the count back to zero.
fn first_brace_closing(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut open = 0i64;
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'}' {
            open -= 1;
            if open == 0 {
                return Some(i);
            }
        }
        if bytes[i] == b'{' {
            open += 1;
            i += 1;
        }
        i += 1;
    }
    None
}

/// Go's `%q` of a string (`strconv.Quote`), as compose uses in its messages.
pub fn go_quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{b}' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c if is_go_printable(c) => out.push(c),
            c if (c as u32) < 0x10000 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push_str(&format!("\\U{:08x}", c as u32)),
        }
    }
    out.push('"');
    out
}

/// An approximation of Go's `strconv.IsPrint` (letters, marks, numbers, punctuation, symbols and
/// the ASCII space): control, format, separator and unassigned characters are not printable.
fn is_go_printable(c: char) -> bool {
    let code = c as u32;
    if c == ' ' {
        return true;
    }
    if c.is_control() || c.is_whitespace() {
        return false;
    }
    // Format characters (Cf) that commonly occur: soft hyphen, zero-width and bidi controls,
    // BOM, and the private-use / noncharacter ranges.
    !matches!(code,
        0xAD | 0x600..=0x605 | 0x61C | 0x6DD | 0x70F | 0x180E | 0x200B..=0x200F
        | 0x202A..=0x202E | 0x2060..=0x2064 | 0x2066..=0x206F | 0xFEFF | 0xFFF9..=0xFFFB
        | 0xE000..=0xF8FF | 0xFFFE | 0xFFFF | 0xF0000..=0x10FFFF)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        }
    }

    fn sub(template: &str, pairs: &[(&str, &str)]) -> Result<String, TemplateError> {
        substitute(template, &env(pairs)).map(|s| s.value)
    }

    fn invalid(template: &str) -> Result<String, TemplateError> {
        Err(TemplateError::Invalid {
            template: template.to_string(),
        })
    }

    #[test]
    fn plain_and_escaped() {
        assert_eq!(sub("$$A $A ${A}", &[("A", "x")]).unwrap(), "$A x x");
        assert_eq!(sub("a $ b $} $1 $", &[]).unwrap(), "a $ b $} $1 $");
        assert_eq!(sub("$$$$", &[]).unwrap(), "$$");
        assert_eq!(sub("$A-x", &[("A", "a")]).unwrap(), "a-x");
    }

    #[test]
    fn operators() {
        let e = [("SET", "v"), ("EMPTY", "")];
        assert_eq!(sub("${EMPTY:-d}|${EMPTY-d}|${NO-d}", &e).unwrap(), "d||d");
        assert_eq!(
            sub("${SET:+r}|${EMPTY:+r}|${EMPTY+r}|${NO+r}", &e).unwrap(),
            "r||r|"
        );
        assert_eq!(sub("${EMPTY?m}", &e).unwrap(), "");
        assert_eq!(
            sub("${EMPTY:?m}", &e).unwrap_err().to_string(),
            "required variable EMPTY is missing a value: m"
        );
        assert_eq!(
            sub("${NO?}", &e).unwrap_err().to_string(),
            "required variable NO is missing a value"
        );
    }

    #[test]
    fn cut_at_the_closing_brace_counting_every_brace() {
        // Verified against docker compose v2.40.3.
        assert_eq!(sub("${A-{}x}", &[]).unwrap(), "{}x");
        assert_eq!(sub("${A:-{x}", &[]).unwrap(), "{x");
        assert_eq!(sub("${A:-}x}", &[]).unwrap(), "x}");
        assert_eq!(sub("${FOO}}", &[("FOO", "x")]).unwrap(), "x}");
        assert_eq!(sub("${A-x}${B-${C}}rest", &[]).unwrap(), "xrest");
        assert_eq!(sub("${A-$${B}}", &[]).unwrap(), "${B}");
        assert_eq!(sub("a\n${A:-x}\nb}", &[]).unwrap(), "a\nx\nb}");
    }

    #[test]
    fn invalid_templates_report_the_frame_they_were_found_in() {
        assert_eq!(sub("foo ${ bar", &[]), invalid("foo ${ bar"));
        assert_eq!(sub("${A:-${}}", &[("A", "x")]), invalid("${}"));
        assert_eq!(sub("${A-x} ${ }", &[]), invalid(" ${ }"));
        assert_eq!(sub("${A:-${B}", &[]), invalid("${B"));
        assert_eq!(sub("${A:-x\n}", &[]), invalid("${A:-x\n}"));
        for t in [
            "${", "${}", "${A:}", "${A:x}", "${9A}", "${a.b}", "${A", "${A:-x",
        ] {
            assert_eq!(sub(t, &[]), invalid(t), "{t}");
        }
    }

    #[test]
    fn operands_are_evaluated_eagerly() {
        let result = substitute("${A:+${A},}B", &env(&[])).unwrap();
        assert_eq!(result.value, "B");
        assert_eq!(result.unset, ["A"]);
        assert!(matches!(
            sub("${A:-${B:?err}}", &[("A", "x")]),
            Err(TemplateError::Required { .. })
        ));
    }

    #[test]
    fn unset_variables_are_listed_once() {
        let result = substitute("${X} ${X} $X ${Y:-d}", &env(&[])).unwrap();
        assert_eq!(result.value, "   d");
        assert_eq!(result.unset, ["X"]);
    }

    #[test]
    fn go_case_folding_admits_long_s_and_kelvin() {
        assert_eq!(sub("$\u{17F}", &[("\u{17F}", "s")]).unwrap(), "s");
        assert_eq!(sub("${\u{212A}}", &[("\u{212A}", "k")]).unwrap(), "k");
        assert_eq!(sub("$é", &[]).unwrap(), "$é");
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let deep = "${A:-".repeat(10_000) + &"}".repeat(10_000);
        assert!(matches!(
            sub(&deep, &[]),
            Err(TemplateError::TooDeep { .. })
        ));
        let long = "${A-x}".repeat(10_000);
        assert_eq!(sub(&long, &[]).unwrap(), "x".repeat(10_000));
    }

    #[test]
    fn variables_follow_compose() {
        let names = |t: &str| {
            variables(t)
                .into_iter()
                .map(|v| (v.name, v.default_value, v.presence_value, v.required))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            names("${P:-a} ${P:-b} ${Q?${R}} $$S ${U-${V}}"),
            [
                ("P".into(), "a".into(), "".into(), false),
                ("Q".into(), "".into(), "".into(), true),
                ("U".into(), "${V}".into(), "".into(), false),
                ("V".into(), "".into(), "".into(), false),
            ]
        );
    }

    #[test]
    fn quoting_like_go() {
        assert_eq!(go_quote("a\"b\\c\n\u{1}é"), "\"a\\\"b\\\\c\\n\\x01é\"");
        assert_eq!(
            unset_warning("TAG"),
            "The \"TAG\" variable is not set. Defaulting to a blank string."
        );
    }
}
