//! A Python `str` read in place: its kind (1, 2 or 4 bytes per code point), data and length.
//!
//! Serialization hot paths read text straight from CPython's own storage instead of asking
//! for its UTF-8 form (which for a non-ASCII `str` is an encode, plus a cached copy held by
//! the object) and decoding that again. The non-limited C API makes the layout available;
//! this is the one place that depends on it. Sound for CPython 3.10-3.13, the versions wheels
//! are built for (on 3.10/3.11 a legacy `str` made through the deprecated `Py_UNICODE` API is
//! readied first); pyo3-ffi has no inline `PyUnicode_IS_ASCII` for 3.14, where this module will
//! need the function forms.

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

/// The text of `s` if it is a compact ASCII `str` (as keys and labels nearly always are):
/// two flag tests and the length, inline, where [`StrView::of`] also readies the string and
/// dispatches on its kind. `None` for any other `str`.
#[inline(always)]
pub fn compact_ascii<'a>(s: &'a Bound<'_, PyAny>) -> Option<&'a [u8]> {
    // SAFETY: `s` is a live object borrowed for 'a; the caller checked that it is a str.
    unsafe { compact_ascii_ptr(s.as_ptr()) }
}

/// [`compact_ascii`] of a borrowed pointer, for walks that hold no reference of their own.
///
/// # Safety
/// `op` is a live `str` that stays alive (and so unchanged) for `'a`.
#[inline(always)]
pub unsafe fn compact_ascii_ptr<'a>(op: *mut ffi::PyObject) -> Option<&'a [u8]> {
    // SAFETY: per the contract `op` is a live str; a compact ASCII str is always ready, its
    // characters follow the `PyASCIIObject` header, and they live as long as the object.
    unsafe {
        debug_assert!(ffi::PyUnicode_Check(op) != 0);
        if ffi::PyUnicode_IS_COMPACT_ASCII(op) == 0 {
            return None;
        }
        let len = ffi::PyUnicode_GET_LENGTH(op) as usize;
        Some(std::slice::from_raw_parts(
            op.cast::<ffi::PyASCIIObject>().add(1).cast::<u8>(),
            len,
        ))
    }
}

impl<'a> StrView<'a> {
    /// The view of `s` (any `str`, subclasses included: the storage is the base object's).
    #[inline]
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
