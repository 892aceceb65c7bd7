//! JSON-schema validation of one compose file against the schema of its version.
//!
//! The schemas are written for this project in one outline (`schemas/compose.outline`) from which
//! the build script derives the JSON schema of each target — compose file format 3.0 to 3.9 and
//! the Compose Specification — into the binary; each is compiled the first time a file needs it.
//!
//! docker compose v2 validates every file against the Compose Specification whatever its
//! `version`, so that is what decides errors here too. A `version: "3.x"` file is also checked
//! against its own format; what only that check rejects is a warning (an error when `strict`):
//! docker compose v2 runs such a file, docker stack deploy and older tools may not.

mod formats;
mod instance;
#[cfg(test)]
mod outline;
mod prune_seed;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, OnceLock};

use jsonschema::error::{TypeKind, ValidationErrorKind};
use jsonschema::ValidationError;
use serde_json::Value as Json;

use super::node::{KeyPath, Node, Value};
use crate::diag::{self, Diagnostic, Severity};

pub use formats::{
    check_port_spec, container_name_matches, parse_duration, pull_policy_matches, DurationUnits,
};

/// Which schema a file is checked against.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SchemaKind {
    /// `version: "3.x"`, x in 0..=9.
    V3(u8),
    /// No `version` (or one docker compose v2 ignores): the Compose Specification.
    Spec,
}

impl std::fmt::Display for SchemaKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SchemaKind::V3(minor) => write!(f, "compose file format 3.{minor}"),
            SchemaKind::Spec => f.write_str("the Compose Specification"),
        }
    }
}

/// Picks the schema from the document's `version` key: `"3"` and `"3.0"`–`"3.9"` select their 3.x
/// format; anything else (no version, `"2.4"`, `"3.10"`, `"1"`, a number) the Compose
/// Specification, as docker compose v2 ignores `version` altogether.
/// Prepares, on a second thread, what the first validation needs whatever the file holds: the
/// Compose Specification's target (every file is checked against it) and jsonschema's draft-7
/// meta-schema validator (compiling a schema checks it against the meta-schema). Together they are
/// a third of what `config -q` on a small file costs; meanwhile the command line is parsed and the
/// files read, parsed and interpolated. Best effort: without the thread, the first use builds them.
pub fn prepare_in_background() {
    let _ = std::thread::Builder::new()
        .name("schema-prepare".into())
        .spawn(|| {
            let _ = target(SchemaKind::Spec);
            jsonschema::draft7::meta::is_valid(&serde_json::Value::Bool(true))
        });
}

pub fn select(doc: &Node) -> SchemaKind {
    match doc.get("version").and_then(Node::as_str) {
        Some("3") => SchemaKind::V3(0),
        Some(version) => match version.as_bytes() {
            [b'3', b'.', minor @ b'0'..=b'9'] => SchemaKind::V3(minor - b'0'),
            _ => SchemaKind::Spec,
        },
        None => SchemaKind::Spec,
    }
}

/// The warning for a `version` that rcompose does not use. docker compose v2 warns about every
/// `version` ("the attribute `version` is obsolete, it will be ignored, ..."). rcompose uses
/// `"3"` and `"3.0"`–`"3.9"` to choose that format's schema, so for those the warning would be
/// false and none is given; any other string (`"2.4"`, `"3.10"`, `"1"`, ...) is ignored by
/// rcompose as by docker compose, which says so in docker compose's words. A `version` that is
/// not a string is a schema error instead.
pub fn ignored_version(doc: &Node, kind: SchemaKind) -> Option<Diagnostic> {
    let version = doc.get("version")?;
    if kind != SchemaKind::Spec || version.as_str().is_none() {
        return None;
    }
    Some(
        Diagnostic::warning(
            "the attribute `version` is obsolete, it will be ignored, please remove it to avoid \
             potential confusion",
        )
        .at(version.span)
        .path(KeyPath::root().key("version")),
    )
}

/// Validates `doc`; every violation becomes a located diagnostic. For 3.x files, keys that only
/// the Compose Specification knows are warnings, or errors when `strict`.
pub fn validate(doc: &Node, kind: SchemaKind, strict: bool) -> Vec<Diagnostic> {
    let (spec, version) = match (compiled(SchemaKind::Spec, doc), kind) {
        (Err(e), _) => return vec![internal_error(SchemaKind::Spec, &e)],
        (Ok(spec), SchemaKind::Spec) => (spec, None),
        (Ok(spec), SchemaKind::V3(_)) => match compiled(kind, doc) {
            Ok(version) => (spec, Some(version)),
            Err(e) => return vec![internal_error(kind, &e)],
        },
    };

    let version_issues = version.map(|v| v.issues(doc)).unwrap_or_default();
    // For a misspelt key in a 3.x file, suggest keys of its own format first.
    let version_keys: HashMap<&str, &[String]> = version_issues
        .iter()
        .filter_map(|issue| match &issue.kind {
            IssueKind::UnknownKey { allowed, .. } => Some((issue.pointer.as_str(), &allowed[..])),
            _ => None,
        })
        .collect();

    let spec_issues = spec.issues(doc);
    let mut diagnostics: Vec<Diagnostic> = spec_issues
        .iter()
        .map(|issue| {
            let pointer = issue.pointer.as_str();
            let keys = version_keys.get(pointer).copied();
            let known_to_version = match kind {
                SchemaKind::V3(minor)
                    if keys.is_none()
                        && !version_issues.iter().any(|v| related(&v.pointer, pointer)) =>
                {
                    Some(minor)
                }
                _ => None,
            };
            issue.diagnostic(doc, keys, known_to_version)
        })
        .collect();

    if let SchemaKind::V3(minor) = kind {
        for issue in &version_issues {
            if spec_issues
                .iter()
                .any(|s| related(&s.pointer, &issue.pointer))
            {
                continue;
            }
            diagnostics.push(issue.version_only(doc, minor, strict));
        }
    }
    diag::sort(&mut diagnostics);
    diagnostics
}

