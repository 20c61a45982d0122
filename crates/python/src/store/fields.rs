//! `Record` -> the field values of a crewai `MemoryRecord` (a dict in the model's field order),
//! or the finished record itself when the caller passes the model class.
//!
//! This is the hot half of every search, listing and point read: a 1536-dim embedding is 1536
//! Python floats, each created once straight into its list slot. The other fields cost about
//! as much per record as the engine's own work for a small result, so each is made the
//! cheapest way that gives the same value: datetimes through the C API (`isodate.rs`), an
//! empty metadata object without the JSON decoder, the model instance without Python code
//! (`model.rs`).

use crewai_rust_memory::Record;
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyList, PyType};

use super::isodate::IsoDates;
use super::model::ModelMaker;
use super::objects::{SharedStrs, dict_with_keys, new_str, str_list};
use crate::serialization::decode;

/// crewai `MemoryRecord`'s fields in its declaration order: the order pydantic's own
/// validation fills `__dict__` in, which `repr` and `model_dump` follow.
pub const FIELD_NAMES: [&str; 11] = [
    "id",
    "content",
    "scope",
    "categories",
    "metadata",
    "importance",
    "created_at",
    "last_accessed",
    "embedding",
    "source",
    "private",
];

/// Nesting bound for decoding stored metadata: it was produced by `json.dumps` of a Python dict,
/// so it is always far shallower; the bound only keeps a damaged file from recursing deeply.
const METADATA_MAX_DEPTH: usize = 10_000;

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

/// `json.loads` of a record's stored metadata text (always a JSON object).
fn metadata<'py>(py: Python<'py>, text: &str) -> PyResult<Bound<'py, PyAny>> {
    if text == "{}" {
        // Most records carry no metadata: skip the decoder's setup for the empty object.
        return Ok(PyDict::new(py).into_any());
    }
    decode::loads_text(py, text, text.is_ascii(), METADATA_MAX_DEPTH)
}

/// The metadata of several records, decoded as one JSON array `[m1,m2,...]`.
///
/// A decoder call has a fixed setup (its key tables) that costs more than decoding a small
/// metadata object itself, and within one document it reuses the `str` of a key it has seen
/// (as `json.loads` does), so the records of one result share theirs. Every stored text was
/// checked to be one JSON object when it was written, so the array splits back exactly; should
/// it not (a damaged file), each text is decoded alone, raising what a single decode raises.
fn metadata_all<'py>(py: Python<'py>, recs: &[Record]) -> PyResult<Vec<Bound<'py, PyAny>>> {
    let single = || recs.iter().map(|r| metadata(py, &r.metadata)).collect();
    if recs.len() < 2 {
        return single();
    }
    let len = recs.iter().map(|r| r.metadata.len() + 1).sum::<usize>() + 1;
    let mut text = String::with_capacity(len);
    text.push('[');
    for (i, r) in recs.iter().enumerate() {
        if i > 0 {
            text.push(',');
        }
        text.push_str(&r.metadata);
    }
    text.push(']');
    let Ok(all) = decode::loads_text(py, &text, text.is_ascii(), METADATA_MAX_DEPTH + 1) else {
        return single();
    };
    match all.cast_into::<PyList>() {
        Ok(list)
            if list.len() == recs.len()
                && list.iter().all(|m| m.is_exact_instance_of::<PyDict>()) =>
        {
            Ok(list.iter().collect())
        }
        _ => single(),
    }
}

/// Builds the crewai records of one result (a search's hits, a listing, one `get`).
pub struct RecordBuilder<'py> {
    py: Python<'py>,
    dates: IsoDates<'py>,
    strs: SharedStrs<'py>,
    model: Option<ModelMaker<'py>>,
}

impl<'py> RecordBuilder<'py> {
    /// Field dicts, or with `model` instances of that (pydantic) class.
    pub fn new(py: Python<'py>, model: Option<&Bound<'py, PyType>>) -> PyResult<Self> {
        Ok(Self {
            py,
            dates: IsoDates::default(),
            strs: SharedStrs::new(),
            model: model.map(ModelMaker::new).transpose()?,
        })
    }

    /// The records `recs` in this builder's form, in order.
    pub fn build_all(&mut self, recs: Vec<Record>) -> PyResult<Vec<Bound<'py, PyAny>>> {
        let metas = metadata_all(self.py, &recs)?;
        recs.into_iter()
            .zip(metas)
            .map(|(r, meta)| {
                let d = self.fields(r, meta)?;
                match &self.model {
                    Some(m) => m.make(d),
                    None => Ok(d.into_any()),
                }
            })
            .collect()
    }

    /// The crewai `MemoryRecord` field values of `r` (with its decoded metadata), in
    /// `FIELD_NAMES` order.
    fn fields(&mut self, r: Record, meta: Bound<'py, PyAny>) -> PyResult<Bound<'py, PyDict>> {
        static TEMPLATE: PyOnceLock<Py<PyDict>> = PyOnceLock::new();
        let py = self.py;
        let d = dict_with_keys(py, &TEMPLATE, &FIELD_NAMES)?;
        d.set_item(pyo3::intern!(py, "id"), new_str(py, &r.id)?)?;
        d.set_item(pyo3::intern!(py, "content"), new_str(py, &r.content)?)?;
        d.set_item(pyo3::intern!(py, "scope"), self.strs.get(py, &r.scope)?)?;
        d.set_item(
            pyo3::intern!(py, "categories"),
            str_list(py, &r.categories, &mut self.strs)?,
        )?;
        d.set_item(pyo3::intern!(py, "metadata"), meta)?;
        d.set_item(pyo3::intern!(py, "importance"), r.importance)?;
        d.set_item(
            pyo3::intern!(py, "created_at"),
            self.dates.get(py, &r.created_at)?,
        )?;
        d.set_item(
            pyo3::intern!(py, "last_accessed"),
            self.dates.get(py, &r.last_accessed)?,
        )?;
        match r.embedding {
            Some(e) => d.set_item(pyo3::intern!(py, "embedding"), float_list(py, &e)?)?,
            None => d.set_item(pyo3::intern!(py, "embedding"), py.None())?,
        }
        match &r.source {
            Some(src) => d.set_item(pyo3::intern!(py, "source"), self.strs.get(py, src)?)?,
            None => d.set_item(pyo3::intern!(py, "source"), py.None())?,
        }
        d.set_item(pyo3::intern!(py, "private"), r.private)?;
        Ok(d)
    }
}
