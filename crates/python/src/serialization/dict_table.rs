//! A JSON object's dict built whole: the str-keys table CPython's own inserts end with, written
//! in one pass (CPython 3.11-3.13), instead of one `PyDict_SetItem` per member.
//!
//! `json.loads` fills each dict by inserts: every member is a lookup for an equal key, a probe
//! for a free slot and a version bump (about 200 instructions), and a dict of six members or
//! more regrows its table from 8 slots to 16 (more for larger ones), rebuilding the index each
//! time. With all of an object's members read, the final table is known up front: this
//! module allocates it at the size the inserts would have grown it to, places each key by
//! CPython's own probe sequence and moves the references in. The result is the dict the inserts
//! make (same table size, so `sys.getsizeof` agrees; same order; tracked by the GC exactly when
//! a member is a container), built for a few instructions a member. Two keys of one hash
//! (a repeated key, or a true collision) leave the object to the inserts.
//!
//! `PyDictKeysObject` is private to CPython, so this depends on its layout: it is the same on
//! 3.11, 3.12 and 3.13 without free threading (the `cfg`s below), and is checked once per
//! process against dicts CPython built ([`enabled`]); if anything differs, or on 3.10 (another
//! layout) and other interpreters, [`build`] declines and the caller inserts as before.

use pyo3::ffi;
use pyo3::prelude::*;

/// What [`build`] did with the members.
pub enum Table {
    /// A new dict holding them: the references of every key and value moved into it.
    Built(*mut ffi::PyObject),
    /// Not built (two keys of one hash, too many members, another layout): nothing taken.
    Declined,
    /// CPython could not allocate; the Python exception is set, nothing taken.
    Failed,
}

/// Builds the dict of `pairs`, in order, as inserting them one by one would. Declines when two
/// keys have the same hash (equal keys always do), so any repeated key is left to the inserts.
///
/// # Safety
/// The interpreter must be held; every key must be an exact `str`. On [`Table::Built`] the
/// dict owns one reference of each key and value, which the caller must give up without a
/// decref (e.g. by forgetting the pairs).
#[inline]
pub unsafe fn build(pairs: &[(Bound<'_, PyAny>, Bound<'_, PyAny>)]) -> Table {
    #[cfg(all(Py_3_11, not(Py_3_14), not(Py_GIL_DISABLED), not(PyPy), not(GraalPy)))]
    {
        if pairs.len() <= imp::MAX_MEMBERS && imp::enabled() {
            // SAFETY: forwarded from this function's contract.
            return unsafe { imp::build(pairs) };
        }
    }
    let _ = pairs;
    Table::Declined
}

/// Whether [`build`] can build on this interpreter (the layout check runs now if it has not).
pub fn available(_: Python<'_>) -> bool {
    #[cfg(all(Py_3_11, not(Py_3_14), not(Py_GIL_DISABLED), not(PyPy), not(GraalPy)))]
    {
        imp::enabled()
    }
    #[cfg(not(all(Py_3_11, not(Py_3_14), not(Py_GIL_DISABLED), not(PyPy), not(GraalPy))))]
    {
        false
    }
}

#[cfg(all(Py_3_11, not(Py_3_14), not(Py_GIL_DISABLED), not(PyPy), not(GraalPy)))]
mod imp {
    use std::sync::atomic::{AtomicU8, Ordering};

    use pyo3::ffi;
    use pyo3::prelude::*;

    use super::Table;

    /// `struct _dictkeysobject` of `Include/internal/pycore_dict.h`, identical on 3.11, 3.12
    /// and 3.13 without `Py_GIL_DISABLED` (which adds a mutex after `dk_kind`); the index
    /// array follows it, then the entries.
    #[repr(C)]
    struct Keys {
        dk_refcnt: ffi::Py_ssize_t,
        dk_log2_size: u8,
        dk_log2_index_bytes: u8,
        dk_kind: u8,
        dk_version: u32,
        dk_usable: ffi::Py_ssize_t,
        dk_nentries: ffi::Py_ssize_t,
    }
    const _: () = assert!(std::mem::size_of::<Keys>() == 32);

    /// `PyDictUnicodeEntry`: a str-keys table stores no hash (the key's cached one is used).
    #[repr(C)]
    #[derive(Clone, Copy)]
    struct Entry {
        key: *mut ffi::PyObject,
        value: *mut ffi::PyObject,
    }

