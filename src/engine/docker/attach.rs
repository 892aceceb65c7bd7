//! [`AttachEngine`] over bollard.

use bollard::query_parameters as query;
use futures_util::{StreamExt, TryStreamExt};

use super::exec::chunk;
use super::{call_error, DockerEngine};
use crate::engine::exec::Attached;
use crate::engine::{AttachEngine, EngineCall, EngineError};

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
        let options = query::AttachContainerOptions {
            detach_keys: detach_keys.map(str::to_string),
            logs: false,
            stream: true,
            stdin,
            stdout: true,
            stderr: true,
        };
        let attached = self
            .docker
            .attach_container(container, Some(options))
            .await
            .map_err(|error| call_error(ACTION, container, error))?;
        let object = container.to_string();
        let attached = Attached {
            output: attached
                .output
                .map_ok(chunk)
                .map_err(move |error| call_error(ACTION, &object, error))
                .boxed(),
            input: attached.input,
        };
        Ok((attached, tty))
    }
}
