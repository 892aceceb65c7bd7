//! `services.*.extends`. (placeholder: being written)
use std::path::Path;

use super::node::Node;
use crate::diag::Diagnostic;

pub fn resolve(
    _doc: &mut Node,
    _base_dir: &Path,
    _load: &mut dyn FnMut(&Path) -> Result<Node, Vec<Diagnostic>>,
    _diagnostics: &mut Vec<Diagnostic>,
) {
}
