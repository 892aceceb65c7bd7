//! Merging compose trees the way docker compose v2 does (compose-go's `override` package):
//! a later `-f` file into the earlier ones, and a service into the one it `extends`.
//!
//! Runs after each file has been parsed and interpolated, before canonicalisation, so every rule
//! accepts both the short and the long syntax of a value. The general rules: mappings merge by
//! key, sequences append, scalars are replaced, and a `null` in the later file keeps the earlier
//! value. [`RULES`] lists the exceptions by tree path; [`UNIQUE`] lists the sequences that are
//! deduplicated afterwards ([`enforce_unicity`]), the entry that comes later winning but keeping
//! the position of the first one.
//!
//! `!reset` on a mapping entry removes the earlier value; `!override` replaces it instead of
//! merging. On a sequence item, `!reset` only drops that item (compose-go does not remove items
//! of the earlier sequence).
//!
//! Nodes keep the span of the file they came from; a value synthesised from a mapping entry
//! (`KEY=value` from `KEY: value`) spans that entry.

use std::collections::HashMap;

use super::node::{KeyPath, Mapping, Node, PathSegment, Span, Value};
use crate::diag::Diagnostic;

/// Tag removing the earlier value of an entry.
pub const RESET_TAG: &str = "reset";
/// Tag replacing the earlier value of an entry instead of merging into it.
pub const OVERRIDE_TAG: &str = "override";

/// How the values found at one path of both trees combine.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rule {
    /// The later value replaces the earlier one, even `null` (shell commands, ulimits).
    Replace,
    /// Both sides become sequences (`KEY=value` for mapping entries, sorted; a lone string
    /// becomes one item) and the later one is appended.
    ToSequence,
    /// [`Rule::ToSequence`], but a `!reset` entry also removes `KEY=...` items of an earlier
    /// sequence: compose-go has made this attribute a mapping before the next file merges.
    ToSequenceKeyed,
    /// [`Rule::ToSequence`], dropping later items equal to an earlier one.
    ExtraHosts,
    /// `build: ./dir` is `build: {context: ./dir}`; then mappings merge.
    Build,
    /// A list of service names is a mapping to `{condition: service_started, required: true}`.
    DependsOn,
    /// A list of names is a mapping to `null` (service `networks`, `models`).
    NamesToMapping,
    /// Options merge only when both sides name the same driver, or one names none.
    Logging,
    /// IPAM pools pair up by `subnet`, reproducing compose-go's algorithm exactly.
    IpamConfig,
}

/// The exceptions to the general rules, by path (`*` matches one key).
pub const RULES: &[(&str, Rule)] = &[
    ("networks.*.ipam.config", Rule::IpamConfig),
    ("networks.*.labels", Rule::ToSequence),
    ("volumes.*.labels", Rule::ToSequence),
    ("services.*.annotations", Rule::ToSequence),
    ("services.*.build", Rule::Build),
    ("services.*.build.args", Rule::ToSequence),
    (
        "services.*.build.additional_contexts",
        Rule::ToSequenceKeyed,
    ),
    ("services.*.build.extra_hosts", Rule::ExtraHosts),
    ("services.*.build.labels", Rule::ToSequence),
    ("services.*.command", Rule::Replace),
    ("services.*.depends_on", Rule::DependsOn),
    ("services.*.deploy.labels", Rule::ToSequence),
    ("services.*.dns", Rule::ToSequence),
    ("services.*.dns_opt", Rule::ToSequence),
    ("services.*.dns_search", Rule::ToSequence),
    ("services.*.entrypoint", Rule::Replace),
    ("services.*.env_file", Rule::ToSequence),
    ("services.*.label_file", Rule::ToSequence),
    ("services.*.environment", Rule::ToSequence),
    ("services.*.extra_hosts", Rule::ExtraHosts),
    ("services.*.healthcheck.test", Rule::Replace),
    ("services.*.labels", Rule::ToSequence),
    ("services.*.logging", Rule::Logging),
    ("services.*.models", Rule::NamesToMapping),
    ("services.*.networks", Rule::NamesToMapping),
    ("services.*.sysctls", Rule::ToSequence),
    ("services.*.tmpfs", Rule::ToSequence),
    // compose-go merges ulimits by returning the later value whatever its shape.
    ("services.*.ulimits.*", Rule::Replace),
];

/// What makes two items of a sequence "the same" for deduplication.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unique {
    /// `KEY=value` items by `KEY`; other items by their whole text.
    KeyValue,
    /// Mounts by target path (short syntax parsed).
    Volume,
    /// Devices by container path.
    Device,
    /// Ports by host IP, published port, target port and protocol.
    Port,
    /// Exposed ports by their text (`80` and `"80"` are the same).
    Expose,
    /// `env_file` entries by path.
    EnvFile,
    /// Secrets by target, defaulting to `/run/secrets/<source>`.
    Secret,
    /// Configs by target, defaulting to `/<source>`.
    Config,
}

