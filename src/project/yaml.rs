//! YAML text → [`Node`] trees with spans, read the way docker compose v2 reads it (go-yaml v3
//! decoding into `interface{}`, then compose-go's checks).
//!
//! What the reader decides, and why:
//! - Plain scalars resolve as go-yaml v3 does: `true`/`True`/`TRUE` (not `yes`/`on`) are booleans;
//!   `~`/`null`/`Null`/`NULL`/empty are null; integers in decimal, `0x`, `0o`, `0b` and the old
//!   `0777` octal, with `_` separators and a sign; floats, `.inf`, `.nan`; timestamps such as
//!   `2001-12-14` become the RFC 3339 string compose prints. Quoted and block scalars are strings.
//! - An integer beyond `i64` that fits `u64` is kept by go-yaml as `uint64`; [`Value`] has no such
//!   variant, so it becomes the nearest float. Beyond `u64` it is a float in go-yaml too.
//! - A scalar with a local tag (`!reset`, `!override`) or any tag go-yaml cannot resolve is a
//!   string, as in compose (`!override 12` is `"12"`); the tag is kept in [`Node::tag`].
//! - Mapping keys must be strings: compose rejects `1:` or `true:` ("non-string key"), so do we,
//!   at the key. Duplicate keys are errors naming both lines; keys brought in by `<<` are not.
//! - Anchors live for the whole stream, not one document: go-yaml v3 resolves an alias to an
//!   anchor of an earlier document, and compose relies on it.
//! - A quoted string whose continuation lines are indented no deeper than its key is accepted,
//!   as libyaml (so compose) accepts it, though YAML and yaml-rust2 do not (see `reindent`).
//! - Spans: a scalar's span covers its source text; a flow collection's covers `{`..`}`; a block
//!   mapping's is its first key, a block sequence's its first `-`; an empty value after `key:`
//!   points at the `:`. A value reached through an alias keeps the span where it was written,
//!   and its `key_span` is the key it now sits under.
//!
//! Hostile input is refused early and in bounded memory: nesting deeper than [`MAX_DEPTH`], and
//! anchors and aliases that would copy more nodes than [`copy_budget`] allows (a "billion
//! laughs"). The size of every anchored node is known when it closes, so a copy is refused
//! before it is made. Parsing pulls events one at a time (`Parser::next_token`, see [`events`]) rather than
//! through `Parser::load`, whose receiver callbacks recurse once per nesting level and cannot
//! stop early.

use std::collections::{HashMap, HashSet};

use indexmap::map::Entry;
use yaml_rust2::parser::{Event, Tag};
use yaml_rust2::scanner::{Marker, ScanError, TScalarStyle};

use super::node::{FileId, KeyPath, Mapping, Node, PathSegment, Span, Value};

mod events;
use crate::diag::Diagnostic;
use events::Scan;

/// Deepest nesting of collections accepted. Compose files nest a dozen levels; yaml-rust2 itself
/// stops flow collections at 255.
pub const MAX_DEPTH: usize = 255;

/// Nodes that anchors and aliases may copy in one file, all together, whatever its size. Every
/// alias copies its anchored value, and every anchor keeps a copy for the aliases to come. A
/// 1000-service file that merges a 30-key block into every service copies 30 000.
pub const ALIAS_COPY_BUDGET: usize = 250_000;

/// How many nodes anchors and aliases may copy in a file of `text_len` bytes: the larger of
/// [`ALIAS_COPY_BUDGET`] and one node per byte, so a hostile file costs at most what an honest
/// file of similar size does (about 0.1 s and 100 MB at 250 000 nodes).
pub fn copy_budget(text_len: usize) -> usize {
    ALIAS_COPY_BUDGET.max(text_len)
}

/// Errors collected before giving up on a file (duplicate keys and the like do not stop parsing).
const MAX_ERRORS: usize = 100;

const YAML_TAG_PREFIX: &str = "tag:yaml.org,2002:";

/// Parses every YAML document of `text`. An empty file, or one holding only comments, has no
/// documents and yields an empty `Vec` (docker compose calls it an "empty compose file"); a bare
/// `---` is one document holding null.
pub fn parse(text: &str, file: FileId) -> Result<Vec<Node>, Vec<Diagnostic>> {
    parse_scanning(text, file, Scan::BySize)
}

/// [`parse`], the text scanned on a second thread whatever its size: for tests that hold the two
/// ways of scanning to the same result.
#[doc(hidden)]
pub fn parse_scanning_on_a_second_thread(
    text: &str,
    file: FileId,
) -> Result<Vec<Node>, Vec<Diagnostic>> {
    parse_scanning(text, file, Scan::SecondThread)
}

fn parse_scanning(text: &str, file: FileId, scan: Scan) -> Result<Vec<Node>, Vec<Diagnostic>> {
    // go-yaml drops a byte order mark; yaml-rust2 would make it part of the first key.
    let (body, base) = match text.strip_prefix('\u{feff}') {
        Some(rest) => (rest, text.len() - rest.len()),
        None => (text, 0),
    };
    let mut shifts: HashMap<usize, usize> = HashMap::new();
    let mut reindented: Option<String> = None;
    let mut attempts = 0;
    loop {
        let source = reindented.as_deref().unwrap_or(body);
        let mut builder = Builder::new(body, base, file, &shifts);
        let Err(error) = builder.run(source, scan) else {
            return builder.result();
        };
        if error.info() == UNDER_INDENTED_QUOTED && attempts < MAX_REINDENTS {
            let (line, col) = (error.marker().line(), error.marker().col());
            if let Some((text, added)) = reindent(source, line, col) {
                for (line, spaces) in added {
                    *shifts.entry(line).or_default() += spaces;
                }
                reindented = Some(text);
                attempts += 1;
                continue;
            }
        }
        let diagnostic = builder.scan_error(&error);
        builder.errors.push(diagnostic);
        return builder.result();
    }
}

/// yaml-rust2 applies the YAML rule that a quoted scalar's continuation lines are indented
/// deeper than the enclosing block; libyaml, hence docker compose, does not:
///
/// ```yaml
///     environment:
///       OPTS: "-Xmx1g
///       -Dfoo=bar"
/// ```
///
/// Leading blanks of continuation lines never reach the value, so such a scalar is indented
/// and the text parsed again, columns mapped back. Each mend costs a parse of the whole file,
/// so only this many are made; real files have one or two such strings, if any.
const MAX_REINDENTS: usize = 8;
const UNDER_INDENTED_QUOTED: &str = "invalid indentation in quoted scalar";

/// Indents the continuation lines of the quoted scalar opening at `line`/`col` of `source` (as
/// yaml-rust2 counts) to the column of its opening quote. Returns the new text and the spaces
/// added to each line, or `None` when nothing needed adding.
fn reindent(source: &str, line: usize, col: usize) -> Option<(String, Vec<(usize, usize)>)> {
    let lines = Lines::new(source);
    let (offset, _, _) = lines.locate(line, col);
    let quote = *source.as_bytes().get(offset)?;
    if quote != b'"' && quote != b'\'' {
        return None;
    }
    let end = offset + quoted_len(&source[offset..], quote);
    let mut text = String::with_capacity(source.len() + 64);
    let mut added = Vec::new();
    let mut copied = 0;
    for (index, &start) in lines.starts.iter().enumerate().skip(line) {
        if start >= end {
            break;
        }
        let blanks = source[start..]
            .bytes()
            .take_while(|b| matches!(b, b' ' | b'\t'))
            .count();
        let blank_line = matches!(source.as_bytes().get(start + blanks), Some(b'\n' | b'\r'));
        if blank_line || blanks >= col {
            continue;
        }
        text.push_str(&source[copied..start]);
        text.extend(std::iter::repeat_n(' ', col - blanks));
        copied = start;
        added.push((index + 1, col - blanks));
    }
    if added.is_empty() {
        return None;
    }
    text.push_str(&source[copied..]);
    Some((text, added))
}

enum Flow {
    Continue,
    Done,
}

type Fatal = Box<Diagnostic>;

/// A finished node with what its parent needs to know about it.
struct Built {
    node: Node,
    /// Nodes in the subtree, aliases counted at their full copied size.
    size: usize,
    /// Levels in the subtree (a scalar is 1).
    height: usize,
    /// A plain `<<` (or `!!merge <<`): a merge key when it is a mapping key.
    merge_key: bool,
}

// At most MAX_DEPTH frames exist at once, so the larger map variant costs little; boxing it
// would cost an allocation per mapping.
#[allow(clippy::large_enum_variant)]
enum Collection {
    Seq(Vec<Node>),
    Map {
        map: Mapping,
        /// `<<` values, each with how many explicit keys preceded it, so that merged keys land
        /// where the `<<` was written.
        merges: Vec<(usize, Node)>,
        merge_key: Option<Span>,
        /// The key read, waiting for its value.
        key: Option<Key>,
        first_key: Option<Span>,
    },
}

enum Key {
    Name(String, Span),
    Merge(Span),
    /// Not a string: reported, and its value is dropped.
    Invalid,
}

/// A key problem found while a frame is borrowed, reported once it no longer is.
enum KeyError {
    NotString(Node),
    Duplicate(String, Span, Span),
}

struct Frame {
    collection: Collection,
    span: Span,
    flow: bool,
    anchor: usize,
    tag: Option<String>,
    size: usize,
    height: usize,
}

