//! rcompose's schemas against the upstream ones they are written to match.
//!
//! rcompose derives the JSON schema of compose file format 3.0–3.9 and of the Compose
//! Specification from its own outline (`schemas/compose.outline`). The upstream schemas are not
//! in this repository; they are read at test time from `../shared/compose-reference/` (relative
//! to the crate; `RCOMPOSE_REFERENCE_DIR` overrides), and the tests skip, saying so, without them:
//!
//! - docker/cli `schemas/v3/config_schema_v3.N.json` (draft-04) for 3.N,
//! - compose-go `schemas/compose-spec.compose-go.json` (2020-12), what docker compose v2 uses.
//!
//! Two checks per target. **Structure**: walking both schemas side by side (references
//! resolved), every object has the same property names, `required`, `type`s, `enum`s,
//! `additionalProperties`/`patternProperties`, items and alternatives, and the same `format`,
//! `pattern`, bounds and `uniqueItems`; the differences that remain are listed below in
//! [`DELIBERATE`], each with its reason, and the test fails on any other and on any listed one
//! that no longer occurs. **Behaviour**: a battery of documents — every compose file of
//! `../shared/compose-corpus/` (`RCOMPOSE_CORPUS_DIR` overrides) parsed with serde_yaml, small
//! hand-written files, and documents generated from the upstream schema that put valid and invalid
//! values at every place it describes — is validated by rcompose and by the upstream schema
//! (compiled with the `jsonschema` crate); they must accept and reject the same documents, up to
//! the deliberate differences.

use std::collections::{BTreeSet, HashSet};
use std::path::{Path, PathBuf};

use rcompose::project::node::{Node, Span, Value as NodeValue};
use rcompose::project::schema::{
    conforms, container_name_matches, parse_duration, pull_policy_matches, schema_document,
    validate, DurationUnits, SchemaKind,
};
use serde_json::{json, Map, Value};

fn reference_dir() -> Option<PathBuf> {
    let dir = match std::env::var_os("RCOMPOSE_REFERENCE_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/compose-reference"),
    };
    // Either the reference directory or its `schemas/` folder.
    [dir.join("schemas"), dir]
        .into_iter()
        .find(|d| d.join("compose-spec.compose-go.json").is_file())
}

fn corpus_dir() -> Option<PathBuf> {
    let dir = match std::env::var_os("RCOMPOSE_CORPUS_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/compose-corpus"),
    };
    dir.is_dir().then_some(dir)
}

fn targets() -> Vec<SchemaKind> {
    (0..=9)
        .map(SchemaKind::V3)
        .chain([SchemaKind::Spec])
        .collect()
}

fn label(kind: SchemaKind) -> String {
    match kind {
        SchemaKind::V3(minor) => format!("3.{minor}"),
        SchemaKind::Spec => "spec".to_string(),
    }
}

fn upstream_document(dir: &Path, kind: SchemaKind) -> Value {
    let path = match kind {
        SchemaKind::V3(minor) => dir.join(format!("v3/config_schema_v3.{minor}.json")),
        SchemaKind::Spec => dir.join("compose-spec.compose-go.json"),
    };
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    let mut document: Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("parsing {}: {e}", path.display()));
    if kind == SchemaKind::Spec {
        for pointer in NEWER_THAN_V2_40_3 {
            let (parent, key) = pointer.rsplit_once('/').unwrap();
            let removed = document
                .pointer_mut(parent)
                .and_then(Value::as_object_mut)
                .and_then(|object| object.remove(key));
            assert!(
                removed.is_some(),
                "{pointer} is no longer in the upstream snapshot: update NEWER_THAN_V2_40_3"
            );
        }
    }
    document
}

/// Keys of the compose-go snapshot in `../shared/compose-reference/` that came after compose-go
/// v2.9.1, the version docker compose v2.40.3 (the reference binary) ships. v2.40.3 rejects them
/// (`services.a additional properties 'pre_start' not allowed`, checked by running it, and
/// pinned by the both-reject cases `tests/fixtures/differential/schema-*`); so does rcompose, so
/// they are taken out of the snapshot before comparing. The schema embedded in the v2.40.3
/// binary differs from the snapshot in exactly these keys (compared key by key).
const NEWER_THAN_V2_40_3: &[&str] = &[
    "/$defs/service/properties/pre_start",
    "/$defs/pre_start_hook",
    "/$defs/service/properties/build/oneOf/1/properties/no_cache_filter",
];

// ---------------------------------------------------------------------------------------------
// Structure

