//! Interpolation of a whole tree (values only, never keys), then casting of the string values
//! whose schema type is not a string, as docker compose v2 (compose-go 2.9) does it.
//!
//! Every failure is reported and the walk goes on, so one run shows every bad value; docker
//! compose stops at the first. Unset variables warn once per variable (compose warns at every
//! use).
use super::node::{KeyPath, Node, PathSegment, Span, Value};
use super::template::{self, TemplateError, Variable};
use crate::diag::Diagnostic;

/// Substitutes variables in every string value of `doc`, then casts by path (ports, replicas,
/// booleans, ...): see [`CASTS`]. Unset variables become "" with one warning each.
pub fn interpolate(
    doc: &mut Node,
    lookup: &dyn Fn(&str) -> Option<String>,
    diagnostics: &mut Vec<Diagnostic>,
) {
    interpolate_with(doc, lookup, CASTS, diagnostics);
}

/// [`interpolate`] with another cast table (patterns as in [`CASTS`]).
pub fn interpolate_with(
    doc: &mut Node,
    lookup: &dyn Fn(&str) -> Option<String>,
    casts: &[(&str, Cast)],
    diagnostics: &mut Vec<Diagnostic>,
) {
    let mut warned: Vec<String> = Vec::new();
    // Patterns split once, not once per value: this walk visits every node of the document.
    let compiled: Vec<(Vec<&str>, Cast)> = casts
        .iter()
        .map(|(pattern, cast)| (pattern.split('.').collect(), *cast))
        .collect();
    // An explicit stack: a deeply nested document must not exhaust the call stack. Each entry
    // holds its depth; the path to the node being visited is `path[..depth]`, borrowed from the
    // tree, so no path is built for a value that needs none.
    let mut path: Vec<Segment> = Vec::new();
    let mut stack: Vec<(&mut Node, usize, Option<Segment>)> = vec![(doc, 0, None)];
    while let Some((node, depth, segment)) = stack.pop() {
        path.truncate(depth);
        path.extend(segment);
        if let Value::Str(text) = &mut node.value {
            let context = (node.span, path.as_slice(), compiled.as_slice());
            if let Some(value) = interpolate_string(text, context, lookup, &mut warned, diagnostics)
            {
                node.value = value;
            }
            continue;
        }
        let depth = path.len();
        match &mut node.value {
            Value::Map(map) => {
                // Pushed in reverse so values are visited (and warned about) in document order.
                for (key, child) in map.iter_mut().rev() {
                    stack.push((child, depth, Some(Segment::Key(key))));
                }
            }
            Value::Seq(items) => {
                for (index, child) in items.iter_mut().enumerate().rev() {
                    stack.push((child, depth, Some(Segment::Index(index))));
                }
            }
            Value::Str(_) | Value::Null | Value::Bool(_) | Value::Int(_) | Value::Float(_) => {}
        }
    }
}

/// The cast table with its patterns split on `.`.
type CastTable<'a, 'p> = &'a [(Vec<&'p str>, Cast)];

/// One step of the path the interpolation walk is at, borrowed from the tree.
#[derive(Clone, Copy)]
enum Segment<'a> {
    Key(&'a str),
    Index(usize),
}

fn key_path(segments: &[Segment]) -> KeyPath {
    segments
        .iter()
        .fold(KeyPath::root(), |path, segment| match segment {
            Segment::Key(key) => path.key(key),
            Segment::Index(index) => path.index(*index),
        })
}