/// The sequences deduplicated after every merge, by path.
pub const UNIQUE: &[(&str, Unique)] = &[
    ("networks.*.labels", Unique::KeyValue),
    ("networks.*.ipam.options", Unique::KeyValue),
    ("services.*.annotations", Unique::KeyValue),
    ("services.*.build.args", Unique::KeyValue),
    ("services.*.build.additional_contexts", Unique::KeyValue),
    ("services.*.build.tags", Unique::KeyValue),
    ("services.*.build.labels", Unique::KeyValue),
    ("services.*.cap_add", Unique::KeyValue),
    ("services.*.cap_drop", Unique::KeyValue),
    ("services.*.configs", Unique::Config),
    ("services.*.deploy.labels", Unique::KeyValue),
    ("services.*.devices", Unique::Device),
    ("services.*.dns", Unique::KeyValue),
    ("services.*.dns_opt", Unique::KeyValue),
    ("services.*.dns_search", Unique::KeyValue),
    ("services.*.environment", Unique::KeyValue),
    ("services.*.env_file", Unique::EnvFile),
    ("services.*.expose", Unique::Expose),
    ("services.*.labels", Unique::KeyValue),
    ("services.*.links", Unique::KeyValue),
    ("services.*.networks.*.aliases", Unique::KeyValue),
    ("services.*.networks.*.link_local_ips", Unique::KeyValue),
    ("services.*.ports", Unique::Port),
    ("services.*.profiles", Unique::KeyValue),
    ("services.*.secrets", Unique::Secret),
    ("services.*.sysctls", Unique::KeyValue),
    ("services.*.tmpfs", Unique::KeyValue),
    ("services.*.volumes", Unique::Volume),
];

/// Merges the documents of every `-f` file, in order, into one tree: each is merged into the
/// result of the previous ones, then sequences are deduplicated. `!reset`/`!override` tags are
/// consumed; the result carries none. A single document goes through the same steps, as in
/// docker compose (its own `!reset` entries are dropped and its duplicates removed).
pub fn merge_all(docs: impl IntoIterator<Item = Node>) -> (Node, Vec<Diagnostic>) {
    let mut merged: Option<Node> = None;
    let mut diagnostics = Vec::new();
    for doc in docs {
        let base =
            merged.get_or_insert_with(|| Node::new(Value::Map(Mapping::default()), doc.span));
        diagnostics.extend(merge(base, doc));
    }
    let merged =
        merged.unwrap_or_else(|| Node::new(Value::Map(Mapping::default()), Span::default()));
    (merged, diagnostics)
}

/// Merges `overlay` (a later file) into `base` (the earlier files), then deduplicates
/// sequences, and returns the problems found (a mapping over a sequence, ...), which leave the
/// earlier value in place. `base` may still carry its own tags (a first file used as is): its
/// `!reset` entries are dropped first, as docker compose drops them when reading that file.
pub fn merge(base: &mut Node, overlay: Node) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    strip_tags(base);
    let mut merger = Merger {
        keep_tags: false,
        diagnostics: &mut diagnostics,
    };
    let old = std::mem::replace(base, null_at(base.span));
    *base = merger.merge_node(old, overlay, &mut Vec::new());
    enforce_unicity(base);
    diagnostics
}

/// Merges the definition of service `service_name` (`local`) over the one it extends (`base`,
/// tag-free), as compose-go's `ExtendService`: the rules of `services.*` apply. Tags of `local`
/// stay in the result, because they also act on the earlier files once this file is merged
/// with them. Problems are pushed to `diagnostics`.
pub fn extend_service(
    base: &mut Node,
    local: Node,
    service_name: &str,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let mut merger = Merger {
        keep_tags: true,
        diagnostics,
    };
    let old = std::mem::replace(base, null_at(base.span));
    let mut path = vec!["services".to_string(), service_name.to_string()];
    *base = merger.merge_node(old, local, &mut path);
}

/// Removes `!reset` entries and items, and forgets `!override` tags, everywhere in `node`.
pub fn strip_tags(node: &mut Node) {
    if is_tagged(node, OVERRIDE_TAG) {
        node.tag = None;
    }
    match &mut node.value {
        Value::Map(map) => {
            map.retain(|_, value| !is_tagged(value, RESET_TAG));
            for value in map.values_mut() {
                strip_tags(value);
            }
        }
        Value::Seq(items) => {
            items.retain(|item| !is_tagged(item, RESET_TAG));
            for item in items {
                strip_tags(item);
            }
        }
        _ => {}
    }
}

/// Deduplicates the sequences listed in [`UNIQUE`] anywhere in `doc`: an item whose key was
/// already seen replaces the earlier item in place. Accepts short and long syntax alike, so it
/// can run again after canonicalisation (compose-go does) without changing anything.
pub fn enforce_unicity(doc: &mut Node) {
    const _: () = assert!(UNIQUE.len() <= 64, "unicity_walk keeps one bit per rule");
    unicity_walk(doc, 0, u64::MAX >> (64 - UNIQUE.len()));
}

fn null_at(span: Span) -> Node {
    Node::new(Value::Null, span)
}

fn is_tagged(node: &Node, tag: &str) -> bool {
    node.tag.as_deref() == Some(tag)
}

/// Whether `path` (keys from the root) matches a dotted `pattern` where `*` is any one key.
pub fn path_matches(pattern: &str, path: &[String]) -> bool {
    let mut segments = pattern.split('.');
    for key in path {
        match segments.next() {
            Some("*") => {}
            Some(segment) if segment == key => {}
            _ => return false,
        }
    }
    segments.next().is_none()
}

