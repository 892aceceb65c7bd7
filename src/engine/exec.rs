//! Processes inside containers, with their input and output: `exec` (a new process in a running
//! container) and `attach` (the main process of a container, for `run`). A separate trait from
//! [`Engine`] because only the interactive commands need it; [`DockerEngine`](super::DockerEngine)
//! implements it in `docker/exec.rs`.

use std::future::Future;
use std::pin::Pin;

use futures_util::stream::BoxStream;

use super::{Engine, EngineError, LogSource};

/// A chunk of a process's output, as the engine sends it (not split into lines).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputChunk {
    /// `Console` with a TTY (one stream), else `Stdout` or `Stderr`.
    pub source: LogSource,
    pub bytes: Vec<u8>,
}

/// A process's output until it ends; an error ends it.
pub type OutputStream = BoxStream<'static, Result<OutputChunk, EngineError>>;

/// Where the process's standard input goes; shutting it down closes the process's stdin.
pub type InputSink = Pin<Box<dyn tokio::io::AsyncWrite + Send>>;

/// The streams of an attached process.
pub struct Attached {
    pub output: OutputStream,
    pub input: InputSink,
}

/// A process to run in a running container (`docker exec`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ExecSpec {
    pub cmd: Vec<String>,
    /// `KEY=value`, added to the container's environment.
    pub env: Vec<String>,
    pub user: Option<String>,
    pub working_dir: Option<String>,
    pub privileged: bool,
    pub tty: bool,
    pub attach_stdin: bool,
    /// Attach stdout and stderr (everything but a detached exec).
    pub attach_output: bool,
}

/// An exec process as the engine reports it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ExecInfo {
    pub running: bool,
    /// `None` while it runs.
    pub exit_code: Option<i64>,
    pub pid: i64,
}

/// What `exec` and `run` need beyond [`Engine`].
pub trait ExecEngine: Engine {
    /// Creates an exec process in a running container and returns its id. A stopped container
    /// is a `Conflict`.
    fn create_exec(
        &self,
        container: &str,
        spec: &ExecSpec,
    ) -> impl Future<Output = Result<String, EngineError>> + Send;

    /// Starts an exec process: detached (`None`), or attached to its streams.
    fn start_exec(
        &self,
        exec_id: &str,
        detach: bool,
        tty: bool,
    ) -> impl Future<Output = Result<Option<Attached>, EngineError>> + Send;

    fn inspect_exec(
        &self,
        exec_id: &str,
    ) -> impl Future<Output = Result<ExecInfo, EngineError>> + Send;

    /// Sets the size of an exec process's TTY.
    fn resize_exec(
        &self,
        exec_id: &str,
        height: u16,
        width: u16,
    ) -> impl Future<Output = Result<(), EngineError>> + Send;

    /// Attaches to a container's main process (before it starts, to miss nothing): its output
    /// until it exits, and its stdin when `stdin`.
    fn attach_container(
        &self,
        container: &str,
        stdin: bool,
    ) -> impl Future<Output = Result<Attached, EngineError>> + Send;

    /// Sets the size of a container's TTY.
    fn resize_container(
        &self,
        container: &str,
        height: u16,
        width: u16,
    ) -> impl Future<Output = Result<(), EngineError>> + Send;
}
