//! Diagnostics as users read them: for each case in `tests/fixtures/diagnostics/<case>/`, the
//! exact stderr of `rcompose config -q` (no colour) must equal `expected.txt`, and the exit code
//! must be 2. `RCOMPOSE_BLESS=1 cargo test --test diagnostics` rewrites the expectations.

mod common;

use std::path::Path;

#[test]
fn rendered_diagnostics_match_expectations() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/diagnostics");
    let bless = std::env::var_os("RCOMPOSE_BLESS").is_some();
    let mut cases: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    cases.sort();
    let mut failures = Vec::new();
    for case in &cases {
        let started = std::time::Instant::now();
        let out = common::run_rcompose(case, &["config", "-q"], &[("NO_COLOR", "1")]);
        let elapsed = started.elapsed();
        let stderr = common::text(&out.stderr);
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        assert_eq!(out.status.code(), Some(2), "{name}: exit code\n{stderr}");
        assert!(out.stdout.is_empty(), "{name}: stdout must stay empty");
        assert!(elapsed.as_secs() < 5, "{name}: took {elapsed:?}");
        let expected_path = case.join("expected.txt");
        if bless {
            std::fs::write(&expected_path, &stderr).unwrap();
            continue;
        }
        let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
        if expected != stderr {
            failures.push(format!(
                "{name}:\n--- expected\n{expected}\n--- actual\n{stderr}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    println!("{} diagnostics cases matched", cases.len());
}
