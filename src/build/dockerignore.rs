//! `.dockerignore`, with the docker CLI's semantics (moby/patternmatcher):
//!
//! - one pattern a line; a line starting with `#` is a comment; blank lines are skipped;
//!   surrounding spaces are trimmed;
//! - `!pattern` re-includes what an earlier pattern excluded; the last pattern that matches a
//!   path decides;
//! - a pattern is cleaned as Go's `filepath.Clean` does (`./a//b/` → `a/b`), and a leading `/`
//!   is dropped: patterns are relative to the context's root;
//! - `*` matches any run of characters but `/`, `?` one character but `/`, `[...]` a class
//!   (`[^...]` negated, ranges), `\` escapes the next character, `**` any number of path
//!   segments (zero included);
//! - a pattern that matches a folder excludes everything under it (a path is excluded when the
//!   pattern matches the path or one of its parent folders).

/// One line of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Pattern {
    /// Cleaned text, without `!`.
    text: String,
    tokens: Vec<Token>,
    exclusion: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Literal(char),
    /// `?`
    AnyChar,
    /// `*`
    Star,
    /// `**/` or `**` in the middle: any number of whole segments, each with its `/`.
    AnySegments,
    /// `**` at the end: anything at all.
    AnyRest,
    /// `[...]`: ranges (inclusive), negated or not.
    Class {
        negated: bool,
        ranges: Vec<(char, char)>,
    },
}

/// The patterns of a `.dockerignore`, in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DockerIgnore {
    patterns: Vec<Pattern>,
}

/// A pattern the matcher cannot use (an unterminated class, a trailing `\`), with its line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: invalid pattern `{pattern}`: {reason}")]
pub struct PatternError {
    pub line: usize,
    pub pattern: String,
    pub reason: String,
}

impl DockerIgnore {
    /// Reads the text of a `.dockerignore`.
    pub fn parse(text: &str) -> Result<DockerIgnore, PatternError> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut patterns = Vec::new();
        for (index, raw) in text.lines().enumerate() {
            if raw.starts_with('#') {
                continue;
            }
            let mut line = raw.trim();
            if line.is_empty() {
                continue;
            }
            let exclusion = line.starts_with('!');
            if exclusion {
                line = line[1..].trim();
            }
            let mut cleaned = clean(line);
            if cleaned.len() > 1 && cleaned.starts_with('/') {
                cleaned.remove(0);
            }
            let tokens = compile(&cleaned).map_err(|reason| PatternError {
                line: index + 1,
                pattern: raw.trim().to_string(),
                reason,
            })?;
            patterns.push(Pattern {
                text: cleaned,
                tokens,
                exclusion,
            });
        }
        Ok(DockerIgnore { patterns })
    }

    /// Whether there are no patterns at all.
    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }

    /// Whether some pattern re-includes (`!`): then an excluded folder must still be walked.
    pub fn has_exclusions(&self) -> bool {
        self.patterns.iter().any(|p| p.exclusion)
    }

    /// Whether `path` (relative to the context, `/`-separated) is left out of the context.
    pub fn is_excluded(&self, path: &str) -> bool {
        let path = path.trim_start_matches("./");
        let parents: Vec<&str> = path
            .char_indices()
            .filter(|(_, c)| *c == '/')
            .map(|(i, _)| &path[..i])
            .collect();
        let mut excluded = false;
        for pattern in &self.patterns {
            // An inclusion cannot change an excluded path, nor an exclusion an included one.
            if pattern.exclusion != excluded {
                continue;
            }
            let matched = matches(&pattern.tokens, path)
                || parents
                    .iter()
                    .any(|parent| matches(&pattern.tokens, parent));
            if matched {
                excluded = !pattern.exclusion;
            }
        }
        excluded
    }

    /// The patterns as cleaned, `!` kept: what the matcher works with.
    pub fn patterns(&self) -> Vec<String> {
        self.patterns
            .iter()
            .map(|p| {
                if p.exclusion {
                    format!("!{}", p.text)
                } else {
                    p.text.clone()
                }
            })
            .collect()
    }
}

