//! `extends`, checked against what docker compose v2.40.3 does with the same files (see the
//! comments); files live under `tests/fixtures/merge/extends/`. Outcomes are before
//! canonicalisation: each doc goes through `extends::resolve` then `merge::merge_all`, as the
//! pipeline does.

mod merge_support;

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

use merge_support::yaml_in;
use rcompose::diag::Diagnostic;
use rcompose::project::extends::resolve;
use rcompose::project::merge::{merge, merge_all};
use rcompose::project::node::Node;
use serde_json::{json, Value as Json};

fn fixture(dir: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/merge/extends")
        .join(dir)
}

/// Reads files from disk as the pipeline would, numbering them from 10 and counting reads.
struct Disk {
    next_file: u32,
    reads: HashMap<PathBuf, usize>,
}

impl Disk {
    fn new() -> Disk {
        Disk {
            next_file: 10,
            reads: HashMap::new(),
        }
    }

    fn load(&mut self, path: &Path) -> Result<Node, Vec<Diagnostic>> {
        *self.reads.entry(path.to_path_buf()).or_default() += 1;
        let text = std::fs::read_to_string(path)
            .map_err(|error| vec![Diagnostic::error(error.to_string())])?;
        self.next_file += 1;
        Ok(yaml_in(&text, self.next_file))
    }
}

/// Resolves `extends` in `text` (file 0, in project directory `dir`), then merges it alone.
fn resolved_in(dir: &Path, text: &str) -> (Json, Vec<Diagnostic>, Disk) {
    let disk = RefCell::new(Disk::new());
    let mut doc = yaml_in(text, 0);
    let mut diagnostics = Vec::new();
    resolve(
        &mut doc,
        dir,
        &mut |path: &Path| disk.borrow_mut().load(path),
        &mut diagnostics,
    );
    let (merged, problems) = merge_all([doc]);
    diagnostics.extend(problems);
    (merged.to_json(), diagnostics, disk.into_inner())
}

fn services(text: &str) -> Json {
    let (json, diagnostics, _) = resolved_in(&fixture("errors"), text);
    assert!(
        diagnostics.is_empty(),
        "unexpected diagnostics: {diagnostics:#?}"
    );
    json["services"].clone()
}

fn errors(text: &str) -> Vec<Diagnostic> {
    let (_, diagnostics, _) = resolved_in(&fixture("errors"), text);
    assert!(!diagnostics.is_empty(), "expected diagnostics");
    diagnostics
}

#[test]
fn chains_merge_with_the_override_rules() {
    // docker compose printed for cli: command [b], depends_on db, environment
    // {PORT: 8080, TZ: utc}, links [db], ports 80→80 and 81→81, user root, volumes vol2→/data,
    // volumes_from [db] (v2 inherits depends_on, links and volumes_from)
    let out = services(
        r#"
services:
  base:
    image: busybox
    environment: {TZ: utc, PORT: "80"}
    ports: ["80:80"]
    command: [a]
    depends_on: [db]
    links: [db]
    volumes_from: [db]
    volumes: ["vol1:/data"]
  mid:
    extends: base
    user: root
    ports: ["81:81", "80:80"]
  cli:
    extends: {service: mid}
    environment: [PORT=8080]
    command: b
    volumes: ["vol2:/data"]
  db: {image: pg}
"#,
    );
    assert_eq!(
        out["cli"],
        json!({
            "image": "busybox",
            "environment": ["PORT=8080", "TZ=utc"],
            "ports": ["80:80", "81:81"],
            "command": "b",
            "depends_on": ["db"],
            "links": ["db"],
            "volumes_from": ["db"],
            "volumes": ["vol2:/data"],
            "user": "root"
        })
    );
    assert_eq!(out["mid"]["ports"], json!(["80:80", "81:81"]));
    assert_eq!(out["base"]["ports"], json!(["80:80"]));
}

