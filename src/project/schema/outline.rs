//! The schema source, `schemas/compose.outline`: one description of compose file format 3.0–3.9
//! and of the Compose Specification, from which the JSON schema (draft-07) of each target is
//! derived. The format is documented in `schemas/README.md`.
//!
//! The build script includes this file (`#[path]`) and writes each target's schema to `OUT_DIR`,
//! where `schema.rs` embeds them; so it depends on nothing but `std`.

use std::collections::HashSet;
use std::fmt::Write as _;

const SOURCE_NAME: &str = "schemas/compose.outline";

/// The targets, in the order of [`derive`]'s `target` index: 3.0 to 3.9, then the Compose
/// Specification.
pub const TARGETS: [&str; 11] = [
    "3.0", "3.1", "3.2", "3.3", "3.4", "3.5", "3.6", "3.7", "3.8", "3.9", "spec",
];

/// The targets a line (or part of one) applies to: bits 0–9 are 3.0–3.9, bit 10 the Compose
/// Specification.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Targets(u16);

const SPEC_BIT: u16 = 1 << 10;
const ALL_3X: u16 = (1 << 10) - 1;

impl Targets {
    const ALL: Targets = Targets(ALL_3X | SPEC_BIT);

    /// Whether the set holds the target of index `target` (see [`TARGETS`]).
    fn contains(self, target: usize) -> bool {
        target < TARGETS.len() && self.0 & (1 << target) != 0
    }

    /// `3.4+`, `3.0-3.3`, `3.9`, `3.x`, `spec`, or several of them separated by commas.
    fn parse(text: &str) -> Option<Targets> {
        let mut bits = 0u16;
        for part in text.split(',') {
            bits |= match part {
                "spec" => SPEC_BIT,
                "3.x" => ALL_3X,
                _ => {
                    if let Some(from) = part.strip_suffix('+') {
                        let from = minor(from)?;
                        (ALL_3X & !((1 << from) - 1)) | SPEC_BIT
                    } else if let Some((from, to)) = part.split_once('-') {
                        let (from, to) = (minor(from)?, minor(to)?);
                        if from > to {
                            return None;
                        }
                        ((1u16 << (to + 1)) - 1) & !((1 << from) - 1)
                    } else {
                        1 << minor(part)?
                    }
                }
            };
        }
        Some(Targets(bits))
    }
}

fn minor(text: &str) -> Option<u16> {
    let digit = text.strip_prefix("3.")?;
    match digit.as_bytes() {
        [d @ b'0'..=b'9'] => Some(u16::from(d - b'0')),
        _ => None,
    }
}

/// Splits `word@targets` into the word and its targets (all targets when there is no tag).
fn split_tag(token: &str) -> Result<(&str, Targets), String> {
    if let Some((word, tag)) = token.rsplit_once('@') {
        if !word.is_empty() {
            return Targets::parse(tag)
                .map(|targets| (word, targets))
                .ok_or_else(|| format!("invalid target list `{tag}`"));
        }
    }
    Ok((token, Targets::ALL))
}

#[derive(Debug)]
enum Key {
    Root,
    Definition(String),
    Property(String),
    Pattern(String),
    Items,
    Branch,
}

#[derive(Debug)]
enum Shape {
    /// No type keyword (an alternative list, a definition reference in children only, ...).
    Untyped,
    /// A union of JSON types, each with the targets it applies to.
    Types(Vec<(String, Targets)>),
    /// `[T]`: a list whose items are `T`.
    ListOf(Box<Shape>),
    /// `$name`: a reference to a definition.
    Ref(String),
}

#[derive(Debug)]
enum Modifier {
    Closed,
    Extensions,
    Unique,
    Required(Vec<String>),
    Enum(Vec<String>),
    Format(String),
    Pattern(String),
    Minimum(i64),
    Maximum(i64),
    MultipleOf(i64),
}

#[derive(Debug)]
struct Entry {
    line: usize,
    key: Key,
    targets: Targets,
    shape: Shape,
    modifiers: Vec<(Modifier, Targets)>,
    children: Vec<Entry>,
}

#[derive(Debug)]
struct Outline {
    root: Entry,
    definitions: Vec<Entry>,
}

const TYPES: &[&str] = &[
    "string", "integer", "number", "boolean", "null", "object", "array", "any",
];

