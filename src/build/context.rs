//! The build context: the context folder as a tar, less what `.dockerignore` leaves out, as the
//! docker CLI sends it with the classic builder. The Dockerfile and `.dockerignore` are always
//! sent, even when a pattern matches them. A Dockerfile outside the context, or an inline one
//! (`dockerfile_inline`), is added under a name of its own (`.dockerfile.<hash>`). Entries are
//! owned by root (uid and gid 0), as the docker CLI writes them; symbolic links stay links.

use std::fs;
use std::io;
use std::path::{Component, Path, PathBuf};

use sha2::{Digest, Sha256};

use super::dockerignore::DockerIgnore;

/// Where the Dockerfile comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Dockerfile {
    /// A path, relative to the context folder or absolute.
    Path(PathBuf),
    /// The Dockerfile's text (`dockerfile_inline`).
    Inline(String),
}

/// A context ready to send.
#[derive(Debug)]
pub struct Context {
    pub tar: Vec<u8>,
    /// The Dockerfile's path inside the tar (the engine's `dockerfile` parameter).
    pub dockerfile: String,
}

/// Why a context could not be made; each names the path.
#[derive(Debug, thiserror::Error)]
pub enum ContextError {
    #[error("the build context `{}` is not a folder", .0.display())]
    NotAFolder(PathBuf),
    #[error("the Dockerfile `{}` does not exist", .0.display())]
    NoDockerfile(PathBuf),
    #[error("{}: {message}", path.display())]
    Ignore { path: PathBuf, message: String },
    #[error("reading {}: {source}", path.display())]
    Io { path: PathBuf, source: io::Error },
}

fn io_error(path: &Path) -> impl FnOnce(io::Error) -> ContextError + '_ {
    move |source| ContextError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// The `.dockerignore` of a context folder (empty when there is none).
pub fn read_dockerignore(dir: &Path) -> Result<DockerIgnore, ContextError> {
    let path = dir.join(".dockerignore");
    match fs::read(&path) {
        Ok(bytes) => DockerIgnore::parse(&String::from_utf8_lossy(&bytes)).map_err(|error| {
            ContextError::Ignore {
                path: path.clone(),
                message: error.to_string(),
            }
        }),
        Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(DockerIgnore::default()),
        Err(error) => Err(io_error(&path)(error)),
    }
}

/// `path` relative to `base`, `/`-separated, when it lies inside it (lexically).
fn inside(base: &Path, path: &Path) -> Option<String> {
    let relative = path.strip_prefix(base).ok()?;
    let mut parts = Vec::new();
    for component in relative.components() {
        match component {
            Component::Normal(part) => parts.push(part.to_str()?.to_string()),
            Component::CurDir => {}
            Component::ParentDir => {
                parts.pop()?;
            }
            _ => return None,
        }
    }
    (!parts.is_empty()).then(|| parts.join("/"))
}

/// Makes the tar of `dir` with `dockerfile`.
pub fn make(dir: &Path, dockerfile: &Dockerfile) -> Result<Context, ContextError> {
    if !dir.is_dir() {
        return Err(ContextError::NotAFolder(dir.to_path_buf()));
    }
    let ignore = read_dockerignore(dir)?;
    // The Dockerfile's name in the tar, and its text when it is not a file of the context.
    let (name, outside): (String, Option<Vec<u8>>) = match dockerfile {
        Dockerfile::Path(path) => {
            let path = dir.join(path);
            if !path.is_file() {
                return Err(ContextError::NoDockerfile(path));
            }
            match inside(dir, &path) {
                Some(name) => (name, None),
                None => {
                    let text = fs::read(&path).map_err(io_error(&path))?;
                    (generated_name(&text), Some(text))
                }
            }
        }
        Dockerfile::Inline(text) => (
            generated_name(text.as_bytes()),
            Some(text.as_bytes().to_vec()),
        ),
    };

    let mut builder = tar::Builder::new(Vec::new());
    builder.follow_symlinks(false);
    let mut walk = Walk {
        ignore: &ignore,
        keep: [name.clone(), ".dockerignore".to_string()],
        builder: &mut builder,
    };
    walk.folder(dir, "")?;
    if let Some(text) = outside {
        let mut header = tar::Header::new_gnu();
        header.set_entry_type(tar::EntryType::Regular);
        header.set_size(text.len() as u64);
        header.set_mode(0o644);
        header.set_mtime(0);
        header.set_uid(0);
        header.set_gid(0);
        builder
            .append_data(&mut header, &name, text.as_slice())
            .map_err(io_error(dir))?;
    }
    let tar = builder.into_inner().map_err(io_error(dir))?;
    Ok(Context {
        tar,
        dockerfile: name,
    })
}

fn generated_name(text: &[u8]) -> String {
    let digest = Sha256::digest(text);
    let hex: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
    format!(".dockerfile.{hex}")
}

