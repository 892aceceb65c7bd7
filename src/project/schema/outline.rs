//! The schema source, `schemas/compose.outline`: one description of compose file format 3.0–3.9
//! and of the Compose Specification, from which the JSON schema (draft-07) of each target is
//! derived on first use. The format is documented in `schemas/README.md`.

use std::collections::HashSet;
use std::sync::OnceLock;

use serde_json::{Map, Value};

use super::SchemaKind;

const SOURCE_NAME: &str = "schemas/compose.outline";
const SOURCE: &str = include_str!("../../../schemas/compose.outline");

/// The targets a line (or part of one) applies to: bits 0–9 are 3.0–3.9, bit 10 the Compose
/// Specification.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Targets(u16);

const SPEC_BIT: u16 = 1 << 10;
const ALL_3X: u16 = (1 << 10) - 1;

impl Targets {
    const ALL: Targets = Targets(ALL_3X | SPEC_BIT);

    fn contains(self, kind: SchemaKind) -> bool {
        let bit = match kind {
            SchemaKind::V3(minor) if minor <= 9 => 1 << minor,
            SchemaKind::V3(_) => return false,
            SchemaKind::Spec => SPEC_BIT,
        };
        self.0 & bit != 0
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

fn outline() -> Result<&'static Outline, String> {
    static OUTLINE: OnceLock<Result<Outline, String>> = OnceLock::new();
    OUTLINE
        .get_or_init(|| parse(SOURCE).map_err(|e| format!("{SOURCE_NAME}:{e}")))
        .as_ref()
        .map_err(Clone::clone)
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
        return Err(error("`root` and `$name` entries are top-level only".into()));
    }