/// The JSON schemas the build script derived from `schemas/compose.outline`: 3.0–3.9, then the
/// Compose Specification.
const DOCUMENTS: [&str; 11] = [
    include_str!(concat!(env!("OUT_DIR"), "/compose-3.0.schema.json")),
    include_str!(concat!(env!("OUT_DIR"), "/compose-3.1.schema.json")),
    include_str!(concat!(env!("OUT_DIR"), "/compose-3.2.schema.json")),
    include_str!(concat!(env!("OUT_DIR"), "/compose-3.3.schema.json")),
    include_str!(concat!(env!("OUT_DIR"), "/compose-3.4.schema.json")),
    include_str!(concat!(env!("OUT_DIR"), "/compose-3.5.schema.json")),
    include_str!(concat!(env!("OUT_DIR"), "/compose-3.6.schema.json")),
    include_str!(concat!(env!("OUT_DIR"), "/compose-3.7.schema.json")),
    include_str!(concat!(env!("OUT_DIR"), "/compose-3.8.schema.json")),
    include_str!(concat!(env!("OUT_DIR"), "/compose-3.9.schema.json")),
    include_str!(concat!(env!("OUT_DIR"), "/compose-spec.schema.json")),
];

fn slot(kind: SchemaKind) -> Result<usize, String> {
    match kind {
        SchemaKind::V3(minor) if minor <= 9 => Ok(usize::from(minor)),
        SchemaKind::V3(minor) => Err(format!("there is no compose file format 3.{minor}")),
        SchemaKind::Spec => Ok(10),
    }
}

/// The JSON schema rcompose validates `kind` with.
pub fn schema_document(kind: SchemaKind) -> Result<Json, String> {
    serde_json::from_str(DOCUMENTS[slot(kind)?]).map_err(|e| e.to_string())
}

/// Whether `instance` conforms to the schema of `kind` alone (no Compose Specification pass, no
/// list de-duplication): the plain JSON-schema verdict, for comparisons with other validators.
pub fn conforms(kind: SchemaKind, instance: &Json) -> Result<bool, String> {
    let instance = instance::from_json(instance);
    compiled(kind, &instance).map(|c| c.validator.is_valid(&instance))
}

fn internal_error(kind: SchemaKind, error: &str) -> Diagnostic {
    Diagnostic::error(format!(
        "internal error: the schema of {kind} could not be built: {error}"
    ))
}

/// A validator for the schema of `kind`, pruned to the keys it was compiled for (see
/// [`prune`]). Messages read the full schema.
struct Compiled {
    kind: SchemaKind,
    target: &'static Target,
    validator: jsonschema::Validator<instance::NodeJson>,
    /// The names whose subschemas were kept.
    covers: HashSet<&'static str>,
}

/// The schema of one target: its text, every key its objects use (property names among them),
/// the parsed document once a message needs it, and the validator compiled last, reused while
/// documents use no other property names.
struct Target {
    kind: SchemaKind,
    text: &'static str,
    names: HashSet<&'static str>,
    document: OnceLock<Result<Json, String>>,
    compiled: Mutex<Option<Arc<Compiled>>>,
}

impl Target {
    fn document(&self) -> Option<&Json> {
        self.document
            .get_or_init(|| schema_document(self.kind))
            .as_ref()
            .ok()
    }
}

type Slot = OnceLock<Result<Target, String>>;

/// One slot per target: 3.0–3.9, then the Compose Specification.
fn target(kind: SchemaKind) -> Result<&'static Target, String> {
    static SLOTS: [Slot; 11] = [const { OnceLock::new() }; 11];
    let index = slot(kind)?;
    SLOTS[index]
        .get_or_init(|| {
            let text = DOCUMENTS[index];
            Ok(Target {
                kind,
                text,
                names: object_keys(text),
                document: OnceLock::new(),
                compiled: Mutex::new(None),
            })
        })
        .as_ref()
        .map_err(Clone::clone)
}

/// The validator of `kind` for `instance`. Compiling the whole schema costs more than validating
/// a small file with it, so only the subschemas of the property names `instance` uses are
/// compiled; a later document that uses others gets a validator covering both.
fn compiled(kind: SchemaKind, instance: &Node) -> Result<Arc<Compiled>, String> {
    let target = target(kind)?;
    let mut needed: HashSet<&'static str> = HashSet::new();
    instance_keys(instance, &target.names, &mut needed);
    let mut cache = target
        .compiled
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(compiled) = cache.as_ref() {
        if needed.is_subset(&compiled.covers) {
            return Ok(Arc::clone(compiled));
        }
        needed.extend(compiled.covers.iter().copied());
    }
    let compiled = Arc::new(compile(kind, target, needed)?);
    *cache = Some(Arc::clone(&compiled));
    Ok(compiled)
}

