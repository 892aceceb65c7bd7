use super::*;
use crate::project::yaml;

fn doc(text: &str) -> Node {
    let mut docs = yaml::parse(text, 0).unwrap_or_else(|e| panic!("bad test yaml: {e:?}"));
    assert_eq!(docs.len(), 1);
    docs.remove(0)
}

fn check(text: &str) -> Vec<Diagnostic> {
    let doc = doc(text);
    validate(&doc, select(&doc), false)
}

fn check_strict(text: &str) -> Vec<Diagnostic> {
    let doc = doc(text);
    validate(&doc, select(&doc), true)
}

fn errors(diagnostics: &[Diagnostic]) -> Vec<&Diagnostic> {
    diagnostics.iter().filter(|d| d.is_error()).collect()
}

fn only(diagnostics: &[Diagnostic]) -> &Diagnostic {
    assert_eq!(diagnostics.len(), 1, "{diagnostics:#?}");
    &diagnostics[0]
}

/// Line and column of a diagnostic.
fn at(diagnostic: &Diagnostic) -> (u32, u32) {
    let span = diagnostic.span.expect("a located diagnostic");
    (span.line, span.col)
}

#[test]
fn select_reads_the_version_as_docker_compose_does() {
    let kind = |text: &str| select(&doc(text));
    assert_eq!(kind("services: {}"), SchemaKind::Spec);
    assert_eq!(kind("version: '3'\nservices: {}"), SchemaKind::V3(0));
    assert_eq!(kind("version: '3.0'"), SchemaKind::V3(0));
    assert_eq!(kind("version: '3.7'"), SchemaKind::V3(7));
    assert_eq!(kind("version: \"3.9\""), SchemaKind::V3(9));
    for other in [
        "'3.10'", "'2.4'", "'1'", "'3.7.1'", "3.7", "3", "''", "null", "'v3'",
    ] {
        assert_eq!(
            kind(&format!("version: {other}")),
            SchemaKind::Spec,
            "{other}"
        );
    }
}

#[test]
fn valid_files_have_no_findings() {
    assert_eq!(check("services:\n  web:\n    image: nginx\n"), vec![]);
    assert_eq!(
        check("version: '3.7'\nservices:\n  web:\n    image: nginx\n    ports: ['80:80']\n"),
        vec![]
    );
}

#[test]
fn unknown_keys_point_at_the_key_and_suggest() {
    let found = check("services:\n  web:\n    image: x\n    enviroment: []\n");
    let d = only(&found);
    assert!(d.is_error());
    assert_eq!(d.message, "unknown key `enviroment` in `services.web`");
    assert_eq!(d.help.as_deref(), Some("did you mean `environment`?"));
    assert_eq!(at(d), (4, 5));

    let d = only(&check("services: {}\nvolumes: {}\nsecrts: {}\n")).clone();
    assert_eq!(d.message, "unknown top-level key `secrts`");
    assert_eq!(d.help.as_deref(), Some("did you mean `secrets`?"));
}

#[test]
fn type_errors_say_what_was_expected_and_found() {
    let found = check("services:\n  web:\n    image: x\n    dns: {a: 1}\n");
    let d = only(&found);
    assert_eq!(
        d.message,
        "expected a string or a list of strings, found a mapping"
    );
    assert_eq!(
        d.path.as_ref().map(ToString::to_string).as_deref(),
        Some("services.web.dns")
    );
    assert_eq!(at(d), (4, 10));

    let found = check("services:\n  web:\n    image: 3\n");
    let d = only(&found);
    assert_eq!(d.message, "expected a string, found an integer (`3`)");
    assert_eq!(
        d.help.as_deref(),
        Some("quote the value to make it a string: `\"3\"`")
    );
}

#[test]
fn alternatives_report_the_branch_that_fits_the_value() {
    let found = check(
        "services:\n  web:\n    image: x\n    depends_on:\n      db:\n        condition: bogus\n  db:\n    image: x\n",
    );
    let d = only(&found);
    assert_eq!(
        d.path.as_ref().map(ToString::to_string).as_deref(),
        Some("services.web.depends_on.db.condition")
    );
    assert_eq!(
        d.message,
        "expected one of `service_started`, `service_healthy`, `service_completed_successfully`, found `bogus`"
    );

    let found = check("services:\n  web:\n    image: x\n    depends_on:\n      db: {}\n");
    let d = only(&found);
    assert_eq!(d.message, "missing required key `condition`");
    assert_eq!(at(d), (5, 11));

    // A block mapping is pointed at by its key.
    let found = check("services:\n  web:\n    image: x\n    dns:\n      a: 1\n");
    assert_eq!(at(only(&found)), (4, 5));
    let found = check("services:\n  web:\n    image: x\n    command:\n      a: 1\n");
    assert_eq!(at(only(&found)), (4, 5));
    let found = check("services:\n  web:\n    image:\n      - a\n");
    assert_eq!(at(only(&found)), (3, 5));

    let found = check(
        "services:\n  web:\n    image: x\n    ports:\n      - target: 80\n        publshed: 8080\n",
    );
    let d = only(&found);
    assert_eq!(
        d.message,
        "unknown key `publshed` in `services.web.ports[0]`"
    );
    assert_eq!(d.help.as_deref(), Some("did you mean `published`?"));

    let found = check("services:\n  web:\n    image: x\n    environment: ['A=1', 2]\n");
    let d = only(&found);
    assert_eq!(
        d.path.as_ref().map(ToString::to_string).as_deref(),
        Some("services.web.environment[1]")
    );
    assert_eq!(d.message, "expected a string, found an integer (`2`)");

    let found = check("services:\n  web:\n    image: x\n    environment:\n      A: {b: 1}\n");
    assert_eq!(
        only(&found).message,
        "expected a string, a number, a boolean or null, found a mapping"
    );
}

