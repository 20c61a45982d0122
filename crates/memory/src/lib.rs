//! crewai-rust memory: an embedded vector + metadata store for crewai's unified memory.
//! Pure Rust, no Python; `crates/python/src/store.rs` binds it as `crewai_rust._core.MemoryStore`.
//!
//! Layout: [`wal`] (the file: log + compaction + lock), [`state`] (in-memory image and indexes),
//! [`search`] / [`queries`] (reads), [`store`] (threads, processes, durability).

mod codes;
mod error;
mod filters;
mod hnsw;
mod hybrid;
mod index_build;
mod index_file;
mod postings;
#[cfg(feature = "probe")]
pub mod probe;
mod queries;
mod scope;
mod search;
mod state;
mod store;
pub mod text;
mod validate;
mod vector;
mod wal;

pub use crewai_rust_serialization::record::Record;
pub use error::{MemoryError, Result};
pub use filters::{json_equal, parse_filter};
pub use hybrid::{HybridQuery, TextSearchQuery};
pub use queries::{DeleteCriteria, ScopeInfo};
pub use scope::{child_of, in_scope, normalise_prefix};
pub use search::SearchQuery;
pub use store::{Durability, Store};