/// Go's `filepath.Clean` on `/`-separated paths: no empty or `.` segments, `..` resolved
/// lexically, `.` for nothing.
fn clean(path: &str) -> String {
    let rooted = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for segment in path.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|last| *last != "..") {
                    parts.pop();
                } else if !rooted {
                    parts.push("..");
                }
            }
            other => parts.push(other),
        }
    }
    let joined = parts.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".to_string(),
        (false, false) => joined,
    }
}

fn compile(pattern: &str) -> Result<Vec<Token>, String> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '*' if chars.get(i + 1) == Some(&'*') => {
                i += 2;
                if chars.get(i) == Some(&'/') {
                    i += 1;
                }
                tokens.push(if i >= chars.len() {
                    Token::AnyRest
                } else {
                    Token::AnySegments
                });
                continue;
            }
            '*' => tokens.push(Token::Star),
            '?' => tokens.push(Token::AnyChar),
            '\\' => {
                i += 1;
                let Some(&next) = chars.get(i) else {
                    return Err("it ends with an escape `\\`".to_string());
                };
                tokens.push(Token::Literal(next));
            }
            '[' => {
                let (token, next) = class(&chars, i)?;
                tokens.push(token);
                i = next;
                continue;
            }
            other => tokens.push(Token::Literal(other)),
        }
        i += 1;
    }
    Ok(tokens)
}

/// A `[...]` class starting at `start`; returns the token and the index after `]`.
fn class(chars: &[char], start: usize) -> Result<(Token, usize), String> {
    let mut i = start + 1;
    let negated = chars.get(i) == Some(&'^');
    if negated {
        i += 1;
    }
    let mut ranges = Vec::new();
    let mut first = true;
    loop {
        let Some(&c) = chars.get(i) else {
            return Err("a character class `[` is not closed".to_string());
        };
        if c == ']' && !first {
            return Ok((Token::Class { negated, ranges }, i + 1));
        }
        first = false;
        let low = if c == '\\' {
            i += 1;
            *chars.get(i).ok_or("it ends with an escape `\\`")?
        } else {
            c
        };
        i += 1;
        let mut high = low;
        if chars.get(i) == Some(&'-') && chars.get(i + 1).is_some_and(|c| *c != ']') {
            i += 1;
            high = if chars[i] == '\\' {
                i += 1;
                *chars.get(i).ok_or("it ends with an escape `\\`")?
            } else {
                chars[i]
            };
            i += 1;
            if high < low {
                return Err(format!("the range `{low}-{high}` is reversed"));
            }
        }
        ranges.push((low, high));
    }
}

/// Whether the whole of `path` matches `tokens`.
fn matches(tokens: &[Token], path: &str) -> bool {
    let chars: Vec<char> = path.chars().collect();
    match_from(tokens, &chars)
}

