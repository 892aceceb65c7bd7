//! `rcompose cp SERVICE:SRC DEST` and `rcompose cp SRC SERVICE:DEST`: files and folders between
//! a service container and the host, through the engine's archive API (tar), with `docker cp`'s
//! rules: a destination that is an existing folder receives the source under its own name,
//! otherwise the source is copied *as* the destination (renamed); `-` reads a tar from stdin or
//! writes one to stdout. `--index N` picks a replica (without it, a copy into a service goes to
//! each of its containers, a copy out of one comes from the first), `-a` keeps uid/gid, `-L`
//! follows a symbolic link given as the source.

use std::io::{Read, Write};
use std::path::{Component, Path, PathBuf};

use clap::Args;
use futures_util::StreamExt;

use super::daily_support;
use super::engine_session::Scope;
use super::progress::{Mark, Reporter};
use super::{exit, GlobalOptions};
use crate::engine::{ArchiveEngine, ContainerSummary, DockerEngine, EngineError};

#[derive(Debug, Args)]
pub struct CpArgs {
    /// `SERVICE:SRC_PATH` or a local path (`-`: a tar read from stdin)
    #[arg(value_name = "SRC")]
    source: String,
    /// `SERVICE:DEST_PATH` or a local path (`-`: a tar written to stdout)
    #[arg(value_name = "DEST")]
    destination: String,
    /// Index of the container if the service has multiple replicas
    #[arg(long, value_name = "N")]
    index: Option<u32>,
    /// Include containers created by the run command
    #[arg(long)]
    all: bool,
    /// Archive mode (copy all uid/gid information)
    #[arg(short = 'a', long)]
    archive: bool,
    /// Always follow a symbolic link in SRC_PATH
    #[arg(short = 'L', long)]
    follow_link: bool,
}

/// `SERVICE:PATH` → (Some(service), path); a local path → (None, path). An absolute path, or one
/// whose part before `:` starts with `.`, is local (`./file:name.txt`).
pub fn split_arg(arg: &str) -> (Option<&str>, &str) {
    if arg.starts_with('/') {
        return (None, arg);
    }
    match arg.split_once(':') {
        Some((service, path)) if !service.starts_with('.') && !service.is_empty() => {
            (Some(service), path)
        }
        _ => (None, arg),
    }
}

/// The last component of a path as `docker cp` names the copy (`/a/b/` → `b`).
fn base_name(path: &str) -> String {
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() {
        return "/".to_string();
    }
    trimmed.rsplit('/').next().unwrap_or(trimmed).to_string()
}

/// The folder of a container path (`/a/b` → `/a`, `b` → `.`).
fn parent_of(path: &str) -> String {
    let trimmed = path.trim_end_matches('/');
    match trimmed.rsplit_once('/') {
        Some(("", _)) => "/".to_string(),
        Some((parent, _)) => parent.to_string(),
        None => ".".to_string(),
    }
}