/// Substitutes in one string value (in place); returns the value to replace it with when the
/// path casts it to another type.
fn interpolate_string(
    text: &mut String,
    (span, path, casts): (Span, &[Segment], CastTable),
    lookup: &dyn Fn(&str) -> Option<String>,
    warned: &mut Vec<String>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<Value> {
    // Most values hold no `$`: nothing to substitute.
    if text.contains('$') {
        let substituted = match template::substitute(text, lookup) {
            Ok(substituted) => substituted,
            Err(error) => {
                diagnostics.push(template_diagnostic(&error).at(span).path(key_path(path)));
                return None;
            }
        };
        for name in substituted.unset {
            if !warned.contains(&name) {
                diagnostics.push(
                    Diagnostic::warning(template::unset_warning(&name))
                        .at(span)
                        .path(key_path(path)),
                );
                warned.push(name);
            }
        }
        *text = substituted.value;
    }
    let cast = casts
        .iter()
        .find(|(pattern, _)| borrowed_segments_match(path, pattern))
        .map(|&(_, cast)| cast)?;
    match cast.apply(text) {
        Ok((value, warning)) => {
            if let Some(warning) = warning {
                diagnostics.push(Diagnostic::warning(warning).at(span).path(key_path(path)));
            }
            Some(value)
        }
        Err(error) => {
            let mut diagnostic = Diagnostic::error(error.message);
            diagnostic.help = error.help.map(String::from);
            diagnostics.push(diagnostic.at(span).path(key_path(path)));
            None
        }
    }
}

fn borrowed_segments_match(path: &[Segment], pattern: &[&str]) -> bool {
    // Compared from the last segment, the one that differs most between patterns.
    path.len() == pattern.len()
        && pattern
            .iter()
            .zip(path)
            .rev()
            .all(|(part, segment)| match (*part, segment) {
                ("*", _) => true,
                ("[]", Segment::Index(_)) => true,
                (part, Segment::Key(key)) => part == *key,
                (_, Segment::Index(_)) => false,
            })
}

/// The diagnostic for a failed substitution (without location).
pub fn template_diagnostic(error: &TemplateError) -> Diagnostic {
    let diagnostic = Diagnostic::error(error.to_string());
    match error.help() {
        Some(help) => diagnostic.help(help),
        None => diagnostic,
    }
}

/// The variables the string values of `doc` refer to (keys are never interpolated), in document
/// order, combined as `docker compose config --variables` lists them.
pub fn variables(doc: &Node) -> Vec<Variable> {
    let mut found = Vec::new();
    let mut stack = vec![doc];
    while let Some(node) = stack.pop() {
        match &node.value {
            Value::Map(map) => stack.extend(map.values().rev()),
            Value::Seq(items) => stack.extend(items.iter().rev()),
            Value::Str(text) => {
                for variable in template::variables(text) {
                    template::merge_variable(&mut found, variable);
                }
            }
            _ => {}
        }
    }
    found
}

/// How a string at a path is converted, as compose-go's `strconv` calls would.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cast {
    /// `strconv.Atoi` / `ParseInt(s, 10, 64)`: an optional sign and decimal digits.
    Int,
    /// `strconv.ParseFloat(s, 64)`.
    Float,
    /// `strconv.ParseFloat(s, 32)`: rounded to single precision (compose's `cpus`).
    Float32,
    /// `true`/`false` in any case; `y`, `yes`, `on`, `n`, `no`, `off` with a warning.
    Bool,
}

/// compose-go's `interpolateTypeCastMapping` as of docker compose v2.40.3 (compose-go 2.9.1),
/// checked value by value against that binary. `*` matches any one key, `[]` any list index.
/// Paths not listed here (`mem_limit`, `ports[].published`, `configs[].mode`, ...) stay strings
/// and are converted, if at all, when the tree is bound.
pub const CASTS: &[(&str, Cast)] = &[
    ("services.*.cpu_count", Cast::Int),
    ("services.*.cpu_percent", Cast::Float),
    ("services.*.cpu_period", Cast::Int),
    ("services.*.cpu_quota", Cast::Int),
    ("services.*.cpu_rt_period", Cast::Int),
    ("services.*.cpu_rt_runtime", Cast::Int),
    ("services.*.cpus", Cast::Float32),
    ("services.*.cpu_shares", Cast::Int),
    ("services.*.init", Cast::Bool),
    ("services.*.deploy.replicas", Cast::Int),
    ("services.*.deploy.update_config.parallelism", Cast::Int),
    (
        "services.*.deploy.update_config.max_failure_ratio",
        Cast::Float,
    ),
    ("services.*.deploy.rollback_config.parallelism", Cast::Int),
    (
        "services.*.deploy.rollback_config.max_failure_ratio",
        Cast::Float,
    ),
    ("services.*.deploy.restart_policy.max_attempts", Cast::Int),
    (
        "services.*.deploy.placement.max_replicas_per_node",
        Cast::Int,
    ),
    ("services.*.healthcheck.retries", Cast::Int),
    ("services.*.healthcheck.disable", Cast::Bool),
    ("services.*.oom_kill_disable", Cast::Bool),
    ("services.*.oom_score_adj", Cast::Int),
    ("services.*.pids_limit", Cast::Int),
    ("services.*.ports.[].target", Cast::Int),
    ("services.*.privileged", Cast::Bool),
    ("services.*.read_only", Cast::Bool),
    ("services.*.scale", Cast::Int),
    ("services.*.stdin_open", Cast::Bool),
    ("services.*.tty", Cast::Bool),
    ("services.*.ulimits.*", Cast::Int),
    ("services.*.ulimits.*.hard", Cast::Int),
    ("services.*.ulimits.*.soft", Cast::Int),
    ("services.*.volumes.[].read_only", Cast::Bool),
    ("services.*.volumes.[].volume.nocopy", Cast::Bool),
    ("networks.*.external", Cast::Bool),
    ("networks.*.internal", Cast::Bool),
    ("networks.*.attachable", Cast::Bool),
    ("networks.*.enable_ipv4", Cast::Bool),
    ("networks.*.enable_ipv6", Cast::Bool),
    ("volumes.*.external", Cast::Bool),
    ("secrets.*.external", Cast::Bool),
    ("configs.*.external", Cast::Bool),
];

