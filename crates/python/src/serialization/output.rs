//! The encoder's output buffer is the Python object it returns: a `bytes` (UTF-8) or, for
//! output known to be ASCII, a compact ASCII `str`, grown and finally shrunk in place.
//!
//! Building the text in a Rust buffer and copying it into a new object at the end costs a
//! second pass over the whole output (and a second large allocation) that, on a
//! megabyte-sized document, is a large share of the time; CPython's own resize functions
//! (`_PyBytes_Resize`, `PyUnicode_Resize`, both `realloc`) let the object be the buffer.

use pyo3::exceptions::PyMemoryError;
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString};

use crewai_rust_serialization::Out;

use crate::runtime::Raise;

/// `finish` keeps an allocation whose unused part is at most this fraction (1/8) of it.
const KEEP_SLACK: usize = 8;

/// Which object the text is written into.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Bytes,
    /// A compact ASCII str (`PyUnicode_New(n, 127)`): the text must be pure ASCII.
    AsciiStr,
}

/// A `bytes` or ASCII `str` object, exclusively ours (reference count 1, never shown to
/// Python code) until `finish`, whose size is the capacity and whose first `len` bytes are
/// the text.
pub struct PyOut {
    obj: *mut ffi::PyObject,
    target: Target,
    ptr: *mut u8,
    len: usize,
    cap: usize,
}

impl PyOut {
    pub fn new(py: Python<'_>, target: Target, capacity: usize) -> PyResult<Self> {
        // Never zero: a zero-length str would be the shared empty-string singleton.
        let cap = capacity.max(16);
        // SAFETY: plain constructors; a NULL result has set the Python error.
        let obj = unsafe {
            match target {
                Target::Bytes => {
                    ffi::PyBytes_FromStringAndSize(std::ptr::null(), cap as ffi::Py_ssize_t)
                }
                Target::AsciiStr => ffi::PyUnicode_New(cap as ffi::Py_ssize_t, 127),
            }
        };
        if obj.is_null() {
            return Err(PyErr::fetch(py));
        }
        let mut out = Self {
            obj,
            target,
            ptr: std::ptr::null_mut(),
            len: 0,
            cap,
        };
        out.ptr = out.data();
        Ok(out)
    }

    /// The object's character/byte storage.
    fn data(&self) -> *mut u8 {
        // SAFETY: `obj` is a live object of the target's type.
        unsafe {
            match self.target {
                Target::Bytes => ffi::PyBytes_AS_STRING(self.obj).cast_mut().cast(),
                Target::AsciiStr => ffi::PyUnicode_DATA(self.obj).cast(),
            }
        }
    }

    /// Resize the object to `size` bytes/characters, keeping its first `min(len, size)`.
    fn resize(&mut self, size: usize) -> PyResult<()> {
        // SAFETY: `obj` has reference count 1, is not interned and its hash is not computed
        // (no Python code ever saw it), which is what both resize functions require. On
        // failure `_PyBytes_Resize` has released the object and set it to NULL, while
        // `PyUnicode_Resize` leaves it as it was; either way `obj` stays ours or NULL.
        let rc = unsafe {
            match self.target {
                Target::Bytes => ffi::_PyBytes_Resize(&mut self.obj, size as ffi::Py_ssize_t),
                Target::AsciiStr => ffi::PyUnicode_Resize(&mut self.obj, size as ffi::Py_ssize_t),
            }
        };
        if rc != 0 {
            // SAFETY: the error is set by the failed resize; we hold the interpreter.
            return Err(unsafe { PyErr::fetch(Python::assume_attached()) });
        }
        self.cap = size;
        self.ptr = self.data();
        Ok(())
    }

