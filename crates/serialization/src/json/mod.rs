//! JSON text the way CPython's `json` module writes and reads it.

pub mod base64;
pub mod escape;
pub mod float;
pub mod isoformat;
mod parse;
mod unescape;
mod writer;

pub use isoformat::DateTime;
pub use parse::{Builder, parse, parse_with_ascii};
pub use unescape::{CodeUnit, Escaped};
pub use writer::{Checkpoint, Format, JsonWriter};