    /// `DICT_KEYS_UNICODE`.
    const UNICODE: u8 = 1;
    /// `PyDict_LOG_MINSIZE`: the 8-slot table the first insert makes.
    const LOG2_MINSIZE: u8 = 3;
    /// Tables of up to 2^15 slots (one- and two-byte indices); larger objects are inserted.
    pub const MAX_MEMBERS: usize = (1 << 15) * 2 / 3;

    /// `USABLE_FRACTION`: how many entries a table of `1 << log2` slots holds.
    fn usable(log2: u8) -> usize {
        (1usize << log2) * 2 / 3
    }

    /// The table size (log2) that `n` inserts into an empty dict end with: the first makes 8
    /// slots; an insert into a full table grows it to the smallest power of two of at least
    /// `GROWTH_RATE` = 3 x the members so far (`insertion_resize`).
    pub fn log2_size(n: usize) -> u8 {
        let mut log2 = LOG2_MINSIZE;
        while n > usable(log2) {
            let min = usable(log2) * 3;
            log2 = (usize::BITS - (min - 1).leading_zeros()) as u8;
        }
        log2
    }

    /// `dk_log2_index_bytes`: one-byte indices below 256 slots, two-byte below 65,536.
    fn log2_index_bytes(log2: u8) -> u8 {
        if log2 < 8 { log2 } else { log2 + 1 }
    }

    /// Where the entries start, after the header and the index array.
    fn entries_offset(log2: u8) -> usize {
        std::mem::size_of::<Keys>() + (1usize << log2_index_bytes(log2))
    }

    /// The table's allocator: the one `new_keys_object` uses, since `free_keys_object` frees
    /// it with its counterpart (and `PYTHONMALLOC=debug` checks the pairing): the object
    /// allocator on 3.11 and 3.12, the raw-memory one on 3.13.
    unsafe fn alloc(size: usize) -> *mut u8 {
        // SAFETY: a plain allocation under the interpreter (the caller holds it).
        unsafe {
            #[cfg(not(Py_3_13))]
            let p = ffi::PyObject_Malloc(size);
            #[cfg(Py_3_13)]
            let p = ffi::PyMem_Malloc(size);
            p.cast()
        }
    }

    unsafe fn free(p: *mut u8) {
        // SAFETY: `p` came from `alloc` and was never handed to CPython.
        unsafe {
            #[cfg(not(Py_3_13))]
            ffi::PyObject_Free(p.cast());
            #[cfg(Py_3_13)]
            ffi::PyMem_Free(p.cast());
        }
    }

    /// One index slot of width 1 or 2 bytes (`dictkeys_get_index` / `set_index`).
    trait Index: Copy {
        unsafe fn get(base: *const u8, i: usize) -> isize;
        unsafe fn set(base: *mut u8, i: usize, ix: usize);
    }
    impl Index for i8 {
        #[inline(always)]
        unsafe fn get(base: *const u8, i: usize) -> isize {
            // SAFETY: the caller's `i` is below the table's slot count.
            unsafe { *base.cast::<i8>().add(i) as isize }
        }
        #[inline(always)]
        unsafe fn set(base: *mut u8, i: usize, ix: usize) {
            // SAFETY: as in `get`; `ix` < usable(log2) <= 85 fits.
            unsafe { *base.cast::<i8>().add(i) = ix as i8 }
        }
    }
    impl Index for i16 {
        #[inline(always)]
        unsafe fn get(base: *const u8, i: usize) -> isize {
            // SAFETY: as for `i8`; the index array is 8-byte aligned (it follows the header
            // at the start of an allocation), so its two-byte slots are aligned.
            unsafe { *base.cast::<i16>().add(i) as isize }
        }
        #[inline(always)]
        unsafe fn set(base: *mut u8, i: usize, ix: usize) {
            // SAFETY: as in `get`; `ix` < MAX_MEMBERS fits in i16.
            unsafe { *base.cast::<i16>().add(i) = ix as i16 }
        }
    }