struct Walk<'a> {
    ignore: &'a DockerIgnore,
    /// Always sent: the Dockerfile and `.dockerignore`.
    keep: [String; 2],
    builder: &'a mut tar::Builder<Vec<u8>>,
}

impl Walk<'_> {
    fn folder(&mut self, dir: &Path, prefix: &str) -> Result<(), ContextError> {
        let mut entries: Vec<fs::DirEntry> = fs::read_dir(dir)
            .map_err(io_error(dir))?
            .collect::<Result<_, _>>()
            .map_err(io_error(dir))?;
        entries.sort_by_key(fs::DirEntry::file_name);
        for entry in entries {
            let path = entry.path();
            let Some(file_name) = entry.file_name().to_str().map(String::from) else {
                // Not UTF-8: the patterns cannot name it; send it as the CLI would.
                self.append(
                    &path,
                    &format!("{prefix}{}", entry.file_name().to_string_lossy()),
                )?;
                continue;
            };
            let relative = format!("{prefix}{file_name}");
            let kind = entry.file_type().map_err(io_error(&path))?;
            let excluded = !self.keep.contains(&relative) && self.ignore.is_excluded(&relative);
            if kind.is_dir() {
                if !excluded {
                    self.append(&path, &relative)?;
                }
                // An excluded folder may still hold files a `!` pattern brings back, or the
                // Dockerfile.
                let kept_inside = self
                    .keep
                    .iter()
                    .any(|k| k.starts_with(&format!("{relative}/")));
                if !excluded || self.ignore.has_exclusions() || kept_inside {
                    self.folder(&path, &format!("{relative}/"))?;
                }
            } else if !excluded && (kind.is_file() || kind.is_symlink()) {
                self.append(&path, &relative)?;
            }
        }
        Ok(())
    }

    fn append(&mut self, path: &Path, name: &str) -> Result<(), ContextError> {
        let metadata = fs::symlink_metadata(path).map_err(io_error(path))?;
        let mut header = tar::Header::new_gnu();
        header.set_metadata_in_mode(&metadata, tar::HeaderMode::Complete);
        header.set_uid(0);
        header.set_gid(0);
        let _ = header.set_username("");
        let _ = header.set_groupname("");
        let kind = metadata.file_type();
        if kind.is_symlink() {
            let target = fs::read_link(path).map_err(io_error(path))?;
            header.set_size(0);
            self.builder
                .append_link(&mut header, name, &target)
                .map_err(io_error(path))?;
        } else if kind.is_dir() {
            header.set_size(0);
            self.builder
                .append_data(&mut header, format!("{name}/"), io::empty())
                .map_err(io_error(path))?;
        } else {
            let file = fs::File::open(path).map_err(io_error(path))?;
            self.builder
                .append_data(&mut header, name, file)
                .map_err(io_error(path))?;
        }
        Ok(())
    }
}