pub fn run(global: &GlobalOptions, args: &CpArgs) -> u8 {
    let (source_service, source_path) = split_arg(&args.source);
    let (destination_service, destination_path) = split_arg(&args.destination);
    let (service, from_service) = match (source_service, destination_service) {
        (Some(_), Some(_)) => {
            eprintln!("error: copying between services is not supported: one of SRC and DEST must be a local path");
            return exit::INVALID;
        }
        (None, None) => {
            eprintln!(
                "error: neither `{}` nor `{}` names a service: one of them must be SERVICE:PATH",
                args.source, args.destination
            );
            return exit::INVALID;
        }
        (Some(service), None) => (service.to_string(), true),
        (None, Some(service)) => (service.to_string(), false),
    };
    let services = [service.clone()];
    daily_support::with_engine(
        global,
        &services,
        false,
        async |scope: Scope, engine: DockerEngine| {
            let mut containers =
                match all_containers(&engine, &scope.name, &service, args.all).await {
                    Ok(containers) => containers,
                    Err(code) => return code,
                };
            if let Some(index) = args.index {
                match daily_support::pick_replica(&containers, &service, Some(index), "") {
                    Ok(container) => containers = vec![container.clone()],
                    Err(message) => {
                        eprintln!(
                            "error: {}",
                            message.replace("no  container", "no container")
                        );
                        return exit::FAILURE;
                    }
                }
            }
            if containers.is_empty() {
                eprintln!("error: service `{service}` has no container");
                return exit::FAILURE;
            }
            if from_service {
                containers.truncate(1);
            }
            if global.dry_run {
                for container in &containers {
                    println!(
                        "{}",
                        describe(container, from_service, source_path, destination_path)
                    );
                }
                return exit::OK;
            }
            // A tar from stdin is read once, for every container.
            let stdin_archive = if !from_service && source_path == "-" {
                let mut bytes = Vec::new();
                if let Err(error) = std::io::stdin().read_to_end(&mut bytes) {
                    eprintln!("error: reading a tar archive from stdin: {error}");
                    return exit::FAILURE;
                }
                Some(bytes)
            } else {
                None
            };
            let reporter = Reporter::new(global.progress, "Copying");
            let mut code = exit::OK;
            for container in &containers {
                let what = describe(container, from_service, source_path, destination_path);
                reporter.update(&container.name, &what, "Copying", Mark::Working, None);
                let result = if from_service {
                    copy_out(&engine, container, source_path, destination_path, args).await
                } else {
                    copy_in(
                        &engine,
                        container,
                        source_path,
                        destination_path,
                        stdin_archive.as_deref(),
                        args,
                    )
                    .await
                };
                match result {
                    Ok(()) => reporter.update(&container.name, &what, "Copied", Mark::Done, None),
                    Err(message) => {
                        reporter.update(&container.name, &what, "Error", Mark::Failed, None);
                        reporter.finish();
                        eprintln!("error: {message}");
                        code = exit::FAILURE;
                    }
                }
            }
            reporter.finish();
            code
        },
    )
}

fn describe(
    container: &ContainerSummary,
    from_service: bool,
    source: &str,
    destination: &str,
) -> String {
    if from_service {
        format!("copy {}:{source} to {destination}", container.name)
    } else {
        format!("copy {source} to {}:{destination}", container.name)
    }
}

/// The service's containers, stopped ones too (a stopped container's files can be copied),
/// by replica number.
async fn all_containers(
    engine: &DockerEngine,
    project: &str,
    service: &str,
    with_oneoff: bool,
) -> Result<Vec<ContainerSummary>, u8> {
    use crate::engine::{Engine, ProjectFilter};
    let containers = engine
        .list_containers(&ProjectFilter::new(project))
        .await
        .map_err(|error| {
            eprintln!("error: {error}");
            exit::FAILURE
        })?;
    let mut containers: Vec<ContainerSummary> = containers
        .into_iter()
        .filter(|c| daily_support::service_of(c).is_some_and(|s| s == service))
        .filter(|c| {
            with_oneoff
                || !c
                    .labels
                    .get(crate::plan::labels::ONEOFF)
                    .is_some_and(|v| v.eq_ignore_ascii_case("true"))
        })
        .collect();
    containers.sort_by_key(|c| daily_support::number_of(c).unwrap_or(u32::MAX));
    Ok(containers)
}

fn engine_message(error: EngineError) -> String {
    error.to_string()
}