/// Keyword values that mean the same to every validator, written differently.
fn normalize_pattern_key(key: &str) -> String {
    match key {
        // `^[\s\S]*.` and `.+` match the same keys: any holding a character other than a
        // line break (`schemas/compose.outline` says why rcompose writes the former).
        r"^[\s\S]*." => ".+".to_string(),
        other => other.to_string(),
    }
}

fn short_pattern(key: &str) -> String {
    match key {
        "^[a-zA-Z0-9._-]+$" => "<name>".to_string(),
        other => format!("<{other}>"),
    }
}

struct Walker<'a> {
    ours: &'a Value,
    theirs: &'a Value,
    seen: HashSet<(usize, usize)>,
    differences: Vec<String>,
}

impl<'a> Walker<'a> {
    fn resolve(document: &'a Value, mut node: &'a Value) -> &'a Value {
        for _ in 0..16 {
            let Some(reference) = node.get("$ref").and_then(Value::as_str) else {
                break;
            };
            let pointer = reference.trim_start_matches('#');
            match document.pointer(pointer) {
                Some(target) => node = target,
                None => panic!("unresolvable reference {reference}"),
            }
        }
        node
    }

    fn compare(&mut self, path: &str, ours: &'a Value, theirs: &'a Value) {
        let ours = Self::resolve(self.ours, ours);
        let theirs = Self::resolve(self.theirs, theirs);
        let identity = (
            ours as *const Value as usize,
            theirs as *const Value as usize,
        );
        if !self.seen.insert(identity) {
            return;
        }
        let path_or_root = if path.is_empty() { "(root)" } else { path };
        let mut differ = |what: &str, a: String, b: String| {
            self.differences
                .push(format!("{path_or_root}: {what}: ours {a}, upstream {b}"));
        };

        let set = |node: &Value, key: &str| -> BTreeSet<String> {
            match node.get(key) {
                Some(Value::String(s)) => [s.clone()].into(),
                Some(Value::Array(items)) => items
                    .iter()
                    .map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_string))
                    .collect(),
                _ => BTreeSet::new(),
            }
        };
        for keyword in ["type", "enum", "required"] {
            let (a, b) = (set(ours, keyword), set(theirs, keyword));
            if a != b {
                differ(keyword, format!("{a:?}"), format!("{b:?}"));
            }
        }
        for keyword in ["format", "pattern", "minimum", "maximum", "multipleOf"] {
            let (a, b) = (ours.get(keyword), theirs.get(keyword));
            if a != b {
                differ(keyword, format!("{a:?}"), format!("{b:?}"));
            }
        }
        let unique = |node: &Value| node.get("uniqueItems") == Some(&Value::Bool(true));
        if unique(ours) != unique(theirs) {
            differ(
                "uniqueItems",
                unique(ours).to_string(),
                unique(theirs).to_string(),
            );
        }
        let closed = |node: &Value| match node.get("additionalProperties") {
            None | Some(Value::Bool(true)) => "allowed",
            Some(Value::Bool(false)) => "false",
            Some(_) => "a schema",
        };
        if closed(ours) != closed(theirs) {
            differ(
                "additionalProperties",
                closed(ours).to_string(),
                closed(theirs).to_string(),
            );
        }

        static EMPTY: std::sync::OnceLock<Map<String, Value>> = std::sync::OnceLock::new();
        let empty: &'static Map<String, Value> = EMPTY.get_or_init(Map::new);
        let object = |node: &'a Value, key: &str| -> &'a Map<String, Value> {
            node.get(key).and_then(Value::as_object).unwrap_or(empty)
        };
        // Borrow dance: collect the pairs first.
        let mut pairs: Vec<(String, &'a Value, &'a Value)> = Vec::new();
        let (a, b) = (object(ours, "properties"), object(theirs, "properties"));
        for key in a.keys().filter(|k| !b.contains_key(*k)) {
            self.differences
                .push(format!("{path_or_root}: property `{key}` only in ours"));
        }
        for key in b.keys().filter(|k| !a.contains_key(*k)) {
            self.differences
                .push(format!("{path_or_root}: property `{key}` only upstream"));
        }
        for (key, value) in a {
            if let Some(other) = b.get(key) {
                pairs.push((format!("{path}.{key}"), value, other));
            }
        }
        let (a, b) = (
            object(ours, "patternProperties"),
            object(theirs, "patternProperties"),
        );
        let normalized = |map: &'a Map<String, Value>| -> Vec<(String, &'a Value)> {
            map.iter()
                .map(|(k, v)| (normalize_pattern_key(k), v))
                .collect()
        };
        let (a, b) = (normalized(a), normalized(b));
        for (key, value) in &a {
            match b.iter().find(|(k, _)| k == key) {
                Some((_, other)) => {
                    pairs.push((format!("{path}{}", short_pattern(key)), value, other))
                }
                None => self
                    .differences
                    .push(format!("{path_or_root}: pattern `{key}` only in ours")),
            }
        }
        for (key, _) in &b {
            if !a.iter().any(|(k, _)| k == key) {
                self.differences
                    .push(format!("{path_or_root}: pattern `{key}` only upstream"));
            }
        }
        if let (Some(x @ Value::Object(_)), Some(y @ Value::Object(_))) = (
            ours.get("additionalProperties"),
            theirs.get("additionalProperties"),
        ) {
            pairs.push((format!("{path}.*"), x, y));
        }
        match (ours.get("items"), theirs.get("items")) {
            (Some(x), Some(y)) => pairs.push((format!("{path}[]"), x, y)),
            (None, None) => {}
            (x, y) => self.differences.push(format!(
                "{path_or_root}: items: ours {}, upstream {}",
                x.is_some(),
                y.is_some()
            )),
        }
        for keyword in ["oneOf", "anyOf", "allOf"] {
            let list = |node: &'a Value| -> &'a [Value] {
                node.get(keyword)
                    .and_then(Value::as_array)
                    .map(Vec::as_slice)
                    .unwrap_or(&[])
            };
            let (x, y) = (list(ours), list(theirs));
            if x.len() != y.len() {
                self.differences.push(format!(
                    "{path_or_root}: {keyword}: ours {} alternatives, upstream {}",
                    x.len(),
                    y.len()
                ));
                continue;
            }
            for (index, (x, y)) in x.iter().zip(y).enumerate() {
                pairs.push((format!("{path}|{index}"), x, y));
            }
        }
        for (path, x, y) in pairs {
            self.compare(&path, x, y);
        }
    }
}

