//! The crate's one error type; `crates/python/src/errors.rs` maps each variant once.

/// Everything that can go wrong while writing or reading JSON.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// Malformed JSON text. `msg` and `pos` (a character index into the document, as CPython
    /// counts it) are exactly what `json.JSONDecodeError` reports for the same input.
    #[error("{msg}: char {pos}")]
    Decode { msg: &'static str, pos: usize },
    /// A float that JSON cannot represent while `allow_nan` is off (the stdlib's ValueError).
    #[error("Out of range float values are not JSON compliant")]
    NonFiniteFloat,
    /// Nesting deeper than the caller's limit (the interpreter's recursion limit).
    #[error("maximum recursion depth exceeded while {0}")]
    Depth(&'static str),
}
