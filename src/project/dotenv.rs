//! The `.env` / `env_file` format as docker compose v2 (compose-go 2.9) reads it.
//!
//! Written by hand rather than with `dotenvy`: compose's dialect differs from dotenvy's in ways
//! its users rely on (`KEY: value` YAML-style lines, keys with `-`, `.`, `[`, `]` and any Unicode
//! letter, `\$`, octal and `\a`-style escapes in double quotes, the whole `${VAR:?err}` template
//! language with the lookup winning over the file, `KEY` alone inheriting a value), and compose
//! answers its own edge cases in ways no general-purpose parser would (text after a closing quote
//! starts a new statement). The rules, as compose applies them:
//!
//! - A UTF-8 BOM at the start is skipped. Blank lines and lines starting with `#` are ignored.
//! - `export ` before a key is dropped. A key runs to `=`, `:` or the end of the line and may
//!   contain letters, digits, `_`, `.`, `-`, `[`, `]` (and tabs, which compose skips over);
//!   surrounding whitespace is trimmed; a space inside it is an error.
//! - `KEY` alone on a line takes its value from the lookup, and is left out when the lookup has
//!   none. (On the last line of a file without a final newline, compose reads it as a value for
//!   the empty key instead: `""=KEY`.)
//! - Unquoted values run to the end of the line; ` #` starts a comment; trailing whitespace is
//!   trimmed; `${...}` templates are substituted.
//! - Single-quoted values are literal and may span lines; `\'` is a quote.
//! - Double-quoted values may span lines; `\n \r \t \a \b \f \v \\ \" \$` and `\0` + three octal
//!   digits are escapes, any other backslash stays; templates are substituted after that.
//! - After a closing quote the rest of the line is read as a new statement (a comment is fine).
//! - In templates, a variable is looked up in `lookup` first, then among the keys read so far
//!   (earlier keys of this file, and of earlier files when [`parse_into`] chains them).
use indexmap::IndexMap;

use super::template::{self, TemplateError};

/// Why a file could not be read, at 1-based `line` and `column` (in characters).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct DotenvError {
    pub line: u32,
    pub column: u32,
    pub message: String,
    /// The template error, when a value's `${...}` failed.
    pub template: Option<TemplateError>,
}

/// A variable a value referred to that was set nowhere; compose substitutes "" and warns with
/// [`template::unset_warning`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnsetVariable {
    pub name: String,
    pub line: u32,
    pub column: u32,
}