/// Every key of the objects of a JSON text (property names, and keywords and definition names
/// too: a superset is enough to tell which keys of a document the schema may name). A scan of the
/// text, cheaper than parsing it.
fn object_keys(text: &'static str) -> HashSet<&'static str> {
    let bytes = text.as_bytes();
    let mut keys = HashSet::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'"' {
            i += 1;
            continue;
        }
        let start = i + 1;
        let mut end = start;
        while end < bytes.len() && bytes[end] != b'"' {
            end += if bytes[end] == b'\\' { 2 } else { 1 };
        }
        let mut next = end + 1;
        while next < bytes.len() && bytes[next].is_ascii_whitespace() {
            next += 1;
        }
        if bytes.get(next) == Some(&b':') {
            if let Some(key) = text.get(start..end.min(bytes.len())) {
                keys.insert(key);
            }
        }
        i = end + 1;
    }
    keys
}

/// The keys of `node`'s mappings, at any depth, that are property names of the schema.
fn instance_keys(node: &Node, names: &HashSet<&'static str>, out: &mut HashSet<&'static str>) {
    let mut stack = vec![node];
    while let Some(node) = stack.pop() {
        match &node.value {
            Value::Map(map) => {
                for (key, value) in map {
                    if let Some(name) = names.get(key.as_str()) {
                        out.insert(name);
                    }
                    stack.push(value);
                }
            }
            Value::Seq(items) => stack.extend(items),
            _ => {}
        }
    }
}

/// The schema in `text` with the subschema of every property not in `keep` replaced by `true`,
/// and the definitions no longer referenced too. A property's subschema only ever applies to a
/// value under a key of that name, so for a document whose keys are all in `keep` the pruned
/// schema gives the same verdicts and the same errors, at the same schema paths (which the
/// messages resolve in the full schema). Pruned subschemas are skipped while parsing, never
/// built.
fn prune(text: &str, keep: &HashSet<&str>) -> Result<Json, String> {
    use serde::de::DeserializeSeed;
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let mut pruned = prune_seed::Schema { keep }
        .deserialize(&mut deserializer)
        .map_err(|e| e.to_string())?;
    deserializer.end().map_err(|e| e.to_string())?;
    drop_unreached_definitions(&mut pruned);
    Ok(pruned)
}

fn drop_unreached_definitions(pruned: &mut Json) {
    fn refs<'a>(schema: &'a Json, out: &mut Vec<&'a str>) {
        match schema {
            Json::Object(map) => {
                for (keyword, value) in map {
                    match (keyword.as_str(), value) {
                        ("$ref", Json::String(target)) => out.push(target),
                        ("enum" | "const" | "default" | "examples", _) => {}
                        (_, value) => refs(value, out),
                    }
                }
            }
            Json::Array(items) => items.iter().for_each(|item| refs(item, out)),
            _ => {}
        }
    }

    let unreached: Vec<String> = {
        let Some(root) = pruned.as_object() else {
            return;
        };
        let Some(definitions) = root.get("definitions").and_then(Json::as_object) else {
            return;
        };
        let mut pending = Vec::new();
        for (keyword, value) in root {
            match (keyword.as_str(), value) {
                ("definitions", _) => {}
                ("$ref", Json::String(target)) => pending.push(target.as_str()),
                (_, value) => refs(value, &mut pending),
            }
        }
        let mut reached: HashSet<&str> = HashSet::new();
        while let Some(target) = pending.pop() {
            let Some(name) = target.strip_prefix("#/definitions/") else {
                continue;
            };
            if reached.insert(name) {
                if let Some(definition) = definitions.get(name) {
                    refs(definition, &mut pending);
                }
            }
        }
        definitions
            .keys()
            .filter(|name| !reached.contains(name.as_str()))
            .cloned()
            .collect()
    };
    if let Some(Json::Object(definitions)) = pruned.get_mut("definitions") {
        for name in unreached {
            if let Some(definition) = definitions.get_mut(&name) {
                *definition = Json::Bool(true);
            }
        }
    }
}

fn compile(
    kind: SchemaKind,
    target: &'static Target,
    covers: HashSet<&'static str>,
) -> Result<Compiled, String> {
    let pruned = prune(target.text, &covers)?;
    // The `regex` engine compiles the few key patterns several times faster than the default
    // `fancy-regex`; no pattern here needs look-around or back-references.
    let options = jsonschema::options_for::<instance::NodeJson>()
        .with_draft(jsonschema::Draft::Draft7)
        .with_pattern_options(jsonschema::PatternOptions::regex())
        .should_validate_formats(true);
    let options = match kind {
        // docker/cli's checks for 3.x files: Go durations, and nothing for ports or expose.
        SchemaKind::V3(_) => options
            .with_format("duration", |s: &str| {
                parse_duration(s, DurationUnits::Go).is_ok()
            })
            .with_format("ports", |_: &str| true)
            .with_format("expose", |_: &str| true),
        // What docker compose v2 checks when it decodes durations and short port syntax.
        SchemaKind::Spec => options
            .with_format("duration", |s: &str| {
                parse_duration(s, DurationUnits::Compose).is_ok()
            })
            .with_format("ports", |s: &str| check_port_spec(s).is_ok())
            .with_format("expose", |_: &str| true)
            .with_format("container-name", container_name_matches)
            .with_format("pull-policy", pull_policy_matches),
    };
    let validator = options.build(&pruned).map_err(|e| e.to_string())?;
    Ok(Compiled {
        kind,
        target,
        validator,
        covers,
    })
}

