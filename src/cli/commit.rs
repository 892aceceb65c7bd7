//! `rcompose commit SERVICE [REPOSITORY[:TAG]]`: a new image from the changes of a running
//! container of the service (`--index N` for a replica other than the first), as `docker
//! compose commit` makes it: `-a` author, `-m` message, `-c` Dockerfile instructions, the
//! container paused meanwhile unless `--pause=false`. The progress line names the new image's id.

use clap::{ArgAction, Args};

use super::daily_support;
use super::progress::{Mark, Reporter};
use super::{exit, GlobalOptions};
use crate::engine::{CommitOptions, DockerEngine, SnapshotEngine};

#[derive(Debug, Args)]
pub struct CommitArgs {
    /// The service
    #[arg(value_name = "SERVICE")]
    service: String,
    /// The image's repository, and tag (default `latest`)
    #[arg(value_name = "REPOSITORY[:TAG]")]
    reference: Option<String>,
    /// Author (e.g., "John Hannibal Smith <hannibal@a-team.com>")
    #[arg(short = 'a', long, value_name = "AUTHOR")]
    author: Option<String>,
    /// Apply Dockerfile instruction to the created image (repeatable)
    #[arg(short = 'c', long, value_name = "INSTRUCTION")]
    change: Vec<String>,
    /// Commit message
    #[arg(short = 'm', long, value_name = "MESSAGE")]
    message: Option<String>,
    /// Pause container during commit (default true)
    #[arg(long, value_name = "BOOL", num_args = 0..=1, require_equals = true,
          default_value = "true", default_missing_value = "true", action = ArgAction::Set)]
    pause: bool,
    /// Index of the container if the service has multiple replicas
    #[arg(long, value_name = "N")]
    index: Option<u32>,
}

/// `repo:tag` → (`repo`, `tag`); a `:` inside the registry's `host:port` is not a tag.
fn split_reference(reference: &str) -> (String, Option<String>) {
    match reference.rsplit_once(':') {
        Some((repository, tag)) if !tag.contains('/') => {
            (repository.to_string(), Some(tag.to_string()))
        }
        _ => (reference.to_string(), None),
    }
}

pub fn run(global: &GlobalOptions, args: &CommitArgs) -> u8 {
    let (repository, tag) = match &args.reference {
        Some(reference) => {
            let (repository, tag) = split_reference(reference);
            (Some(repository), tag)
        }
        None => (None, None),
    };
    let options = CommitOptions {
        repository,
        tag,
        author: args.author.clone(),
        message: args.message.clone(),
        changes: args.change.clone(),
        pause: args.pause,
    };
    daily_support::with_replica(
        global,
        &args.service,
        args.index,
        Some("committing"),
        async |engine: DockerEngine, container| {
            let reporter = Reporter::new(global.progress, "Committing");
            reporter.update(
                "Container",
                &container.name,
                "Committing",
                Mark::Working,
                None,
            );
            match engine.commit_container(&container.id, &options).await {
                Ok(id) => {
                    reporter.update(
                        "Container",
                        &container.name,
                        &format!("Committed as {id}"),
                        Mark::Done,
                        None,
                    );
                    reporter.finish();
                    exit::OK
                }
                Err(error) => {
                    reporter.update(
                        "Container",
                        &container.name,
                        "Error",
                        Mark::Failed,
                        Some(error.message().into_owned()),
                    );
                    reporter.finish();
                    eprintln!("error: {error}");
                    exit::FAILURE
                }
            }
        },
    )
}

#[cfg(test)]
mod tests {
    use super::split_reference;

    #[test]
    fn a_registry_port_is_not_a_tag() {
        assert_eq!(split_reference("app:1"), ("app".into(), Some("1".into())));
        assert_eq!(
            split_reference("reg:5000/app"),
            ("reg:5000/app".into(), None)
        );
        assert_eq!(
            split_reference("reg:5000/app:2"),
            ("reg:5000/app".into(), Some("2".into()))
        );
    }
}
