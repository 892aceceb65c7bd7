//! The labels docker compose v2 puts on what it creates, so that docker compose and rcompose see
//! each other's projects (checked against docker compose 2.40.3 with `docker inspect`), and the
//! one label of rcompose's own.

pub use crate::engine::PROJECT_LABEL as PROJECT;

/// The service a container runs.
pub const SERVICE: &str = "com.docker.compose.service";
/// The replica number, from 1.
pub const CONTAINER_NUMBER: &str = "com.docker.compose.container-number";
/// `True` for `run` containers, `False` for service containers.
pub const ONEOFF: &str = "com.docker.compose.oneoff";
/// The service's config hash: when it differs from the model's, the container is recreated.
pub const CONFIG_HASH: &str = "com.docker.compose.config-hash";
pub const WORKING_DIR: &str = "com.docker.compose.project.working_dir";
/// The compose files, comma-joined.
pub const CONFIG_FILES: &str = "com.docker.compose.project.config_files";
/// `service:condition:restart`, comma-joined (`db:service_healthy:true`); empty without any.
pub const DEPENDS_ON: &str = "com.docker.compose.depends_on";
/// The version of the tool that created the object.
pub const VERSION: &str = "com.docker.compose.version";
/// The id of the image the container was created from (`sha256:...`).
pub const IMAGE: &str = "com.docker.compose.image";
/// A network's key in the compose file (`default`, `back`).
pub const NETWORK: &str = "com.docker.compose.network";
/// A volume's key in the compose file.
pub const VOLUME: &str = "com.docker.compose.volume";

/// rcompose's own: the hash of each top-level field of the service, `field=hash` comma-joined,
/// so that a changed config hash can say *which* fields changed. Each hash is the first 12 hex
/// digits of [`crate::model::legacy_config_hash`] of `{field: value}`, so it is as stable across
/// rcompose versions as the config hash itself. Docker compose ignores it.
pub const FIELD_HASHES: &str = "io.rcompose.config-hashes";

/// What `com.docker.compose.version` says on the objects rcompose creates.
pub const TOOL_VERSION: &str = env!("CARGO_PKG_VERSION");

/// `True`/`False`, as docker compose writes booleans in labels.
pub fn bool_label(value: bool) -> &'static str {
    if value {
        "True"
    } else {
        "False"
    }
}

// --- run (src/cli/run.rs)

/// The random id of a one-off (`run`) container, 64 hex digits; its name ends with the first 12.
pub const SLUG: &str = "com.docker.compose.slug";
