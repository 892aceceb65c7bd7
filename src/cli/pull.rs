//! `rcompose pull [SERVICE...]`: pulls the services' images, each once, as `docker compose
//! pull` does: services without `image` (build only) and with `pull_policy: never`/`build` are
//! skipped, `missing`/`if_not_present` skips an image that is present, `--policy` overrides the
//! services' policies. A failure names the image, the registry and the engine's words, and is
//! exit 1 (a warning with `--ignore-pull-failures`); a service that can be built only warns.
//!
//! Differences from docker compose v2, chosen: every pull runs to its end and every failure is
//! reported (v2 interrupts the other pulls at the first failure); `missing` skips a present
//! `:latest` image too (v2 pulls it again).

use std::collections::{BTreeMap, BTreeSet};

use clap::{Args, ValueEnum};
use futures_util::{stream, StreamExt};

use super::daily_support;
use super::engine_session::{self as session, Scope};
use super::progress::{Mark, ProgressMode, Reporter};
use super::{exit, GlobalOptions};
use crate::engine::{DockerEngine, Engine, EngineError, ImageEngine, PullProgress};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Policy {
    Always,
    Missing,
}

#[derive(Debug, Args)]
pub struct PullArgs {
    /// Services whose images to pull; default: all
    #[arg(value_name = "SERVICE")]
    services: Vec<String>,
    /// Pull without printing progress information
    #[arg(short = 'q', long)]
    quiet: bool,
    /// Pull what it can and ignore images with pull failures
    #[arg(long)]
    ignore_pull_failures: bool,
    /// Also pull services declared as dependencies
    #[arg(long)]
    include_deps: bool,
    /// Ignore images that can be built
    #[arg(long)]
    ignore_buildable: bool,
    /// Apply pull policy: always | missing
    #[arg(long, value_enum, value_name = "POLICY")]
    policy: Option<Policy>,
}

/// What `pull` decides about one service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Skipped, with v2's words (`Skipped - No image to be pulled`).
    Skip(String),
    /// Pull this image.
    Pull { image: String, buildable: bool },
}

/// One service as `pull` sees it.
#[derive(Debug, Clone, Default)]
pub struct ServiceImage {
    pub name: String,
    pub image: Option<String>,
    pub buildable: bool,
    pub policy: Option<String>,
    pub platform: Option<String>,
}

/// The decisions for the services, in name order: pure, so that it is tested without an engine.
/// `present` says whether an image is in the engine (asked only for `missing` policies).
pub fn decide(
    services: &[ServiceImage],
    ignore_buildable: bool,
    present: &dyn Fn(&str) -> bool,
) -> Vec<(String, Decision)> {
    let mut pulled_by: BTreeMap<String, String> = BTreeMap::new();
    let mut decisions = Vec::new();
    for service in services {
        let Some(image) = &service.image else {
            decisions.push((
                service.name.clone(),
                Decision::Skip("Skipped - No image to be pulled".to_string()),
            ));
            continue;
        };
        let decision = match service.policy.as_deref() {
            Some("never" | "build") => Some("Skipped".to_string()),
            Some("missing" | "if_not_present") if present(image) => {
                Some("Skipped - Image is already present locally".to_string())
            }
            _ if service.buildable && ignore_buildable => {
                Some("Skipped - Image can be built".to_string())
            }
            _ => pulled_by
                .get(image)
                .map(|by| format!("Skipped - Image is already being pulled by {by}")),
        };
        match decision {
            Some(reason) => decisions.push((service.name.clone(), Decision::Skip(reason))),
            None => {
                pulled_by.insert(image.clone(), service.name.clone());
                decisions.push((
                    service.name.clone(),
                    Decision::Pull {
                        image: image.clone(),
                        buildable: service.buildable,
                    },
                ));
            }
        }
    }
    decisions
}

/// The services to pull: the named ones (all when none), with their dependencies when asked.
fn selected_services(scope: &Scope, args: &PullArgs) -> Vec<ServiceImage> {
    let Some(project) = &scope.project else {
        return Vec::new();
    };
    let model = &project.model;
    let mut wanted: BTreeSet<String> = args.services.iter().cloned().collect();
    if args.include_deps && !wanted.is_empty() {
        let mut grew = true;
        while grew {
            grew = false;
            for (name, service) in crate::model::services(model) {
                if !wanted.contains(name) {
                    continue;
                }
                let depends_on = service
                    .get("depends_on")
                    .and_then(serde_json::Value::as_object);
                for dependency in depends_on.into_iter().flat_map(|d| d.keys()) {
                    grew |= wanted.insert(dependency.clone());
                }
            }
        }
    }
    let default_platform = project
        .environment
        .get("DOCKER_DEFAULT_PLATFORM")
        .filter(|p| !p.is_empty())
        .cloned();
    crate::model::services(model)
        .filter(|(name, _)| wanted.is_empty() || wanted.contains(*name))
        .map(|(name, service)| {
            let text = |key: &str| service.get(key).and_then(|v| v.as_str()).map(String::from);
            let image = text("image");
            let policy = match (args.policy, &image) {
                (Some(Policy::Always), Some(_)) => Some("always".to_string()),
                (Some(Policy::Missing), Some(_)) => Some("missing".to_string()),
                _ => text("pull_policy"),
            };
            ServiceImage {
                name: name.clone(),
                image,
                buildable: service.get("build").is_some_and(|b| !b.is_null()),
                policy,
                platform: text("platform").or_else(|| default_platform.clone()),
            }
        })
        .collect()
}

