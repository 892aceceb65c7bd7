//! Derives the JSON schema of each compose file format rcompose validates (3.0–3.9 and the
//! Compose Specification) from the one source that describes them, `schemas/compose.outline`,
//! into `OUT_DIR`, where `src/project/schema.rs` embeds them. Doing it here rather than on first
//! use saves every run the derivation; see `src/project/schema/outline.rs` for the format.

#[path = "src/project/schema/outline.rs"]
mod outline;

fn main() {
    println!("cargo:rerun-if-changed=schemas/compose.outline");
    println!("cargo:rerun-if-changed=src/project/schema/outline.rs");
    link_executable_at_a_fixed_address();
    let source = match std::fs::read_to_string("schemas/compose.outline") {
        Ok(source) => source,
        Err(e) => panic!("reading schemas/compose.outline: {e}"),
    };
    let Some(out_dir) = std::env::var_os("OUT_DIR") else {
        panic!("cargo sets OUT_DIR for build scripts");
    };
    let out_dir = std::path::PathBuf::from(out_dir);
    for (index, target) in outline::TARGETS.iter().enumerate() {
        let schema = match outline::derive(&source, index) {
            Ok(schema) => schema,
            Err(e) => panic!("deriving the schema of {target}: {e}"),
        };
        let path = out_dir.join(format!("compose-{target}.schema.json"));
        if let Err(e) = std::fs::write(&path, schema) {
            panic!("writing {}: {e}", path.display());
        }
    }
}

/// Links the `rcompose` executable non-PIE on Linux: a position-independent one makes the dynamic
/// loader apply ~23,000 relocations at every start (touching ~100 pages), a fifth of what
/// `rcompose version` costs. Only the binary: proc-macros and tests stay as cargo builds them.
fn link_executable_at_a_fixed_address() {
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let env = std::env::var("CARGO_CFG_TARGET_ENV").unwrap_or_default();
    if os == "linux" && env == "gnu" {
        println!("cargo:rustc-link-arg-bins=-no-pie");
    }
}
