//! crewai-rust serialization: pure Rust, no Python.
//!
//! `json` writes and reads JSON exactly the way CPython's `json` module does (float repr,
//! escaping, separators, indentation, decode errors with the same message and position), so
//! the binding can stand in for `json.dumps(obj, cls=CrewJSONEncoder)` / `json.loads` byte
//! for byte.

// --- json (crewai-exact JSON) ---
mod error;
pub mod json;

pub use error::Error;
pub use json::{
    Builder, Checkpoint, CodeUnit, DateTime, Escaped, Format, JsonWriter, KEY_TEXT, Out, Units,
    parse, parse_with_ascii,
};
// --- end json ---

// The versioned record codec the memory store writes (FORMAT.md).
pub mod record;
