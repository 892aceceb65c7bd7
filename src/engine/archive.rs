//! Files in and out of a container (`cp`), through the engine's archive API: tar streams.

use std::future::Future;

use futures_util::stream::BoxStream;

use super::{Engine, EngineError};

/// What the engine says about a path in a container.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PathStat {
    pub name: String,
    pub size: i64,
    /// Go's `os.FileMode` bits: permissions, and the kind in the high bits.
    pub mode: u32,
    /// Where a symbolic link points, empty otherwise.
    pub link_target: String,
}

impl PathStat {
    const MODE_DIR: u32 = 1 << 31;
    const MODE_SYMLINK: u32 = 1 << 27;

    pub fn is_dir(&self) -> bool {
        self.mode & Self::MODE_DIR != 0
    }

    pub fn is_symlink(&self) -> bool {
        self.mode & Self::MODE_SYMLINK != 0
    }
}

/// A tar archive, chunk by chunk.
pub type ArchiveStream = BoxStream<'static, Result<Vec<u8>, EngineError>>;

pub trait ArchiveEngine: Engine {
    /// Stats `path` in the container; a missing path is `NotFound`.
    fn stat_path(
        &self,
        container: &str,
        path: &str,
    ) -> impl Future<Output = Result<PathStat, EngineError>> + Send;

    /// A tar of `path` in the container, its top entry named after the path's last component.
    fn download_archive(
        &self,
        container: &str,
        path: &str,
    ) -> impl Future<Output = Result<ArchiveStream, EngineError>> + Send;

    /// Extracts the tar `archive` into the directory `path` of the container. `copy_owner` keeps
    /// the archive's uid/gid, else the files belong to the container's root.
    fn upload_archive(
        &self,
        container: &str,
        path: &str,
        archive: Vec<u8>,
        copy_owner: bool,
    ) -> impl Future<Output = Result<(), EngineError>> + Send;
}
