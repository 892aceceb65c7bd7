//! Merging an override file into the base tree. (placeholder: being written)
use super::node::Node;

pub fn merge(base: &mut Node, overlay: Node) {
    *base = overlay;
}
