//! Engine errors: each names what was being done, on which object, and keeps the engine's own
//! message, e.g. "creating container `proj-web-1`: Conflict. The container name ... is in use".

use std::fmt;

/// The kind of an engine failure, for callers that react to some (a `down` that finds nothing to
/// remove, a create that races another one).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// The object does not exist (HTTP 404).
    NotFound,
    /// The object exists, is in use, or is in the wrong state (HTTP 409).
    Conflict,
    /// The request is invalid for this engine (HTTP 400), or a spec field has a value the engine
    /// API cannot carry.
    InvalidArgument,
    /// The engine refused the operation (HTTP 403).
    Forbidden,
    /// The engine did not answer in time.
    Timeout,
    /// The connection to the engine failed in the middle of the call.
    Unavailable,
    /// Anything else (HTTP 500 and friends, an unreadable answer).
    Other,
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ErrorKind::NotFound => "not found",
            ErrorKind::Conflict => "conflict",
            ErrorKind::InvalidArgument => "invalid argument",
            ErrorKind::Forbidden => "forbidden",
            ErrorKind::Timeout => "timeout",
            ErrorKind::Unavailable => "unavailable",
            ErrorKind::Other => "error",
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EngineError {
    /// No engine answers at `host` (no socket, connection refused, no answer in time, or an
    /// unusable `DOCKER_HOST`).
    #[error("cannot reach the Docker engine at {host}: {message}")]
    Unreachable { host: String, message: String },
    /// The engine answers but speaks an API older than rcompose needs.
    #[error(
        "the Docker engine at {host} speaks API {api_version}, older than the 1.41 (Docker 20.10) rcompose needs"
    )]
    TooOld { host: String, api_version: String },
    /// A call failed. `action` is a gerund phrase ("creating container"), `object` the name or
    /// id the call was about, `context` what else it involved (" to network `proj_back`").
    #[error("{action} `{object}`{context}: {message}")]
    Call {
        action: String,
        object: String,
        context: String,
        kind: ErrorKind,
        message: String,
    },
}

/// The calls of the seam, to name them in errors and in the fake's call log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EngineCall {
    Ping,
    Version,
    ListContainers,
    InspectContainer,
    CreateContainer,
    StartContainer,
    StopContainer,
    KillContainer,
    RestartContainer,
    RemoveContainer,
    WaitContainer,
    ContainerLogs,
    ListNetworks,
    InspectNetwork,
    CreateNetwork,
    RemoveNetwork,
    ConnectNetwork,
    DisconnectNetwork,
    ListVolumes,
    InspectVolume,
    CreateVolume,
    RemoveVolume,
    InspectImage,
    // --- ps/ls and down --rmi
    ListComposeContainers,
    RemoveImage,
    // --- exec and attach (src/engine/exec.rs)
    CreateExec,
    StartExec,
    InspectExec,
    ResizeExec,
    AttachContainer,
    ResizeContainer,
}

impl EngineCall {
    /// The method's name, e.g. `create_container`.
    pub fn name(self) -> &'static str {
        match self {
            EngineCall::Ping => "ping",
            EngineCall::Version => "version",
            EngineCall::ListContainers => "list_containers",
            EngineCall::InspectContainer => "inspect_container",
            EngineCall::CreateContainer => "create_container",
            EngineCall::StartContainer => "start_container",
            EngineCall::StopContainer => "stop_container",
            EngineCall::KillContainer => "kill_container",
            EngineCall::RestartContainer => "restart_container",
            EngineCall::RemoveContainer => "remove_container",
            EngineCall::WaitContainer => "wait_container",
            EngineCall::ContainerLogs => "container_logs",
            EngineCall::ListNetworks => "list_networks",
            EngineCall::InspectNetwork => "inspect_network",
            EngineCall::CreateNetwork => "create_network",
            EngineCall::RemoveNetwork => "remove_network",
            EngineCall::ConnectNetwork => "connect_network",
            EngineCall::DisconnectNetwork => "disconnect_network",
            EngineCall::ListVolumes => "list_volumes",
            EngineCall::InspectVolume => "inspect_volume",
            EngineCall::CreateVolume => "create_volume",
            EngineCall::RemoveVolume => "remove_volume",
            EngineCall::InspectImage => "inspect_image",
            EngineCall::ListComposeContainers => "list_compose_containers",
            EngineCall::RemoveImage => "remove_image",
            // --- exec and attach
            EngineCall::CreateExec => "create_exec",
            EngineCall::StartExec => "start_exec",
            EngineCall::InspectExec => "inspect_exec",
            EngineCall::ResizeExec => "resize_exec",
            EngineCall::AttachContainer => "attach_container",
            EngineCall::ResizeContainer => "resize_container",
        }
    }

    /// What the call does, as an error message starts: "creating container".
    pub fn action(self) -> &'static str {
        match self {
            EngineCall::Ping => "pinging the engine at",
            EngineCall::Version => "asking the version of the engine at",
            EngineCall::ListContainers => "listing the containers of project",
            EngineCall::InspectContainer => "inspecting container",
            EngineCall::CreateContainer => "creating container",
            EngineCall::StartContainer => "starting container",
            EngineCall::StopContainer => "stopping container",
            EngineCall::KillContainer => "killing container",
            EngineCall::RestartContainer => "restarting container",
            EngineCall::RemoveContainer => "removing container",
            EngineCall::WaitContainer => "waiting for container",
            EngineCall::ContainerLogs => "reading the logs of container",
            EngineCall::ListNetworks => "listing the networks of project",
            EngineCall::InspectNetwork => "inspecting network",
            EngineCall::CreateNetwork => "creating network",
            EngineCall::RemoveNetwork => "removing network",
            EngineCall::ConnectNetwork => "connecting container",
            EngineCall::DisconnectNetwork => "disconnecting container",
            EngineCall::ListVolumes => "listing the volumes of project",
            EngineCall::InspectVolume => "inspecting volume",
            EngineCall::CreateVolume => "creating volume",
            EngineCall::RemoveVolume => "removing volume",
            EngineCall::InspectImage => "inspecting image",
            EngineCall::ListComposeContainers => {
                "listing the containers of the compose projects at"
            }
            EngineCall::RemoveImage => "removing image",
            // --- exec and attach
            EngineCall::CreateExec => "creating an exec process in container",
            EngineCall::StartExec => "starting exec process",
            EngineCall::InspectExec => "inspecting exec process",
            EngineCall::ResizeExec => "resizing the TTY of exec process",
            EngineCall::AttachContainer => "attaching to container",
            EngineCall::ResizeContainer => "resizing the TTY of container",
        }
    }

    /// Whether the call changes the engine's state (as opposed to reading it).
    pub fn is_mutating(self) -> bool {
        matches!(
            self,
            EngineCall::CreateContainer
                | EngineCall::StartContainer
                | EngineCall::StopContainer
                | EngineCall::KillContainer
                | EngineCall::RestartContainer
                | EngineCall::RemoveContainer
                | EngineCall::CreateNetwork
                | EngineCall::RemoveNetwork
                | EngineCall::ConnectNetwork
                | EngineCall::DisconnectNetwork
                | EngineCall::CreateVolume
                | EngineCall::RemoveVolume
                | EngineCall::RemoveImage
        )
    }
}