fn structural_differences(ours: &Value, theirs: &Value) -> Vec<String> {
    let mut walker = Walker {
        ours,
        theirs,
        seen: HashSet::new(),
        differences: Vec::new(),
    };
    walker.compare("", ours, theirs);
    walker.differences
}

/// Differences between our schemas and upstream that are intended, by target (`3.x` for every
/// 3.x version) and the difference as [`structural_differences`] words it, with the reason.
const DELIBERATE: &[(&str, &str, &str)] = &[
    // docker compose v2 parses these durations when it decodes the file and rejects what does not
    // parse (`time: unknown unit "x" in duration "10x"`); rcompose checks them with the schema,
    // with compose-go's units (Go's plus `d` and `w`), so the error comes with its location.
    ("spec", ".services<name>.stop_grace_period: format: ours Some(String(\"duration\")), upstream None", "v2 decodes durations"),
    ("spec", ".services<name>.healthcheck.interval: format: ours Some(String(\"duration\")), upstream None", "v2 decodes durations"),
    ("spec", ".services<name>.healthcheck.timeout: format: ours Some(String(\"duration\")), upstream None", "v2 decodes durations"),
    ("spec", ".services<name>.healthcheck.start_period: format: ours Some(String(\"duration\")), upstream None", "v2 decodes durations"),
    ("spec", ".services<name>.healthcheck.start_interval: format: ours Some(String(\"duration\")), upstream None", "v2 decodes durations"),
    ("spec", ".services<name>.deploy.rollback_config.delay: format: ours Some(String(\"duration\")), upstream None", "v2 decodes durations"),
    ("spec", ".services<name>.deploy.rollback_config.monitor: format: ours Some(String(\"duration\")), upstream None", "v2 decodes durations"),
    ("spec", ".services<name>.deploy.update_config.delay: format: ours Some(String(\"duration\")), upstream None", "v2 decodes durations"),
    ("spec", ".services<name>.deploy.update_config.monitor: format: ours Some(String(\"duration\")), upstream None", "v2 decodes durations"),
    ("spec", ".services<name>.deploy.restart_policy.delay: format: ours Some(String(\"duration\")), upstream None", "v2 decodes durations"),
    ("spec", ".services<name>.deploy.restart_policy.window: format: ours Some(String(\"duration\")), upstream None", "v2 decodes durations"),
    // docker compose v2 parses short port syntax with go-connections' nat.ParsePortSpec and
    // rejects a container port 0 ("missing a target port"), a non-integer ("invalid type float64
    // for port") or one above 65535 ("invalid containerPort"); rcompose checks the same in the schema.
    ("spec", ".services<name>.ports[]|1: format: ours Some(String(\"ports\")), upstream None", "v2 parses ports"),
    ("spec", ".services<name>.ports[]|0: minimum: ours Some(Number(1)), upstream None", "v2 parses ports"),
    ("spec", ".services<name>.ports[]|0: maximum: ours Some(Number(65535)), upstream None", "v2 parses ports"),
    ("spec", ".services<name>.ports[]|0: multipleOf: ours Some(Number(1)), upstream None", "v2 parses ports"),
    // compose-go refuses a fractional `expose` entry ("unsupported expose value") before it validates.
    ("spec", ".services<name>.expose[]: multipleOf: ours Some(Number(1)), upstream None", "v2 refuses fractional expose"),
    // Compiling these two regexes took the jsonschema crate about a quarter of the whole schema's
    // compilation; formats that match exactly the same strings (checked by the behaviour test and
    // by unit tests) cost nothing to compile.
    ("spec", ".services<name>.container_name: format: ours Some(String(\"container-name\")), upstream None", "regex compile time"),
    ("spec", ".services<name>.container_name: pattern: ours None, upstream Some(String(\"[a-zA-Z0-9][a-zA-Z0-9_.-]+\"))", "regex compile time"),
    ("spec", ".services<name>.pull_policy: format: ours Some(String(\"pull-policy\")), upstream None", "regex compile time"),
    ("spec", ".services<name>.pull_policy: pattern: ours None, upstream Some(String(\"always|never|build|if_not_present|missing|refresh|daily|weekly|every_([0-9]+[wdhms])+\"))", "regex compile time"),
];

