//! Full-text search for the store: tokenizer, incremental inverted index with BM25, and the
//! fusion of BM25 with vector similarity for hybrid recall. The pure-Python reference
//! (`crewai_rust.memory.text`) implements exactly the same definitions.

pub mod fusion;
pub mod index;
pub mod stopwords;
pub mod tables;
pub mod tokenizer;

pub use fusion::{Candidate, DEFAULT_TEXT_WEIGHT, candidate_pool, fuse, fuse_by, valid_weight};
pub use index::{Bm25Params, DocHasher, DocSet, Query, TextIndex};
pub use tokenizer::{Language, Tokenizer};