fn match_from(tokens: &[Token], path: &[char]) -> bool {
    let Some((token, rest)) = tokens.split_first() else {
        return path.is_empty();
    };
    match token {
        Token::Literal(c) => path.first() == Some(c) && match_from(rest, &path[1..]),
        Token::AnyChar => path.first().is_some_and(|c| *c != '/') && match_from(rest, &path[1..]),
        Token::Class { negated, ranges } => {
            path.first().is_some_and(|c| {
                *c != '/' && ranges.iter().any(|(lo, hi)| lo <= c && c <= hi) != *negated
            }) && match_from(rest, &path[1..])
        }
        Token::Star => {
            // Any run of non-`/` characters, the shortest first.
            for end in 0..=path.len() {
                if match_from(rest, &path[end..]) {
                    return true;
                }
                if path.get(end) == Some(&'/') {
                    break;
                }
            }
            false
        }
        Token::AnySegments => {
            // Zero segments, or up to and including any `/`.
            if match_from(rest, path) {
                return true;
            }
            (0..path.len())
                .filter(|&i| path[i] == '/')
                .any(|i| match_from(rest, &path[i + 1..]))
        }
        Token::AnyRest => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ignore(text: &str) -> DockerIgnore {
        DockerIgnore::parse(text).expect("valid patterns")
    }

    #[test]
    fn comments_blank_lines_spaces_and_cleaning() {
        let file = ignore("\u{feff}# a comment\n\n  secret.txt  \n/abs/./x//\n!  keep\n ./dot\n");
        assert_eq!(file.patterns(), ["secret.txt", "abs/x", "!keep", "dot"]);
        // `#` only starts a comment at the start of the line.
        assert_eq!(ignore(" #x").patterns(), ["#x"]);
        assert_eq!(ignore("a/../b\n../up").patterns(), ["b", "../up"]);
    }

    #[test]
    fn star_question_and_classes_stay_within_a_segment() {
        let file = ignore("*.log\nfile?.txt\n[a-c]x\n[^0-9]y");
        assert!(file.is_excluded("debug.log"));
        assert!(
            !file.is_excluded("logs/debug.log"),
            "`*` does not cross `/`"
        );
        assert!(file.is_excluded("file1.txt"));
        assert!(!file.is_excluded("file12.txt"));
        assert!(file.is_excluded("bx"));
        assert!(!file.is_excluded("dx"));
        assert!(file.is_excluded("zy"));
        assert!(!file.is_excluded("5y"));
        assert!(ignore("*/*.md").is_excluded("docs/a.md"));
        assert!(!ignore("*/*.md").is_excluded("a.md"));
    }

    #[test]
    fn double_star_spans_any_number_of_segments() {
        let file = ignore("**/*.go");
        assert!(file.is_excluded("main.go"), "zero segments");
        assert!(file.is_excluded("a/b/c.go"));
        assert!(!file.is_excluded("a/b/c.rs"));
        let file = ignore("a/**/z");
        assert!(file.is_excluded("a/z"));
        assert!(file.is_excluded("a/b/c/z"));
        assert!(!file.is_excluded("b/z"));
        assert!(ignore("build/**").is_excluded("build/x/y"));
        assert!(ignore("**").is_excluded("anything/at/all"));
    }

    #[test]
    fn a_matched_folder_excludes_what_is_under_it() {
        let file = ignore("node_modules\n/tmp");
        assert!(file.is_excluded("node_modules"));
        assert!(file.is_excluded("node_modules/x/y.js"));
        assert!(file.is_excluded("tmp/a"));
        assert!(
            !file.is_excluded("src/node_modules"),
            "patterns are anchored at the root"
        );
        assert!(!file.is_excluded("node_modules_old"));
    }

    #[test]
    fn the_last_matching_pattern_wins_and_exclusions_reinclude() {
        let file = ignore("*.md\n!README.md\nREADME*.md");
        assert!(file.is_excluded("CHANGES.md"));
        assert!(
            file.is_excluded("README.md"),
            "a later pattern excludes it again"
        );
        let file = ignore("docs\n!docs/keep.txt");
        assert!(file.is_excluded("docs/other.txt"));
        assert!(!file.is_excluded("docs/keep.txt"));
        assert!(file.has_exclusions());
        assert!(!ignore("docs").has_exclusions());
    }

    #[test]
    fn escapes_and_invalid_patterns() {
        let file = ignore("\\*literal\n\\[x]");
        assert!(file.is_excluded("*literal"));
        assert!(!file.is_excluded("aliteral"));
        assert!(file.is_excluded("[x]"));
        let error = DockerIgnore::parse("ok\n[abc\n").unwrap_err();
        assert_eq!(error.line, 2);
        assert!(error.to_string().contains("`[abc`"), "{error}");
        assert!(DockerIgnore::parse("a\\").is_err());
        assert!(DockerIgnore::parse("[z-a]").is_err());
    }
}