/// Whether one pointer is the other, or an ancestor or descendant of it.
fn related(a: &str, b: &str) -> bool {
    let within = |inner: &str, outer: &str| {
        inner
            .strip_prefix(outer)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    };
    within(a, b) || within(b, a)
}

/// One violation, reduced to what a diagnostic needs.
#[derive(Debug)]
struct Issue {
    /// JSON pointer of the offending node; for an unknown key, of that key's entry.
    pointer: String,
    kind: IssueKind,
    /// The schema that reported it.
    source: SchemaKind,
}

#[derive(Debug)]
enum IssueKind {
    UnknownKey {
        key: String,
        /// The keys the schema lists at that place.
        allowed: Vec<String>,
        /// The pattern keys must match where the schema lists none (names of services, ...).
        name_pattern: Option<String>,
    },
    Mismatch {
        expected: String,
    },
    Enum {
        options: Vec<Json>,
    },
    Required {
        key: String,
    },
    Format {
        format: String,
    },
    Pattern {
        pattern: String,
    },
    Minimum {
        limit: Json,
    },
    Maximum {
        limit: Json,
    },
    MultipleOf {
        step: f64,
    },
    Unique,
    Other {
        message: String,
    },
}

impl IssueKind {
    /// Which of several issues about one node is reported.
    fn rank(&self) -> u8 {
        match self {
            IssueKind::UnknownKey { .. } => 0,
            IssueKind::Mismatch { .. } => 1,
            IssueKind::Required { .. } => 2,
            IssueKind::Enum { .. } => 3,
            IssueKind::Format { .. } => 4,
            IssueKind::Pattern { .. } => 5,
            IssueKind::Minimum { .. } | IssueKind::Maximum { .. } => 6,
            IssueKind::MultipleOf { .. } => 7,
            IssueKind::Unique => 8,
            IssueKind::Other { .. } => 9,
        }
    }
}

/// Lists where docker compose v2 (compose-go's `EnforceUnicity`) drops repeated entries before it
/// validates, so a repeated entry there is no error.
const DEDUPLICATED_LISTS: &[&str] = &[
    "networks.*.labels",
    "services.*.annotations",
    "services.*.build.args",
    "services.*.build.additional_contexts",
    "services.*.build.tags",
    "services.*.build.labels",
    "services.*.cap_add",
    "services.*.cap_drop",
    "services.*.configs",
    "services.*.deploy.labels",
    "services.*.devices",
    "services.*.dns",
    "services.*.dns_opt",
    "services.*.dns_search",
    "services.*.environment",
    "services.*.env_file",
    "services.*.expose",
    "services.*.labels",
    "services.*.links",
    "services.*.networks.*.aliases",
    "services.*.networks.*.link_local_ips",
    "services.*.ports",
    "services.*.profiles",
    "services.*.secrets",
    "services.*.sysctls",
    "services.*.tmpfs",
    "services.*.volumes",
];

fn deduplicated_by_v2(pointer: &str) -> bool {
    let segments: Vec<String> = pointer_segments(pointer).collect();
    DEDUPLICATED_LISTS.iter().any(|pattern| {
        let parts: Vec<&str> = pattern.split('.').collect();
        parts.len() == segments.len()
            && parts
                .iter()
                .zip(&segments)
                .all(|(part, segment)| *part == "*" || part == segment)
    })
}

fn pointer_segments(pointer: &str) -> impl Iterator<Item = String> + '_ {
    pointer
        .split('/')
        .skip(1)
        .map(|raw| raw.replace("~1", "/").replace("~0", "~"))
}