/// The size of a context as the docker CLI prints it (`409B`, `2.048kB`, `1.5MB`).
pub fn human_size(bytes: usize) -> String {
    const UNITS: [&str; 6] = ["B", "kB", "MB", "GB", "TB", "PB"];
    #[allow(clippy::cast_precision_loss)]
    let mut size = bytes as f64;
    let mut unit = 0;
    while size >= 1000.0 && unit < UNITS.len() - 1 {
        size /= 1000.0;
        unit += 1;
    }
    // Four significant digits, trailing zeros dropped, as Go's `%.4g`.
    let digits = if size >= 100.0 {
        1
    } else if size >= 10.0 {
        2
    } else {
        3
    };
    let text = format!("{size:.digits$}");
    let text = if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    };
    format!("{text}{}", UNITS[unit])
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Dir(PathBuf);
    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    fn folder(tag: &str, files: &[(&str, &str)]) -> Dir {
        let dir =
            std::env::temp_dir().join(format!("rcompose-context-{tag}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        for (name, text) in files {
            let path = dir.join(name);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, text).unwrap();
        }
        Dir(dir)
    }

    /// The entries of a tar: name, and the text of regular files.
    fn entries(tar: &[u8]) -> Vec<(String, Option<String>)> {
        let mut archive = tar::Archive::new(tar);
        archive
            .entries()
            .unwrap()
            .map(|entry| {
                let mut entry = entry.unwrap();
                let name = entry.path().unwrap().to_string_lossy().into_owned();
                assert_eq!(entry.header().uid().unwrap(), 0);
                let text = (entry.header().entry_type() == tar::EntryType::Regular).then(|| {
                    let mut text = String::new();
                    io::Read::read_to_string(&mut entry, &mut text).unwrap();
                    text
                });
                (name, text)
            })
            .collect()
    }

    fn names(tar: &[u8]) -> Vec<String> {
        entries(tar).into_iter().map(|(name, _)| name).collect()
    }

    #[test]
    fn dockerignore_leaves_files_out_but_never_the_dockerfile_or_itself() {
        let dir = folder(
            "ignore",
            &[
                ("Dockerfile", "FROM scratch\n"),
                (
                    ".dockerignore",
                    "# secrets\nsecret.txt\nDockerfile\n.dockerignore\nlogs\n!logs/keep.log\n",
                ),
                ("secret.txt", "no"),
                ("app/main.txt", "yes"),
                ("app/secret.txt", "nested: not matched"),
                ("logs/a.log", "no"),
                ("logs/keep.log", "yes"),
            ],
        );
        let context = make(&dir.0, &Dockerfile::Path("Dockerfile".into())).unwrap();
        assert_eq!(context.dockerfile, "Dockerfile");
        assert_eq!(
            names(&context.tar),
            [
                ".dockerignore",
                "Dockerfile",
                "app/",
                "app/main.txt",
                "app/secret.txt",
                "logs/keep.log"
            ]
        );
    }

    #[test]
    fn an_excluded_folder_is_not_walked_without_exceptions() {
        let dir = folder(
            "skip",
            &[
                ("Dockerfile", "FROM scratch\n"),
                (".dockerignore", "node_modules\n**/*.tmp\n"),
                ("node_modules/x/y.js", "no"),
                ("a/b/c.tmp", "no"),
                ("a/b/c.txt", "yes"),
            ],
        );
        let context = make(&dir.0, &Dockerfile::Path("Dockerfile".into())).unwrap();
        assert_eq!(
            names(&context.tar),
            [".dockerignore", "Dockerfile", "a/", "a/b/", "a/b/c.txt"]
        );
    }

    #[test]
    fn dockerfiles_in_a_subfolder_outside_and_inline() {
        let dir = folder(
            "dockerfiles",
            &[
                ("ctx/docker/app.Dockerfile", "FROM a\n"),
                ("ctx/f.txt", "x"),
                ("outside.Dockerfile", "FROM outside\n"),
            ],
        );
        let ctx = dir.0.join("ctx");
        let context = make(&ctx, &Dockerfile::Path("docker/app.Dockerfile".into())).unwrap();
        assert_eq!(context.dockerfile, "docker/app.Dockerfile");

        let context = make(&ctx, &Dockerfile::Path(dir.0.join("outside.Dockerfile"))).unwrap();
        assert!(
            context.dockerfile.starts_with(".dockerfile."),
            "{}",
            context.dockerfile
        );
        let found = entries(&context.tar);
        assert!(found.contains(&(
            context.dockerfile.clone(),
            Some("FROM outside\n".to_string())
        )));

        let context = make(&ctx, &Dockerfile::Inline("FROM inline\n".into())).unwrap();
        assert!(entries(&context.tar).contains(&(
            context.dockerfile.clone(),
            Some("FROM inline\n".to_string())
        )));

        let missing = make(&ctx, &Dockerfile::Path("Nope".into())).unwrap_err();
        assert!(
            missing.to_string().contains("Nope` does not exist"),
            "{missing}"
        );
        let bad = fs::write(ctx.join(".dockerignore"), "[oops\n");
        bad.unwrap();
        let error = make(&ctx, &Dockerfile::Inline("FROM x".into())).unwrap_err();
        assert!(
            error.to_string().contains(".dockerignore: line 1"),
            "{error}"
        );
    }

    #[test]
    fn long_names_and_symlinks_survive() {
        let long = format!("{}/file.txt", "d".repeat(120));
        let dir = folder(
            "long",
            &[("Dockerfile", "FROM a\n"), (long.as_str(), "deep")],
        );
        #[cfg(unix)]
        std::os::unix::fs::symlink("Dockerfile", dir.0.join("link")).unwrap();
        let context = make(&dir.0, &Dockerfile::Path("Dockerfile".into())).unwrap();
        let found = names(&context.tar);
        assert!(found.contains(&long), "{found:?}");
        #[cfg(unix)]
        {
            let mut archive = tar::Archive::new(context.tar.as_slice());
            let link = archive
                .entries()
                .unwrap()
                .map(Result::unwrap)
                .find(|e| e.path().unwrap().to_str() == Some("link"))
                .expect("the link is sent");
            assert_eq!(link.header().entry_type(), tar::EntryType::Symlink);
            assert_eq!(
                link.link_name().unwrap().unwrap().to_str(),
                Some("Dockerfile")
            );
        }
    }

    #[test]
    fn sizes_read_as_the_docker_cli_prints_them() {
        assert_eq!(human_size(409), "409B");
        assert_eq!(human_size(2048), "2.048kB");
        assert_eq!(human_size(1_500_000), "1.5MB");
        assert_eq!(human_size(123_456), "123.5kB");
    }
}
