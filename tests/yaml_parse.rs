//! The YAML reader against docker compose v2's reading of the same text, against hostile and
//! random input, and against the clock.

use std::time::{Duration, Instant};

use rcompose::diag::Diagnostic;
use rcompose::project::node::{Node, Span, Value};
use rcompose::project::yaml::{
    copy_budget, parse, parse_scanning_on_a_second_thread, ALIAS_COPY_BUDGET,
};

const SCALARS_YAML: &str = include_str!("fixtures/yaml/scalars.yaml");
/// `docker compose config --format json` (v2.40.3) on scalars.yaml, `x-` keys only.
const SCALARS_JSON: &str = include_str!("fixtures/yaml/scalars.json");

const SMALL_PROJECT: &str = r#"name: shop
x-logging: &logging
  driver: json-file
  options: {max-size: "10m", max-file: "3"}
services:
  web:
    image: "nginx:1.27"
    ports: ["8080:80", {target: 443, published: 8443}]
    depends_on:
      api: {condition: service_healthy}
    logging: *logging
  api:
    build: {context: ./api, args: [VERSION=1]}
    environment:
      DATABASE_URL: postgres://db/shop
      DEBUG: "false"
      WORKERS: 4
      JAVA_OPTS: "-Xmx1g
      -Dfile.encoding=UTF-8"
    healthcheck:
      test: ["CMD", "curl", "-f", "http://localhost"]
      interval: 10s
    command: >
      serve --port 80
      --verbose
    labels:
      - "com.example.tier=backend"
    logging:
      <<: *logging
      driver: local
volumes:
  data: {}
---
services:
  worker:
    image: busybox
    command: ["sh", "-c", "echo é ü 😀"]
"#;

fn expect_ok(text: &str) -> Vec<Node> {
    parse(text, 0).unwrap_or_else(|errors| panic!("{text:?}: {errors:#?}"))
}

fn expect_err(text: &str) -> Vec<Diagnostic> {
    match parse(text, 0) {
        Ok(docs) => panic!("parsed, expected an error: {docs:#?}"),
        Err(errors) => errors,
    }
}

/// JSON equality as docker compose prints it: its output does not tell 1000 from 1000.0.
fn same_json(ours: &serde_json::Value, theirs: &serde_json::Value) -> bool {
    use serde_json::Value as J;
    match (ours, theirs) {
        (J::Number(a), J::Number(b)) => a.as_f64() == b.as_f64(),
        (J::Array(a), J::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(a, b)| same_json(a, b))
        }
        (J::Object(a), J::Object(b)) => {
            a.len() == b.len()
                && a.iter()
                    .all(|(key, value)| b.get(key).is_some_and(|other| same_json(value, other)))
        }
        _ => ours == theirs,
    }
}

#[test]
fn reads_scalars_keys_anchors_and_merges_as_docker_compose_does() {
    let docs = expect_ok(SCALARS_YAML);
    let root = docs[0].to_json();
    let expected: serde_json::Value = serde_json::from_str(SCALARS_JSON).unwrap();
    for (key, theirs) in expected.as_object().unwrap() {
        let ours = &root[key];
        assert!(
            same_json(ours, theirs),
            "`{key}` differs\n ours: {ours}\ntheirs: {theirs}"
        );
    }
}

#[test]
fn a_realistic_project_parses_with_spans_on_every_node() {
    let docs = expect_ok(SMALL_PROJECT);
    assert_eq!(docs.len(), 2);
    check_spans(SMALL_PROJECT, &docs, &[]);
    let api = docs[0].pointer("/services/api").unwrap();
    assert_eq!(
        api.pointer("/environment/WORKERS").unwrap().value,
        Value::Int(4)
    );
    // Continued at the key's column: YAML says no, docker compose says yes, and so do we.
    assert_eq!(
        api.pointer("/environment/JAVA_OPTS").unwrap().as_str(),
        Some("-Xmx1g -Dfile.encoding=UTF-8")
    );
    assert_eq!(
        api.pointer("/environment/DEBUG").unwrap().value,
        Value::Str("false".into())
    );
    assert_eq!(
        api.pointer("/command").unwrap().as_str(),
        Some("serve --port 80 --verbose\n")
    );
    let logging = api.get("logging").unwrap();
    assert_eq!(logging.pointer("/driver").unwrap().as_str(), Some("local"));
    assert_eq!(
        logging.pointer("/options/max-file").unwrap().as_str(),
        Some("3")
    );
    let web_logging = docs[0].pointer("/services/web/logging").unwrap();
    assert_eq!(
        web_logging.span.line, 3,
        "an alias keeps where its value was written"
    );
    assert_eq!(web_logging.key_span.unwrap().line, 11);
}