fn escape_segment(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

impl Compiled {
    /// Every violation of `instance`, one per node.
    fn issues(&self, instance: &Node) -> Vec<Issue> {
        // The common case, and cheaper than collecting no errors.
        if self.validator.is_valid(instance) {
            return Vec::new();
        }
        let mut issues = Vec::new();
        for error in self.validator.iter_errors(instance) {
            self.collect(&error, &mut issues);
        }
        issues.retain(|issue| {
            !(matches!(issue.kind, IssueKind::Unique) && deduplicated_by_v2(&issue.pointer))
        });
        issues.sort_by(|a, b| {
            a.pointer
                .cmp(&b.pointer)
                .then_with(|| a.kind.rank().cmp(&b.kind.rank()))
        });
        let mut seen = HashSet::new();
        issues.retain(|issue| {
            let at_key = matches!(issue.kind, IssueKind::UnknownKey { .. });
            seen.insert((issue.pointer.clone(), at_key))
        });
        issues
    }

    /// The schema object holding the keyword an error's schema path ends with.
    fn keyword_owner(&self, error: &ValidationError<'_>) -> Option<&Json> {
        let path = error.schema_path().as_str();
        let owner = path.rsplit_once('/').map_or("", |(owner, _)| owner);
        self.target.document()?.pointer(owner)
    }

    fn collect(&self, error: &ValidationError<'_>, out: &mut Vec<Issue>) {
        let pointer = error.instance_path().as_str().to_string();
        let kind = match error.kind() {
            ValidationErrorKind::AdditionalProperties { unexpected } => {
                let owner = self.keyword_owner(error);
                let allowed = owner
                    .and_then(|o| o.get("properties"))
                    .and_then(Json::as_object)
                    .map(|p| p.keys().cloned().collect())
                    .unwrap_or_default();
                let name_pattern = owner
                    .and_then(|o| o.get("patternProperties"))
                    .and_then(Json::as_object)
                    .and_then(|p| p.keys().find(|k| *k != "^x-").cloned());
                for key in unexpected {
                    out.push(Issue {
                        pointer: format!("{pointer}/{}", escape_segment(key)),
                        kind: IssueKind::UnknownKey {
                            key: key.clone(),
                            allowed: Vec::clone(&allowed),
                            name_pattern: name_pattern.clone(),
                        },
                        source: self.kind,
                    });
                }
                return;
            }
            ValidationErrorKind::Type { .. } => IssueKind::Mismatch {
                expected: self
                    .keyword_owner(error)
                    .map_or_else(|| type_names(error.kind()), |s| self.describe(s)),
            },
            ValidationErrorKind::OneOfNotValid { context }
            | ValidationErrorKind::AnyOf { context } => match self.best_branch(&pointer, context) {
                Some(branch) => {
                    for inner in branch {
                        self.collect(inner, out);
                    }
                    return;
                }
                None => IssueKind::Mismatch {
                    expected: self.keyword_owner(error).map_or_else(
                        || "another form".to_string(),
                        |owner| self.describe_alternatives(owner),
                    ),
                },
            },
            ValidationErrorKind::OneOfMultipleValid { .. } => IssueKind::Other {
                message: "matches more than one of the allowed forms".to_string(),
            },
            ValidationErrorKind::Enum { options } => IssueKind::Enum {
                options: options.as_array().cloned().unwrap_or_default(),
            },
            ValidationErrorKind::Required { property } => IssueKind::Required {
                key: property.as_str().unwrap_or_default().to_string(),
            },
            ValidationErrorKind::Format { format } => IssueKind::Format {
                format: format.clone(),
            },
            ValidationErrorKind::Pattern { pattern } => IssueKind::Pattern {
                pattern: pattern.clone(),
            },
            ValidationErrorKind::Minimum { limit } => IssueKind::Minimum {
                limit: limit.clone(),
            },
            ValidationErrorKind::Maximum { limit } => IssueKind::Maximum {
                limit: limit.clone(),
            },
            ValidationErrorKind::MultipleOf { multiple_of } => {
                IssueKind::MultipleOf { step: *multiple_of }
            }
            ValidationErrorKind::UniqueItems => IssueKind::Unique,
            ValidationErrorKind::FalseSchema => IssueKind::Other {
                message: "not allowed here".to_string(),
            },
            _ => IssueKind::Other {
                message: error.to_string(),
            },
        };
        out.push(Issue {
            pointer,
            kind,
            source: self.kind,
        });
    }

    /// The alternative of a `oneOf` that fits the value's kind, if one does: its errors then say
    /// what is wrong inside the value rather than listing every alternative.
    fn best_branch<'e>(
        &self,
        pointer: &str,
        branches: &'e [Vec<ValidationError<'static>>],
    ) -> Option<&'e [ValidationError<'static>]> {
        let depth = |e: &ValidationError<'_>| e.instance_path().as_str().matches('/').count();
        branches
            .iter()
            .filter(|errors| !errors.iter().any(|e| wrong_kind(e, pointer)))
            .max_by(|a, b| {
                let deepest = |errors: &[ValidationError<'_>]| errors.iter().map(depth).max();
                deepest(a)
                    .cmp(&deepest(b))
                    .then_with(|| b.len().cmp(&a.len()))
            })
            .map(Vec::as_slice)
    }

    /// "a string", "a list of strings", "a mapping", ... for a schema.
    fn describe(&self, schema: &Json) -> String {
        let schema = self.resolve(schema);
        if schema.get("oneOf").is_some() {
            return self.describe_alternatives(schema);
        }
        if let Some(options) = schema.get("enum").and_then(Json::as_array) {
            return one_of(options);
        }
        let types = types_of(schema);
        if types.is_empty() {
            return "a value".to_string();
        }
        let phrases: Vec<String> = types
            .iter()
            .map(|t| match *t {
                "array" => self.describe_list(schema.get("items")),
                other => article_name(other).to_string(),
            })
            .collect();
        join_or(phrases)
    }

    fn describe_alternatives(&self, schema: &Json) -> String {
        let schema = self.resolve(schema);
        let mut phrases = Vec::new();
        for branch in schema
            .get("oneOf")
            .and_then(Json::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default()
        {
            let phrase = self.describe(branch);
            if !phrases.contains(&phrase) {
                phrases.push(phrase);
            }
        }
        join_or(phrases)
    }

    fn describe_list(&self, items: Option<&Json>) -> String {
        let Some(items) = items.map(|i| self.resolve(i)) else {
            return "a list".to_string();
        };
        if items.get("oneOf").is_some() || items.get("enum").is_some() {
            return "a list".to_string();
        }
        let plurals: Vec<&str> = types_of(items).iter().map(|t| plural_name(t)).collect();
        match plurals.len() {
            0 => "a list".to_string(),
            _ => format!(
                "a list of {}",
                join_or(plurals.iter().map(|s| s.to_string()).collect())
            ),
        }
    }

    fn resolve<'a>(&'a self, mut schema: &'a Json) -> &'a Json {
        // Definitions never refer to each other directly, but stay bounded anyway.
        for _ in 0..8 {
            match schema.get("$ref").and_then(Json::as_str) {
                Some(reference) => match reference
                    .strip_prefix('#')
                    .and_then(|p| self.target.document()?.pointer(p))
                {
                    Some(target) => schema = target,
                    None => break,
                },
                None => break,
            }
        }
        schema
    }
}

/// Whether a branch error says the value itself is of another kind than the branch wants.
fn wrong_kind(error: &ValidationError<'_>, pointer: &str) -> bool {
    if error.instance_path().as_str() != pointer {
        return false;
    }
    match error.kind() {
        ValidationErrorKind::Type { .. } => true,
        ValidationErrorKind::OneOfNotValid { context } | ValidationErrorKind::AnyOf { context } => {
            context
                .iter()
                .all(|errors| errors.iter().any(|e| wrong_kind(e, pointer)))
        }
        _ => false,
    }
}

fn types_of(schema: &Json) -> Vec<&str> {
    match schema.get("type") {
        Some(Json::String(t)) => vec![t.as_str()],
        Some(Json::Array(ts)) => ts.iter().filter_map(Json::as_str).collect(),
        _ => Vec::new(),
    }
}

fn type_names(kind: &ValidationErrorKind) -> String {
    match kind {
        ValidationErrorKind::Type {
            kind: TypeKind::Single(t),
        } => article_name(&t.to_string()).to_string(),
        ValidationErrorKind::Type {
            kind: TypeKind::Multiple(ts),
        } => join_or(
            ts.iter()
                .map(|t| article_name(&t.to_string()).to_string())
                .collect(),
        ),
        _ => "another kind of value".to_string(),
    }
}

fn article_name(json_type: &str) -> &'static str {
    match json_type {
        "string" => "a string",
        "integer" => "an integer",
        "number" => "a number",
        "boolean" => "a boolean",
        "null" => "null",
        "object" => "a mapping",
        "array" => "a list",
        _ => "a value",
    }
}