fn rule_at(path: &[String]) -> Option<Rule> {
    RULES
        .iter()
        .find(|(pattern, _)| path_matches(pattern, path))
        .map(|(_, rule)| *rule)
}

fn key_path(path: &[String]) -> KeyPath {
    path.iter().fold(KeyPath::root(), |p, key| p.key(key))
}

struct Merger<'d> {
    /// Whether `!reset`/`!override` tags of the later tree survive into the result.
    keep_tags: bool,
    diagnostics: &'d mut Vec<Diagnostic>,
}

impl Merger<'_> {
    /// A node of the later tree entering the result as is.
    fn take(&self, mut node: Node) -> Node {
        if !self.keep_tags {
            strip_tags(&mut node);
        }
        node
    }

    fn merge_node(&mut self, base: Node, overlay: Node, path: &mut Vec<String>) -> Node {
        if let Some(rule) = rule_at(path) {
            return self.apply_rule(rule, base, overlay, path);
        }
        if overlay.is_null() {
            return base;
        }
        match (&base.value, &overlay.value) {
            (Value::Map(_), Value::Map(_)) => self.merge_maps(base, overlay, path),
            (Value::Seq(_), Value::Seq(_)) => {
                let overlay = self.take(overlay);
                append(base, overlay)
            }
            (Value::Map(_) | Value::Seq(_), _) => {
                self.cannot_merge(&base, &overlay, path);
                base
            }
            _ => self.take(overlay),
        }
    }

    /// Both nodes must be mappings.
    fn merge_maps(&mut self, base: Node, overlay: Node, path: &mut Vec<String>) -> Node {
        let Node {
            value: Value::Map(overlay_map),
            ..
        } = overlay
        else {
            return base;
        };
        let mut base = base;
        let Some(base_map) = base.as_map_mut() else {
            return base;
        };
        for (key, value) in overlay_map {
            if is_tagged(&value, RESET_TAG) {
                base_map.shift_remove(&key);
                if self.keep_tags {
                    base_map.insert(key, value);
                }
                continue;
            }
            if is_tagged(&value, OVERRIDE_TAG) {
                let value = self.take(value);
                base_map.insert(key, value);
                continue;
            }
            match base_map.get_mut(&key) {
                Some(existing) => {
                    let old = std::mem::replace(existing, null_at(existing.span));
                    path.push(key);
                    *existing = self.merge_node(old, value, path);
                    path.pop();
                }
                None => {
                    let value = self.take(value);
                    base_map.insert(key, value);
                }
            }
        }
        base
    }

    fn apply_rule(
        &mut self,
        rule: Rule,
        base: Node,
        overlay: Node,
        path: &mut Vec<String>,
    ) -> Node {
        match rule {
            Rule::Replace => self.take(overlay),
            Rule::ToSequence | Rule::ToSequenceKeyed | Rule::ExtraHosts => {
                self.merge_to_sequence(rule, base, overlay)
            }
            Rule::Build => {
                let base = self.build_mapping(base, path);
                let overlay = self.build_mapping(overlay, path);
                self.merge_keyed(base, overlay, path)
            }
            Rule::DependsOn | Rule::NamesToMapping => {
                let default = (rule == Rule::DependsOn).then(depends_on_default);
                let base = names_to_mapping(base, default.as_ref());
                let overlay = names_to_mapping(overlay, default.as_ref());
                self.merge_keyed(base, overlay, path)
            }
            Rule::Logging => {
                if base.is_null() {
                    return self.take(overlay);
                }
                if overlay.is_null() {
                    return base;
                }
                if base.as_map().is_none() || overlay.as_map().is_none() {
                    self.cannot_merge(&base, &overlay, path);
                    return base;
                }
                let drivers = (
                    base.get("driver").map(|d| &d.value),
                    overlay.get("driver").map(|d| &d.value),
                );
                match drivers {
                    (Some(earlier), Some(later)) if earlier != later => self.take(overlay),
                    _ => self.merge_maps(base, overlay, path),
                }
            }
            Rule::IpamConfig => self.merge_ipam_config(base, overlay, path),
        }
    }

    /// Merges two values already converted to mappings (or null); docker compose would crash on
    /// a null earlier value, which here simply yields the later one.
    fn merge_keyed(&mut self, base: Node, overlay: Node, path: &mut Vec<String>) -> Node {
        match (&base.value, &overlay.value) {
            (_, Value::Null) => base,
            (Value::Null, _) => self.take(overlay),
            (Value::Map(_), Value::Map(_)) => self.merge_maps(base, overlay, path),
            _ => {
                self.cannot_merge(&base, &overlay, path);
                base
            }
        }
    }

    /// `build: ./dir` as `{context: ./dir}`.
    fn build_mapping(&mut self, node: Node, path: &[String]) -> Node {
        match node.value {
            Value::Str(_) => {
                let span = node.span;
                let key_span = node.key_span;
                let mut context = node;
                context.key_span = Some(context.span);
                let mut map = Mapping::default();
                map.insert("context".to_string(), context);
                Node {
                    value: Value::Map(map),
                    span,
                    key_span,
                    tag: None,
                }
            }
            Value::Map(_) | Value::Null => node,
            _ => {
                self.diagnostics.push(
                    Diagnostic::error(format!("cannot merge {} into `build`", node.kind_name()))
                        .path(key_path(path))
                        .at(node.span)
                        .help("`build` is a path to the build context or a mapping"),
                );
                null_at(node.span)
            }
        }
    }

    fn merge_to_sequence(&mut self, rule: Rule, base: Node, overlay: Node) -> Node {
        let mut base = base;
        // An entry tagged in the later mapping first clears the earlier entry of that key.
        if let Some(overlay_map) = overlay.as_map() {
            let cleared: Vec<&str> = overlay_map
                .iter()
                .filter(|(_, v)| is_tagged(v, RESET_TAG) || is_tagged(v, OVERRIDE_TAG))
                .map(|(k, _)| k.as_str())
                .collect();
            if !cleared.is_empty() {
                match &mut base.value {
                    Value::Map(map) => map.retain(|k, _| !cleared.contains(&k.as_str())),
                    Value::Seq(items) if rule == Rule::ToSequenceKeyed => items.retain(|item| {
                        item.as_str()
                            .map(|text| !cleared.contains(&text.split('=').next().unwrap_or("")))
                            .unwrap_or(true)
                    }),
                    _ => {}
                }
            }
        }
        let span = if base.is_null() {
            overlay.span
        } else {
            base.span
        };
        let key_span = base.key_span.or(overlay.key_span);
        let earlier = into_sequence(base);
        let mut overlay = overlay;
        strip_tags(&mut overlay);
        let later = into_sequence(overlay);
        // Go's nil slices are empty sequences once stored in the tree: the result is always
        // a sequence, possibly empty (docker compose then prints no such attribute).
        let mut items = earlier;
        if rule == Rule::ExtraHosts {
            let fresh: Vec<Node> = later
                .into_iter()
                .filter(|item| !items.iter().any(|e| e.value == item.value))
                .collect();
            items.extend(fresh);
        } else {
            items.extend(later);
        }
        Node {
            value: Value::Seq(items),
            span,
            key_span,
            tag: None,
        }
    }

    /// compose-go's `mergeIPAMConfig`, aliasing included: an earlier pool is merged in place
    /// with every later pool in turn, and the pools list holds references to those maps, so a
    /// later merge can rewrite an entry already placed. Reproduced because its output is what
    /// docker compose deploys; earlier pools that no later pool matches are dropped, as there.
    fn merge_ipam_config(&mut self, base: Node, overlay: Node, path: &mut Vec<String>) -> Node {
        if overlay.is_null() {
            return base;
        }
        if base.is_null() {
            return self.take(overlay);
        }
        let span = base.span;
        let key_span = base.key_span;
        let (Value::Seq(earlier), Value::Seq(later)) = (&base.value, &overlay.value) else {
            self.cannot_merge(&base, &overlay, path);
            return base;
        };
        let as_pool = |node: &Node| match &node.value {
            Value::Map(_) => node.clone(),
            _ => Node::new(Value::Map(Mapping::default()), node.span),
        };
        let mut pools: Vec<Node> = earlier.iter().map(as_pool).collect();
        let first_later = pools.len();
        for item in later {
            let mut item = as_pool(item);
            if !self.keep_tags {
                strip_tags(&mut item);
            }
            pools.push(item);
        }
        let subnet = |pool: &Node| pool.get("subnet").map(|s| s.value.clone());
        let mut placed: Vec<usize> = Vec::new();
        for right in 0..first_later {
            for left in first_later..pools.len() {
                let left_subnet = subnet(&pools[left]);
                if left_subnet != subnet(&pools[right])
                    && !placed.iter().any(|&i| subnet(&pools[i]) == left_subnet)
                {
                    placed.push(left);
                    continue;
                }
                let old = std::mem::replace(&mut pools[right], null_at(span));
                let later_pool = pools[left].clone();
                pools[right] = self.merge_maps(old, later_pool, path);
                let merged_subnet = subnet(&pools[right]);
                match placed
                    .iter()
                    .position(|&i| subnet(&pools[i]) == merged_subnet)
                {
                    Some(index) => placed[index] = right,
                    None => placed.push(right),
                }
            }
        }
        Node {
            value: Value::Seq(placed.iter().map(|&i| pools[i].clone()).collect()),
            span,
            key_span,
            tag: None,
        }
    }

    fn cannot_merge(&mut self, base: &Node, overlay: &Node, path: &[String]) {
        self.diagnostics.push(
            Diagnostic::error(format!(
                "cannot merge {} into {}",
                overlay.kind_name(),
                base.kind_name()
            ))
            .path(key_path(path))
            .at(overlay.span)
            .label(format!("{} here", overlay.kind_name()))
            .related(base.span, format!("{} defined here", base.kind_name()))
            .help("use `!override` to replace the earlier value, or `!reset` to remove it"),
        );
    }
}