/// Whether `path` matches `pattern` (`*` = any one segment, `[]` = any index).
pub fn path_matches(path: &KeyPath, pattern: &str) -> bool {
    segments_match(path, &pattern.split('.').collect::<Vec<_>>())
}

/// [`path_matches`] with the pattern already split on `.`.
fn segments_match(path: &KeyPath, pattern: &[&str]) -> bool {
    let segments = path.segments();
    segments.len() == pattern.len()
        && pattern
            .iter()
            .zip(segments)
            .all(|(part, segment)| match (*part, segment) {
                ("*", _) => true,
                ("[]", PathSegment::Index(_)) => true,
                (part, PathSegment::Key(key)) => part == key,
                (_, PathSegment::Index(_)) => false,
            })
}

/// The cast for a value at `path`, if compose converts values there.
pub fn cast_for(path: &KeyPath) -> Option<Cast> {
    CASTS
        .iter()
        .find(|(pattern, _)| path_matches(path, pattern))
        .map(|&(_, cast)| cast)
}

/// A value that cannot be converted: `cannot convert "two" to an integer`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CastError {
    pub message: String,
    pub help: Option<&'static str>,
}

impl CastError {
    fn help(mut self, help: &'static str) -> CastError {
        self.help = Some(help);
        self
    }
}

impl Cast {
    /// Converts `text`; a value may come with a warning.
    pub fn apply(self, text: &str) -> Result<(Value, Option<String>), CastError> {
        let cannot = |what: &str, detail: Option<&str>| {
            let mut message = format!("cannot convert {} to {what}", template::go_quote(text));
            if let Some(detail) = detail {
                message.push_str(": ");
                message.push_str(detail);
            }
            CastError {
                message,
                help: None,
            }
        };
        match self {
            Cast::Int => match parse_go_int(text) {
                Ok(value) => Ok((Value::Int(value), None)),
                Err(detail) => Err(cannot("an integer", detail)),
            },
            Cast::Float | Cast::Float32 => match parse_go_float(text, self == Cast::Float32) {
                Ok(value) => Ok((Value::Float(value), None)),
                Err(detail) => Err(cannot("a number", detail)),
            },
            Cast::Bool => {
                let (value, preferred) = match text.to_lowercase().as_str() {
                    "true" => return Ok((Value::Bool(true), None)),
                    "false" => return Ok((Value::Bool(false), None)),
                    "y" | "yes" | "on" => (true, "true"),
                    "n" | "no" | "off" => (false, "false"),
                    _ => return Err(cannot("a boolean", None).help("use `true` or `false`")),
                };
                let warning = format!(
                    "{} for boolean is not supported by YAML 1.2, please use `{preferred}`",
                    template::go_quote(text)
                );
                Ok((Value::Bool(value), Some(warning)))
            }
        }
    }
}

const OUT_OF_RANGE: &str = "value out of range";

/// Go's `strconv.ParseInt(s, 10, 64)`; the error detail is `None` for a syntax error.
fn parse_go_int(text: &str) -> Result<i64, Option<&'static str>> {
    let digits = text.strip_prefix(['+', '-']).unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(None);
    }
    // Only a range problem is left: Rust accepts the same sign and digit forms.
    text.parse::<i64>().map_err(|_| Some(OUT_OF_RANGE))
}

