//! `rcompose config` YAML, byte for byte as docker compose v2 prints it: go-yaml v3 output of
//! compose-go's structs. Fields in struct order and Go map keys in go-yaml's order (both from
//! [`model::go_shape`]), empty struct fields left out (`omitempty`), two-space indentation with
//! sequences indented under their key, and go-yaml's choice of scalar style: plain when the
//! text reads back as the same string, double quotes when it would read as another type
//! (`"yes"`, `"1e3"`, `""`) or holds characters only an escape can carry, single quotes when
//! only YAML syntax is in the way (`'- x'`, `'a: b'`), a literal block for multi-line text.

use serde_json::Value as J;

use crate::model::go_shape::{self, Shape};

/// The model as docker compose v2 prints it.
pub fn render(model: &J) -> String {
    let mut out = String::with_capacity(4096);
    match model {
        J::Object(map) if !map.is_empty() => mapping(&mut out, map, &go_shape::PROJECT, 0, false),
        other => {
            value_inline(&mut out, other, &go_shape::PROJECT, 0);
        }
    }
    out
}

/// The entries of a mapping in output order, empty struct fields left out.
fn entries<'a>(
    map: &'a serde_json::Map<String, J>,
    shape: &'static Shape,
) -> Vec<(&'a str, &'a J, &'static Shape)> {
    let mut keyed: Vec<(Option<usize>, &str, &J, &'static Shape)> = map
        .iter()
        .filter_map(|(key, value)| {
            let (position, sub) = shape.field(key);
            // Only declared fields are `omitempty`; other keys of a struct are its inline
            // extension map, printed whatever their value.
            let omitted = position.is_some()
                && match value {
                    J::Null => true,
                    // `command: []` stays: set, though empty, it is not Go's nil slice.
                    J::Array(items) => items.is_empty() && !matches!(sub, Shape::Always),
                    // A struct value is left out when all its fields are (go-yaml's `isZero`).
                    J::Object(fields) if matches!(sub, Shape::Struct(_)) => {
                        entries(fields, sub).is_empty()
                    }
                    J::Object(fields) => fields.is_empty() && sub.omits_empty(),
                    J::Bool(flag) => !flag && sub.omits_zero(),
                    J::String(text) => text.is_empty() && sub.omits_zero(),
                    J::Number(n) => n.as_f64() == Some(0.0) && sub.omits_zero(),
                };
            (!omitted).then_some((position, key.as_str(), value, sub))
        })
        .collect();
    // Fields printed as 0 when the model leaves them out.
    for (index, (name, sub)) in shape.fields().iter().enumerate() {
        if matches!(sub, Shape::Zeroed) && !map.contains_key(*name) {
            keyed.push((Some(index), name, &ZERO, sub));
        }
    }
    keyed.sort_by(|a, b| match (a.0, b.0) {
        (Some(x), Some(y)) => x.cmp(&y),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => key_order(a.1, b.1),
    });
    keyed.into_iter().map(|(_, k, v, s)| (k, v, s)).collect()
}

static ZERO: std::sync::LazyLock<J> = std::sync::LazyLock::new(|| J::from(0));

fn key_order(a: &str, b: &str) -> std::cmp::Ordering {
    if go_shape::yaml_key_less(a, b) {
        std::cmp::Ordering::Less
    } else if go_shape::yaml_key_less(b, a) {
        std::cmp::Ordering::Greater
    } else {
        std::cmp::Ordering::Equal
    }
}

/// A block mapping at `indent`; `inline_first`: the first key follows a `- ` already written.
fn mapping(
    out: &mut String,
    map: &serde_json::Map<String, J>,
    shape: &'static Shape,
    indent: usize,
    inline_first: bool,
) {
    for (i, (key, value, sub)) in entries(map, shape).into_iter().enumerate() {
        if i > 0 || !inline_first {
            pad(out, indent);
        }
        scalar(out, key, indent, true);
        out.push(':');
        match value {
            J::Object(m) if !entries(m, sub).is_empty() => {
                out.push('\n');
                mapping(out, m, sub, indent + 2, false);
            }
            J::Array(items) if !items.is_empty() => {
                out.push('\n');
                sequence(out, items, sub.item(), indent + 2);
            }
            other => {
                out.push(' ');
                value_inline(out, other, sub, indent + 2);
            }
        }
    }
}

/// A block sequence whose `- ` sit at `indent`.
fn sequence(out: &mut String, items: &[J], shape: &'static Shape, indent: usize) {
    for item in items {
        pad(out, indent);
        out.push_str("- ");
        match item {
            J::Object(m) if !entries(m, shape).is_empty() => {
                mapping(out, m, shape, indent + 2, true)
            }
            J::Array(inner) if !inner.is_empty() => {
                // go-yaml writes the first item of a nested sequence on the `- ` line.
                let mut nested = String::new();
                sequence(&mut nested, inner, shape.item(), indent + 2);
                out.push_str(nested.trim_start_matches(' '));
            }
            other => value_inline(out, other, shape, indent + 2),
        }
    }
}

/// A value that fits after `key: ` or `- `: a scalar, `{}` or `[]`; ends the line.
/// `indent` is where a literal block's lines go.
fn value_inline(out: &mut String, value: &J, shape: &Shape, indent: usize) {
    match value {
        J::Null => out.push_str("null"),
        J::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        // `UnitBytes.MarshalYAML` returns a string.
        J::Number(n) if matches!(shape, Shape::Bytes) => scalar(out, &n.to_string(), indent, false),
        J::Number(n) => number(out, n),
        // A timestamp compose-go decoded in an extension is a `time.Time`: go-yaml writes its
        // RFC 3339 text plain. (The loader wrote it so; a quoted date has no `T`.)
        J::String(text) if matches!(shape, Shape::Extension) && is_rfc3339(text) => {
            out.push_str(text)
        }
        J::String(text) => scalar(out, text, indent, false),
        J::Array(_) => out.push_str("[]"),
        J::Object(_) => out.push_str("{}"),
    }
    out.push('\n');
}

fn pad(out: &mut String, indent: usize) {
    for _ in 0..indent {
        out.push(' ');
    }
}

/// Numbers as Go prints them: integers as they are, floats (compose-go's are `float32`) in
/// `strconv.FormatFloat(f, 'g', -1, 32)`'s shortest form, `1e+06` from a million on.
fn number(out: &mut String, n: &serde_json::Number) {
    if n.is_i64() || n.is_u64() {
        out.push_str(&n.to_string());
        return;
    }
    let f = n.as_f64().unwrap_or_default() as f32;
    if !f.is_finite() {
        out.push_str(if f.is_nan() {
            ".nan"
        } else if f > 0.0 {
            ".inf"
        } else {
            "-.inf"
        });
        return;
    }
    let exp_form = format!("{f:e}");
    let (mantissa, exponent) = exp_form.split_once('e').unwrap_or((&exp_form, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    if f != 0.0 && !(-4..6).contains(&exponent) {
        let sign = if exponent < 0 { '-' } else { '+' };
        out.push_str(&format!("{mantissa}e{sign}{:02}", exponent.abs()));
    } else {
        out.push_str(&format!("{f}"));
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Style {
    Plain,
    Single,
    Double,
    Literal,
}

/// A string scalar in go-yaml's style. `indent`: the indentation of a literal block's lines;
/// `key`: a mapping key (never a block scalar).
fn scalar(out: &mut String, text: &str, indent: usize, key: bool) {
    let wanted = if text.contains('\n') && !key {
        Style::Literal
    } else if reads_as_string(text) {
        Style::Plain
    } else {
        Style::Double
    };
    let a = analyze(text);
    let mut style = wanted;
    if style == Style::Plain && (!a.block_plain || (text.is_empty() && key)) {
        style = Style::Single;
    }
    if style == Style::Single && !a.single {
        style = Style::Double;
    }
    if style == Style::Literal && (!a.block || key) {
        style = Style::Double;
    }
    match style {
        Style::Plain => out.push_str(text),
        Style::Single => single_quoted(out, text),
        Style::Double => double_quoted(out, text),
        Style::Literal => literal(out, text, indent),
    }
}

/// What libyaml's emitter allows for a text (`yaml_emitter_analyze_scalar`).
struct Allowed {
    block_plain: bool,
    single: bool,
    block: bool,
}

fn is_break(c: char) -> bool {
    matches!(c, '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

fn is_blank_or_end(c: Option<char>) -> bool {
    matches!(c, None | Some(' ' | '\t')) || c.is_some_and(is_break)
}

/// libyaml's `is_printable` (with unicode output on): no control characters, no characters
/// beyond the Basic Multilingual Plane, no BOM, no U+FFFE/U+FFFF.
fn is_printable(c: char) -> bool {
    let code = c as u32;
    c == '\n'
        || (0x20..=0x7e).contains(&code)
        || (0xa0..=0xd7ff).contains(&code)
        || ((0xe000..=0xfffd).contains(&code) && code != 0xfeff)
}

fn analyze(text: &str) -> Allowed {
    if text.is_empty() {
        return Allowed {
            block_plain: true,
            single: true,
            block: false,
        };
    }
    let chars: Vec<char> = text.chars().collect();
    let mut block_indicators = text.starts_with("---") || text.starts_with("...");
    let mut special = false;
    let mut line_breaks = false;
    let (mut leading_space, mut leading_break) = (false, false);
    let (mut trailing_space, mut trailing_break) = (false, false);
    let (mut break_space, mut space_break) = (false, false);
    let (mut previous_space, mut previous_break) = (false, false);
    let mut preceded_by_whitespace = true;
    let last = chars.len() - 1;
    for (i, &c) in chars.iter().enumerate() {
        let followed_by_whitespace = is_blank_or_end(chars.get(i + 1).copied());
        if i == 0 {
            match c {
                '#' | ',' | '[' | ']' | '{' | '}' | '&' | '*' | '!' | '|' | '>' | '\'' | '"'
                | '%' | '@' | '`' => block_indicators = true,
                '?' | ':' | '-' if followed_by_whitespace => block_indicators = true,
                _ => {}
            }
        } else {
            match c {
                ':' if followed_by_whitespace => block_indicators = true,
                '#' if preceded_by_whitespace => block_indicators = true,
                _ => {}
            }
        }
        if !is_printable(c) {
            special = true;
        }
        if is_break(c) {
            line_breaks = true;
        }
        if c == ' ' {
            leading_space |= i == 0;
            trailing_space |= i == last;
            break_space |= previous_break;
            previous_space = true;
            previous_break = false;
        } else if is_break(c) {
            leading_break |= i == 0;
            trailing_break |= i == last;
            space_break |= previous_space;
            previous_break = true;
            previous_space = false;
        } else {
            previous_space = false;
            previous_break = false;
        }
        preceded_by_whitespace = c == ' ' || c == '\t' || is_break(c);
    }
    let mut allowed = Allowed {
        block_plain: true,
        single: true,
        block: true,
    };
    if leading_space || leading_break || trailing_space || trailing_break {
        allowed.block_plain = false;
    }
    if trailing_space {
        allowed.block = false;
    }
    if break_space {
        allowed.block_plain = false;
        allowed.single = false;
    }
    if space_break || special {
        allowed = Allowed {
            block_plain: false,
            single: false,
            block: false,
        };
    }
    if line_breaks || block_indicators {
        allowed.block_plain = false;
    }
    allowed
}

fn single_quoted(out: &mut String, text: &str) {
    out.push('\'');
    for c in text.chars() {
        if c == '\'' {
            out.push('\'');
        }
        out.push(c);
    }
    out.push('\'');
}

fn double_quoted(out: &mut String, text: &str) {
    // go-yaml tests for a byte order mark at the start of the text, not at each character:
    // after a leading BOM every character is escaped.
    let escape_all = text.starts_with('\u{feff}');
    out.push('"');
    for c in text.chars() {
        if !escape_all && is_printable(c) && !is_break(c) && c != '"' && c != '\\' {
            out.push(c);
            continue;
        }
        out.push('\\');
        match c {
            '\0' => out.push('0'),
            '\u{7}' => out.push('a'),
            '\u{8}' => out.push('b'),
            '\t' => out.push('t'),
            '\n' => out.push('n'),
            '\u{b}' => out.push('v'),
            '\u{c}' => out.push('f'),
            '\r' => out.push('r'),
            '\u{1b}' => out.push('e'),
            '"' => out.push('"'),
            '\\' => out.push('\\'),
            '\u{85}' => out.push('N'),
            '\u{a0}' => out.push('_'),
            '\u{2028}' => out.push('L'),
            '\u{2029}' => out.push('P'),
            c if (c as u32) <= 0xff => out.push_str(&format!("x{:02X}", c as u32)),
            c if (c as u32) <= 0xffff => out.push_str(&format!("u{:04X}", c as u32)),
            c => out.push_str(&format!("U{:08X}", c as u32)),
        }
    }
    out.push('"');
}

/// A literal block: `|` (one final newline), `|-` (none) or `|+` (more), an indentation
/// indicator when the text starts with a space or a newline, then the lines at `indent`.
fn literal(out: &mut String, text: &str, indent: usize) {
    out.push('|');
    if text.starts_with([' ', '\n']) {
        out.push('2');
    }
    if !text.ends_with('\n') {
        out.push('-');
    } else if text == "\n" || text.ends_with("\n\n") {
        out.push('+');
    }
    out.push('\n');
    let body = text.strip_suffix('\n').unwrap_or(text);
    for line in body.split('\n') {
        if !line.is_empty() {
            pad(out, indent);
            out.push_str(line);
        }
        out.push('\n');
    }
    // The caller ends the line: drop the newline the last line already has.
    out.pop();
}

/// Whether go-yaml would write `text` plain, i.e. it reads back as the same string and not as
/// a null, bool, number, timestamp, a YAML 1.1 bool (`yes`, `off`) or a base-60 float (`1:20`).
fn reads_as_string(text: &str) -> bool {
    const OLD_BOOLS: [&str; 16] = [
        "y", "Y", "yes", "Yes", "YES", "on", "On", "ON", "n", "N", "no", "No", "NO", "off", "Off",
        "OFF",
    ];
    if OLD_BOOLS.contains(&text) || is_base60_float(text) {
        return false;
    }
    let Some(first) = text.chars().next() else {
        return false; // "" reads as null
    };
    match first {
        'y' | 'Y' | 'n' | 'N' | 't' | 'T' | 'f' | 'F' | 'o' | 'O' | '~' => !matches!(
            text,
            "true" | "True" | "TRUE" | "false" | "False" | "FALSE" | "~" | "null" | "Null" | "NULL"
        ),
        '.' => {
            !matches!(text, ".nan" | ".NaN" | ".NAN" | ".inf" | ".Inf" | ".INF")
                && !go_parses_float(text)
        }
        '+' | '-' | '0'..='9' => {
            if matches!(
                text,
                "+.inf" | "+.Inf" | "+.INF" | "-.inf" | "-.Inf" | "-.INF"
            ) {
                return false;
            }
            if is_timestamp(text) {
                return false;
            }
            let plain = text.replace('_', "");
            !(go_parses_int(&plain) || (is_yaml_float(&plain) && go_parses_float(&plain)))
        }
        _ => true,
    }
}

/// Go's `strconv.ParseFloat` on a text starting with `.` or matching YAML's float pattern:
/// a finite value (an overflow is an error in Go).
fn go_parses_float(text: &str) -> bool {
    let digits_ok = text
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '+' | '-'));
    digits_ok && text.parse::<f64>().is_ok_and(f64::is_finite)
}

/// `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`
fn is_yaml_float(text: &str) -> bool {
    let b = text.as_bytes();
    let mut i = 0;
    if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
        i += 1;
    }
    let digits = |i: &mut usize| {
        let start = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - start
    };
    if i < b.len() && b[i] == b'.' {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    } else {
        if digits(&mut i) == 0 {
            return false;
        }
        if i < b.len() && b[i] == b'.' {
            i += 1;
            digits(&mut i);
        }
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

/// Go's `strconv.ParseInt(text, 0, 64)` or `ParseUint(text, 0, 64)` succeeds: an optional
/// sign (not for unsigned), then `0x`/`0o`/`0b` digits, `0`-led octal or decimal, in range.
fn go_parses_int(text: &str) -> bool {
    let (negative, unsigned) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let (radix, digits) = if let Some(rest) = unsigned
        .strip_prefix("0x")
        .or_else(|| unsigned.strip_prefix("0X"))
    {
        (16, rest)
    } else if let Some(rest) = unsigned
        .strip_prefix("0o")
        .or_else(|| unsigned.strip_prefix("0O"))
    {
        (8, rest)
    } else if let Some(rest) = unsigned
        .strip_prefix("0b")
        .or_else(|| unsigned.strip_prefix("0B"))
    {
        (2, rest)
    } else if unsigned.len() > 1 && unsigned.starts_with('0') {
        (8, &unsigned[1..])
    } else {
        (10, unsigned)
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return false;
    }
    match u128::from_str_radix(digits, radix) {
        Ok(value) if negative => value <= 1u128 << 63,
        Ok(value) if text.starts_with('+') => value < 1u128 << 63,
        Ok(value) => value <= u64::MAX as u128,
        Err(_) => false,
    }
}

/// `[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?`: YAML 1.1's sexagesimal float.
fn is_base60_float(text: &str) -> bool {
    let b = text.as_bytes();
    let mut i = 0;
    if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
        i += 1;
    }
    if i >= b.len() || !b[i].is_ascii_digit() {
        return false;
    }
    i += 1;
    while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'_') {
        i += 1;
    }
    let mut groups = 0;
    while i < b.len() && b[i] == b':' {
        i += 1;
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() && i - start < 2 {
            i += 1;
        }
        let group = &b[start..i];
        let valid = match group.len() {
            1 => true,
            2 => group[0] <= b'5',
            _ => false,
        };
        if !valid {
            return false;
        }
        groups += 1;
    }
    if groups == 0 {
        return false;
    }
    if i < b.len() && b[i] == b'.' {
        i += 1;
        while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'_') {
            i += 1;
        }
    }
    i == b.len()
}

/// Go's `time.RFC3339Nano` text of a timestamp: `YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)`.
fn is_rfc3339(text: &str) -> bool {
    text.len() >= 20
        && text.as_bytes()[10] == b'T'
        && (text.ends_with('Z') || text[19..].contains(['+', '-']))
        && is_timestamp(text)
}

/// A timestamp go-yaml decodes: `YYYY-M-D`, optionally followed by `T`/`t`/space and
/// `H:M:S[.fraction]`, then (not after a space) `Z` or `±HH:MM`; fields in range.
fn is_timestamp(text: &str) -> bool {
    let b = text.as_bytes();
    if b.len() < 5 || !b[..4].iter().all(u8::is_ascii_digit) || b[4] != b'-' {
        return false;
    }
    let mut i = 5;
    let number = |i: &mut usize, max_len: usize| -> Option<u32> {
        let start = *i;
        while *i < b.len() && b[*i].is_ascii_digit() && *i - start < max_len {
            *i += 1;
        }
        (*i > start).then(|| text[start..*i].parse().unwrap_or(0))
    };
    let year: u32 = text[..4].parse().unwrap_or(0);
    let Some(month) = number(&mut i, 2) else {
        return false;
    };
    if i >= b.len() || b[i] != b'-' {
        return false;
    }
    i += 1;
    let Some(day) = number(&mut i, 2) else {
        return false;
    };
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    if day == 0 || day > days {
        return false;
    }
    if i == b.len() {
        return true;
    }
    let separator = b[i];
    if !matches!(separator, b'T' | b't' | b' ') {
        return false;
    }
    i += 1;
    let Some(hour) = number(&mut i, 2) else {
        return false;
    };
    if i >= b.len() || b[i] != b':' {
        return false;
    }
    i += 1;
    let Some(minute) = number(&mut i, 2) else {
        return false;
    };
    if i >= b.len() || b[i] != b':' {
        return false;
    }
    i += 1;
    let Some(second) = number(&mut i, 2) else {
        return false;
    };
    if hour > 23 || minute > 59 || second > 59 {
        return false;
    }
    if i < b.len() && b[i] == b'.' {
        i += 1;
        if number(&mut i, 9).is_none() {
            return false;
        }
    }
    if i == b.len() {
        return true;
    }
    if separator == b' ' {
        return false;
    }
    if b[i] == b'Z' {
        return i + 1 == b.len();
    }
    if b[i] != b'+' && b[i] != b'-' {
        return false;
    }
    i += 1;
    let Some(zone_hours) = number(&mut i, 2) else {
        return false;
    };
    if i >= b.len() || b[i] != b':' {
        return false;
    }
    i += 1;
    let Some(zone_minutes) = number(&mut i, 2) else {
        return false;
    };
    zone_hours <= 24 && zone_minutes <= 59 && i == b.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn one(text: &str) -> String {
        render(&json!({ "x-k": text }))
    }

    #[test]
    fn scalars_are_quoted_as_go_yaml_quotes_them() {
        assert_eq!(one("web"), "x-k: web\n");
        for (text, printed) in [
            ("yes", "\"yes\""),
            ("Off", "\"Off\""),
            ("1e3", "\"1e3\""),
            ("0o12", "\"0o12\""),
            ("0777", "\"0777\""),
            ("08", "\"08\""),
            ("~", "\"~\""),
            ("", "\"\""),
            ("1:20", "\"1:20\""),
            ("2001-12-14", "\"2001-12-14\""),
            (".5", "\".5\""),
            ("NaN", "NaN"),
            ("<<", "<<"),
            ("1.2.3", "1.2.3"),
            ("$$HOME", "$$HOME"),
            ("  lead", "'  lead'"),
            ("- dash", "'- dash'"),
            ("a: b", "'a: b'"),
            ("a #b", "'a #b'"),
            ("'q", "'''q'"),
            ("a:b", "a:b"),
            ("tab\there", "\"tab\\there\""),
            ("x \ny", "\"x \\ny\""),
            ("emoji \u{1F600}", "\"emoji \\U0001F600\""),
            ("\u{feff}ab", "\"\\uFEFF\\x61\\x62\""),
        ] {
            assert_eq!(one(text), format!("x-k: {printed}\n"), "{text:?}");
        }
    }

    #[test]
    fn multi_line_text_is_a_literal_block() {
        assert_eq!(one("a\nb"), "x-k: |-\n  a\n  b\n");
        assert_eq!(one("a\nb\n"), "x-k: |\n  a\n  b\n");
        assert_eq!(one("a\n\n"), "x-k: |+\n  a\n\n");
        assert_eq!(one(" a\nb"), "x-k: |2-\n   a\n  b\n");
    }

    #[test]
    fn fields_follow_struct_order_and_maps_go_yaml_order() {
        let model = json!({
            "services": {"b": {"image": "x", "cap_add": ["A"], "command": null,
                               "labels": {"a10": "1", "a9": "2", "a1b": "3"}},
                         "a": {"image": "z", "ports": [{"target": 80, "mode": "ingress"}]}},
            "name": "p"
        });
        assert_eq!(
            render(&model),
            "name: p\nservices:\n  a:\n    image: z\n    ports:\n      - mode: ingress\n        \
             target: 80\n  b:\n    cap_add:\n      - A\n    image: x\n    labels:\n      \
             a1b: \"3\"\n      a9: \"2\"\n      a10: \"1\"\n"
        );
    }

    #[test]
    fn empty_values_are_kept_or_left_out_as_go_yaml_does() {
        let model = json!({"services": {"a": {
            "command": [], "entrypoint": null, "cap_add": [],
            "blkio_config": {"device_read_iops": [{"path": "/dev/sdb", "rate": 0}],
                             "weight_device": [{"path": "/dev/sda", "weight": 0}]},
            "develop": {"watch": [{"path": "/p", "action": "sync", "exec": {"command": null},
                                   "ignore": ["b"], "include": ["a"]}]},
            "ulimits": {"core": {}, "nofile": {"hard": 9}, "nproc": 5},
            "x-when": "2024-06-01T00:00:00Z", "labels": {"when": "2024-06-01T00:00:00Z"}
        }}});
        assert_eq!(
            render(&model),
            "services:\n  a:\n    develop:\n      watch:\n        - path: /p\n          \
             action: sync\n          include:\n            - a\n          ignore:\n            \
             - b\n    blkio_config:\n      weight_device:\n        - path: /dev/sda\n          \
             weight: 0\n      device_read_iops:\n        - path: /dev/sdb\n          \
             rate: \"0\"\n    command: []\n    labels:\n      \
             when: \"2024-06-01T00:00:00Z\"\n    ulimits:\n      core:\n        soft: 0\n        \
             hard: 0\n      nofile:\n        soft: 0\n        hard: 9\n      nproc: 5\n    \
             x-when: 2024-06-01T00:00:00Z\n"
        );
    }

    #[test]
    fn floats_are_go_float32_text() {
        assert_eq!(render(&json!({"name": 0.5})), "name: 0.5\n");
        assert_eq!(render(&json!({"name": 1000000.0})), "name: 1e+06\n");
        assert_eq!(render(&json!({"name": 2.0})), "name: 2\n");
    }
}
