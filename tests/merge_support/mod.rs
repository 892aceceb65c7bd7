//! Shared by the `merge_*` tests: YAML text → `Node` trees, through the real parser.

use rcompose::project::node::{FileId, Node};

/// The single document of `text`, as file 0.
#[allow(dead_code)]
pub fn yaml(text: &str) -> Node {
    yaml_in(text, 0)
}

/// The single document of `text`, as file `file`.
pub fn yaml_in(text: &str, file: FileId) -> Node {
    match rcompose::project::yaml::parse(text, file) {
        Ok(mut documents) if documents.len() == 1 => documents.remove(0),
        Ok(documents) => panic!("expected one YAML document, got {}", documents.len()),
        Err(errors) => panic!("test YAML does not parse: {errors:#?}"),
    }
}