fn deliberate(kind: SchemaKind, difference: &str) -> bool {
    DELIBERATE.iter().any(|(target, text, _)| {
        let applies = match (*target, kind) {
            ("spec", SchemaKind::Spec) | ("3.x", SchemaKind::V3(_)) => true,
            (target, SchemaKind::V3(_)) => target == label(kind),
            _ => false,
        };
        applies && *text == difference
    })
}

#[test]
fn structure_matches_upstream() {
    let Some(dir) = reference_dir() else {
        eprintln!("skipped: no upstream schemas (../shared/compose-reference; set RCOMPOSE_REFERENCE_DIR)");
        return;
    };
    let mut unexpected = Vec::new();
    let mut used = HashSet::new();
    for kind in targets() {
        let ours = schema_document(kind).expect("our schema derives");
        let theirs = upstream_document(&dir, kind);
        for difference in structural_differences(&ours, &theirs) {
            if deliberate(kind, &difference) {
                used.insert(difference);
            } else {
                unexpected.push(format!("{}: {difference}", label(kind)));
            }
        }
    }
    let stale: Vec<_> = DELIBERATE
        .iter()
        .filter(|(_, text, _)| !used.contains(*text))
        .collect();
    assert!(
        unexpected.is_empty() && stale.is_empty(),
        "differences from upstream not listed as deliberate:\n{}\nlisted differences that no longer occur:\n{stale:#?}",
        unexpected.join("\n")
    );
}

#[test]
fn the_structural_walk_notices_differences() {
    let theirs = json!({
        "type": "object",
        "properties": {
            "a": {"$ref": "#/definitions/d"},
            "b": {"type": "string", "enum": ["x"]}
        },
        "patternProperties": {".+": {"type": "string"}},
        "additionalProperties": false,
        "definitions": {"d": {"type": "array", "items": {"type": "string"}, "uniqueItems": true}}
    });
    assert_eq!(
        structural_differences(&theirs, &theirs),
        Vec::<String>::new()
    );
    let mut ours = theirs.clone();
    ours["patternProperties"] = json!({r"^[\s\S]*.": {"type": "string"}});
    assert_eq!(structural_differences(&ours, &theirs), Vec::<String>::new());
    ours["definitions"]["d"]["items"]["type"] = json!("integer");
    ours["definitions"]["d"]["uniqueItems"] = json!(false);
    ours["properties"]["b"]["enum"] = json!(["x", "y"]);
    ours["properties"]["c"] = json!({});
    ours.as_object_mut().unwrap().remove("additionalProperties");
    let found = structural_differences(&ours, &theirs);
    assert_eq!(found.len(), 5, "{found:#?}");
}

// ---------------------------------------------------------------------------------------------
// Behaviour