impl fmt::Display for EngineCall {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl EngineError {
    /// A failed call; the engine's message keeps its words, less a trailing period.
    pub fn call(
        call: EngineCall,
        object: impl Into<String>,
        kind: ErrorKind,
        message: impl Into<String>,
    ) -> Self {
        EngineError::Call {
            action: call.action().to_string(),
            object: object.into(),
            context: String::new(),
            kind,
            message: tidy_message(message.into()),
        }
    }

    /// The same error, saying what else the call involved: `" to network `proj_back`"` gives
    /// "connecting container `proj-web-1` to network `proj_back`: ...".
    pub fn with_context(mut self, text: impl Into<String>) -> Self {
        if let EngineError::Call { context, .. } = &mut self {
            *context = text.into();
        }
        self
    }

    pub fn unreachable(host: impl Into<String>, message: impl Into<String>) -> Self {
        EngineError::Unreachable {
            host: host.into(),
            message: tidy_message(message.into()),
        }
    }

    pub fn kind(&self) -> ErrorKind {
        match self {
            EngineError::Unreachable { .. } => ErrorKind::Unavailable,
            EngineError::TooOld { .. } => ErrorKind::InvalidArgument,
            EngineError::Call { kind, .. } => *kind,
        }
    }

    pub fn is_not_found(&self) -> bool {
        self.kind() == ErrorKind::NotFound
    }

    pub fn is_conflict(&self) -> bool {
        self.kind() == ErrorKind::Conflict
    }

    /// The engine's own words (or ours, for failures before the engine answered), without
    /// the action and object.
    pub fn message(&self) -> std::borrow::Cow<'_, str> {
        match self {
            EngineError::Unreachable { message, .. } | EngineError::Call { message, .. } => {
                message.as_str().into()
            }
            EngineError::TooOld { .. } => self.to_string().into(),
        }
    }
}

fn tidy_message(message: String) -> String {
    let trimmed = message.trim_end();
    let trimmed = trimmed.strip_suffix('.').unwrap_or(trimmed);
    if trimmed.len() == message.len() {
        message
    } else {
        trimmed.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_call_error_names_the_action_the_object_and_keeps_the_engine_message() {
        let error = EngineError::call(
            EngineCall::CreateContainer,
            "proj-web-1",
            ErrorKind::Conflict,
            "Conflict. The container name \"/proj-web-1\" is already in use.\n",
        );
        assert_eq!(
            error.to_string(),
            "creating container `proj-web-1`: Conflict. The container name \"/proj-web-1\" is already in use"
        );
        assert!(error.is_conflict());
    }

    #[test]
    fn context_follows_the_object() {
        let error = EngineError::call(
            EngineCall::ConnectNetwork,
            "proj-web-1",
            ErrorKind::NotFound,
            "network proj_back not found",
        )
        .with_context(" to network `proj_back`");
        assert_eq!(
            error.to_string(),
            "connecting container `proj-web-1` to network `proj_back`: network proj_back not found"
        );
    }

    #[test]
    fn unreachable_names_the_host() {
        let error = EngineError::unreachable(
            "unix:///var/run/docker.sock",
            "connection refused (os error 111)",
        );
        assert_eq!(
            error.to_string(),
            "cannot reach the Docker engine at unix:///var/run/docker.sock: connection refused (os error 111)"
        );
        assert_eq!(error.kind(), ErrorKind::Unavailable);
    }
}