fn append(base: Node, overlay: Node) -> Node {
    let mut base = base;
    if let (Value::Seq(items), Value::Seq(more)) = (&mut base.value, overlay.value) {
        items.extend(more);
    }
    base
}

fn depends_on_default() -> Mapping {
    let mut map = Mapping::default();
    map.insert(
        "condition".to_string(),
        Node::new(Value::Str("service_started".to_string()), Span::default()),
    );
    map.insert(
        "required".to_string(),
        Node::new(Value::Bool(true), Span::default()),
    );
    map
}

/// `[a, b]` as `{a: default, b: default}`, each entry spanning its list item.
fn names_to_mapping(node: Node, default: Option<&Mapping>) -> Node {
    let Value::Seq(items) = node.value else {
        return node;
    };
    let mut map = Mapping::default();
    for item in items {
        let Some(name) = item.scalar_text() else {
            continue;
        };
        let value = match default {
            Some(default) => {
                let entries = default
                    .iter()
                    .map(|(k, v)| {
                        let mut v = v.clone();
                        v.span = item.span;
                        (k.clone(), v)
                    })
                    .collect();
                Value::Map(entries)
            }
            None => Value::Null,
        };
        let mut entry = Node::new(value, item.span);
        entry.key_span = Some(item.span);
        entry.tag = item.tag;
        map.insert(name, entry);
    }
    Node {
        value: Value::Map(map),
        span: node.span,
        key_span: node.key_span,
        tag: node.tag,
    }
}