/// The upstream schema compiled as its users do: docker/cli checks 3.x durations with Go's
/// `time.ParseDuration` and registers `ports` and `expose` checkers that accept anything;
/// compose-go's schema names no format.
fn upstream_validator(document: &Value, kind: SchemaKind) -> jsonschema::Validator {
    let options = jsonschema::options().should_validate_formats(true);
    let options = match kind {
        SchemaKind::V3(_) => options
            .with_format("duration", |s: &str| {
                parse_duration(s, DurationUnits::Go).is_ok()
            })
            .with_format("ports", |_: &str| true)
            .with_format("expose", |_: &str| true),
        // For rcompose's schema without its additions (upstream's names no format).
        SchemaKind::Spec => options
            .with_format("container-name", container_name_matches)
            .with_format("pull-policy", pull_policy_matches),
    };
    options
        .build(document)
        .unwrap_or_else(|e| panic!("compiling upstream {}: {e}", label(kind)))
}

/// Our schema without the deliberate additions, compiled with the upstream formats: what must
/// agree with upstream on every document.
fn ours_without_additions(kind: SchemaKind) -> jsonschema::Validator {
    /// Removes the additions from a schema node and the schemas below it (not from a
    /// `properties` map, whose keys are names: `env_file` entries have a `format` property).
    fn strip(schema: &mut Value) {
        let Value::Object(map) = schema else {
            return;
        };
        if matches!(
            map.get("format").and_then(Value::as_str),
            Some("duration" | "ports")
        ) {
            map.remove("format");
        }
        if map.remove("multipleOf").is_some() {
            map.remove("minimum");
            map.remove("maximum");
        }
        for (keyword, value) in map.iter_mut() {
            match (keyword.as_str(), value) {
                ("properties" | "patternProperties" | "definitions", Value::Object(children)) => {
                    children.values_mut().for_each(strip);
                }
                ("oneOf" | "anyOf" | "allOf", Value::Array(branches)) => {
                    branches.iter_mut().for_each(strip);
                }
                ("items" | "additionalProperties", child) => strip(child),
                _ => {}
            }
        }
    }
    let mut document = schema_document(kind).expect("our schema derives");
    if kind == SchemaKind::Spec {
        strip(&mut document);
    }
    upstream_validator(&document, kind)
}

/// A key matching a `patternProperties` pattern.
fn sample_key(pattern: &str) -> &'static str {
    match pattern {
        "^x-" => "x-extra",
        "^[a-z]+$" => "nofile",
        _ => "web",
    }
}

/// A value a schema accepts, to fill the required keys around a generated value.
fn sample(document: &Value, schema: &Value, depth: usize) -> Value {
    let schema = Walker::resolve(document, schema);
    if depth > 8 {
        return Value::Null;
    }
    if let Some(first) = schema.get("enum").and_then(|e| e.get(0)) {
        return first.clone();
    }
    if let Some(first) = schema.get("oneOf").and_then(|e| e.get(0)) {
        return sample(document, first, depth + 1);
    }
    let first_type = match schema.get("type") {
        Some(Value::String(t)) => t.as_str(),
        Some(Value::Array(ts)) => ts.first().and_then(Value::as_str).unwrap_or(""),
        _ => "",
    };
    match first_type {
        "string" if schema.get("pattern").is_some() => json!("always"),
        "string" => match schema.get("format").and_then(Value::as_str) {
            Some("duration") => json!("1s"),
            Some("ports") => json!("80"),
            _ => json!("x"),
        },
        "integer" | "number" => json!(1),
        "boolean" => json!(true),
        "array" => json!([]),
        "object" => {
            let mut object = Map::new();
            for key in schema
                .get("required")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
            {
                let property = schema
                    .pointer(&format!("/properties/{key}"))
                    .unwrap_or(&Value::Null);
                object.insert(key.to_string(), sample(document, property, depth + 1));
            }
            Value::Object(object)
        }
        _ => Value::Null,
    }
}

#[derive(Clone, Debug)]
enum Step {
    /// Into the value of a key of a mapping, which also needs these other keys to be valid.
    Key(String, Vec<(String, Value)>),
    Index,
}

