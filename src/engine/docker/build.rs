//! [`BuildEngine`] over bollard: `POST /build` with the classic builder.

use std::collections::HashMap;
use std::sync::Arc;

use bollard::errors::Error as BollardError;
use bollard::query_parameters as query;
use futures_util::StreamExt;

use super::{call_error, describe, pin_api_version_with_query, DockerEngine};
use crate::engine::build::{build_error, BuildEngine, BuildOutput, BuildSpec};
use crate::engine::{EngineCall, EngineError, ErrorKind};

/// The query parameters of a build, but the 2nd and later `extrahosts` (bollard sends one
/// value; the engine reads them all), which come back encoded for the query's end.
fn build_options(spec: &BuildSpec) -> Result<(query::BuildImageOptions, String), EngineError> {
    let shm_size = match spec.shm_size {
        Some(bytes) => Some(i32::try_from(bytes).map_err(|_| {
            build_error(
                &spec.tag,
                ErrorKind::InvalidArgument,
                format!(
                    "shm_size {bytes} bytes is more than the engine's build API can carry (2 GiB)"
                ),
            )
        })?),
        None => None,
    };
    let hash_map =
        |map: &std::collections::BTreeMap<String, String>| -> Option<HashMap<String, String>> {
            (!map.is_empty()).then(|| map.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        };
    let options = query::BuildImageOptions {
        dockerfile: spec.dockerfile.clone(),
        t: Some(spec.tag.clone()),
        extrahosts: spec.extra_hosts.first().cloned(),
        remote: spec.remote.clone(),
        q: spec.quiet,
        nocache: spec.no_cache,
        cachefrom: (!spec.cache_from.is_empty()).then(|| spec.cache_from.clone()),
        pull: spec.pull.then(|| "1".to_string()),
        rm: true,
        // A failed step's container too: it has no project label, so nothing would ever
        // remove it (`docker build` leaves it unless `--force-rm`).
        forcerm: true,
        buildargs: hash_map(&spec.build_args),
        shmsize: shm_size,
        labels: hash_map(&spec.labels),
        networkmode: spec.network_mode.clone(),
        target: spec.target.clone().unwrap_or_default(),
        ..query::BuildImageOptions::default()
    };
    let extra = spec
        .extra_hosts
        .iter()
        .skip(1)
        .map(|host| format!("extrahosts={}", percent_encode(host)))
        .collect::<Vec<_>>()
        .join("&");
    Ok((options, extra))
}

fn percent_encode(text: &str) -> String {
    let mut out = String::new();
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The id in `Successfully built 83a54ca6715f`, the classic builder's last line.
fn built_id(text: &str) -> Option<String> {
    text.lines()
        .rev()
        .find_map(|line| line.trim().strip_prefix("Successfully built "))
        .map(|id| id.trim().to_string())
}

impl BuildEngine for DockerEngine {
    async fn build_image(
        &self,
        spec: &BuildSpec,
        context: Option<Vec<u8>>,
        on_output: &mut (dyn FnMut(BuildOutput) + Send),
    ) -> Result<String, EngineError> {
        let (options, extra_query) = build_options(spec)?;
        let docker = pin_api_version_with_query(
            self.docker.clone(),
            &self.client_api_version,
            extra_query,
            Arc::clone(&self.calls),
        );
        let body = bollard::body_full(bytes::Bytes::from(context.unwrap_or_default()));
        let mut stream = docker.build_image(options, None, Some(body));
        let mut image_id: Option<String> = None;
        let mut last_text = String::new();
        while let Some(item) = stream.next().await {
            match item {
                Ok(info) => {
                    if let Some(id) = info.aux.and_then(|aux| aux.id) {
                        image_id = Some(id);
                    }
                    if let Some(text) = info.stream {
                        if spec.quiet && text.trim().starts_with("sha256:") {
                            image_id.get_or_insert_with(|| text.trim().to_string());
                        }
                        last_text.push_str(&text);
                        if last_text.len() > 4096 {
                            last_text.drain(..last_text.len() - 1024);
                        }
                        on_output(BuildOutput::Text(text));
                    }
                    if let Some(status) = info.status {
                        let line = match info.id {
                            Some(id) => format!("{id}: {status}"),
                            None => status,
                        };
                        on_output(BuildOutput::Status(line));
                    }
                }
                Err(BollardError::DockerStreamError { error }) => {
                    return Err(build_error(&spec.tag, ErrorKind::Other, error));
                }
                Err(error @ BollardError::DockerResponseServerError { .. }) => {
                    let (kind, message) =
                        match call_error(EngineCall::InspectImage, &spec.tag, error) {
                            EngineError::Call { kind, message, .. } => (kind, message),
                            other => (ErrorKind::Other, other.to_string()),
                        };
                    return Err(build_error(&spec.tag, kind, message));
                }
                Err(error) => {
                    return Err(build_error(&spec.tag, ErrorKind::Other, describe(&error)));
                }
            }
        }
        if let Some(id) = image_id.or_else(|| built_id(&last_text)) {
            return Ok(id);
        }
        // No id in the output (an engine that says nothing): ask for the tag.
        self.docker
            .inspect_image(&spec.tag)
            .await
            .map(|image| image.id.unwrap_or_default())
            .map_err(|error| build_error(&spec.tag, ErrorKind::Other, describe(&error)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_carry_the_spec_and_extra_hosts_beyond_the_first() {
        let spec = BuildSpec {
            tag: "p-web".to_string(),
            dockerfile: "sub/Dockerfile".to_string(),
            build_args: [("A".to_string(), "1".to_string())].into_iter().collect(),
            target: Some("base".to_string()),
            extra_hosts: vec!["a:1.2.3.4".to_string(), "b:::1".to_string()],
            shm_size: Some(64 << 20),
            pull: true,
            ..BuildSpec::default()
        };
        let (options, extra) = build_options(&spec).expect("valid");
        assert_eq!(options.dockerfile, "sub/Dockerfile");
        assert_eq!(options.t.as_deref(), Some("p-web"));
        assert_eq!(options.target, "base");
        assert_eq!(options.extrahosts.as_deref(), Some("a:1.2.3.4"));
        assert_eq!(extra, "extrahosts=b%3A%3A%3A1");
        assert_eq!(options.pull.as_deref(), Some("1"));
        assert_eq!(options.shmsize, Some(64 << 20));
        assert!(options.labels.is_none());
        let too_big = BuildSpec {
            shm_size: Some(4 << 30),
            ..spec
        };
        assert!(build_options(&too_big).is_err());
    }

    #[test]
    fn the_id_comes_from_the_last_successfully_built_line() {
        assert_eq!(
            built_id("Step 7/7 : LABEL x=y\n ---> 83a54ca6715f\nSuccessfully built 83a54ca6715f\nSuccessfully tagged p-a:latest\n").as_deref(),
            Some("83a54ca6715f")
        );
        assert_eq!(built_id("nothing"), None);
    }
}
