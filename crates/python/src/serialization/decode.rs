//! `json.loads`: the pure parser drives a builder that creates the Python objects directly.
//!
//! The extension is built per CPython version, so this module uses the non-limited C API where
//! it is the hot path: an ASCII `str` is parsed in place from its own buffer, and every string
//! is allocated once at its final width (`PyUnicode_New`) and filled directly, instead of
//! going through UTF-8 and `PyUnicode_FromStringAndSize`, which decodes it again.

use std::vec::Drain;

use pyo3::exceptions::PyTypeError;
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyByteArray, PyBytes, PyFloat, PyString};

use crewai_rust_serialization::{Builder, Escaped, parse_with_ascii};

use super::dict_table::{self, Table};
use crate::errors::{SerializationFailure, serialization_error};
use crate::pystr::StrView;

pub fn loads<'py>(
    py: Python<'py>,
    s: &Bound<'py, PyAny>,
    max_depth: usize,
) -> PyResult<Bound<'py, PyAny>> {
    let owned;
    let (text, ascii): (&str, bool) = if let Ok(st) = s.cast::<PyString>() {
        match ascii_str_data(st)? {
            Some(text) => (text, true),
            // Non-ASCII text is read through its UTF-8 form, which CPython caches on the str.
            None => (st.to_str()?, false),
        }
    } else if let Ok(b) = s.cast::<PyBytes>() {
        let text =
            std::str::from_utf8(b.as_bytes()).map_err(|e| utf8_error(py, b.as_bytes(), e))?;
        (text, text.is_ascii())
    } else if let Ok(b) = s.cast::<PyByteArray>() {
        owned = b.to_vec();
        let text = std::str::from_utf8(&owned).map_err(|e| utf8_error(py, &owned, e))?;
        (text, text.is_ascii())
    } else {
        return Err(PyTypeError::new_err(format!(
            "the JSON object must be str, bytes or bytearray, not {}",
            s.get_type().name()?
        )));
    };
    loads_text(py, text, ascii, max_depth)
}

/// `json.loads` of text already in Rust (`ascii`: whether it is all ASCII), e.g. a stored
/// record's metadata, without first wrapping it in a Python `str`.
pub fn loads_text<'py>(
    py: Python<'py>,
    text: &str,
    ascii: bool,
    max_depth: usize,
) -> PyResult<Bound<'py, PyAny>> {
    let mut builder = PyBuilder {
        py,
        ascii,
        keys: Vec::new(),
        values: Vec::new(),
        members: Vec::new(),
    };
    parse_with_ascii(text, ascii, &mut builder, max_depth).map_err(|e| match *e.0 {
        SerializationFailure::Rust(e) => serialization_error(e, Some(text)),
        SerializationFailure::Python(e) => e,
    })
}

/// The characters of an ASCII `str`, borrowed from the object itself (an ASCII str stores one
/// byte per character, which is valid UTF-8); `None` for any other str.
fn ascii_str_data<'a>(s: &'a Bound<'_, PyString>) -> PyResult<Option<&'a str>> {
    Ok(match StrView::of(s)? {
        // SAFETY: an ASCII str's units are all < 0x80, which is valid UTF-8 as it is.
        StrView::Ascii(bytes) => Some(unsafe { std::str::from_utf8_unchecked(bytes) }),
        _ => None,
    })
}

fn utf8_error(py: Python<'_>, bytes: &[u8], _: std::str::Utf8Error) -> PyErr {
    // The exact UnicodeDecodeError CPython raises for these bytes.
    match PyBytes::new(py, bytes).call_method1("decode", ("utf-8",)) {
        Err(e) => e,
        Ok(_) => PyErr::new::<pyo3::exceptions::PyUnicodeDecodeError, _>("invalid UTF-8"),
    }
}

