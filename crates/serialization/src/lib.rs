//! crewai-rust serialization: pure Rust, no Python.
