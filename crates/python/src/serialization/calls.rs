//! `RustJSON.dumps` / `dumps_compact` / `loads` themselves: the argument forms nearly every
//! call uses are handled here, so a call is one C call with no Python frame before it.
//!
//! On a small document the Python method in front of the extension (keyword handling,
//! `sys.getrecursionlimit()`, the BOM and encoding checks of `json.loads`) cost as much as
//! the encoding or parsing itself: about 0.4 µs of a 1 µs `dumps` or `loads` of an agent
//! message. Every other form (an unknown keyword, a non-UTF-8 or BOM-prefixed input, text
//! with lone surrogates, a wrong type) is handed, unchanged, to the module functions of
//! `crewai_rust.serialization._rust`: `_loads` handles the rare inputs as `json.loads` does,
//! and `_dumps` / `_dumps_compact` raise the stdlib's `TypeError` for an unknown keyword
//! (called with their own keywords, they come back here).

use pyo3::exceptions::{PyUnicodeDecodeError, PyUnicodeEncodeError};
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyByteArray, PyBytes, PyDict, PyString, PyTuple};

use super::{decode, dumps_bytes, dumps_str};
use crate::runtime::guarded;

/// `min(sys.getrecursionlimit(), api._DEPTH_CAP)`, as `api.max_depth()` computes it.
fn max_depth(py: Python<'_>) -> PyResult<usize> {
    static CAP: PyOnceLock<usize> = PyOnceLock::new();
    let cap = *CAP.get_or_try_init(py, || {
        py.import("crewai_rust.serialization.api")?
            .getattr("_DEPTH_CAP")?
            .extract::<usize>()
    })?;
    // SAFETY: a plain read of the interpreter's setting; we hold the interpreter.
    let limit = unsafe { ffi::Py_GetRecursionLimit() };
    Ok(usize::try_from(limit).unwrap_or(0).min(cap))
}

/// A module-level function of `crewai_rust.serialization._rust` (the full handling).
fn fallback<'py>(py: Python<'py>, name: &'static str) -> PyResult<Bound<'py, PyAny>> {
    static MODULE: PyOnceLock<Py<PyModule>> = PyOnceLock::new();
    MODULE
        .get_or_try_init(py, || {
            py.import("crewai_rust.serialization._rust")
                .map(Bound::unbind)
        })?
        .bind(py)
        .getattr(name)
}

/// `api.layout(indent, separators)`: the stdlib's reading of `indent` and `separators`.
fn layout<'py>(
    py: Python<'py>,
    indent: &Bound<'py, PyAny>,
    separators: &Bound<'py, PyAny>,
) -> PyResult<(Option<String>, String, String)> {
    static LAYOUT: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    LAYOUT
        .get_or_try_init(py, || {
            Ok::<_, PyErr>(
                py.import("crewai_rust.serialization.api")?
                    .getattr("layout")?
                    .unbind(),
            )
        })?
        .bind(py)
        .call1((indent, separators))?
        .extract()
}

/// `separators` as its two strings when it is a tuple of exactly two exact `str`s.
fn str_pair(separators: &Bound<'_, PyAny>) -> PyResult<Option<(String, String)>> {
    let Ok(pair) = separators.cast_exact::<PyTuple>() else {
        return Ok(None);
    };
    if pair.len() != 2 {
        return Ok(None);
    }
    let (a, b) = (pair.get_item(0)?, pair.get_item(1)?);
    match (a.cast_exact::<PyString>(), b.cast_exact::<PyString>()) {
        (Ok(a), Ok(b)) => Ok(Some((a.to_str()?.to_owned(), b.to_str()?.to_owned()))),
        _ => Ok(None),
    }
}

