//! The engine seam: the calls the observer and the executor make, as a trait with two
//! implementations, [`DockerEngine`] over bollard (the only code that knows bollard) and
//! [`FakeEngine`], in memory, which records every call and injects failures. The contract tests
//! (`tests/engine_contract.rs`) run the same scenarios against both, so the fake stays honest.
//!
//! - `types.rs`: the plain data (specs to create, summaries and infos observed);
//! - `error.rs`: [`EngineError`], which names the action and the object;
//! - `docker.rs`: the real engine (`DOCKER_HOST`, API version negotiation);
//! - `fake.rs`: the in-memory engine.
//!
//! Every list call takes a [`ProjectFilter`]: nothing outside one project is ever listed, except
//! by `list_compose_containers` (read-only, for `ls`: every compose project's containers).

mod archive;
mod attach;
pub mod build;
mod container_ops;
mod docker;
mod error;
mod events;
pub mod exec;
pub mod fake;
mod file_archive;
mod images;
mod snapshot;
mod types;

use std::future::Future;
use std::time::Duration;

use futures_util::stream::BoxStream;

pub use build::{BuildEngine, BuildOutput, BuildSpec};
pub use docker::{
    parse_docker_host, DockerEngine, EngineAddress, DEFAULT_CONNECT_TIMEOUT, DEFAULT_DOCKER_HOST,
    MIN_API,
};
pub use error::{EngineCall, EngineError, ErrorKind};
pub use exec::ExecEngine;
pub use fake::FakeEngine;
pub use types::*;

pub use archive::{ArchiveEngine, ArchiveStream, PathStat};
pub use attach::AttachEngine;
pub use container_ops::{ContainerOpsEngine, ProcessList, PublishedPort};
pub use events::{EngineEvent, EventEngine, EventStream};
pub use images::{
    familiar_name, registry_of, split_reference, ImageDetails, ImageEngine, PullProgress,
    PullStream,
};
pub use snapshot::{CommitOptions, SnapshotEngine, StatsSample};

/// A container's output, chunk by chunk; an error ends it.
pub type LogStream = BoxStream<'static, Result<LogLine, EngineError>>;

/// What the reconciler needs from a container engine. Methods take names or ids; the futures are
/// `Send` so an executor can run calls on several tasks. Use it as a generic bound
/// (`E: Engine`), not as `dyn Engine`.
pub trait Engine: Send + Sync {
    /// Whether the engine answers.
    fn ping(&self) -> impl Future<Output = Result<(), EngineError>> + Send;

    /// The engine's version and the API version in use.
    fn version(&self) -> impl Future<Output = Result<EngineVersion, EngineError>> + Send;

    // --- containers

    /// The project's containers, running or not, sorted by name.
    fn list_containers(
        &self,
        filter: &ProjectFilter,
    ) -> impl Future<Output = Result<Vec<ContainerSummary>, EngineError>> + Send;

    fn inspect_container(
        &self,
        container: &str,
    ) -> impl Future<Output = Result<ContainerInfo, EngineError>> + Send;

    /// Creates a container (not started) and returns its id. A name in use is a `Conflict`, a
    /// missing image or network `NotFound`.
    fn create_container(
        &self,
        spec: &ContainerSpec,
    ) -> impl Future<Output = Result<String, EngineError>> + Send;

    /// Starts a container; starting a running one does nothing.
    fn start_container(
        &self,
        container: &str,
    ) -> impl Future<Output = Result<(), EngineError>> + Send;

    /// Stops a container: its stop signal, then `SIGKILL` after `timeout` (the container's own
    /// stop timeout, or 10 s, when `None`). Stopping a stopped container does nothing.
    fn stop_container(
        &self,
        container: &str,
        timeout: Option<Duration>,
    ) -> impl Future<Output = Result<(), EngineError>> + Send;

    /// Sends `signal` (`SIGKILL` when `None`) to a running container.
    fn kill_container(
        &self,
        container: &str,
        signal: Option<&str>,
    ) -> impl Future<Output = Result<(), EngineError>> + Send;

    /// Stops (with `timeout`, as `stop_container`) and starts a container.
    fn restart_container(
        &self,
        container: &str,
        timeout: Option<Duration>,
    ) -> impl Future<Output = Result<(), EngineError>> + Send;

    /// Removes a container. A running one is a `Conflict` unless `force`.
    fn remove_container(
        &self,
        container: &str,
        options: RemoveContainerOptions,
    ) -> impl Future<Output = Result<(), EngineError>> + Send;

    /// Waits for `condition` and returns the container's exit code.
    fn wait_container(
        &self,
        container: &str,
        condition: WaitCondition,
    ) -> impl Future<Output = Result<i64, EngineError>> + Send;

