//! `Record` -> the field values of a crewai `MemoryRecord`, as Python objects ready to become
//! the model's `__dict__` (the Python side adds the pydantic bookkeeping; see `_convert.py`).
//!
//! This is the hot half of every search, listing and point read: a 1536-dim embedding is 1536
//! Python floats, which used to be made by numpy (`ndarray.tolist()`) after a second pass
//! through a float32 array. Here each float is created once, straight into its list slot.

use crewai_rust_memory::Record;
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyList};

use crate::serialization::decode;

/// Nesting bound for decoding stored metadata: it was produced by `json.dumps` of a Python dict,
/// so it is always far shallower; the bound only keeps a damaged file from recursing deeply.
const METADATA_MAX_DEPTH: usize = 10_000;

/// `datetime.datetime.fromisoformat`, looked up once: the stored text is the `isoformat()` of
/// the datetime that was saved, so this gives back an equal datetime with the same tzinfo.
fn fromisoformat(py: Python<'_>) -> PyResult<&Bound<'_, PyAny>> {
    static FN: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    FN.get_or_try_init(py, || {
        Ok::<_, PyErr>(
            py.import("datetime")?
                .getattr("datetime")?
                .getattr("fromisoformat")?
                .unbind(),
        )
    })
    .map(|f| f.bind(py))
}

/// A Python list of floats from an f32 vector, built in place.
fn float_list<'py>(py: Python<'py>, v: &[f32]) -> PyResult<Bound<'py, PyAny>> {
    let len = ffi::Py_ssize_t::try_from(v.len())
        .map_err(|_| pyo3::exceptions::PyOverflowError::new_err("embedding too long"))?;
    // SAFETY: PyList_New returns a new reference (or NULL with an exception set, handled by
    // from_owned_ptr_or_err). Its slots start NULL; each is filled exactly once below with a
    // new float reference, which PyList_SET_ITEM steals; on a failed float the list is dropped
    // with its remaining slots NULL, which list deallocation allows. The non-limited macros are
    // used because this build is per CPython version (not abi3): one C call per float instead
    // of a pyo3 conversion plus a bounds-checked PyList_SetItem each.
    unsafe {
        let list = Bound::from_owned_ptr_or_err(py, ffi::PyList_New(len))?;
        for (i, &x) in v.iter().enumerate() {
            let f = ffi::PyFloat_FromDouble(f64::from(x));
            if f.is_null() {
                return Err(PyErr::fetch(py));
            }
            ffi::PyList_SET_ITEM(list.as_ptr(), i as ffi::Py_ssize_t, f);
        }
        Ok(list)
    }
}

/// The crewai `MemoryRecord` fields of `r`, in the model's field order (the order pydantic's
/// own validation fills `__dict__` in, which `repr` follows).
pub fn to_fields<'py>(py: Python<'py>, r: Record) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item(pyo3::intern!(py, "id"), r.id)?;
    d.set_item(pyo3::intern!(py, "content"), r.content)?;
    d.set_item(pyo3::intern!(py, "scope"), r.scope)?;
    d.set_item(
        pyo3::intern!(py, "categories"),
        PyList::new(py, r.categories)?,
    )?;
    let meta = decode::loads_text(py, &r.metadata, r.metadata.is_ascii(), METADATA_MAX_DEPTH)?;
    d.set_item(pyo3::intern!(py, "metadata"), meta)?;
    d.set_item(pyo3::intern!(py, "importance"), r.importance)?;
    let parse = fromisoformat(py)?;
    d.set_item(
        pyo3::intern!(py, "created_at"),
        parse.call1((r.created_at,))?,
    )?;
    d.set_item(
        pyo3::intern!(py, "last_accessed"),
        parse.call1((r.last_accessed,))?,
    )?;
    match r.embedding {
        Some(e) => d.set_item(pyo3::intern!(py, "embedding"), float_list(py, &e)?)?,
        None => d.set_item(pyo3::intern!(py, "embedding"), py.None())?,
    }
    d.set_item(pyo3::intern!(py, "source"), r.source)?;
    d.set_item(pyo3::intern!(py, "private"), r.private)?;
    Ok(d)
}