/// Go's `strconv.ParseFloat(s, 64)` (or `32`, rounded to single precision and returned as the
/// double that prints the same): decimal and hexadecimal (`0x1.8p3`) forms, `inf`, `infinity`,
/// `nan` in any case.
fn parse_go_float(text: &str, single: bool) -> Result<f64, Option<&'static str>> {
    let unsigned = text.strip_prefix(['+', '-']).unwrap_or(text);
    let negative = text.starts_with('-');
    let lower = unsigned.to_ascii_lowercase();
    if lower == "nan" {
        // Go takes no sign on NaN.
        return if unsigned.len() == text.len() {
            Ok(f64::NAN)
        } else {
            Err(None)
        };
    }
    if lower == "inf" || lower == "infinity" {
        return Ok(if negative {
            f64::NEG_INFINITY
        } else {
            f64::INFINITY
        });
    }
    let value = if let Some(hex) = lower.strip_prefix("0x") {
        let value = parse_hex_float(hex).ok_or(None)?;
        if single {
            format!("{}", value as f32)
                .parse::<f64>()
                .map_err(|_| None)?
        } else {
            value
        }
    } else {
        let valid = !unsigned.is_empty()
            && unsigned
                .bytes()
                .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-'));
        if !valid {
            return Err(None);
        }
        if single {
            let value = unsigned.parse::<f32>().map_err(|_| None)?;
            if value.is_infinite() {
                return Err(Some(OUT_OF_RANGE));
            }
            // The double that prints like the single: what compose's JSON shows.
            format!("{value}").parse::<f64>().map_err(|_| None)?
        } else {
            unsigned.parse::<f64>().map_err(|_| None)?
        }
    };
    let limit = if single {
        f64::from(f32::MAX)
    } else {
        f64::MAX
    };
    if value.is_infinite() || value.abs() > limit {
        return Err(Some(OUT_OF_RANGE));
    }
    Ok(if negative { -value } else { value })
}