#[test]
fn an_empty_file_has_no_documents() {
    // docker compose v2 says "empty compose file" for "", a comment-only file and "---"; the
    // pipeline reports that. A bare `---` is a null document, which it skips.
    assert!(expect_ok("").is_empty());
    assert!(expect_ok("  \n# nothing here\n").is_empty());
    let docs = expect_ok("---\n");
    assert!(docs.len() == 1 && docs[0].is_null());
    let docs = expect_ok("services: {}\n---\n");
    assert_eq!(docs.len(), 2);
}

#[test]
fn hostile_inputs_are_refused_fast() {
    let laughs = {
        let mut text = String::from("a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
        for i in 1..10 {
            let items = vec![format!("*a{}", i - 1); 9].join(", ");
            text.push_str(&format!("a{i}: &a{i} [{items}]\n"));
        }
        text
    };
    let merge_bomb = {
        let mut text = String::from("m0: &m0 {a: 1, b: 2, c: 3, d: 4, e: 5, f: 6, g: 7, h: 8}\n");
        for i in 1..12 {
            let items = vec![format!("*m{}", i - 1); 8].join(", ");
            text.push_str(&format!("m{i}: &m{i} {{x: [{items}], <<: *m{}}}\n", i - 1));
        }
        text
    };
    let wide = {
        let mut text = String::from("big: &big [");
        text.push_str(&vec!["x"; 10_000].join(", "));
        text.push_str("]\nuses:\n");
        for _ in 0..200 {
            text.push_str("  - *big\n");
        }
        text
    };
    // No alias at all: every anchor keeps its own copy of everything inside it.
    let nested_anchors = format!(
        "{}[{}]{}\n",
        (0..250).map(|i| format!("&n{i} [")).collect::<String>(),
        vec!["x"; 20_000].join(","),
        "]".repeat(250)
    );
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "billion laughs",
            laughs,
            "nodes through anchors and aliases",
        ),
        (
            "merge-key bomb",
            merge_bomb,
            "nodes through anchors and aliases",
        ),
        (
            "one big anchor used often",
            wide,
            "nodes through anchors and aliases",
        ),
        (
            "nested anchors",
            nested_anchors,
            "nodes through anchors and aliases",
        ),
        ("100 000 `[`", "[".repeat(100_000), "levels deep"),
        ("100 000 `{a: `", "{a: ".repeat(100_000), "levels deep"),
        (
            "100 000 `- `",
            format!("{}x\n", "- ".repeat(100_000)),
            "levels deep",
        ),
        (
            "indented mappings",
            (0..3_000)
                .map(|i| format!("{}k:\n", " ".repeat(i)))
                .collect(),
            "levels deep",
        ),
        (
            "recursive alias",
            "a: &a {b: [*a]}\n".to_string(),
            "contains it",
        ),
        (
            "many strings to mend",
            (0..2_000).map(|i| format!("k{i}: \"a\nb\"\n")).collect(),
            "invalid indentation in quoted scalar",
        ),
        (
            "undefined alias",
            "a: *nowhere\n".to_string(),
            "undefined anchor",
        ),
    ];
    for (name, text, message) in cases {
        let started = Instant::now();
        let errors = expect_err(&text);
        let elapsed = started.elapsed();
        println!("{name}: refused in {elapsed:?}");
        assert!(elapsed < Duration::from_secs(1), "{name}: took {elapsed:?}");
        assert!(
            errors[0].message.contains(message),
            "{name}: {:?}",
            errors[0].message
        );
        assert!(errors[0].span.is_some(), "{name}: no location");
        check_spans(&text, &[], &errors);
    }
    assert_eq!(copy_budget(1000), ALIAS_COPY_BUDGET);
    assert_eq!(copy_budget(4_000_000), 4_000_000);
}

