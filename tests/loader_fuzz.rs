//! Property test of the whole loader: compose-shaped random documents (keys drawn from the
//! real vocabulary, values of every YAML kind, random nesting) and random mutations of valid
//! files. The loader must never panic, and every error about a file must carry a location.

use std::path::Path;

use indexmap::IndexMap;
use rcompose::project::{load, LoadOptions};

/// xorshift64*: deterministic, no dependency.
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
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const KEYS: &[&str] = &[
    "services",
    "networks",
    "volumes",
    "secrets",
    "configs",
    "version",
    "name",
    "include",
    "image",
    "build",
    "command",
    "entrypoint",
    "environment",
    "env_file",
    "ports",
    "expose",
    "depends_on",
    "links",
    "network_mode",
    "volumes_from",
    "healthcheck",
    "deploy",
    "labels",
    "logging",
    "ulimits",
    "sysctls",
    "extra_hosts",
    "dns",
    "tmpfs",
    "profiles",
    "extends",
    "secrets",
    "configs",
    "restart",
    "user",
    "working_dir",
    "stop_grace_period",
    "shm_size",
    "cpus",
    "mem_limit",
    "privileged",
    "read_only",
    "tty",
    "init",
    "devices",
    "target",
    "published",
    "source",
    "type",
    "condition",
    "required",
    "driver",
    "external",
    "file",
    "context",
    "dockerfile",
    "args",
    "replicas",
    "resources",
    "limits",
    "memory",
    "test",
    "interval",
    "x-extra",
    "web",
    "db",
    "default",
    "aliases",
    "ipam",
    "config",
    "subnet",
];

const SCALARS: &[&str] = &[
    "x",
    "''",
    "\"\"",
    "80",
    "8080:80",
    "127.0.0.1:53:53/udp",
    "1-3:1-3",
    "./data:/data:ro",
    "vol:/v",
    "/anon",
    "~/h:/h",
    "true",
    "false",
    "yes",
    "null",
    "~",
    "1.5",
    "-1",
    "0x1F",
    "1gb",
    "90s",
    "1m30s",
    "bogus duration",
    "${VAR}",
    "${VAR:-d}",
    "${VAR:?required}",
    "$$escaped",
    "${",
    "web",
    "db",
    "service:web",
    "container:x",
    "A=1",
    "B",
    "[]",
    "{}",
    "\"${NESTED:-${DEEP:-x}}\"",
    "CMD-SHELL",
    "a b 'c d'",
    "'unterminated",
    "service_healthy",
];

fn value(rng: &mut Rng, depth: usize, indent: usize, out: &mut String) {
    let pad = " ".repeat(indent);
    match if depth > 4 { 0 } else { rng.below(4) } {
        0 | 1 => {
            out.push(' ');
            out.push_str(rng.pick(SCALARS));
            out.push('\n');
        }
        2 => {
            out.push('\n');
            for _ in 0..1 + rng.below(3) {
                out.push_str(&pad);
                out.push_str("- ");
                if rng.below(3) == 0 {
                    out.push_str(rng.pick(KEYS));
                    out.push(':');
                    value(rng, depth + 1, indent + 4, out);
                } else {
                    out.push_str(rng.pick(SCALARS));
                    out.push('\n');
                }
            }
        }
        _ => {
            out.push('\n');
            for _ in 0..1 + rng.below(4) {
                out.push_str(&pad);
                out.push_str(rng.pick(KEYS));
                out.push(':');
                value(rng, depth + 1, indent + 2, out);
            }
        }
    }
}

fn random_document(rng: &mut Rng) -> String {
    let mut out = String::from("services:\n");
    for i in 0..1 + rng.below(3) {
        out.push_str(&format!("  s{i}:\n    image: x\n"));
        for _ in 0..rng.below(5) {
            out.push_str("    ");
            out.push_str(rng.pick(KEYS));
            out.push(':');
            value(rng, 1, 6, &mut out);
        }
    }
    for _ in 0..rng.below(3) {
        out.push_str(rng.pick(KEYS));
        out.push(':');
        value(rng, 1, 2, &mut out);
    }
    out
}

fn mutate(rng: &mut Rng, text: &str) -> String {
    let mut bytes = text.as_bytes().to_vec();
    for _ in 0..1 + rng.below(4) {
        if bytes.is_empty() {
            break;
        }
        let at = rng.below(bytes.len());
        match rng.below(4) {
            0 => {
                bytes.remove(at);
            }
            1 => {
                let specials = b"{}[]:-&*!|>'\"#%@`\t\n ";
                bytes.insert(at, specials[rng.below(specials.len())])
            }
            2 => bytes[at] = rng.below(256) as u8,
            _ => {
                let end = (at + rng.below(40)).min(bytes.len());
                let chunk: Vec<u8> = bytes[at..end].to_vec();
                bytes.splice(at..at, chunk);
            }
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

fn check(dir: &Path, text: &str) {
    std::fs::write(dir.join("compose.yaml"), text).unwrap();
    let options = LoadOptions {
        files: vec![dir.join("compose.yaml")],
        interpolate: true,
        working_dir: dir.to_path_buf(),
        environment: IndexMap::from([("VAR".to_string(), "v".to_string())]),
        ..LoadOptions::default()
    };
    let loaded = load(&options);
    for diagnostic in loaded.diagnostics.iter().filter(|d| d.is_error()) {
        let global = diagnostic.message.contains("project name")
            || diagnostic.message.contains("cannot read")
            || diagnostic.message.contains("not found");
        assert!(
            diagnostic.span.is_some() || global,
            "error without a location: {diagnostic:?}\nfor input:\n{text}"
        );
    }
}

#[test]
fn the_loader_never_panics_and_always_locates_errors() {
    let dir = std::env::temp_dir().join(format!("rcompose-loader-fuzz-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let seeds = [
        "services:\n  web:\n    image: nginx\n    ports: [\"80:80\"]\n    depends_on: [db]\n  db:\n    image: postgres\n    volumes: [data:/d]\nvolumes:\n  data: {}\n",
        "version: '3.7'\nx-a: &a\n  restart: always\nservices:\n  a:\n    <<: *a\n    image: x\n    environment: [A=1]\n    healthcheck:\n      test: [CMD, true]\n      interval: 10s\n",
    ];
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let cases = std::env::var("RCOMPOSE_FUZZ_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1500);
    for i in 0..cases {
        let text = if i % 2 == 0 {
            random_document(&mut rng)
        } else {
            mutate(&mut rng, seeds[i % seeds.len()])
        };
        let result = std::panic::catch_unwind(|| check(&dir, &text));
        if let Err(panic) = result {
            let _ = std::fs::remove_dir_all(&dir);
            std::panic::resume_unwind(panic);
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    println!("{cases} generated compose files loaded without panic");
}
