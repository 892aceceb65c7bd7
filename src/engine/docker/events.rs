//! [`EventEngine`] over bollard: `/events`, filtered by the project label.

use std::collections::HashMap;

use bollard::query_parameters as query;
use futures_util::StreamExt;

use super::container_ops::op_error;
use super::DockerEngine;
use crate::engine::{EngineError, EngineEvent, EventEngine, EventStream, ProjectFilter};

impl EventEngine for DockerEngine {
    async fn project_events(
        &self,
        filter: &ProjectFilter,
        since: Option<&str>,
        until: Option<&str>,
    ) -> Result<EventStream, EngineError> {
        let options = query::EventsOptions {
            since: since.map(String::from),
            until: until.map(String::from),
            filters: Some(HashMap::from([(
                "label".to_string(),
                filter.label_filters(),
            )])),
        };
        let project = filter.project().to_string();
        // An event stream is quiet for as long as nothing happens: no request timeout.
        let stream = self
            .client_waiting(std::time::Duration::from_secs(365 * 24 * 3600))
            .events(Some(options))
            .map(move |item| match item {
                Ok(message) => {
                    let actor = message.actor.unwrap_or_default();
                    Ok(EngineEvent {
                        kind: message.typ.map(|t| t.to_string()).unwrap_or_default(),
                        action: message.action.unwrap_or_default(),
                        actor_id: actor.id.unwrap_or_default(),
                        attributes: actor.attributes.unwrap_or_default().into_iter().collect(),
                        time_nanos: message
                            .time_nano
                            .filter(|nanos| *nanos != 0)
                            .or_else(|| message.time.map(|s| s.saturating_mul(1_000_000_000)))
                            .unwrap_or_default(),
                    })
                }
                Err(error) => Err(op_error("reading the events of project", &project, error)),
            });
        Ok(stream.boxed())
    }
}
