//! Building images: the engine's build API with the classic builder (API 1.41, no BuildKit
//! session). The build context is a tar made by the caller (`crate::build::context`); the
//! engine's output comes back line by line as it builds.

use std::collections::BTreeMap;
use std::future::Future;

use super::{Engine, EngineError, ErrorKind, Labels};

/// What to build: the engine's `/build` parameters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BuildSpec {
    /// The tag of the built image (`<project>-<service>`, or the service's `image`).
    pub tag: String,
    /// The Dockerfile's path inside the context tar.
    pub dockerfile: String,
    /// A remote context (a git or tarball URL) the engine fetches itself; then no tar is sent.
    pub remote: Option<String>,
    pub build_args: BTreeMap<String, String>,
    /// The stage to stop at.
    pub target: Option<String>,
    pub labels: Labels,
    pub cache_from: Vec<String>,
    /// The network of the `RUN` steps (`host`, `none`, a network's name).
    pub network_mode: Option<String>,
    /// `/dev/shm` of the `RUN` steps, in bytes.
    pub shm_size: Option<u64>,
    /// `host:ip` entries for `/etc/hosts` of the `RUN` steps.
    pub extra_hosts: Vec<String>,
    pub no_cache: bool,
    /// Pull a newer version of the base images.
    pub pull: bool,
    /// The engine's `q`: only the image id comes back.
    pub quiet: bool,
}

/// One piece of a build's output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BuildOutput {
    /// Text of the build, as the engine streams it (may hold several lines, or part of one).
    Text(String),
    /// A status line (pulling a base image with `pull`).
    Status(String),
}

/// An engine that builds images.
pub trait BuildEngine: Engine {
    /// Builds `spec` from `context` (a tar; `None` with a remote context), handing every piece
    /// of output to `on_output` as it comes, and returns the built image's id. A failed step or
    /// a bad Dockerfile is an error carrying the engine's message.
    fn build_image(
        &self,
        spec: &BuildSpec,
        context: Option<Vec<u8>>,
        on_output: &mut (dyn FnMut(BuildOutput) + Send),
    ) -> impl Future<Output = Result<String, EngineError>> + Send;
}

/// An error of a build of `tag`: "building image `tag`: message".
pub fn build_error(tag: &str, kind: ErrorKind, message: impl Into<String>) -> EngineError {
    let message: String = message.into();
    EngineError::Call {
        action: "building image".to_string(),
        object: tag.to_string(),
        context: String::new(),
        kind,
        message: message.trim_end().trim_end_matches('.').to_string(),
    }
}