    let mut targets = Targets::ALL;
    let mut shape = Shape::Untyped;
    let mut modifiers = Vec::new();
    for (index, token) in rest.split_whitespace().enumerate() {
        if let Some(tag) = token.strip_prefix('@') {
            targets = Targets::parse(tag).ok_or_else(|| error(format!("invalid targets `{tag}`")))?;
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
            } else if let Some(inner) = word.strip_prefix("enum(").and_then(|w| w.strip_suffix(')')) {
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

/// The JSON schema of one target, derived from the outline.
pub(super) fn derive(kind: SchemaKind) -> Result<Value, String> {
    let outline = outline()?;
    let mut deriver = Deriver {
        kind,
        wanted: Vec::new(),
    };
    let root = deriver
        .entry(&outline.root)?
        .ok_or_else(|| format!("{SOURCE_NAME}: `root` does not apply to {kind:?}"))?;
    let Value::Object(root) = root else {
        return Err(format!("{SOURCE_NAME}: `root` is not a schema object"));
    };
    let mut document = Map::new();
    document.insert(
        "$schema".into(),
        Value::from("http://json-schema.org/draft-07/schema#"),
    );
    document.extend(root);

    // Only the definitions this target reaches, in the order they are first used.
    let mut definitions = Map::new();
    let mut done = HashSet::new();
    let mut index = 0;
    while index < deriver.wanted.len() {
        let (name, line) = deriver.wanted[index].clone();
        index += 1;
        if !done.insert(name.clone()) {
            continue;
        }
        let entry = outline
            .definitions
            .iter()
            .find(|entry| matches!(&entry.key, Key::Definition(n) if *n == name))
            .ok_or_else(|| format!("{SOURCE_NAME}:{line}: no definition `${name}`"))?;
        let schema = deriver.entry(entry)?.ok_or_else(|| {
            format!("{SOURCE_NAME}:{line}: `${name}` is used but does not apply to {kind:?}")
        })?;
        definitions.insert(name, schema);
    }
    if !definitions.is_empty() {
        document.insert("definitions".into(), Value::Object(definitions));
    }
    Ok(Value::Object(document))
}

struct Deriver {
    kind: SchemaKind,
    /// Definitions referenced so far, with the line of the first reference.
    wanted: Vec<(String, usize)>,
}

impl Deriver {
    fn entry(&mut self, entry: &Entry) -> Result<Option<Value>, String> {
        if !entry.targets.contains(self.kind) {
            return Ok(None);
        }
        let error = |message: String| format!("{SOURCE_NAME}:{}: {message}", entry.line);
        let mut schema = Map::new();
        match &entry.shape {
            Shape::Ref(name) => {
                if !entry.modifiers.is_empty() || !entry.children.is_empty() {
                    return Err(error("a `$ref` entry takes no modifiers or children".into()));
                }
                return Ok(Some(self.reference(name, entry.line)));
            }
            shape => self.shape(shape, &mut schema, entry.line),
        }

        let mut extensions = false;
        for (modifier, targets) in &entry.modifiers {
            if !targets.contains(self.kind) {
                continue;
            }
            let (keyword, value) = match modifier {
                Modifier::Closed => ("additionalProperties", Value::Bool(false)),
                Modifier::Extensions => {
                    extensions = true;
                    continue;
                }
                Modifier::Unique => ("uniqueItems", Value::Bool(true)),
                Modifier::Required(keys) => ("required", Value::from(keys.clone())),
                Modifier::Enum(values) => ("enum", Value::from(values.clone())),
                Modifier::Format(name) => ("format", Value::from(name.clone())),
                Modifier::Pattern(pattern) => ("pattern", Value::from(pattern.clone())),
                Modifier::Minimum(limit) => ("minimum", Value::from(*limit)),
                Modifier::Maximum(limit) => ("maximum", Value::from(*limit)),
                Modifier::MultipleOf(step) => ("multipleOf", Value::from(*step)),
            };
            if schema.insert(keyword.into(), value).is_some() {
                return Err(error(format!("`{keyword}` given twice")));
            }
        }

        let mut properties = Map::new();
        let mut patterns = Map::new();
        let mut alternatives = Vec::new();
        for child in &entry.children {
            let Some(child_schema) = self.entry(child)? else {
                continue;
            };
            let duplicate = match &child.key {
                Key::Property(name) => properties.insert(name.clone(), child_schema).is_some(),
                Key::Pattern(pattern) => patterns.insert(pattern.clone(), child_schema).is_some(),
                Key::Items => schema.insert("items".into(), child_schema).is_some(),
                Key::Branch => {
                    alternatives.push(child_schema);
                    false
                }
                Key::Root | Key::Definition(_) => true,
            };
            if duplicate {
                return Err(format!(
                    "{SOURCE_NAME}:{}: entry defined twice for {:?}",
                    child.line, self.kind
                ));
            }
        }
        if !properties.is_empty() {
            schema.insert("properties".into(), Value::Object(properties));
        }
        if extensions && patterns.insert("^x-".into(), Value::Object(Map::new())).is_some() {
            return Err(error("`^x-` given twice".into()));
        }
        if !patterns.is_empty() {
            schema.insert("patternProperties".into(), Value::Object(patterns));
        }
        if !alternatives.is_empty() {
            schema.insert("oneOf".into(), Value::Array(alternatives));
        }
        Ok(Some(Value::Object(schema)))
    }

    fn shape(&mut self, shape: &Shape, schema: &mut Map<String, Value>, line: usize) {
        match shape {
            Shape::Untyped => {}
            Shape::Types(members) => {
                let types: Vec<Value> = members
                    .iter()
                    .filter(|(name, targets)| targets.contains(self.kind) && name != "any")
                    .map(|(name, _)| Value::from(name.clone()))
                    .collect();
                match types.len() {
                    0 => {}
                    1 => {
                        schema.insert("type".into(), types.into_iter().next().unwrap_or_default());
                    }
                    _ => {
                        schema.insert("type".into(), Value::Array(types));
                    }
                }
            }
            Shape::ListOf(inner) => {
                schema.insert("type".into(), Value::from("array"));
                let items = match inner.as_ref() {
                    Shape::Ref(name) => self.reference(name, line),
                    other => {
                        let mut items = Map::new();
                        self.shape(other, &mut items, line);
                        Value::Object(items)
                    }
                };
                schema.insert("items".into(), items);
            }
            // Handled by the callers: a reference stands alone.
            Shape::Ref(_) => {}
        }
    }

    fn reference(&mut self, name: &str, line: usize) -> Value {
        self.wanted.push((name.to_string(), line));
        let mut reference = Map::new();
        reference.insert("$ref".into(), Value::from(format!("#/definitions/{name}")));
        Value::Object(reference)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_parse_ranges_and_tags() {
        let t = Targets::parse("3.4+").unwrap();
        assert!(!t.contains(SchemaKind::V3(3)));
        assert!(t.contains(SchemaKind::V3(4)));
        assert!(t.contains(SchemaKind::V3(9)));
        assert!(t.contains(SchemaKind::Spec));
        let t = Targets::parse("3.0-3.1").unwrap();
        assert!(t.contains(SchemaKind::V3(0)) && t.contains(SchemaKind::V3(1)));
        assert!(!t.contains(SchemaKind::V3(2)) && !t.contains(SchemaKind::Spec));
        let t = Targets::parse("3.9").unwrap();
        assert!(t.contains(SchemaKind::V3(9)) && !t.contains(SchemaKind::Spec));
        assert_eq!(Targets::parse("3.x,spec"), Some(Targets::ALL));
        assert_eq!(Targets::parse("3.10"), None);
        assert_eq!(Targets::parse("3.5-3.2"), None);
    }

    #[test]
    fn every_target_derives() {
        for kind in (0..=9).map(SchemaKind::V3).chain([SchemaKind::Spec]) {
            let schema = derive(kind).unwrap_or_else(|e| panic!("{kind:?}: {e}"));
            assert!(schema.get("definitions").is_some(), "{kind:?}");
        }
    }

    #[test]
    fn versions_select_their_keys() {
        let v30 = derive(SchemaKind::V3(0)).unwrap();
        let v39 = derive(SchemaKind::V3(9)).unwrap();
        let spec = derive(SchemaKind::Spec).unwrap();
        let service = |doc: &Value| doc["definitions"]["service"]["properties"].clone();
        assert!(service(&v30).get("secrets").is_none());
        assert!(service(&v39).get("cgroupns_mode").is_some());
        assert!(service(&spec).get("cgroupns_mode").is_none());
        assert!(service(&spec).get("profiles").is_some());
        assert_eq!(v30["required"], serde_json::json!(["version"]));
        assert!(spec.get("required").is_none());
        assert_eq!(
            service(&v39)["privileged"]["type"],
            Value::from("boolean")
        );
        assert_eq!(
            service(&spec)["privileged"]["type"],
            serde_json::json!(["boolean", "string"])
        );
    }

    #[test]
    fn malformed_sources_are_errors() {
        assert!(parse("root: object\n  a: strin\n").is_err());
        assert!(parse("root: object\n\ta: string\n").is_err());
        assert!(parse("root: object\n  a: string @3.12\n").is_err());
        assert!(parse("nothing: object\n").is_err());
        assert!(parse("root: object\n  a: string\n    b: string\n      c: x=1\n").is_err());
    }
}