/// Every place the upstream schema describes, as the steps that lead there from the root.
fn places(document: &Value) -> Vec<Vec<Step>> {
    fn walk(
        document: &Value,
        schema: &Value,
        steps: &mut Vec<Step>,
        out: &mut Vec<Vec<Step>>,
        seen: &mut HashSet<(usize, usize)>,
    ) {
        let schema = Walker::resolve(document, schema);
        // The same definition is walked once per place it is used, but not below itself.
        if steps.len() > 10 || !seen.insert((schema as *const Value as usize, steps.len())) {
            return;
        }
        out.push(steps.clone());
        let required: Vec<&str> = schema
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        let fill = |except: &str| -> Vec<(String, Value)> {
            required
                .iter()
                .filter(|k| **k != except)
                .map(|k| {
                    let property = schema
                        .pointer(&format!("/properties/{k}"))
                        .unwrap_or(&Value::Null);
                    (k.to_string(), sample(document, property, 0))
                })
                .collect()
        };
        let mut children: Vec<(Step, &Value)> = Vec::new();
        if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
            for (key, child) in properties {
                children.push((Step::Key(key.clone(), fill(key)), child));
            }
        }
        if let Some(patterns) = schema.get("patternProperties").and_then(Value::as_object) {
            for (pattern, child) in patterns {
                children.push((Step::Key(sample_key(pattern).to_string(), fill("")), child));
            }
        }
        if let Some(items) = schema.get("items") {
            children.push((Step::Index, items));
        }
        for (step, child) in children {
            steps.push(step);
            walk(document, child, steps, out, seen);
            steps.pop();
        }
        for branch in schema
            .get("oneOf")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            walk(document, branch, steps, out, seen);
        }
    }
    let mut out = Vec::new();
    walk(
        document,
        document,
        &mut Vec::new(),
        &mut out,
        &mut HashSet::new(),
    );
    out.sort_by_key(|steps| format!("{steps:?}"));
    out.dedup_by_key(|steps| format!("{steps:?}"));
    out
}

/// Values tried at every place: right and wrong kinds, durations, ports, names.
fn candidates() -> Vec<Value> {
    vec![
        json!("x"),
        json!(""),
        json!("1s"),
        json!("1m30s"),
        json!("1d"),
        json!("10x"),
        json!("80:80"),
        json!("abc"),
        json!("host"),
        json!("service_healthy"),
        json!("a"),
        json!("-a"),
        json!("web-1"),
        json!("every_12h"),
        json!("every_5x"),
        json!("foo always"),
        json!(1),
        json!(0),
        json!(-1),
        json!(1.5),
        json!(2.0),
        json!(70000),
        json!(true),
        Value::Null,
        json!([]),
        json!(["a"]),
        json!(["a", "a"]),
        json!([1]),
        json!({}),
        json!({"a": "b"}),
        json!({"a": 1, "b": null, "c": true}),
        json!({"a": {"b": 1}}),
        json!({"unknown_key": 1}),
        json!({"x-extension": 1}),
        json!({"bad name": {}}),
    ]
}

/// The document with `value` at the end of `steps`, and what the steps need around it.
fn build(kind: SchemaKind, steps: &[Step], value: Value) -> Value {
    fn place(steps: &[Step], value: Value) -> Value {
        match steps.split_first() {
            None => value,
            Some((Step::Key(key, fill), rest)) => {
                let mut map = Map::new();
                for (k, v) in fill {
                    map.insert(k.clone(), v.clone());
                }
                map.insert(key.clone(), place(rest, value));
                Value::Object(map)
            }
            Some((Step::Index, rest)) => Value::Array(vec![place(rest, value)]),
        }
    }
    let mut document = place(steps, value);
    if let (SchemaKind::V3(minor), Value::Object(map)) = (kind, &mut document) {
        map.insert("version".into(), json!(format!("3.{minor}")));
    }
    document
}