#[test]
fn spec_only_keys_in_3x_files_are_warnings() {
    let text = "version: '3.7'\nservices:\n  web:\n    image: x\n    profiles: [debug]\n";
    let found = check(text);
    let d = only(&found);
    assert_eq!(d.severity, Severity::Warning);
    assert_eq!(
        d.message,
        "`services.web.profiles` is not part of compose file format 3.7; docker compose v2 accepts it as Compose Specification"
    );
    assert_eq!(at(d), (5, 5));
    assert!(only(&check_strict(text)).is_error());

    let found = check(
        "version: '3.7'\nname: demo\nservices:\n  web:\n    image: x\n    pull_policy: always\n    depends_on:\n      db:\n        condition: service_healthy\n    deploy:\n      resources:\n        limits:\n          pids: 5\n  db:\n    image: x\n",
    );
    assert_eq!(found.len(), 4, "{found:#?}");
    assert!(found.iter().all(|d| d.severity == Severity::Warning));
    assert!(found[0]
        .message
        .starts_with("`name` is not part of compose file format 3.7"));
    assert!(found[2].message.starts_with(
        "`services.web.depends_on` is not valid in compose file format 3.7 (expected a list of strings, found a mapping)"
    ));
    assert!(found[3]
        .message
        .starts_with("`services.web.deploy.resources.limits.pids`"));

    // 3.9 knows `pids`.
    let found = check(
        "version: '3.9'\nservices:\n  web:\n    image: x\n    deploy:\n      resources:\n        limits:\n          pids: 5\n",
    );
    assert_eq!(found, vec![]);
}

#[test]
fn real_errors_in_3x_files_stay_errors() {
    let found = check("version: '3.7'\nservices:\n  web:\n    image: x\n    enviroment: []\n");
    let d = only(&found);
    assert!(d.is_error());
    assert_eq!(d.message, "unknown key `enviroment` in `services.web`");
    assert_eq!(d.help.as_deref(), Some("did you mean `environment`?"));

    // 3.9 has `cgroupns_mode`; the Compose Specification, which docker compose v2 applies,
    // does not.
    let found = check("version: '3.9'\nservices:\n  web:\n    image: x\n    cgroupns_mode: host\n");
    let d = only(&found);
    assert!(d.is_error());
    assert_eq!(
        d.help.as_deref(),
        Some("compose file format 3.9 has `cgroupns_mode`, but docker compose v2 validates every file as Compose Specification, which does not; did you mean `cgroup`?")
    );

    // The spec is stricter than 3.x here, and docker compose v2 applies the spec.
    let found = check("version: '3.7'\nservices:\n  web:\n    image: x\n    container_name: a\n");
    assert!(only(&found).is_error());
    let found = check(
        "version: '3.7'\nservices:\n  web:\n    image: x\n    secrets:\n      - source: s\n        bogus: 1\nsecrets:\n  s:\n    file: ./s\n",
    );
    assert!(only(&found).is_error());
}

#[test]
fn durations() {
    let service =
        |version: &str, body: &str| format!("{version}services:\n  web:\n    image: x\n{body}");
    let found = check(&service("", "    stop_grace_period: 10x\n"));
    let d = only(&found);
    assert!(d.is_error());
    assert_eq!(d.message, "invalid duration `10x`: unknown unit `x`");
    assert_eq!(check(&service("", "    stop_grace_period: 1d\n")), vec![]);
    assert_eq!(
        check(&service("", "    stop_grace_period: 1m30s\n")),
        vec![]
    );

    // Go durations have no days: a warning for 3.x, which docker compose v2 runs anyway.
    let found = check(&service("version: '3.7'\n", "    stop_grace_period: 1d\n"));
    let d = only(&found);
    assert_eq!(d.severity, Severity::Warning);
    assert!(
        d.message
            .contains("invalid duration `1d`: unknown unit `d`"),
        "{}",
        d.message
    );

    // 3.0–3.3 do not check healthcheck durations; docker compose v2 does.
    let found = check(&service(
        "version: '3.2'\n",
        "    healthcheck:\n      interval: 10x\n",
    ));
    assert!(only(&found).is_error());
    let found = check(&service(
        "",
        "    deploy:\n      restart_policy:\n        window: 5 s\n",
    ));
    assert!(only(&found).is_error());
}