#[test]
fn long_lines_of_non_ascii_text_stay_linear() {
    // Columns are counted in characters; converting them to byte offsets must not rescan the
    // line for every value on it.
    let entries: Vec<String> = (0..50_000).map(|i| format!("é{i}: ü")).collect();
    let text = format!("x: {{{}}}\n", entries.join(", "));
    let started = Instant::now();
    let docs = expect_ok(&text);
    let elapsed = started.elapsed();
    assert!(elapsed < Duration::from_secs(2), "took {elapsed:?}");
    let x = docs[0].get("x").unwrap();
    let last = x.get("é49999").unwrap();
    assert_eq!(
        &text[last.span.offset..last.span.offset + last.span.len],
        "ü"
    );
}

#[test]
fn legitimate_alias_use_stays_within_the_budget() {
    // 1000 services each merging a 30-entry block: 30 000 copied nodes, far below the limit.
    let mut text = String::from("x-defaults: &defaults\n");
    for i in 0..30 {
        text.push_str(&format!("  key{i}: value{i}\n"));
    }
    text.push_str("services:\n");
    for i in 0..1000 {
        text.push_str(&format!("  s{i}:\n    <<: *defaults\n    image: img{i}\n"));
    }
    let docs = expect_ok(&text);
    let services = docs[0].get("services").unwrap().as_map().unwrap();
    assert_eq!(services.len(), 1000);
    assert_eq!(services["s999"].as_map().unwrap().len(), 31);
}

/// A tiny deterministic PRNG (xorshift64*), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Characters that steer a YAML scanner into its corners, and some that are not ASCII.
const ALPHABET: &[char] = &[
    ':', '-', '?', '[', ']', '{', '}', ',', '&', '*', '!', '|', '>', '\'', '"', '#', '%', '@', '`',
    '\\', ' ', ' ', ' ', '\t', '\n', '\n', '\r', '.', '~', '<', '=', '_', '+', 'a', 'k', 'x', '0',
    '1', '9', 'e', 'é', 'ß', '😀', '\u{feff}', '\u{85}', '\u{2028}', '\0',
];

fn mutate(rng: &mut Rng, source: &[char], corpus: &[Vec<char>]) -> Vec<char> {
    let mut text = source.to_vec();
    for _ in 0..1 + rng.below(8) {
        let at = rng.below(text.len() + 1);
        match rng.below(7) {
            0 => text.insert(at, ALPHABET[rng.below(ALPHABET.len())]),
            1 if at < text.len() => {
                text.remove(at);
            }
            2 if at < text.len() => text[at] = ALPHABET[rng.below(ALPHABET.len())],
            3 => {
                // Splice a piece of another document in.
                let other = &corpus[rng.below(corpus.len())];
                let from = rng.below(other.len());
                let len = rng.below(80).min(other.len() - from);
                text.splice(at..at, other[from..from + len].iter().copied());
            }
            4 if at < text.len() => {
                // Repeat a piece, as generated and templated files do.
                let len = rng.below(40).min(text.len() - at);
                let piece: Vec<char> = text[at..at + len].to_vec();
                for _ in 0..rng.below(4) {
                    text.splice(at..at, piece.iter().copied());
                }
            }
            5 if at < text.len() => {
                let len = rng.below(20).min(text.len() - at);
                text.drain(at..at + len);
            }
            _ => text.insert(at, ' '),
        }
    }
    text
}