enum Anchor {
    /// Its node is still being read: an alias to it would contain itself.
    Open,
    Done {
        node: Node,
        size: usize,
        height: usize,
    },
}

struct Builder<'a> {
    /// The text as written (after any byte order mark); spans point into it.
    text: &'a str,
    lines: Lines<'a>,
    /// Spaces [`reindent`] added at the start of a line (by 1-based line) of the text parsed.
    shifts: &'a HashMap<usize, usize>,
    base: usize,
    file: FileId,
    stack: Vec<Frame>,
    root: Option<Node>,
    anchors: HashMap<usize, Anchor>,
    copied: usize,
    copy_budget: usize,
    documents: Vec<Node>,
    errors: Vec<Diagnostic>,
}

impl<'a> Builder<'a> {
    fn new(
        text: &'a str,
        base: usize,
        file: FileId,
        shifts: &'a HashMap<usize, usize>,
    ) -> Builder<'a> {
        Builder {
            text,
            lines: Lines::new(text),
            shifts,
            base,
            file,
            stack: Vec::new(),
            root: None,
            anchors: HashMap::new(),
            copied: 0,
            copy_budget: copy_budget(base + text.len()),
            documents: Vec::new(),
            errors: Vec::new(),
        }
    }

    /// Reads `source` (the text, or its reindented copy) event by event. Errors other than the
    /// scanner's are collected in `self.errors`.
    fn run(&mut self, source: &str, scan: Scan) -> Result<(), ScanError> {
        events::for_each(source, scan, |event, mark| match self.event(event, mark) {
            Ok(Flow::Continue) => self.errors.len() < MAX_ERRORS,
            Ok(Flow::Done) => false,
            Err(fatal) => {
                self.errors.push(*fatal);
                false
            }
        })
    }

    fn result(self) -> Result<Vec<Node>, Vec<Diagnostic>> {
        if self.errors.is_empty() {
            Ok(self.documents)
        } else {
            let mut errors = self.errors;
            crate::diag::sort(&mut errors);
            Err(errors)
        }
    }

    fn event(&mut self, event: Event, mark: Marker) -> Result<Flow, Fatal> {
        match event {
            Event::StreamEnd => return Ok(Flow::Done),
            Event::DocumentEnd => {
                if let Some(root) = self.root.take() {
                    self.documents.push(root);
                }
            }
            Event::Nothing | Event::StreamStart | Event::DocumentStart => {}
            Event::Scalar(value, style, anchor, tag) => {
                self.check_depth(1, mark)?;
                let built = self.scalar(value, style, tag, mark);
                self.finish(built, anchor)?;
            }
            Event::SequenceStart(anchor, tag) => self.open(false, anchor, tag, mark)?,
            Event::MappingStart(anchor, tag) => self.open(true, anchor, tag, mark)?,
            Event::SequenceEnd | Event::MappingEnd => self.close(mark)?,
            Event::Alias(id) => self.alias(id, mark)?,
        }
        Ok(Flow::Continue)
    }

    fn check_depth(&self, height: usize, mark: Marker) -> Result<(), Fatal> {
        if self.stack.len() + height > MAX_DEPTH {
            let span = self.point(mark);
            return Err(Box::new(
                Diagnostic::error(format!(
                    "the document nests collections more than {MAX_DEPTH} levels deep"
                ))
                .at(span)
                .label("too deep here")
                .help("a compose file needs only a few levels; is this file generated by mistake?"),
            ));
        }
        Ok(())
    }

    fn open(
        &mut self,
        is_map: bool,
        anchor: usize,
        tag: Option<Tag>,
        mark: Marker,
    ) -> Result<(), Fatal> {
        self.check_depth(1, mark)?;
        let span = self.point(mark);
        let opener = if is_map { '{' } else { '[' };
        let flow = self.char_at(span.offset) == Some(opener);
        if anchor > 0 {
            self.anchors.insert(anchor, Anchor::Open);
        }
        let collection = if is_map {
            Collection::Map {
                map: Mapping::default(),
                merges: Vec::new(),
                merge_key: None,
                key: None,
                first_key: None,
            }
        } else {
            Collection::Seq(Vec::new())
        };
        self.stack.push(Frame {
            collection,
            span,
            flow,
            anchor,
            tag: tag.and_then(|tag| classify_tag(&tag).kept()),
            size: 1,
            height: 1,
        });
        Ok(())
    }

    fn close(&mut self, mark: Marker) -> Result<(), Fatal> {
        let Some(frame) = self.stack.pop() else {
            return Ok(());
        };
        let end = self.point(mark);
        let mut span = frame.span;
        let value = match frame.collection {
            Collection::Seq(items) => {
                if frame.flow {
                    span = self.through(span, end, ']');
                } else {
                    span = self.block_sequence_span(span, items.first());
                }
                Value::Seq(items)
            }
            Collection::Map {
                map,
                merges,
                first_key,
                ..
            } => {
                if frame.flow {
                    span = self.through(span, end, '}');
                } else if let Some(first) = first_key {
                    span = first;
                }
                if merges.is_empty() {
                    Value::Map(map)
                } else {
                    Value::Map(self.merge(map, merges))
                }
            }
        };
        let node = Node {
            value,
            span,
            key_span: None,
            tag: frame.tag,
        };
        let built = Built {
            node,
            size: frame.size,
            height: frame.height,
            merge_key: false,
        };
        self.finish(built, frame.anchor)
    }

    fn alias(&mut self, id: usize, mark: Marker) -> Result<(), Fatal> {
        let (name, span) = self.alias_token(self.point(mark));
        let (size, height) = match self.anchors.get(&id) {
            Some(Anchor::Done { size, height, .. }) => (*size, *height),
            Some(Anchor::Open) => {
                return Err(Box::new(
                    Diagnostic::error(format!(
                        "alias `*{name}` refers to the value that contains it"
                    ))
                    .at(span)
                    .path(self.path())
                    .label("recursive alias")
                    .help(format!(
                        "an alias can only repeat a value that is complete; move `*{name}` out of the value anchored as `&{name}`"
                    )),
                ));
            }
            None => return Err(Box::new(unknown_anchor(&name, span))),
        };
        self.copy(size, span, format!("`*{name}` copies {size} nodes"))?;
        self.check_depth(height, mark)?;
        let Some(Anchor::Done { node, .. }) = self.anchors.get(&id) else {
            return Ok(());
        };
        let built = Built {
            node: node.clone(),
            size,
            height,
            merge_key: false,
        };
        self.finish(built, 0)
    }

    /// Accounts for copying `size` nodes, refusing the copy past the budget.
    fn copy(&mut self, size: usize, span: Span, label: String) -> Result<(), Fatal> {
        self.copied += size;
        if self.copied <= self.copy_budget {
            return Ok(());
        }
        Err(Box::new(
            Diagnostic::error(format!(
                "document expands to more than {} nodes through anchors and aliases",
                self.copy_budget
            ))
            .at(span)
            .path(self.path())
            .label(label)
            .help("each alias copies the whole anchored value, so aliases of aliases multiply (a \"billion laughs\" document); no compose file needs this much repetition"),
        ))
    }

    /// Hands a finished node to its parent (or makes it the document), registering its anchor.
    fn finish(&mut self, mut built: Built, anchor: usize) -> Result<(), Fatal> {
        if anchor > 0 {
            let label = format!("this anchored value holds {} nodes", built.size);
            self.copy(built.size, built.node.span, label)?;
            self.anchors.insert(
                anchor,
                Anchor::Done {
                    node: built.node.clone(),
                    size: built.size,
                    height: built.height,
                },
            );
        }
        let Some(parent) = self.stack.last_mut() else {
            built.node.key_span = None;
            self.root = Some(built.node);
            return Ok(());
        };
        parent.size += built.size;
        parent.height = parent.height.max(built.height + 1);
        let error = match &mut parent.collection {
            Collection::Seq(items) => {
                built.node.key_span = None;
                items.push(built.node);
                None
            }
            Collection::Map {
                map,
                merges,
                merge_key,
                key,
                first_key,
            } => match key.take() {
                None => {
                    let span = built.node.span;
                    first_key.get_or_insert(span);
                    let (pending, error) = if built.merge_key {
                        (Key::Merge(span), None)
                    } else if let Value::Str(name) = built.node.value {
                        (Key::Name(name, span), None)
                    } else {
                        (Key::Invalid, Some(KeyError::NotString(built.node)))
                    };
                    *key = Some(pending);
                    error
                }
                Some(Key::Name(name, key_span)) => {
                    built.node.key_span = Some(key_span);
                    match map.entry(name) {
                        Entry::Occupied(first) => Some(KeyError::Duplicate(
                            first.key().clone(),
                            first.get().entry_span(),
                            key_span,
                        )),
                        Entry::Vacant(slot) => {
                            slot.insert(built.node);
                            None
                        }
                    }
                }
                Some(Key::Merge(span)) => {
                    merges.push((map.len(), built.node));
                    match merge_key {
                        // go-yaml reports a second `<<` as a duplicate key like any other.
                        Some(first) => Some(KeyError::Duplicate("<<".into(), *first, span)),
                        None => {
                            *merge_key = Some(span);
                            None
                        }
                    }
                }
                Some(Key::Invalid) => None,
            },
        };
        match error {
            None => {}
            Some(KeyError::NotString(key)) => {
                let diagnostic = self.non_string_key(&key, &self.path());
                self.errors.push(diagnostic);
            }
            Some(KeyError::Duplicate(name, first, again)) => {
                self.duplicate_key(&name, first, again, &self.path());
            }
        }
        Ok(())
    }

    /// Applies a mapping's `<<` keys: explicit keys win, then earlier merged mappings.
    fn merge(&mut self, explicit: Mapping, merges: Vec<(usize, Node)>) -> Mapping {
        let mut merged: Vec<(usize, String, Node)> = Vec::new();
        let mut seen: HashSet<String> = HashSet::new();
        for (position, source) in merges {
            for mapping in self.merge_sources(source) {
                for (name, node) in mapping {
                    if !explicit.contains_key(&name) && seen.insert(name.clone()) {
                        merged.push((position, name, node));
                    }
                }
            }
        }
        let mut result =
            Mapping::with_capacity_and_hasher(explicit.len() + merged.len(), Default::default());
        let mut merged = merged.into_iter().peekable();
        for (index, (name, node)) in explicit.into_iter().enumerate() {
            while let Some((_, name, node)) = merged.next_if(|(position, _, _)| *position <= index)
            {
                result.insert(name, node);
            }
            result.insert(name, node);
        }
        for (_, name, node) in merged {
            result.insert(name, node);
        }
        result
    }

    /// The mappings a `<<` value stands for, earliest first (earlier ones win).
    fn merge_sources(&mut self, source: Node) -> Vec<Mapping> {
        let span = source.span;
        match source.value {
            Value::Map(mapping) => vec![mapping],
            Value::Seq(items) => {
                let mut mappings = Vec::with_capacity(items.len());
                for item in items {
                    let item_span = item.span;
                    match item.value {
                        Value::Map(mapping) => mappings.push(mapping),
                        _ => {
                            let kind = item_kind(&item.value);
                            self.errors.push(merge_error(kind, item_span, &self.path()));
                        }
                    }
                }
                mappings
            }
            other => {
                self.errors
                    .push(merge_error(item_kind(&other), span, &self.path()));
                Vec::new()
            }
        }
    }

    fn duplicate_key(&mut self, name: &str, first: Span, again: Span, path: &KeyPath) {
        let help = if name == "<<" {
            "merge several mappings with one key: `<<: [*first, *second]`"
        } else {
            "remove one of the two entries, or merge their contents"
        };
        self.errors.push(
            Diagnostic::error(format!(
                "mapping key `{name}` already defined at line {}",
                first.line
            ))
            .at(again)
            .path(path.clone())
            .label("defined again here")
            .related(first, "first defined here")
            .help(help),
        );
    }

    fn non_string_key(&self, key: &Node, path: &KeyPath) -> Diagnostic {
        let written = self.source_text(key.span);
        match &key.value {
            Value::Map(_) | Value::Seq(_) => {
                Diagnostic::error(format!("{} cannot be a mapping key", key.kind_name()))
                    .at(key.span)
                    .path(path.clone())
                    .label("not a string")
                    .help("mapping keys in a compose file are strings")
            }
            Value::Null => Diagnostic::error("mapping key is null")
                .at(key.span)
                .path(path.clone())
                .label("null key")
                .help(
                    "write a key name before the `:`, or quote it (`\"null\"`) if `null` is meant",
                ),
            _ => Diagnostic::error(format!(
                "mapping key `{written}` is {}, not a string",
                key.kind_name()
            ))
            .at(key.span)
            .path(path.clone())
            .label("not a string")
            .help(format!(
                "docker compose accepts only string keys: quote it, `\"{written}\"`"
            )),
        }
    }

    fn scalar(
        &mut self,
        value: String,
        style: TScalarStyle,
        tag: Option<Tag>,
        mark: Marker,
    ) -> Built {
        let tag = tag.map(|tag| classify_tag(&tag)).unwrap_or(TagKind::None);
        let plain = style == TScalarStyle::Plain;
        let merge_key = value == "<<"
            && match &tag {
                TagKind::None => plain,
                TagKind::Standard(name) => name == "merge",
                _ => false,
            };
        let mut span = self.point(mark);
        span.len = self.scalar_len(span.offset, style, &value);
        if plain && value.is_empty() {
            // Nothing written after `key:` (or only a tag or anchor): yaml-rust2 marks the next
            // token, often on the next line; the `:` is where the value is missing.
            if let Some(Frame {
                collection:
                    Collection::Map {
                        key: Some(Key::Name(_, key) | Key::Merge(key)),
                        ..
                    },
                ..
            }) = self.stack.last()
            {
                span = self.colon_after(*key, span);
            }
        }
        let resolved = match &tag {
            TagKind::None if plain => match resolve_plain(&value, true) {
                Some(Value::Str(stamp)) => {
                    self.timestamp(&value, span);
                    Value::Str(stamp)
                }
                Some(other) => other,
                None => Value::Str(value),
            },
            TagKind::None => Value::Str(value),
            TagKind::Standard(name) => match name.as_str() {
                "str" => Value::Str(value),
                "binary" => match decode_base64(&value) {
                    Some(bytes) => Value::Str(String::from_utf8_lossy(&bytes).into_owned()),
                    None => {
                        self.errors.push(
                            Diagnostic::error("`!!binary` value is not valid base64")
                                .at(span)
                                .path(self.path())
                                .label("not base64"),
                        );
                        Value::Str(value)
                    }
                },
                "null" | "bool" | "int" | "float" | "timestamp" => self.tagged(name, value, span),
                _ => Value::Str(value),
            },
            TagKind::Local(_) | TagKind::Other(_) => Value::Str(value),
        };
        Built {
            node: Node {
                value: resolved,
                span,
                key_span: None,
                tag: tag.kept(),
            },
            size: 1,
            height: 1,
            merge_key,
        }
    }

    /// An unquoted timestamp (`2024-01-01`) decodes to a time in docker compose, which its
    /// schema refuses anywhere but under an `x-` extension ("invalid jsonType time.Time").
    fn timestamp(&mut self, text: &str, span: Span) {
        let path = self.path();
        let extension = path
            .segments()
            .iter()
            .any(|s| matches!(s, PathSegment::Key(k) if k.starts_with("x-")));
        if !extension {
            self.errors.push(
                Diagnostic::error(format!(
                    "`{path}`: `{text}` reads as a YAML timestamp, not a string"
                ))
                .at(span)
                .path(path)
                .label("a timestamp")
                .help(format!("quote it: \"{text}\"")),
            );
        }
    }

    /// A scalar with an explicit standard tag: it must read as that type (go-yaml's
    /// "cannot decode !!str `abc` as a !!int").
    fn tagged(&mut self, name: &str, value: String, span: Span) -> Value {
        // A u64 beyond i64 resolves to a float here; go-yaml takes it as `!!int` and, oddly,
        // refuses it as `!!float`.
        let big = is_big_unsigned(&value);
        let accepted = match (name, resolve_plain(&value, name == "timestamp")) {
            ("null", Some(Value::Null)) => Some(Value::Null),
            ("bool", Some(b @ Value::Bool(_))) => Some(b),
            ("int", Some(i @ Value::Int(_))) => Some(i),
            ("int", Some(f @ Value::Float(_))) if big => Some(f),
            ("float", Some(Value::Int(i))) => Some(Value::Float(i as f64)),
            ("float", Some(f @ Value::Float(_))) if !big => Some(f),
            // Only a timestamp resolves to a string.
            ("timestamp", Some(stamp @ Value::Str(_))) => Some(stamp),
            _ => None,
        };
        accepted.unwrap_or_else(|| {
            let reads_as = match resolve_plain(&value, true) {
                Some(Value::Null) => "null",
                Some(Value::Bool(_)) => "a boolean",
                Some(Value::Int(_)) => "an integer",
                Some(Value::Float(_)) if big => "an unsigned integer",
                Some(Value::Float(_)) => "a number",
                Some(_) => "a timestamp",
                None => "a string",
            };
            self.errors.push(
                Diagnostic::error(format!("cannot decode `{value}` as `!!{name}`"))
                    .at(span)
                    .path(self.path())
                    .label(format!("this reads as {reads_as}"))
                    .help(format!(
                        "remove the `!!{name}` tag, or write a value of that type"
                    )),
            );
            Value::Str(value)
        })
    }

    fn scan_error(&self, error: &ScanError) -> Diagnostic {
        let span = self.point(*error.marker());
        let info = error.info();
        let diagnostic = match info {
            "while parsing node, found unknown anchor" => {
                let (name, span) = self.alias_token(span);
                return unknown_anchor(&name, span).path(self.path());
            }
            "recursion limit exceeded" => Diagnostic::error(format!(
                "the document nests collections more than {MAX_DEPTH} levels deep"
            ))
            .label("too deep here"),
            "tabs disallowed within this context (block indentation)" => {
                Diagnostic::error("invalid YAML: a tab character is used for indentation")
                    .label("tab")
                    .help("indent with spaces: YAML does not allow tabs in indentation")
            }
            _ if info.contains("tab") => Diagnostic::error(format!("invalid YAML: {info}"))
                .label("tab")
                .help("replace the tab with spaces"),
            "mapping values are not allowed in this context" => Diagnostic::error(format!("invalid YAML: {info}"))
                .label("unexpected `:`")
                .help("a `: ` inside a plain value starts a mapping; quote the value, or put a nested mapping on its own indented line"),
            UNDER_INDENTED_QUOTED => Diagnostic::error(format!("invalid YAML: {info}"))
                .label("this string continues on lines indented too little")
                .help("indent the continuation lines of the string more than its key"),
            _ if info.contains("did not find expected key")
                || info.contains("did not find expected '-' indicator")
                || info == "invalid indentation" =>
            {
                Diagnostic::error(format!("invalid YAML: {info}"))
                    .label("unexpected here")
                    .help("check the indentation of this line against the lines above it")
            }
            _ => Diagnostic::error(format!("invalid YAML: {info}")).label("here"),
        };
        diagnostic.at(span)
    }

    /// The key path of the node being read now, for messages.
    fn path(&self) -> KeyPath {
        let mut path = KeyPath::root();
        for frame in &self.stack {
            path = match &frame.collection {
                Collection::Seq(items) => path.index(items.len()),
                Collection::Map { key, .. } => match key {
                    Some(Key::Name(name, _)) => path.key(name),
                    Some(Key::Merge(_)) => path.key("<<"),
                    Some(Key::Invalid) | None => path,
                },
            };
        }
        path
    }

    /// The span of one marker (1-based line and column, byte offset into the whole text).
    fn point(&self, mark: Marker) -> Span {
        // Most files are never reindented: skip hashing the line for every marker.
        let shift = if self.shifts.is_empty() {
            0
        } else {
            self.shifts.get(&mark.line()).copied().unwrap_or(0)
        };
        let col = mark.col().saturating_sub(shift);
        let (offset, line, col) = self.lines.locate(mark.line(), col);
        let len = self.text[offset..].chars().next().map_or(0, char::len_utf8);
        Span {
            file: self.file,
            offset: self.base + offset,
            len,
            line,
            col,
        }
    }

    /// The span of `len` bytes at a byte offset into the text after any byte order mark.
    fn span_at(&self, offset: usize, len: usize) -> Span {
        let (line, col) = self.lines.position(offset);
        Span {
            file: self.file,
            offset: self.base + offset,
            len,
            line,
            col,
        }
    }

    fn local(&self, offset: usize) -> usize {
        offset - self.base
    }

    fn char_at(&self, offset: usize) -> Option<char> {
        self.text.get(self.local(offset)..)?.chars().next()
    }

    fn source_text(&self, span: Span) -> &str {
        let start = self.local(span.offset);
        self.text.get(start..start + span.len).unwrap_or("")
    }

    /// The anchor an alias at `span` names, and the span of the whole `*name`.
    fn alias_token(&self, span: Span) -> (String, Span) {
        let rest = self.text.get(self.local(span.offset)..).unwrap_or("");
        let name = rest.strip_prefix('*').unwrap_or(rest);
        let name: String = name
            .chars()
            .take_while(|c| !c.is_whitespace() && !matches!(c, ',' | '[' | ']' | '{' | '}'))
            .collect();
        let len = rest.len() - rest.strip_prefix('*').unwrap_or(rest).len() + name.len();
        (
            name,
            Span {
                len: len.max(span.len),
                ..span
            },
        )
    }

    /// How many bytes of source the scalar starting at `offset` spans.
    fn scalar_len(&self, offset: usize, style: TScalarStyle, value: &str) -> usize {
        let rest = self.text.get(self.local(offset)..).unwrap_or("");
        let len = match style {
            TScalarStyle::DoubleQuoted => quoted_len(rest, b'"'),
            TScalarStyle::SingleQuoted => quoted_len(rest, b'\''),
            _ if value.is_empty() => 0,
            _ if rest.starts_with(value) => value.len(),
            // Folded plain or block scalars: the value's visible characters appear in the source
            // in order, with only whitespace between them.
            _ => visible_len(rest, value)
                .unwrap_or_else(|| rest.find(['\n', '\r']).unwrap_or(rest.len())),
        };
        if len > 0 {
            len
        } else {
            rest.chars().next().map_or(0, char::len_utf8)
        }
    }

    /// The `:` after a key, where an absent value (`key:`) is best shown; yaml-rust2 puts it at
    /// the next token, often on the next line.
    fn colon_after(&self, key: Span, fallback: Span) -> Span {
        let start = self.local(key.offset) + key.len;
        let rest = self.text.get(start..).unwrap_or("");
        let skipped = rest.len() - rest.trim_start_matches([' ', '\t']).len();
        if rest[skipped..].starts_with(':') {
            return self.span_at(start + skipped, 1);
        }
        fallback
    }

    /// A flow collection's span, from its opening bracket through its closing one.
    fn through(&self, start: Span, end: Span, closer: char) -> Span {
        if self.char_at(end.offset) == Some(closer) && end.offset >= start.offset {
            Span {
                len: end.offset + 1 - start.offset,
                ..start
            }
        } else {
            start
        }
    }

    /// A block sequence's span is its first `-`. yaml-rust2 marks an indentless sequence
    /// (`key:\n- a`) after the dash, so look back for it.
    fn block_sequence_span(&self, start: Span, first: Option<&Node>) -> Span {
        if self.char_at(start.offset) == Some('-') {
            return Span { len: 1, ..start };
        }
        let local = self.local(start.offset);
        let before = self.text[..local].trim_end_matches([' ', '\t']);
        if before.ends_with('-') {
            return self.span_at(before.len() - 1, 1);
        }
        first.map_or(start, |node| node.span)
    }
}