    /// The finished text as its object.
    pub fn finish<'py>(mut self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        if self.len != self.cap {
            if self.cap - self.len <= self.cap / KEEP_SLACK {
                self.set_size_keeping_allocation();
            } else {
                self.resize(self.len)?;
            }
        }
        let obj = std::mem::replace(&mut self.obj, std::ptr::null_mut());
        // SAFETY: a complete object holding exactly the text, now handed to Python.
        Ok(unsafe { Bound::from_owned_ptr(py, obj) })
    }

    /// Make the object's size `len` without reallocating it: the allocation keeps its
    /// capacity (at most `1 / KEEP_SLACK` of it unused) until the object is freed.
    ///
    /// Shrinking a large buffer with `realloc` is what makes repeated dumps slow: glibc
    /// serves an allocation above its mmap threshold with a fresh `mmap`, shrinks it with
    /// `mremap` and, when it is freed, raises the threshold only to the shrunk size, which
    /// is below the next dump's first capacity (the last size plus an eighth). Every dump
    /// of a megabyte then maps fresh pages and faults on each of them (256 faults, about
    /// 1 ms for a 1 MB document, eight times the time of the writing itself). Freed at
    /// its full size, the block raises the threshold above the next request, which is then
    /// served from the heap, warm.
    fn set_size_keeping_allocation(&mut self) {
        // SAFETY: `obj` is our exclusive, never-shown object of the target's type with
        // storage for `cap >= len` units plus the terminating NUL, so writing the NUL at
        // `len` stays inside it. A bytes object's size is its `ob_size`; a compact ASCII
        // str's is its `length` (the hash is still unset, -1, and the UTF-8 form of an
        // ASCII str is its data). Both deallocate with one `PyObject_Free` whatever the
        // size, so the unused tail is released with the object.
        unsafe {
            match self.target {
                Target::Bytes => {
                    (*self.obj.cast::<ffi::PyVarObject>()).ob_size = self.len as ffi::Py_ssize_t
                }
                Target::AsciiStr => {
                    (*self.obj.cast::<ffi::PyASCIIObject>()).length = self.len as ffi::Py_ssize_t
                }
            }
            self.ptr.add(self.len).write(0);
        }
        self.cap = self.len;
    }

    /// The finished text as a `bytes`.
    pub fn finish_bytes<'py>(self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        debug_assert!(self.target == Target::Bytes);
        // SAFETY: the target is bytes.
        Ok(unsafe { self.finish(py)?.cast_into_unchecked() })
    }

    /// The finished text as a `str`: the ASCII str itself, or the bytes decoded as UTF-8
    /// (`surrogatepass` lets lone surrogates written in their 3-byte form through).
    pub fn finish_str<'py>(
        self,
        py: Python<'py>,
        surrogates: bool,
    ) -> PyResult<Bound<'py, PyString>> {
        if self.target == Target::AsciiStr {
            // SAFETY: the target is str.
            return Ok(unsafe { self.finish(py)?.cast_into_unchecked() });
        }
        let errors: &std::ffi::CStr = if surrogates {
            c"surrogatepass"
        } else {
            c"strict"
        };
        // SAFETY: decodes `len` initialised bytes of our buffer into a new str.
        unsafe {
            let s = ffi::PyUnicode_DecodeUTF8(
                self.ptr.cast(),
                self.len as ffi::Py_ssize_t,
                errors.as_ptr(),
            );
            if s.is_null() {
                return Err(PyErr::fetch(py));
            }
            Ok(Bound::from_owned_ptr(py, s).cast_into_unchecked())
        }
    }
}

impl Drop for PyOut {
    fn drop(&mut self) {
        if !self.obj.is_null() {
            // SAFETY: our own reference; the encoder only runs attached to the interpreter,
            // and a bytes/str deallocates the same whatever its (unused) contents.
            unsafe { ffi::Py_DECREF(self.obj) };
        }
    }
}

// SAFETY: `ptr..ptr + cap` is the object's storage (re-read after every resize), the first
// `len` bytes are what was written, and `grow` keeps them.
unsafe impl Out for PyOut {
    #[inline(always)]
    fn len(&self) -> usize {
        self.len
    }
    #[inline(always)]
    fn capacity(&self) -> usize {
        self.cap
    }
    #[inline(always)]
    fn as_ptr(&self) -> *const u8 {
        self.ptr
    }
    #[inline(always)]
    fn as_mut_ptr(&mut self) -> *mut u8 {
        self.ptr
    }
    #[cold]
    fn grow(&mut self, additional: usize) {
        // Py_ssize_t bounds every size; past it the request cannot be met at all.
        const MAX: usize = isize::MAX as usize;
        let need = self.len.saturating_add(additional);
        let result = if need > MAX {
            Err(PyMemoryError::new_err(format!(
                "cannot grow the JSON output to {need} bytes"
            )))
        } else {
            // Doubling keeps appends amortised; if that much is not available, an eighth
            // more than is needed may still be (not the bare need, which would make every
            // later append a failed and a successful realloc). Only a str survives a failed
            // resize: `_PyBytes_Resize` frees the object, so bytes raise at once.
            let want = need.max(self.cap.saturating_mul(2).min(MAX));
            self.resize(want).or_else(|e| {
                let modest = need.saturating_add(need / 8).min(want);
                if want > modest && !self.obj.is_null() {
                    self.resize(modest)
                } else {
                    Err(e)
                }
            })
        };
        if let Err(e) = result {
            // The writer's appends have no error path: unwind with the Python error, which
            // `guarded` raises as is (MemoryError); `Drop` releases the object.
            std::panic::resume_unwind(Box::new(Raise(e)));
        }
    }
    #[inline(always)]
    unsafe fn set_len(&mut self, len: usize) {
        self.len = len;
    }
}