#[test]
fn the_extending_service_wins_with_the_same_rules_as_files() {
    // docker compose: web keeps the build context and takes dockerfile D; logging is replaced
    // (another driver); web2's `image: null` keeps the image; `disable: true` is no error
    // (the spec says it is; docker compose v2 accepts it)
    let out = services(
        r#"
services:
  base:
    image: a
    build: ./ctx
    logging: {driver: syslog, options: {a: "1"}}
    healthcheck: {test: [CMD, x], interval: 5s}
  web:
    extends: base
    build: {dockerfile: D}
    logging: {driver: json-file, options: {b: "2"}}
    healthcheck: {disable: true}
  web2:
    extends:
      service: base
    image: null
"#,
    );
    assert_eq!(
        out["web"],
        json!({
            "image": "a",
            "build": {"context": "./ctx", "dockerfile": "D"},
            "logging": {"driver": "json-file", "options": {"b": "2"}},
            "healthcheck": {"test": ["CMD", "x"], "interval": "5s", "disable": true}
        })
    );
    assert_eq!(out["web2"]["image"], json!("a"));
    assert!(out["web2"].get("extends").is_none());
}

#[test]
fn paths_of_another_file_are_rebased_onto_its_directory() {
    // docker compose --no-path-resolution printed these paths (long syntax); env_file and
    // label_file were checked through the variables they bring
    let dir = fixture("paths");
    let text = std::fs::read_to_string(dir.join("compose.yml")).unwrap();
    let (out, diagnostics, disk) = resolved_in(&dir, &text);
    assert!(diagnostics.is_empty(), "{diagnostics:#?}");
    let app = &out["services"]["app"];
    assert_eq!(
        app["build"],
        json!({
            "context": "sub/app",
            "additional_contexts": {
                "x": "sub/extra",
                "y": "docker-image://alpine",
                "z": "https://github.com/a/b.git"
            },
            "dockerfile": "Df"
        })
    );
    assert_eq!(
        app["env_file"],
        json!(["sub/deeper/root.env", "sub/common.env", {"path": "sub/opt.env", "required": false}])
    );
    assert_eq!(app["label_file"], json!("sub/labels.txt"));
    assert_eq!(
        app["volumes"],
        json!([
            "./sub/deeper/rootdata:/rootdata",
            "./sub/data:/data",
            "named:/named",
            "/abs:/abs",
            "~/home:/home",
            {"type": "bind", "source": "sub/b2", "target": "/b2"},
            {"type": "volume", "source": "v3", "target": "/v3"},
            "./sub:/dot",
            ".:/dotdot",
            "./local:/local"
        ])
    );
    assert_eq!(app["develop"]["watch"][0]["path"], json!("sub/src"));
    assert_eq!(app["image"], json!("x"));
    assert!(app.get("extends").is_none());

    assert_eq!(
        out["services"]["p2"],
        json!({"image": "p", "build": "sub/ctx", "env_file": "sub/plain.env"})
    );
    let p3 = &out["services"]["p3"];
    assert_eq!(
        p3["build"],
        json!({
            "context": "sub/app",
            "dockerfile": "../Dockerfile",
            "ssh": ["default", "key=sub/id_rsa"],
            "additional_contexts": ["x=sub/extra", "y=up", "z=service:web"]
        })
    );
    assert_eq!(p3["label_file"], json!(["sub/l1.txt"]));
    assert_eq!(
        p3["volumes"],
        json!([
            {"type": "bind", "source": "sub/data", "target": "/d"},
            {"type": "volume", "source": "./notbind", "target": "/n"},
            "C:/win:/w"
        ])
    );
    // Only the services come over: the other file's `volumes` are not imported.
    assert!(out.get("volumes").is_none());
    // Each file is read once however many services extend from it.
    assert!(disk.reads.values().all(|&count| count == 1));
    assert_eq!(disk.reads.len(), 2);
}