fn unknown_anchor(name: &str, span: Span) -> Diagnostic {
    Diagnostic::error(format!("alias `*{name}` refers to an undefined anchor"))
        .at(span)
        .label("unknown anchor")
        .help(format!(
            "define the anchor with `&{name}` on a value written before this alias"
        ))
}

fn merge_error(kind: &str, span: Span, path: &KeyPath) -> Diagnostic {
    Diagnostic::error(format!(
        "`<<` (merge key) needs a mapping or a sequence of mappings, found {kind}"
    ))
    .at(span)
    .path(path.clone())
    .label("not a mapping")
    .help("write `<<: *anchor` or `<<: [*first, *second]`, where each anchor names a mapping")
}

fn item_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Int(_) => "an integer",
        Value::Float(_) => "a number",
        Value::Str(_) => "a string",
        Value::Seq(_) => "a sequence",
        Value::Map(_) => "a mapping",
    }
}

enum TagKind {
    None,
    /// `!!name` (`tag:yaml.org,2002:name`).
    Standard(String),
    /// `!name`, kept without the `!`.
    Local(String),
    /// Any other global tag, kept whole.
    Other(String),
}

impl TagKind {
    /// What [`Node::tag`] keeps: local and foreign tags. Standard tags are resolved here, except
    /// unknown `!!x` ones, kept as `!x` so a later phase can still name them.
    fn kept(self) -> Option<String> {
        match self {
            TagKind::None => None,
            TagKind::Standard(name) => match name.as_str() {
                "str" | "int" | "float" | "bool" | "null" | "timestamp" | "binary" | "merge"
                | "map" | "seq" => None,
                _ => Some(format!("!{name}")),
            },
            TagKind::Local(name) | TagKind::Other(name) => Some(name),
        }
    }
}