/// A new str of `len` characters of width class `max_char` (0x7f, 0xff, 0xffff, 0x10ffff),
/// filled by `fill` through whichever code-unit slice that width uses.
#[inline(always)]
fn new_str<'py>(
    py: Python<'py>,
    len: usize,
    max_char: u32,
    fill: impl FnOnce(StrUnits<'_>),
) -> PyResult<Bound<'py, PyAny>> {
    // SAFETY: PyUnicode_New returns a new, uninitialised compact str of exactly `len`
    // characters (or NULL with an exception set); its data buffer holds `len` units of the
    // kind it reports, and nothing else can see the object before we return it. The empty
    // str is a shared singleton, but a zero-length slice writes nothing to it.
    unsafe {
        let op = ffi::PyUnicode_New(len as ffi::Py_ssize_t, max_char);
        if op.is_null() {
            return Err(PyErr::fetch(py));
        }
        let data = ffi::PyUnicode_DATA(op);
        match ffi::PyUnicode_KIND(op) {
            ffi::PyUnicode_1BYTE_KIND => fill(StrUnits::One(std::slice::from_raw_parts_mut(
                data.cast(),
                len,
            ))),
            ffi::PyUnicode_2BYTE_KIND => fill(StrUnits::Two(std::slice::from_raw_parts_mut(
                data.cast(),
                len,
            ))),
            _ => fill(StrUnits::Four(std::slice::from_raw_parts_mut(
                data.cast(),
                len,
            ))),
        }
        Ok(Bound::from_owned_ptr(py, op))
    }
}

enum StrUnits<'a> {
    One(&'a mut [u8]),
    Two(&'a mut [u16]),
    Four(&'a mut [u32]),
}

/// An ASCII str from ASCII bytes: one allocation and a copy (what CPython's own decoder ends
/// up doing, minus its scan for non-ASCII bytes).
#[inline(always)]
fn ascii_str<'py>(py: Python<'py>, s: &str) -> PyResult<Bound<'py, PyAny>> {
    debug_assert!(s.is_ascii());
    let len = s.len();
    // SAFETY: PyUnicode_New with maximum character 0x7f returns a new compact ASCII str of
    // exactly `len` characters (or NULL with an exception set), whose one-byte data follows
    // its `PyASCIIObject` header (what `PyUnicode_DATA` computes for such a str, without
    // testing its kind bits); nothing else sees the object before we return it. The empty
    // str is a shared singleton, but a zero-length copy writes nothing to it.
    unsafe {
        let op = ffi::PyUnicode_New(len as ffi::Py_ssize_t, 0x7f);
        if op.is_null() {
            return Err(PyErr::fetch(py));
        }
        debug_assert_eq!(ffi::PyUnicode_KIND(op), ffi::PyUnicode_1BYTE_KIND);
        let data = op
            .cast::<u8>()
            .add(std::mem::size_of::<ffi::PyASCIIObject>());
        copy_bytes(std::slice::from_raw_parts_mut(data, len), s.as_bytes());
        Ok(Bound::from_owned_ptr(py, op))
    }
}

/// `out.copy_from_slice(src)` with short copies done inline as two overlapping fixed-size
/// loads and stores: most strings of a model's fields (ids, timestamps, names) are under 32
/// bytes, where the call into libc's `memcpy` cost more than the copy.
#[inline(always)]
fn copy_bytes(out: &mut [u8], src: &[u8]) {
    let n = src.len();
    assert_eq!(out.len(), n, "copy between slices of different lengths");
    let (s, d) = (src.as_ptr(), out.as_mut_ptr());
    // SAFETY: both slices hold `n` bytes; each arm reads and writes `W`-byte words at
    // offsets 0 and `n - W` with `W <= n`, inside both (unaligned accesses, as the pointers
    // have no alignment).
    unsafe {
        macro_rules! two {
            ($t:ty, $w:expr) => {{
                let head = s.cast::<$t>().read_unaligned();
                let tail = s.add(n - $w).cast::<$t>().read_unaligned();
                d.cast::<$t>().write_unaligned(head);
                d.add(n - $w).cast::<$t>().write_unaligned(tail);
            }};
        }
        match n {
            0 => {}
            1..=3 => {
                *d = *s;
                *d.add(n / 2) = *s.add(n / 2);
                *d.add(n - 1) = *s.add(n - 1);
            }
            4..=7 => two!(u32, 4),
            8..=15 => two!(u64, 8),
            16..=32 => two!(u128, 16),
            _ => std::ptr::copy_nonoverlapping(s, d, n),
        }
    }
}