pub fn run(global: &GlobalOptions, args: &PullArgs) -> u8 {
    daily_support::with_engine(
        global,
        &args.services,
        true,
        async |scope: Scope, engine: DockerEngine| pull(global, args, &scope, &engine).await,
    )
}

async fn pull(global: &GlobalOptions, args: &PullArgs, scope: &Scope, engine: &DockerEngine) -> u8 {
    let services = selected_services(scope, args);
    // Which images are present, for the `missing` policies.
    let mut present: BTreeMap<String, bool> = BTreeMap::new();
    for service in &services {
        let (Some(image), Some("missing" | "if_not_present")) =
            (&service.image, service.policy.as_deref())
        else {
            continue;
        };
        if present.contains_key(image) {
            continue;
        }
        match engine.image_exists(image).await {
            Ok(exists) => {
                present.insert(image.clone(), exists);
            }
            Err(error) => {
                eprintln!("error: {error}");
                return exit::FAILURE;
            }
        }
    }
    let decisions = decide(&services, args.ignore_buildable, &|image| {
        present.get(image).copied().unwrap_or(false)
    });
    if global.dry_run {
        for (service, decision) in &decisions {
            match decision {
                Decision::Skip(reason) => println!("service {service}: {reason}"),
                Decision::Pull { image, .. } => println!("pull image {image} (service {service})"),
            }
        }
        return exit::OK;
    }
    let mode = if args.quiet {
        ProgressMode::Quiet
    } else {
        global.progress
    };
    let reporter = Reporter::new(mode, "Pulling");
    for (service, decision) in &decisions {
        if let Decision::Skip(reason) = decision {
            let detail = reason.strip_prefix("Skipped").unwrap_or("").trim();
            let detail = (!detail.is_empty()).then(|| detail.to_string());
            reporter.update("Service", service, "Skipped", Mark::Done, detail);
        }
    }
    let platforms: BTreeMap<&str, Option<&str>> = services
        .iter()
        .map(|s| (s.name.as_str(), s.platform.as_deref()))
        .collect();
    let pulls: Vec<(&String, &String, bool)> = decisions
        .iter()
        .filter_map(|(service, decision)| match decision {
            Decision::Pull { image, buildable } => Some((service, image, *buildable)),
            Decision::Skip(_) => None,
        })
        .collect();
    let results: Vec<(String, String, bool, Result<(), EngineError>)> = stream::iter(pulls)
        .map(|(service, image, buildable)| {
            let reporter = &reporter;
            let platform = platforms.get(service.as_str()).copied().flatten();
            async move {
                let result = pull_one(engine, reporter, service, image, platform, buildable).await;
                (service.clone(), image.clone(), buildable, result)
            }
        })
        .buffer_unordered(session::concurrency(global))
        .collect()
        .await;
    reporter.finish();
    let mut code = exit::OK;
    let mut must_build = Vec::new();
    for (service, _image, buildable, result) in &results {
        let Err(error) = result else { continue };
        if *buildable {
            must_build.push(service.clone());
            eprintln!("warning: {error} (service `{service}` can be built instead)");
        } else if args.ignore_pull_failures {
            eprintln!("warning: {error} (service `{service}`)");
        } else {
            eprintln!("error: {error} (service `{service}`)");
            code = exit::FAILURE;
        }
    }
    if !must_build.is_empty() {
        must_build.sort();
        eprintln!(
            "warning: some service image(s) must be built from source by running:\n    rcompose build {}",
            must_build.join(" ")
        );
    }
    code
}

