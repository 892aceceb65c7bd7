//! The docker CLI's `--format TEMPLATE` in its common form: text with `{{.Field}}` (or
//! `{{ .Field }}`) placeholders, one line per object, `\t` as a tab. Go's other template
//! actions (`{{json .}}`, pipelines, `table TEMPLATE`) are refused with a usage error.

/// Checks the template once: every action is a `.Field` among `fields`.
pub fn check(template: &str, fields: &[&str]) -> Result<(), String> {
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        let Some(end) = rest[start..].find("}}") else {
            return Err(format!("template `{template}`: unclosed action"));
        };
        let action = rest[start + 2..start + end].trim();
        match action.strip_prefix('.') {
            Some(field) if fields.contains(&field) => {}
            _ => {
                return Err(format!(
                    "template `{template}`: unsupported action `{{{{{action}}}}}`: use `{{{{.Field}}}}` with a field among {}",
                    fields.join(", ")
                ))
            }
        }
        rest = &rest[start + end + 2..];
    }
    Ok(())
}

/// The template with each `{{.Field}}` replaced by `value(field)` (checked first by [`check`]).
pub fn render(template: &str, value: &dyn Fn(&str) -> String) -> String {
    let mut out = String::new();
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let end = rest[start..].find("}}").map_or(rest.len(), |e| start + e);
        let action = rest[start + 2..end].trim();
        out.push_str(&value(action.trim_start_matches('.')));
        rest = rest.get(end + 2..).unwrap_or("");
    }
    out.push_str(rest);
    out.replace("\\t", "\t")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_replaced_and_other_actions_refused() {
        assert!(check("{{.Name}}\\t{{ .Driver }}", &["Name", "Driver"]).is_ok());
        assert!(check("{{json .}}", &["Name"]).is_err());
        assert!(check("{{.Nope}}", &["Name"]).is_err());
        assert!(check("{{.Name", &["Name"]).is_err());
        let value = |field: &str| format!("<{field}>");
        assert_eq!(
            render("{{.Name}}\\t{{ .Driver }}!", &value),
            "<Name>\t<Driver>!"
        );
    }
}
