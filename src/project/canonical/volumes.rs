//! Service `volumes` in long syntax: `[source:]target[:mode]` parsed as docker compose does,
//! bind sources made absolute against the project directory.

use std::path::{Path, PathBuf};

use serde_json::{json, Map, Value as J};

use super::units;
use crate::project::node::{Node, Value};
use crate::project::{merge, source};

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
    // docker compose keeps absolute paths as written (a trailing `/` included) and cleans the
    // ones it joins.
    if is_windows_path(raw) || raw.starts_with('/') {
        return raw.to_string();
    }
    source::absolutize(base, &expanded).display().to_string()
}

fn is_windows_path(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':'
}

const PROPAGATIONS: [&str; 6] = [
    "shared", "rshared", "slave", "rslave", "private", "rprivate",
];

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
                    "target" => match value.as_str() {
                        Some(target) => J::from(clean_target(target)),
                        None => value.to_json(),
                    },
                    "bind" => {
                        let mut bind = value.to_json();
                        if let Some(map) = bind.as_object_mut() {
                            if map.get("create_host_path") == Some(&J::Bool(false)) {
                                map.remove("create_host_path");
                            }
                        }
                        bind
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

/// Container paths are cleaned as Go's `path.Clean` does (`/data/` → `/data`).
fn clean_target(target: &str) -> String {
    if is_windows_path(target) || !target.starts_with('/') {
        return target.to_string();
    }
    source::clean(Path::new(target)).display().to_string()
}

pub fn size_in_bytes(node: &Node) -> Result<J, String> {
    match &node.value {
        Value::Int(i) => Ok(J::from(i.to_string())),
        Value::Str(text) => units::parse_bytes(text)
            .map(|b| J::from(b.to_string()))
            .ok_or_else(|| format!("invalid size `{text}`")),
        _ => Err(format!(
            "a size must be a string or a number, found {}",
            node.kind_name()
        )),
    }
}

/// Parses the short syntax the way compose-go does (a one-letter source followed by `:` is a
/// Windows drive; unknown options are ignored).
pub fn parse_short(spec: &str, base: &Path, home: Option<&Path>) -> Result<J, String> {
    let parsed = merge::parse_volume(spec).ok_or_else(|| format!("invalid volume `{spec}`"))?;
    let target = clean_target(&parsed.target);
    let mut read_only = false;
    let mut nocopy = false;
    let mut selinux = None;
    let mut propagation = None;
    for option in parsed.mode.as_deref().unwrap_or("").split(',') {
        match option {
            "ro" => read_only = true,
            "rw" => read_only = false,
            "nocopy" => nocopy = true,
            "z" | "Z" => selinux = Some(option),
            p if PROPAGATIONS.contains(&p) => propagation = Some(p),
            _ => {}
        }
    }
    let mut out = Map::new();
    let source = parsed.source.unwrap_or_default();
    if !source.is_empty() && merge::is_host_path(&source) {
        out.insert("type".into(), json!("bind"));
        out.insert(
            "source".into(),
            json!(resolve_host_path(&source, base, home)),
        );
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
        if !source.is_empty() {
            out.insert("source".into(), json!(source));
        }
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
        assert!(parse_short("ab:/b:c:d", base, home).is_err());
        // compose-go reads a one-letter source as a Windows drive, and ignores unknown modes.
        assert_eq!(
            parse_short("a:/b:bogus", base, home).unwrap(),
            json!({"type":"bind","source":"a:/b","target":"bogus","bind":{"create_host_path":true}})
        );
        assert_eq!(
            parse_short("vol:/b:bogus", base, home).unwrap(),
            json!({"type":"volume","source":"vol","target":"/b","volume":{}})
        );
    }
}
