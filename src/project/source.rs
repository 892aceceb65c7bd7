//! Which files make the project, and where it lives: `-f`, `COMPOSE_FILE`, or the default
//! lookup of `compose.yaml` & co. in the working directory and its parents.

use std::path::{Path, PathBuf};

use crate::diag::Diagnostic;

/// The names docker compose looks for, in its order of preference.
pub const DEFAULT_FILE_NAMES: [&str; 4] = [
    "compose.yaml",
    "compose.yml",
    "docker-compose.yml",
    "docker-compose.yaml",
];

/// Override files picked up beside a file found by the default lookup.
pub const DEFAULT_OVERRIDE_NAMES: [&str; 4] = [
    "compose.override.yml",
    "compose.override.yaml",
    "docker-compose.override.yml",
    "docker-compose.override.yaml",
];

/// The files of a project, in merge order. `-` stands for standard input.
#[derive(Clone, Debug, PartialEq)]
pub struct ConfigFiles {
    pub paths: Vec<PathBuf>,
    /// Warnings from the lookup (several candidate files in one folder).
    pub warnings: Vec<Diagnostic>,
}

/// Finds the default compose file in `start` or the nearest parent holding one, plus its
/// override file.
pub fn find_default(start: &Path) -> Result<ConfigFiles, Box<Diagnostic>> {
    let mut warnings = Vec::new();
    for dir in start.ancestors() {
        let found: Vec<PathBuf> = DEFAULT_FILE_NAMES
            .iter()
            .map(|name| dir.join(name))
            .filter(|path| path.is_file())
            .collect();
        let Some(main) = found.first() else { continue };
        if found.len() > 1 {
            let names: Vec<String> = found.iter().map(|p| p.display().to_string()).collect();
            warnings.push(Diagnostic::warning(format!(
                "Found multiple config files with supported names: {}\nUsing {}",
                names.join(", "),
                main.display()
            )));
        }
        let mut paths = vec![main.clone()];
        if let Some(override_path) = DEFAULT_OVERRIDE_NAMES
            .iter()
            .map(|name| dir.join(name))
            .find(|path| path.is_file())
        {
            paths.push(override_path);
        }
        return Ok(ConfigFiles { paths, warnings });
    }
    Err(Box::new(
        Diagnostic::error(format!(
            "no configuration file provided: not found in {} or its parents",
            start.display()
        ))
        .help("create a `compose.yaml`, or name the file with `-f FILE`"),
    ))
}

/// Splits `COMPOSE_FILE` on `COMPOSE_PATH_SEPARATOR` (default `:` as on Linux).
pub fn split_compose_file(value: &str, separator: Option<&str>) -> Vec<PathBuf> {
    let separator = separator.filter(|s| !s.is_empty()).unwrap_or(":");
    value
        .split(separator)
        .filter(|part| !part.is_empty())
        .map(PathBuf::from)
        .collect()
}

/// docker compose's project-name normalisation: lower case, only `a-z0-9_-`, starting with a
/// letter or digit.
pub fn normalize_project_name(name: &str) -> String {
    let lowered: String = name
        .to_lowercase()
        .chars()
        .filter(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_' || *c == '-')
        .collect();
    lowered.trim_start_matches(['_', '-']).to_string()
}

/// Whether `name` is already a valid project name (what `-p` and `name:` must be).
pub fn is_valid_project_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
}

/// `path` made absolute against `base` and cleaned of `.` and `..` without touching the disk
/// (docker compose does not resolve symlinks either).
pub fn absolutize(base: &Path, path: &Path) -> PathBuf {
    let joined = if path.is_absolute() {
        path.to_path_buf()
    } else {
        base.join(path)
    };
    clean(&joined)
}

/// Lexical cleaning as Go's `filepath.Clean`.
pub fn clean(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() && !path.is_absolute() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    if out.as_os_str().is_empty() {
        out.push(".");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn project_names_are_normalised_as_docker_compose_does() {
        assert_eq!(normalize_project_name("My App.v2"), "myappv2");
        assert_eq!(normalize_project_name("__x"), "x");
        assert_eq!(normalize_project_name("-_-a_b-c"), "a_b-c");
        assert!(is_valid_project_name("a_b-1"));
        assert!(!is_valid_project_name("_a"));
        assert!(!is_valid_project_name("A"));
    }

    #[test]
    fn compose_file_splits_on_the_separator() {
        assert_eq!(
            split_compose_file("a.yml:b.yml", None),
            vec![PathBuf::from("a.yml"), PathBuf::from("b.yml")]
        );
        assert_eq!(
            split_compose_file("a.yml;b.yml", Some(";")),
            vec![PathBuf::from("a.yml"), PathBuf::from("b.yml")]
        );
    }

    #[test]
    fn paths_are_cleaned_lexically() {
        assert_eq!(
            absolutize(Path::new("/p/q"), Path::new("../x/./y")),
            PathBuf::from("/p/x/y")
        );
        assert_eq!(
            absolutize(Path::new("/p"), Path::new("/abs")),
            PathBuf::from("/abs")
        );
    }
}
