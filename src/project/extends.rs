//! `services.*.extends`: a service starts from a copy of another one, in the same file or in
//! another file, and its own definition is merged over that copy with the rules of
//! [`super::merge`], as docker compose v2 does.
//!
//! What docker compose v2 does, and so what this does:
//! - both forms: `extends: base` and `extends: {service: base, file: other.yml}`;
//! - chains are followed (the extended service's own `extends` first); a cycle is an error;
//! - `file` is relative to the project directory, not to the file that names it;
//! - relative paths of a service read from another file (build context, additional contexts,
//!   ssh keys, `env_file`, `label_file`, bind-mount sources, `develop.watch` paths, a further
//!   `extends.file`) are rebased onto that file's directory, written relative to the project
//!   directory, so later phases resolve them as they resolve every other path;
//! - everything is inherited, `depends_on`, `links` and `volumes_from` included (docker compose
//!   v1 dropped those; v2 keeps them);
//! - nothing but the service comes from another file (its networks, volumes, ... are not
//!   imported);
//! - extends is resolved within each file, before that file merges with the earlier ones: an
//!   override file cannot extend a service only an earlier file defines.

use std::collections::HashMap;
use std::path::Path;

use super::merge;
use super::node::{KeyPath, Mapping, Node, Span, Value};
use crate::diag::{did_you_mean, Diagnostic};

/// Reads, parses and interpolates the compose file at a path (the caller owns file access and
/// the source map); a file of several YAML documents comes back merged.
pub type LoadFile<'a> = dyn FnMut(&Path) -> Result<Node, Vec<Diagnostic>> + 'a;

/// Resolves every `extends` of `doc`, one parsed and interpolated compose file, in place.
///
/// `base_dir` is the project directory: `extends.file` is relative to it, and rebased paths
/// are written relative to it. `load` is called once per extended file. Problems are pushed to
/// `diagnostics`; a service whose `extends` fails is left as written.
///
/// `!reset`/`!override` tags of `doc` stay in the resolved services, because docker compose
/// also applies them to the earlier files when this one merges with them: merge the result
/// with [`merge::merge`] (or [`merge::merge_all`] for a single file), which consumes them.
pub fn resolve(
    doc: &mut Node,
    base_dir: &Path,
    load: &mut LoadFile<'_>,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let Some(services) = doc
        .as_map_mut()
        .and_then(|map| map.get_mut("services"))
        .and_then(Node::as_map_mut)
    else {
        return;
    };
    if !services
        .values()
        .any(|service| service.get("extends").is_some())
    {
        return;
    }
    let names: Vec<String> = services.keys().cloned().collect();
    let mut resolver = Resolver {
        base_dir: clean(&base_dir.to_string_lossy()),
        load,
        diagnostics,
        documents: vec![Document {
            file: None,
            services: std::mem::take(services),
            states: HashMap::new(),
        }],
        loaded: HashMap::new(),
        stack: Vec::new(),
    };
    for name in names {
        resolver.resolve_service(0, &name);
    }
    let Some(main) = resolver.documents.into_iter().next() else {
        return;
    };
    *services = main.services;
}

/// One file's services while they are being resolved.
struct Document {
    /// `extends.file` as written when this is an extended file; `None` for the file resolved.
    file: Option<String>,
    services: Mapping,
    states: HashMap<String, State>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    InProgress,
    Done,
    Failed,
}

/// Which service an `extends` names, and where.
struct Reference {
    service: String,
    service_span: Span,
    file: Option<(String, Span)>,
}

struct Resolver<'a, 'l> {
    base_dir: String,
    load: &'a mut LoadFile<'l>,
    diagnostics: &'a mut Vec<Diagnostic>,
    documents: Vec<Document>,
    /// Extended files by cleaned path; `None` when reading one failed.
    loaded: HashMap<String, Option<usize>>,
    /// The services being resolved, outermost first, with the span of their `extends`.
    stack: Vec<(usize, String, Span)>,
}

