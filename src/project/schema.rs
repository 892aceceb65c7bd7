//! JSON-schema validation of one compose file against the schema of its version.
//! (placeholder: being written)
use super::node::Node;
use crate::diag::Diagnostic;

/// Which schema a file is checked against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SchemaKind {
    /// `version: "3.x"`, x in 0..=9.
    V3(u8),
    /// No `version` (or one docker compose v2 ignores): the Compose Specification.
    Spec,
}

/// Picks the schema from the document's `version` key.
pub fn select(_doc: &Node) -> SchemaKind {
    SchemaKind::Spec
}

/// Validates `doc`; every violation becomes a located diagnostic. For 3.x files, keys that only
/// the Compose Specification knows are warnings, or errors when `strict`.
pub fn validate(_doc: &Node, _kind: SchemaKind, _strict: bool) -> Vec<Diagnostic> {
    Vec::new()
}
