//! [`AttachEngine`] over bollard.

use super::exec::attach_streams;
use super::{call_error, DockerEngine};
use crate::engine::exec::Attached;
use crate::engine::{AttachEngine, EngineCall, EngineError};
use bollard::query_parameters as query;

impl AttachEngine for DockerEngine {
    async fn attach_running(
        &self,
        container: &str,
        stdin: bool,
        detach_keys: Option<&str>,
    ) -> Result<(Attached, bool), EngineError> {
        const ACTION: EngineCall = EngineCall::AttachContainer;
        let inspect = self
            .docker
            .inspect_container(container, None::<query::InspectContainerOptions>)
            .await
            .map_err(|error| call_error(ACTION, container, error))?;
        let tty = inspect.config.and_then(|c| c.tty).unwrap_or(false);
        let attached = attach_streams(self, container, stdin, detach_keys).await?;
        Ok((attached, tty))
    }
}