fn classify_tag(tag: &Tag) -> TagKind {
    // yaml-rust2 reports the non-specific tag `!` as handle "" and suffix "!"; go-yaml treats it
    // as no tag at all (`! 12` is the integer 12).
    if tag.handle.is_empty() && tag.suffix == "!" {
        return TagKind::None;
    }
    let full = format!("{}{}", tag.handle, tag.suffix);
    if let Some(name) = full.strip_prefix(YAML_TAG_PREFIX) {
        TagKind::Standard(name.to_string())
    } else if let Some(name) = full.strip_prefix('!') {
        TagKind::Local(name.to_string())
    } else {
        TagKind::Other(full)
    }
}

/// Resolves an untagged plain scalar as go-yaml v3's `resolve("", text)` does; `None` when it
/// stays the string it is. A timestamp comes back as the string compose prints for it.
fn resolve_plain(text: &str, timestamps: bool) -> Option<Value> {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Some(Value::Null),
        "true" | "True" | "TRUE" => return Some(Value::Bool(true)),
        "false" | "False" | "FALSE" => return Some(Value::Bool(false)),
        ".nan" | ".NaN" | ".NAN" => return Some(Value::Float(f64::NAN)),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return Some(Value::Float(f64::INFINITY))
        }
        "-.inf" | "-.Inf" | "-.INF" => return Some(Value::Float(f64::NEG_INFINITY)),
        _ => {}
    }
    let first = text.as_bytes()[0];
    if first == b'.' {
        return parse_dot_float(text).map(Value::Float);
    }
    if !(first.is_ascii_digit() || first == b'+' || first == b'-') {
        return None;
    }
    if timestamps {
        if let Some(stamp) = parse_timestamp(text) {
            return Some(Value::Str(stamp));
        }
    }
    let plain: std::borrow::Cow<str> = if text.contains('_') {
        text.replace('_', "").into()
    } else {
        text.into()
    };
    if let Some(i) = go_parse_int(&plain, 0) {
        return Some(Value::Int(i));
    }
    if let Some(u) = go_parse_uint(&plain, 0) {
        return Some(Value::Float(u as f64));
    }
    if is_yaml_float(&plain) {
        if let Some(f) = plain.parse::<f64>().ok().filter(|f| f.is_finite()) {
            return Some(Value::Float(f));
        }
    }
    // go-yaml retries these prefixes with an explicit base, which also takes a sign after the
    // prefix (`0b+101` is 5, `0o-7` is -7).
    let retry = if let Some(digits) = plain.strip_prefix("0b") {
        Some((digits.to_string(), 2, true))
    } else if let Some(digits) = plain.strip_prefix("-0b") {
        Some((format!("-{digits}"), 2, false))
    } else if let Some(digits) = plain.strip_prefix("0o") {
        Some((digits.to_string(), 8, true))
    } else {
        plain
            .strip_prefix("-0o")
            .map(|digits| (format!("-{digits}"), 8, false))
    };
    if let Some((digits, base, unsigned_too)) = retry {
        if let Some(i) = go_parse_int(&digits, base) {
            return Some(Value::Int(i));
        }
        if unsigned_too {
            if let Some(u) = go_parse_uint(&digits, base) {
                return Some(Value::Float(u as f64));
            }
        }
    }
    None
}