impl Resolver<'_, '_> {
    /// Resolves one service and returns its definition with `extends` applied, or `None` when
    /// that failed (already reported).
    fn resolve_service(&mut self, document: usize, name: &str) -> Option<Node> {
        let doc = self.documents.get(document)?;
        match doc.states.get(name) {
            Some(State::Done) => return doc.services.get(name).cloned(),
            Some(State::Failed) | Some(State::InProgress) => return None,
            None => {}
        }
        let mut local = doc.services.get(name)?.clone();
        let Some(extends) = local
            .as_map_mut()
            .and_then(|map| map.shift_remove("extends"))
        else {
            self.set_state(document, name, State::Done);
            return Some(local);
        };
        let extends_span = extends.entry_span();
        let path = KeyPath::root().key("services").key(name).key("extends");
        let Some(reference) = self.reference(&extends, &path) else {
            self.set_state(document, name, State::Failed);
            return None;
        };

        let target = match &reference.file {
            Some((file, span)) => self.load_document(file, *span, name, &path.key("file")),
            None => Some(document),
        };
        let Some(target) = target else {
            self.set_state(document, name, State::Failed);
            return None;
        };
        if !self.has_service(target, &reference, name, &path) {
            self.set_state(document, name, State::Failed);
            return None;
        }

        self.set_state(document, name, State::InProgress);
        self.stack.push((document, name.to_string(), extends_span));
        let base = if self.state(target, &reference.service) == Some(State::InProgress) {
            self.report_cycle(target, &reference.service, &path);
            None
        } else {
            self.resolve_service(target, &reference.service)
        };
        self.stack.pop();
        let Some(mut merged) = base else {
            self.set_state(document, name, State::Failed);
            return None;
        };

        // The copy must not replay the extended file's tags on this service.
        merge::strip_tags(&mut merged);
        if merged.as_map().is_none() {
            merged = Node::new(Value::Map(Mapping::default()), merged.span);
        }
        let (span, key_span, tag) = (local.span, local.key_span, local.tag.clone());
        merge::extend_service(&mut merged, local, name, self.diagnostics);
        if let Some(map) = merged.as_map_mut() {
            map.shift_remove("extends");
        }
        // Later diagnostics about the service should point at its own definition.
        merged.span = span;
        merged.key_span = key_span;
        merged.tag = tag;

        let doc = &mut self.documents[document];
        doc.services.insert(name.to_string(), merged.clone());
        doc.states.insert(name.to_string(), State::Done);
        Some(merged)
    }

    fn state(&self, document: usize, name: &str) -> Option<State> {
        self.documents.get(document)?.states.get(name).copied()
    }

    fn set_state(&mut self, document: usize, name: &str, state: State) {
        if let Some(doc) = self.documents.get_mut(document) {
            doc.states.insert(name.to_string(), state);
        }
    }

    fn reference(&mut self, extends: &Node, path: &KeyPath) -> Option<Reference> {
        match &extends.value {
            Value::Str(service) => Some(Reference {
                service: service.clone(),
                service_span: extends.span,
                file: None,
            }),
            Value::Map(map) => {
                let Some(service) = map.get("service").filter(|s| s.as_str().is_some()) else {
                    self.diagnostics.push(
                        Diagnostic::error("`extends` needs the `service` to extend")
                            .path(path.clone())
                            .at(extends.entry_span())
                            .help("add `service: NAME` under `extends`"),
                    );
                    return None;
                };
                let file = match map.get("file") {
                    None => None,
                    Some(node) => match node.scalar_text() {
                        Some(file) if node.as_map().is_none() && !node.is_null() => {
                            Some((file, node.span))
                        }
                        _ => {
                            self.diagnostics.push(
                                Diagnostic::error(format!(
                                    "`extends.file` must be a path, not {}",
                                    node.kind_name()
                                ))
                                .path(path.key("file"))
                                .at(node.span),
                            );
                            return None;
                        }
                    },
                };
                Some(Reference {
                    service: service.as_str().unwrap_or_default().to_string(),
                    service_span: service.span,
                    file,
                })
            }
            _ => {
                self.diagnostics.push(
                    Diagnostic::error(format!(
                        "`extends` must be a service name or a mapping, not {}",
                        extends.kind_name()
                    ))
                    .path(path.clone())
                    .at(extends.entry_span())
                    .help("write `extends: SERVICE` or `extends: {service: SERVICE, file: FILE}`"),
                );
                None
            }
        }
    }