    /// A container's output. A missing container fails here, not in the stream.
    fn container_logs(
        &self,
        container: &str,
        options: &LogsOptions,
    ) -> impl Future<Output = Result<LogStream, EngineError>> + Send;

    // --- networks

    /// The project's networks, sorted by name (without their members: inspect for those).
    fn list_networks(
        &self,
        filter: &ProjectFilter,
    ) -> impl Future<Output = Result<Vec<NetworkInfo>, EngineError>> + Send;

    fn inspect_network(
        &self,
        network: &str,
    ) -> impl Future<Output = Result<NetworkInfo, EngineError>> + Send;

    /// Creates a network and returns its id. A name in use is a `Conflict`.
    fn create_network(
        &self,
        spec: &NetworkSpec,
    ) -> impl Future<Output = Result<String, EngineError>> + Send;

    fn remove_network(&self, network: &str)
        -> impl Future<Output = Result<(), EngineError>> + Send;

    /// Attaches a container to `endpoint.network`, with its aliases and addresses.
    fn connect_network(
        &self,
        container: &str,
        endpoint: &EndpointSpec,
    ) -> impl Future<Output = Result<(), EngineError>> + Send;

    fn disconnect_network(
        &self,
        network: &str,
        container: &str,
        force: bool,
    ) -> impl Future<Output = Result<(), EngineError>> + Send;

    // --- volumes

    /// The project's volumes, sorted by name.
    fn list_volumes(
        &self,
        filter: &ProjectFilter,
    ) -> impl Future<Output = Result<Vec<VolumeInfo>, EngineError>> + Send;

    fn inspect_volume(
        &self,
        volume: &str,
    ) -> impl Future<Output = Result<VolumeInfo, EngineError>> + Send;

    /// Creates a volume. Like the engine, creating an existing volume of the same driver returns
    /// the existing one unchanged (labels included); another driver is a `Conflict`.
    fn create_volume(
        &self,
        spec: &VolumeSpec,
    ) -> impl Future<Output = Result<VolumeInfo, EngineError>> + Send;

    /// Removes a volume; one in use by a container is a `Conflict`.
    fn remove_volume(
        &self,
        volume: &str,
        force: bool,
    ) -> impl Future<Output = Result<(), EngineError>> + Send;

    // --- images

    fn inspect_image(
        &self,
        reference: &str,
    ) -> impl Future<Output = Result<ImageInfo, EngineError>> + Send;

    /// Whether the image is present; errors other than "not found" are errors.
    fn image_exists(
        &self,
        reference: &str,
    ) -> impl Future<Output = Result<bool, EngineError>> + Send {
        async move {
            match self.inspect_image(reference).await {
                Ok(_) => Ok(true),
                Err(error) if error.is_not_found() => Ok(false),
                Err(error) => Err(error),
            }
        }
    }

    // --- ps/ls and down --rmi

    /// The containers of *every* compose project (those carrying the project label, whatever
    /// its value), for `ls`: the one list call not scoped to a project, and read-only. Stopped
    /// ones too when `all` (else running, paused and restarting ones, as the engine lists them).
    fn list_compose_containers(
        &self,
        all: bool,
    ) -> impl Future<Output = Result<Vec<ContainerSummary>, EngineError>> + Send;

    /// Removes an image reference: a tag among several is only untagged; an image a container
    /// uses is a `Conflict`, a missing one `NotFound`. Never forced.
    fn remove_image(&self, reference: &str)
        -> impl Future<Output = Result<(), EngineError>> + Send;
    // --- engine performance

    /// The containers, of any project or of none, whose name is one of `names` (sorted by
    /// name): `up`'s preflight asks whether the names it will create are free. This default
    /// inspects each name; the real engine answers with one list call.
    fn containers_named(
        &self,
        names: &[String],
    ) -> impl Future<Output = Result<Vec<ContainerSummary>, EngineError>> + Send {
        async move {
            let mut found: Vec<ContainerInfo> = Vec::new();
            for chunk in names.chunks(8) {
                let answers = futures_util::future::join_all(
                    chunk.iter().map(|name| self.inspect_container(name)),
                )
                .await;
                for answer in answers {
                    match answer {
                        Ok(info) => found.push(info),
                        Err(error) if error.is_not_found() => {}
                        Err(error) => return Err(error),
                    }
                }
            }
            let mut found: Vec<ContainerSummary> =
                found.into_iter().map(ContainerInfo::into_summary).collect();
            found.sort_by(|a, b| a.name.cmp(&b.name));
            Ok(found)
        }
    }
}

/// The stop timeout the engine applies when none is given.
pub const DEFAULT_STOP_TIMEOUT: Duration = Duration::from_secs(10);
