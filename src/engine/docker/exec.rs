//! [`ExecEngine`] over bollard: exec processes and attaching to a container.

use bollard::exec::{CreateExecOptions, StartExecOptions, StartExecResults};
use bollard::query_parameters as query;
use futures_util::{StreamExt, TryStreamExt};

use super::{call_error, DockerEngine};
use crate::engine::exec::{Attached, ExecEngine, ExecInfo, ExecSpec, OutputChunk};
use crate::engine::{EngineCall, EngineError, LogSource};

fn chunk(output: bollard::container::LogOutput) -> OutputChunk {
    use bollard::container::LogOutput as Output;
    let (source, bytes) = match output {
        Output::StdOut { message } => (LogSource::Stdout, message),
        Output::StdErr { message } => (LogSource::Stderr, message),
        Output::Console { message } | Output::StdIn { message } => (LogSource::Console, message),
    };
    OutputChunk {
        source,
        bytes: bytes.to_vec(),
    }
}

impl ExecEngine for DockerEngine {
    async fn create_exec(&self, container: &str, spec: &ExecSpec) -> Result<String, EngineError> {
        let options = CreateExecOptions::<String> {
            attach_stdin: Some(spec.attach_stdin),
            attach_stdout: Some(spec.attach_output),
            attach_stderr: Some(spec.attach_output),
            tty: Some(spec.tty),
            env: (!spec.env.is_empty()).then(|| spec.env.clone()),
            cmd: Some(spec.cmd.clone()),
            privileged: Some(spec.privileged),
            user: spec.user.clone(),
            working_dir: spec.working_dir.clone(),
            detach_keys: None,
        };
        self.docker
            .create_exec(container, options)
            .await
            .map(|created| created.id)
            .map_err(|error| call_error(EngineCall::CreateExec, container, error))
    }

    async fn start_exec(
        &self,
        exec_id: &str,
        detach: bool,
        tty: bool,
    ) -> Result<Option<Attached>, EngineError> {
        const ACTION: EngineCall = EngineCall::StartExec;
        let options = StartExecOptions {
            detach,
            tty,
            output_capacity: None,
        };
        // The request timeout bounds the start of the answer only, not the attached stream.
        match self
            .docker
            .start_exec(exec_id, Some(options))
            .await
            .map_err(|error| call_error(ACTION, exec_id, error))?
        {
            StartExecResults::Detached => Ok(None),
            StartExecResults::Attached { output, input } => {
                let object = exec_id.to_string();
                Ok(Some(Attached {
                    output: output
                        .map_ok(chunk)
                        .map_err(move |error| call_error(ACTION, &object, error))
                        .boxed(),
                    input,
                }))
            }
        }
    }

    async fn inspect_exec(&self, exec_id: &str) -> Result<ExecInfo, EngineError> {
        let info = self
            .docker
            .inspect_exec(exec_id)
            .await
            .map_err(|error| call_error(EngineCall::InspectExec, exec_id, error))?;
        Ok(ExecInfo {
            running: info.running.unwrap_or(false),
            exit_code: info.exit_code,
            pid: info.pid.unwrap_or(0),
        })
    }

    async fn resize_exec(&self, exec_id: &str, height: u16, width: u16) -> Result<(), EngineError> {
        let options = query::ResizeExecOptions {
            h: i32::from(height),
            w: i32::from(width),
        };
        self.docker
            .resize_exec(exec_id, options)
            .await
            .map_err(|error| call_error(EngineCall::ResizeExec, exec_id, error))
    }

    async fn attach_container(
        &self,
        container: &str,
        stdin: bool,
    ) -> Result<Attached, EngineError> {
        attach_streams(self, container, stdin, None).await
    }

    async fn resize_container(
        &self,
        container: &str,
        height: u16,
        width: u16,
    ) -> Result<(), EngineError> {
        let options = query::ResizeContainerTTYOptions {
            h: i32::from(height),
            w: i32::from(width),
        };
        self.docker
            .resize_container_tty(container, options)
            .await
            .map_err(|error| call_error(EngineCall::ResizeContainer, container, error))
    }
}

/// Attaches to a running container's output (and stdin when asked): what `run`'s attached
/// container and the `attach` command share.
pub(super) async fn attach_streams(
    engine: &DockerEngine,
    container: &str,
    stdin: bool,
    detach_keys: Option<&str>,
) -> Result<Attached, EngineError> {
    const ACTION: EngineCall = EngineCall::AttachContainer;
    let options = query::AttachContainerOptions {
        detach_keys: detach_keys.map(str::to_string),
        logs: false,
        stream: true,
        stdin,
        stdout: true,
        stderr: true,
    };
    let attached = engine
        .docker
        .attach_container(container, Some(options))
        .await
        .map_err(|error| call_error(ACTION, container, error))?;
    let object = container.to_string();
    Ok(Attached {
        output: attached
            .output
            .map_ok(chunk)
            .map_err(move |error| call_error(ACTION, &object, error))
            .boxed(),
        input: attached.input,
    })
}