/// compose-go's `convertIntoSequence`: a sequence as is, a string as one item, a mapping as
/// sorted `KEY=value` items (`KEY` alone for null, one item per element of a list value),
/// anything else as nothing.
fn into_sequence(node: Node) -> Vec<Node> {
    match node.value {
        Value::Seq(items) => items,
        Value::Str(_) => vec![node],
        Value::Map(map) => {
            let mut items = Vec::new();
            for (key, value) in map {
                let span = entry_span(&value);
                match &value.value {
                    Value::Null => items.push(string_node(key, span)),
                    Value::Seq(elements) => {
                        for element in elements {
                            items.push(string_node(format!("{key}={}", go_text(element)), span));
                        }
                    }
                    _ => items.push(string_node(format!("{key}={}", go_text(&value)), span)),
                }
            }
            items.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
            items
        }
        _ => Vec::new(),
    }
}

fn string_node(text: String, span: Span) -> Node {
    Node::new(Value::Str(text), span)
}

/// A value as `fmt.Sprintf("%v")` shows it inside `KEY=value`.
fn go_text(node: &Node) -> String {
    node.scalar_text()
        .unwrap_or_else(|| node.to_json().to_string())
}

/// From the start of an entry's key to the end of its value, when both are in one file.
fn entry_span(value: &Node) -> Span {
    match value.key_span {
        Some(key)
            if key.file == value.span.file
                && value.span.offset >= key.offset
                && value.span != Span::default() =>
        {
            Span {
                len: value.span.offset + value.span.len - key.offset,
                ..key
            }
        }
        Some(key) => key,
        None => value.span,
    }
}

