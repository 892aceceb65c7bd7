//! Runs the loader phases in order: find files → environment → per file (read, YAML, interpolate,
//! schema) → merge → profiles → canonical form → consistency checks.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use indexmap::IndexMap;

use super::node::Node;
use super::{
    canonical, checks, dotenv, include, interpolate, merge, profiles, schema, source, yaml,
};
use crate::diag::{Diagnostic, SourceMap};

/// What the command line says about the project (flags and `COMPOSE_*` variables).
#[derive(Clone, Debug, Default)]
pub struct LoadOptions {
    /// `-f` files in order; empty means `COMPOSE_FILE` or the default lookup. `-` is stdin.
    pub files: Vec<PathBuf>,
    pub project_directory: Option<PathBuf>,
    pub project_name: Option<String>,
    pub env_files: Vec<PathBuf>,
    pub profiles: Vec<String>,
    pub interpolate: bool,
    pub strict: bool,
    /// The directory relative paths on the command line are read from.
    pub working_dir: PathBuf,
    /// The shell environment; it wins over `.env`.
    pub environment: IndexMap<String, String>,
    /// Text to read when a file is `-`.
    pub stdin: Option<String>,
    /// Only the diagnostics are wanted (`config -q`, `validate`): the loaded project's model has
    /// no `services`, which spares holding the tree and the whole model together.
    pub diagnostics_only: bool,
}

/// A loaded project: its name, where it lives, and its canonical model (the form `config`
/// prints and the reconciler binds).
#[derive(Clone, Debug)]
pub struct Project {
    pub name: String,
    pub working_dir: PathBuf,
    pub config_files: Vec<PathBuf>,
    /// Shell environment over `.env`: what interpolation used.
    pub environment: IndexMap<String, String>,
    /// The canonical model as JSON (services, networks, volumes, ...).
    pub model: serde_json::Value,
    /// Every profile named by a service, active or not.
    pub all_profiles: Vec<String>,
}

/// The outcome of a load: a project when no error was found, and every diagnostic either way.
#[derive(Debug, Default)]
pub struct Loaded {
    pub project: Option<Project>,
    pub diagnostics: Vec<Diagnostic>,
    pub sources: SourceMap,
}

impl Loaded {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// Loads the project the options describe. Never panics on bad input: problems are diagnostics.
pub fn load(options: &LoadOptions) -> Loaded {
    let loaded = load_once(options);
    // docker compose exposes the project name as COMPOSE_PROJECT_NAME for interpolation and
    // `environment` entries; the name is only known once the files are read, so a project
    // whose files mention the variable without it being set is loaded again with it.
    if let Some(project) = &loaded.project {
        let mentioned = loaded
            .sources
            .files()
            .iter()
            .any(|file| file.text.contains("COMPOSE_PROJECT_NAME"));
        if mentioned && !project.environment.contains_key("COMPOSE_PROJECT_NAME") {
            let mut again = options.clone();
            again
                .environment
                .insert("COMPOSE_PROJECT_NAME".into(), project.name.clone());
            return load_once(&again);
        }
    }
    loaded
}

fn load_once(options: &LoadOptions) -> Loaded {
    let mut loader = Loader {
        options,
        sources: SourceMap::default(),
        diagnostics: Vec::new(),
    };
    let project = loader.run();
    let mut diagnostics = loader.diagnostics;
    crate::diag::sort(&mut diagnostics);
    let failed = diagnostics.iter().any(Diagnostic::is_error);
    Loaded {
        project: if failed { None } else { project },
        diagnostics,
        sources: loader.sources,
    }
}

struct Loader<'a> {
    options: &'a LoadOptions,
    sources: SourceMap,
    diagnostics: Vec<Diagnostic>,
}

