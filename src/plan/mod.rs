//! The reconciler's pure half: what the model asks for ([`desired`]), what the engine holds
//! ([`observed`]), and the plan between them ([`reconcile`] for `up`, [`plan_down`] for `down`).
//! A [`Plan`] is data: operations with causes and prerequisites, printable as text; the executor
//! (`crate::execute`) runs it and makes no decisions.
//!
//! - `labels.rs`: the docker compose labels, in one place;
//! - `service.rs`: one service → the [`ContainerSpec`](crate::engine::ContainerSpec) of each of
//!   its containers, field by field as docker compose v2 passes them to the engine;
//! - `desired.rs`: networks, volumes and services of the model;
//! - `observed.rs`: the snapshot of the project in the engine, and [`observe`];
//! - `op.rs`: [`Op`], [`Action`], [`Cause`], [`Plan`] and their text form;
//! - `reconcile.rs`, `down.rs`: the planners.
//!
//! ```no_run
//! # async fn up(project: &rcompose::project::Project) -> Result<(), rcompose::engine::EngineError> {
//! use rcompose::engine::DockerEngine;
//! use rcompose::execute::{execute, ExecuteOptions};
//! use rcompose::plan::{desired_state, observe_for, reconcile, Options};
//!
//! let engine = DockerEngine::connect().await?;
//! let desired = desired_state(project);
//! let observed = observe_for(&engine, &desired).await?;
//! let plan = reconcile(&desired, &observed, &Options::default());
//! print!("{plan}"); // what `--dry-run` shows
//! let report = execute(&engine, &plan, &ExecuteOptions::default(), &()).await;
//! assert!(report.is_success(), "{report}");
//! # Ok(()) }
//! ```

mod desired;
mod down;
mod json;
pub mod labels;
mod observed;
mod op;
mod reconcile;
mod service;

pub use desired::{
    config_files_label, desired_state, from_model, Desired, DesiredNetwork, DesiredVolume,
};
pub use down::{dependency_map, plan_down, DownOptions};
pub use observed::{observe, observe_for, Observed, ObservedContainer};
pub use op::{Action, Cause, ContainerRef, FieldChange, Op, OpId, Plan};
pub use reconcile::{reconcile, Options};
pub use service::{
    depends_on_label, field_hashes, field_hashes_label, parse_field_hashes, Condition, Dependency,
    DesiredService, Peers, ProjectContext, References, ServiceNetwork, VolumesFrom,
};