struct PyBuilder<'py> {
    py: Python<'py>,
    /// The whole document is ASCII, so every unescaped string is.
    ascii: bool,
    /// The str made for each key the reader numbered, by its number: a model's field names
    /// are then one str each per document, whose hash Python computes once.
    keys: Vec<Option<Bound<'py, PyAny>>>,
    /// The str made for each slot of the reader's value memo: a repeated short value (a
    /// category, a stage) is then one str per document, not one allocation per occurrence.
    values: Vec<Option<Bound<'py, PyAny>>>,
    /// The members of the objects being read, innermost last: a dict is built whole when
    /// its object closes (`dict_table`), its table at its final size.
    members: Vec<(Bound<'py, PyAny>, Bound<'py, PyAny>)>,
}

/// A failure while building, boxed: every value the reader passes up is a `Result` of this
/// error, and boxed it is one pointer, so a value and its end offset come back in two
/// registers instead of through memory (errors are rare; their allocation does not matter).
struct Failure(Box<SerializationFailure>);

impl From<crewai_rust_serialization::Error> for Failure {
    #[cold]
    fn from(e: crewai_rust_serialization::Error) -> Self {
        Self(Box::new(e.into()))
    }
}

impl From<PyErr> for Failure {
    #[cold]
    fn from(e: PyErr) -> Self {
        Self(Box::new(e.into()))
    }
}

type R<'py> = Result<Bound<'py, PyAny>, Failure>;

impl<'py> Builder for PyBuilder<'py> {
    type Value = Bound<'py, PyAny>;
    type Error = Failure;

