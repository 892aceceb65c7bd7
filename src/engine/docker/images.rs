//! [`ImageEngine`] over bollard: pulls (the engine's JSON progress stream) and image details.

use bollard::query_parameters as query;
use futures_util::StreamExt;

use super::container_ops::op_error;
use super::DockerEngine;
use crate::engine::{
    registry_of, split_reference, EngineError, ImageDetails, ImageEngine, PullProgress, PullStream,
};

/// "pulling image `x` from docker.io: <the engine's words>".
fn pull_error(reference: &str, error: bollard::errors::Error) -> EngineError {
    op_error("pulling image", reference, error)
        .with_context(format!(" from {}", registry_of(reference)))
}

impl ImageEngine for DockerEngine {
    async fn pull_image(
        &self,
        reference: &str,
        platform: Option<&str>,
    ) -> Result<PullStream, EngineError> {
        let (name, tag) = split_reference(reference);
        let options = query::CreateImageOptions {
            from_image: Some(name.to_string()),
            tag: Some(tag.to_string()),
            platform: platform.unwrap_or_default().to_string(),
            ..Default::default()
        };
        // Pulls take as long as the registry does: no request timeout on the stream.
        let mut stream = self
            .client_waiting(std::time::Duration::from_secs(24 * 3600))
            .create_image(Some(options), None, None)
            .boxed();
        let object = reference.to_string();
        // The engine answers a pull that cannot begin (no registry, no such image) with an
        // error status before any message: take the first item here so that it is this call's
        // error.
        let first = match stream.next().await {
            None => return Ok(futures_util::stream::empty().boxed()),
            Some(Err(error)) => return Err(pull_error(&object, error)),
            Some(Ok(info)) => info,
        };
        let convert = move |info: bollard::models::CreateImageInfo| {
            let detail = info.progress_detail.unwrap_or_default();
            PullProgress {
                layer: info.id.filter(|id| !id.is_empty()),
                status: info.status.unwrap_or_default(),
                current: detail.current,
                total: detail.total,
            }
        };
        let head = futures_util::stream::once(std::future::ready(Ok(convert(first))));
        let rest = stream.map(move |item| {
            item.map(convert)
                .map_err(|error| pull_error(&object, error))
        });
        Ok(head.chain(rest).boxed())
    }

    async fn image_details(&self, reference: &str) -> Result<ImageDetails, EngineError> {
        let image = self
            .docker
            .inspect_image(reference)
            .await
            .map_err(|error| op_error("inspecting image", reference, error))?;
        Ok(ImageDetails {
            id: image.id.unwrap_or_default(),
            repo_tags: image.repo_tags.unwrap_or_default(),
            size: image.size.unwrap_or_default(),
            created: image
                .created
                .map(|c| c.to_string())
                .filter(|c| !c.is_empty()),
            last_tag_time: image
                .metadata
                .and_then(|m| m.last_tag_time)
                .map(|t| t.to_string())
                .filter(|t| !t.is_empty()),
            os: image.os.unwrap_or_default(),
            architecture: image.architecture.unwrap_or_default(),
            variant: image.variant.filter(|v| !v.is_empty()),
        })
    }
}
