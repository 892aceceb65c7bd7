//! The service dependency graph (petgraph): ordering and cycle detection.
