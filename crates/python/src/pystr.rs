//! A Python `str` read in place: its kind (1, 2 or 4 bytes per code point), data and length.
//!
//! Serialization hot paths read text straight from CPython's own storage instead of asking
//! for its UTF-8 form (which for a non-ASCII `str` is an encode, plus a cached copy held by
//! the object) and decoding that again. The non-limited C API makes the layout available;
//! this is the one place that depends on it. Sound for CPython 3.10-3.13 (on 3.10/3.11 a
//! legacy `str` made through the deprecated `Py_UNICODE` API is readied first).

use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::PyString;

/// The code units of a `str`, borrowed for as long as the `str` is.
#[derive(Debug, Clone, Copy)]
pub enum StrView<'a> {
    /// Pure ASCII: one byte per code point, and valid UTF-8 as it is.
    Ascii(&'a [u8]),
    /// One byte per code point, some of them U+0080..U+00FF.
    Latin1(&'a [u8]),
    Ucs2(&'a [u16]),
    Ucs4(&'a [u32]),
}

impl<'a> StrView<'a> {
    /// The view of `s` (any `str`, subclasses included: the storage is the base object's).
    pub fn of(s: &'a Bound<'_, PyString>) -> PyResult<Self> {
        let op = s.as_ptr();
        // SAFETY: `op` is a live str (the type of `Bound<PyString>` says so). READY is a no-op
        // from 3.12 and fills the canonical representation of a legacy str before; after it,
        // kind/data/length describe `length` units of `kind` bytes that the str owns and does
        // not change (str is immutable) while `s` is borrowed.
        unsafe {
            if ffi::PyUnicode_READY(op) != 0 {
                return Err(PyErr::fetch(s.py()));
            }
            let len = ffi::PyUnicode_GET_LENGTH(op) as usize;
            let data = ffi::PyUnicode_DATA(op);
            Ok(match ffi::PyUnicode_KIND(op) {
                ffi::PyUnicode_1BYTE_KIND if ffi::PyUnicode_IS_ASCII(op) != 0 => {
                    StrView::Ascii(std::slice::from_raw_parts(data.cast(), len))
                }
                ffi::PyUnicode_1BYTE_KIND => {
                    StrView::Latin1(std::slice::from_raw_parts(data.cast(), len))
                }
                ffi::PyUnicode_2BYTE_KIND => {
                    StrView::Ucs2(std::slice::from_raw_parts(data.cast(), len))
                }
                _ => StrView::Ucs4(std::slice::from_raw_parts(data.cast(), len)),
            })
        }
    }
}

/// A new `str` holding `ascii` (which must be pure ASCII), made as a compact ASCII object and
/// filled with one copy: no UTF-8 decoding pass over text known to be ASCII.
pub fn new_ascii<'py>(py: Python<'py>, ascii: &[u8]) -> PyResult<Bound<'py, PyString>> {
    debug_assert!(ascii.is_ascii());
    // SAFETY: PyUnicode_New(n, 127) returns a new compact ASCII str with room for `n` bytes
    // (and its terminator, already written); we fill exactly those `n` bytes before anyone
    // else sees the object, with ASCII only, which is what maxchar 127 promises.
    unsafe {
        let op = ffi::PyUnicode_New(ascii.len() as ffi::Py_ssize_t, 127);
        if op.is_null() {
            return Err(PyErr::fetch(py));
        }
        std::ptr::copy_nonoverlapping(
            ascii.as_ptr(),
            ffi::PyUnicode_DATA(op).cast::<u8>(),
            ascii.len(),
        );
        Ok(Bound::from_owned_ptr(py, op).cast_into_unchecked())
    }
}
