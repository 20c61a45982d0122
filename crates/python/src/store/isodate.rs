//! A stored `isoformat()` text back to the `datetime` `datetime.fromisoformat` gives for it.
//!
//! Every read builds two datetimes per record. The stored text is what `datetime.isoformat()`
//! wrote on save, so almost always one exact shape: `YYYY-MM-DDTHH:MM:SS[.ffffff]`, then nothing
//! (naive) or `+HH:MM` / `+HH:MM:SS` (a fixed offset). Those are parsed here and built through
//! the datetime C API with a `timezone` shared per offset (the UTC singleton for a zero
//! offset, as `fromisoformat` returns); any other text, and any value the C API refuses, goes
//! to `datetime.fromisoformat` itself, so results and errors are always exactly its own.

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDateTime, PyDelta, PyTzInfo};

/// `datetime.datetime.fromisoformat`, looked up once (the fallback for unusual text).
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

/// The parts of an `isoformat()` text; `offset` in seconds east of UTC, `None` when naive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Parts {
    year: i32,
    month: u8,
    day: u8,
    hour: u8,
    minute: u8,
    second: u8,
    micro: u32,
    offset: Option<i32>,
}

/// The value of `N` ASCII digits at `at`, or `None` if any byte there is not a digit.
fn digits(b: &[u8], at: usize, n: usize) -> Option<u32> {
    b.get(at..at + n)?.iter().try_fold(0u32, |acc, &c| {
        c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
    })
}

/// The shapes `isoformat()` writes (year as four digits, microseconds as six or absent, an
/// offset of whole minutes or seconds); `None` for anything else, including out-of-range
/// offset parts, which are left to `fromisoformat` to accept or refuse.
fn parse(text: &str) -> Option<Parts> {
    let b = text.as_bytes();
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' {
        return None;
    }
    if b[13] != b':' || b[16] != b':' {
        return None;
    }
    let mut parts = Parts {
        year: digits(b, 0, 4)? as i32,
        month: digits(b, 5, 2)? as u8,
        day: digits(b, 8, 2)? as u8,
        hour: digits(b, 11, 2)? as u8,
        minute: digits(b, 14, 2)? as u8,
        second: digits(b, 17, 2)? as u8,
        micro: 0,
        offset: None,
    };
    let mut at = 19;
    if b.get(at) == Some(&b'.') {
        parts.micro = digits(b, at + 1, 6)?;
        at += 7;
    }
    let tz = &b[at..];
    if tz.is_empty() {
        return Some(parts);
    }
    let sign = match tz[0] {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let (h, m) = (digits(tz, 1, 2)?, digits(tz, 4, 2)?);
    if tz[3] != b':' || h >= 24 || m >= 60 {
        return None;
    }
    let s = match tz.len() {
        6 => 0,
        9 if tz[6] == b':' => digits(tz, 7, 2)?,
        _ => return None,
    };
    if s >= 60 {
        return None;
    }
    parts.offset = Some(sign * (h * 3600 + m * 60 + s) as i32);
    Some(parts)
}

/// Builds the datetimes of one result list, sharing one `timezone` object per offset.
#[derive(Default)]
pub struct IsoDates<'py> {
    zones: Vec<(i32, Bound<'py, PyTzInfo>)>,
}

impl<'py> IsoDates<'py> {
    fn zone(&mut self, py: Python<'py>, offset: i32) -> PyResult<Bound<'py, PyTzInfo>> {
        if offset == 0 {
            return Ok(PyTzInfo::utc(py)?.to_owned());
        }
        if let Some((_, z)) = self.zones.iter().find(|(o, _)| *o == offset) {
            return Ok(z.clone());
        }
        // `timezone(timedelta(seconds=offset))`, which is what `fromisoformat` builds.
        let delta = PyDelta::new(py, 0, offset, 0, true)?;
        let z = PyTzInfo::fixed_offset(py, delta)?;
        self.zones.push((offset, z.clone()));
        Ok(z)
    }

    /// `datetime.fromisoformat(text)`.
    pub fn get(&mut self, py: Python<'py>, text: &str) -> PyResult<Bound<'py, PyAny>> {
        if let Some(p) = parse(text)
            && let Ok(dt) = self.build(py, &p)
        {
            return Ok(dt.into_any());
        }
        fromisoformat(py)?.call1((text,))
    }

    fn build(&mut self, py: Python<'py>, p: &Parts) -> PyResult<Bound<'py, PyDateTime>> {
        let zone = p.offset.map(|o| self.zone(py, o)).transpose()?;
        // A refused value (day 31 of a 30-day month, year 0) raises here; the caller then asks
        // `fromisoformat`, which raises its own error for the same text.
        PyDateTime::new(
            py,
            p.year,
            p.month,
            p.day,
            p.hour,
            p.minute,
            p.second,
            p.micro,
            zone.as_ref(),
        )
    }
}