    #[inline]
    fn null(&mut self) -> R<'py> {
        Ok(self.py.None().into_bound(self.py))
    }
    #[inline]
    fn bool(&mut self, b: bool) -> R<'py> {
        Ok(PyBool::new(self.py, b).to_owned().into_any())
    }
    #[inline]
    fn int(&mut self, i: i64) -> R<'py> {
        Ok(i.into_pyobject(self.py).map_err(PyErr::from)?.into_any())
    }
    fn big_int(&mut self, digits: &str) -> R<'py> {
        // int() itself, so the interpreter's digit limit applies exactly as in json.loads.
        let int = self.py.get_type::<pyo3::types::PyInt>();
        Ok(int.call1((digits,))?)
    }
    #[inline]
    fn float(&mut self, x: f64) -> R<'py> {
        Ok(PyFloat::new(self.py, x).into_any())
    }
    #[inline(always)]
    fn str(&mut self, s: &str) -> R<'py> {
        if self.ascii || s.is_ascii() {
            return Ok(ascii_str(self.py, s)?);
        }
        Ok(PyString::new(self.py, s).into_any())
    }
    #[inline(always)]
    fn escaped(&mut self, s: &Escaped<'_>) -> R<'py> {
        Ok(new_str(
            self.py,
            s.len(),
            s.max_char(),
            |units| match units {
                StrUnits::One(out) => s.write(out),
                StrUnits::Two(out) => s.write(out),
                StrUnits::Four(out) => s.write(out),
            },
        )?)
    }
    // Always inlined (at its one call site): left to the compiler it stayed a call, and the
    // records and flow state read about 4% slower.
    #[inline(always)]
    fn memo_str(&mut self, slot: u32, seen: bool, s: &str) -> R<'py> {
        let slot = slot as usize;
        if seen && let Some(Some(v)) = self.values.get(slot) {
            return Ok(v.clone());
        }
        let v = self.str(s)?;
        if self.values.len() <= slot {
            self.values.resize(slot + 1, None);
        }
        self.values[slot] = Some(v.clone());
        Ok(v)
    }
    #[inline(always)]
    fn known_key(&mut self, id: u32, s: &str) -> R<'py> {
        let id = id as usize;
        if let Some(Some(v)) = self.keys.get(id) {
            return Ok(v.clone());
        }
        let v = self.str(s)?;
        if self.keys.len() <= id {
            self.keys.resize(id + 1, None);
        }
        self.keys[id] = Some(v.clone());
        Ok(v)
    }
    #[inline]
    fn array(&mut self, items: Drain<'_, Self::Value>) -> R<'py> {
        // The items are moved out of the drain's slice by pointer and the drain is then
        // forgotten: its iterator, length and drop stayed out-of-line calls in the `fast`
        // profile (about 1% of the records' time, two small lists a record).
        let n = items.as_slice().len();
        // SAFETY: PyList_New(n) returns a new list of n NULL slots (or NULL with an
        // exception set, when `items` is dropped as usual). Each of the n items is then
        // read exactly once out of the drain's slice, its reference handed to the list's
        // slot k by `into_ptr`, before anything else can see the list; the drain is then
        // forgotten instead of dropped, so no item is dropped twice, and since it drains
        // the vector to its end there is no tail for its drop to move back (the vector was
        // already shortened to the drain's start when the drain was made).
        unsafe {
            let op = ffi::PyList_New(n as ffi::Py_ssize_t);
            if op.is_null() {
                return Err(PyErr::fetch(self.py).into());
            }
            let src = items.as_slice().as_ptr();
            let mut k = 0;
            while k < n {
                let v = std::ptr::read(src.add(k));
                ffi::PyList_SET_ITEM(op, k as ffi::Py_ssize_t, v.into_ptr());
                k += 1;
            }
            std::mem::forget(items);
            Ok(Bound::from_owned_ptr(self.py, op))
        }
    }
    /// Where the object's members start on `members`.
    type Object = usize;
    #[inline]
    fn object_start(&mut self) -> Result<Self::Object, Failure> {
        Ok(self.members.len())
    }
    #[inline(always)]
    fn object_member(
        &mut self,
        _: &mut Self::Object,
        k: Self::Value,
        v: Self::Value,
    ) -> Result<(), Failure> {
        self.members.push((k, v));
        Ok(())
    }
    #[inline]
    fn object_end(&mut self, base: Self::Object) -> R<'py> {
        let pairs = &self.members[base..];
        if pairs.is_empty() {
            // SAFETY: PyDict_New returns a new dict or NULL with an exception set.
            return unsafe { owned(self.py, ffi::PyDict_New()) };
        }
        // SAFETY: the interpreter is held; every key the reader hands over is an exact str.
        match unsafe { dict_table::build(pairs) } {
            // SAFETY: the dict took each pair's references, so the pairs are forgotten, not
            // dropped: `set_len` shortens the vector without running their destructors; the
            // dict is a new reference.
            Table::Built(dict) => unsafe {
                self.members.set_len(base);
                Ok(Bound::from_owned_ptr(self.py, dict))
            },
            Table::Failed => Err(PyErr::fetch(self.py).into()),
            Table::Declined => self.inserted(base),
        }
    }
}

impl<'py> PyBuilder<'py> {
    /// The dict of the members from `base` on, filled by `PyDict_SetItem` in order (a
    /// repeated key's last value wins at its first position), as `json.loads` fills it.
    #[inline(never)]
    fn inserted(&mut self, base: usize) -> R<'py> {
        // SAFETY: PyDict_New returns a new dict or NULL with an exception set.
        let dict = unsafe { owned(self.py, ffi::PyDict_New())? };
        for (k, v) in self.members.drain(base..) {
            // SAFETY: all three are live objects we hold, `dict` an exact dict we made;
            // PyDict_SetItem takes its own references.
            if unsafe { ffi::PyDict_SetItem(dict.as_ptr(), k.as_ptr(), v.as_ptr()) } != 0 {
                return Err(PyErr::fetch(self.py).into());
            }
        }
        Ok(dict)
    }
}

/// A new reference from a C call as a `Bound`, or the Python error it set.
///
/// # Safety
/// `op` is a new reference or NULL with an exception set.
#[inline(always)]
unsafe fn owned<'py>(py: Python<'py>, op: *mut ffi::PyObject) -> R<'py> {
    if op.is_null() {
        return Err(PyErr::fetch(py).into());
    }
    // SAFETY: a new reference (contract), owned by the Bound from here.
    Ok(unsafe { Bound::from_owned_ptr(py, op) })
}