#[test]
fn resolution_is_per_file_so_later_files_do_not_change_an_earlier_extends() {
    // docker compose: web = {image: a, environment: {X: 1}}, no ports
    let dir = fixture("errors");
    let disk = RefCell::new(Disk::new());
    let mut load = |path: &Path| disk.borrow_mut().load(path);
    let mut diagnostics = Vec::new();
    let mut first = yaml_in(
        "services:\n  base: {image: a, environment: [X=1]}\n  web: {extends: base, ports: [\"80:80\"]}\n",
        0,
    );
    resolve(&mut first, &dir, &mut load, &mut diagnostics);
    let mut second = yaml_in(
        "services:\n  base: {image: b, environment: [Y=1]}\n  web:\n    ports: !reset []\n",
        1,
    );
    resolve(&mut second, &dir, &mut load, &mut diagnostics);
    let (out, problems) = merge_all([first, second]);
    assert!(diagnostics.is_empty() && problems.is_empty());
    assert_eq!(
        out.to_json()["services"]["web"],
        json!({"image": "a", "environment": ["X=1"]})
    );
}

#[test]
fn a_reset_next_to_extends_also_clears_the_earlier_files() {
    // docker compose: web = {image: b, environment: {A: 1}}: the `!reset` removed the ports of
    // the extended service and those of the earlier file
    let dir = fixture("errors");
    let mut base = yaml_in(
        "services:\n  web: {image: a, ports: [\"80:80\"], environment: {A: \"1\"}}\n",
        0,
    );
    let mut overlay = yaml_in(
        "services:\n  base: {image: b, ports: [\"90:90\"]}\n  web:\n    extends: base\n    ports: !reset []\n",
        1,
    );
    let mut diagnostics = Vec::new();
    let mut load = |_: &Path| -> Result<Node, Vec<Diagnostic>> { Err(Vec::new()) };
    resolve(&mut base, &dir, &mut load, &mut diagnostics);
    resolve(&mut overlay, &dir, &mut load, &mut diagnostics);
    let mut problems = merge(&mut base, overlay);
    problems.extend(diagnostics);
    assert!(problems.is_empty(), "{problems:#?}");
    assert_eq!(
        base.to_json()["services"]["web"],
        json!({"image": "b", "environment": {"A": "1"}})
    );
}

#[test]
fn an_override_file_cannot_extend_a_service_of_an_earlier_file() {
    // docker compose: cannot extend service "web" in b.yml: service "base" not found
    let diagnostics = errors("services:\n  web: {extends: base}\n");
    assert_eq!(
        diagnostics[0].headline(),
        "`services.web.extends`: cannot extend service `web`: service `base` not found"
    );
}

#[test]
fn a_missing_service_is_located_with_a_suggestion() {
    let diagnostics =
        errors("services:\n  a:\n    image: x\n    extends: bas\n  base: {image: y}\n");
    assert_eq!(diagnostics.len(), 1);
    let d = &diagnostics[0];
    assert!(d.is_error());
    assert_eq!(
        d.headline(),
        "`services.a.extends`: cannot extend service `a`: service `bas` not found"
    );
    assert_eq!(d.help.as_deref(), Some("did you mean `base`?"));
    assert_eq!(d.span.map(|s| s.file), Some(0));

    let diagnostics = errors("services:\n  a:\n    extends: {service: zzz, file: common.yml}\n");
    assert_eq!(
        diagnostics[0].headline(),
        "`services.a.extends.service`: cannot extend service `a`: service `zzz` not found in `common.yml`"
    );
    assert_eq!(
        diagnostics[0].help.as_deref(),
        Some("services there: `base`, `other`")
    );
}

#[test]
fn a_missing_file_is_located_with_a_suggestion() {
    let diagnostics = errors("services:\n  a:\n    extends: {service: base, file: commn.yml}\n");
    assert_eq!(diagnostics.len(), 1);
    let d = &diagnostics[0];
    assert!(d
        .headline()
        .starts_with("`services.a.extends.file`: cannot read `commn.yml` to extend service `a`: "));
    assert_eq!(d.help.as_deref(), Some("did you mean `common.yml`?"));
    assert!(d.span.is_some());
}

