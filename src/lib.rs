//! rcompose: a Docker Compose orchestrator. `project` loads compose files into a validated
//! canonical model; `cli` is the command line on top.

pub mod build;
pub mod cli;
pub mod diag;
pub mod engine;
pub mod execute;
pub mod graph;
pub mod heap;
pub mod model;
pub mod plan;
pub mod project;
