//! The fields of exact `date`/`datetime`/`timedelta`/`timezone` objects, read from memory.
//!
//! The stable ABI hides CPython's `PyDateTime_*` structs and their accessor macros, which
//! leaves Python calls (`__reduce__`, `utcoffset()`, attribute reads) as the only sanctioned
//! way to the fields: most of the cost of writing a datetime. The structs have kept one layout
//! on every CPython the extension supports (object head, cached hash, `hastzinfo`, packed
//! bytes; `timedelta` as three C ints; `timezone` holding its offset first), so this module
//! reads them directly, but only after checking that layout once per process against objects
//! whose fields it knows (and their `__basicsize__` against every offset read). If anything
//! differs, `Layout::get` answers `None` and callers keep using the Python methods.

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyType};

use crewai_rust_serialization::DateTime;

/// Object head: reference count and type pointer (a non-free-threaded build, as abi3 is).
const HEAD: usize = 2 * size_of::<usize>();
/// `Py_hash_t hashcode` follows the head, then `char hastzinfo`, then the packed bytes.
const HAS_TZINFO: usize = HEAD + size_of::<isize>();
const DATA: usize = HAS_TZINFO + 1;
/// After `data[10]` and `unsigned char fold`, the `tzinfo` pointer, pointer-aligned.
const TZINFO: usize = (DATA + 11).next_multiple_of(size_of::<usize>());
/// `timedelta`: `int days, seconds, microseconds` after the hash.
const DELTA: usize = HEAD + size_of::<isize>();
/// `timezone`: its `offset` (a timedelta) right after the head.
const TZ_OFFSET: usize = HEAD;

/// The verified layout, with the `timezone` type whose offset can be read in place.
pub struct Layout {
    timezone: Py<PyType>,
    timedelta: Py<PyType>,
}

static LAYOUT: PyOnceLock<Option<Layout>> = PyOnceLock::new();

impl Layout {
    /// The layout if this interpreter's objects match it (checked on first use).
    pub fn get(py: Python<'_>) -> Option<&Layout> {
        LAYOUT
            .get_or_init(py, || verify(py).ok().flatten())
            .as_ref()
    }

    /// A date's fields. `obj` must be an exact `datetime.date`.
    pub fn date(&self, obj: &Bound<'_, PyAny>) -> DateTime {
        let b = bytes::<4>(obj, DATA);
        DateTime {
            year: u16::from_be_bytes([b[0], b[1]]),
            month: b[2],
            day: b[3],
            time: None,
            offset: None,
        }
    }

    /// A datetime's fields, calling `utcoffset()` only for a tzinfo other than a
    /// `datetime.timezone`. `obj` must be an exact `datetime.datetime`.
    pub fn datetime(&self, obj: &Bound<'_, PyAny>) -> PyResult<DateTime> {
        let py = obj.py();
        let b = bytes::<10>(obj, DATA);
        let mut offset = None;
        if bytes::<1>(obj, HAS_TZINFO)[0] != 0 {
            // SAFETY: hastzinfo = 1 means the object was allocated with its tzinfo pointer
            // (a strong reference it holds for its lifetime, which outlives this borrow).
            let tz = unsafe {
                let ptr = obj
                    .as_ptr()
                    .cast::<u8>()
                    .add(TZINFO)
                    .cast::<*mut pyo3::ffi::PyObject>();
                Bound::from_borrowed_ptr(py, ptr.read_unaligned())
            };
            let delta = if tz.get_type().is(self.timezone.bind(py)) {
                // SAFETY: an exact timezone's first field is its offset, a timedelta it owns.
                unsafe {
                    let ptr = tz
                        .as_ptr()
                        .cast::<u8>()
                        .add(TZ_OFFSET)
                        .cast::<*mut pyo3::ffi::PyObject>();
                    Bound::from_borrowed_ptr(py, ptr.read_unaligned())
                }
            } else {
                obj.call_method0(pyo3::intern!(py, "utcoffset"))?
            };
            if !delta.is_none() {
                offset = Some(self.delta(&delta)?);
            }
        }
        Ok(DateTime {
            year: u16::from_be_bytes([b[0], b[1]]),
            month: b[2],
            day: b[3],
            time: Some((b[4], b[5], b[6], u32::from_be_bytes([0, b[7], b[8], b[9]]))),
            offset,
        })
    }

