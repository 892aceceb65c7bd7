//! [`SnapshotEngine`] over bollard.

use bollard::models as api;
use bollard::query_parameters as query;
use futures_util::StreamExt;

use super::container_ops::op_error;
use super::DockerEngine;
use crate::engine::{ArchiveStream, CommitOptions, EngineError, SnapshotEngine, StatsSample};

/// A sample from the engine's answer: memory without the inactive page cache (cgroup v1's
/// `total_inactive_file`, v2's `inactive_file`), as the docker CLI counts it.
fn sample(stats: &api::ContainerStatsResponse) -> StatsSample {
    let cpu = |stats: &Option<api::ContainerCpuStats>| {
        let total = stats
            .as_ref()
            .and_then(|s| s.cpu_usage.as_ref())
            .and_then(|u| u.total_usage)
            .unwrap_or(0);
        let system = stats.as_ref().and_then(|s| s.system_cpu_usage).unwrap_or(0);
        (total, system)
    };
    let (cpu_total, system_total) = cpu(&stats.cpu_stats);
    let (precpu_total, presystem_total) = cpu(&stats.precpu_stats);
    let online_cpus = stats
        .cpu_stats
        .as_ref()
        .and_then(|s| {
            s.online_cpus.filter(|n| *n > 0).or_else(|| {
                s.cpu_usage
                    .as_ref()
                    .and_then(|u| u.percpu_usage.as_ref())
                    .and_then(|p| u32::try_from(p.len()).ok())
            })
        })
        .unwrap_or(0);
    let memory = stats.memory_stats.as_ref();
    let usage = memory.and_then(|m| m.usage).unwrap_or(0);
    let cache = memory
        .and_then(|m| m.stats.as_ref())
        .and_then(|s| {
            s.get("total_inactive_file")
                .filter(|v| **v < usage)
                .or_else(|| s.get("inactive_file").filter(|v| **v < usage))
                .copied()
        })
        .unwrap_or(0);
    let (net_rx, net_tx) = stats
        .networks
        .iter()
        .flat_map(|n| n.values())
        .fold((0, 0), |(rx, tx), n| {
            (rx + n.rx_bytes.unwrap_or(0), tx + n.tx_bytes.unwrap_or(0))
        });
    let (block_read, block_write) = stats
        .blkio_stats
        .iter()
        .filter_map(|b| b.io_service_bytes_recursive.as_ref())
        .flatten()
        .fold((0, 0), |(read, write), entry| {
            let value = entry.value.unwrap_or(0);
            match entry.op.as_deref().map(str::to_ascii_lowercase).as_deref() {
                Some("read") => (read + value, write),
                Some("write") => (read, write + value),
                _ => (read, write),
            }
        });
    StatsSample {
        cpu_total,
        precpu_total,
        system_total,
        presystem_total,
        online_cpus,
        memory_usage: usage - cache,
        memory_limit: memory.and_then(|m| m.limit).unwrap_or(0),
        net_rx,
        net_tx,
        block_read,
        block_write,
        pids: stats
            .pids_stats
            .as_ref()
            .and_then(|p| p.current)
            .unwrap_or(0),
    }
}

impl SnapshotEngine for DockerEngine {
    async fn commit_container(
        &self,
        container: &str,
        options: &CommitOptions,
    ) -> Result<String, EngineError> {
        let query = query::CommitContainerOptions {
            container: Some(container.to_string()),
            repo: options.repository.clone(),
            tag: options.tag.clone(),
            comment: options.message.clone(),
            author: options.author.clone(),
            pause: options.pause,
            // The engine parses the changes as the lines of one Dockerfile.
            changes: (!options.changes.is_empty()).then(|| options.changes.join("\n")),
        };
        let response = self
            .client_waiting(std::time::Duration::from_secs(3600))
            .commit_container(query, api::ContainerConfig::default())
            .await
            .map_err(|error| op_error("committing container", container, error))?;
        Ok(response.id)
    }

    async fn export_container(&self, container: &str) -> Result<ArchiveStream, EngineError> {
        // A missing container is only the stream's first error: inspect first so that it is
        // this call's.
        self.docker
            .inspect_container(container, None::<query::InspectContainerOptions>)
            .await
            .map_err(|error| op_error("exporting container", container, error))?;
        let object = container.to_string();
        let stream = self
            .client_waiting(std::time::Duration::from_secs(3600))
            .export_container(container)
            .map(move |chunk| {
                chunk
                    .map(|bytes| bytes.to_vec())
                    .map_err(|error| op_error("exporting container", &object, error))
            });
        Ok(stream.boxed())
    }

    async fn container_stats(&self, container: &str) -> Result<StatsSample, EngineError> {
        let options = query::StatsOptions {
            stream: false,
            one_shot: false,
        };
        let mut stream = self
            .client_waiting(std::time::Duration::from_secs(10))
            .stats(container, Some(options));
        match stream.next().await {
            Some(Ok(stats)) => Ok(sample(&stats)),
            Some(Err(error)) => Err(op_error("reading the stats of container", container, error)),
            None => Ok(StatsSample::default()),
        }
    }
}
