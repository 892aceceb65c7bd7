//! Two reads the engine seam (`crate::engine::Engine`) does not offer yet, made here directly
//! over bollard and read-only: the containers of *every* compose project (for `ls`: the seam
//! only lists one project, by design), and each container's command and published ports (for
//! the `COMMAND` and `PORTS` columns of `ps`; `ContainerSummary` does not carry them).
//!
//! This is the one file outside `src/engine/` that knows bollard. It belongs in the seam as
//! `Engine::list_projects` and two more `ContainerSummary` fields; when those exist, this file
//! goes.

use std::collections::HashMap;

use bollard::query_parameters::ListContainersOptions;
use bollard::Docker;

use crate::engine::{parse_docker_host, EngineAddress, EngineError, Labels, PROJECT_LABEL};

/// A container as the list call shows it, with what the seam leaves out.
#[derive(Debug, Clone, Default)]
pub struct RawContainer {
    pub id: String,
    /// The command line as the engine prints it (`sleep 100000`).
    pub command: String,
    pub ports: Vec<RawPort>,
    pub labels: Labels,
    /// `running`, `exited`, ...
    pub state: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct RawPort {
    pub ip: Option<String>,
    pub private_port: u16,
    pub public_port: Option<u16>,
    pub protocol: String,
}

async fn client(host: &str) -> Result<Docker, EngineError> {
    let unreachable = |message: String| EngineError::unreachable(host, message);
    let docker = match parse_docker_host(host).map_err(&unreachable)? {
        EngineAddress::Unix(path) => {
            Docker::connect_with_unix(&format!("unix://{path}"), 120, bollard::API_DEFAULT_VERSION)
        }
        EngineAddress::Tcp(address) => Docker::connect_with_http(
            &format!("tcp://{address}"),
            120,
            bollard::API_DEFAULT_VERSION,
        ),
    }
    .map_err(|error| unreachable(error.to_string()))?;
    docker
        .negotiate_version()
        .await
        .map_err(|error| unreachable(error.to_string()))
}

/// The containers carrying the compose project label (`project`'s only, when given); stopped
/// ones too when `all`.
pub async fn list_compose_containers(
    host: &str,
    project: Option<&str>,
    all: bool,
) -> Result<Vec<RawContainer>, EngineError> {
    let docker = client(host).await?;
    let label = match project {
        Some(project) => format!("{PROJECT_LABEL}={project}"),
        None => PROJECT_LABEL.to_string(),
    };
    let options = ListContainersOptions {
        all,
        filters: Some(HashMap::from([("label".to_string(), vec![label])])),
        ..Default::default()
    };
    let containers = docker
        .list_containers(Some(options))
        .await
        .map_err(|error| {
            EngineError::call(
                crate::engine::EngineCall::ListContainers,
                project.unwrap_or("*"),
                crate::engine::ErrorKind::Other,
                error.to_string(),
            )
        })?;
    Ok(containers
        .into_iter()
        .map(|c| RawContainer {
            id: c.id.unwrap_or_default(),
            command: c.command.unwrap_or_default(),
            ports: c
                .ports
                .unwrap_or_default()
                .into_iter()
                .map(|port| RawPort {
                    ip: port.ip.filter(|ip| !ip.is_empty()),
                    private_port: port.private_port,
                    public_port: port.public_port,
                    protocol: port
                        .typ
                        .map(|t| t.to_string())
                        .filter(|t| !t.is_empty())
                        .unwrap_or_else(|| "tcp".to_string()),
                })
                .collect(),
            labels: c.labels.unwrap_or_default().into_iter().collect(),
            state: c.state.map(|s| s.to_string()).unwrap_or_default(),
        })
        .collect())
}
