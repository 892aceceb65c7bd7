//! What `attach` asks beyond [`ExecEngine`](super::ExecEngine)'s attach (made for `run`, before
//! the container starts): attaching to a container already running, with the engine's detach
//! key sequence, and knowing whether it has a TTY.

use std::future::Future;

use super::exec::Attached;
use super::{Engine, EngineError};

pub trait AttachEngine: Engine {
    /// Attaches to a running container's main process: its output from now on (until it exits
    /// or `detach_keys` are typed on its stdin), and its stdin when `stdin`. The second value
    /// says whether the container has a TTY.
    fn attach_running(
        &self,
        container: &str,
        stdin: bool,
        detach_keys: Option<&str>,
    ) -> impl Future<Output = Result<(Attached, bool), EngineError>> + Send;
}