/// Small hand-written documents, as YAML.
const HANDWRITTEN: &[&str] = &[
    "services:\n  web:\n    image: nginx\n",
    "services:\n  web:\n    image: nginx\n    enviroment: [A=1]\n",
    "services:\n  web:\n    build: .\n    ports: ['8080:80', 443, {target: 80, published: 8080}]\n",
    "services:\n  web:\n    image: x\n    profiles: [debug]\n    depends_on:\n      db:\n        condition: service_healthy\n  db:\n    image: x\n",
    "services:\n  web:\n    image: x\n    depends_on:\n      db: {condition: bogus}\n",
    "services:\n  web:\n    image: x\n    deploy:\n      resources:\n        limits: {cpus: '0.5', memory: 50M, pids: 10}\n",
    "services:\n  web:\n    image: x\n    healthcheck:\n      test: [CMD, 'true']\n      interval: 10s\n      timeout: 10x\n",
    "services:\n  web:\n    image: x\n    healthcheck:\n      interval: 1d\n",
    "services:\n  web:\n    image: x\n    stop_grace_period: 1h30m\n",
    "services:\n  web:\n    image: x\n    volumes:\n      - type: bind\n        source: .\n        target: /src\n      - data:/data\n      - data:/data\nvolumes:\n  data: {}\n",
    "services:\n  web:\n    image: x\n    volumes:\n      - type: tmpfs\n        target: /tmp\n        tmpfs: {size: 1000}\n",
    "services:\n  web:\n    image: x\n    secrets:\n      - source: s\n        target: /run/s\n        mode: 0400\n        extra: 1\nsecrets:\n  s: {file: ./s}\n",
    "services:\n  web:\n    image: x\n    container_name: a\n",
    "services:\n  web:\n    image: x\n    extra_hosts: {somehost: 1.2.3.4, other: null}\n",
    "services:\n  web:\n    image: x\n    ulimits:\n      nofile: {soft: 1, hard: 2}\n      nproc: 5\n",
    "services:\n  web:\n    image: x\n    ulimits:\n      nofile: {soft: 1}\n",
    "services:\n  web:\n    image: x\n    networks:\n      front:\n        aliases: [a]\n        ipv4_address: 10.0.0.2\n      back:\nnetworks:\n  front: {}\n  back:\n",
    "services:\n  web:\n    image: x\n    logging:\n      driver: json-file\n      options: {max-size: 10m, max-file: 3}\n",
    "services:\n  'my web':\n    image: x\n",
    "services:\n  web:\n    image: x\nnetworks:\n  'my net': {}\n",
    "services:\n  web:\n    image: x\nx-common: &common {a: 1}\n",
    "name: demo\ninclude: [other.yaml]\nservices:\n  web:\n    image: x\n",
    "services:\n  web:\n    image: x\n    cap_add: [A, A]\n",
    "services:\n  web:\n    image: x\n    command: null\n    entrypoint: [sh, -c]\n",
    "services:\n  web:\n    image: x\n    privileged: 'true'\n    read_only: true\n",
    "services:\n  web:\n    image: x\n    deploy:\n      replicas: 2\n      update_config: {parallelism: 1, delay: 10s, order: start-first}\n      restart_policy: {condition: on-failure, max_attempts: 3}\n      placement: {constraints: [node.role==manager], preferences: [{spread: node.id}]}\n",
    "services:\n  web:\n    image: x\n    build:\n      context: .\n      args: [A=1]\n      cache_from: [a]\n      labels: {a: b}\n      network: host\n      target: prod\n      shm_size: 64m\n",
    "version: '3.7'\nservices:\n  web:\n    image: x\n",
    "services: []\n",
    "[]\n",
];

fn yaml_to_json(text: &str) -> Option<Value> {
    let mut yaml: serde_yaml::Value = serde_yaml::from_str(text).ok()?;
    yaml.apply_merge().ok()?;
    serde_json::to_value(yaml).ok()
}

fn corpus_documents() -> Vec<(String, Value)> {
    let Some(dir) = corpus_dir() else {
        eprintln!("no corpus (../shared/compose-corpus; set RCOMPOSE_CORPUS_DIR): hand-written and generated documents only");
        return Vec::new();
    };
    let mut files = Vec::new();
    let mut pending = vec![dir.clone()];
    while let Some(folder) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&folder) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else if matches!(
                path.extension().and_then(|e| e.to_str()),
                Some("yml" | "yaml")
            ) {
                files.push(path);
            }
        }
    }
    files.sort();
    files
        .into_iter()
        .filter_map(|path| {
            let text = std::fs::read_to_string(&path).ok()?;
            let name = path
                .strip_prefix(&dir)
                .unwrap_or(&path)
                .display()
                .to_string();
            yaml_to_json(&text).map(|doc| (name, doc))
        })
        .collect()
}

/// A corpus or hand-written document as the target expects it: 3.x files carry their version.
fn for_target(kind: SchemaKind, document: &Value) -> Value {
    let mut document = document.clone();
    if let (SchemaKind::V3(minor), Value::Object(map)) = (kind, &mut document) {
        map.insert("version".into(), json!(format!("3.{minor}")));
    }
    document
}

