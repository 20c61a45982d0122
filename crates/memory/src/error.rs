//! The one error type of the memory crate; `crates/python/src/errors.rs` maps each variant.

use std::io;

/// Everything that can go wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum MemoryError {
    /// A bad argument or record; nothing was stored.
    #[error("{0}")]
    InvalidInput(String),
    /// An embedding or query whose length differs from the store's dimension.
    #[error("embedding dimension mismatch: store has {stored}, got {got}")]
    DimensionMismatch { stored: usize, got: usize },
    /// The filesystem failed (the message says what the store was doing).
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: io::Error,
    },
    /// The files are damaged somewhere a crash cannot have left them.
    #[error("corrupt memory store {path}: {detail}")]
    Corrupt { path: String, detail: String },
    /// Another process held the lock longer than the timeout.
    #[error("memory store {0} is locked by another process (timed out waiting)")]
    Locked(String),
    /// The store was closed.
    #[error("store is closed")]
    Closed,
    /// The directory holds the Python reference engine's store, which this engine cannot read
    /// (the message names the file and what to do).
    #[error("{0}")]
    OtherEngine(String),
}

impl MemoryError {
    pub(crate) fn io(context: impl Into<String>) -> impl FnOnce(io::Error) -> Self {
        let context = context.into();
        move |source| Self::Io { context, source }
    }
}

pub type Result<T> = std::result::Result<T, MemoryError>;