/// `json.dumps(obj, cls=CrewJSONEncoder, **kwargs)` byte for byte (see `RustJSON.dumps`).
#[pyfunction]
#[pyo3(name = "json_dumps_call", signature = (obj, **kwargs))]
fn dumps<'py>(
    py: Python<'py>,
    obj: &Bound<'py, PyAny>,
    kwargs: Option<&Bound<'py, PyDict>>,
) -> PyResult<Bound<'py, PyAny>> {
    guarded(|| {
        let none = py.None().into_bound(py);
        let (mut indent, mut separators) = (none.clone(), none);
        // ensure_ascii, allow_nan, sort_keys: truth values, as `json.dumps` tests them.
        let mut flags = [true, true, false];
        let mut default = None;
        for (key, value) in kwargs.into_iter().flatten() {
            match key.cast::<PyString>()?.to_str()? {
                "indent" => indent = value,
                "separators" => separators = value,
                "ensure_ascii" => flags[0] = value.is_truthy()?,
                "allow_nan" => flags[1] = value.is_truthy()?,
                "sort_keys" => flags[2] = value.is_truthy()?,
                "default" => default = (!value.is_none()).then_some(value),
                _ => return fallback(py, "_dumps")?.call((obj,), kwargs),
            }
        }
        let (indent, item, key) = if !indent.is_none() {
            layout(py, &indent, &separators)?
        } else if separators.is_none() {
            (None, ", ".to_owned(), ": ".to_owned())
        } else if let Some(pair) = str_pair(&separators)? {
            // What `layout` makes of a tuple of two exact strs, without the call.
            (None, pair.0, pair.1)
        } else {
            layout(py, &indent, &separators)?
        };
        let depth = max_depth(py)?;
        dumps_str(py, obj, indent, item, key, flags, default, depth).map(Bound::into_any)
    })
}

/// Compact UTF-8 JSON as `bytes` (see `RustJSON.dumps_compact`).
#[pyfunction]
#[pyo3(name = "json_dumps_compact_call", signature = (obj, **kwargs))]
fn dumps_compact<'py>(
    py: Python<'py>,
    obj: &Bound<'py, PyAny>,
    kwargs: Option<&Bound<'py, PyDict>>,
) -> PyResult<Bound<'py, PyAny>> {
    guarded(|| {
        let mut default = None;
        for (key, value) in kwargs.into_iter().flatten() {
            match key.cast::<PyString>()?.to_str()? {
                "default" => default = (!value.is_none()).then_some(value),
                _ => return fallback(py, "_dumps_compact")?.call((obj,), kwargs),
            }
        }
        dumps_bytes(py, obj, default, max_depth(py)?).map(Bound::into_any)
    })
}

/// Whether `json.detect_encoding` would answer "utf-8" for bytes starting with `b`, judged
/// conservatively: no BOM's first byte, no NUL among the first two bytes.
fn surely_utf8(b: &[u8]) -> bool {
    !matches!(b.first(), Some(0xEF | 0xFE | 0xFF)) && !b.iter().take(2).any(|&c| c == 0)
}

/// `json.loads(s)` (see `RustJSON.loads`).
#[pyfunction]
#[pyo3(name = "json_loads_call")]
fn loads<'py>(py: Python<'py>, s: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    guarded(|| {
        let common = if let Ok(text) = s.cast::<PyString>() {
            // SAFETY: a str's first code point, read once its length is known to be
            // positive; we hold the interpreter.
            let bom = unsafe {
                ffi::PyUnicode_GetLength(text.as_ptr()) > 0
                    && ffi::PyUnicode_ReadChar(text.as_ptr(), 0) == 0xFEFF
            };
            !bom
        } else if let Ok(b) = s.cast::<PyBytes>() {
            surely_utf8(b.as_bytes())
        } else if let Ok(b) = s.cast::<PyByteArray>() {
            // SAFETY: the first two bytes are copied out at once; no Python code runs meanwhile.
            surely_utf8(unsafe { &b.as_bytes()[..b.len().min(2)] })
        } else {
            false
        };
        if common {
            match decode::loads(py, s, max_depth(py)?) {
                // Lone surrogates in a str, bytes that are not UTF-8: the stdlib's own paths.
                Err(e)
                    if e.is_instance_of::<PyUnicodeEncodeError>(py)
                        || e.is_instance_of::<PyUnicodeDecodeError>(py) => {}
                result => return result,
            }
        }
        fallback(py, "_loads")?.call1((s,))
    })
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(dumps, m)?)?;
    m.add_function(wrap_pyfunction!(dumps_compact, m)?)?;
    m.add_function(wrap_pyfunction!(loads, m)?)?;
    Ok(())
}