/// Host → container.
async fn copy_in(
    engine: &DockerEngine,
    container: &ContainerSummary,
    source: &str,
    destination: &str,
    stdin_archive: Option<&[u8]>,
    args: &CpArgs,
) -> Result<(), String> {
    let name = container.name.as_str();
    // Where the destination stands: a folder, a file, or nothing (yet).
    let mut target = destination.to_string();
    let mut stat = match engine.stat_path(name, destination).await {
        Ok(stat) => Some(stat),
        Err(error) if error.is_not_found() => None,
        Err(error) => return Err(engine_message(error)),
    };
    if let Some(link) = stat.as_ref().filter(|s| s.is_symlink()) {
        target = if link.link_target.starts_with('/') {
            link.link_target.clone()
        } else {
            format!("{}/{}", parent_of(destination), link.link_target)
        };
        stat = match engine.stat_path(name, &target).await {
            Ok(stat) => Some(stat),
            Err(error) if error.is_not_found() => None,
            Err(error) => return Err(engine_message(error)),
        };
    }
    let dest_is_dir = stat.as_ref().is_some_and(|s| s.is_dir());
    if let Some(archive) = stdin_archive {
        if !dest_is_dir {
            return Err(format!(
                "destination `{name}:{destination}` must be a folder to extract a tar from stdin"
            ));
        }
        return engine
            .upload_archive(name, &target, archive.to_vec(), args.archive)
            .await
            .map_err(engine_message);
    }
    let local = Path::new(source);
    let metadata = if args.follow_link {
        std::fs::metadata(local)
    } else {
        std::fs::symlink_metadata(local)
    }
    .map_err(|error| format!("reading `{source}`: {error}"))?;
    if stat.is_none() && destination.ends_with('/') {
        return Err(format!(
            "destination folder `{name}:{destination}` does not exist"
        ));
    }
    if metadata.is_dir() && stat.as_ref().is_some_and(|s| !s.is_dir()) {
        return Err(format!(
            "cannot copy folder `{source}` onto file `{name}:{destination}`"
        ));
    }
    // Into an existing folder under the source's name; otherwise as the destination's name,
    // into its folder. `SRC/.` copies a folder's content.
    let contents_only = source.ends_with("/.") || source == ".";
    let (extract_to, entry_name) = if dest_is_dir {
        (
            target.clone(),
            if contents_only {
                ".".to_string()
            } else {
                base_name(source)
            },
        )
    } else {
        (parent_of(&target), base_name(&target))
    };
    let mut builder = tar::Builder::new(Vec::new());
    builder.follow_symlinks(args.follow_link);
    let built = if metadata.is_dir() {
        builder.append_dir_all(&entry_name, local)
    } else {
        builder.append_path_with_name(local, &entry_name)
    };
    let archive = built
        .and_then(|()| builder.into_inner())
        .map_err(|error| format!("archiving `{source}`: {error}"))?;
    engine
        .upload_archive(name, &extract_to, archive, args.archive)
        .await
        .map_err(engine_message)
}

/// Container → host.
async fn copy_out(
    engine: &DockerEngine,
    container: &ContainerSummary,
    source: &str,
    destination: &str,
    args: &CpArgs,
) -> Result<(), String> {
    let name = container.name.as_str();
    let mut fetch = source.to_string();
    // With -L, a link is replaced by what it points to, under the link's name.
    let mut rename_top: Option<(String, String)> = None;
    if args.follow_link {
        let stat = engine
            .stat_path(name, source)
            .await
            .map_err(engine_message)?;
        if stat.is_symlink() {
            let target = if stat.link_target.starts_with('/') {
                stat.link_target.clone()
            } else {
                format!("{}/{}", parent_of(source), stat.link_target)
            };
            rename_top = Some((base_name(&target), base_name(source)));
            fetch = target;
        }
    }
    let mut stream = engine
        .download_archive(name, &fetch)
        .await
        .map_err(engine_message)?;
    let mut archive = Vec::new();
    while let Some(chunk) = stream.next().await {
        archive.extend(chunk.map_err(engine_message)?);
    }
    if destination == "-" {
        let mut stdout = std::io::stdout().lock();
        return stdout
            .write_all(&archive)
            .and_then(|()| stdout.flush())
            .map_err(|error| format!("writing the archive to stdout: {error}"));
    }
    let local = Path::new(destination);
    let local_is_dir = local.is_dir();
    if !local.exists() && destination.ends_with('/') {
        return Err(format!("destination folder `{destination}` does not exist"));
    }
    let top = rename_top
        .as_ref()
        .map_or_else(|| base_name(&fetch), |(from, _)| from.clone());
    let (into, new_top) = if local_is_dir {
        (
            local.to_path_buf(),
            rename_top.map_or_else(|| top.clone(), |(_, to)| to),
        )
    } else {
        let parent = local
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
        if !parent.is_dir() {
            return Err(format!("the folder of `{destination}` does not exist"));
        }
        let file_name = local
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .ok_or_else(|| format!("`{destination}` names no file"))?;
        (parent, file_name)
    };
    extract(&archive, &into, &top, &new_top, args.archive)
        .map_err(|error| format!("extracting into `{}`: {error}", into.display()))
}

