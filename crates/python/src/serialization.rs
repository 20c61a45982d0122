//! Bindings for the serialization component: `json_loads`, `json_dict_tables`, and (in `calls`)
//! the `RustJSON` methods `json_dumps_call`, `json_dumps_compact_call`, `json_loads_call`.
//!
//! The Python wrapper (`crewai_rust.serialization`) normalises arguments exactly as
//! `json.dumps` / `json.loads` do and calls these. Both directions hold the interpreter: the
//! input or the output is a graph of Python objects, which only the interpreter may touch; all
//! text layout and parsing happens in `crewai_rust_serialization`.

mod calls;
mod crew;
pub(crate) mod decode;
mod dict_entries;
mod dict_table;
mod encode;
mod keys;
mod layout;
mod output;
mod plan;

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString};

use crewai_rust_serialization::Format;

use crate::runtime::guarded;
use output::Target;

/// The work of `calls::dumps`: `flags` are ensure_ascii, allow_nan, sort_keys.
#[allow(clippy::too_many_arguments)]
fn dumps_str<'py>(
    py: Python<'py>,
    obj: &Bound<'py, PyAny>,
    indent: Option<String>,
    item_separator: String,
    key_separator: String,
    [ensure_ascii, allow_nan, sort_keys]: [bool; 3],
    default: Option<Bound<'py, PyAny>>,
    max_depth: usize,
) -> PyResult<Bound<'py, PyString>> {
    // Separators and indent are written as given: only with ASCII ones is the whole
    // ensure_ascii output ASCII.
    let ascii = ensure_ascii
        && indent.as_deref().is_none_or(str::is_ascii)
        && item_separator.is_ascii()
        && key_separator.is_ascii();
    let format = Format {
        indent,
        item_separator,
        key_separator,
        ensure_ascii,
        allow_nan,
        escape_surrogates: false,
    };
    // Text known to be ASCII is written straight into the str returned; other text into
    // a bytes decoded once at the end.
    let target = if ascii {
        Target::AsciiStr
    } else {
        Target::Bytes
    };
    let out = encode::Encoder::new(py, format, target, sort_keys, default, max_depth)?.run(obj)?;
    out.out.finish_str(py, out.lone_surrogates)
}

/// `calls::dumps_compact`'s work: compact UTF-8 JSON as `bytes` (no spaces, non-ASCII kept,
/// lone surrogates escaped).
fn dumps_bytes<'py>(
    py: Python<'py>,
    obj: &Bound<'py, PyAny>,
    default: Option<Bound<'py, PyAny>>,
    max_depth: usize,
) -> PyResult<Bound<'py, PyBytes>> {
    let format = Format::compact();
    let out =
        encode::Encoder::new(py, format, Target::Bytes, false, default, max_depth)?.run(obj)?;
    out.out.finish_bytes(py)
}

/// `json.loads` of a `str`, or of UTF-8 `bytes`; errors are `json.JSONDecodeError` with the
/// stdlib's message and position.
#[pyfunction]
#[pyo3(signature = (s, *, max_depth))]
fn json_loads<'py>(
    py: Python<'py>,
    s: &Bound<'py, PyAny>,
    max_depth: usize,
) -> PyResult<Bound<'py, PyAny>> {
    guarded(|| decode::loads(py, s, max_depth))
}

/// Whether `json_loads` writes dict tables whole on this interpreter (CPython 3.11-3.13 whose
/// dict layout passed the check made at first use); otherwise it inserts member by member.
#[pyfunction]
fn json_dict_tables(py: Python<'_>) -> PyResult<bool> {
    guarded(|| Ok(dict_table::available(py)))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(json_loads, m)?)?;
    calls::register(m)?;
    m.add_function(wrap_pyfunction!(json_dict_tables, m)?)?;
    Ok(())
}
