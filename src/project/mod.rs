//! The loader: compose files + environment → a validated, canonical project.
//! Each phase is a file, run in order by [`load`] (see `pipeline.rs`).

pub mod canonical;
pub mod checks;
pub mod dotenv;
pub mod extends;
pub mod include;
pub mod interpolate;
pub mod merge;
pub mod node;
mod pipeline;
pub mod profiles;
pub mod schema;
pub mod source;
pub mod template;
pub mod yaml;

pub use pipeline::{load, LoadOptions, Loaded, Project};
