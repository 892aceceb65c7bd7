//! `include`: other compose files loaded as their own projects (their own directory and `.env`),
//! their relative paths rebased onto their directory, and their resources added to this one.
//! A resource defined differently on both sides is an error, as in docker compose.

use std::path::{Path, PathBuf};

use indexmap::IndexMap;

use super::extends::{rebase_path, rebase_service};
use super::node::{KeyPath, Node, Value};
use super::{dotenv, merge, source};
use crate::diag::Diagnostic;

/// Reads one compose file (parsed, interpolated with the given environment, validated, its
/// `extends` resolved against the given project directory).
pub type ReadFile<'a> =
    dyn FnMut(&Path, &IndexMap<String, String>, &Path, &mut Vec<Diagnostic>) -> Option<Node> + 'a;

const SECTIONS: [&str; 5] = ["services", "networks", "volumes", "secrets", "configs"];

/// Nested includes deeper than this are certainly a loop.
const MAX_DEPTH: usize = 32;

pub fn resolve(
    doc: &mut Node,
    project_dir: &Path,
    environment: &IndexMap<String, String>,
    read: &mut ReadFile<'_>,
    diagnostics: &mut Vec<Diagnostic>,
) {
    resolve_at(doc, project_dir, environment, read, diagnostics, 0);
}

fn resolve_at(
    doc: &mut Node,
    project_dir: &Path,
    environment: &IndexMap<String, String>,
    read: &mut ReadFile<'_>,
    diagnostics: &mut Vec<Diagnostic>,
    depth: usize,
) {
    let Some(include) = doc.as_map_mut().and_then(|map| map.shift_remove("include")) else {
        return;
    };
    let Some(entries) = include.as_seq() else {
        return; // the schema already reported it
    };
    for (index, entry) in entries.iter().enumerate() {
        let path = KeyPath::root().key("include").index(index);
        if depth >= MAX_DEPTH {
            diagnostics.push(
                Diagnostic::error("`include` nests too deeply (is a file including itself?)")
                    .at(entry.span)
                    .path(path),
            );
            return;
        }
        let Some(included) = load_entry(entry, project_dir, environment, read, diagnostics, depth)
        else {
            continue;
        };
        add_resources(doc, included, entry, &path, diagnostics);
    }
}

/// The paths (`path:` may be a list, merged as override files), project directory and env files
/// of one `include` entry.
fn load_entry(
    entry: &Node,
    project_dir: &Path,
    environment: &IndexMap<String, String>,
    read: &mut ReadFile<'_>,
    diagnostics: &mut Vec<Diagnostic>,
    depth: usize,
) -> Option<Node> {
    let texts = |node: Option<&Node>| -> Vec<String> {
        match node.map(|n| &n.value) {
            Some(Value::Str(text)) => vec![text.clone()],
            Some(Value::Seq(items)) => items.iter().filter_map(Node::scalar_text).collect(),
            _ => Vec::new(),
        }
    };
    let (paths, explicit_dir, env_files) = match &entry.value {
        Value::Str(text) => (vec![text.clone()], None, Vec::new()),
        Value::Map(map) => (
            texts(map.get("path")),
            map.get("project_directory").and_then(Node::scalar_text),
            texts(map.get("env_file")),
        ),
        _ => return None,
    };
    let files: Vec<PathBuf> = paths
        .iter()
        .map(|p| source::absolutize(project_dir, Path::new(p)))
        .collect();
    let first = files.first()?;
    let included_dir = match explicit_dir {
        Some(dir) => source::absolutize(project_dir, Path::new(&dir)),
        None => first
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| project_dir.to_path_buf()),
    };

    // The included project's own variables: its env files (or its `.env`), under the
    // including project's environment, which wins.
    let mut env = environment.clone();
    let env_paths: Vec<PathBuf> = if env_files.is_empty() {
        vec![included_dir.join(".env")]
            .into_iter()
            .filter(|p| p.is_file())
            .collect()
    } else {
        env_files
            .iter()
            .map(|f| source::absolutize(project_dir, Path::new(f)))
            .collect()
    };
    for env_path in env_paths {
        let Ok(text) = std::fs::read_to_string(&env_path) else {
            diagnostics.push(
                Diagnostic::error(format!("cannot read env file `{}`", env_path.display()))
                    .at(entry.span),
            );
            return None;
        };
        let lookup = |key: &str| env.get(key).cloned();
        match dotenv::parse(&text, &lookup) {
            Ok(vars) => {
                for (key, value) in vars {
                    env.entry(key).or_insert(value);
                }
            }
            Err(error) => {
                diagnostics.push(
                    Diagnostic::error(format!(
                        "invalid env file `{}`: {error}",
                        env_path.display()
                    ))
                    .at(entry.span),
                );
                return None;
            }
        }
    }

    let mut documents = Vec::new();
    for file in &files {
        if !file.is_file() {
            diagnostics.push(
                Diagnostic::error(format!("included file `{}` not found", file.display()))
                    .at(entry.span)
                    .path(KeyPath::root().key("include")),
            );
            return None;
        }
        documents.push(read(file, &env, &included_dir, diagnostics)?);
    }
    let (mut included, merge_diagnostics) = merge::merge_all(documents);
    diagnostics.extend(merge_diagnostics);
    resolve_at(
        &mut included,
        &included_dir,
        &env,
        read,
        diagnostics,
        depth + 1,
    );
    rebase(&mut included, &included_dir.display().to_string());
    Some(included)
}

/// Makes the included project's relative paths absolute, against its own directory.
fn rebase(doc: &mut Node, dir: &str) {
    let Some(map) = doc.as_map_mut() else { return };
    if let Some(services) = map.get_mut("services").and_then(Node::as_map_mut) {
        for service in services.values_mut() {
            rebase_service(service, dir);
        }
    }
    for section in ["secrets", "configs"] {
        let Some(resources) = map.get_mut(section).and_then(Node::as_map_mut) else {
            continue;
        };
        for resource in resources.values_mut() {
            if let Some(file) = resource.as_map_mut().and_then(|r| r.get_mut("file")) {
                if let Value::Str(path) = &mut file.value {
                    *path = rebase_path(path, dir);
                }
            }
        }
    }
}

fn add_resources(
    doc: &mut Node,
    included: Node,
    entry: &Node,
    path: &KeyPath,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let Value::Map(mut included) = included.value else {
        return;
    };
    let Some(map) = doc.as_map_mut() else { return };
    for section in SECTIONS {
        let Some(Value::Map(resources)) = included.shift_remove(section).map(|n| n.value) else {
            continue;
        };
        let target = map
            .entry(section.to_string())
            .or_insert_with(|| Node::new(Value::Map(Default::default()), entry.span));
        let Some(target) = target.as_map_mut() else {
            continue;
        };
        for (name, resource) in resources {
            match target.get(&name) {
                Some(existing) if existing.to_json() != resource.to_json() => {
                    diagnostics.push(
                        Diagnostic::error(format!(
                            "`{section}.{name}` is defined here and in an included file, differently"
                        ))
                        .at(existing.entry_span())
                        .path(KeyPath::root().key(section).key(&name))
                        .related(entry.span, "included here")
                        .help("rename one of them, or remove it from one side"),
                    );
                    let _ = path;
                }
                Some(_) => {}
                None => {
                    target.insert(name, resource);
                }
            }
        }
    }
}
