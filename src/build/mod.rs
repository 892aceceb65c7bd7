//! Building the images of services with a `build:` section: what to build, read from the
//! canonical model (no I/O), and the context to send (`context`, `dockerignore`). The engine
//! call is [`crate::engine::BuildEngine`]; `rcompose build` and `up` drive it (`cli::build`).
//!
//! As docker compose v2 does with the classic builder, the image is tagged with the service's
//! `image`, else `<project>-<service>`, and carries the `build.labels` plus
//! `com.docker.compose.image.builder=classic`.

pub mod context;
pub mod dockerignore;

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::Value as J;

use crate::engine::{BuildSpec, Labels};

pub use context::Dockerfile;

/// The label docker compose v2 puts on the images it builds without BuildKit.
pub const BUILDER_LABEL: (&str, &str) = ("com.docker.compose.image.builder", "classic");

/// Where the context comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContextSource {
    /// A folder, made into a tar here.
    Folder(PathBuf),
    /// A git or tarball URL the engine fetches itself.
    Remote(String),
}

/// The build of one service, as the model describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceBuild {
    pub service: String,
    /// The tag of the built image.
    pub image: String,
    pub context: ContextSource,
    pub dockerfile: Dockerfile,
    pub args: BTreeMap<String, String>,
    pub target: Option<String>,
    pub labels: Labels,
    pub cache_from: Vec<String>,
    pub network: Option<String>,
    pub shm_size: Option<u64>,
    /// `host:ip`.
    pub extra_hosts: Vec<String>,
    /// `build.no_cache`, `build.pull`.
    pub no_cache: bool,
    pub pull: bool,
    /// Keys of the `build` section the classic builder cannot honour (BuildKit features).
    pub unsupported: Vec<String>,
}

/// Flags of a build run (`rcompose build`, `up --build`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BuildOptions {
    pub no_cache: bool,
    pub pull: bool,
    pub quiet: bool,
    /// `--build-arg KEY=VAL` (`KEY` alone: `None`, the value comes from the environment).
    pub args: Vec<(String, Option<String>)>,
}

/// The keys only BuildKit honours: warned about, not sent.
const BUILDKIT_ONLY: [&str; 9] = [
    "additional_contexts",
    "cache_to",
    "entitlements",
    "platforms",
    "privileged",
    "secrets",
    "ssh",
    "tags",
    "ulimits",
];

fn is_remote(context: &str) -> bool {
    ["http://", "https://", "git://", "git@", "github.com/"]
        .iter()
        .any(|prefix| context.starts_with(prefix))
}

fn scalar(value: &J) -> Option<String> {
    match value {
        J::String(text) => Some(text.clone()),
        J::Number(number) => Some(number.to_string()),
        J::Bool(flag) => Some(flag.to_string()),
        _ => None,
    }
}