/// Unpacks `archive` into `into`, its top entry `top` renamed `new_top`. Entries that would land
/// outside `into` (`..`, absolute paths, through a symbolic link) are refused.
fn extract(
    archive: &[u8],
    into: &Path,
    top: &str,
    new_top: &str,
    keep_owner: bool,
) -> std::io::Result<()> {
    let mut reader = tar::Archive::new(archive);
    reader.set_preserve_permissions(true);
    reader.set_preserve_mtime(true);
    reader.set_preserve_ownerships(keep_owner);
    reader.set_overwrite(true);
    for entry in reader.entries()? {
        let mut entry = entry?;
        let path = entry.path()?.into_owned();
        let mut parts = path
            .components()
            .filter(|c| !matches!(c, Component::CurDir));
        let first = parts.next();
        let rest: PathBuf = parts.collect();
        let head = match first {
            Some(Component::Normal(name)) if name.to_string_lossy() == top => {
                PathBuf::from(new_top)
            }
            Some(Component::Normal(name)) => PathBuf::from(name),
            _ => continue,
        };
        // `join("")` would add a trailing slash, which makes a file's path a folder's.
        let relative = if rest.as_os_str().is_empty() {
            head
        } else {
            head.join(rest)
        };
        if relative
            .components()
            .any(|c| !matches!(c, Component::Normal(_)))
        {
            return Err(std::io::Error::other(format!(
                "the archive's entry `{}` leaves the destination",
                path.display()
            )));
        }
        // No writing through a link the archive (or anyone) put on the way.
        let mut walk = into.to_path_buf();
        let mut components: Vec<_> = relative.components().collect();
        components.pop();
        for component in components {
            walk.push(component);
            if std::fs::symlink_metadata(&walk).is_ok_and(|m| m.file_type().is_symlink()) {
                return Err(std::io::Error::other(format!(
                    "`{}` is a symbolic link: not extracting `{}` through it",
                    walk.display(),
                    path.display()
                )));
            }
        }
        let target = into.join(&relative);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)?;
        }
        entry.unpack(&target)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_split_like_docker_cp() {
        assert_eq!(split_arg("web:/tmp/x"), (Some("web"), "/tmp/x"));
        assert_eq!(split_arg("/abs:x"), (None, "/abs:x"));
        assert_eq!(split_arg("./file:name"), (None, "./file:name"));
        assert_eq!(split_arg("file.txt"), (None, "file.txt"));
        assert_eq!(split_arg("-"), (None, "-"));
    }

    #[test]
    fn names_and_folders() {
        assert_eq!(base_name("/a/b/"), "b");
        assert_eq!(base_name("b"), "b");
        assert_eq!(parent_of("/a/b"), "/a");
        assert_eq!(parent_of("/b"), "/");
        assert_eq!(parent_of("b"), ".");
    }

    #[test]
    fn extraction_renames_the_top_entry_and_refuses_escapes() {
        let dir = std::env::temp_dir().join(format!("rcompose-cp-unit-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let mut builder = tar::Builder::new(Vec::new());
        let mut header = tar::Header::new_gnu();
        header.set_size(5);
        header.set_mode(0o644);
        header.set_cksum();
        builder
            .append_data(&mut header, "h.txt", &b"hello"[..])
            .unwrap();
        let archive = builder.into_inner().unwrap();
        extract(&archive, &dir, "h.txt", "out.txt", false).unwrap();
        assert_eq!(
            std::fs::read_to_string(dir.join("out.txt")).unwrap(),
            "hello"
        );

        // An entry naming `..` is refused (written raw: the builder itself refuses such names).
        let mut header = tar::Header::new_gnu();
        header.as_gnu_mut().unwrap().name[..9].copy_from_slice(b"x/../../y");
        header.set_size(1);
        header.set_mode(0o644);
        header.set_cksum();
        let mut evil = header.as_bytes().to_vec();
        evil.extend([b'z'; 512]);
        evil.extend([0u8; 1024]);
        assert!(extract(&evil, &dir, "x", "x", false).is_err());
        assert!(!dir.parent().unwrap().join("y").exists());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