    /// (days, seconds, microseconds) of a timedelta (an exact one is read in place).
    fn delta(&self, delta: &Bound<'_, PyAny>) -> PyResult<(i32, u32, u32)> {
        let py = delta.py();
        if delta.get_type().is(self.timedelta.bind(py)) {
            let b = bytes::<12>(delta, DELTA);
            let int = |at: usize| i32::from_ne_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]]);
            // seconds and microseconds are normalised to 0..86400 and 0..1e6.
            return Ok((int(0), int(4) as u32, int(8) as u32));
        }
        Ok((
            delta.getattr(pyo3::intern!(py, "days"))?.extract()?,
            delta.getattr(pyo3::intern!(py, "seconds"))?.extract()?,
            delta
                .getattr(pyo3::intern!(py, "microseconds"))?
                .extract()?,
        ))
    }
}

/// `N` bytes of `obj`'s memory from `offset`.
fn bytes<const N: usize>(obj: &Bound<'_, PyAny>, offset: usize) -> [u8; N] {
    let mut out = [0u8; N];
    // SAFETY: callers pass objects of the types whose `__basicsize__` `verify` checked to
    // cover `offset + N`; the object is alive for the borrow.
    unsafe {
        std::ptr::copy_nonoverlapping(obj.as_ptr().cast::<u8>().add(offset), out.as_mut_ptr(), N);
    }
    out
}

/// Check every offset this module reads against objects with known fields.
fn verify(py: Python<'_>) -> PyResult<Option<Layout>> {
    let dt = py.import("datetime")?;
    let size =
        |name: &str| -> PyResult<usize> { dt.getattr(name)?.getattr("__basicsize__")?.extract() };
    if size("date")? < DATA + 4
        || size("datetime")? < TZINFO + size_of::<usize>()
        || size("timedelta")? < DELTA + 12
        || size("timezone")? < TZ_OFFSET + size_of::<usize>()
    {
        return Ok(None);
    }
    let locals = PyDict::new(py);
    locals.set_item("dt", &dt)?;
    let eval = |expr: &str| -> PyResult<Bound<'_, PyAny>> {
        py.eval(&std::ffi::CString::new(expr)?, None, Some(&locals))
    };
    let layout = Layout {
        timezone: dt.getattr("timezone")?.cast_into::<PyType>()?.unbind(),
        timedelta: dt.getattr("timedelta")?.cast_into::<PyType>()?.unbind(),
    };
    let naive = eval("dt.datetime(2345, 6, 7, 8, 9, 10, 111213)")?;
    let offset = eval("dt.timedelta(hours=-5, minutes=-30)")?;
    locals.set_item("offset", &offset)?;
    let tz = eval("dt.timezone(offset)")?;
    locals.set_item("tz", &tz)?;
    let aware = eval("dt.datetime(1999, 12, 31, 23, 59, 58, 1, tzinfo=tz)")?;
    let date = eval("dt.date(2024, 2, 29)")?;
    let delta = eval("dt.timedelta(days=-3, seconds=4005, microseconds=678)")?;
    if bytes::<1>(&naive, HAS_TZINFO)[0] != 0 || bytes::<1>(&aware, HAS_TZINFO)[0] != 1 {
        return Ok(None);
    }
    // The pointers must be the known objects before anything follows them.
    let pointer = |obj: &Bound<'_, PyAny>, at: usize| usize::from_ne_bytes(bytes(obj, at));
    if pointer(&aware, TZINFO) != tz.as_ptr() as usize
        || pointer(&tz, TZ_OFFSET) != offset.as_ptr() as usize
    {
        return Ok(None);
    }
    let ok = layout.datetime(&naive)?
        == (DateTime {
            year: 2345,
            month: 6,
            day: 7,
            time: Some((8, 9, 10, 111_213)),
            offset: None,
        })
        && layout.datetime(&aware)?
            == (DateTime {
                year: 1999,
                month: 12,
                day: 31,
                time: Some((23, 59, 58, 1)),
                offset: Some((-1, 66_600, 0)),
            })
        && layout.date(&date)
            == (DateTime {
                year: 2024,
                month: 2,
                day: 29,
                time: None,
                offset: None,
            })
        && layout.delta(&delta)? == (-3, 4005, 678);
    Ok(ok.then_some(layout))
}
