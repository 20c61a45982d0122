//! crewai-rust serialization: pure Rust, no Python.
pub mod record;
