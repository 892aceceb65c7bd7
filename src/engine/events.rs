//! The engine's event stream, scoped to one project (`events`): what happens to its containers
//! (create, start, die, kill, pause, ...), as it happens.

use std::future::Future;

use futures_util::stream::BoxStream;

use super::{Engine, EngineError, Labels, ProjectFilter};

/// One event of the engine.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EngineEvent {
    /// `container`, `network`, `volume`, `image`, ...
    pub kind: String,
    /// `start`, `die`, `kill`, `exec_start: sh`, ...
    pub action: String,
    /// The object's id.
    pub actor_id: String,
    /// The object's labels and the event's own attributes (`name`, `image`, `exitCode`, ...).
    pub attributes: Labels,
    /// Nanoseconds since the Unix epoch.
    pub time_nanos: i64,
}

/// Events as they come; an error ends the stream.
pub type EventStream = BoxStream<'static, Result<EngineEvent, EngineError>>;

pub trait EventEngine: Engine {
    /// The events of the project's objects from now (or `since`) on, until `until` when given,
    /// else without end. `since`/`until` take what the engine does: Unix seconds, RFC 3339, or
    /// a duration such as `10m`.
    fn project_events(
        &self,
        filter: &ProjectFilter,
        since: Option<&str>,
        until: Option<&str>,
    ) -> impl Future<Output = Result<EventStream, EngineError>> + Send;
}
