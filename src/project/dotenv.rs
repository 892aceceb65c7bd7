//! The `.env` / `env_file` format as docker compose v2 reads it. (placeholder: being written)
use indexmap::IndexMap;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct DotenvError {
    pub line: u32,
    pub message: String,
}

/// Parses `text`; `lookup` resolves variables referenced in values that the file itself does not
/// define (the shell environment, or earlier files).
pub fn parse(
    _text: &str,
    _lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<IndexMap<String, String>, DotenvError> {
    Ok(IndexMap::new())
}
