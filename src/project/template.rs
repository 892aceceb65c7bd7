//! `${VAR:-default}` substitution in one string, exactly as docker compose v2 does it.
//! (placeholder: being written)

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Substituted {
    pub value: String,
    /// Variables referenced without a default that were not set (each becomes "").
    pub unset: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    #[error("required variable `{name}` is missing a value: {message}")]
    Required { name: String, message: String },
    #[error("invalid interpolation format for `{template}`")]
    Invalid { template: String },
}

pub fn substitute(
    template: &str,
    _lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<Substituted, TemplateError> {
    Ok(Substituted {
        value: template.to_string(),
        unset: Vec::new(),
    })
}
