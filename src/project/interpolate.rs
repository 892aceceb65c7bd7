//! Interpolation of a whole tree (values only, never keys), then casting of the values whose
//! schema type is not a string. (placeholder: being written)
use super::node::Node;
use crate::diag::Diagnostic;

/// Substitutes variables in every string value of `doc`, then casts by path (ports, replicas,
/// booleans, ...). Unset variables become "" with one warning each.
pub fn interpolate(
    _doc: &mut Node,
    _lookup: &dyn Fn(&str) -> Option<String>,
    _diagnostics: &mut Vec<Diagnostic>,
) {
}
