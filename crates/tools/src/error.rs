//! The crate's one error type; `crates/python/src/errors.rs` maps it to Python exceptions.

use thiserror::Error;

/// Everything in this crate that can fail for a reason the caller must hear about.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum ToolsError {
    /// A constructor argument is out of range (a negative limit, a zero period...).
    #[error("invalid configuration: {0}")]
    InvalidConfig(String),
}
