//! What `commit`, `export` and `stats` ask of a container: a new image from its changes, its
//! whole filesystem as a tar, one sample of its resource usage.

use std::future::Future;

use super::{ArchiveStream, Engine, EngineError};

/// `docker commit`'s options.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CommitOptions {
    /// `repo` of `repo:tag`; none leaves the image untagged.
    pub repository: Option<String>,
    pub tag: Option<String>,
    pub author: Option<String>,
    pub message: Option<String>,
    /// Dockerfile instructions (`ENV A=1`, `CMD ["sh"]`) applied to the image's config.
    pub changes: Vec<String>,
    /// Freeze the container while its filesystem is read.
    pub pause: bool,
}

/// One sample of a container's usage, as the engine reports it with the previous CPU reading
/// (`stream=false` waits for two), memory already without the page cache.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StatsSample {
    /// Nanoseconds of CPU the container used, now and at the previous reading.
    pub cpu_total: u64,
    pub precpu_total: u64,
    /// Nanoseconds of CPU the host used, now and at the previous reading.
    pub system_total: u64,
    pub presystem_total: u64,
    pub online_cpus: u32,
    pub memory_usage: u64,
    pub memory_limit: u64,
    pub net_rx: u64,
    pub net_tx: u64,
    pub block_read: u64,
    pub block_write: u64,
    pub pids: u64,
}

impl StatsSample {
    /// The docker CLI's CPU percentage: the container's share of the host's CPU time between
    /// the two readings, times the CPUs online.
    pub fn cpu_percent(&self) -> f64 {
        let cpu = self.cpu_total.saturating_sub(self.precpu_total);
        let system = self.system_total.saturating_sub(self.presystem_total);
        if cpu == 0 || system == 0 {
            return 0.0;
        }
        cpu as f64 / system as f64 * f64::from(self.online_cpus) * 100.0
    }

    pub fn memory_percent(&self) -> f64 {
        if self.memory_limit == 0 {
            return 0.0;
        }
        self.memory_usage as f64 / self.memory_limit as f64 * 100.0
    }
}

pub trait SnapshotEngine: Engine {
    /// Creates an image from the container's changes; the new image's id.
    fn commit_container(
        &self,
        container: &str,
        options: &CommitOptions,
    ) -> impl Future<Output = Result<String, EngineError>> + Send;

    /// The container's filesystem, as a tar.
    fn export_container(
        &self,
        container: &str,
    ) -> impl Future<Output = Result<ArchiveStream, EngineError>> + Send;

    /// One sample of the container's resource usage (zeros for a container that is not running).
    fn container_stats(
        &self,
        container: &str,
    ) -> impl Future<Output = Result<StatsSample, EngineError>> + Send;
}