#[test]
fn random_and_mutated_input_never_panics_and_spans_stay_in_the_text() {
    let corpus: Vec<Vec<char>> = [SCALARS_YAML, SMALL_PROJECT]
        .iter()
        .map(|text| text.chars().collect())
        .collect();
    // RCOMPOSE_FUZZ_ITERATIONS=1000000 for a longer hunt; failures print the input.
    let iterations = std::env::var("RCOMPOSE_FUZZ_ITERATIONS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(if cfg!(debug_assertions) {
            4_000
        } else {
            40_000
        });
    let seed = std::env::var("RCOMPOSE_FUZZ_SEED")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0x9e37_79b9_7f4a_7c15);
    let mut rng = Rng(seed);
    for iteration in 0..iterations {
        let chars: Vec<char> = if iteration % 4 == 0 {
            (0..rng.below(200))
                .map(|_| ALPHABET[rng.below(ALPHABET.len())])
                .collect()
        } else {
            let source = &corpus[rng.below(corpus.len())];
            mutate(&mut rng, source, &corpus)
        };
        let text: String = chars.into_iter().collect();
        let outcome = std::panic::catch_unwind(|| parse(&text, 0));
        // Large files are scanned on a second thread: the same text read that way reads alike.
        if iteration % 4 == 1 {
            let threaded = std::panic::catch_unwind(|| parse_scanning_on_a_second_thread(&text, 0));
            assert_eq!(
                format!("{outcome:?}"),
                format!("{threaded:?}"),
                "iteration {iteration}: {text:?}"
            );
        }
        match outcome {
            Ok(Ok(docs)) => check_spans(&text, &docs, &[]),
            Ok(Err(errors)) => {
                assert!(!errors.is_empty());
                check_spans(&text, &[], &errors);
            }
            Err(_) => panic!("iteration {iteration}: parse panicked on {text:?}"),
        }
    }
    // Raw bytes, made text the way a file read with replacement would be.
    for _ in 0..iterations / 4 {
        let bytes: Vec<u8> = (0..rng.below(300)).map(|_| rng.next() as u8).collect();
        let text = String::from_utf8_lossy(&bytes).into_owned();
        if let Ok(docs) = parse(&text, 0) {
            check_spans(&text, &docs, &[]);
        }
    }
}

/// Every span lies inside the text on character boundaries, and its line and column are the
/// ones its byte offset has.
fn check_spans(text: &str, docs: &[Node], errors: &[Diagnostic]) {
    let mut spans: Vec<Span> = Vec::new();
    let mut stack: Vec<&Node> = docs.iter().collect();
    while let Some(node) = stack.pop() {
        spans.push(node.span);
        spans.extend(node.key_span);
        match &node.value {
            Value::Seq(items) => stack.extend(items),
            Value::Map(map) => stack.extend(map.values()),
            _ => {}
        }
    }
    for error in errors {
        spans.extend(error.span);
        spans.extend(error.related.iter().map(|(span, _)| *span));
    }
    let lines = line_starts(text);
    for span in spans {
        let end = span.offset + span.len;
        assert!(
            end <= text.len(),
            "{span:?} beyond {} bytes of {text:?}",
            text.len()
        );
        assert!(
            text.is_char_boundary(span.offset) && text.is_char_boundary(end),
            "{span:?} splits a character in {text:?}"
        );
        let line = lines.partition_point(|start| *start <= span.offset);
        let col = text[lines[line - 1]..span.offset].chars().count() + 1;
        assert_eq!(
            (span.line, span.col),
            (line as u32, col as u32),
            "{span:?} in {text:?}"
        );
    }
}

/// Byte offsets where lines start, with yaml-rust2's line breaks (LF, CR LF, lone CR). A leading
/// byte order mark takes no column.
fn line_starts(text: &str) -> Vec<usize> {
    let bytes = text.as_bytes();
    let mut starts = vec![if text.starts_with('\u{feff}') { 3 } else { 0 }];
    for (i, byte) in bytes.iter().enumerate() {
        let lone_cr = *byte == b'\r' && bytes.get(i + 1) != Some(&b'\n');
        if *byte == b'\n' || lone_cr {
            starts.push(i + 1);
        }
    }
    starts
}

/// A compose file of `count` services, about 30 lines each, in the shapes real files use.
fn generated_project(count: usize) -> String {
    let mut text = String::from(
        "name: big\nx-logging: &logging\n  driver: json-file\n  options:\n    max-size: \"10m\"\n\
         x-env: &env\n  TZ: UTC\n  LANG: C.UTF-8\nservices:\n",
    );
    for i in 0..count {
        let previous = i.saturating_sub(1);
        text.push_str(&format!(
            r#"  service-{i}:
    image: "registry.example.com/team/service-{i}:1.{i}.0"
    container_name: service_{i}
    restart: unless-stopped
    command: ["./run", "--port", "{port}", "--name=service-{i}"]
    environment:
      <<: *env
      SERVICE_ID: {i}
      DEBUG: "false"
      RATIO: 0.75
    ports:
      - "{port}:{port}"
      - target: 9000
        published: {metrics}
        protocol: tcp
    volumes:
      - ./data/service-{i}:/var/lib/service:rw
      - type: volume
        source: cache
        target: /cache
    depends_on:
      service-{previous}:
        condition: service_started
    healthcheck:
      test: ["CMD-SHELL", "curl -fsS http://localhost:{port}/health || exit 1"]
      interval: 10s
      retries: 3
    labels:
      com.example.team: platform
      com.example.index: "{i}"
    logging: *logging
"#,
            port = 10_000 + i,
            metrics = 20_000 + i,
        ));
    }
    text.push_str("volumes:\n  cache: {}\n");
    text
}