fn string_map(value: Option<&J>) -> BTreeMap<String, String> {
    match value {
        Some(J::Object(map)) => map
            .iter()
            .filter_map(|(k, v)| Some((k.clone(), scalar(v)?)))
            .collect(),
        // `KEY=VALUE` items (the canonical form is a map; a list still reads).
        Some(J::Array(items)) => items
            .iter()
            .filter_map(J::as_str)
            .filter_map(|item| item.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        _ => BTreeMap::new(),
    }
}

fn strings(value: Option<&J>) -> Vec<String> {
    value
        .and_then(J::as_array)
        .map(|items| items.iter().filter_map(scalar).collect())
        .unwrap_or_default()
}

/// `host=ip` (the canonical form) or `host:ip` → the engine's `host:ip`.
fn extra_host(entry: &str) -> String {
    match entry.split_once('=') {
        Some((host, ip)) => format!("{host}:{ip}"),
        None => entry.to_string(),
    }
}

/// The build of `service_name`, when the service has a `build` section.
pub fn service_build(project_name: &str, service_name: &str, service: &J) -> Option<ServiceBuild> {
    let build = service.get("build")?;
    let image = crate::model::image_name(project_name, service_name, service);
    // The short form is a context path; the canonical form is always the long one.
    let section = match build {
        J::String(context) => serde_json::json!({ "context": context }),
        J::Object(_) => build.clone(),
        _ => return None,
    };
    let context_text = section
        .get("context")
        .and_then(J::as_str)
        .unwrap_or(".")
        .to_string();
    let context = if is_remote(&context_text) {
        ContextSource::Remote(context_text)
    } else {
        ContextSource::Folder(PathBuf::from(context_text))
    };
    let dockerfile = match section.get("dockerfile_inline").and_then(J::as_str) {
        Some(text) => Dockerfile::Inline(text.to_string()),
        None => Dockerfile::Path(PathBuf::from(
            section
                .get("dockerfile")
                .and_then(J::as_str)
                .filter(|d| !d.is_empty())
                .unwrap_or("Dockerfile"),
        )),
    };
    let mut labels = string_map(section.get("labels"));
    labels.insert(BUILDER_LABEL.0.to_string(), BUILDER_LABEL.1.to_string());
    let shm_size = section.get("shm_size").and_then(|value| match value {
        J::String(text) => crate::project::canonical::units::parse_bytes(text),
        J::Number(number) => number.as_i64(),
        _ => None,
    });
    Some(ServiceBuild {
        service: service_name.to_string(),
        image,
        context,
        dockerfile,
        args: string_map(section.get("args")),
        target: section
            .get("target")
            .and_then(J::as_str)
            .filter(|t| !t.is_empty())
            .map(String::from),
        labels,
        cache_from: strings(section.get("cache_from")),
        network: section
            .get("network")
            .and_then(J::as_str)
            .filter(|n| !n.is_empty())
            .map(String::from),
        shm_size: shm_size.and_then(|bytes| u64::try_from(bytes).ok()),
        extra_hosts: strings(section.get("extra_hosts"))
            .iter()
            .map(|entry| extra_host(entry))
            .collect(),
        no_cache: section.get("no_cache").and_then(J::as_bool) == Some(true),
        pull: section.get("pull").and_then(J::as_bool) == Some(true),
        unsupported: BUILDKIT_ONLY
            .iter()
            .filter(|key| section.get(**key).is_some_and(|v| !v.is_null()))
            .map(|key| key.to_string())
            .collect(),
    })
}

/// `pull_policy: build`: the image is built on every `up`.
pub fn always_builds(service: &J) -> bool {
    service.get("pull_policy").and_then(J::as_str) == Some("build")
}

impl ServiceBuild {
    /// The engine's parameters, with the run's flags; `dockerfile` is the Dockerfile's name in
    /// the context tar (or, for a remote context, the path the model gives). `environment`
    /// gives the value of a bare `--build-arg KEY`.
    pub fn spec(
        &self,
        options: &BuildOptions,
        dockerfile: String,
        environment: &dyn Fn(&str) -> Option<String>,
    ) -> BuildSpec {
        let mut build_args = self.args.clone();
        for (key, value) in &options.args {
            // A bare KEY unset in the environment leaves the file's value, as docker compose.
            if let Some(value) = value.clone().or_else(|| environment(key)) {
                build_args.insert(key.clone(), value);
            }
        }
        BuildSpec {
            tag: self.image.clone(),
            dockerfile,
            remote: match &self.context {
                ContextSource::Remote(url) => Some(url.clone()),
                ContextSource::Folder(_) => None,
            },
            build_args,
            target: self.target.clone(),
            labels: self.labels.clone(),
            cache_from: self.cache_from.clone(),
            network_mode: self.network.clone(),
            shm_size: self.shm_size,
            extra_hosts: self.extra_hosts.clone(),
            no_cache: options.no_cache || self.no_cache,
            pull: options.pull || self.pull,
            quiet: options.quiet,
        }
    }
}

/// `--build-arg KEY=VAL` / `--build-arg KEY`.
pub fn parse_build_arg(text: &str) -> Result<(String, Option<String>), String> {
    let (key, value) = match text.split_once('=') {
        Some((key, value)) => (key, Some(value.to_string())),
        None => (text, None),
    };
    if key.trim().is_empty() {
        return Err(format!(
            "invalid --build-arg `{text}`: expected KEY=VALUE or KEY"
        ));
    }
    Ok((key.to_string(), value))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_long_form_reads_every_key_the_classic_builder_takes() {
        let service = json!({
            "build": {
                "context": "/p/ctx", "dockerfile": "Other.Dockerfile",
                "args": {"X": "1", "N": 2}, "target": "t", "labels": {"a": "b"},
                "cache_from": ["foo"], "network": "host", "shm_size": "67108864",
                "extra_hosts": ["h=1.2.3.4", "old:5.6.7.8"], "secrets": ["s"], "no_cache": true
            },
            "image": "myimg:1"
        });
        let build = service_build("p", "web", &service).expect("a build");
        assert_eq!(build.image, "myimg:1");
        assert_eq!(build.context, ContextSource::Folder("/p/ctx".into()));
        assert_eq!(
            build.dockerfile,
            Dockerfile::Path("Other.Dockerfile".into())
        );
        assert_eq!(build.args["N"], "2");
        assert_eq!(build.target.as_deref(), Some("t"));
        assert_eq!(build.labels["a"], "b");
        assert_eq!(build.labels[BUILDER_LABEL.0], "classic");
        assert_eq!(build.shm_size, Some(64 << 20));
        assert_eq!(build.extra_hosts, ["h:1.2.3.4", "old:5.6.7.8"]);
        assert_eq!(build.unsupported, ["secrets"]);
        assert!(build.no_cache);
    }

    #[test]
    fn defaults_names_inline_and_remote() {
        let build = service_build("proj", "app", &json!({"build": "/x"})).unwrap();
        assert_eq!(build.image, "proj-app");
        assert_eq!(build.dockerfile, Dockerfile::Path("Dockerfile".into()));
        let inline = json!({"build": {"context": "/x", "dockerfile_inline": "FROM a\n"}});
        assert_eq!(
            service_build("p", "a", &inline).unwrap().dockerfile,
            Dockerfile::Inline("FROM a\n".into())
        );
        let remote = json!({"build": {"context": "https://github.com/a/b.git#main"}});
        assert!(matches!(
            service_build("p", "a", &remote).unwrap().context,
            ContextSource::Remote(_)
        ));
        assert!(service_build("p", "a", &json!({"image": "x"})).is_none());
    }

    #[test]
    fn command_line_args_override_and_bare_keys_take_the_environment() {
        let build = service_build(
            "p",
            "a",
            &json!({"build": {"context": "/x", "args": {"A": "file", "B": "file"}}}),
        )
        .unwrap();
        let options = BuildOptions {
            args: vec![
                parse_build_arg("A=cli").unwrap(),
                parse_build_arg("B").unwrap(),
                parse_build_arg("C").unwrap(),
            ],
            pull: true,
            ..BuildOptions::default()
        };
        let env = |key: &str| (key == "C").then(|| "from-env".to_string());
        let spec = build.spec(&options, "Dockerfile".into(), &env);
        assert_eq!(spec.build_args["A"], "cli");
        assert_eq!(
            spec.build_args["B"], "file",
            "unset in the environment: the file's"
        );
        assert_eq!(spec.build_args["C"], "from-env");
        assert!(spec.pull);
        assert!(parse_build_arg("=x").is_err());
    }
}
