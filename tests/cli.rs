//! The command line as users see it: exit codes, stdout and stderr.

mod common;

use common::{run_rcompose, text, TempDir};

#[test]
fn version_prints_the_version() {
    let dir = TempDir::new("version");
    let out = run_rcompose(dir.path(), &["version"], &[]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        text(&out.stdout),
        format!("rcompose version v{}\n", env!("CARGO_PKG_VERSION"))
    );
    let out = run_rcompose(dir.path(), &["version", "--short"], &[]);
    assert_eq!(
        text(&out.stdout),
        format!("{}\n", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn every_command_has_help() {
    let dir = TempDir::new("help");
    for command in [
        &["-h"][..],
        &["config", "-h"],
        &["validate", "-h"],
        &["version", "-h"],
        &["up", "-h"],
        &["down", "-h"],
        &["ps", "-h"],
        &["ls", "-h"],
        &["start", "-h"],
        &["stop", "-h"],
        &["restart", "-h"],
        &["rm", "-h"],
        &["kill", "-h"],
        &["build", "-h"],
        &["logs", "-h"],
        &["exec", "-h"],
        &["run", "-h"],
        &["pull", "-h"],
        &["images", "-h"],
        &["top", "-h"],
        &["port", "-h"],
        &["pause", "-h"],
        &["unpause", "-h"],
        &["events", "-h"],
        &["wait", "-h"],
        &["cp", "-h"],
        &["graph", "-h"],
    ] {
        let out = run_rcompose(dir.path(), command, &[]);
        assert_eq!(out.status.code(), Some(0), "{command:?}");
        assert!(text(&out.stdout).contains("Usage: rcompose"), "{command:?}");
    }
}

#[test]
fn usage_errors_exit_2() {
    let dir = TempDir::new("usage");
    let out = run_rcompose(dir.path(), &["frobnicate"], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("unrecognized subcommand 'frobnicate'"));
    let out = run_rcompose(dir.path(), &["config", "--format", "toml"], &[]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn no_compose_file_is_a_clear_error() {
    let dir = TempDir::new("nofile");
    let out = run_rcompose(dir.path(), &["config"], &[]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("no configuration file provided"),
        "{stderr}"
    );
    assert!(stderr.contains("help:"), "{stderr}");
    assert!(out.stdout.is_empty());
}

#[test]
fn an_invalid_file_is_located_and_explained() {
    let dir = TempDir::new("invalid");
    dir.write(
        "compose.yaml",
        "services:\n  web:\n    image: busybox\n    enviroment:\n      A: 1\n    ports: 80\n",
    );
    let out = run_rcompose(dir.path(), &["config"], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        out.stdout.is_empty(),
        "nothing on stdout for an invalid file"
    );
    let stderr = text(&out.stderr);
    // Both problems, each at its line and column, in one run.
    assert!(stderr.contains("compose.yaml:4:5"), "{stderr}");
    assert!(stderr.contains("enviroment"), "{stderr}");
    assert!(stderr.contains("did you mean `environment`?"), "{stderr}");
    assert!(stderr.contains("compose.yaml:6:12"), "{stderr}");
    assert!(stderr.contains("services.web.ports"), "{stderr}");
}

#[test]
fn validate_reports_every_file_in_one_run() {
    let dir = TempDir::new("validate");
    let good = dir.write("good/compose.yaml", "services:\n  a:\n    image: x\n");
    let bad1 = dir.write("bad1/compose.yaml", "services:\n  a:\n    image: [x]\n");
    let bad2 = dir.write(
        "bad2/docker-compose.yml",
        "services:\n  a:\n    image: x\n    depends_on: [nope]\n",
    );
    let files = [
        good.to_str().unwrap(),
        bad1.to_str().unwrap(),
        bad2.to_str().unwrap(),
    ];

    let mut args = vec!["validate"];
    args.extend(files);
    let out = run_rcompose(dir.path(), &args, &[]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("bad1/compose.yaml:3:12"), "{stderr}");
    assert!(stderr.contains("bad2/docker-compose.yml:4:18"), "{stderr}");
    assert!(stderr.contains("undefined service `nope`"), "{stderr}");
    assert!(stderr.contains("2 errors, 0 warnings"), "{stderr}");
    assert!(out.stdout.is_empty());

    let out = run_rcompose(dir.path(), &["validate", files[0]], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));

    let mut args = vec!["validate", "--format", "github"];
    args.extend(files);
    let out = run_rcompose(dir.path(), &args, &[]);
    assert_eq!(out.status.code(), Some(2));
    let stdout = text(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{stdout}");
    assert!(
        lines[0].starts_with("::error file=bad1/compose.yaml,line=3,col=12,title=rcompose::"),
        "{stdout}"
    );
    assert!(
        lines[1].starts_with("::error file=bad2/docker-compose.yml,line=4,col=18,"),
        "{stdout}"
    );

    let mut args = vec!["validate", "--format", "json"];
    args.extend(files);
    let out = run_rcompose(dir.path(), &args, &[]);
    assert_eq!(out.status.code(), Some(2));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    assert_eq!(report["errors"], 2);
    assert_eq!(report["valid"], false);
    assert_eq!(report["projects"].as_array().unwrap().len(), 3);
    assert_eq!(report["projects"][1]["diagnostics"][0]["line"], 3);
    assert_eq!(
        report["projects"][1]["diagnostics"][0]["path"],
        "services.a.image"
    );
}

#[test]
fn warnings_go_to_stderr_and_never_change_stdout() {
    let dir = TempDir::new("warn");
    dir.write("compose.yaml", "services:\n  a:\n    image: \"x:${TAG}\"\n");
    let unset = run_rcompose(dir.path(), &["config", "--format", "json"], &[]);
    let set_empty = run_rcompose(dir.path(), &["config", "--format", "json"], &[("TAG", "")]);
    assert_eq!(unset.status.code(), Some(0));
    assert!(
        text(&unset.stderr).contains("TAG"),
        "{}",
        text(&unset.stderr)
    );
    assert!(set_empty.stderr.is_empty(), "{}", text(&set_empty.stderr));
    assert_eq!(unset.stdout, set_empty.stdout);
}

#[test]
fn cycles_are_named_in_full() {
    let dir = TempDir::new("cycle");
    dir.write(
        "compose.yaml",
        "services:\n  a:\n    image: x\n    depends_on: [b]\n  b:\n    image: x\n    depends_on: [c]\n  c:\n    image: x\n    links: [a]\n",
    );
    let out = run_rcompose(dir.path(), &["config", "-q"], &[]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("dependency cycle: a -> b -> c -> a"),
        "{stderr}"
    );
    assert!(stderr.contains("compose.yaml:4:18"), "{stderr}");
}

#[test]
fn config_listings() {
    let dir = TempDir::new("listings");
    dir.write(
        "compose.yaml",
        "services:\n  web:\n    image: nginx\n    depends_on: [db]\n    networks: [front]\n    volumes: [data:/d]\n  db:\n    build: .\n    profiles: [full]\n  tool:\n    image: t\n    profiles: [tools]\nnetworks:\n  front: {}\nvolumes:\n  data: {}\n",
    );
    let lines = |args: &[&str]| {
        let mut all = vec!["-p", "listings", "--profile", "full"];
        all.extend(args);
        let out = run_rcompose(dir.path(), &all, &[]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        text(&out.stdout)
    };
    assert_eq!(lines(&["config", "--services"]), "db\nweb\n");
    assert_eq!(lines(&["config", "--volumes"]), "data\n");
    assert_eq!(lines(&["config", "--networks"]), "default\nfront\n");
    assert_eq!(lines(&["config", "--profiles"]), "full\ntools\n");
    let images = lines(&["config", "--images"]);
    assert_eq!(images, "listings-db\nnginx\n");
    let hashes = lines(&["config", "--hash", "*"]);
    assert_eq!(hashes.lines().count(), 2);
    assert!(
        hashes.starts_with("db ") && hashes.lines().all(|l| l.len() == l.find(' ').unwrap() + 65)
    );
}

#[test]
fn config_output_saves_the_model_and_prints_listings() {
    let dir = TempDir::new("output");
    dir.write("compose.yaml", "services:\n  web:\n    image: nginx\n");
    let run = |args: &[&str]| {
        let mut all = vec!["-p", "output"];
        all.extend(args);
        run_rcompose(dir.path(), &all, &[])
    };
    let printed = run(&["config", "--format", "json"]);
    let saved = run(&["config", "--format", "json", "-o", "model.json"]);
    assert_eq!(saved.status.code(), Some(0), "{}", text(&saved.stderr));
    assert_eq!(text(&saved.stdout), "");
    let file = std::fs::read_to_string(dir.path().join("model.json")).expect("model.json");
    // As docker compose: the file holds the JSON without the newline printed after it.
    assert_eq!(format!("{file}\n"), text(&printed.stdout));
    let listing = run(&["config", "--services", "--output", "services.txt"]);
    assert_eq!(text(&listing.stdout), "web\n");
    assert!(!dir.path().join("services.txt").exists());
    let failed = run(&["config", "-o", "no/such/dir/x.yaml"]);
    assert_eq!(failed.status.code(), Some(1));
    assert!(
        text(&failed.stderr).starts_with("error: writing `no/such/dir/x.yaml`: "),
        "{}",
        text(&failed.stderr)
    );
}

#[test]
fn config_environment_prints_what_interpolation_used_sorted() {
    let dir = TempDir::new("environment");
    dir.write("compose.yaml", "services:\n  web:\n    image: nginx\n");
    dir.write(
        ".env",
        "RCOMPOSE_TEST_DOTENV=from-dotenv\nRCOMPOSE_TEST_SHELL=loses\n",
    );
    let out = run_rcompose(
        dir.path(),
        &["-p", "envtest", "config", "--environment"],
        &[("RCOMPOSE_TEST_SHELL", "wins")],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    for line in [
        "COMPOSE_PROJECT_NAME=envtest",
        "RCOMPOSE_TEST_DOTENV=from-dotenv",
        "RCOMPOSE_TEST_SHELL=wins",
    ] {
        assert!(lines.contains(&line), "{line} in:\n{stdout}");
    }
    let mut sorted = lines.clone();
    sorted.sort_unstable();
    assert_eq!(lines, sorted);
}

#[test]
fn files_come_from_compose_file_or_the_nearest_parent() {
    let dir = TempDir::new("lookup");
    dir.write("proj/compose.yaml", "services:\n  a:\n    image: base\n");
    dir.write(
        "proj/compose.override.yaml",
        "services:\n  a:\n    image: overridden\n",
    );
    dir.write("proj/other.yml", "services:\n  b:\n    image: other\n");
    dir.write("proj/extra.yml", "services:\n  c:\n    image: extra\n");
    dir.write("proj/deep/er/.keep", "");
    let images = |cwd: &std::path::Path, env: &[(&str, &str)]| {
        let out = run_rcompose(cwd, &["config", "--images"], env);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        text(&out.stdout)
    };
    // The default lookup walks up to the project folder and picks up the override file.
    assert_eq!(
        images(&dir.path().join("proj/deep/er"), &[]),
        "overridden\n"
    );
    // COMPOSE_FILE names the files, split on COMPOSE_PATH_SEPARATOR.
    let proj = dir.path().join("proj");
    assert_eq!(
        images(&proj, &[("COMPOSE_FILE", "other.yml:extra.yml")]),
        "extra\nother\n"
    );
    assert_eq!(
        images(
            &proj,
            &[
                ("COMPOSE_FILE", "other.yml;extra.yml"),
                ("COMPOSE_PATH_SEPARATOR", ";")
            ]
        ),
        "extra\nother\n"
    );
    // The project name: the folder's, normalised; COMPOSE_PROJECT_NAME and -p win.
    let name = |args: &[&str], env: &[(&str, &str)]| {
        let mut all = args.to_vec();
        all.extend(["config", "--format", "json"]);
        let out = run_rcompose(&proj, &all, env);
        let model: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        model["name"].as_str().unwrap().to_string()
    };
    assert_eq!(name(&[], &[]), "proj");
    assert_eq!(
        name(&[], &[("COMPOSE_PROJECT_NAME", "from-env")]),
        "from-env"
    );
    assert_eq!(
        name(&["-p", "flag"], &[("COMPOSE_PROJECT_NAME", "from-env")]),
        "flag"
    );
    // Profiles from COMPOSE_PROFILES.
    dir.write(
        "prof/compose.yaml",
        "services:\n  a:\n    image: a\n  b:\n    image: b\n    profiles: [x]\n",
    );
    let out = run_rcompose(
        &dir.path().join("prof"),
        &["config", "--services"],
        &[("COMPOSE_PROFILES", "x")],
    );
    assert_eq!(text(&out.stdout), "a\nb\n");
}

/// Every command that takes a `SERVICE` says the same thing about one the project does not
/// define, before it asks the engine anything (the engine here is unreachable): the name, the
/// project, the services there are, exit 2 (docker compose v2: exit 1 for most, 0 for `logs`).
#[test]
fn an_unknown_service_is_a_usage_error_naming_the_services() {
    let dir = TempDir::new("unknown-service");
    std::fs::write(
        dir.path().join("compose.yaml"),
        "services:\n  web:\n    image: x\n  db:\n    image: y\n",
    )
    .unwrap();
    let expected =
        "error: no such service `nope` in project `p`\n  help: the services are `db`, `web`\n";
    for command in [
        &["up", "-d", "nope"][..],
        &["ps", "nope"],
        &["start", "nope"],
        &["stop", "nope"],
        &["restart", "nope"],
        &["rm", "-f", "nope"],
        &["kill", "nope"],
        &["build", "nope"],
        &["logs", "nope"],
        &["exec", "nope", "true"],
        &["run", "nope"],
        &["pull", "nope"],
        &["images", "nope"],
        &["top", "nope"],
        &["port", "nope", "80"],
        &["pause", "nope"],
        &["unpause", "nope"],
        &["events", "nope"],
        &["wait", "nope"],
        &["cp", "nope:/x", "/tmp/x"],
    ] {
        let mut args = vec!["-p", "p"];
        args.extend_from_slice(command);
        let out = run_rcompose(
            dir.path(),
            &args,
            &[("DOCKER_HOST", "unix:///nonexistent/docker.sock")],
        );
        assert_eq!(
            (out.status.code(), text(&out.stderr).as_str()),
            (Some(2), expected),
            "{command:?}"
        );
    }
}

/// docker compose v2 warns about every top-level `version` ("the attribute `version` is
/// obsolete, it will be ignored, ..."). rcompose does use `"3"` and `"3.0"`–`"3.9"`: they choose
/// the schema of that format, so warning that they are ignored would be false, and rcompose says
/// nothing. Any other string (`"2.4"`, `"3.10"`, `"1"`) is ignored by rcompose too (the file is
/// checked against the Compose Specification), and the warning says so in docker compose's words,
/// located at the value. Either way stdout is the same as without `version`.
#[test]
fn version_warns_only_when_rcompose_ignores_it() {
    let dir = TempDir::new("obsolete-version");
    let body = "services:\n  a:\n    image: busybox\n";
    dir.write("compose.yaml", body);
    let reference = run_rcompose(dir.path(), &["config", "--format", "json"], &[]);
    for version in ["\"3\"", "\"3.0\"", "\"3.9\""] {
        dir.write("compose.yaml", &format!("version: {version}\n{body}"));
        let out = run_rcompose(dir.path(), &["config", "--format", "json"], &[]);
        assert_eq!(out.status.code(), Some(0), "{version}");
        assert_eq!(text(&out.stderr), "", "{version}");
        assert_eq!(out.stdout, reference.stdout, "{version}");
    }
    for version in ["\"2.4\"", "\"3.10\"", "\"1\""] {
        dir.write("compose.yaml", &format!("version: {version}\n{body}"));
        let out = run_rcompose(dir.path(), &["config", "--format", "json"], &[]);
        assert_eq!(out.status.code(), Some(0), "{version}");
        let underline = format!(
            "{}┬{}",
            "─".repeat(version.len() / 2),
            "─".repeat((version.len() - 1) / 2)
        );
        let arrow = format!("{}╰── here", " ".repeat(version.len() / 2));
        assert_eq!(
            text(&out.stderr),
            format!(
                "warning: compose.yaml:1:10: the attribute `version` is obsolete, it will be \
                 ignored, please remove it to avoid potential confusion\n   \
                 ╭─[compose.yaml:1:10]\n \
                 1 │ version: {version}\n   \
                 ·          {underline}\n   \
                 ·          {arrow}\n \
                 2 │ services:\n   \
                 ╰────\n"
            ),
            "{version}"
        );
        assert_eq!(out.stdout, reference.stdout, "{version}");
    }
}

/// `config -q` and `validate` keep no model (they only report), yet find what `config` finds in
/// every phase: the canonical form (a missing env_file, a bad env file line), the consistency
/// checks (an undefined network), and warnings (an unset variable).
#[test]
fn config_quiet_and_validate_report_what_config_reports() {
    let dir = TempDir::new("quiet-same");
    dir.write("bad.env", "GOOD=1\nnot a valid line\n");
    dir.write(
        "compose.yaml",
        "services:\n  a:\n    image: \"x:${TAG}\"\n    env_file: [missing.env]\n    networks: [nowhere]\n  b:\n    image: x\n    env_file: bad.env\n",
    );
    let full = run_rcompose(dir.path(), &["config"], &[]);
    let quiet = run_rcompose(dir.path(), &["config", "-q"], &[]);
    let validate = run_rcompose(dir.path(), &["validate"], &[]);
    assert_eq!(full.status.code(), Some(2));
    let stderr = text(&full.stderr);
    for expected in [
        "missing.env",
        "bad.env",
        "undefined network `nowhere`",
        "\"TAG\" variable is not set",
    ] {
        assert!(stderr.contains(expected), "{expected}: {stderr}");
    }
    assert_eq!(text(&quiet.stderr), stderr);
    assert_eq!(quiet.status.code(), Some(2));
    assert!(
        text(&validate.stderr).starts_with(&stderr),
        "{}",
        text(&validate.stderr)
    );
    assert_eq!(validate.status.code(), Some(2));
}

/// `config` YAML quotes and folds scalars as docker compose v2 (go-yaml v3) does; the expected
/// text is docker compose 2.40.3's output for this file.
#[test]
fn config_yaml_scalars_are_written_as_docker_compose_writes_them() {
    let dir = TempDir::new("tricky");
    dir.write(
        "compose.yaml",
        "services:
  app:
    image: busybox
    command: [\"sh\", \"-c\", \"echo $$HOME\\nexit 0\\n\"]
    environment:
      EMPTY: \"\"
      YES: \"yes\"
      EXP: \"1e3\"
      OCTAL: \"0o12\"
      TILDE: \"~\"
      LEAD: \"  x\"
      COLON: \"a: b\"
      DOLLAR: \"$$PATH\"
      TIME: \"1:20\"
      DATE: \"2001-12-14\"
      PLAIN: \"a:b\"
      TAB: \"a\\tb\"
      DASH: \"- x\"
    labels:
      multi: \"line1\\nline2\"
      trail: \"line1\\n\\n\"
      lead: \" lead\\nx\"
",
    );
    let out = run_rcompose(dir.path(), &["-p", "tricky", "config"], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        "name: tricky
services:
  app:
    command:
      - sh
      - -c
      - |
        echo $$HOME
        exit 0
    environment:
      COLON: 'a: b'
      DASH: '- x'
      DATE: \"2001-12-14\"
      DOLLAR: $$PATH
      EMPTY: \"\"
      EXP: \"1e3\"
      LEAD: '  x'
      OCTAL: \"0o12\"
      PLAIN: a:b
      TAB: \"a\\tb\"
      TILDE: \"~\"
      TIME: \"1:20\"
      \"YES\": \"yes\"
    image: busybox
    labels:
      lead: |2-
         lead
        x
      multi: |-
        line1
        line2
      trail: |+
        line1

    networks:
      default: null
networks:
  default:
    name: tricky_default
"
    );
}