/// True when go-yaml would read `text` as a `uint64` (too big for `i64`).
fn is_big_unsigned(text: &str) -> bool {
    let plain = text.replace('_', "");
    go_parse_int(&plain, 0).is_none() && go_parse_uint(&plain, 0).is_some()
}

/// Go's `strconv.ParseUint(s, base, 64)`; base 0 reads the `0x`/`0o`/`0b`/`0` prefixes.
fn go_parse_uint(text: &str, base: u32) -> Option<u64> {
    if text.is_empty() {
        return None;
    }
    let bytes = text.as_bytes();
    let (digits, base) = if base != 0 {
        (text, base)
    } else if bytes[0] == b'0' {
        match bytes.get(1).map(u8::to_ascii_lowercase) {
            Some(b'b') if bytes.len() >= 3 => (&text[2..], 2),
            Some(b'o') if bytes.len() >= 3 => (&text[2..], 8),
            Some(b'x') if bytes.len() >= 3 => (&text[2..], 16),
            _ => (&text[1..], 8),
        }
    } else {
        (text, 10)
    };
    digits.chars().try_fold(0u64, |n, c| {
        let digit = c.to_digit(36).filter(|d| *d < base)?;
        n.checked_mul(u64::from(base))?
            .checked_add(u64::from(digit))
    })
}

/// Go's `strconv.ParseInt(s, base, 64)`.
fn go_parse_int(text: &str, base: u32) -> Option<i64> {
    let (negative, digits) = match text.as_bytes().first() {
        Some(b'+') => (false, &text[1..]),
        Some(b'-') => (true, &text[1..]),
        _ => (false, text),
    };
    let magnitude = go_parse_uint(digits, base)?;
    if negative {
        match magnitude.cmp(&(1u64 << 63)) {
            std::cmp::Ordering::Greater => None,
            std::cmp::Ordering::Equal => Some(i64::MIN),
            std::cmp::Ordering::Less => Some(-(magnitude as i64)),
        }
    } else {
        i64::try_from(magnitude).ok()
    }
}

/// go-yaml's `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`.
fn is_yaml_float(text: &str) -> bool {
    let bytes = text.as_bytes();
    let mut i = usize::from(matches!(bytes.first(), Some(b'+' | b'-')));
    let digits = |i: &mut usize| {
        let start = *i;
        while *i < bytes.len() && bytes[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - start
    };
    if bytes.get(i) == Some(&b'.') {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    } else {
        if digits(&mut i) == 0 {
            return false;
        }
        if bytes.get(i) == Some(&b'.') {
            i += 1;
            digits(&mut i);
        }
    }
    if matches!(bytes.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(bytes.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == bytes.len()
}

/// Go's `strconv.ParseFloat` on a scalar starting with `.` (`.5`, `.5e3`, `.5_0`): underscores
/// only between digits, and overflow is an error.
fn parse_dot_float(text: &str) -> Option<f64> {
    let bytes = text.as_bytes();
    for (i, b) in bytes.iter().enumerate() {
        if *b == b'_' {
            let before = i > 0 && bytes[i - 1].is_ascii_digit();
            let after = bytes.get(i + 1).is_some_and(u8::is_ascii_digit);
            if !(before && after) {
                return None;
            }
        }
    }
    let plain = text.replace('_', "");
    if !is_yaml_float(&plain) {
        return None;
    }
    plain.parse::<f64>().ok().filter(|f| f.is_finite())
}

/// go-yaml's timestamp formats (`2006-1-2T15:4:5.999999999Z07:00`, the same with `t`,
/// `2006-1-2 15:4:5.999999999`, `2006-1-2`) as Go's `time.Parse` reads them, printed the way
/// compose prints a `time.Time` (RFC 3339 with nanoseconds).
fn parse_timestamp(text: &str) -> Option<String> {
    let b = text.as_bytes();
    if b.len() < 5 || !b[..4].iter().all(u8::is_ascii_digit) || b[4] != b'-' {
        return None;
    }
    let mut cursor = Cursor { bytes: b, at: 5 };
    let year: u32 = text[..4].parse().ok()?;
    let month = cursor.number()?;
    cursor.expect(b'-')?;
    let day = cursor.number()?;
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    let (mut hour, mut minute, mut second, mut nanos, mut offset) = (0, 0, 0, 0, 0i64);
    match cursor.peek() {
        None => {}
        Some(separator @ (b'T' | b't' | b' ')) => {
            cursor.at += 1;
            hour = cursor.number()?;
            cursor.expect(b':')?;
            minute = cursor.number()?;
            cursor.expect(b':')?;
            second = cursor.number()?;
            if hour >= 24 || minute >= 60 || second >= 60 {
                return None;
            }
            nanos = cursor.fraction();
            if separator != b' ' {
                offset = cursor.zone()?;
            }
            if cursor.peek().is_some() {
                return None;
            }
        }
        Some(_) => return None,
    }
    let mut out = format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}");
    if nanos > 0 {
        let digits = format!("{nanos:09}");
        out.push('.');
        out.push_str(digits.trim_end_matches('0'));
    }
    if offset == 0 {
        out.push('Z');
    } else {
        let sign = if offset < 0 { '-' } else { '+' };
        let minutes = offset.abs() / 60;
        out.push_str(&format!("{sign}{:02}:{:02}", minutes / 60, minutes % 60));
    }
    Some(out)
}

struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn expect(&mut self, byte: u8) -> Option<()> {
        (self.peek() == Some(byte)).then(|| self.at += 1)
    }

    /// One or two digits, as Go's `getnum(value, false)`.
    fn number(&mut self) -> Option<u32> {
        let first = self.peek().filter(u8::is_ascii_digit)?;
        self.at += 1;
        let mut n = u32::from(first - b'0');
        if let Some(second) = self.peek().filter(u8::is_ascii_digit) {
            self.at += 1;
            n = n * 10 + u32::from(second - b'0');
        }
        Some(n)
    }

    /// Optional `.123` or `,123`: any number of digits, the first nine counted.
    fn fraction(&mut self) -> u32 {
        let has_digit = self.bytes.get(self.at + 1).is_some_and(u8::is_ascii_digit);
        if !matches!(self.peek(), Some(b'.' | b',')) || !has_digit {
            return 0;
        }
        self.at += 1;
        let mut nanos = 0u32;
        let mut count = 0;
        while let Some(digit) = self.peek().filter(u8::is_ascii_digit) {
            if count < 9 {
                nanos = nanos * 10 + u32::from(digit - b'0');
                count += 1;
            }
            self.at += 1;
        }
        nanos * 10u32.pow(9 - count)
    }

    /// `Z` or `±hh:mm`, in seconds east of UTC.
    fn zone(&mut self) -> Option<i64> {
        if self.peek() == Some(b'Z') {
            self.at += 1;
            return Some(0);
        }
        let rest = self.bytes.get(self.at..self.at + 6)?;
        let two = |pair: &[u8]| -> Option<i64> {
            pair.iter()
                .all(u8::is_ascii_digit)
                .then(|| i64::from(pair[0] - b'0') * 10 + i64::from(pair[1] - b'0'))
        };
        if rest[3] != b':' {
            return None;
        }
        let (hours, minutes) = (two(&rest[1..3])?, two(&rest[4..6])?);
        if hours > 24 || minutes > 60 {
            return None;
        }
        let seconds = (hours * 60 + minutes) * 60;
        let offset = match rest[0] {
            b'+' => seconds,
            b'-' => -seconds,
            _ => return None,
        };
        self.at += 6;
        Some(offset)
    }
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        _ => 31,
    }
}

/// Standard base64 with padding, line breaks ignored (Go's `base64.StdEncoding`).
fn decode_base64(text: &str) -> Option<Vec<u8>> {
    let symbols: Vec<u8> = text
        .bytes()
        .filter(|b| !matches!(b, b'\n' | b'\r'))
        .collect();
    if symbols.len() % 4 != 0 {
        return None;
    }
    let mut out = Vec::with_capacity(symbols.len() / 4 * 3);
    for (index, chunk) in symbols.chunks(4).enumerate() {
        let last = index + 1 == symbols.len() / 4;
        let padding = chunk.iter().rev().take_while(|b| **b == b'=').count();
        if padding > 2 || (padding > 0 && !last) {
            return None;
        }
        let mut n = 0u32;
        for &symbol in &chunk[..4 - padding] {
            let value = match symbol {
                b'A'..=b'Z' => symbol - b'A',
                b'a'..=b'z' => symbol - b'a' + 26,
                b'0'..=b'9' => symbol - b'0' + 52,
                b'+' => 62,
                b'/' => 63,
                _ => return None,
            };
            n = n << 6 | u32::from(value);
        }
        n <<= 6 * padding as u32;
        let bytes = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        out.extend_from_slice(&bytes[..3 - padding]);
    }
    Some(out)
}