#[test]
fn problems_inside_the_extended_file_pass_through() {
    let dir = fixture("errors");
    let mut doc = yaml_in(
        "services:\n  a:\n    extends: {service: base, file: common.yml}\n",
        0,
    );
    let mut diagnostics = Vec::new();
    let located = Diagnostic::error("unclosed flow sequence").at(rcompose::project::node::Span {
        file: 3,
        offset: 22,
        len: 1,
        line: 2,
        col: 9,
    });
    let mut load = |_: &Path| -> Result<Node, Vec<Diagnostic>> { Err(vec![located.clone()]) };
    resolve(&mut doc, &dir, &mut load, &mut diagnostics);
    assert_eq!(diagnostics, vec![located.clone()]);
}

#[test]
fn cycles_name_the_chain_once() {
    // docker compose: "Circular reference:\n  c in a.yml\n  extends a in a.yml\n ..."
    let diagnostics = errors(
        "services:\n  a:\n    image: x\n    extends: b\n  b:\n    extends: {service: c}\n  c:\n    extends: a\n",
    );
    assert_eq!(diagnostics.len(), 1);
    assert_eq!(
        diagnostics[0].headline(),
        "`services.c.extends`: circular `extends`: `a` → `b` → `c` → `a`"
    );
    assert_eq!(diagnostics[0].related.len(), 2);

    let diagnostics = errors("services:\n  a:\n    image: x\n    extends: a\n");
    assert_eq!(
        diagnostics[0].headline(),
        "`services.a.extends`: circular `extends`: `a` → `a`"
    );
}

#[test]
fn cycles_across_files_name_the_files() {
    let dir = std::env::temp_dir().join(format!("rcompose-merge-extends-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("other.yml"),
        "services:\n  b:\n    extends: {service: a, file: main.yml}\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("main.yml"),
        "services:\n  a:\n    extends: {service: b, file: other.yml}\n",
    )
    .unwrap();
    let text = "services:\n  a:\n    extends: {service: b, file: other.yml}\n";
    let (_, diagnostics, _) = resolved_in(&dir, text);
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(diagnostics.len(), 1, "{diagnostics:#?}");
    assert_eq!(
        diagnostics[0].headline(),
        "`services.a.extends`: circular `extends`: `b` (other.yml) → `a` (main.yml) → `b` (other.yml)"
    );
}

#[test]
fn malformed_extends_are_errors_not_panics() {
    for text in [
        "services:\n  a:\n    extends: {file: common.yml}\n",
        "services:\n  a:\n    extends: [x]\n",
        "services:\n  a:\n    extends: null\n",
        "services:\n  a:\n    extends: {service: base, file: {x: 1}}\n",
        "services:\n  a:\n    extends: {service: 3}\n",
    ] {
        let diagnostics = errors(text);
        assert!(diagnostics.iter().all(Diagnostic::is_error), "{text}");
    }
    for text in [
        "services: 3",
        "services:\n  a: null\n  b: {extends: a}\n",
        "services:\n  a: [1]\n  b: {extends: a}\n",
        "services:\n  b: {extends: {service: base, file: common.yml}, volumes: [3, null, {}]}\n",
    ] {
        let _ = resolved_in(&fixture("errors"), text);
    }
}

#[test]
fn the_resolved_service_points_at_its_own_definition() {
    let dir = fixture("errors");
    let mut doc = yaml_in(
        "services:\n  web:\n    extends: {service: base, file: common.yml}\n    user: root\n",
        0,
    );
    let mut diagnostics = Vec::new();
    let mut disk = Disk::new();
    resolve(
        &mut doc,
        &dir,
        &mut |p: &Path| disk.load(p),
        &mut diagnostics,
    );
    assert!(diagnostics.is_empty());
    let web = doc.pointer("/services/web").unwrap();
    assert_eq!(web.span.file, 0);
    assert_eq!(doc.pointer("/services/web/user").unwrap().span.file, 0);
    assert_eq!(doc.pointer("/services/web/image").unwrap().span.file, 11);
}

#[test]
fn merge_problems_under_extends_name_the_service() {
    let diagnostics = errors(
        "services:\n  base: {image: a, cap_add: [A]}\n  web:\n    extends: base\n    cap_add: B\n",
    );
    assert_eq!(
        diagnostics[0].headline(),
        "`services.web.cap_add`: cannot merge a string into a sequence"
    );
}