/// The document with integral floats (`2.0`) as integers. The 3.x schemas are draft-04, where the
/// `jsonschema` crate does not count `2.0` as an integer; rcompose's schemas are draft-07, where it
/// does — as docker/cli's gojsonschema does for 3.x files (it checks the value; YAML `2.0` decodes
/// to a float64 in Go) and as docker compose v2's validator does.
fn integral_floats_as_integers(value: &Value) -> Value {
    match value {
        Value::Number(n) => match n.as_f64() {
            Some(f) if n.is_f64() && f.fract() == 0.0 && f.abs() < 1e15 => json!(f as i64),
            _ => value.clone(),
        },
        Value::Array(items) => {
            Value::Array(items.iter().map(integral_floats_as_integers).collect())
        }
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), integral_floats_as_integers(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// A node tree for a JSON document (no source, so spans are empty).
fn node(value: &Value) -> Node {
    let value = match value {
        Value::Null => NodeValue::Null,
        Value::Bool(b) => NodeValue::Bool(*b),
        Value::Number(n) => match n.as_i64() {
            Some(i) => NodeValue::Int(i),
            None => NodeValue::Float(n.as_f64().unwrap_or_default()),
        },
        Value::String(s) => NodeValue::Str(s.clone()),
        Value::Array(items) => NodeValue::Seq(items.iter().map(node).collect()),
        Value::Object(map) => NodeValue::Map(
            map.iter()
                .map(|(k, v)| {
                    let mut child = node(v);
                    child.key_span = Some(Span::default());
                    (k.clone(), child)
                })
                .collect(),
        ),
    };
    Node::new(value, Span::default())
}

#[test]
fn behaviour_matches_upstream() {
    let Some(dir) = reference_dir() else {
        eprintln!("skipped: no upstream schemas (../shared/compose-reference; set RCOMPOSE_REFERENCE_DIR)");
        return;
    };
    let corpus = corpus_documents();
    let handwritten: Vec<(String, Value)> = HANDWRITTEN
        .iter()
        .enumerate()
        .map(|(i, text)| {
            (
                format!("handwritten #{i}"),
                yaml_to_json(text).expect("test yaml"),
            )
        })
        .collect();
    let mut failures = Vec::new();
    let mut summary = Vec::new();
    for kind in targets() {
        let theirs_document = upstream_document(&dir, kind);
        let theirs = upstream_validator(&theirs_document, kind);
        let comparable = ours_without_additions(kind);
        let mut documents: Vec<(String, Value)> = corpus
            .iter()
            .chain(&handwritten)
            .map(|(name, doc)| (name.clone(), for_target(kind, doc)))
            .collect();
        for steps in places(&theirs_document) {
            for value in candidates() {
                documents.push((format!("{steps:?} = {value}"), build(kind, &steps, value)));
            }
        }
        let (mut accepted, mut stricter, mut integral) = (0, 0, 0);
        let (mut corpus_upstream, mut corpus_ours) = (0, 0);
        for (index, (name, document)) in documents.iter().enumerate() {
            let mut upstream = theirs.is_valid(document);
            if !upstream && matches!(kind, SchemaKind::V3(_)) {
                upstream = theirs.is_valid(&integral_floats_as_integers(document));
                integral += usize::from(upstream);
            }
            let ours = conforms(kind, document).expect("our schema compiles");
            if comparable.is_valid(document) != upstream {
                failures.push(format!(
                    "{}: {name}: upstream {}, rcompose {}",
                    label(kind),
                    if upstream { "accepts" } else { "rejects" },
                    if upstream { "rejects" } else { "accepts" },
                ));
            } else if ours && !upstream {
                failures.push(format!(
                    "{}: {name}: rcompose accepts what upstream rejects",
                    label(kind)
                ));
            }
            accepted += usize::from(upstream);
            stricter += usize::from(upstream && !ours);
            if index < corpus.len() {
                corpus_upstream += usize::from(upstream);
                corpus_ours += usize::from(ours);
            }
            // The diagnostics side: no panic, and no error for a document docker compose v2's
            // schema (rcompose's spec schema) accepts. (The converse does not hold: repeated
            // entries in lists docker compose de-duplicates before validating are no error.)
            let spec_ok = conforms(SchemaKind::Spec, document).expect("our schema compiles");
            let findings = validate(&node(document), kind, false);
            let errors = findings.iter().filter(|d| d.is_error()).count();
            if spec_ok && errors > 0 {
                failures.push(format!(
                    "{}: {name}: validate reports errors for a valid document: {findings:?}",
                    label(kind)
                ));
            }
        }
        summary.push(format!(
            "{}: {} documents, {accepted} valid upstream ({integral} once `2.0` counts as an integer), {stricter} of those rejected by rcompose's additions; corpus: {corpus_upstream} of {} valid upstream, {corpus_ours} for rcompose",
            label(kind),
            documents.len(),
            corpus.len()
        ));
    }
    println!("{}", summary.join("\n"));
    assert!(
        failures.is_empty(),
        "{} disagreements:\n{}",
        failures.len(),
        failures[..failures.len().min(40)].join("\n")
    );
}
