//! Bindings for the serialization component: `json_dumps`, `json_dumps_compact`, `json_loads`.
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

/// `json.dumps(obj, cls=CrewJSONEncoder, ...)` byte for byte. `default=None` applies crewai's
/// encoder rules (pydantic models, UUID/Decimal/Enum, datetime/date, bytes); a callable
/// replaces them, as it does in the stdlib.
#[pyfunction]
#[pyo3(signature = (obj, indent, item_separator, key_separator, ensure_ascii, allow_nan, sort_keys, default, max_depth))]
#[allow(clippy::too_many_arguments)]
fn json_dumps<'py>(
    py: Python<'py>,
    obj: &Bound<'py, PyAny>,
    indent: Option<String>,
    item_separator: String,
    key_separator: String,
    ensure_ascii: bool,
    allow_nan: bool,
    sort_keys: bool,
    default: Option<Bound<'py, PyAny>>,
    max_depth: usize,
) -> PyResult<Bound<'py, PyString>> {
    guarded(|| {
        dumps_str(
            py,
            obj,
            indent,
            item_separator,
            key_separator,
            [ensure_ascii, allow_nan, sort_keys],
            default,
            max_depth,
        )
    })
}

/// The work of `json_dumps` (and of `calls::dumps`): `flags` are ensure_ascii, allow_nan,
/// sort_keys.
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

/// `dumps_compact`'s work (also `calls::dumps_compact`'s).
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

/// Compact UTF-8 JSON as `bytes` (no spaces, non-ASCII kept, lone surrogates escaped), with
/// the same type rules as `json_dumps`.
#[pyfunction]
#[pyo3(signature = (obj, default, max_depth))]
fn json_dumps_compact<'py>(
    py: Python<'py>,
    obj: &Bound<'py, PyAny>,
    default: Option<Bound<'py, PyAny>>,
    max_depth: usize,
) -> PyResult<Bound<'py, PyBytes>> {
    guarded(|| dumps_bytes(py, obj, default, max_depth))
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
    m.add_function(wrap_pyfunction!(json_dumps, m)?)?;
    m.add_function(wrap_pyfunction!(json_dumps_compact, m)?)?;
    m.add_function(wrap_pyfunction!(json_loads, m)?)?;
    calls::register(m)?;
    m.add_function(wrap_pyfunction!(json_dict_tables, m)?)?;
    Ok(())
}
