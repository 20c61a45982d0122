//! crewai-rust memory: pure Rust, no Python.