    /// The slot `find_empty_slot` (and `build_indices_unicode`) picks for `hash`: the first
    /// empty one of CPython's probe sequence. `None` when a key already placed has the same
    /// hash: it may be the same text (equal strs hash alike; the reader may make two strs of
    /// one text), which an insert would have replaced, so the caller declines.
    #[inline(always)]
    unsafe fn slot<I: Index>(
        idx: *const u8,
        entries: *const Entry,
        mask: usize,
        hash: ffi::Py_hash_t,
    ) -> Option<usize> {
        let mut i = hash as usize & mask;
        let mut perturb = hash as usize;
        loop {
            // SAFETY: `i <= mask` is a slot; a non-negative index names a written entry.
            let ix = unsafe { I::get(idx, i) };
            if ix < 0 {
                return Some(i);
            }
            // SAFETY: as above; a placed key is a live exact str whose hash is computed.
            let other_hash = unsafe {
                let other = (*entries.add(ix as usize)).key;
                (*other.cast::<ffi::PyASCIIObject>()).hash
            };
            if other_hash == hash {
                return None;
            }
            perturb >>= 5;
            i = (i.wrapping_mul(5).wrapping_add(perturb).wrapping_add(1)) & mask;
        }
    }

    /// A key's hash: its cached one (the reader's keys are hashed by their first insert or
    /// lookup), computed once if not yet.
    #[inline(always)]
    unsafe fn key_hash(key: *mut ffi::PyObject) -> ffi::Py_hash_t {
        // SAFETY: `key` is an exact str, whose header is a `PyASCIIObject`.
        let h = unsafe { (*key.cast::<ffi::PyASCIIObject>()).hash };
        if h != -1 {
            return h;
        }
        // SAFETY: a live object; a str's hash cannot fail (it returns -1 only with an error).
        unsafe { ffi::PyObject_Hash(key) }
    }

    /// Places every member; `None` on two keys of one hash (the caller frees the table and
    /// declines, and the inserts settle them), else whether a value is of a GC type (the
    /// dict must then be tracked, as an insert's `MAINTAIN_TRACKING` would: keys are strs,
    /// and the values the reader makes are strs, numbers, None, lists and dicts).
    #[inline(always)]
    unsafe fn place<I: Index>(
        keys: *mut u8,
        log2: u8,
        pairs: &[(Bound<'_, PyAny>, Bound<'_, PyAny>)],
    ) -> Result<Option<bool>, ()> {
        let mask = (1usize << log2) - 1;
        // SAFETY: `keys` holds the header, the index array and `usable(log2) >= pairs.len()`
        // entries (allocated by the caller at `log2`).
        unsafe {
            let idx = keys.add(std::mem::size_of::<Keys>());
            let entries = keys.add(entries_offset(log2)).cast::<Entry>();
            let mut gc = false;
            for (j, (k, v)) in pairs.iter().enumerate() {
                let key = k.as_ptr();
                let hash = key_hash(key);
                if hash == -1 {
                    return Err(());
                }
                let Some(i) = slot::<I>(idx, entries, mask, hash) else {
                    return Ok(None);
                };
                I::set(idx, i, j);
                let value = v.as_ptr();
                gc |= ffi::PyType_IS_GC(ffi::Py_TYPE(value)) != 0;
                *entries.add(j) = Entry { key, value };
            }
            Ok(Some(gc))
        }
    }

