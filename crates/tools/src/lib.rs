//! crewai-rust tools: the helpers crewai runs on every agent step, reimplemented to give the
//! very same answers as crewai 1.15's Python (agent-output parsing, tool-input decoding, fuzzy
//! tool selection, the tool-result cache, the requests-per-minute limiter). No Python here.
//!
//! json_repair's repairing parser is ported statement by statement; where an answer cannot be
//! given exactly (json5 beyond a common subset, Python syntax beyond a conservative scan, the
//! few json_repair paths not ported), the functions answer [`Decision::Undecided`] and the
//! Python layer runs crewai's own chain, so the result is identical either way.

pub mod agent_output;
pub mod cache;
pub mod difflib;
pub mod error;
pub mod json5_subset;
pub mod json_dumps;
pub mod json_plain;
pub mod json_strict;
pub mod py_literal;
pub mod py_syntax;
pub mod pychars;
pub mod rate_limit;
pub mod repair;
pub mod repair_parser;
mod repair_string;
pub mod sanitize;
pub mod select;
pub mod tool_input;
mod unicode_tables;
pub mod value;

pub use error::ToolsError;

/// The answer of a fast path: decided exactly as crewai would, or left to crewai's own code.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision<T> {
    Decided(T),
    Undecided,
}

/// Deepest nesting the parsers follow. Python's own parsers hit their recursion limit around
/// 1000 levels (and raise RecursionError, which crewai lets escape); anything this deep is
/// left to them so the error is theirs, while Rust never recurses unboundedly.
pub const MAX_DEPTH: usize = 200;