fn plural_name(json_type: &str) -> &'static str {
    match json_type {
        "string" => "strings",
        "integer" => "integers",
        "number" => "numbers",
        "boolean" => "booleans",
        "null" => "nulls",
        "object" => "mappings",
        "array" => "lists",
        _ => "values",
    }
}

fn join_or(mut phrases: Vec<String>) -> String {
    match phrases.len() {
        0 => String::new(),
        1 => phrases.remove(0),
        _ => {
            let last = phrases.pop().unwrap_or_default();
            format!("{} or {last}", phrases.join(", "))
        }
    }
}

fn one_of(options: &[Json]) -> String {
    let shown: Vec<String> = options.iter().map(|o| format!("`{}`", scalar(o))).collect();
    match shown.len() {
        1 => shown.join(""),
        _ => format!("one of {}", shown.join(", ")),
    }
}

fn scalar(value: &Json) -> String {
    match value {
        Json::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// What a node is, in the words of "expected ..." messages.
fn found(node: Option<&Node>) -> String {
    let Some(node) = node else {
        return "nothing".to_string();
    };
    let kind = match &node.value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Int(_) => "an integer",
        Value::Float(_) => "a number",
        Value::Str(_) => "a string",
        Value::Seq(_) => "a list",
        Value::Map(_) => "a mapping",
    };
    match &node.value {
        Value::Bool(_) | Value::Int(_) | Value::Float(_) => {
            format!("{kind} (`{}`)", node.scalar_text().unwrap_or_default())
        }
        _ => kind.to_string(),
    }
}

/// The node a pointer names, with the key path that leads to it (keys that look like numbers
/// stay keys in mappings).
fn locate<'a>(doc: &'a Node, pointer: &str) -> (Option<&'a Node>, KeyPath) {
    let mut node = Some(doc);
    let mut path = KeyPath::root();
    for segment in pointer_segments(pointer) {
        let current = node;
        node = None;
        match current.map(|n| &n.value) {
            Some(Value::Map(map)) => {
                path = path.key(&segment);
                node = map.get(&segment);
            }
            Some(Value::Seq(items)) => match segment.parse::<usize>() {
                Ok(index) => {
                    path = path.index(index);
                    node = items.get(index);
                }
                Err(_) => path = path.key(&segment),
            },
            _ => path = path.key(&segment),
        }
    }
    (node, path)
}