/// `up`'s pulls: the images of the selected services without `build:` that are missing (or
/// every time, with `pull_policy: always`), as docker compose v2 pulls before it creates
/// anything. `present` says whether an image is in the engine. `pull_policy: never` with a
/// missing image is left to the preflight, which names it.
pub fn images_for_up(
    project: &crate::project::Project,
    selected: &BTreeSet<String>,
    policy: super::pull_policy::PullOverride,
    present: &dyn Fn(&str) -> bool,
) -> Vec<(String, String, Option<String>)> {
    let mut seen = BTreeSet::new();
    crate::model::services(&project.model)
        .filter(|(name, _)| selected.contains(*name))
        .filter(|(_, service)| service.get("build").is_none_or(serde_json::Value::is_null))
        .filter_map(|(name, service)| {
            let text = |key: &str| service.get(key).and_then(|v| v.as_str()).map(String::from);
            let image = text("image")?;
            let pull = policy.pulls(service, present(&image));
            (pull && seen.insert(image.clone())).then(|| (name.clone(), image, text("platform")))
        })
        .collect()
}

/// Pulls `images` (service, image, platform) in parallel under `concurrency`, each on its
/// service's progress line; returns the failures as messages naming the image, the registry
/// and the service.
pub async fn pull_all(
    engine: &DockerEngine,
    reporter: &Reporter,
    images: &[(String, String, Option<String>)],
    concurrency: usize,
) -> Vec<String> {
    stream::iter(images)
        .map(|(service, image, platform)| async move {
            pull_one(engine, reporter, service, image, platform.as_deref(), false)
                .await
                .err()
                .map(|error| format!("{error} (service `{service}`)"))
        })
        .buffer_unordered(concurrency.max(1))
        .filter_map(|failure| async move { failure })
        .collect()
        .await
}

/// Pulls one image, reporting its steps on the service's line: `Pulling` with the layer step
/// as detail, then `Pulled`, or `Error` (`Warning` for a service that can be built).
async fn pull_one(
    engine: &DockerEngine,
    reporter: &Reporter,
    service: &str,
    image: &str,
    platform: Option<&str>,
    buildable: bool,
) -> Result<(), EngineError> {
    reporter.update("Service", service, "Pulling", Mark::Working, None);
    let result: Result<(), EngineError> = async {
        let mut stream = engine.pull_image(image, platform).await?;
        let mut last: Option<(String, String)> = None;
        while let Some(item) = stream.next().await {
            let progress = item?;
            // One line per layer step, not one per byte count.
            let key = (
                progress.layer.clone().unwrap_or_default(),
                progress.status.clone(),
            );
            if last.as_ref() != Some(&key) {
                reporter.update(
                    "Service",
                    service,
                    "Pulling",
                    Mark::Working,
                    Some(progress_text(&progress)),
                );
                last = Some(key);
            }
        }
        Ok(())
    }
    .await;
    match &result {
        Ok(()) => reporter.update("Service", service, "Pulled", Mark::Done, None),
        Err(error) => reporter.update(
            "Service",
            service,
            if buildable { "Warning" } else { "Error" },
            if buildable {
                Mark::Warning
            } else {
                Mark::Failed
            },
            Some(error.message().into_owned()),
        ),
    }
    result
}

/// `a1b2c3d4e5f6 Downloading 45%`, `Digest: sha256:...`.
fn progress_text(progress: &PullProgress) -> String {
    let mut text = String::new();
    if let Some(layer) = &progress.layer {
        text.push_str(layer);
        text.push(' ');
    }
    text.push_str(&progress.status);
    if let (Some(current), Some(total)) = (progress.current, progress.total) {
        if total > 0 {
            text.push_str(&format!(" {}%", current.saturating_mul(100) / total));
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn service(name: &str, image: Option<&str>, policy: Option<&str>, build: bool) -> ServiceImage {
        ServiceImage {
            name: name.into(),
            image: image.map(String::from),
            buildable: build,
            policy: policy.map(String::from),
            platform: None,
        }
    }

    #[test]
    fn policies_and_shared_images_decide_like_v2() {
        let services = vec![
            service("built", None, None, true),
            service("db", Some("x:1"), None, false),
            service("missing", Some("present:1"), Some("missing"), false),
            service("never", Some("y:1"), Some("never"), false),
            service("web", Some("x:1"), Some("always"), false),
            service("withbuild", Some("z:1"), None, true),
        ];
        let decisions = decide(&services, false, &|image| image == "present:1");
        let text: Vec<String> = decisions
            .iter()
            .map(|(s, d)| match d {
                Decision::Skip(reason) => format!("{s}: {reason}"),
                Decision::Pull { image, buildable } => format!("{s}: pull {image} {buildable}"),
            })
            .collect();
        assert_eq!(
            text,
            [
                "built: Skipped - No image to be pulled",
                "db: pull x:1 false",
                "missing: Skipped - Image is already present locally",
                "never: Skipped",
                "web: Skipped - Image is already being pulled by db",
                "withbuild: pull z:1 true",
            ]
        );
        let ignoring = decide(&services, true, &|_| false);
        assert_eq!(
            ignoring[5].1,
            Decision::Skip("Skipped - Image can be built".into())
        );
        assert!(matches!(ignoring[2].1, Decision::Pull { .. }));
    }
}