/// Parses `text`; `lookup` resolves variables referenced in values (and `KEY` lines) before the
/// keys of the file itself do: the shell environment for a `.env` file, the project environment
/// for a service's `env_file`. Unset variables become "" silently; use [`parse_into`] to learn
/// about them.
pub fn parse(
    text: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<IndexMap<String, String>, DotenvError> {
    let mut vars = IndexMap::new();
    parse_into(text, lookup, &mut vars)?;
    Ok(vars)
}

/// Parses `text` into `vars`, which may already hold the variables of earlier files: compose
/// reads `--env-file a --env-file b` (and a service's list of `env_file`s) this way, so that a
/// template in `b` sees `a`'s keys, after `lookup` and after `b`'s own earlier keys. Returns the
/// variables that were referenced but set nowhere, in order.
pub fn parse_into(
    text: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
    vars: &mut IndexMap<String, String>,
) -> Result<Vec<UnsetVariable>, DotenvError> {
    let src = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut parser = Parser {
        src,
        lookup,
        vars,
        unset: Vec::new(),
    };
    parser.run()?;
    Ok(parser.unset)
}

/// An `env_file` with `format: raw`, read as docker's `--env-file` reads a file (compose-go
/// hands `raw` to the docker CLI's parser): each line is `KEY=VALUE` taken literally — no
/// quotes, escapes, inline comments or interpolation, trailing blanks kept — after leading
/// whitespace is trimmed; blank lines and lines starting with `#` are skipped; a bare `KEY` takes
/// its value from `lookup` or is dropped. A key holding a space or tab, an empty key, a line
/// that is not UTF-8 or longer than 64 KiB is an error, as in docker compose v2.40.3.
pub fn parse_raw_into(
    bytes: &[u8],
    lookup: &dyn Fn(&str) -> Option<String>,
    vars: &mut IndexMap<String, String>,
) -> Result<(), DotenvError> {
    let error = |line: usize, message: String| DotenvError {
        line: line as u32,
        column: 1,
        message,
        template: None,
    };
    let bytes = bytes.strip_suffix(b"\n").unwrap_or(bytes);
    if bytes.is_empty() {
        return Ok(());
    }
    for (index, raw) in bytes.split(|b| *b == b'\n').enumerate() {
        let number = index + 1;
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        if raw.len() > 64 * 1024 {
            return Err(error(number, "bufio.Scanner: token too long".into()));
        }
        let Ok(text) = std::str::from_utf8(raw) else {
            let bytes: Vec<String> = raw.iter().map(u8::to_string).collect();
            return Err(error(
                number,
                format!("invalid utf8 bytes at line {number}: [{}]", bytes.join(" ")),
            ));
        };
        let text = if index == 0 {
            text.strip_prefix('\u{feff}').unwrap_or(text)
        } else {
            text
        };
        let line = text.trim_start();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let has_blank = |s: &str| s.contains([' ', '\t']);
        match line.split_once('=') {
            None if has_blank(line) => {
                return Err(error(
                    number,
                    format!("variable '{line}' contains whitespaces"),
                ));
            }
            None => {
                if let Some(value) = lookup(line) {
                    vars.insert(line.to_string(), value);
                }
            }
            Some(("", _)) => {
                return Err(error(number, format!("no variable name on line '{line}'")));
            }
            Some((key, _)) if has_blank(key) => {
                return Err(error(
                    number,
                    format!("variable '{key}' contains whitespaces"),
                ));
            }
            Some((key, value)) => {
                vars.insert(key.to_string(), value.to_string());
            }
        }
    }
    Ok(())
}

struct Parser<'a, 'b> {
    src: &'a str,
    lookup: &'b dyn Fn(&str) -> Option<String>,
    vars: &'b mut IndexMap<String, String>,
    unset: Vec<UnsetVariable>,
}

/// compose's `isSpace`: whitespace that does not end a line.
fn is_inline_space(c: char) -> bool {
    matches!(
        c,
        '\t' | '\u{b}' | '\u{c}' | '\r' | ' ' | '\u{85}' | '\u{a0}'
    )
}

/// Go's `\s` in compose's `^export\s+`.
fn is_regex_space(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\u{c}' | '\r' | ' ')
}

/// Letters and numbers in Go's `unicode.IsLetter`/`IsNumber` sense. `is_alphabetic` also admits
/// the few combining marks and circled letters Unicode calls alphabetic; compose rejects those.
fn is_key_char(c: char) -> bool {
    matches!(c, '_' | '.' | '-' | '[' | ']') || c.is_alphabetic() || c.is_numeric()
}

fn skip(src: &str, from: usize, pred: impl Fn(char) -> bool) -> usize {
    src[from..]
        .char_indices()
        .find(|&(_, c)| !pred(c))
        .map_or(src.len(), |(i, _)| from + i)
}

fn line_end(src: &str, from: usize) -> usize {
    src[from..].find('\n').map_or(src.len(), |i| from + i)
}

impl Parser<'_, '_> {
    fn position(&self, offset: usize) -> (u32, u32) {
        let before = &self.src[..offset.min(self.src.len())];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = before[line_start..].chars().count() + 1;
        (
            u32::try_from(line).unwrap_or(u32::MAX),
            u32::try_from(column).unwrap_or(u32::MAX),
        )
    }

    fn error(&self, offset: usize, message: String) -> DotenvError {
        let (line, column) = self.position(offset);
        DotenvError {
            line,
            column,
            message,
            template: None,
        }
    }

    fn run(&mut self) -> Result<(), DotenvError> {
        let src = self.src;
        let mut pos = 0;
        loop {
            pos = skip(src, pos, char::is_whitespace);
            if pos == src.len() {
                return Ok(());
            }
            if src[pos..].starts_with('#') {
                match src[pos..].find('\n') {
                    Some(i) => pos += i,
                    None => return Ok(()),
                }
                continue;
            }
            pos = self.statement(pos)?;
        }
    }

    /// One `KEY=value` (or `KEY`) statement starting at `start`; returns where the next begins.
    fn statement(&mut self, start: usize) -> Result<usize, DotenvError> {
        let src = self.src;
        let mut key_start = start;
        if let Some(after) = src[start..].strip_prefix("export") {
            if after.starts_with(is_regex_space) {
                key_start = skip(src, start + "export".len(), is_inline_space);
            }
        }
        let mut terminator = None;
        for (i, c) in src[key_start..].char_indices() {
            if is_inline_space(c) {
                continue;
            }
            match c {
                '=' | ':' | '\n' => {
                    terminator = Some((key_start + i, c == '\n'));
                    break;
                }
                c if is_key_char(c) => {}
                c => {
                    let name = &src[key_start..line_end(src, key_start)];
                    return Err(self.error(
                        key_start + i,
                        format!(
                            "unexpected character {} in variable name {}",
                            template::go_quote(&c.to_string()),
                            template::go_quote(name)
                        ),
                    ));
                }
            }
        }
        if key_start == src.len() {
            return Err(self.error(start, "zero length string".to_string()));
        }
        // Without `=`, `:` or a newline (a last line without a final newline), compose reads the
        // whole statement as the value of the empty key.
        let (key, value_start, inherited) = match terminator {
            Some((end, inherited)) => (&src[key_start..end], end + 1, inherited),
            None => ("", key_start, false),
        };
        let key = key.trim_end_matches(char::is_whitespace);
        let value_start = skip(src, value_start, is_inline_space);
        if key.contains(' ') {
            return Err(self.error(key_start, "key cannot contain a space".to_string()));
        }
        if inherited {
            if let Some(value) = (self.lookup)(key) {
                self.vars.insert(key.to_string(), value);
            }
            return Ok(value_start);
        }
        let (value, next) = self.value(value_start)?;
        self.vars.insert(key.to_string(), value);
        Ok(next)
    }

    /// The value starting at `start`; returns it and where the next statement begins.
    fn value(&mut self, start: usize) -> Result<(String, usize), DotenvError> {
        let src = self.src;
        let quote = match src[start..].chars().next() {
            Some(q @ ('"' | '\'')) => q,
            _ => {
                let end = line_end(src, start);
                let line = &src[start..end];
                let line = line.split_once(" #").map_or(line, |(before, _)| before);
                let raw = line.trim_end_matches(char::is_whitespace);
                let value = self.expand(raw, start)?;
                return Ok((value, (end + 1).min(src.len())));
            }
        };
        let mut raw = String::new();
        let mut escaped = false;
        let mut close = None;
        for (i, c) in src[start + 1..].char_indices() {
            if escaped {
                escaped = false;
                // An escaped quote drops its backslash; any other escaped character keeps it.
                if c != quote {
                    raw.push('\\');
                }
                raw.push(c);
                continue;
            }
            match c {
                '\\' => escaped = true,
                c if c == quote => {
                    close = Some(start + 1 + i);
                    break;
                }
                c => raw.push(c),
            }
        }
        let Some(close) = close else {
            return Err(self.error(
                start,
                format!(
                    "unterminated quoted value {}",
                    &src[start..line_end(src, start)]
                ),
            ));
        };
        let value = if quote == '"' {
            self.expand(&expand_escapes(&raw), start)?
        } else {
            raw
        };
        Ok((value, close + 1))
    }

    /// Substitutes templates in a value found at `offset`.
    fn expand(&mut self, raw: &str, offset: usize) -> Result<String, DotenvError> {
        if !raw.contains('$') {
            return Ok(raw.to_string());
        }
        let lookup = self.lookup;
        let vars = &*self.vars;
        let resolve = |name: &str| lookup(name).or_else(|| vars.get(name).cloned());
        match template::substitute(raw, &resolve) {
            Ok(substituted) => {
                let (line, column) = self.position(offset);
                self.unset
                    .extend(substituted.unset.into_iter().map(|name| UnsetVariable {
                        name,
                        line,
                        column,
                    }));
                Ok(substituted.value)
            }
            Err(error) => {
                let mut located = self.error(offset, error.to_string());
                located.template = Some(error);
                Err(located)
            }
        }
    }
}

/// compose's escape processing in double-quoted values: the escapes Go's `strconv.UnquoteChar`
/// knows among `\a \b \c \f \n \r \t \v \$ \" \\`, and `\0` followed by three octal digits;
/// `\$` becomes `$$` so the template pass leaves a `$`. Anything else stays as written.
fn expand_escapes(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(i) = rest.find('\\') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let mut chars = after.chars();
        let (replacement, consumed): (Option<String>, usize) = match chars.next() {
            Some('$') => (Some("$$".to_string()), 1),
            Some('a') => (Some("\u{7}".to_string()), 1),
            Some('b') => (Some("\u{8}".to_string()), 1),
            Some('f') => (Some("\u{c}".to_string()), 1),
            Some('n') => (Some("\n".to_string()), 1),
            Some('r') => (Some("\r".to_string()), 1),
            Some('t') => (Some("\t".to_string()), 1),
            Some('v') => (Some("\u{b}".to_string()), 1),
            Some('"') => (Some("\"".to_string()), 1),
            Some('\\') => (Some("\\".to_string()), 1),
            // `\c` matches compose's pattern but is no Go escape: it stays.
            Some('c') => (None, 1),
            Some('0') => {
                let digits = after[1..]
                    .bytes()
                    .take(3)
                    .take_while(u8::is_ascii_digit)
                    .count();
                let octal = &after[1..1 + digits];
                let value = (digits == 3 && octal.bytes().all(|b| (b'0'..=b'7').contains(&b)))
                    .then(|| u32::from_str_radix(octal, 8).ok())
                    .flatten()
                    .filter(|&v| v <= 0xFF)
                    .and_then(char::from_u32);
                (value.map(String::from), 1 + digits)
            }
            _ => {
                // Not an escape: the backslash stays and scanning resumes after it.
                out.push('\\');
                rest = after;
                continue;
            }
        };
        match replacement {
            Some(text) => out.push_str(&text),
            None => {
                out.push('\\');
                out.push_str(&after[..consumed]);
            }
        }
        rest = &after[consumed..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_env(_: &str) -> Option<String> {
        None
    }

    fn one(text: &str) -> IndexMap<String, String> {
        parse(text, &no_env).unwrap()
    }

    fn raw(text: &[u8]) -> Result<Vec<(String, String)>, String> {
        let lookup = |key: &str| (key == "SET").then(|| "from-env".to_string());
        let mut vars = IndexMap::new();
        parse_raw_into(text, &lookup, &mut vars)
            .map(|()| vars.into_iter().collect())
            .map_err(|e| format!("{}: {}", e.line, e.message))
    }

    /// `format: raw`, as docker compose v2.40.3 reads it (the differential fixture
    /// `env-file-raw` compares the same with the reference binary).
    #[test]
    fn raw_format_takes_lines_literally() {
        let pairs = |list: &[(&str, &str)]| -> Vec<(String, String)> {
            list.iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        assert_eq!(
            raw(b"\xef\xbb\xbfA=\"q\" # c\r\n  B='$X ${Y}'\\n \n# c\n\t# c\nSET\nUNSET\nC=x=y  \nD=\n"),
            Ok(pairs(&[
                ("A", "\"q\" # c"),
                ("B", "'$X ${Y}'\\n "),
                ("SET", "from-env"),
                ("C", "x=y  "),
                ("D", ""),
            ]))
        );
        assert_eq!(raw(b""), Ok(vec![]));
        assert_eq!(
            raw(b"A=1\n  B = 2\n"),
            Err("2: variable 'B ' contains whitespaces".into())
        );
        assert_eq!(
            raw(b"A B\n"),
            Err("1: variable 'A B' contains whitespaces".into())
        );
        assert_eq!(raw(b"=x\n"), Err("1: no variable name on line '=x'".into()));
        assert_eq!(
            raw(b"A=1\nB=\xff\n"),
            Err("2: invalid utf8 bytes at line 2: [66 61 255]".into())
        );
    }

    #[test]
    fn basic_forms() {
        let vars = one("# c\n\nA=1\nexport B = two words # note\nC: 3\nD=\"x\\ny\"\nE='a\\nb'\n");
        assert_eq!(vars["A"], "1");
        assert_eq!(vars["B"], "two words");
        assert_eq!(vars["C"], "3");
        assert_eq!(vars["D"], "x\ny");
        assert_eq!(vars["E"], "a\\nb");
    }

    #[test]
    fn lookup_wins_over_the_file() {
        let lookup = |k: &str| (k == "A").then(|| "5".to_string());
        let vars = parse("A=1\nB=${A}\nC=$B\n", &lookup).unwrap();
        assert_eq!(
            (&vars["A"][..], &vars["B"][..], &vars["C"][..]),
            ("1", "5", "5")
        );
    }

    #[test]
    fn chained_files_see_earlier_keys_after_their_own() {
        let mut vars = IndexMap::new();
        parse_into("H=localhost\nW=1\n", &no_env, &mut vars).unwrap();
        let unset = parse_into("H=dev\nU=${H}\nV=${W}\nW\nX=$NOPE\n", &no_env, &mut vars).unwrap();
        assert_eq!(vars["U"], "dev");
        assert_eq!(vars["V"], "1");
        assert_eq!(vars["W"], "1");
        assert_eq!(
            unset,
            [UnsetVariable {
                name: "NOPE".into(),
                line: 5,
                column: 3
            }]
        );
    }

    #[test]
    fn compose_quirks() {
        // Verified against docker compose v2.40.3.
        let vars = one("A=1\nA");
        assert_eq!(vars[""], "A");
        let vars = one("N='a' junk\nK=a\t#c\nL=a#c\nO='b' tail");
        assert_eq!(vars["N"], "a");
        assert!(!vars.contains_key("junk"));
        assert_eq!(vars[""], "tail");
        assert_eq!(vars["K"], "a\t#c");
        assert_eq!(vars["L"], "a#c");
        let vars = one("K=\"a\\$b\"\nL='a\\$b'\nM=\"\\0123\\08\\c\"\n");
        assert_eq!(vars["K"], "a$b");
        assert_eq!(vars["L"], "a\\$b");
        assert_eq!(vars["M"], "S\\08\\c");
    }

    #[test]
    fn errors_are_located() {
        let error = parse("# x\nOK=1\nlol$wut=2\n", &no_env).unwrap_err();
        assert_eq!(
            error.to_string(),
            "line 3: unexpected character \"$\" in variable name \"lol$wut=2\""
        );
        assert_eq!(error.column, 4);
        let error = parse("A=1\nB=\"open\nC=2\n", &no_env).unwrap_err();
        assert_eq!(
            (error.line, error.column, &error.message[..]),
            (2, 3, "unterminated quoted value \"open")
        );
        let error = parse("A B=1", &no_env).unwrap_err();
        assert_eq!(error.to_string(), "line 1: key cannot contain a space");
        let error = parse("\n\nA=${B:?needed}", &no_env).unwrap_err();
        assert_eq!(
            error.to_string(),
            "line 3: required variable B is missing a value: needed"
        );
        assert!(error.template.is_some());
    }

    #[test]
    fn bom_and_crlf() {
        let vars = one("\u{feff}A=1\r\nB=\"2\"\r\n");
        assert_eq!((&vars["A"][..], &vars["B"][..]), ("1", "2"));
    }
}