    fn has_service(
        &mut self,
        document: usize,
        reference: &Reference,
        name: &str,
        path: &KeyPath,
    ) -> bool {
        let Some(doc) = self.documents.get(document) else {
            return false;
        };
        if doc.services.contains_key(&reference.service) {
            return true;
        }
        let wanted = &reference.service;
        let mut message = format!("cannot extend service `{name}`: service `{wanted}` not found");
        if let Some(file) = &doc.file {
            message.push_str(&format!(" in `{file}`"));
        }
        let candidates: Vec<&str> = doc
            .services
            .keys()
            .map(String::as_str)
            .filter(|candidate| *candidate != name || doc.file.is_some())
            .collect();
        let help = did_you_mean(wanted, candidates.iter().copied()).or_else(|| {
            (!candidates.is_empty()).then(|| {
                let shown: Vec<String> = candidates
                    .iter()
                    .take(8)
                    .map(|c| format!("`{c}`"))
                    .collect();
                let more = if candidates.len() > shown.len() {
                    ", ..."
                } else {
                    ""
                };
                format!("services there: {}{more}", shown.join(", "))
            })
        });
        let path = if reference.file.is_some() {
            path.key("service")
        } else {
            path.clone()
        };
        let mut diagnostic = Diagnostic::error(message)
            .path(path)
            .at(reference.service_span)
            .label("no such service");
        if let Some(help) = help {
            diagnostic = diagnostic.help(help);
        }
        self.diagnostics.push(diagnostic);
        false
    }

    fn report_cycle(&mut self, target: usize, service: &str, path: &KeyPath) {
        let start = self
            .stack
            .iter()
            .position(|(doc, name, _)| *doc == target && name == service)
            .unwrap_or(0);
        let chain = &self.stack[start..];
        let describe =
            |doc: usize, name: &str| match self.documents.get(doc).and_then(|d| d.file.as_ref()) {
                Some(file) => format!("`{name}` ({file})"),
                None => format!("`{name}`"),
            };
        let mut names: Vec<String> = chain
            .iter()
            .map(|(doc, name, _)| describe(*doc, name))
            .collect();
        names.push(describe(target, service));
        let Some((_, _, span)) = chain.last() else {
            return;
        };
        let mut diagnostic =
            Diagnostic::error(format!("circular `extends`: {}", names.join(" → ")))
                .path(path.clone())
                .at(*span)
                .label("closes the cycle")
                .help("a service cannot extend itself, directly or through other services");
        for (_, name, other) in &chain[..chain.len() - 1] {
            diagnostic = diagnostic.related(*other, format!("`{name}` extends from here"));
        }
        self.diagnostics.push(diagnostic);
    }

    /// Reads an extended file once; its tags are consumed and its paths rebased.
    fn load_document(
        &mut self,
        file: &str,
        span: Span,
        name: &str,
        path: &KeyPath,
    ) -> Option<usize> {
        let full = join(&self.base_dir, file);
        if let Some(loaded) = self.loaded.get(&full) {
            return *loaded;
        }
        let result = (self.load)(Path::new(&full));
        let index = match result {
            Ok(doc) => {
                let (mut doc, problems) = merge::merge_all([doc]);
                self.diagnostics.extend(problems);
                let dir = rel_path(&self.base_dir, &parent(&full));
                let mut services = match doc.as_map_mut().and_then(|m| m.shift_remove("services")) {
                    Some(Node {
                        value: Value::Map(services),
                        ..
                    }) => services,
                    _ => Mapping::default(),
                };
                for service in services.values_mut() {
                    rebase_service(service, &dir);
                }
                self.documents.push(Document {
                    file: Some(file.to_string()),
                    services,
                    states: HashMap::new(),
                });
                Some(self.documents.len() - 1)
            }
            Err(errors) => {
                if errors.iter().any(|e| e.span.is_some()) {
                    // Located problems (YAML syntax, ...) already say where they are.
                    self.diagnostics.extend(errors);
                } else {
                    let reasons: Vec<&str> = errors.iter().map(|e| e.message.as_str()).collect();
                    let mut message = format!("cannot read `{file}` to extend service `{name}`");
                    if !reasons.is_empty() {
                        message.push_str(": ");
                        message.push_str(&reasons.join("; "));
                    }
                    let mut diagnostic = Diagnostic::error(message)
                        .path(path.clone())
                        .at(span)
                        .label("this file");
                    if let Some(help) = near_file_names(file, &full) {
                        diagnostic = diagnostic.help(help);
                    }
                    self.diagnostics.push(diagnostic);
                }
                None
            }
        };
        self.loaded.insert(full, index);
        index
    }
}