/// Length of a quoted scalar from its opening quote through its closing one.
fn quoted_len(rest: &str, quote: u8) -> usize {
    let bytes = rest.as_bytes();
    if bytes.first() != Some(&quote) {
        return 0;
    }
    let mut i = 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if quote == b'"' => i += 2,
            b if b == quote => {
                if quote == b'\'' && bytes.get(i + 1) == Some(&b'\'') {
                    i += 2;
                } else {
                    return i + 1;
                }
            }
            _ => i += 1,
        }
    }
    rest.len()
}

/// Source length covering `value`'s non-blank characters in order, allowing only whitespace
/// (folding, indentation) in between.
fn visible_len(rest: &str, value: &str) -> Option<usize> {
    let mut source = rest.char_indices();
    let mut end = 0;
    for wanted in value
        .chars()
        .filter(|c| !matches!(c, ' ' | '\t' | '\n' | '\r'))
    {
        loop {
            let (at, found) = source.next()?;
            if found == wanted {
                end = at + found.len_utf8();
                break;
            }
            if !matches!(found, ' ' | '\t' | '\n' | '\r') {
                return None;
            }
        }
    }
    Some(end)
}

/// Turns yaml-rust2 markers into byte offsets. Its `Marker::index` counts characters, and bytes
/// inside block scalars, so it cannot be trusted; line and column (characters, 0-based) can.
struct Lines<'a> {
    text: &'a str,
    starts: Vec<usize>,
    ascii: bool,
    /// The last (line, column, byte offset) found: markers arrive in order, so resuming from it
    /// keeps long non-ASCII lines linear.
    memo: std::cell::Cell<(usize, usize, usize)>,
}