/// The part after `0x` of a Go hexadecimal float: hex digits with an optional point, then a
/// mandatory binary exponent; `_` may separate digits.
fn parse_hex_float(text: &str) -> Option<f64> {
    let (mantissa, exponent) = text.split_once('p')?;
    let mut value = 0f64;
    let mut scale = 0i64;
    let mut seen_point = false;
    let mut digits = 0;
    let mut previous_underscore = true;
    for c in mantissa.chars() {
        match c {
            '_' if !previous_underscore => {
                previous_underscore = true;
                continue;
            }
            '.' if !seen_point => seen_point = true,
            c if c.is_ascii_hexdigit() => {
                value = value * 16.0 + f64::from(c.to_digit(16)?);
                digits += 1;
                if seen_point {
                    scale -= 4;
                }
            }
            _ => return None,
        }
        previous_underscore = false;
    }
    if digits == 0 || mantissa.ends_with('_') {
        return None;
    }
    let exponent: i64 = exponent.replace('_', "").parse().ok()?;
    let power = i32::try_from((exponent + scale).clamp(-2000, 2000)).ok()?;
    Some(value * 2f64.powi(power))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::Severity;
    use crate::project::node::Mapping;

    fn span(offset: usize) -> Span {
        Span {
            offset,
            line: offset as u32 + 1,
            col: 1,
            ..Span::default()
        }
    }

    fn string(text: &str, at: usize) -> Node {
        Node::new(Value::Str(text.to_string()), span(at))
    }

    fn map(entries: Vec<(&str, Node)>) -> Node {
        let mapping: Mapping = entries
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect();
        Node::new(Value::Map(mapping), span(0))
    }

    fn lookup(name: &str) -> Option<String> {
        match name {
            "TAG" => Some("1.2".into()),
            "TWO" => Some("two".into()),
            "YES" => Some("yes".into()),
            _ => None,
        }
    }

    #[test]
    fn substitutes_values_reports_every_error_and_casts() {
        let mut doc = map(vec![(
            "services",
            map(vec![(
                "web",
                map(vec![
                    ("image", string("nginx:${TAG}", 1)),
                    ("privileged", string("$YES", 2)),
                    ("command", string("${MISSING} ${MISSING}", 3)),
                    ("entrypoint", string("${", 4)),
                    ("deploy", map(vec![("replicas", string("${TWO}", 5))])),
                    ("labels", map(vec![("${TAG}", string("${OTHER}", 6))])),
                    (
                        "ports",
                        Node::new(
                            Value::Seq(vec![map(vec![("target", string("80", 7))])]),
                            span(7),
                        ),
                    ),
                ]),
            )]),
        )]);
        let mut diagnostics = Vec::new();
        interpolate(&mut doc, &lookup, &mut diagnostics);
        let web = doc.get("services").unwrap().get("web").unwrap();
        assert_eq!(web.get("image").unwrap().as_str(), Some("nginx:1.2"));
        assert_eq!(web.get("privileged").unwrap().value, Value::Bool(true));
        assert_eq!(web.get("command").unwrap().as_str(), Some(" "));
        assert_eq!(web.get("entrypoint").unwrap().as_str(), Some("${"));
        assert!(web.get("labels").unwrap().get("${TAG}").is_some());
        let ports = web.get("ports").unwrap().as_seq().unwrap();
        assert_eq!(ports[0].get("target").unwrap().value, Value::Int(80));
        let rendered: Vec<(Severity, String)> = diagnostics
            .iter()
            .map(|d| (d.severity, d.headline()))
            .collect();
        assert_eq!(
            rendered,
            [
                (
                    Severity::Warning,
                    "`services.web.privileged`: \"yes\" for boolean is not supported by YAML 1.2, please use `true`".to_string()
                ),
                (
                    Severity::Warning,
                    "`services.web.command`: The \"MISSING\" variable is not set. Defaulting to a blank string.".to_string()
                ),
                (
                    Severity::Error,
                    "`services.web.entrypoint`: invalid interpolation format for `${`".to_string()
                ),
                (
                    Severity::Error,
                    "`services.web.deploy.replicas`: cannot convert \"two\" to an integer".to_string()
                ),
                (
                    Severity::Warning,
                    "`services.web.labels.${TAG}`: The \"OTHER\" variable is not set. Defaulting to a blank string.".to_string()
                ),
            ]
        );
        assert_eq!(diagnostics[3].span.unwrap().offset, 5);
    }

    #[test]
    fn go_number_syntax() {
        assert_eq!(parse_go_int("+3"), Ok(3));
        assert_eq!(parse_go_int("-0"), Ok(0));
        assert_eq!(parse_go_int("0x10"), Err(None));
        assert_eq!(parse_go_int("1_000"), Err(None));
        assert_eq!(parse_go_int(""), Err(None));
        assert_eq!(
            parse_go_int("99999999999999999999"),
            Err(Some(OUT_OF_RANGE))
        );
        assert_eq!(parse_go_float("1e-1", false), Ok(0.1));
        assert_eq!(parse_go_float("0.145", true), Ok(0.145));
        assert_eq!(parse_go_float(".5", false), Ok(0.5));
        assert_eq!(parse_go_float("0x1.8p1", false), Ok(3.0));
        assert_eq!(parse_go_float("-Inf", false), Ok(f64::NEG_INFINITY));
        assert_eq!(parse_go_float("+nan", false), Err(None));
        assert_eq!(parse_go_float("1e400", false), Err(Some(OUT_OF_RANGE)));
        assert_eq!(parse_go_float("1e39", true), Err(Some(OUT_OF_RANGE)));
        assert_eq!(parse_go_float("1_0", false), Err(None));
        assert_eq!(parse_go_float("abc", false), Err(None));
    }

    #[test]
    fn cast_table_paths() {
        let path = KeyPath::root()
            .key("services")
            .key("a.b")
            .key("ulimits")
            .key("nproc");
        assert_eq!(cast_for(&path), Some(Cast::Int));
        let path = KeyPath::root()
            .key("services")
            .key("s")
            .key("volumes")
            .index(2)
            .key("read_only");
        assert_eq!(cast_for(&path), Some(Cast::Bool));
        let path = KeyPath::root()
            .key("services")
            .key("s")
            .key("ports")
            .index(0)
            .key("published");
        assert_eq!(cast_for(&path), None);
        assert_eq!(cast_for(&KeyPath::root().key("networks").key("n")), None);
    }
}
