//! The loader: compose files + environment → a validated, canonical project.
//! Each phase is a file, run in order by [`load`].

pub mod dotenv;
pub mod interpolate;
pub mod node;
pub mod schema;
pub mod template;
pub mod yaml;