impl Loader<'_> {
    fn run(&mut self) -> Option<Project> {
        let options = self.options;
        let working_dir = &options.working_dir;

        // The project directory's `.env` may itself name the files (COMPOSE_FILE), so when no
        // file was given it is read from the directory the lookup would start in.
        let explicit_dir = options
            .project_directory
            .as_ref()
            .map(|dir| source::absolutize(working_dir, dir));

        let mut files: Vec<PathBuf> = options
            .files
            .iter()
            .map(|f| {
                if f.as_os_str() == "-" {
                    f.clone()
                } else {
                    source::absolutize(working_dir, f)
                }
            })
            .collect();

        let mut environment = options.environment.clone();
        if files.is_empty() {
            let env_dir = explicit_dir.clone().unwrap_or_else(|| working_dir.clone());
            let dotenv_vars = self.read_env_files(&env_dir, &options.environment)?;
            let lookup = |key: &str| {
                options
                    .environment
                    .get(key)
                    .or_else(|| dotenv_vars.get(key))
                    .cloned()
            };
            if let Some(compose_file) = lookup("COMPOSE_FILE") {
                let separator = lookup("COMPOSE_PATH_SEPARATOR");
                files = source::split_compose_file(&compose_file, separator.as_deref())
                    .into_iter()
                    .map(|f| source::absolutize(&env_dir, &f))
                    .collect();
            } else {
                let start = explicit_dir.clone().unwrap_or_else(|| working_dir.clone());
                match source::find_default(&start) {
                    Ok(found) => {
                        self.diagnostics.extend(found.warnings);
                        files = found.paths;
                    }
                    Err(diagnostic) => {
                        self.diagnostics.push(*diagnostic);
                        return None;
                    }
                }
            }
        }

        let project_dir = explicit_dir.unwrap_or_else(|| {
            files
                .iter()
                .find(|f| f.as_os_str() != "-")
                .and_then(|f| f.parent().map(Path::to_path_buf))
                .unwrap_or_else(|| working_dir.clone())
        });

        let dotenv_vars = self.read_env_files(&project_dir, &options.environment)?;
        for (key, value) in dotenv_vars {
            environment.entry(key).or_insert(value);
        }

        let mut documents = Vec::new();
        for (index, file) in files.iter().enumerate() {
            let before = self.diagnostics.len();
            if let Some(doc) = self.load_file(file, &environment, &project_dir) {
                merge::drop_tolerated_findings(&doc, &mut self.diagnostics, before, index > 0);
                documents.push(doc);
            }
        }
        // Files with errors still go through the merge and the consistency checks, so that a
        // broken file reports its undefined references and cycles in the same run.
        let file_errors = self.diagnostics.iter().any(Diagnostic::is_error);
        if !file_errors {
            // Each file's `include` is resolved before the files are merged, as docker compose
            // does: an override file may then change an included service.
            let Loader {
                sources,
                diagnostics,
                ..
            } = self;
            let mut read = |path: &Path,
                            env: &IndexMap<String, String>,
                            dir: &Path,
                            found: &mut Vec<Diagnostic>| {
                read_with_extends(sources, options, path, env, dir, found)
            };
            for doc in &mut documents {
                include::resolve(doc, &project_dir, &environment, &mut read, diagnostics);
            }
        }
        let (mut doc, merge_diagnostics) = merge::merge_all(documents);
        self.diagnostics.extend(merge_diagnostics);
        if file_errors {
            let declared = checks::service_names(&doc);
            profiles::apply(&mut doc, &self.active_profiles(&environment));
            checks::check(&doc, &declared, &mut self.diagnostics);
            return None;
        }
        if files.len() > 1 && !self.diagnostics.iter().any(Diagnostic::is_error) {
            // An override can make a valid file invalid (`!override null`): the merged tree
            // is validated too, as docker compose does; per-file findings are not repeated.
            let kind = schema::select(&doc);
            for finding in schema::validate(&doc, kind, options.strict) {
                if !self.diagnostics.contains(&finding) {
                    self.diagnostics.push(finding);
                }
            }
        }
        if self.diagnostics.iter().any(Diagnostic::is_error) {
            return None;
        }

        let name = self.project_name(&doc, &environment, &project_dir)?;
        let all_profiles = profiles::all(&doc);
        let active_profiles = self.active_profiles(&environment);
        let declared = checks::service_names(&doc);
        profiles::apply(&mut doc, &active_profiles);

        let context = canonical::Context {
            project_name: &name,
            project_dir: &project_dir,
            environment: &environment,
            home: environment.get("HOME").map(PathBuf::from),
        };
        let model = canonicalize_and_check(
            &doc,
            &context,
            &declared,
            options.diagnostics_only,
            &mut self.sources,
            &mut self.diagnostics,
        );

        Some(Project {
            name,
            working_dir: project_dir,
            config_files: files,
            environment,
            model,
            all_profiles,
        })
    }

    /// `--env-file` files, or `.env` in `dir` when none is given; later files win.
    fn read_env_files(
        &mut self,
        dir: &Path,
        shell: &IndexMap<String, String>,
    ) -> Option<IndexMap<String, String>> {
        let explicit = !self.options.env_files.is_empty();
        let paths: Vec<PathBuf> = if explicit {
            self.options
                .env_files
                .iter()
                .map(|f| source::absolutize(&self.options.working_dir, f))
                .collect()
        } else {
            vec![dir.join(".env")]
        };
        let mut vars = IndexMap::new();
        for path in paths {
            if !explicit && !path.is_file() {
                continue;
            }
            let text = match std::fs::read_to_string(&path) {
                Ok(text) => text,
                Err(error) => {
                    self.diagnostics.push(Diagnostic::error(format!(
                        "cannot read env file `{}`: {error}",
                        path.display()
                    )));
                    return None;
                }
            };
            let lookup = |key: &str| shell.get(key).cloned();
            match dotenv::parse_into(&text, &lookup, &mut vars) {
                Ok(unset) => {
                    let file = self.add_source(&path, text);
                    for variable in unset {
                        self.diagnostics.push(
                            Diagnostic::warning(format!(
                                "The \"{}\" variable is not set. Defaulting to a blank string.",
                                variable.name
                            ))
                            .at(self.sources.column_span(
                                file,
                                variable.line,
                                variable.column,
                            )),
                        );
                    }
                }
                Err(error) => {
                    let file = self.add_source(&path, text);
                    self.diagnostics.push(
                        Diagnostic::error(format!("invalid env file: {}", error.message))
                            .at(self.sources.column_span(file, error.line, error.column)),
                    );
                    return None;
                }
            }
        }
        Some(vars)
    }

    fn add_source(&mut self, path: &Path, text: String) -> super::node::FileId {
        let display = display_path(&self.options.working_dir, path);
        self.sources
            .add(path.to_path_buf(), display, Arc::from(text))
    }
    fn load_file(
        &mut self,
        path: &Path,
        environment: &IndexMap<String, String>,
        project_dir: &Path,
    ) -> Option<Node> {
        read_with_extends(
            &mut self.sources,
            self.options,
            path,
            environment,
            project_dir,
            &mut self.diagnostics,
        )
    }

    fn project_name(
        &mut self,
        doc: &Node,
        environment: &IndexMap<String, String>,
        project_dir: &Path,
    ) -> Option<String> {
        if let Some(name) = &self.options.project_name {
            if source::is_valid_project_name(name) {
                return Some(name.clone());
            }
            self.diagnostics.push(
                Diagnostic::error(format!("invalid project name `{name}`: it must contain only lowercase letters, digits, dashes and underscores, and start with a letter or digit"))
                    .help(format!("use `{}`", source::normalize_project_name(name))),
            );
            return None;
        }
        if let Some(name) = environment
            .get("COMPOSE_PROJECT_NAME")
            .filter(|n| !n.is_empty())
        {
            if source::is_valid_project_name(name) {
                return Some(name.clone());
            }
            self.diagnostics.push(
                Diagnostic::error(format!("invalid project name `{name}` (from COMPOSE_PROJECT_NAME): it must contain only lowercase letters, digits, dashes and underscores, and start with a letter or digit"))
                    .help(format!("use `{}`", source::normalize_project_name(name))),
            );
            return None;
        }
        if let Some(node) = doc.get("name") {
            if let Some(name) = node.as_str() {
                // Unlike `-p`, docker compose normalises a `name:` (`My App` → `myapp`).
                let normalized = source::normalize_project_name(name);
                if !normalized.is_empty() {
                    return Some(normalized);
                }
                self.diagnostics.push(
                    Diagnostic::error(format!("invalid project name `{name}`: nothing is left once normalised to lowercase letters, digits, dashes and underscores"))
                        .at(node.span)
                        .path(super::node::KeyPath::root().key("name"))
                        .help("start the name with a letter or digit"),
                );
                return None;
            }
        }
        let base = project_dir
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        let name = source::normalize_project_name(&base);
        if name.is_empty() {
            self.diagnostics.push(
                Diagnostic::error(format!(
                    "cannot derive a project name from the folder `{}`",
                    project_dir.display()
                ))
                .help("name the project with `-p NAME` or a top-level `name:`"),
            );
            return None;
        }
        Some(name)
    }

    fn active_profiles(&self, environment: &IndexMap<String, String>) -> Vec<String> {
        if !self.options.profiles.is_empty() {
            return self.options.profiles.clone();
        }
        environment
            .get("COMPOSE_PROFILES")
            .map(|value| {
                value
                    .split(',')
                    .map(str::trim)
                    .filter(|p| !p.is_empty())
                    .map(String::from)
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// Services from which the consistency checks run on a second thread beside the canonical form
/// (both only read the tree); below, a thread costs more than the checks.
const PARALLEL_CHECKS_MIN_SERVICES: usize = 64;

/// The canonical model, and the consistency checks' findings after the canonical form's (the
/// order they had when run one after the other). On a large project the two run side by side:
/// the checks are a third of the canonical form's time on 1000 services.
fn canonicalize_and_check(
    doc: &Node,
    context: &canonical::Context,
    declared_services: &[String],
    diagnostics_only: bool,
    sources: &mut SourceMap,
    diagnostics: &mut Vec<Diagnostic>,
) -> serde_json::Value {
    let canonicalize = if diagnostics_only {
        canonical::check_only
    } else {
        canonical::canonicalize
    };
    let services = doc
        .get("services")
        .and_then(Node::as_map)
        .map_or(0, |map| map.len());
    if services < PARALLEL_CHECKS_MIN_SERVICES {
        let model = canonicalize(doc, context, sources, diagnostics);
        checks::check(doc, declared_services, diagnostics);
        return model;
    }
    std::thread::scope(|scope| {
        let checked = std::thread::Builder::new()
            .name("checks".into())
            .spawn_scoped(scope, || {
                let mut found = Vec::new();
                checks::check(doc, declared_services, &mut found);
                found
            });
        let model = canonicalize(doc, context, sources, diagnostics);
        match checked.map(|handle| handle.join()) {
            Ok(Ok(found)) => diagnostics.extend(found),
            // No thread: check here. A panic in the checks is a bug; re-raise it.
            Err(_) => checks::check(doc, declared_services, diagnostics),
            Ok(Err(panic)) => std::panic::resume_unwind(panic),
        }
        model
    })
}

/// A path as the user should read it: relative to the working directory when under it.
fn display_path(working_dir: &Path, path: &Path) -> String {
    if path.as_os_str() == "-" {
        return "<stdin>".to_string();
    }
    path.strip_prefix(working_dir)
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| path.display().to_string())
}

/// Reads one compose file and resolves its `extends` (which may read further files; their
/// paths are relative to the project directory, as in docker compose).
fn read_with_extends(
    sources: &mut SourceMap,
    options: &LoadOptions,
    path: &Path,
    environment: &IndexMap<String, String>,
    project_dir: &Path,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<Node> {
    let mut doc = read_compose_file(sources, options, path, environment, diagnostics)?;
    let mut load = |extended: &Path| {
        let mut errors = Vec::new();
        match read_compose_file(sources, options, extended, environment, &mut errors) {
            Some(node) if !errors.iter().any(Diagnostic::is_error) => Ok(node),
            _ => Err(errors),
        }
    };
    super::extends::resolve(&mut doc, project_dir, &mut load, diagnostics);
    Some(doc)
}

/// Reads, parses, interpolates and validates one compose file; its YAML documents are merged
/// in order, as docker compose does with multi-document files.
fn read_compose_file(
    sources: &mut SourceMap,
    options: &LoadOptions,
    path: &Path,
    environment: &IndexMap<String, String>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<Node> {
    let display = display_path(&options.working_dir, path);
    let text = if path.as_os_str() == "-" {
        options.stdin.clone().unwrap_or_default()
    } else {
        match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(error) => {
                diagnostics.push(Diagnostic::error(format!(
                    "cannot read compose file `{display}`: {error}"
                )));
                return None;
            }
        }
    };
    let text: Arc<str> = Arc::from(text);
    let file = sources.add(path.to_path_buf(), display.clone(), text.clone());
    let documents = match yaml::parse(&text, file) {
        Ok(documents) => documents,
        Err(errors) => {
            diagnostics.extend(errors);
            return None;
        }
    };
    let mut kept = Vec::new();
    for mut doc in documents {
        if doc.is_null() {
            continue;
        }
        if options.interpolate {
            let lookup = |key: &str| environment.get(key).cloned();
            interpolate::interpolate(&mut doc, &lookup, diagnostics);
        }
        let kind = schema::select(&doc);
        diagnostics.extend(schema::ignored_version(&doc, kind));
        diagnostics.extend(schema::validate(&doc, kind, options.strict));
        kept.push(doc);
    }
    // Several YAML documents in one file are merged like override files.
    let merged = match kept.len() {
        0 => None,
        1 => kept.pop(),
        _ => {
            let (doc, merge_diagnostics) = merge::merge_all(kept);
            diagnostics.extend(merge_diagnostics);
            Some(doc)
        }
    };
    if merged.is_none() {
        diagnostics.push(
            Diagnostic::error(format!(
                "`{display}` is empty: a compose file needs at least a `services` mapping"
            ))
            .at(super::node::Span {
                file,
                offset: 0,
                len: 0,
                line: 1,
                col: 1,
            }),
        );
    }
    merged
}