struct Line<'a> {
    number: usize,
    indent: usize,
    text: &'a str,
}

fn parse(source: &str) -> Result<Outline, String> {
    let mut lines = Vec::new();
    for (index, raw) in source.lines().enumerate() {
        let text = raw.trim_end();
        let trimmed = text.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        if text.starts_with('\t') {
            return Err(format!("{}: indent with spaces", index + 1));
        }
        lines.push(Line {
            number: index + 1,
            indent: text.len() - trimmed.len(),
            text: trimmed,
        });
    }
    let mut position = 0;
    let entries = parse_block(&lines, &mut position, 0, true)?;
    let mut root = None;
    let mut definitions = Vec::new();
    for entry in entries {
        match entry.key {
            Key::Root if root.is_none() => root = Some(entry),
            Key::Definition(_) => definitions.push(entry),
            _ => return Err(format!("{}: unexpected top-level entry", entry.line)),
        }
    }
    let root = root.ok_or("1: no `root` entry")?;
    Ok(Outline { root, definitions })
}

fn parse_block(
    lines: &[Line<'_>],
    position: &mut usize,
    indent: usize,
    top_level: bool,
) -> Result<Vec<Entry>, String> {
    let mut entries = Vec::new();
    while let Some(line) = lines.get(*position) {
        if line.indent < indent {
            break;
        }
        if line.indent > indent {
            return Err(format!("{}: unexpected indentation", line.number));
        }
        *position += 1;
        let mut entry = parse_line(line, top_level)?;
        if let Some(next) = lines.get(*position) {
            if next.indent > indent {
                entry.children = parse_block(lines, position, next.indent, false)?;
            }
        }
        entries.push(entry);
    }
    Ok(entries)
}

fn parse_line(line: &Line<'_>, top_level: bool) -> Result<Entry, String> {
    let error = |message: String| format!("{}: {message}", line.number);
    let text = line.text;
    let (key, rest) = if let Some(rest) = text.strip_prefix('|') {
        (Key::Branch, rest)
    } else if let Some(after) = text.strip_prefix('<') {
        let (pattern, rest) = after
            .split_once(">:")
            .ok_or_else(|| error("a pattern key ends with `>:`".into()))?;
        (Key::Pattern(pattern.to_string()), rest)
    } else {
        let (name, rest) = text
            .split_once(':')
            .ok_or_else(|| error("expected `key: ...`".into()))?;
        let key = match name {
            "[]" => Key::Items,
            "root" if top_level => Key::Root,
            _ if top_level => match name.strip_prefix('$') {
                Some(definition) => Key::Definition(definition.to_string()),
                None => return Err(error(format!("unknown top-level entry `{name}`"))),
            },
            _ => Key::Property(name.to_string()),
        };
        (key, rest)
    };
    if top_level != matches!(key, Key::Root | Key::Definition(_)) {
        return Err(error(
            "`root` and `$name` entries are top-level only".into(),
        ));
    }

    let mut targets = Targets::ALL;
    let mut shape = Shape::Untyped;
    let mut modifiers = Vec::new();
    for (index, token) in rest.split_whitespace().enumerate() {
        if let Some(tag) = token.strip_prefix('@') {
            targets =
                Targets::parse(tag).ok_or_else(|| error(format!("invalid targets `{tag}`")))?;
        } else if index == 0 && is_shape(token) {
            shape = parse_shape(token).map_err(error)?;
        } else {
            modifiers.push(parse_modifier(token).map_err(error)?);
        }
    }
    Ok(Entry {
        line: line.number,
        key,
        targets,
        shape,
        modifiers,
        children: Vec::new(),
    })
}

fn is_shape(token: &str) -> bool {
    token.starts_with('$')
        || (token.starts_with('[') && token.ends_with(']'))
        || token
            .split('|')
            .all(|member| TYPES.contains(&member.split('@').next().unwrap_or(member)))
}

fn parse_shape(token: &str) -> Result<Shape, String> {
    if let Some(name) = token.strip_prefix('$') {
        return Ok(Shape::Ref(name.to_string()));
    }
    if let Some(inner) = token.strip_prefix('[').and_then(|t| t.strip_suffix(']')) {
        return Ok(Shape::ListOf(Box::new(parse_shape(inner)?)));
    }
    let mut members = Vec::new();
    for member in token.split('|') {
        let (name, targets) = split_tag(member)?;
        if !TYPES.contains(&name) {
            return Err(format!("unknown type `{name}`"));
        }
        members.push((name.to_string(), targets));
    }
    Ok(Shape::Types(members))
}

fn parse_modifier(token: &str) -> Result<(Modifier, Targets), String> {
    let (word, targets) = split_tag(token)?;
    let list = |inner: &str| inner.split(',').map(str::to_string).collect::<Vec<_>>();
    let number = |value: &str| {
        value
            .parse::<i64>()
            .map_err(|_| format!("`{token}`: expected an integer"))
    };
    let modifier = match word {
        "closed" => Modifier::Closed,
        "x" => Modifier::Extensions,
        "unique" => Modifier::Unique,
        _ => {
            if let Some(inner) = word
                .strip_prefix("required(")
                .and_then(|w| w.strip_suffix(')'))
            {
                Modifier::Required(list(inner))
            } else if let Some(inner) = word.strip_prefix("enum(").and_then(|w| w.strip_suffix(')'))
            {
                Modifier::Enum(list(inner))
            } else if let Some((name, value)) = word.split_once('=') {
                match name {
                    "format" => Modifier::Format(value.to_string()),
                    "pattern" => Modifier::Pattern(value.to_string()),
                    "min" => Modifier::Minimum(number(value)?),
                    "max" => Modifier::Maximum(number(value)?),
                    "multiple" => Modifier::MultipleOf(number(value)?),
                    _ => return Err(format!("unknown modifier `{name}`")),
                }
            } else {
                return Err(format!("unknown modifier `{word}`"));
            }
        }
    };
    Ok((modifier, targets))
}

/// A JSON value, as much of it as a schema needs; objects keep their order.
#[derive(Clone, Debug, PartialEq)]
enum Json {
    Bool(bool),
    Int(i64),
    Str(String),
    Array(Vec<Json>),
    Object(Vec<(String, Json)>),
}

impl Json {
    fn object() -> Json {
        Json::Object(Vec::new())
    }

    fn str(text: &str) -> Json {
        Json::Str(text.to_string())
    }

    /// Sets `key`, returning whether it was set already.
    fn insert(&mut self, key: &str, value: Json) -> bool {
        let Json::Object(entries) = self else {
            return false;
        };
        if let Some(entry) = entries.iter_mut().find(|(k, _)| k == key) {
            entry.1 = value;
            return true;
        }
        entries.push((key.to_string(), value));
        false
    }

    fn is_empty_object(&self) -> bool {
        matches!(self, Json::Object(entries) if entries.is_empty())
    }

    fn write(&self, out: &mut String) {
        match self {
            Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Json::Int(i) => {
                let _ = write!(out, "{i}");
            }
            Json::Str(text) => write_string(text, out),
            Json::Array(items) => {
                out.push('[');
                for (index, item) in items.iter().enumerate() {
                    if index > 0 {
                        out.push(',');
                    }
                    item.write(out);
                }
                out.push(']');
            }
            Json::Object(entries) => {
                out.push('{');
                for (index, (key, value)) in entries.iter().enumerate() {
                    if index > 0 {
                        out.push(',');
                    }
                    write_string(key, out);
                    out.push(':');
                    value.write(out);
                }
                out.push('}');
            }
        }
    }
}

fn write_string(text: &str, out: &mut String) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// The JSON schema (draft-07) of the target of index `target` (see [`TARGETS`]), as JSON text.
pub fn derive(source: &str, target: usize) -> Result<String, String> {
    let outline = parse(source).map_err(|e| format!("{SOURCE_NAME}:{e}"))?;
    let name = TARGETS.get(target).ok_or("no such target")?;
    let mut deriver = Deriver {
        target,
        wanted: Vec::new(),
    };
    let root = deriver
        .entry(&outline.root)?
        .ok_or_else(|| format!("{SOURCE_NAME}: `root` does not apply to {name}"))?;
    let Json::Object(root) = root else {
        return Err(format!("{SOURCE_NAME}: `root` is not a schema object"));
    };
    let mut document = vec![(
        "$schema".to_string(),
        Json::str("http://json-schema.org/draft-07/schema#"),
    )];
    document.extend(root);

    // Only the definitions this target reaches, in the order they are first used.
    let mut definitions = Vec::new();
    let mut done = HashSet::new();
    let mut index = 0;
    while index < deriver.wanted.len() {
        let (wanted, line) = deriver.wanted[index].clone();
        index += 1;
        if !done.insert(wanted.clone()) {
            continue;
        }
        let entry = outline
            .definitions
            .iter()
            .find(|entry| matches!(&entry.key, Key::Definition(n) if *n == wanted))
            .ok_or_else(|| format!("{SOURCE_NAME}:{line}: no definition `${wanted}`"))?;
        let schema = deriver.entry(entry)?.ok_or_else(|| {
            format!("{SOURCE_NAME}:{line}: `${wanted}` is used but does not apply to {name}")
        })?;
        definitions.push((wanted, schema));
    }
    if !definitions.is_empty() {
        document.push(("definitions".to_string(), Json::Object(definitions)));
    }
    let mut text = String::new();
    Json::Object(document).write(&mut text);
    Ok(text)
}

struct Deriver {
    target: usize,
    /// Definitions referenced so far, with the line of the first reference.
    wanted: Vec<(String, usize)>,
}

impl Deriver {
    fn entry(&mut self, entry: &Entry) -> Result<Option<Json>, String> {
        if !entry.targets.contains(self.target) {
            return Ok(None);
        }
        let error = |message: String| format!("{SOURCE_NAME}:{}: {message}", entry.line);
        let mut schema = Json::object();
        match &entry.shape {
            Shape::Ref(name) => {
                if !entry.modifiers.is_empty() || !entry.children.is_empty() {
                    return Err(error(
                        "a `$ref` entry takes no modifiers or children".into(),
                    ));
                }
                return Ok(Some(self.reference(name, entry.line)));
            }
            shape => self.shape(shape, &mut schema, entry.line),
        }

        let mut extensions = false;
        for (modifier, targets) in &entry.modifiers {
            if !targets.contains(self.target) {
                continue;
            }
            let (keyword, value) = match modifier {
                Modifier::Closed => ("additionalProperties", Json::Bool(false)),
                Modifier::Extensions => {
                    extensions = true;
                    continue;
                }
                Modifier::Unique => ("uniqueItems", Json::Bool(true)),
                Modifier::Required(keys) => (
                    "required",
                    Json::Array(keys.iter().map(|k| Json::str(k)).collect()),
                ),
                Modifier::Enum(values) => (
                    "enum",
                    Json::Array(values.iter().map(|v| Json::str(v)).collect()),
                ),
                Modifier::Format(name) => ("format", Json::str(name)),
                Modifier::Pattern(pattern) => ("pattern", Json::str(pattern)),
                Modifier::Minimum(limit) => ("minimum", Json::Int(*limit)),
                Modifier::Maximum(limit) => ("maximum", Json::Int(*limit)),
                Modifier::MultipleOf(step) => ("multipleOf", Json::Int(*step)),
            };
            if schema.insert(keyword, value) {
                return Err(error(format!("`{keyword}` given twice")));
            }
        }

        let mut properties = Json::object();
        let mut patterns = Json::object();
        let mut alternatives = Vec::new();
        for child in &entry.children {
            let Some(child_schema) = self.entry(child)? else {
                continue;
            };
            let duplicate = match &child.key {
                Key::Property(name) => properties.insert(name, child_schema),
                Key::Pattern(pattern) => patterns.insert(pattern, child_schema),
                Key::Items => schema.insert("items", child_schema),
                Key::Branch => {
                    alternatives.push(child_schema);
                    false
                }
                Key::Root | Key::Definition(_) => true,
            };
            if duplicate {
                return Err(format!(
                    "{SOURCE_NAME}:{}: entry defined twice for {}",
                    child.line, TARGETS[self.target]
                ));
            }
        }
        if !properties.is_empty_object() {
            schema.insert("properties", properties);
        }
        if extensions && patterns.insert("^x-", Json::object()) {
            return Err(error("`^x-` given twice".into()));
        }
        if !patterns.is_empty_object() {
            schema.insert("patternProperties", patterns);
        }
        if !alternatives.is_empty() {
            schema.insert("oneOf", Json::Array(alternatives));
        }
        Ok(Some(schema))
    }

    fn shape(&mut self, shape: &Shape, schema: &mut Json, line: usize) {
        match shape {
            Shape::Untyped => {}
            Shape::Types(members) => {
                let mut types: Vec<Json> = members
                    .iter()
                    .filter(|(name, targets)| targets.contains(self.target) && name != "any")
                    .map(|(name, _)| Json::str(name))
                    .collect();
                match types.len() {
                    0 => {}
                    1 => {
                        schema.insert("type", types.remove(0));
                    }
                    _ => {
                        schema.insert("type", Json::Array(types));
                    }
                }
            }
            Shape::ListOf(inner) => {
                schema.insert("type", Json::str("array"));
                let items = match inner.as_ref() {
                    Shape::Ref(name) => self.reference(name, line),
                    other => {
                        let mut items = Json::object();
                        self.shape(other, &mut items, line);
                        items
                    }
                };
                schema.insert("items", items);
            }
            // Handled by the callers: a reference stands alone.
            Shape::Ref(_) => {}
        }
    }

    fn reference(&mut self, name: &str, line: usize) -> Json {
        self.wanted.push((name.to_string(), line));
        Json::Object(vec![(
            "$ref".to_string(),
            Json::Str(format!("#/definitions/{name}")),
        )])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SOURCE: &str = include_str!("../../../schemas/compose.outline");
    const SPEC: usize = 10;

    fn derived(target: usize) -> serde_json::Value {
        let text = derive(SOURCE, target).unwrap_or_else(|e| panic!("{}: {e}", TARGETS[target]));
        serde_json::from_str(&text).expect("derived schemas are JSON")
    }

    #[test]
    fn targets_parse_ranges_and_tags() {
        let t = Targets::parse("3.4+").unwrap();
        assert!(!t.contains(3));
        assert!(t.contains(4) && t.contains(9) && t.contains(SPEC));
        let t = Targets::parse("3.0-3.1").unwrap();
        assert!(t.contains(0) && t.contains(1));
        assert!(!t.contains(2) && !t.contains(SPEC));
        let t = Targets::parse("3.9").unwrap();
        assert!(t.contains(9) && !t.contains(SPEC));
        assert_eq!(Targets::parse("3.x,spec"), Some(Targets::ALL));
        assert_eq!(Targets::parse("3.10"), None);
        assert_eq!(Targets::parse("3.5-3.2"), None);
    }

    #[test]
    fn every_target_derives() {
        for target in 0..TARGETS.len() {
            assert!(derived(target).get("definitions").is_some());
        }
        assert!(derive(SOURCE, TARGETS.len()).is_err());
    }

    #[test]
    fn versions_select_their_keys() {
        let (v30, v39, spec) = (derived(0), derived(9), derived(SPEC));
        let service = |doc: &serde_json::Value| doc["definitions"]["service"]["properties"].clone();
        assert!(service(&v30).get("secrets").is_none());
        assert!(service(&v39).get("cgroupns_mode").is_some());
        assert!(service(&spec).get("cgroupns_mode").is_none());
        assert!(service(&spec).get("profiles").is_some());
        assert_eq!(v30["required"], serde_json::json!(["version"]));
        assert!(spec.get("required").is_none());
        assert_eq!(
            service(&v39)["privileged"]["type"],
            serde_json::json!("boolean")
        );
        assert_eq!(
            service(&spec)["privileged"]["type"],
            serde_json::json!(["boolean", "string"])
        );
        let key_pattern = &spec["definitions"]["list_or_dict"]["oneOf"][0]["patternProperties"];
        assert!(key_pattern.get(r"^[\s\S]*.").is_some(), "{key_pattern}");
    }

    #[test]
    fn strings_are_escaped() {
        let mut out = String::new();
        Json::str("a\"b\\c\n\u{1}é").write(&mut out);
        assert_eq!(out, r#""a\"b\\c\n\u0001é""#);
    }

    #[test]
    fn malformed_sources_are_errors() {
        assert!(parse("root: object\n  a: strin\n").is_err());
        assert!(parse("root: object\n\ta: string\n").is_err());
        assert!(parse("root: object\n  a: string @3.12\n").is_err());
        assert!(parse("nothing: object\n").is_err());
        assert!(parse("root: object\n  a: string\n    b: string\n      c: x=1\n").is_err());
        assert!(derive("root: object\n  a: string\n  a: integer\n", 0).is_err());
        assert!(derive("root: object\n  a: $missing\n", 0).is_err());
    }
}
