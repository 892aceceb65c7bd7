//! [`ArchiveEngine`] over bollard: `/containers/{id}/archive` (HEAD, GET, PUT).

use bollard::query_parameters as query;
use futures_util::StreamExt;

use super::container_ops::op_error;
use super::DockerEngine;
use crate::engine::{ArchiveEngine, ArchiveStream, EngineError, PathStat};

impl ArchiveEngine for DockerEngine {
    async fn stat_path(&self, container: &str, path: &str) -> Result<PathStat, EngineError> {
        let options = query::ContainerArchiveInfoOptions {
            path: path.to_string(),
        };
        let stat = self
            .docker
            .get_container_archive_info(container, Some(options))
            .await
            .map_err(|error| {
                let mut error = op_error("reading a path of container", container, error)
                    .with_context(format!(" (`{path}`)"));
                // The answer to HEAD has no body: say what the engine's 404 means.
                if let EngineError::Call { kind, message, .. } = &mut error {
                    if message.is_empty() && *kind == crate::engine::ErrorKind::NotFound {
                        *message = format!("no such file or folder: {path}");
                    }
                }
                error
            })?;
        Ok(PathStat {
            name: stat.name,
            size: stat.size,
            mode: stat.file_mode,
            link_target: stat.link_target,
        })
    }

    async fn download_archive(
        &self,
        container: &str,
        path: &str,
    ) -> Result<ArchiveStream, EngineError> {
        // A missing path is only the stream's first error: stat first so that it is this
        // call's.
        self.stat_path(container, path).await?;
        let options = query::DownloadFromContainerOptions {
            path: path.to_string(),
        };
        let object = container.to_string();
        let path = path.to_string();
        let stream = self
            .client_waiting(std::time::Duration::from_secs(3600))
            .download_from_container(container, Some(options))
            .map(move |chunk| {
                chunk.map(|bytes| bytes.to_vec()).map_err(|error| {
                    op_error("copying from container", &object, error)
                        .with_context(format!(" (`{path}`)"))
                })
            });
        Ok(stream.boxed())
    }

    async fn upload_archive(
        &self,
        container: &str,
        path: &str,
        archive: Vec<u8>,
        copy_owner: bool,
    ) -> Result<(), EngineError> {
        let options = query::UploadToContainerOptions {
            path: path.to_string(),
            no_overwrite_dir_non_dir: Some("true".to_string()),
            copy_uidgid: copy_owner.then(|| "true".to_string()),
        };
        self.client_waiting(std::time::Duration::from_secs(3600))
            .upload_to_container(container, Some(options), bollard::body_full(archive.into()))
            .await
            .map_err(|error| {
                op_error("copying into container", container, error)
                    .with_context(format!(" (`{path}`)"))
            })
    }
}
