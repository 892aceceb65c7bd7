//! Scalar conversions of the canonical form: Go durations, byte sizes, shell words.

/// Parses a Go `time.ParseDuration` string ("1m30s", "1.5h", "300ms"), or compose-go's
/// days and weeks ("1d", "2w"), into nanoseconds.
pub fn parse_duration(text: &str) -> Option<i128> {
    let mut rest = text.trim();
    let negative = rest.starts_with('-');
    rest = rest.trim_start_matches(['-', '+']);
    if rest == "0" {
        return Some(0);
    }
    if rest.is_empty() {
        return None;
    }
    let mut total: f64 = 0.0;
    while !rest.is_empty() {
        let number_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        if number_len == 0 {
            return None;
        }
        let number: f64 = rest[..number_len].parse().ok()?;
        rest = &rest[number_len..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let scale = match &rest[..unit_len] {
            "ns" => 1.0,
            "us" | "µs" | "μs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            // compose-go's duration parser also knows days and weeks (`1d`, `2w1d3h`).
            "d" => 86400e9,
            "w" => 604800e9,
            _ => return None,
        };
        rest = &rest[unit_len..];
        total += number * scale;
    }
    let nanos = total.round() as i128;
    Some(if negative { -nanos } else { nanos })
}

/// Formats nanoseconds as Go's `time.Duration.String()` does ("1m30s", "1h0m0s", "500ms").
pub fn format_duration(nanos: i128) -> String {
    if nanos == 0 {
        return "0s".to_string();
    }
    let sign = if nanos < 0 { "-" } else { "" };
    let n = nanos.unsigned_abs();
    if n < 1_000_000_000 {
        let (unit, scale) = if n < 1_000 {
            ("ns", 1)
        } else if n < 1_000_000 {
            ("µs", 1_000)
        } else {
            ("ms", 1_000_000)
        };
        return format!("{sign}{}{unit}", fraction(n, scale));
    }
    let hours = n / 3_600_000_000_000;
    let minutes = (n / 60_000_000_000) % 60;
    let seconds = fraction(n % 60_000_000_000, 1_000_000_000);
    if hours > 0 {
        format!("{sign}{hours}h{minutes}m{seconds}s")
    } else if minutes > 0 {
        format!("{sign}{minutes}m{seconds}s")
    } else {
        format!("{sign}{seconds}s")
    }
}

/// `value / scale` with the fractional digits Go prints (no trailing zeros).
fn fraction(value: u128, scale: u128) -> String {
    let whole = value / scale;
    let rest = value % scale;
    if rest == 0 {
        return whole.to_string();
    }
    let digits = scale.to_string().len() - 1;
    let fractional = format!("{rest:0digits$}");
    format!("{whole}.{}", fractional.trim_end_matches('0'))
}

/// docker's `units.RAMInBytes`: "1g", "512M", "100k", "1.5gb", plain numbers; binary units.
pub fn parse_bytes(text: &str) -> Option<i64> {
    let text = text.trim();
    let lower = text.to_ascii_lowercase();
    let number_len = lower
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-'))
        .unwrap_or(lower.len());
    let number: f64 = lower[..number_len].parse().ok()?;
    let unit = lower[number_len..].trim();
    let scale: f64 = match unit.trim_end_matches("ib").trim_end_matches('b') {
        "" => 1.0,
        "k" => 1024.0,
        "m" => 1024.0 * 1024.0,
        "g" => 1024.0 * 1024.0 * 1024.0,
        "t" => 1024f64.powi(4),
        "p" => 1024f64.powi(5),
        _ => return None,
    };
    Some((number * scale) as i64)
}

/// Splits a command line into words as go-shellwords does for docker compose: blanks separate,
/// quotes group, backslash escapes; no variable expansion.
pub fn shell_split(text: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut in_word = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' | '\n' | '\r' => {
                if in_word {
                    words.push(std::mem::take(&mut current));
                    in_word = false;
                }
            }
            '\\' => {
                in_word = true;
                match chars.next() {
                    Some('\n') => {}
                    Some(next) => current.push(next),
                    None => current.push('\\'),
                }
            }
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(inner) => current.push(inner),
                        None => return Err(format!("unterminated single quote in `{text}`")),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.peek() {
                            Some('"') | Some('\\') | Some('$') | Some('`') => {
                                current.push(chars.next().unwrap_or_default())
                            }
                            Some('\n') => {
                                chars.next();
                            }
                            _ => current.push('\\'),
                        },
                        Some(inner) => current.push(inner),
                        None => return Err(format!("unterminated double quote in `{text}`")),
                    }
                }
            }
            other => {
                in_word = true;
                current.push(other);
            }
        }
    }
    if in_word {
        words.push(current);
    }
    Ok(words)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_print_as_go_prints_them() {
        let cases = [
            ("90s", "1m30s"),
            ("1m", "1m0s"),
            ("1h", "1h0m0s"),
            ("10s", "10s"),
            ("1.5s", "1.5s"),
            ("500ms", "500ms"),
            ("1m30s", "1m30s"),
            ("2h45m", "2h45m0s"),
            ("0", "0s"),
            ("10us", "10µs"),
        ];
        for (input, expected) in cases {
            assert_eq!(
                format_duration(parse_duration(input).unwrap()),
                expected,
                "{input}"
            );
        }
        assert_eq!(parse_duration("10"), None);
        assert_eq!(parse_duration("abc"), None);
    }

    #[test]
    fn sizes_are_binary_units() {
        assert_eq!(parse_bytes("1gb"), Some(1073741824));
        assert_eq!(parse_bytes("512M"), Some(536870912));
        assert_eq!(parse_bytes("100k"), Some(102400));
        assert_eq!(parse_bytes("10m"), Some(10485760));
        assert_eq!(parse_bytes("42"), Some(42));
        assert_eq!(parse_bytes("-1"), Some(-1));
        assert_eq!(parse_bytes("lots"), None);
    }

    #[test]
    fn commands_split_like_a_shell() {
        assert_eq!(shell_split("echo hi").unwrap(), ["echo", "hi"]);
        assert_eq!(
            shell_split(r#"sh -c 'echo $$HOME' "a \"b\"" c\ d"#).unwrap(),
            ["sh", "-c", "echo $$HOME", "a \"b\"", "c d"]
        );
        assert_eq!(shell_split("''").unwrap(), [""]);
        assert!(shell_split("'open").is_err());
    }
}