    /// [`super::build`] on a layout checked by [`enabled`].
    ///
    /// # Safety
    /// As [`super::build`]; `pairs.len() <= MAX_MEMBERS`.
    pub unsafe fn build(pairs: &[(Bound<'_, PyAny>, Bound<'_, PyAny>)]) -> Table {
        let n = pairs.len();
        let log2 = log2_size(n);
        let usable = usable(log2);
        let size = entries_offset(log2) + usable * std::mem::size_of::<Entry>();
        // SAFETY: the interpreter is held (contract). The table is written in full before
        // CPython sees it: header, every index slot (empty = -1 bytes), `n` entries and the
        // unused ones zeroed, as `new_keys_object` leaves them.
        unsafe {
            let keys = alloc(size);
            if keys.is_null() {
                ffi::PyErr_NoMemory();
                return Table::Failed;
            }
            let idx = keys.add(std::mem::size_of::<Keys>());
            let entries = keys.add(entries_offset(log2));
            // The 8- and 16-slot tables (most objects) are cleared by stores of a fixed size,
            // which the compiler writes inline; two `memset` calls were a tenth of the build.
            const NO_ENTRY: Entry = Entry {
                key: std::ptr::null_mut(),
                value: std::ptr::null_mut(),
            };
            match log2 {
                3 => {
                    idx.cast::<u64>().write(u64::MAX);
                    entries.cast::<[Entry; 5]>().write([NO_ENTRY; 5]);
                }
                4 => {
                    idx.cast::<[u64; 2]>().write([u64::MAX; 2]);
                    entries.cast::<[Entry; 10]>().write([NO_ENTRY; 10]);
                }
                _ => {
                    std::ptr::write_bytes(idx, 0xff, 1usize << log2_index_bytes(log2));
                    std::ptr::write_bytes(entries.cast::<Entry>().add(n), 0, usable - n);
                }
            }
            let placed = if log2 < 8 {
                place::<i8>(keys, log2, pairs)
            } else {
                place::<i16>(keys, log2, pairs)
            };
            let tracked = match placed {
                Ok(Some(tracked)) => tracked,
                Ok(None) => {
                    free(keys);
                    return Table::Declined;
                }
                Err(()) => {
                    free(keys);
                    return Table::Failed;
                }
            };
            keys.cast::<Keys>().write(Keys {
                dk_refcnt: 1,
                dk_log2_size: log2,
                dk_log2_index_bytes: log2_index_bytes(log2),
                dk_kind: UNICODE,
                dk_version: 0,
                dk_usable: (usable - n) as ffi::Py_ssize_t,
                dk_nentries: n as ffi::Py_ssize_t,
            });
            let dict = ffi::PyDict_New();
            if dict.is_null() {
                free(keys);
                return Table::Failed;
            }
            let mp = dict.cast::<ffi::PyDictObject>();
            // A new dict shares the static empty table: give back the reference
            // `PyDict_New` took on it (3.11; from 3.12 it is immortal and not counted).
            #[cfg(not(Py_3_12))]
            {
                (*(*mp).ma_keys.cast::<Keys>()).dk_refcnt -= 1;
            }
            (*mp).ma_keys = keys.cast();
            (*mp).ma_used = n as ffi::Py_ssize_t;
            // `MAINTAIN_TRACKING`: an insert starts tracking the dict when a key or value
            // may hold references (a GC type that is not an untracked tuple).
            if tracked && ffi::PyObject_GC_IsTracked(dict) == 0 {
                ffi::PyObject_GC_Track(dict.cast());
            }
            Table::Built(dict)
        }
    }

    /// 0: not checked yet, 1: the layout is the one above, 2: it is not (never build).
    static STATE: AtomicU8 = AtomicU8::new(0);

    /// Whether this interpreter's dicts have the layout above, checked once: dicts of several
    /// sizes filled by `PyDict_SetItem` must have the header fields, entries and index slots
    /// this module would write, and equal the dict it builds from the same members.
    #[inline(always)]
    pub fn enabled() -> bool {
        match STATE.load(Ordering::Relaxed) {
            1 => true,
            2 => false,
            _ => {
                // SAFETY: called with the interpreter held (from `build`'s contract).
                let ok = unsafe { check() };
                STATE.store(if ok { 1 } else { 2 }, Ordering::Relaxed);
                ok
            }
        }
    }

    #[cold]
    unsafe fn check() -> bool {
        // SAFETY: the interpreter is held; every object is created, read and released here.
        unsafe {
            let py = Python::assume_attached();
            // PyDict_New's shared empty table: counted on 3.11, immortal from 3.12.
            let a = ffi::PyDict_New();
            let b = ffi::PyDict_New();
            if a.is_null() || b.is_null() {
                ffi::PyErr_Clear();
                return false;
            }
            let ka = (*a.cast::<ffi::PyDictObject>()).ma_keys.cast::<Keys>();
            let r1 = (*ka).dk_refcnt;
            let c = ffi::PyDict_New();
            let r2 = (*ka).dk_refcnt;
            let same = ka == (*b.cast::<ffi::PyDictObject>()).ma_keys.cast::<Keys>()
                && !c.is_null()
                && ka == (*c.cast::<ffi::PyDictObject>()).ma_keys.cast::<Keys>();
            for d in [a, b, c] {
                ffi::Py_XDECREF(d);
            }
            #[cfg(not(Py_3_12))]
            let counted = r2 == r1 + 1;
            #[cfg(Py_3_12)]
            let counted = r2 == r1;
            if !same || !counted {
                // A failed `PyDict_New` above left its MemoryError set; the caller goes on to
                // insert, which must not start with an exception pending.
                ffi::PyErr_Clear();
                return false;
            }
            for n in [1usize, 2, 5, 6, 7, 10, 11, 21, 22, 42, 43, 85, 86, 171, 200] {
                if !check_size(py, n) {
                    ffi::PyErr_Clear();
                    return false;
                }
            }
            true
        }
    }

