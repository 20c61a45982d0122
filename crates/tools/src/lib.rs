//! crewai-rust tools: pure Rust, no Python.