/// "did you mean" among the compose files beside the missing one, written as the user wrote
/// the missing one. Only a hint: a directory that cannot be listed gives none.
fn near_file_names(file: &str, full: &str) -> Option<String> {
    let dir = parent(full);
    let prefix = match file.rfind('/') {
        Some(slash) => &file[..=slash],
        None => "",
    };
    let entries = std::fs::read_dir(if dir.is_empty() { "." } else { &dir }).ok()?;
    let candidates: Vec<String> = entries
        .filter_map(Result::ok)
        .filter_map(|entry| entry.file_name().into_string().ok())
        .filter(|name| name.ends_with(".yml") || name.ends_with(".yaml"))
        .map(|name| format!("{prefix}{name}"))
        .collect();
    did_you_mean(file, candidates.iter().map(String::as_str))
}

/// Rewrites the relative paths of a service read from another file so they are relative to
/// the project directory; `dir` is that file's directory, relative to the project directory.
pub fn rebase_service(service: &mut Node, dir: &str) {
    let Some(map) = service.as_map_mut() else {
        return;
    };
    if let Some(build) = map.get_mut("build") {
        rebase_build(build, dir);
    }
    if let Some(env_file) = map.get_mut("env_file") {
        for_each_item(env_file, |item| match &mut item.value {
            Value::Map(entry) => {
                if let Some(path) = entry.get_mut("path") {
                    rebase_string(path, |p| rebase_path(p, dir));
                }
            }
            _ => rebase_string(item, |p| rebase_path(p, dir)),
        });
    }
    if let Some(label_file) = map.get_mut("label_file") {
        for_each_item(label_file, |item| {
            rebase_string(item, |p| rebase_path(p, dir))
        });
    }
    if let Some(Value::Seq(volumes)) = map.get_mut("volumes").map(|v| &mut v.value) {
        for volume in volumes {
            rebase_volume(volume, dir);
        }
    }
    if let Some(Value::Seq(watches)) = map
        .get_mut("develop")
        .and_then(Node::as_map_mut)
        .and_then(|develop| develop.get_mut("watch"))
        .map(|watch| &mut watch.value)
    {
        for watch in watches {
            if let Some(path) = watch.as_map_mut().and_then(|w| w.get_mut("path")) {
                rebase_string(path, |p| rebase_path(p, dir));
            }
        }
    }
    if let Some(file) = map
        .get_mut("extends")
        .and_then(Node::as_map_mut)
        .and_then(|extends| extends.get_mut("file"))
    {
        rebase_string(file, |p| rebase_context(p, dir));
    }
}

fn rebase_build(build: &mut Node, dir: &str) {
    match &mut build.value {
        Value::Str(_) => rebase_string(build, |p| rebase_context(p, dir)),
        Value::Map(map) => {
            if let Some(context) = map.get_mut("context") {
                rebase_string(context, |p| rebase_context(p, dir));
            }
            if let Some(contexts) = map.get_mut("additional_contexts") {
                rebase_named_paths(contexts, |p| rebase_context(p, dir));
            }
            if let Some(ssh) = map.get_mut("ssh") {
                rebase_named_paths(ssh, |p| rebase_path(p, dir));
            }
        }
        _ => {}
    }
}

/// `{name: path}` or `[name=path]` (a bare `name` has no path).
fn rebase_named_paths(node: &mut Node, rebase: impl Fn(&str) -> String) {
    match &mut node.value {
        Value::Map(map) => {
            for value in map.values_mut() {
                rebase_string(value, &rebase);
            }
        }
        Value::Seq(items) => {
            for item in items {
                if let Value::Str(text) = &mut item.value {
                    if let Some((name, path)) = text.split_once('=') {
                        *text = format!("{name}={}", rebase(path));
                    }
                }
            }
        }
        _ => {}
    }
}

fn rebase_volume(volume: &mut Node, dir: &str) {
    match &mut volume.value {
        Value::Str(spec) => {
            let Some(mut parsed) = merge::parse_volume(spec) else {
                return;
            };
            if !parsed.is_bind() {
                return;
            }
            if let Some(source) = &parsed.source {
                let mut rebased = rebase_path(source, dir);
                // `sub/data` alone would read as a volume name: keep it a host path.
                if !merge::is_host_path(&rebased) {
                    rebased = format!("./{rebased}");
                }
                if &rebased != source {
                    parsed.source = Some(rebased);
                    *spec = parsed.to_spec();
                }
            }
        }
        Value::Map(map) if map.get("type").and_then(Node::as_str) == Some("bind") => {
            if let Some(source) = map.get_mut("source") {
                rebase_string(source, |p| rebase_path(p, dir));
            }
        }
        _ => {}
    }
}

fn for_each_item(node: &mut Node, mut f: impl FnMut(&mut Node)) {
    match &mut node.value {
        Value::Seq(items) => items.iter_mut().for_each(f),
        _ => f(node),
    }
}

