//! [`ContainerOpsEngine`] over bollard, and the error mapping the daily commands' calls share.

use bollard::errors::Error as BollardError;
use bollard::query_parameters as query;

use super::{describe, kind_of_status, DockerEngine};
use crate::engine::{
    ContainerOpsEngine, EngineError, ErrorKind, ProcessList, Protocol, PublishedPort,
};

/// An engine error for a call the core seam's [`crate::engine::EngineCall`] does not list:
/// `action` is the gerund phrase ("pausing container"), `object` what it was about.
pub(super) fn op_error(action: &str, object: &str, error: BollardError) -> EngineError {
    let (kind, message) = match &error {
        BollardError::DockerResponseServerError {
            status_code,
            message,
        } => (kind_of_status(*status_code), message.clone()),
        BollardError::DockerStreamError { error } => (ErrorKind::Other, error.clone()),
        BollardError::RequestTimeoutError => (
            ErrorKind::Timeout,
            "the engine did not answer in time".to_string(),
        ),
        BollardError::HyperLegacyError { .. }
        | BollardError::HyperResponseError { .. }
        | BollardError::IOError { .. } => (ErrorKind::Unavailable, describe(&error)),
        _ => (ErrorKind::Other, describe(&error)),
    };
    let message = message.trim_end();
    let message = message.strip_suffix('.').unwrap_or(message).to_string();
    EngineError::Call {
        action: action.to_string(),
        object: object.to_string(),
        context: String::new(),
        kind,
        message,
    }
}

fn protocol(text: &str) -> Protocol {
    match text {
        "udp" => Protocol::Udp,
        "sctp" => Protocol::Sctp,
        _ => Protocol::Tcp,
    }
}

impl ContainerOpsEngine for DockerEngine {
    async fn pause_container(&self, container: &str) -> Result<(), EngineError> {
        self.docker
            .pause_container(container)
            .await
            .map_err(|error| op_error("pausing container", container, error))
    }

    async fn unpause_container(&self, container: &str) -> Result<(), EngineError> {
        self.docker
            .unpause_container(container)
            .await
            .map_err(|error| op_error("unpausing container", container, error))
    }

    async fn container_processes(&self, container: &str) -> Result<ProcessList, EngineError> {
        let top = self
            .docker
            .top_processes(container, None::<query::TopOptions>)
            .await
            .map_err(|error| op_error("listing the processes of container", container, error))?;
        Ok(ProcessList {
            titles: top.titles.unwrap_or_default(),
            processes: top.processes.unwrap_or_default(),
        })
    }

    async fn published_ports(&self, container: &str) -> Result<Vec<PublishedPort>, EngineError> {
        let inspect = self
            .docker
            .inspect_container(container, None::<query::InspectContainerOptions>)
            .await
            .map_err(|error| op_error("inspecting container", container, error))?;
        let mut ports = Vec::new();
        let map = inspect
            .network_settings
            .and_then(|settings| settings.ports)
            .unwrap_or_default();
        for (key, bindings) in map {
            let (port, proto) = key.split_once('/').unwrap_or((key.as_str(), "tcp"));
            let Ok(container_port) = port.parse::<u16>() else {
                continue;
            };
            for binding in bindings.unwrap_or_default() {
                let Some(host_port) = binding.host_port.and_then(|p| p.parse::<u16>().ok()) else {
                    continue;
                };
                ports.push(PublishedPort {
                    container_port,
                    protocol: protocol(proto),
                    host_ip: binding.host_ip.unwrap_or_default(),
                    host_port,
                });
            }
        }
        // Stable: the engine's order of bindings within one port stays.
        ports.sort_by_key(|p| (p.container_port, p.protocol));
        Ok(ports)
    }
}