#[test]
fn a_1000_service_file_parses_in_milliseconds() {
    let text = generated_project(1000);
    let lines = text.lines().count();
    assert!(lines > 30_000, "{lines} lines");
    let docs = expect_ok(&text);
    let services = docs[0].get("services").unwrap().as_map().unwrap();
    assert_eq!(services.len(), 1000);
    check_spans(&text, &docs, &[]);
    // Best of a few runs, next to yaml-rust2 alone reading the same events: the machine is
    // shared, so the ratio is what can be held to.
    let best = |run: &dyn Fn()| {
        (0..5)
            .map(|_| {
                let started = Instant::now();
                run();
                started.elapsed()
            })
            .min()
            .unwrap()
    };
    let events_only = best(&|| {
        let mut parser = yaml_rust2::parser::Parser::new_from_str(&text);
        while parser.next_token().unwrap().0 != yaml_rust2::Event::StreamEnd {}
    });
    let full = best(&|| drop(parse(&text, 0).unwrap()));
    println!(
        "{lines} lines, {} KiB: parsed in {full:?}; yaml-rust2 events alone {events_only:?}",
        text.len() / 1024
    );
    // Debug builds optimise dependencies (yaml-rust2) but not this crate.
    let factor = if cfg!(debug_assertions) { 12 } else { 3 };
    assert!(
        full < events_only * factor + Duration::from_millis(5),
        "building the tree costs too much: {full:?} against {events_only:?}"
    );
}

/// A comment long enough to push a text over the size from which it is scanned on a second
/// thread (64 KiB), while adding no event.
fn large_padding() -> String {
    "# padding: a text this long is scanned on a second thread while nodes are built\n".repeat(1000)
}

#[test]
fn a_text_scanned_on_a_second_thread_reads_exactly_as_one_scanned_in_place() {
    let padding = large_padding();
    assert!(padding.len() > 64 * 1024);
    let cases = [
        // Two documents, anchors, merges, multi-line scalars.
        SMALL_PROJECT.to_string(),
        // A duplicate key (found while building) before a scanner error (`@` cannot start a
        // plain scalar): both reported, the scan stops at the error.
        "services:\n  web:\n    image: a\n    image: b\n    command: @bad\n".to_string(),
        // More errors than are collected before giving up on a file.
        format!(
            "services:\n  web:\n{}",
            (0..150)
                .map(|i| format!("    k{}: 1\n    k{}: 2\n", i, i))
                .collect::<String>()
        ),
        // Refused while building: nesting deeper than allowed.
        format!("a: {}{}\n", "[".repeat(300), "]".repeat(300)),
    ];
    for case in cases {
        let large = format!("{case}{padding}");
        let in_place = format!("{:?}", parse(&case, 0));
        let threaded = format!("{:?}", parse(&large, 0));
        assert_eq!(in_place, threaded, "{case}");
    }
}

#[test]
fn a_large_alias_bomb_is_refused_as_fast_on_the_scanning_thread() {
    let mut text = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..12 {
        let previous = (b'a' + i - 1) as char;
        let name = (b'a' + i) as char;
        text.push_str(&format!(
            "{name}: &{name} [*{previous}, *{previous}, *{previous}, *{previous}, *{previous}, *{previous}, *{previous}, *{previous}, *{previous}, *{previous}]\n"
        ));
    }
    text.push_str(&large_padding());
    let started = Instant::now();
    let errors = expect_err(&text);
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    assert!(
        errors.iter().any(|e| e.message.contains("alias")),
        "{errors:#?}"
    );
}
