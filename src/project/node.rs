//! The untyped compose tree every loader phase works on: YAML values that remember where they
//! came from, so any phase can point a diagnostic at `file:line:column`.

use indexmap::IndexMap;

/// Index of a file in the [`crate::diag::SourceMap`] of one load.
pub type FileId = u32;

/// Where a node came from. `line`/`col` are 1-based; `offset`/`len` are byte offsets into the
/// file's text, for miette labels.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Span {
    pub file: FileId,
    pub offset: usize,
    pub len: usize,
    pub line: u32,
    pub col: u32,
}

/// A mapping keeps insertion order, as docker compose does when it prints. Hashed with
/// foldhash rather than SipHash: keys are short and hashing them was 6 % of a large load.
pub type Mapping = IndexMap<String, Node, MapHasher>;

/// The hasher of [`Mapping`]; build empty mappings with `Mapping::default()`.
pub type MapHasher = foldhash::fast::RandomState;

#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    Map(Mapping),
}

/// One value of the tree. A node that is the value of a mapping entry also carries the span of
/// its key, so "unknown key" errors point at the key rather than at its value.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub value: Value,
    pub span: Span,
    pub key_span: Option<Span>,
    /// A local YAML tag such as `!reset` or `!override` (without the `!`); standard tags are
    /// resolved by the parser and not kept.
    pub tag: Option<String>,
}

impl Node {
    pub fn new(value: Value, span: Span) -> Node {
        Node {
            value,
            span,
            key_span: None,
            tag: None,
        }
    }

    /// The span a diagnostic about this node as a mapping entry should point at.
    pub fn entry_span(&self) -> Span {
        self.key_span.unwrap_or(self.span)
    }

    pub fn as_map(&self) -> Option<&Mapping> {
        match &self.value {
            Value::Map(map) => Some(map),
            _ => None,
        }
    }

    pub fn as_map_mut(&mut self) -> Option<&mut Mapping> {
        match &mut self.value {
            Value::Map(map) => Some(map),
            _ => None,
        }
    }

    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.value {
            Value::Seq(items) => Some(items),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Str(text) => Some(text),
            _ => None,
        }
    }

    pub fn get(&self, key: &str) -> Option<&Node> {
        self.as_map().and_then(|map| map.get(key))
    }

    pub fn is_null(&self) -> bool {
        matches!(self.value, Value::Null)
    }

    /// The scalar as docker compose would print it inside a string (`true`, `80`, `0.5`);
    /// `None` for mappings and sequences.
    pub fn scalar_text(&self) -> Option<String> {
        match &self.value {
            Value::Null => Some(String::new()),
            Value::Bool(b) => Some(b.to_string()),
            Value::Int(i) => Some(i.to_string()),
            Value::Float(f) => Some(format_float(*f)),
            Value::Str(s) => Some(s.clone()),
            Value::Seq(_) | Value::Map(_) => None,
        }
    }

    /// A short name of the node's kind for messages: "a string", "a mapping", ...
    pub fn kind_name(&self) -> &'static str {
        match &self.value {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Int(_) => "an integer",
            Value::Float(_) => "a number",
            Value::Str(_) => "a string",
            Value::Seq(_) => "a sequence",
            Value::Map(_) => "a mapping",
        }
    }

    /// The JSON form of the tree, as the schema validator and the printers see it.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match &self.value {
            Value::Null => J::Null,
            Value::Bool(b) => J::Bool(*b),
            Value::Int(i) => J::from(*i),
            Value::Float(f) => serde_json::Number::from_f64(*f)
                .map(J::Number)
                .unwrap_or_else(|| J::String(format_float(*f))),
            Value::Str(s) => J::String(s.clone()),
            Value::Seq(items) => J::Array(items.iter().map(Node::to_json).collect()),
            Value::Map(map) => J::Object(
                map.iter()
                    .map(|(key, value)| (key.clone(), value.to_json()))
                    .collect(),
            ),
        }
    }

    /// Follows a JSON pointer (`/services/web/ports/0`) to the node it names.
    pub fn pointer(&self, pointer: &str) -> Option<&Node> {
        let mut node = self;
        for raw in pointer.split('/').skip(1) {
            let segment = raw.replace("~1", "/").replace("~0", "~");
            node = match &node.value {
                Value::Map(map) => map.get(&segment)?,
                Value::Seq(items) => items.get(segment.parse::<usize>().ok()?)?,
                _ => return None,
            };
        }
        Some(node)
    }
}

/// Floats print as Go's `strconv.FormatFloat(f, 'g', -1, 64)` would for ordinary values.
pub fn format_float(f: f64) -> String {
    if f.is_nan() {
        return ".nan".to_string();
    }
    if f.is_infinite() {
        return if f > 0.0 { "+Inf" } else { "-Inf" }.to_string();
    }
    // Go's shortest `%g` switches to an exponent (two digits at least) below 1e-4 and from
    // 1e6 up: `1e+06`, `1.5e-05`; Rust's `{:e}` gives the same shortest digits.
    let scientific = format!("{f:e}");
    let (mantissa, exponent) = scientific.split_once('e').unwrap_or((&scientific, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    if (-4..6).contains(&exponent) || f == 0.0 {
        return format!("{f}");
    }
    let sign = if exponent < 0 { '-' } else { '+' };
    format!("{mantissa}e{sign}{:02}", exponent.abs())
}

/// A key path as docker compose users read it: `services.web.ports[0]`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KeyPath(Vec<PathSegment>);

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PathSegment {
    Key(String),
    Index(usize),
}

impl KeyPath {
    pub fn root() -> KeyPath {
        KeyPath(Vec::new())
    }

    pub fn key(&self, key: &str) -> KeyPath {
        let mut next = self.clone();
        next.0.push(PathSegment::Key(key.to_string()));
        next
    }

    pub fn index(&self, index: usize) -> KeyPath {
        let mut next = self.clone();
        next.0.push(PathSegment::Index(index));
        next
    }

    pub fn segments(&self) -> &[PathSegment] {
        &self.0
    }

    /// Parses a JSON pointer as produced by the schema validator.
    pub fn from_pointer(pointer: &str) -> KeyPath {
        let mut path = KeyPath::root();
        for raw in pointer.split('/').skip(1) {
            let segment = raw.replace("~1", "/").replace("~0", "~");
            path = match segment.parse::<usize>() {
                Ok(index) => path.index(index),
                Err(_) => path.key(&segment),
            };
        }
        path
    }

    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }
}

impl std::fmt::Display for KeyPath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, segment) in self.0.iter().enumerate() {
            match segment {
                PathSegment::Key(key) if i == 0 => write!(f, "{key}")?,
                PathSegment::Key(key) => write!(f, ".{key}")?,
                PathSegment::Index(index) => write!(f, "[{index}]")?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_path_renders_as_users_read_it() {
        let path = KeyPath::root()
            .key("services")
            .key("web")
            .key("ports")
            .index(0);
        assert_eq!(path.to_string(), "services.web.ports[0]");
        assert_eq!(KeyPath::from_pointer("/services/web/ports/0"), path);
    }
}
