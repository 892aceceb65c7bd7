//! The loader's [`Node`] tree as a `jsonschema` instance, read in place: validating a document
//! no longer copies it into a `serde_json::Value` first (that copy was half the cost of
//! validating a large file). Each node reads as its JSON form, [`Node::to_json`]: a non-finite
//! float is the string compose prints for it.

use std::borrow::Cow;

use jsonschema::json::{
    cmp, unique, Array, Json, JsonNumber, Node as JsonNode, NodeIdentity, Object,
};
use jsonschema::JsonType;
use serde_json::Value as J;

use crate::project::node::{format_float, Mapping, Node, Value};

/// The representation `jsonschema` validates: `&Node`.
pub struct NodeJson;

impl Json for NodeJson {
    type Node<'a> = &'a Node;
    type PreparedKey = String;
    type StringBuffer = Option<Node>;

    const ACYCLIC: bool = true;

    fn prepare_key(key: &str) -> String {
        key.to_owned()
    }

    fn with_string_node<T>(
        buffer: &mut Option<Node>,
        string: &str,
        f: impl FnOnce(&Node) -> T,
    ) -> T {
        let node = buffer.insert(Node::new(Value::Str(string.to_owned()), Default::default()));
        f(node)
    }
}

/// A number of the tree: integers stay integers, floats are finite (the others read as strings).
#[derive(Clone, Copy, Debug)]
pub enum Number {
    Int(i64),
    Float(f64),
}

impl JsonNumber for Number {
    fn as_u64(&self) -> Option<u64> {
        match *self {
            Number::Int(i) => u64::try_from(i).ok(),
            Number::Float(_) => None,
        }
    }

    fn as_i64(&self) -> Option<i64> {
        match *self {
            Number::Int(i) => Some(i),
            Number::Float(_) => None,
        }
    }

    fn as_f64(&self) -> Option<f64> {
        Some(match *self {
            Number::Int(i) => i as f64,
            Number::Float(f) => f,
        })
    }

    fn as_str(&self) -> Cow<'_, str> {
        Cow::Owned(self.to_number().to_string())
    }

    fn to_number(&self) -> Cow<'_, serde_json::Number> {
        Cow::Owned(match *self {
            Number::Int(i) => serde_json::Number::from(i),
            Number::Float(f) => {
                serde_json::Number::from_f64(f).unwrap_or_else(|| serde_json::Number::from(0))
            }
        })
    }

    fn is_written_as_integer(&self) -> bool {
        matches!(self, Number::Int(_))
    }
}

fn number(node: &Node) -> Option<Number> {
    match node.value {
        Value::Int(i) => Some(Number::Int(i)),
        Value::Float(f) if f.is_finite() => Some(Number::Float(f)),
        _ => None,
    }
}

impl<'a> JsonNode<'a, NodeJson> for &'a Node {
    type Object = &'a Mapping;
    type Array = &'a [Node];
    type Number = Number;

    fn as_object(&self) -> Option<&'a Mapping> {
        match &self.value {
            Value::Map(map) => Some(map),
            _ => None,
        }
    }

    fn as_array(&self) -> Option<&'a [Node]> {
        match &self.value {
            Value::Seq(items) => Some(items),
            _ => None,
        }
    }

    fn as_string(&self) -> Option<Cow<'a, str>> {
        match &self.value {
            Value::Str(text) => Some(Cow::Borrowed(text)),
            Value::Float(f) if !f.is_finite() => Some(Cow::Owned(format_float(*f))),
            _ => None,
        }
    }

    fn as_number(&self) -> Option<Number> {
        number(self)
    }

    fn as_boolean(&self) -> Option<bool> {
        match self.value {
            Value::Bool(b) => Some(b),
            _ => None,
        }
    }

    fn is_null(&self) -> bool {
        matches!(self.value, Value::Null)
    }

    fn json_type(&self) -> JsonType {
        match &self.value {
            Value::Null => JsonType::Null,
            Value::Bool(_) => JsonType::Boolean,
            Value::Int(_) => JsonType::Number,
            Value::Float(f) if f.is_finite() => JsonType::Number,
            Value::Float(_) | Value::Str(_) => JsonType::String,
            Value::Seq(_) => JsonType::Array,
            Value::Map(_) => JsonType::Object,
        }
    }

    fn equals_value(&self, expected: &J) -> bool {
        match (&self.value, expected) {
            (Value::Str(text), J::String(other)) => text == other,
            (Value::Str(_), _) => false,
            (Value::Bool(b), J::Bool(other)) => b == other,
            (Value::Null, J::Null) => true,
            (Value::Null | Value::Bool(_), _) => false,
            _ => cmp::equal(&self.to_json(), expected),
        }
    }

    fn to_value(&self) -> Cow<'a, J> {
        Cow::Owned(self.to_json())
    }

    fn identity(&self) -> Option<NodeIdentity> {
        Some(NodeIdentity::new(std::ptr::from_ref::<Node>(self) as usize))
    }
}

type Members<'a> = std::iter::Map<
    indexmap::map::Iter<'a, String, Node>,
    fn((&'a String, &'a Node)) -> (&'a str, &'a Node),
>;

impl<'a> Object<'a, NodeJson> for &'a Mapping {
    type Node = &'a Node;
    type MemberName = &'a str;
    type MembersIter = Members<'a>;

    fn len(&self) -> usize {
        Mapping::len(self)
    }

    fn get(&self, key: &String) -> Option<&'a Node> {
        Mapping::get(self, key.as_str())
    }

    fn members(&self) -> Members<'a> {
        let member: fn((&'a String, &'a Node)) -> (&'a str, &'a Node) =
            |(key, value)| (key.as_str(), value);
        self.iter().map(member)
    }
}

impl<'a> Array<'a, NodeJson> for &'a [Node] {
    type Node = &'a Node;
    type ElementsIter = std::slice::Iter<'a, Node>;

    fn len(&self) -> usize {
        <[Node]>::len(self)
    }

    fn elements(&self) -> std::slice::Iter<'a, Node> {
        self.iter()
    }

    fn is_unique(&self) -> bool {
        // Lists of strings (the usual case) compare as strings; anything else as JSON.
        let strings: Option<Vec<&str>> = self.iter().map(Node::as_str).collect();
        match strings {
            Some(mut strings) => {
                strings.sort_unstable();
                strings.windows(2).all(|pair| pair[0] != pair[1])
            }
            None => {
                let values: Vec<J> = self.iter().map(Node::to_json).collect();
                unique::is_unique(&values)
            }
        }
    }
}

/// The tree form of a JSON value, for validating plain JSON (no spans).
pub fn from_json(value: &J) -> Node {
    let value = match value {
        J::Null => Value::Null,
        J::Bool(b) => Value::Bool(*b),
        J::Number(n) => match n.as_i64() {
            Some(i) => Value::Int(i),
            None => Value::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        J::String(s) => Value::Str(s.clone()),
        J::Array(items) => Value::Seq(items.iter().map(from_json).collect()),
        J::Object(map) => Value::Map(
            map.iter()
                .map(|(key, value)| (key.clone(), from_json(value)))
                .collect(),
        ),
    };
    Node::new(value, Default::default())
}