/// [`UNIQUE`] with its patterns split once: the walk checks every sequence of the document.
fn unique_rules() -> &'static [(Vec<&'static str>, Unique)] {
    static RULES: std::sync::OnceLock<Vec<(Vec<&'static str>, Unique)>> =
        std::sync::OnceLock::new();
    RULES.get_or_init(|| {
        UNIQUE
            .iter()
            .map(|(pattern, unique)| (pattern.split('.').collect(), *unique))
            .collect()
    })
}

/// Visits only the subtrees some rule can reach. `candidates` has a bit set for each rule of
/// [`unique_rules`] whose first `depth` segments match the path to `node`: a mapping entry is
/// entered only while one still does, so most of a service is skipped.
fn unicity_walk(node: &mut Node, depth: usize, candidates: u64) {
    let rules = unique_rules();
    match &mut node.value {
        Value::Map(map) => {
            for (key, value) in map.iter_mut() {
                let mut next = 0u64;
                // Only the rules still candidate (the set bits) are looked at.
                let mut left = candidates;
                while left != 0 {
                    let index = left.trailing_zeros() as usize;
                    left &= left - 1;
                    if rules[index]
                        .0
                        .get(depth)
                        .is_some_and(|part| *part == "*" || part == key)
                    {
                        next |= 1 << index;
                    }
                }
                if next != 0 {
                    unicity_walk(value, depth + 1, next);
                }
            }
        }
        Value::Seq(items) => {
            if let Some(unique) = rules
                .iter()
                .enumerate()
                .find(|(index, (pattern, _))| {
                    candidates & (1 << index) != 0 && pattern.len() == depth
                })
                .map(|(_, (_, unique))| *unique)
            {
                if unique == Unique::Port && items.len() > 1 {
                    expand_colliding_port_ranges(items);
                }
                dedup(items, |item| unique_key(unique, item));
            }
        }
        _ => {}
    }
}

fn dedup(items: &mut Vec<Node>, key: impl Fn(&Node) -> Option<String>) {
    if items.len() < 2 {
        return;
    }
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut kept: Vec<Node> = Vec::with_capacity(items.len());
    for item in items.drain(..) {
        match key(&item) {
            Some(k) => match seen.get(&k) {
                Some(&index) => kept[index] = item,
                None => {
                    seen.insert(k, kept.len());
                    kept.push(item);
                }
            },
            None => kept.push(item),
        }
    }
    *items = kept;
}

/// The identity of an item; `None` keeps it whatever else the sequence holds.
fn unique_key(unique: Unique, item: &Node) -> Option<String> {
    match unique {
        Unique::KeyValue => {
            let text = item.scalar_text()?;
            Some(match text.split_once('=') {
                Some((key, _)) => key.to_string(),
                None => text,
            })
        }
        Unique::Expose => item.scalar_text(),
        Unique::Volume => match &item.value {
            Value::Map(_) => item.get("target")?.scalar_text(),
            Value::Str(spec) => Some(parse_volume(spec)?.target),
            _ => None,
        },
        Unique::Device => match &item.value {
            Value::Map(_) => item.get("target")?.scalar_text(),
            Value::Str(spec) => {
                let parts: Vec<&str> = spec.split(':').collect();
                Some(parts.get(1).unwrap_or(&parts[0]).to_string())
            }
            _ => None,
        },
        Unique::EnvFile => match &item.value {
            Value::Map(_) => item.get("path")?.scalar_text(),
            _ => item.scalar_text(),
        },
        Unique::Secret => mount_key("/run/secrets", item),
        Unique::Config => mount_key("", item),
        Unique::Port => port_keys(item).and_then(|keys| match keys.as_slice() {
            [key] => Some(key.clone()),
            _ => None,
        }),
    }
}

fn mount_key(default_dir: &str, item: &Node) -> Option<String> {
    match &item.value {
        Value::Map(_) => match item.get("target") {
            Some(target) => target.scalar_text(),
            None => Some(format!(
                "{default_dir}/{}",
                item.get("source")
                    .and_then(Node::scalar_text)
                    .unwrap_or_default()
            )),
        },
        _ => Some(format!("{default_dir}/{}", item.scalar_text()?)),
    }
}

/// The keys of the ports an entry publishes, one per port of a range. Long syntax keeps
/// compose-go's quirk: a `published` or `target` written with the other type (an integer
/// `published`, a string `target`) never equals the canonical form of a short-syntax port.
fn port_keys(item: &Node) -> Option<Vec<String>> {
    match &item.value {
        Value::Int(target) => Some(vec![port_key(None, None, &target.to_string(), None)]),
        Value::Map(map) => {
            let text = |key: &str| map.get(key).and_then(Node::scalar_text);
            let published = match map.get("published").map(|p| &p.value) {
                None | Some(Value::Null) => "<nil>".to_string(),
                Some(Value::Str(s)) => s.clone(),
                Some(other) => {
                    format!("int:{}", Node::new(other.clone(), item.span).scalar_text()?)
                }
            };
            let target = match map.get("target").map(|t| &t.value) {
                Some(Value::Int(t)) => t.to_string(),
                Some(_) => format!("str:{}", text("target")?),
                None => return None,
            };
            Some(vec![format!(
                "{}:{}:{}/{}",
                text("host_ip").unwrap_or_else(|| "0.0.0.0".to_string()),
                published,
                target,
                text("protocol").unwrap_or_else(|| "tcp".to_string())
            )])
        }
        Value::Str(spec) => {
            let port = ShortPort::parse(spec)?;
            Some(
                port.expand()?
                    .iter()
                    .map(|p| {
                        port_key(
                            Some(p.ip.trim_start_matches('[').trim_end_matches(']')),
                            Some(p.published.as_str()),
                            &p.target,
                            Some(p.protocol.as_str()),
                        )
                    })
                    .collect(),
            )
        }
        _ => None,
    }
}

fn port_key(
    ip: Option<&str>,
    published: Option<&str>,
    target: &str,
    protocol: Option<&str>,
) -> String {
    let ip = ip.filter(|ip| !ip.is_empty()).unwrap_or("0.0.0.0");
    let published = published.filter(|p| !p.is_empty()).unwrap_or("<nil>");
    let protocol = protocol.filter(|p| !p.is_empty()).unwrap_or("tcp");
    format!("{ip}:{published}:{target}/{protocol}")
}

/// Splits `8080-8081:80-81` into one item per port when one of those ports also appears in
/// another item, so that deduplication works port by port as it does in docker compose (which
/// expands ranges before deduplicating again).
fn expand_colliding_port_ranges(items: &mut Vec<Node>) {
    let keys: Vec<Vec<String>> = items
        .iter()
        .map(|item| port_keys(item).unwrap_or_default())
        .collect();
    let mut owners: HashMap<&str, usize> = HashMap::new();
    let mut collides = vec![false; items.len()];
    for (index, item_keys) in keys.iter().enumerate() {
        for key in item_keys {
            if let Some(&other) = owners.get(key.as_str()) {
                if other != index {
                    collides[other] = true;
                    collides[index] = true;
                }
            } else {
                owners.insert(key, index);
            }
        }
    }
    if !collides
        .iter()
        .zip(&keys)
        .any(|(&c, item_keys)| c && item_keys.len() > 1)
    {
        return;
    }
    let old = std::mem::take(items);
    for (item, item_keys) in old.into_iter().zip(keys) {
        let expanded = match (&item.value, item_keys.len() > 1) {
            (Value::Str(spec), true) => ShortPort::parse(spec).and_then(|p| p.expand()),
            _ => None,
        };
        match expanded {
            Some(ports) => items.extend(ports.iter().map(|p| Node {
                value: Value::Str(p.to_string()),
                span: item.span,
                key_span: item.key_span,
                tag: None,
            })),
            None => items.push(item),
        }
    }
}

/// A short-syntax port, `[ip:][published:]target[/protocol]`, pieces kept as written.
#[derive(Clone, Debug, PartialEq)]
struct ShortPort {
    ip: String,
    published: String,
    target: String,
    protocol: String,
}

impl ShortPort {
    fn parse(spec: &str) -> Option<ShortPort> {
        let (address, protocol) = match spec.split_once('/') {
            Some((address, protocol)) => (address, protocol),
            None => (spec, ""),
        };
        let parts: Vec<&str> = address.split(':').collect();
        let (ip, published, target) = match parts.as_slice() {
            [target] => ("".to_string(), "", *target),
            [published, target] => ("".to_string(), *published, *target),
            [ip, published, target] => (ip.to_string(), *published, *target),
            [.., published, target] => (parts[..parts.len() - 2].join(":"), *published, *target),
            [] => return None,
        };
        if target.is_empty() {
            return None;
        }
        Some(ShortPort {
            ip,
            published: published.to_string(),
            target: target.to_string(),
            protocol: protocol.to_string(),
        })
    }

    /// One port per target of a range; `None` when the ranges do not pair up (left for the
    /// canonical phase to report).
    fn expand(&self) -> Option<Vec<ShortPort>> {
        let (target_start, target_end) = port_range(&self.target)?;
        if target_start == target_end {
            return Some(vec![self.clone()]);
        }
        let published = if self.published.is_empty() {
            None
        } else {
            let (start, end) = port_range(&self.published)?;
            if end - start != target_end - target_start {
                return None;
            }
            Some(start)
        };
        Some(
            (0..=target_end - target_start)
                .map(|offset| ShortPort {
                    ip: self.ip.clone(),
                    published: published
                        .map(|start| (start + offset).to_string())
                        .unwrap_or_default(),
                    target: (target_start + offset).to_string(),
                    protocol: self.protocol.clone(),
                })
                .collect(),
        )
    }
}

impl std::fmt::Display for ShortPort {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if !self.ip.is_empty() {
            write!(f, "{}:", self.ip)?;
        }
        if !self.published.is_empty() || !self.ip.is_empty() {
            write!(f, "{}:", self.published)?;
        }
        f.write_str(&self.target)?;
        if !self.protocol.is_empty() {
            write!(f, "/{}", self.protocol)?;
        }
        Ok(())
    }
}