    /// One size of [`check`]: a dict of `n` members inserted by CPython against this module's
    /// view of it and against the dict built here from the same members.
    unsafe fn check_size(py: Python<'_>, n: usize) -> bool {
        let pairs: Vec<_> = (0..n)
            .map(|j| {
                (
                    pyo3::types::PyString::new(py, &format!("key {j}")).into_any(),
                    (j as i64 + 1000).into_pyobject(py).unwrap().into_any(),
                )
            })
            .collect();
        // SAFETY: the interpreter is held; `theirs` and `ours` are new dicts read through the
        // layout above only after `theirs`' header has been checked to be a str-keys table of
        // the expected size, so every read stays inside its allocation.
        unsafe {
            let theirs = ffi::PyDict_New();
            if theirs.is_null() {
                return false;
            }
            let theirs = Bound::from_owned_ptr(py, theirs);
            for (k, v) in &pairs {
                if ffi::PyDict_SetItem(theirs.as_ptr(), k.as_ptr(), v.as_ptr()) != 0 {
                    return false;
                }
            }
            let mp = theirs.as_ptr().cast::<ffi::PyDictObject>();
            let keys = (*mp).ma_keys.cast::<Keys>();
            let log2 = log2_size(n);
            if !(*mp).ma_values.is_null()
                || (*mp).ma_used != n as ffi::Py_ssize_t
                || (*keys).dk_refcnt != 1
                || (*keys).dk_kind != UNICODE
                || (*keys).dk_log2_size != log2
                || (*keys).dk_log2_index_bytes != log2_index_bytes(log2)
                || (*keys).dk_nentries != n as ffi::Py_ssize_t
                || (*keys).dk_usable != (usable(log2) - n) as ffi::Py_ssize_t
            {
                return false;
            }
            let base = keys.cast::<u8>();
            let entries = base.add(entries_offset(log2)).cast::<Entry>();
            let idx = base.add(std::mem::size_of::<Keys>());
            for (j, (k, v)) in pairs.iter().enumerate() {
                let e = *entries.add(j);
                if e.key != k.as_ptr() || e.value != v.as_ptr() {
                    return false;
                }
            }
            // Ours, from the same members (each pair's references cloned for it to take).
            let lent: Vec<_> = pairs.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
            let ours = match build(&lent) {
                Table::Built(d) => {
                    std::mem::forget(lent);
                    Bound::from_owned_ptr(py, d)
                }
                _ => return false,
            };
            let ok = theirs.eq(&ours).unwrap_or(false);
            let mine = (*ours.as_ptr().cast::<ffi::PyDictObject>())
                .ma_keys
                .cast::<Keys>();
            // The same index slots where CPython's inserts put them (the same probe sequence
            // in the same order), and the same header fields.
            let slots = 1usize << log2_index_bytes(log2);
            let same_slots = std::slice::from_raw_parts(idx, slots)
                == std::slice::from_raw_parts(
                    mine.cast::<u8>().add(std::mem::size_of::<Keys>()),
                    slots,
                );
            let same_header = (*mine).dk_log2_size == (*keys).dk_log2_size
                && (*mine).dk_log2_index_bytes == (*keys).dk_log2_index_bytes
                && (*mine).dk_kind == (*keys).dk_kind
                && (*mine).dk_version == (*keys).dk_version
                && (*mine).dk_usable == (*keys).dk_usable
                && (*mine).dk_nentries == (*keys).dk_nentries;
            let same_bytes = same_slots && same_header;
            ok && same_bytes
        }
    }
}
