//! The small Python objects of a record, made the cheapest way that gives the same values.
//!
//! A record's strs, its categories list and its field dict cost more than the engine's own
//! work for it once a result holds more than a few records. The extension is built per CPython
//! version, so the non-limited C API is used where it saves work: an ASCII str is allocated at
//! its final size and copied (no UTF-8 decoding pass), a list is filled in place, the field
//! dict is a copy of a template that already has every key (no resize while 11 keys go in).

use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyString};

/// A `str` with the characters of `s`.
pub fn new_str<'py>(py: Python<'py>, s: &str) -> PyResult<Bound<'py, PyString>> {
    if !s.is_ascii() {
        return Ok(PyString::new(py, s));
    }
    // SAFETY: PyUnicode_New returns a new, uninitialised compact ASCII str of exactly
    // `s.len()` one-byte characters (or NULL with an exception set); the copy fills all of
    // them before anything else can see the object. The empty str is a shared singleton, and
    // copying zero bytes into it writes nothing.
    unsafe {
        let op = ffi::PyUnicode_New(s.len() as ffi::Py_ssize_t, 0x7f);
        if op.is_null() {
            return Err(PyErr::fetch(py));
        }
        std::ptr::copy_nonoverlapping(s.as_ptr(), ffi::PyUnicode_DATA(op).cast::<u8>(), s.len());
        Ok(Bound::from_owned_ptr(py, op).cast_into_unchecked())
    }
}

/// Strs that repeat across the records of one result (scopes, sources, categories), made once
/// each. Only equality of these values is part of crewai's contract, never their identity, and
/// `json.loads` shares the keys of one document the same way. A small direct-mapped table: a
/// collision only means making the str again.
pub struct SharedStrs<'py> {
    slots: Vec<Option<(String, Bound<'py, PyString>)>>,
}

/// Slots of the table (a power of two); strs longer than `SHARED_MAX_LEN` are not shared.
const SLOTS: usize = 64;
const SHARED_MAX_LEN: usize = 64;

impl<'py> SharedStrs<'py> {
    pub fn new() -> Self {
        Self {
            slots: (0..SLOTS).map(|_| None).collect(),
        }
    }

    /// The str of `s`, shared with earlier equal ones when it is short.
    pub fn get(&mut self, py: Python<'py>, s: &str) -> PyResult<Bound<'py, PyString>> {
        if s.len() > SHARED_MAX_LEN {
            return new_str(py, s);
        }
        let slot = &mut self.slots[(word_hash(s.as_bytes()) as usize) & (SLOTS - 1)];
        if let Some((text, obj)) = slot
            && text == s
        {
            return Ok(obj.clone());
        }
        let obj = new_str(py, s)?;
        *slot = Some((s.to_owned(), obj.clone()));
        Ok(obj)
    }
}

/// A multiplicative hash taking eight bytes a step (scopes are ~30 bytes; a byte-wise hash
/// cost more than making the str). Only picks a table slot: equal texts are still compared.
fn word_hash(b: &[u8]) -> u64 {
    const K: u64 = 0x517c_c1b7_2722_0a95;
    let mut h = b.len() as u64;
    let mut chunks = b.chunks_exact(8);
    for c in &mut chunks {
        let w = u64::from_le_bytes(c.try_into().expect("8 bytes"));
        h = (h.rotate_left(5) ^ w).wrapping_mul(K);
    }
    let mut tail = [0u8; 8];
    tail[..chunks.remainder().len()].copy_from_slice(chunks.remainder());
    h = (h.rotate_left(5) ^ u64::from_le_bytes(tail)).wrapping_mul(K);
    h ^ (h >> 29)
}

/// A list of the strs of `items` (shared through `strs`), filled in place.
pub fn str_list<'py>(
    py: Python<'py>,
    items: &[String],
    strs: &mut SharedStrs<'py>,
) -> PyResult<Bound<'py, PyAny>> {
    // SAFETY: PyList_New returns a new list (or NULL with an exception set) whose slots start
    // NULL; each is set exactly once with a new reference, which PyList_SET_ITEM steals. On an
    // error the list is dropped with its remaining slots NULL, which list deallocation allows.
    unsafe {
        let list =
            Bound::from_owned_ptr_or_err(py, ffi::PyList_New(items.len() as ffi::Py_ssize_t))?;
        for (i, s) in items.iter().enumerate() {
            let item = strs.get(py, s)?;
            ffi::PyList_SET_ITEM(list.as_ptr(), i as ffi::Py_ssize_t, item.into_ptr());
        }
        Ok(list)
    }
}

/// A new dict holding `keys` (each mapped to None, in that order), sized for all of them:
/// setting the keys again replaces values in place instead of growing the table twice.
pub fn dict_with_keys<'py>(
    py: Python<'py>,
    template: &'static PyOnceLock<Py<PyDict>>,
    keys: &[&str],
) -> PyResult<Bound<'py, PyDict>> {
    let t = template.get_or_try_init(py, || {
        let d = PyDict::new(py);
        for k in keys {
            d.set_item(PyString::intern(py, k), py.None())?;
        }
        Ok::<_, PyErr>(d.unbind())
    })?;
    // SAFETY: PyDict_Copy returns a new dict (or NULL with an exception set); the template is
    // never handed out, so nothing else mutates it.
    unsafe {
        Ok(Bound::from_owned_ptr_or_err(py, ffi::PyDict_Copy(t.as_ptr()))?.cast_into_unchecked())
    }
}