#[test]
fn ports_and_expose() {
    let service = |body: &str| format!("services:\n  web:\n    image: x\n{body}");
    let found = check(&service("    ports: ['abc']\n"));
    let d = only(&found);
    assert_eq!(
        d.message,
        "invalid port `abc`: invalid container port `abc`"
    );
    assert_eq!(at(d), (4, 13));
    assert!(only(&check(&service("    ports: ['80/xyz']\n"))).is_error());
    assert!(only(&check(&service("    ports: [0]\n"))).is_error());
    assert!(only(&check(&service("    ports: [80.5]\n"))).is_error());
    assert!(only(&check(&service("    ports: [65536]\n"))).is_error());
    assert_eq!(
        check(&service(
            "    ports: [80, '8080:80', '127.0.0.1::80/udp', {target: 80}]\n"
        )),
        vec![]
    );
    assert_eq!(
        check(&service("    expose: ['80', 8080, 'anything']\n")),
        vec![]
    );
    assert!(only(&check(&service("    expose: [1.5]\n"))).is_error());
}

#[test]
fn lists_docker_compose_deduplicates_accept_repeats() {
    let service = |body: &str| format!("services:\n  web:\n    image: x\n{body}");
    assert_eq!(check(&service("    ports: ['80', '80']\n")), vec![]);
    assert_eq!(
        check(&service("    cap_add: [NET_ADMIN, NET_ADMIN]\n")),
        vec![]
    );
    assert_eq!(check(&service("    environment: ['A=1', 'A=1']\n")), vec![]);
    let found = check(&service("    security_opt: [a, b, a]\n"));
    let d = only(&found);
    assert_eq!(d.message, "`a` is listed more than once");
    assert_eq!(at(d), (4, 26));
}

#[test]
fn names_of_services_and_volumes() {
    let found = check("services:\n  'my web':\n    image: x\n");
    let d = only(&found);
    assert_eq!(d.message, "invalid name `my web` in `services`");
    assert_eq!(
        d.help.as_deref(),
        Some("names may contain only letters, digits, `.`, `_` and `-`")
    );
}

#[test]
fn one_finding_per_node() {
    let found = check("services:\n  web:\n    image: x\n    healthcheck:\n      retries: {}\n      interval: []\n");
    assert_eq!(errors(&found).len(), 2, "{found:#?}");
}

#[test]
fn a_numeric_version_is_not_a_string() {
    let found = check("version: 3.7\nservices:\n  web:\n    image: x\n");
    let d = only(&found);
    assert_eq!(d.message, "expected a string, found a number (`3.7`)");
    assert_eq!(
        d.help.as_deref(),
        Some("quote the value to make it a string: `\"3.7\"`")
    );
}

#[test]
fn odd_documents_do_not_panic() {
    for text in [
        "[]",
        "'text'",
        "42",
        "services: []",
        "services:\n  web: []\n",
        "services:\n  web:\n    build: {args: [1, {a: b}]}\n",
        "version: '3.0'\nservices:\n  web:\n    ports: [{target: x}]\n",
        "x-a: &a {b: *a}\n",
        "services:\n  '~1/~0':\n    image: x\n    '/a~b': 1\n",
    ] {
        if let Ok(docs) = yaml::parse(text, 0) {
            for doc in docs {
                for kind in (0..=9).map(SchemaKind::V3).chain([SchemaKind::Spec]) {
                    let _ = validate(&doc, kind, true);
                }
            }
        }
    }
    let found = check("services:\n  web:\n    image: x\n    'a/b~c': 1\n");
    assert_eq!(
        only(&found).message,
        "unknown key `a/b~c` in `services.web`"
    );
}

#[test]
fn a_pruned_validator_grows_to_the_keys_of_later_documents() {
    // The first document compiles a validator for its few keys; the second uses keys that
    // validator pruned, and must be checked against their real subschemas.
    assert!(errors(&check("services:\n  web:\n    image: nginx\n")).is_empty());
    let found = check(
        "services:\n  web:\n    image: nginx\n    deploy:\n      resources:\n        limits:\n          cpus: [1]\n",
    );
    let error = only(&found);
    assert_eq!(error.message, "expected a string or a number, found a list");
    assert_eq!(at(error), (7, 17));
    // A key the schema does not know is still reported with the keys it does.
    let found = check("services:\n  web:\n    image: nginx\n    helthcheck: {}\n");
    assert_eq!(
        only(&found).message,
        "unknown key `helthcheck` in `services.web`"
    );
    assert!(only(&found)
        .help
        .as_deref()
        .unwrap_or_default()
        .contains("healthcheck"));
}

#[test]
fn object_keys_finds_every_key_of_a_json_text() {
    let keys = object_keys(r#"{"a": {"b\"c": 1, "d" :[{"e":"f:"}]}, "g": "h"}"#);
    let mut keys: Vec<&str> = keys.into_iter().collect();
    keys.sort_unstable();
    assert_eq!(keys, ["a", "b\\\"c", "d", "e", "g"]);
}