fn display_path(path: &KeyPath) -> String {
    if path.is_root() {
        "the top level".to_string()
    } else {
        format!("`{path}`")
    }
}

impl Issue {
    /// The message, label and help of the issue, without severity or version context.
    fn describe(&self, node: Option<&Node>, path: &KeyPath) -> (String, String, Option<String>) {
        let value = node.and_then(Node::scalar_text).unwrap_or_default();
        match &self.kind {
            IssueKind::UnknownKey { .. } => {
                // Handled by `diagnostic`, which points at the key.
                (format!("unknown key at {}", display_path(path)), "unknown key".into(), None)
            }
            IssueKind::Mismatch { expected } => {
                let found = found(node);
                let help = match node.map(|n| &n.value) {
                    Some(Value::Int(_) | Value::Float(_) | Value::Bool(_))
                        if expected.starts_with("a string") =>
                    {
                        Some(format!("quote the value to make it a string: `\"{value}\"`"))
                    }
                    _ => None,
                };
                (
                    format!("expected {expected}, found {found}"),
                    format!("expected {expected}"),
                    help,
                )
            }
            IssueKind::Enum { options } => (
                format!("expected {}, found `{value}`", one_of(options)),
                format!("expected {}", one_of(options)),
                None,
            ),
            IssueKind::Required { key } => (
                format!("missing required key `{key}`"),
                format!("`{key}` is required here"),
                None,
            ),
            IssueKind::Format { format } => match format.as_str() {
                "duration" => {
                    let units = match self.kind_hint() {
                        DurationUnits::Go => "`ns`, `us`, `ms`, `s`, `m` or `h`",
                        DurationUnits::Compose => "`ns`, `us`, `ms`, `s`, `m`, `h`, `d` or `w`",
                    };
                    let reason = parse_duration(&value, self.kind_hint())
                        .err()
                        .unwrap_or_else(|| format!("invalid duration `{value}`"));
                    (
                        reason,
                        "not a duration".into(),
                        Some(format!(
                            "a duration is numbers with units, like `30s` or `1m30s`; units are {units}"
                        )),
                    )
                }
                "ports" => (
                    check_port_spec(&value)
                        .err()
                        .unwrap_or_else(|| format!("invalid port `{value}`")),
                    "not a port specification".into(),
                    Some("the short syntax is `[IP:][HOST_PORT:]CONTAINER_PORT[/PROTOCOL]`, ports or ranges like `8000-8010`".into()),
                ),
                "container-name" => (
                    format!("`{value}` is not a valid container name"),
                    "not a container name".into(),
                    Some("a container name has at least two characters among letters, digits, `_`, `.` and `-`, and starts with a letter or digit".into()),
                ),
                "pull-policy" => (
                    format!("`{value}` is not a pull policy"),
                    "not a pull policy".into(),
                    Some("use `always`, `never`, `missing`, `build`, `if_not_present`, `refresh`, `daily`, `weekly` or `every_<duration>` such as `every_12h`".into()),
                ),
                other => (
                    format!("`{value}` is not a valid {other}"),
                    format!("not a valid {other}"),
                    None,
                ),
            },
            IssueKind::Pattern { pattern } => (
                format!("`{value}` does not match the pattern `{pattern}`"),
                "does not match".into(),
                None,
            ),
            IssueKind::Minimum { limit } => (
                format!("expected at least {limit}, found {value}"),
                format!("must be at least {limit}"),
                None,
            ),
            IssueKind::Maximum { limit } => (
                format!("expected at most {limit}, found {value}"),
                format!("must be at most {limit}"),
                None,
            ),
            IssueKind::MultipleOf { step } if *step == 1.0 => (
                format!("expected a whole number, found {value}"),
                "not a whole number".into(),
                None,
            ),
            IssueKind::MultipleOf { step } => (
                format!("expected a multiple of {step}, found {value}"),
                format!("not a multiple of {step}"),
                None,
            ),
            IssueKind::Unique => {
                let repeated = node
                    .and_then(repeated_item)
                    .and_then(|item| item.scalar_text())
                    .map_or_else(|| "an entry".to_string(), |text| format!("`{text}`"));
                (
                    format!("{repeated} is listed more than once"),
                    "listed again".into(),
                    Some("remove the repeated entry".into()),
                )
            }
            IssueKind::Other { message } => (message.clone(), "here".into(), None),
        }
    }

    /// Durations are checked with the units of the schema that reported the issue.
    fn kind_hint(&self) -> DurationUnits {
        match self.source {
            SchemaKind::V3(_) => DurationUnits::Go,
            SchemaKind::Spec => DurationUnits::Compose,
        }
    }

