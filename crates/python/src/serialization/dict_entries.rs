//! An exact dict's entries read in place from its key table on CPython 3.11-3.13, without a
//! `PyDict_Next` call per entry.
//!
//! `PyDict_Next` is an exported function with its own checks: about 46 instructions a call,
//! the largest single item of writing a small dict (183 of the ~797 instructions of a
//! `{"role", "content", "turn"}` message, four calls a dict). Inlined, the step for a
//! combined table (what a dict display or `dict()` builds) is a dozen. The keys object's
//! layout (a header, the index array, then the entries) is CPython's internal
//! `pycore_dict.h`, not API: it has been the same on 3.11, 3.12 and 3.13 (3.10's differs),
//! so it is used only there, not on free-threaded builds (whose dicts need their lock), and
//! only after it has been checked once per process against dicts whose entries are known.
//! Anything else, and every split table (an instance `__dict__` sharing its class's keys),
//! goes through `PyDict_Next`. Each step re-reads the dict's current table and entry count
//! and returns the position after the entry, exactly as `PyDict_Next` does, so the two may
//! take turns on one dict and code that changes the dict between steps is seen the same
//! way: a step never reads a table the dict no longer holds.

use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyDict;

/// `PyDictKeysObject`'s header on 3.11-3.13 (`dk_indices` is where the index array starts;
/// the entries follow it, `1 << dk_log2_index_bytes` bytes on).
#[repr(C)]
struct Keys {
    _dk_refcnt: ffi::Py_ssize_t,
    _dk_log2_size: u8,
    dk_log2_index_bytes: u8,
    dk_kind: u8,
    _dk_version: u32,
    _dk_usable: ffi::Py_ssize_t,
    dk_nentries: ffi::Py_ssize_t,
    dk_indices: [u8; 0],
}

/// `dk_kind` of a table whose keys may be any object: entries hold the hash too.
const DICT_KEYS_GENERAL: u8 = 0;

/// `PyDictKeyEntry`: an entry of a general table.
#[repr(C)]
struct Entry {
    _hash: ffi::Py_hash_t,
    key: *mut ffi::PyObject,
    value: *mut ffi::PyObject,
}

/// `PyDictUnicodeEntry`: an entry of a table of str keys (the hash is the str's own).
#[repr(C)]
struct UnicodeEntry {
    key: *mut ffi::PyObject,
    value: *mut ffi::PyObject,
}

static IN_PLACE: PyOnceLock<bool> = PyOnceLock::new();

/// Whether `next` may read tables in place in this process (checked on first use).
pub fn in_place(py: Python<'_>) -> bool {
    *IN_PLACE.get_or_init(py, || verify(py).unwrap_or(false))
}

/// The entry of `d` at or after `*pos` as the dict's own borrowed references, advancing
/// `*pos` past it; `None` at the end. What `PyDict_Next` returns, read in place when
/// `in_place` (the answer of [`in_place`]) and the table is combined.
///
/// # Safety
/// `d` is a live exact dict (or subclass instance) and the interpreter is held; `*pos` is
/// 0 or a position this function or `PyDict_Next` returned for `d`. The references stay
/// valid only until code that may change the dict runs.
#[inline(always)]
pub unsafe fn next(
    in_place: bool,
    d: *mut ffi::PyObject,
    pos: &mut ffi::Py_ssize_t,
) -> Option<(*mut ffi::PyObject, *mut ffi::PyObject)> {
    // SAFETY: `d` is a live dict (the caller's contract), so its object struct is
    // `PyDictObject`; with `in_place` the keys object has the verified layout, and entries
    // below `dk_nentries` are inside its allocation.
    unsafe {
        let mp = d.cast::<ffi::PyDictObject>();
        if !in_place || !(*mp).ma_values.is_null() {
            return next_by_call(d, pos);
        }
        let keys = (*mp).ma_keys.cast::<Keys>();
        let n = (*keys).dk_nentries;
        let entries = (&raw const (*keys).dk_indices)
            .cast::<u8>()
            .add(1usize << (*keys).dk_log2_index_bytes);
        let mut i = (*pos).max(0);
        if (*keys).dk_kind == DICT_KEYS_GENERAL {
            let entries = entries.cast::<Entry>();
            while i < n {
                let e = &*entries.add(i as usize);
                i += 1;
                if !e.value.is_null() {
                    *pos = i;
                    return Some((e.key, e.value));
                }
            }
        } else {
            let entries = entries.cast::<UnicodeEntry>();
            while i < n {
                let e = &*entries.add(i as usize);
                i += 1;
                if !e.value.is_null() {
                    *pos = i;
                    return Some((e.key, e.value));
                }
            }
        }
        None
    }
}

/// `PyDict_Next` itself, out of line (split tables and the fallback).
#[inline(never)]
unsafe fn next_by_call(
    d: *mut ffi::PyObject,
    pos: &mut ffi::Py_ssize_t,
) -> Option<(*mut ffi::PyObject, *mut ffi::PyObject)> {
    let (mut key, mut value) = (std::ptr::null_mut(), std::ptr::null_mut());
    // SAFETY: `d` is a live dict; PyDict_Next checks `pos` against the dict's current size.
    (unsafe { ffi::PyDict_Next(d, pos, &mut key, &mut value) } != 0).then_some((key, value))
}

/// Whether this interpreter is one whose tables have the layout read here, and reading a
/// few dicts in place gives exactly what `PyDict_Next` gives: a str-keys table with a
/// deleted entry, a general table (int keys), and one large enough for 2-byte indices.
fn verify(py: Python<'_>) -> PyResult<bool> {
    let version = py.version_info();
    if !((3, 11)..(3, 14)).contains(&(version.major, version.minor)) {
        return Ok(false);
    }
    let free_threaded = py
        .import("sysconfig")?
        .call_method1("get_config_var", ("Py_GIL_DISABLED",))?
        .is_truthy()?;
    if free_threaded {
        return Ok(false);
    }
    let strs = PyDict::new(py);
    for (i, k) in ["a", "b", "c", "d"].into_iter().enumerate() {
        strs.set_item(k, i)?;
    }
    strs.del_item("b")?;
    let general = PyDict::new(py);
    for i in 0..5 {
        general.set_item(i, i * 10)?;
    }
    general.del_item(0)?;
    let large = PyDict::new(py);
    for i in 0..300 {
        large.set_item(format!("k{i}"), i)?;
    }
    for (d, entries) in [(&strs, 4), (&general, 5), (&large, 300)] {
        if !same_entries(d, entries) {
            return Ok(false);
        }
    }
    Ok(true)
}

/// `d`'s table has the kind and entry count (`entries`, deleted ones included) its making
/// gave it, and both ways of walking it give the same entries (compared as pointers).
fn same_entries(d: &Bound<'_, PyDict>, entries: ffi::Py_ssize_t) -> bool {
    let (mut a, mut b) = (0, 0);
    loop {
        // SAFETY: `d` is a live dict only this function touches; positions come from the
        // walks themselves. Before the in-place walk's first step, its table's kind must be
        // one of the three CPython defines, or the layout is not the one read here.
        let (x, y) = unsafe {
            if a == 0 {
                let keys = (*d.as_ptr().cast::<ffi::PyDictObject>())
                    .ma_keys
                    .cast::<Keys>();
                if (*keys).dk_kind > 2 || (*keys).dk_nentries != entries {
                    return false;
                }
            }
            (
                next(true, d.as_ptr(), &mut a),
                next_by_call(d.as_ptr(), &mut b),
            )
        };
        if x != y || a != b {
            return false;
        }
        if x.is_none() {
            return true;
        }
    }
}