fn rebase_string(node: &mut Node, rebase: impl Fn(&str) -> String) {
    if let Value::Str(text) = &mut node.value {
        *text = rebase(text);
    }
}

/// A build context that is not a local directory (a URL, `service:x`, `docker-image://...`)
/// is kept as is.
fn rebase_context(path: &str, dir: &str) -> String {
    const REMOTE: [&str; 6] = [
        "https://",
        "http://",
        "git://",
        "ssh://",
        "github.com/",
        "git@",
    ];
    if path.contains("://")
        || path.starts_with("service:")
        || REMOTE.iter().any(|r| path.starts_with(r))
    {
        return path.to_string();
    }
    rebase_path(path, dir)
}

/// A relative path joined onto `dir`; absolute, home-relative and empty paths are kept.
pub fn rebase_path(path: &str, dir: &str) -> String {
    if path.is_empty() || path.starts_with('~') || is_absolute(path) {
        return path.to_string();
    }
    join(dir, path)
}

fn is_absolute(path: &str) -> bool {
    if path.starts_with('/') || path.starts_with("\\\\") {
        return true;
    }
    let bytes = path.as_bytes();
    bytes.len() >= 3
        && bytes[0].is_ascii_alphabetic()
        && bytes[1] == b':'
        && matches!(bytes[2], b'/' | b'\\')
}

fn join(dir: &str, path: &str) -> String {
    if is_absolute(path) || dir.is_empty() {
        return clean(path);
    }
    clean(&format!("{dir}/{path}"))
}

/// The directory part of a cleaned path (`.` for a bare name).
fn parent(path: &str) -> String {
    match path.rfind('/') {
        Some(0) => "/".to_string(),
        Some(slash) => path[..slash].to_string(),
        None => ".".to_string(),
    }
}

/// Lexical cleaning as Go's `filepath.Clean`: no `.`, no `x/..`, no doubled slashes.
fn clean(path: &str) -> String {
    let absolute = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => match parts.last() {
                Some(&last) if last != ".." => {
                    parts.pop();
                }
                _ if absolute => {}
                _ => parts.push(".."),
            },
            _ => parts.push(part),
        }
    }
    let joined = parts.join("/");
    match (absolute, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".to_string(),
        (false, false) => joined,
    }
}

/// `target` relative to `base` (both cleaned), lexically, as Go's `filepath.Rel`; `target`
/// itself when one is absolute and the other not.
fn rel_path(base: &str, target: &str) -> String {
    if base.starts_with('/') != target.starts_with('/') {
        return target.to_string();
    }
    let split = |p: &str| -> Vec<String> {
        p.split('/')
            .filter(|s| !s.is_empty() && *s != ".")
            .map(String::from)
            .collect()
    };
    let (base, target) = (split(base), split(target));
    let common = base.iter().zip(&target).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<String> = vec!["..".to_string(); base.len() - common];
    parts.extend(target[common..].iter().cloned());
    if parts.is_empty() {
        ".".to_string()
    } else {
        parts.join("/")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_clean_and_relativise_like_go() {
        assert_eq!(clean("sub/./app"), "sub/app");
        assert_eq!(clean("sub/.."), ".");
        assert_eq!(clean("../a/../b"), "../b");
        assert_eq!(clean("/a/../../b"), "/b");
        assert_eq!(join(".", "./data"), "data");
        assert_eq!(join("sub", ".."), ".");
        assert_eq!(rel_path("/p", "/p/sub/deeper"), "sub/deeper");
        assert_eq!(rel_path("/p", "/p"), ".");
        assert_eq!(rel_path("/p/q", "/p/common"), "../common");
        assert_eq!(parent("/p/sub/c.yml"), "/p/sub");
    }

    #[test]
    fn only_local_relative_paths_move() {
        assert_eq!(
            rebase_context("https://github.com/a/b.git", "sub"),
            "https://github.com/a/b.git"
        );
        assert_eq!(
            rebase_context("docker-image://alpine", "sub"),
            "docker-image://alpine"
        );
        assert_eq!(rebase_context("service:base", "sub"), "service:base");
        assert_eq!(rebase_context("app", "sub"), "sub/app");
        assert_eq!(rebase_path("~/x", "sub"), "~/x");
        assert_eq!(rebase_path("/x", "sub"), "/x");
        assert_eq!(rebase_path("C:/x", "sub"), "C:/x");
        assert_eq!(rebase_path("", "sub"), "");
    }
}