    /// The error docker compose v2 would also report.
    /// `version_keys` are the keys the file's 3.x format allows where this key is unknown (when
    /// it does not know it either); `version` is that format, for a key it does know.
    fn diagnostic(
        &self,
        doc: &Node,
        version_keys: Option<&[String]>,
        version: Option<u8>,
    ) -> Diagnostic {
        let (node, path) = locate(doc, &self.pointer);
        if let IssueKind::UnknownKey {
            key,
            allowed,
            name_pattern,
        } = &self.kind
        {
            let parent = parent_path(&path);
            let span = node.map(Node::entry_span);
            if allowed.is_empty() {
                if let Some(pattern) = name_pattern {
                    return Diagnostic::error(format!(
                        "invalid name `{key}` in {}",
                        display_path(&parent)
                    ))
                    .at_opt(span)
                    .label("invalid name")
                    .help(name_help(pattern));
                }
            }
            let suggestion = version_keys
                .and_then(|keys| diag::did_you_mean(key, keys.iter().map(String::as_str)))
                .or_else(|| diag::did_you_mean(key, allowed.iter().map(String::as_str)));
            let message = if parent.is_root() {
                format!("unknown top-level key `{key}`")
            } else {
                format!("unknown key `{key}` in `{parent}`")
            };
            let mut help = suggestion;
            if let Some(minor) = version {
                // A 3.x key the Compose Specification dropped (`cgroupns_mode`): docker compose
                // v2 rejects it whatever the file's version says.
                let note = format!(
                    "compose file format 3.{minor} has `{key}`, but docker compose v2 validates every file as Compose Specification, which does not"
                );
                help = Some(match help {
                    Some(suggestion) => format!("{note}; {suggestion}"),
                    None => note,
                });
            } else if help.is_none() && (key.starts_with("x_") || key.starts_with("X-")) {
                help = Some("extension keys start with `x-`".to_string());
            }
            let mut diagnostic = Diagnostic::error(message)
                .path(parent.key(key))
                .at_opt(span)
                .label("unknown key");
            if let Some(help) = help {
                diagnostic = diagnostic.help(help);
            }
            return diagnostic;
        }
        let (message, label, help) = self.describe(node, &path);
        let span = match (&self.kind, node) {
            (IssueKind::Unique, Some(node)) => {
                Some(repeated_item(node).map_or(node.span, |n| n.span))
            }
            (_, node) => node.map(value_span),
        };
        let mut diagnostic = Diagnostic::error(message)
            .path(path)
            .at_opt(span)
            .label(label);
        if let Some(help) = help {
            diagnostic = diagnostic.help(help);
        }
        diagnostic
    }

    /// A 3.x violation the Compose Specification accepts.
    fn version_only(&self, doc: &Node, minor: u8, strict: bool) -> Diagnostic {
        let (node, path) = locate(doc, &self.pointer);
        let accepted = "docker compose v2 accepts it as Compose Specification";
        let (message, span, label) = match &self.kind {
            IssueKind::UnknownKey { .. } => (
                format!("`{path}` is not part of compose file format 3.{minor}; {accepted}"),
                node.map(Node::entry_span),
                format!("not in 3.{minor}"),
            ),
            _ => {
                let (detail, _, _) = self.describe(node, &path);
                let subject = if path.is_root() {
                    "the file".to_string()
                } else {
                    format!("`{path}`")
                };
                (
                    format!(
                        "{subject} is not valid in compose file format 3.{minor} ({detail}); {accepted}"
                    ),
                    node.map(value_span),
                    format!("not valid in 3.{minor}"),
                )
            }
        };
        let severity = if strict {
            Severity::Error
        } else {
            Severity::Warning
        };
        let mut diagnostic = Diagnostic::error(message)
            .path(path)
            .at_opt(span)
            .label(label)
            .help(format!(
                "docker compose v2 ignores `version` and reads every file as Compose Specification; remove `version: \"3.{minor}\"` to validate it that way"
            ));
        diagnostic.severity = severity;
        diagnostic
    }
}

/// Where a finding about a value points: the value itself, except a block mapping or list, whose
/// span is only its first key or `-` (see `yaml.rs`): the key it is the value of says more.
fn value_span(node: &Node) -> crate::project::node::Span {
    let block = match &node.value {
        Value::Map(map) => map
            .values()
            .next()
            .is_some_and(|first| first.entry_span().offset == node.span.offset),
        Value::Seq(items) => !items.is_empty() && node.span.len <= 1,
        _ => false,
    };
    if block {
        node.entry_span()
    } else {
        node.span
    }
}

fn parent_path(path: &KeyPath) -> KeyPath {
    let mut parent = KeyPath::root();
    let segments = path.segments();
    for segment in &segments[..segments.len().saturating_sub(1)] {
        parent = match segment {
            super::node::PathSegment::Key(key) => parent.key(key),
            super::node::PathSegment::Index(index) => parent.index(*index),
        };
    }
    parent
}

fn name_help(pattern: &str) -> String {
    match pattern {
        "^[a-zA-Z0-9._-]+$" => {
            "names may contain only letters, digits, `.`, `_` and `-`".to_string()
        }
        _ => format!("names must match the pattern `{pattern}`"),
    }
}

/// The first item of a list that repeats an earlier one.
fn repeated_item(list: &Node) -> Option<&Node> {
    let items = list.as_seq()?;
    let values: Vec<Json> = items.iter().map(Node::to_json).collect();
    (1..values.len())
        .find(|&i| values[..i].contains(&values[i]))
        .map(|i| &items[i])
}

#[cfg(test)]
mod tests;
