//! JSON text the way CPython's `json` module writes and reads it.

pub mod base64;
pub mod escape;
#[cfg(target_arch = "x86_64")]
mod escape_avx2;
pub mod escape_ucs;
#[cfg(target_arch = "x86_64")]
mod escape_vbmi;
pub mod float;
pub mod isoformat;
mod keys;
pub mod out;
mod parse;
mod stop_window;
mod unescape;
mod values;
mod writer;

pub use escape_ucs::Units;
pub use isoformat::DateTime;
pub use out::Out;
pub use parse::{Builder, parse, parse_with_ascii};
pub use unescape::{CodeUnit, Escaped};
pub use writer::{Checkpoint, Format, JsonWriter, KEY_TEXT};