fn port_range(text: &str) -> Option<(u32, u32)> {
    let (start, end) = match text.split_once('-') {
        Some((start, end)) => (start.parse().ok()?, end.parse().ok()?),
        None => {
            let port = text.parse().ok()?;
            (port, port)
        }
    };
    (start <= end && end <= 65535).then_some((start, end))
}

/// The parts of a short-syntax volume (`[source:]target[:mode]`) as compose-go reads them:
/// `C:` at the start of a part is a Windows drive, `${...}` never splits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShortVolume {
    pub source: Option<String>,
    pub target: String,
    /// Everything after the target, without the colon (`ro`, `rw,z`, ...).
    pub mode: Option<String>,
}

impl ShortVolume {
    /// Writes the volume back in short syntax.
    pub fn to_spec(&self) -> String {
        let mut spec = String::new();
        if let Some(source) = &self.source {
            spec.push_str(source);
            spec.push(':');
        }
        spec.push_str(&self.target);
        if let Some(mode) = &self.mode {
            spec.push(':');
            spec.push_str(mode);
        }
        spec
    }

    /// Whether the source is a host path (a bind mount) rather than a volume name.
    pub fn is_bind(&self) -> bool {
        self.source.as_deref().is_some_and(is_host_path)
    }
}

/// A host path for compose-go: starts with `.`, `/`, `~`, `\\` or a Windows drive.
pub fn is_host_path(source: &str) -> bool {
    if source.starts_with(['.', '/', '~']) || source.starts_with("\\\\") {
        return true;
    }
    let mut chars = source.chars();
    matches!((chars.next(), chars.next()), (Some(letter), Some(':')) if letter.is_alphabetic())
}

/// Parses a short-syntax volume; `None` when compose-go would reject it.
pub fn parse_volume(spec: &str) -> Option<ShortVolume> {
    if spec.is_empty() {
        return None;
    }
    if spec.len() <= 2 {
        return Some(ShortVolume {
            source: None,
            target: spec.to_string(),
            mode: None,
        });
    }
    let mut fields: Vec<String> = Vec::new();
    let mut buffer = String::new();
    let mut depth = 0usize;
    let mut chars = spec.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '$' && chars.peek() == Some(&'{') {
            depth += 1;
            buffer.push(c);
            continue;
        }
        if c == '}' && depth > 0 {
            depth -= 1;
            buffer.push(c);
            continue;
        }
        // A drive letter (`C:`) is one alphabetic character; looked at only at a `:`.
        let drive = || {
            let mut letters = buffer.chars();
            letters.next().is_some_and(char::is_alphabetic) && letters.next().is_none()
        };
        if c == ':' && depth == 0 && !drive() {
            if buffer.is_empty() {
                return None;
            }
            fields.push(std::mem::take(&mut buffer));
            if fields.len() == 2 {
                // The rest are options, where colons are an error in compose-go.
                let rest: String = chars.collect();
                if rest.is_empty() || rest.contains(':') {
                    return None;
                }
                return Some(ShortVolume {
                    source: Some(fields.remove(0)),
                    target: fields.remove(0),
                    mode: Some(rest),
                });
            }
        } else {
            buffer.push(c);
        }
    }
    if buffer.is_empty() {
        return None;
    }
    Some(match fields.pop() {
        Some(source) => ShortVolume {
            source: Some(source),
            target: buffer,
            mode: None,
        },
        None => ShortVolume {
            source: None,
            target: buffer,
            mode: None,
        },
    })
}

