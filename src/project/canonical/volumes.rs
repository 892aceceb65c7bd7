//! Service `volumes` in long syntax: `[source:]target[:mode]` parsed as docker compose does,
//! bind sources made absolute against the project directory.

use std::path::{Path, PathBuf};

use serde_json::{json, Map, Value as J};

use super::units;
use crate::project::node::{Node, Value};
use crate::project::source;

/// Resolves a bind-mount source: `~` against the home directory, relative against `base`.
pub fn resolve_host_path(raw: &str, base: &Path, home: Option<&Path>) -> String {
    let expanded: PathBuf = if raw == "~" || raw.starts_with("~/") {
        match home {
            Some(home) => home.join(raw.trim_start_matches('~').trim_start_matches('/')),
            None => PathBuf::from(raw),
        }
    } else {
        PathBuf::from(raw)
    };
    if is_windows_path(raw) {
        return raw.to_string();
    }
    source::absolutize(base, &expanded).display().to_string()
}

fn is_windows_path(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':'
}

/// Whether a short-syntax source names a path on the host rather than a volume.
fn is_host_path(text: &str) -> bool {
    text.starts_with('.') || text.starts_with('/') || text.starts_with('~') || is_windows_path(text)
}

const PROPAGATIONS: [&str; 6] = ["shared", "rshared", "slave", "rslave", "private", "rprivate"];

/// One `volumes` entry → its long-syntax form.
pub fn canonical(node: &Node, base: &Path, home: Option<&Path>) -> Result<J, String> {
    match &node.value {
        Value::Str(spec) => parse_short(spec, base, home),
        Value::Map(map) => {
            let mut out = Map::new();
            for (key, value) in map {
                let converted = match key.as_str() {
                    "source" => {
                        let is_bind = map.get("type").and_then(Node::as_str) == Some("bind");
                        match value.as_str() {
                            Some(raw) if is_bind => J::from(resolve_host_path(raw, base, home)),
                            _ => value.to_json(),
                        }
                    }
                    "tmpfs" => {
                        let mut tmpfs = value.to_json();
                        if let Some(size) = value.get("size") {
                            let bytes = size_in_bytes(size)?;
                            tmpfs["size"] = bytes;
                        }
                        tmpfs
                    }
                    _ => value.to_json(),
                };
                out.insert(key.clone(), converted);
            }
            Ok(J::Object(out))
        }
        _ => Err(format!(
            "a volume must be a string or a mapping, found {}",
            node.kind_name()
        )),
    }
}

pub fn size_in_bytes(node: &Node) -> Result<J, String> {
    match &node.value {
        Value::Int(i) => Ok(J::from(i.to_string())),
        Value::Str(text) => units::parse_bytes(text)
            .map(|b| J::from(b.to_string()))
            .ok_or_else(|| format!("invalid size `{text}`")),
        _ => Err(format!("a size must be a string or a number, found {}", node.kind_name())),
    }
}

/// Splits on `:` but keeps a Windows drive letter (`C:\data`) with its path.
fn split_spec(spec: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut start = 0;
    let bytes = spec.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b':' {
            let is_drive = i == start + 1 && bytes[start].is_ascii_alphabetic() && i + 1 < bytes.len() && (bytes[i + 1] == b'\\' || bytes[i + 1] == b'/');
            if !is_drive {
                parts.push(&spec[start..i]);
                start = i + 1;
            }
        }
        i += 1;
    }
    parts.push(&spec[start..]);
    parts
}

pub fn parse_short(spec: &str, base: &Path, home: Option<&Path>) -> Result<J, String> {
    let parts = split_spec(spec);
    let (source, target, mode) = match parts.as_slice() {
        [target] => ("", *target, ""),
        [source, target] => (*source, *target, ""),
        [source, target, mode] => (*source, *target, *mode),
        _ => return Err(format!("invalid volume `{spec}`: too many colons")),
    };
    if target.is_empty() {
        return Err(format!("invalid volume `{spec}`: empty target"));
    }
    let mut read_only = false;
    let mut nocopy = false;
    let mut selinux = None;
    let mut propagation = None;
    for option in mode.split(',').filter(|o| !o.is_empty()) {
        match option {
            "ro" => read_only = true,
            "rw" => read_only = false,
            "nocopy" => nocopy = true,
            "z" | "Z" => selinux = Some(option),
            p if PROPAGATIONS.contains(&p) => propagation = Some(p),
            other => return Err(format!("invalid volume `{spec}`: unknown mode `{other}`")),
        }
    }
    let mut out = Map::new();
    if source.is_empty() {
        out.insert("type".into(), json!("volume"));
        out.insert("target".into(), json!(target));
        if read_only {
            out.insert("read_only".into(), json!(true));
        }
        out.insert("volume".into(), volume_options(nocopy));
    } else if is_host_path(source) {
        out.insert("type".into(), json!("bind"));
        out.insert("source".into(), json!(resolve_host_path(source, base, home)));
        out.insert("target".into(), json!(target));
        if read_only {
            out.insert("read_only".into(), json!(true));
        }
        let mut bind = Map::new();
        if let Some(selinux) = selinux {
            bind.insert("selinux".into(), json!(selinux));
        }
        if let Some(propagation) = propagation {
            bind.insert("propagation".into(), json!(propagation));
        }
        bind.insert("create_host_path".into(), json!(true));
        out.insert("bind".into(), J::Object(bind));
    } else {
        out.insert("type".into(), json!("volume"));
        out.insert("source".into(), json!(source));
        out.insert("target".into(), json!(target));
        if read_only {
            out.insert("read_only".into(), json!(true));
        }
        out.insert("volume".into(), volume_options(nocopy));
    }
    Ok(J::Object(out))
}

fn volume_options(nocopy: bool) -> J {
    if nocopy {
        json!({"nocopy": true})
    } else {
        json!({})
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_volumes_become_long() {
        let base = Path::new("/p");
        let home = Some(Path::new("/home/u"));
        assert_eq!(
            parse_short("./data:/data:ro", base, home).unwrap(),
            json!({"type":"bind","source":"/p/data","target":"/data","read_only":true,"bind":{"create_host_path":true}})
        );
        assert_eq!(
            parse_short("named:/n", base, home).unwrap(),
            json!({"type":"volume","source":"named","target":"/n","volume":{}})
        );
        assert_eq!(
            parse_short("/anon", base, home).unwrap(),
            json!({"type":"volume","target":"/anon","volume":{}})
        );
        assert_eq!(
            parse_short("~/x:/x", base, home).unwrap(),
            json!({"type":"bind","source":"/home/u/x","target":"/x","bind":{"create_host_path":true}})
        );
        assert_eq!(
            parse_short("data:/d:ro,nocopy", base, home).unwrap(),
            json!({"type":"volume","source":"data","target":"/d","read_only":true,"volume":{"nocopy":true}})
        );
        assert!(parse_short("a:b:c:d", base, home).is_err());
        assert!(parse_short("a:/b:bogus", base, home).is_err());
    }
}
