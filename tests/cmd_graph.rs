//! `rcompose graph`: the three formats on a real compose file (profiles honoured), and the DOT
//! output rendered by Graphviz.

mod common;

use common::{run_rcompose, text, TempDir};

const COMPOSE: &str = "\
name: shop
services:
  web:
    image: nginx
    depends_on:
      db:
        condition: service_healthy
        restart: true
      migrate:
        condition: service_completed_successfully
        required: false
    links: [cache.v2:redis]
    networks: [front, back]
  db:
    image: postgres
    networks: [back]
  migrate:
    image: x
  cache.v2:
    image: redis
  side-car:
    image: x
    network_mode: service:web
    volumes_from: [db:ro, container:foo]
  debug-shell:
    image: x
    profiles: [debug]
    depends_on: [web]
networks:
  front:
  back:
";

fn project() -> TempDir {
    let dir = TempDir::new("graph");
    dir.write("compose.yaml", COMPOSE);
    dir
}

#[test]
fn text_tree_is_the_default() {
    let dir = project();
    let out = run_rcompose(dir.path(), &["graph"], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        "\
side-car  network_mode: service:web
├── db [volumes_from: ro]  networks: back
└── web [network_mode]  networks: back, front
    ├── cache.v2 [link: redis]  networks: default
    ├── db [service_healthy, restart] (*)
    └── migrate [service_completed_successfully, required: false]  networks: default
"
    );
}

#[test]
fn profiles_are_honoured() {
    let dir = project();
    let out = run_rcompose(dir.path(), &["--profile", "debug", "graph"], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.starts_with(
            "debug-shell  networks: default\n└── web [service_started]  networks: back, front\n"
        ),
        "{stdout}"
    );
    let out = run_rcompose(
        dir.path(),
        &["graph", "--format", "mermaid"],
        &[("COMPOSE_PROFILES", "debug")],
    );
    assert!(text(&out.stdout).contains("[\"debug-shell\"]"));
}

#[test]
fn mermaid_output() {
    let dir = project();
    let out = run_rcompose(dir.path(), &["graph", "--format", "mermaid"], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        r#"flowchart TD
  s0["cache.v2"]
  s1["db"]
  s2["migrate"]
  s3["side-car"]
  s4["web"]
  n0(["network: back"])
  n1(["network: default"])
  n2(["network: front"])
  s3 --o|"volumes_from: ro"| s1
  s3 ==>|"network_mode"| s4
  s4 -.->|"link: redis"| s0
  s4 -->|"service_healthy, restart"| s1
  s4 -->|"service_completed_successfully, required: false"| s2
  s0 -.- n1
  s1 -.- n0
  s2 -.- n1
  s4 -.- n0
  s4 -.- n2
"#
    );
}

#[test]
fn bad_format_and_bad_file_are_usage_errors() {
    let dir = project();
    let out = run_rcompose(dir.path(), &["graph", "--format", "png"], &[]);
    assert_eq!(out.status.code(), Some(2));
    let dir = TempDir::new("graph-bad");
    dir.write(
        "compose.yaml",
        "services:\n  a:\n    image: x\n    depends_on: [nope]\n",
    );
    let out = run_rcompose(dir.path(), &["graph"], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert!(text(&out.stderr).contains("nope"), "{}", text(&out.stderr));
}

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|value| value == "true" || value == "1")
}

/// Graphviz accepts the DOT output and draws every service. In CI a missing `dot` fails the
/// test (`.ci/run` installs Graphviz); elsewhere the test says so and skips.
#[test]
fn graphviz_renders_the_dot_output() {
    let dir = project();
    let out = run_rcompose(
        dir.path(),
        &["--profile", "debug", "graph", "--format", "dot"],
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let dot_source = dir.write("graph.dot", &text(&out.stdout));
    let rendered = std::process::Command::new("dot")
        .arg("-Tsvg")
        .arg(&dot_source)
        .output();
    let rendered = match rendered {
        Ok(rendered) => rendered,
        Err(error) if !in_ci() => {
            eprintln!("skipping: Graphviz `dot` is not available ({error})");
            return;
        }
        Err(error) => panic!("CI needs Graphviz `dot` (.ci/run installs it): {error}"),
    };
    assert!(
        rendered.status.success(),
        "dot -Tsvg failed: {}",
        text(&rendered.stderr)
    );
    // Graphviz writes `-` as `&#45;` in SVG text.
    let svg = text(&rendered.stdout).replace("&#45;", "-");
    for service in [
        "web",
        "db",
        "migrate",
        "cache.v2",
        "side-car",
        "debug-shell",
    ] {
        assert!(
            svg.contains(&format!("<title>{service}</title>")),
            "the SVG has no node {service}"
        );
    }
}
