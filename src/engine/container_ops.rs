//! What the daily commands ask of a running container beyond the core seam: pause and unpause
//! (`pause`, `unpause`), its processes (`top`), its published ports (`port`).

use std::future::Future;

use super::{Engine, EngineError, Protocol};

/// The processes of a container, as `ps` inside its namespace lists them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ProcessList {
    /// `UID`, `PID`, `PPID`, `C`, `STIME`, `TTY`, `TIME`, `CMD`.
    pub titles: Vec<String>,
    /// One row per process, a cell per title.
    pub processes: Vec<Vec<String>>,
}

/// One published port of a container: a container port bound to a host address and port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishedPort {
    pub container_port: u16,
    pub protocol: Protocol,
    /// `0.0.0.0`, `::`, `127.0.0.1`.
    pub host_ip: String,
    pub host_port: u16,
}

impl PublishedPort {
    /// `0.0.0.0:8081`, `[::]:8081`.
    pub fn host_address(&self) -> String {
        if self.host_ip.contains(':') {
            format!("[{}]:{}", self.host_ip, self.host_port)
        } else {
            format!("{}:{}", self.host_ip, self.host_port)
        }
    }
}

pub trait ContainerOpsEngine: Engine {
    /// Freezes every process of a running container; a paused one is a `Conflict`.
    fn pause_container(
        &self,
        container: &str,
    ) -> impl Future<Output = Result<(), EngineError>> + Send;

    /// Thaws a paused container; one not paused is a `Conflict`.
    fn unpause_container(
        &self,
        container: &str,
    ) -> impl Future<Output = Result<(), EngineError>> + Send;

    /// The processes of a running container.
    fn container_processes(
        &self,
        container: &str,
    ) -> impl Future<Output = Result<ProcessList, EngineError>> + Send;

    /// The ports a container publishes, in the engine's order (IPv4 before IPv6 for each port),
    /// sorted by container port and protocol.
    fn published_ports(
        &self,
        container: &str,
    ) -> impl Future<Output = Result<Vec<PublishedPort>, EngineError>> + Send;
}
