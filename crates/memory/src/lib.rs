//! crewai-rust memory: pure Rust, no Python.

pub mod text;