impl<'a> Lines<'a> {
    fn new(text: &'a str) -> Lines<'a> {
        let bytes = text.as_bytes();
        let mut starts = vec![0];
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'\n' => starts.push(i + 1),
                // yaml-rust2 counts a lone CR as a line break, and CR LF as one.
                b'\r' if bytes.get(i + 1) != Some(&b'\n') => starts.push(i + 1),
                _ => {}
            }
            i += 1;
        }
        Lines {
            text,
            starts,
            ascii: text.is_ascii(),
            memo: std::cell::Cell::new((usize::MAX, 0, 0)),
        }
    }

    /// 1-based line and column of a byte offset.
    fn position(&self, offset: usize) -> (u32, u32) {
        let index = self.starts.partition_point(|start| *start <= offset) - 1;
        let col = self.text[self.starts[index]..offset].chars().count();
        (index as u32 + 1, col as u32 + 1)
    }

    /// (byte offset, 1-based line, 1-based column) of a marker, clamped into the text.
    fn locate(&self, line: usize, col: usize) -> (usize, u32, u32) {
        let index = line.saturating_sub(1);
        let Some(&start) = self.starts.get(index) else {
            let last = self.starts.len() - 1;
            let start = self.starts[last];
            let col = self.text[start..].chars().count();
            return (self.text.len(), self.starts.len() as u32, col as u32 + 1);
        };
        let end = self
            .starts
            .get(index + 1)
            .copied()
            .unwrap_or(self.text.len());
        // A marker can sit past the end of its line's content (yaml-rust2 sometimes reports
        // one there); keep it on that line.
        let end = start + self.text[start..end].trim_end_matches(['\n', '\r']).len();
        let (offset, col) = if self.ascii {
            let col = col.min(end - start);
            (start + col, col)
        } else {
            let (memo_line, memo_col, memo_offset) = self.memo.get();
            let (mut at_col, mut at) = if memo_line == index && memo_col <= col {
                (memo_col, memo_offset)
            } else {
                (0, start)
            };
            let mut chars = self.text[at..end].chars();
            while at_col < col {
                match chars.next() {
                    Some(c) => {
                        at += c.len_utf8();
                        at_col += 1;
                    }
                    None => break,
                }
            }
            self.memo.set((index, at_col, at));
            (at, at_col)
        };
        (offset, index as u32 + 1, col as u32 + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(text: &str) -> Node {
        let mut docs = parse(text, 0).unwrap_or_else(|e| panic!("{text:?}: {e:#?}"));
        assert_eq!(docs.len(), 1, "{text:?}");
        docs.remove(0)
    }

    fn value(text: &str) -> Value {
        // Under an extension, where compose accepts any value (timestamps included).
        doc(&format!("x-k: {text}\n"))
            .get("x-k")
            .unwrap()
            .value
            .clone()
    }

    fn parse_errors(text: &str) -> Vec<Diagnostic> {
        match parse(text, 0) {
            Ok(docs) => panic!("{text:?} parsed: {docs:#?}"),
            Err(errors) => errors,
        }
    }

    fn s(text: &str) -> Value {
        Value::Str(text.to_string())
    }

    #[test]
    fn empty_files_have_no_documents() {
        // docker compose: "empty compose file" for all of these; the pipeline says it.
        assert_eq!(parse("", 0).unwrap(), vec![]);
        assert_eq!(parse("# just a comment\n\n", 0).unwrap(), vec![]);
        let docs = parse("---\n", 0).unwrap();
        assert_eq!(docs.len(), 1);
        assert!(docs[0].is_null());
    }

    #[test]
    fn booleans_and_nulls_as_go_yaml_v3() {
        for text in ["true", "True", "TRUE"] {
            assert_eq!(value(text), Value::Bool(true), "{text}");
        }
        for text in ["false", "False", "FALSE"] {
            assert_eq!(value(text), Value::Bool(false), "{text}");
        }
        for text in ["yes", "no", "on", "off", "y", "n", "Y", "tRue", "nULL"] {
            assert_eq!(value(text), s(text), "{text}");
        }
        for text in ["~", "null", "Null", "NULL", ""] {
            assert_eq!(value(text), Value::Null, "{text:?}");
        }
    }

    #[test]
    fn integers_as_go_yaml_v3() {
        let cases: &[(&str, i64)] = &[
            ("12", 12),
            ("+12", 12),
            ("-12", -12),
            ("0777", 511),
            ("0o17", 15),
            ("0O17", 15),
            ("0x1F", 31),
            ("0X1F", 31),
            ("0b101", 5),
            ("1_000", 1000),
            ("1__0", 10),
            ("0x_1F", 31),
            ("00", 0),
            ("-0", 0),
            ("+0x1F", 31),
            ("-0x1F", -31),
            ("0b+101", 5),
            ("0o-7", -7),
            ("-0o17", -15),
            ("9223372036854775807", i64::MAX),
            ("-9223372036854775808", i64::MIN),
            ("-0x8000000000000000", i64::MIN),
        ];
        for (text, expected) in cases {
            assert_eq!(value(text), Value::Int(*expected), "{text}");
        }
    }

    #[test]
    fn floats_as_go_yaml_v3() {
        let cases: &[(&str, f64)] = &[
            ("1.5", 1.5),
            ("1e3", 1000.0),
            ("+1e3", 1000.0),
            (".5", 0.5),
            ("5.", 5.0),
            ("-.5", -0.5),
            ("1_0.5", 10.5),
            (".5_0", 0.5),
            ("08", 8.0),
            ("09.5", 9.5),
            ("0_8", 8.0),
            ("1e-400", 0.0),
            // Beyond i64 but within u64: go-yaml's uint64, our nearest float.
            ("9223372036854775808", 9223372036854775808.0),
            ("0xFFFFFFFFFFFFFFFF", 18446744073709551615.0),
            ("18446744073709551616", 18446744073709551616.0),
            ("-9223372036854775809", -9223372036854775809.0),
        ];
        for (text, expected) in cases {
            assert_eq!(value(text), Value::Float(*expected), "{text}");
        }
        assert_eq!(value(".inf"), Value::Float(f64::INFINITY));
        assert_eq!(value("+.Inf"), Value::Float(f64::INFINITY));
        assert_eq!(value("-.INF"), Value::Float(f64::NEG_INFINITY));
        assert!(matches!(value(".NaN"), Value::Float(f) if f.is_nan()));
        for text in [
            "1e400", "0x", "0o", "0b", "0b2", "_1", "._5", ".5_", "0x1p3", "1:2",
        ] {
            assert_eq!(value(text), s(text), "{text}");
        }
    }

    #[test]
    fn timestamps_become_the_string_compose_prints() {
        let cases = [
            ("2001-12-14", "2001-12-14T00:00:00Z"),
            (
                "2001-12-14t21:59:43.10-05:00",
                "2001-12-14T21:59:43.1-05:00",
            ),
            ("2001-12-14 21:59:43.10", "2001-12-14T21:59:43.1Z"),
            ("2001-1-2T3:4:5Z", "2001-01-02T03:04:05Z"),
            (
                "2001-12-14T21:59:43.1234567891Z",
                "2001-12-14T21:59:43.123456789Z",
            ),
            ("2001-2-3T4:5:6+00:00", "2001-02-03T04:05:06Z"),
            ("2001-2-3T4:5:6-00:30", "2001-02-03T04:05:06-00:30"),
            ("2001-12-14T1:2:3+01:60", "2001-12-14T01:02:03+02:00"),
            ("2001-12-14T1:2:3,5Z", "2001-12-14T01:02:03.5Z"),
            ("2000-02-29", "2000-02-29T00:00:00Z"),
        ];
        for (text, expected) in cases {
            assert_eq!(value(text), s(expected), "{text}");
        }
        for text in [
            "2001-12-14T21:59:43",
            "2001-02-29",
            "2001-13-14",
            "2001-12-14T24:00:00Z",
            "2001-12-14T1:2:60Z",
            "2001-12-14 1:2:3Z",
        ] {
            assert_eq!(value(text), s(text), "{text}");
        }
        assert_eq!(value("\"2001-12-14\""), s("2001-12-14"));
    }

    #[test]
    fn quoted_and_block_scalars_are_strings() {
        assert_eq!(value("\"true\""), s("true"));
        assert_eq!(value("'12'"), s("12"));
        assert_eq!(value("''"), s(""));
        assert_eq!(doc("k: |\n  12\n").get("k").unwrap().value, s("12\n"));
        assert_eq!(doc("k: >-\n  a\n  b\n").get("k").unwrap().value, s("a b"));
        assert_eq!(value("\"\\x41\\u00e9\""), s("Aé"));
    }

    #[test]
    fn standard_tags_are_honoured() {
        assert_eq!(value("!!str 12"), s("12"));
        assert_eq!(value("!!str ~"), s("~"));
        assert_eq!(value("!!str"), s(""));
        assert_eq!(value("!!int \"12\""), Value::Int(12));
        assert_eq!(value("!!int 0777"), Value::Int(511));
        assert_eq!(value("!!bool \"true\""), Value::Bool(true));
        assert_eq!(value("!!float 1"), Value::Float(1.0));
        assert_eq!(value("!!float \"1_000\""), Value::Float(1000.0));
        assert_eq!(value("!!null \"\""), Value::Null);
        assert_eq!(value("!!null"), Value::Null);
        assert_eq!(value("!!binary aGVsbG8="), s("hello"));
        assert_eq!(value("!!timestamp 2001-12-14"), s("2001-12-14T00:00:00Z"));
        assert_eq!(value("!<tag:yaml.org,2002:int> \"12\""), Value::Int(12));
        assert_eq!(value("! 12"), Value::Int(12));
        assert_eq!(value("! \"12\""), s("12"));
        // Tags on collections are ignored, as go-yaml does; `!!map` on a scalar is a string.
        assert_eq!(value("!!map 1"), s("1"));
        assert!(matches!(value("!!seq {a: 1}"), Value::Map(_)));
        assert!(matches!(value("!!str [1]"), Value::Seq(_)));
        assert_eq!(value("!!foo 12"), s("12"));
    }

    #[test]
    fn standard_tags_that_do_not_fit_are_errors() {
        for (text, message) in [
            ("!!int abc", "cannot decode `abc` as `!!int`"),
            ("!!bool yes", "cannot decode `yes` as `!!bool`"),
            ("!!null 12", "cannot decode `12` as `!!null`"),
            ("!!int 1.5", "cannot decode `1.5` as `!!int`"),
            ("!!int", "cannot decode `` as `!!int`"),
            ("!!float 9223372036854775808", "as `!!float`"),
            ("!!timestamp 12", "as `!!timestamp`"),
            ("!!binary \"@@\"", "not valid base64"),
        ] {
            let errors = parse_errors(&format!("k: {text}\n"));
            assert!(errors[0].message.contains(message), "{text}: {errors:#?}");
            assert_eq!(errors[0].span.unwrap().line, 1);
        }
    }

    #[test]
    fn local_tags_are_kept_and_make_scalars_strings() {
        // docker compose: `!override 12` → "12", `!foo ~` → "~".
        let node = doc("a: !override 12\nb: !reset\nc: !reset [1]\nd: !foo ~\ne: !!int 1\n");
        let a = node.get("a").unwrap();
        assert_eq!(
            (a.value.clone(), a.tag.as_deref()),
            (s("12"), Some("override"))
        );
        let b = node.get("b").unwrap();
        assert_eq!((b.value.clone(), b.tag.as_deref()), (s(""), Some("reset")));
        let c = node.get("c").unwrap();
        assert_eq!(c.tag.as_deref(), Some("reset"));
        assert_eq!(c.as_seq().unwrap()[0].value, Value::Int(1));
        assert_eq!(node.get("d").unwrap().value, s("~"));
        assert_eq!(node.get("e").unwrap().tag, None);
    }

    #[test]
    fn keys_must_be_strings() {
        let node = doc("\"1\": a\n!!str 2: b\n'': c\n<<x: d\n");
        let keys: Vec<_> = node.as_map().unwrap().keys().cloned().collect();
        assert_eq!(keys, ["1", "2", "", "<<x"]);
        // docker compose: "non-string key in x-v: 1", for every place in the file.
        for (text, message) in [
            ("1: a\n", "mapping key `1` is an integer, not a string"),
            ("true: a\n", "mapping key `true` is a boolean, not a string"),
            ("1.5: a\n", "mapping key `1.5` is a number, not a string"),
            ("~: a\n", "mapping key is null"),
            ("? \n: a\n", "mapping key is null"),
            ("[a]: b\n", "a sequence cannot be a mapping key"),
            ("{a: 1}: b\n", "a mapping cannot be a mapping key"),
            ("? - a\n: b\n", "a sequence cannot be a mapping key"),
        ] {
            let errors = parse_errors(text);
            assert_eq!(errors.len(), 1, "{text}: {errors:#?}");
            assert_eq!(errors[0].message, message, "{text}");
            assert!(errors[0].span.is_some());
        }
        let errors = parse_errors("services:\n  web:\n    labels:\n      1: a\n");
        assert_eq!(
            errors[0].path.as_ref().unwrap().to_string(),
            "services.web.labels"
        );
        let span = errors[0].span.unwrap();
        assert_eq!((span.line, span.col, span.len), (4, 7, 1));
        assert!(errors[0].help.as_deref().unwrap().contains("\"1\""));
    }

    #[test]
    fn duplicate_keys_name_both_lines() {
        let errors = parse_errors("services:\n  web:\n    image: a\n    image: b\n");
        assert_eq!(errors.len(), 1);
        let error = &errors[0];
        assert_eq!(
            error.message,
            "mapping key `image` already defined at line 3"
        );
        assert_eq!(error.path.as_ref().unwrap().to_string(), "services.web");
        assert_eq!(error.span.unwrap().line, 4);
        assert_eq!(error.related[0].0.line, 3);
        assert_eq!(error.related[0].1, "first defined here");
        // Quoting does not make a different key (go-yaml compares the text).
        assert_eq!(errors_of("a: 1\n\"a\": 2\n"), 1);
        // Two `<<` keys are duplicates too, as in go-yaml.
        assert_eq!(errors_of("x: &x {a: 1}\ny:\n  <<: *x\n  <<: *x\n"), 1);
        // Every duplicate is reported, not only the first.
        assert_eq!(errors_of("a: 1\na: 2\nb: 1\nb: 2\n"), 2);
    }

    fn errors_of(text: &str) -> usize {
        parse(text, 0).err().map_or(0, |errors| errors.len())
    }

    #[test]
    fn anchors_and_aliases_copy_values() {
        let node = doc("a: &x {p: 1}\nb: *x\nc: &s hello\nd: [*s, *x]\n");
        assert_eq!(
            node.get("b").unwrap().get("p").unwrap().value,
            Value::Int(1)
        );
        assert_eq!(
            node.get("d").unwrap().as_seq().unwrap()[0].value,
            s("hello")
        );
        // The alias copy keeps the span where the value was written, under its new key.
        let b = node.get("b").unwrap();
        assert_eq!(b.span.line, 1);
        assert_eq!(b.key_span.unwrap().line, 2);
        let item = &node.get("d").unwrap().as_seq().unwrap()[1];
        assert_eq!(item.key_span, None);
    }

    #[test]
    fn a_redefined_anchor_is_the_latest() {
        let node = doc("a: &x 1\nb: &x 2\nc: *x\n");
        assert_eq!(node.get("c").unwrap().value, Value::Int(2));
    }

    #[test]
    fn anchors_reach_later_documents() {
        // go-yaml v3 keeps anchors across documents, and compose resolves such aliases.
        let docs = parse("x: &a {b: 1}\n---\ny: *a\n", 0).unwrap();
        assert_eq!(docs.len(), 2);
        assert_eq!(
            docs[1].get("y").unwrap().get("b").unwrap().value,
            Value::Int(1)
        );
    }

    #[test]
    fn merge_keys_follow_go_yaml() {
        let base = "a: &a {p: a1, q: a2, r: a3}\nb: &b {p: b1, q: b2, s: b4}\n";
        let node = doc(&format!("{base}v:\n  q: own\n  <<: [*a, *b]\n"));
        let v = node.get("v").unwrap().as_map().unwrap();
        let pairs: Vec<_> = v
            .iter()
            .map(|(k, n)| (k.as_str(), n.scalar_text().unwrap()))
            .collect();
        assert_eq!(
            pairs,
            [
                ("q", "own".into()),
                ("p", "a1".into()),
                ("r", "a3".into()),
                ("s", "b4".into())
            ]
        );
        // Merged entries keep where they were written.
        assert_eq!(v["p"].key_span.unwrap().line, 1);
        assert_eq!(v["s"].span.line, 2);

        let node = doc("v:\n  <<: {p: inline, z: 1}\n  z: 2\n");
        let v = node.get("v").unwrap();
        assert_eq!(v.get("p").unwrap().value, s("inline"));
        assert_eq!(v.get("z").unwrap().value, Value::Int(2));

        let node = doc("v:\n  <<: [{p: 1}, {p: 2}]\n");
        assert_eq!(
            node.get("v").unwrap().get("p").unwrap().value,
            Value::Int(1)
        );
        let node = doc("s: &s [{a: 1}]\nv:\n  <<: *s\n");
        assert_eq!(
            node.get("v").unwrap().get("a").unwrap().value,
            Value::Int(1)
        );
        let node = doc("v: {\"<<\": {a: 1}}\nw: {!!merge <<: {a: 1}}\nx: [<<]\n");
        assert!(node.get("v").unwrap().get("<<").is_some());
        assert!(node.get("w").unwrap().get("a").is_some());
        assert_eq!(node.get("x").unwrap().as_seq().unwrap()[0].value, s("<<"));
        // Merged keys are not duplicates, of each other or of explicit keys.
        assert!(parse(&format!("{base}v:\n  <<: [*a, *b]\n  p: x\n"), 0).is_ok());
    }

    #[test]
    fn merge_keys_need_mappings() {
        for text in [
            "v:\n  <<: 1\n",
            "v:\n  <<: ~\n",
            "a: &a {x: 1}\nv:\n  <<: [*a, 1]\n",
        ] {
            let errors = parse_errors(text);
            assert_eq!(errors.len(), 1, "{text}");
            assert!(
                errors[0]
                    .message
                    .starts_with("`<<` (merge key) needs a mapping"),
                "{text}"
            );
        }
    }

    #[test]
    fn aliases_to_unknown_or_open_anchors_are_located_errors() {
        let errors = parse_errors("services:\n  web:\n    image: *nope\n");
        assert_eq!(
            errors[0].message,
            "alias `*nope` refers to an undefined anchor"
        );
        let span = errors[0].span.unwrap();
        assert_eq!((span.line, span.col, span.len), (3, 12, 5));
        let path = errors[0].path.as_ref().unwrap().to_string();
        assert_eq!(path, "services.web.image");
        for text in ["a: &r {b: *r}\n", "a: &r [1, *r]\n", "a: &r [[[*r]]]\n"] {
            let errors = parse_errors(text);
            assert_eq!(
                errors[0].message,
                "alias `*r` refers to the value that contains it"
            );
        }
    }

    #[test]
    fn spans_point_at_the_source_text() {
        let text = "services:\n  wéb:\n    image: \"ngïnx:1\"  # c\n    command: [a, 'b''c']\n    x: plain words here\n    y:\n    z: >\n      folded\n      text\n";
        let node = doc(text);
        let web = node.get("services").unwrap().get("wéb").unwrap();
        let at = |span: Span| &text[span.offset..span.offset + span.len];
        let image = web.get("image").unwrap();
        assert_eq!(at(image.span), "\"ngïnx:1\"");
        assert_eq!((image.span.line, image.span.col), (3, 12));
        assert_eq!(at(image.key_span.unwrap()), "image");
        let command = web.get("command").unwrap();
        assert_eq!(at(command.span), "[a, 'b''c']");
        assert_eq!(at(command.as_seq().unwrap()[1].span), "'b''c'");
        assert_eq!(at(web.get("x").unwrap().span), "plain words here");
        let y = web.get("y").unwrap();
        assert!(y.is_null());
        assert_eq!((at(y.span), y.span.line), (":", 6));
        assert_eq!(at(web.get("z").unwrap().span), "folded\n      text");
        assert_eq!(at(web.span), "image");
        assert_eq!(at(web.key_span.unwrap()), "wéb");
        assert_eq!(
            (web.key_span.unwrap().line, web.key_span.unwrap().col),
            (2, 3)
        );
    }

    #[test]
    fn spans_of_sequences_start_at_the_dash() {
        let text = "a:\n- x\n- y\nb:\n  - z\n";
        let node = doc(text);
        for (key, line, col) in [("a", 2, 1), ("b", 5, 3)] {
            let span = node.get(key).unwrap().span;
            assert_eq!(
                (span.line, span.col, &text[span.offset..span.offset + 1]),
                (line, col, "-")
            );
        }
    }

    #[test]
    fn non_ascii_offsets_are_bytes() {
        let text = "é: ü\nx: |\n  ééé\n  ä\ny: [ö, \"ß\"]\n";
        let node = doc(text);
        let y = node.get("y").unwrap();
        assert_eq!(
            &text[y.span.offset..y.span.offset + y.span.len],
            "[ö, \"ß\"]"
        );
        let items = y.as_seq().unwrap();
        assert_eq!(&text[items[1].span.offset..][..items[1].span.len], "\"ß\"");
        assert_eq!((items[1].span.line, items[1].span.col), (5, 8));
        assert_eq!(&text[node.get("é").unwrap().span.offset..][..2], "ü");
    }

    #[test]
    fn a_byte_order_mark_is_skipped() {
        let text = "\u{feff}a: 1\n";
        let node = doc(text);
        let a = node.get("a").unwrap();
        assert_eq!(&text[a.span.offset..a.span.offset + a.span.len], "1");
    }

    #[test]
    fn syntax_errors_are_located() {
        let errors = parse_errors("services:\n  a: {image: x}\n  b: c: d\n");
        assert_eq!(
            errors[0].message,
            "invalid YAML: mapping values are not allowed in this context"
        );
        let span = errors[0].span.unwrap();
        assert_eq!((span.line, span.col), (3, 7));
        let errors = parse_errors("services:\n  a:\n\timage: x\n");
        assert!(errors[0].message.contains("tab"), "{errors:#?}");
        assert!(errors[0].help.as_deref().unwrap().contains("spaces"));
        assert_eq!(errors[0].span.unwrap().line, 3);
        let errors = parse_errors("a: \"x\n");
        assert!(
            errors[0].message.starts_with("invalid YAML:"),
            "{errors:#?}"
        );
        // At end of input the span stays inside the text.
        let errors = parse_errors("a: [x");
        let span = errors[0].span.unwrap();
        assert!(span.offset + span.len <= 5, "{span:?}");
    }

    #[test]
    fn quoted_strings_continued_at_the_key_column_are_read_as_compose_does() {
        // yaml-rust2 refuses these ("invalid indentation in quoted scalar"); docker compose
        // reads them: `OPTS` is "-Xmx1g -Dfoo=bar".
        let text = "services:\n  a:\n    environment:\n      OPTS: \"-Xmx1g\n      -Dfoo=bar\"\n    command: 'a\n  b'\n    x:\n      - [\"p\n      q\", r]\n";
        let node = doc(text);
        let a = node.pointer("/services/a").unwrap();
        let opts = a.pointer("/environment/OPTS").unwrap();
        assert_eq!(opts.value, s("-Xmx1g -Dfoo=bar"));
        let at = |span: Span| &text[span.offset..span.offset + span.len];
        assert_eq!(at(opts.span), "\"-Xmx1g\n      -Dfoo=bar\"");
        assert_eq!(a.get("command").unwrap().value, s("a b"));
        let items = a.pointer("/x/0").unwrap().as_seq().unwrap();
        assert_eq!(items[0].value, s("p q"));
        // A value after the mended string keeps its real column.
        assert_eq!(
            (at(items[1].span), items[1].span.line, items[1].span.col),
            ("r", 10, 11)
        );
        // Indentation that mending cannot fix is still an error.
        let errors = parse_errors("a:\n  b: \"x\n---\n  y\"\n");
        assert!(errors[0].message.starts_with("invalid YAML"), "{errors:#?}");
    }

    #[test]
    fn deep_nesting_is_refused() {
        let flow = "[".repeat(100_000);
        assert!(parse_errors(&flow)[0].message.contains("levels deep"));
        let block = format!("{}x\n", "- ".repeat(100_000));
        assert!(parse_errors(&block)[0].message.contains("levels deep"));
        let ok = format!("{}x\n", "- ".repeat(MAX_DEPTH - 1));
        assert!(parse(&ok, 0).is_ok());
        // Aliases cannot stack nesting past the limit either.
        let deep = format!("a: &a {}1{}\n", "[".repeat(200), "]".repeat(200));
        let stacked = format!("{deep}b: &b {}*a{}\n", "[".repeat(60), "]".repeat(60));
        assert!(parse_errors(&stacked)[0].message.contains("levels deep"));
    }

    #[test]
    fn alias_bombs_are_refused_before_expanding() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..10 {
            let prev = format!("*a{}", i - 1);
            let items = [prev.as_str(); 10].join(", ");
            text.push_str(&format!("a{i}: &a{i} [{items}]\n"));
        }
        let started = std::time::Instant::now();
        let errors = parse_errors(&text);
        assert!(started.elapsed().as_secs_f64() < 1.0);
        assert_eq!(
            errors[0].message,
            format!(
                "document expands to more than {ALIAS_COPY_BUDGET} nodes through anchors and aliases"
            )
        );
        assert!(errors[0].span.is_some());
    }
}