/// Per-file findings docker compose does not make, dropped from `found[from..]`: any about a
/// `!reset` entry (removed when the file is read, whatever its value), and, in an override file
/// (any `-f` file after the first), any about a `null` value: docker compose validates the
/// merged tree, where a null over an earlier file's value keeps that value (`environment:`
/// with every entry commented out). A null that survives the merge is reported by the
/// validation of the merged tree; a top-level section left null stays an error, as there.
pub fn drop_tolerated_findings(
    doc: &Node,
    found: &mut Vec<Diagnostic>,
    from: usize,
    is_override: bool,
) {
    let mut index = from;
    while index < found.len() {
        let tolerated = found[index].path.as_ref().is_some_and(|path| {
            node_at(doc, path).is_some_and(|node| {
                node.tag.as_deref() == Some("reset")
                    || (is_override && path.segments().len() > 1 && node.is_null())
            })
        });
        if tolerated && found[index].is_error() {
            found.remove(index);
        } else {
            index += 1;
        }
    }
}

fn node_at<'n>(doc: &'n Node, path: &KeyPath) -> Option<&'n Node> {
    let mut node = doc;
    for segment in path.segments() {
        node = match (segment, &node.value) {
            (PathSegment::Key(key), Value::Map(map)) => map.get(key)?,
            (PathSegment::Index(i), Value::Seq(items)) => items.get(*i)?,
            _ => return None,
        };
    }
    Some(node)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(text: &str) -> Node {
        Node::new(Value::Str(text.to_string()), Span::default())
    }

    #[test]
    fn patterns_match_one_key_per_star() {
        let path: Vec<String> = ["services", "web", "ports"].map(String::from).to_vec();
        assert!(path_matches("services.*.ports", &path));
        assert!(!path_matches("services.*", &path));
        assert!(!path_matches("services.*.ports.*", &path));
        let dotted: Vec<String> = ["services", "a.b", "ports"].map(String::from).to_vec();
        assert!(path_matches("services.*.ports", &dotted));
    }

    #[test]
    fn volumes_parse_like_compose_go() {
        let v = parse_volume("./data:/data:ro").unwrap();
        assert_eq!(v.source.as_deref(), Some("./data"));
        assert_eq!(v.target, "/data");
        assert_eq!(v.mode.as_deref(), Some("ro"));
        assert!(v.is_bind());
        assert_eq!(v.to_spec(), "./data:/data:ro");
        // A one-letter name reads as a Windows drive: the whole spec is the target.
        assert_eq!(parse_volume("v:/data").unwrap().target, "v:/data");
        assert_eq!(
            parse_volume("C:\\x:/x").unwrap().source.as_deref(),
            Some("C:\\x")
        );
        assert_eq!(parse_volume("/anon").unwrap().target, "/anon");
        assert_eq!(
            parse_volume("${SRC:-./a}:/a").unwrap().source.as_deref(),
            Some("${SRC:-./a}")
        );
        assert!(parse_volume("ab::c").is_none());
        // `a:` is a drive letter for compose-go too.
        assert_eq!(parse_volume("a::b").unwrap().source.as_deref(), Some("a:"));
        assert!(parse_volume("ab:cd:ef:gh").is_none());
        assert!(parse_volume("").is_none());
    }

    #[test]
    fn ports_key_by_canonical_meaning() {
        let key = |text: &str| port_keys(&s(text)).unwrap();
        assert_eq!(key("80:80"), vec!["0.0.0.0:80:80/tcp"]);
        assert_eq!(key("0.0.0.0:80:80/tcp"), vec!["0.0.0.0:80:80/tcp"]);
        assert_eq!(key("[::1]:80:80"), vec!["::1:80:80/tcp"]);
        assert_eq!(key("80"), vec!["0.0.0.0:<nil>:80/tcp"]);
        assert_eq!(key("8080-8081:80-81").len(), 2);
        assert_eq!(key("8080-8081:80"), vec!["0.0.0.0:8080-8081:80/tcp"]);
        assert_eq!(
            port_keys(&Node::new(Value::Int(80), Span::default())).unwrap(),
            vec!["0.0.0.0:<nil>:80/tcp"]
        );
    }

    #[test]
    fn short_ports_print_back_as_written() {
        for spec in [
            "80",
            "80:80",
            "1.2.3.4:80:80/udp",
            "[::1]:80:80",
            "1.2.3.4::80",
        ] {
            assert_eq!(ShortPort::parse(spec).unwrap().to_string(), spec);
        }
    }

    #[test]
    fn mapping_entries_become_sorted_key_value_items() {
        let mut map = Mapping::default();
        map.insert("B".into(), s("2"));
        map.insert("A".into(), Node::new(Value::Null, Span::default()));
        map.insert("C".into(), Node::new(Value::Int(3), Span::default()));
        let items = into_sequence(Node::new(Value::Map(map), Span::default()));
        let texts: Vec<_> = items.iter().filter_map(Node::as_str).collect();
        assert_eq!(texts, ["A", "B=2", "C=3"]);
    }
}
