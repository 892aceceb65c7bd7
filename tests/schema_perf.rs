//! Timings of schema validation. A first validation compiles the schema, once per process, so
//! each measurement wants a process of its own; the tests are ignored by default and run one by
//! one:
//!
//! ```text
//! cargo test --release --test schema_perf -- --ignored --nocapture --exact spec_first
//! cargo test --release --test schema_perf -- --ignored --nocapture --exact v3_first
//! cargo test --release --test schema_perf -- --ignored --nocapture --exact thousand
//! ```
//!
//! `dump_documents` writes the derived JSON schemas to `RCOMPOSE_DUMP_DIR` (default: the test
//! target's temporary directory) for reading.

use std::time::{Duration, Instant};

use rcompose::project::schema::{select, validate, SchemaKind};
use rcompose::project::yaml;

fn two_services(version: &str) -> String {
    format!(
        "{version}services:\n  web:\n    image: nginx\n    ports: ['8080:80']\n    depends_on: [db]\n  db:\n    image: postgres\n    environment:\n      POSTGRES_PASSWORD: example\n"
    )
}

fn thousand_services(version: &str) -> String {
    let mut text = format!("{version}services:\n");
    for i in 0..1000 {
        text.push_str(&format!(
            "  svc{i}:\n    image: nginx\n    ports: ['8080:80']\n    environment:\n      A: b\n    restart: always\n    volumes: ['./x:/y']\n    depends_on: [svc0]\n    healthcheck:\n      test: [CMD, 'true']\n      interval: 10s\n"
        ));
    }
    text
}

fn time<T>(f: impl FnOnce() -> T) -> (T, Duration) {
    let start = Instant::now();
    let result = f();
    (result, start.elapsed())
}

fn measure(label: &str, text: &str) {
    let doc = yaml::parse(text, 0).expect("yaml").remove(0);
    let kind = select(&doc);
    let (first, cold) = time(|| validate(&doc, kind, false));
    assert!(first.is_empty(), "{first:#?}");
    let runs = 20;
    let (_, warm) = time(|| {
        for _ in 0..runs {
            validate(&doc, kind, false);
        }
    });
    let (_, to_json) = time(|| doc.to_json());
    println!(
        "{label} ({kind:?}): first validate {cold:?} (schema derivation + compilation + validation), then {:?} per validate ({to_json:?} of it converting to JSON)",
        warm / runs
    );
}

#[test]
#[ignore]
fn spec_first() {
    measure("2 services", &two_services(""));
}

#[test]
#[ignore]
fn v3_first() {
    measure("2 services", &two_services("version: '3.7'\n"));
}

#[test]
#[ignore]
fn thousand() {
    measure("1000 services", &thousand_services(""));
    measure("1000 services", &thousand_services("version: '3.7'\n"));
}

/// Parsing the embedded JSON schema, then compiling it, as a first validation does.
#[test]
#[ignore]
fn compile_each() {
    for kind in [SchemaKind::Spec, SchemaKind::V3(7)] {
        let (document, parse) = time(|| rcompose::project::schema::schema_document(kind).unwrap());
        let (_, first) = time(|| {
            jsonschema::options()
                .with_draft(jsonschema::Draft::Draft7)
                .with_pattern_options(jsonschema::PatternOptions::regex())
                .build(&document)
                .unwrap()
        });
        let (_, again) = time(|| {
            for _ in 0..20 {
                jsonschema::options()
                    .with_draft(jsonschema::Draft::Draft7)
                    .with_pattern_options(jsonschema::PatternOptions::regex())
                    .build(&document)
                    .unwrap();
            }
        });
        println!(
            "{kind:?}: parse {parse:?}, compile {first:?} (first), then {:?}",
            again / 20
        );
    }
}

#[test]
#[ignore]
fn dump_documents() {
    let dir = std::env::var("RCOMPOSE_DUMP_DIR")
        .unwrap_or_else(|_| env!("CARGO_TARGET_TMPDIR").to_string());
    for kind in (0..=9).map(SchemaKind::V3).chain([SchemaKind::Spec]) {
        let document = rcompose::project::schema::schema_document(kind).expect("derives");
        let name = match kind {
            SchemaKind::V3(minor) => format!("{dir}/compose-3.{minor}.json"),
            SchemaKind::Spec => format!("{dir}/compose-spec.json"),
        };
        std::fs::write(&name, serde_json::to_string_pretty(&document).unwrap()).unwrap();
        println!("{name}");
    }
}
