//! `date.isoformat()` / `datetime.isoformat()` text (CPython's default `sep="T"`,
//! `timespec="auto"`), so the binding can write crewai's datetimes without a Python call.

use super::out::Out;

/// The fields of a date or datetime, as the `datetime` module holds them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateTime {
    pub year: u16,
    pub month: u8,
    pub day: u8,
    /// `None` for a `date`; `(hour, minute, second, microsecond)` for a `datetime`.
    pub time: Option<(u8, u8, u8, u32)>,
    /// `utcoffset()` as (days, seconds, microseconds) of a `timedelta`; `None` when naive.
    pub offset: Option<(i32, u32, u32)>,
}

fn two<O: Out + ?Sized>(out: &mut O, v: u32) {
    out.extend_from_slice(&[b'0' + (v / 10 % 10) as u8, b'0' + (v % 10) as u8]);
}

fn six<O: Out + ?Sized>(out: &mut O, v: u32) {
    for p in [100_000, 10_000, 1_000, 100, 10, 1] {
        out.push(b'0' + (v / p % 10) as u8);
    }
}

/// Append the isoformat text (no quotes).
pub fn write_isoformat<O: Out + ?Sized>(out: &mut O, v: &DateTime) {
    let y = u32::from(v.year);
    out.extend_from_slice(&[
        b'0' + (y / 1000 % 10) as u8,
        b'0' + (y / 100 % 10) as u8,
        b'0' + (y / 10 % 10) as u8,
        b'0' + (y % 10) as u8,
        b'-',
    ]);
    two(out, u32::from(v.month));
    out.push(b'-');
    two(out, u32::from(v.day));
    let Some((h, m, s, us)) = v.time else { return };
    out.push(b'T');
    two(out, u32::from(h));
    out.push(b':');
    two(out, u32::from(m));
    out.push(b':');
    two(out, u32::from(s));
    if us != 0 {
        out.push(b'.');
        six(out, us);
    }
    let Some((days, seconds, micros)) = v.offset else {
        return;
    };
    // A timedelta is normalised to 0 <= seconds < 86400 and 0 <= micros < 10**6; a negative
    // offset has days < 0 and is written as the negation of the whole delta.
    let total =
        i64::from(days) * 86_400_000_000 + i64::from(seconds) * 1_000_000 + i64::from(micros);
    out.push(if total < 0 { b'-' } else { b'+' });
    let total = total.unsigned_abs();
    let (secs, us) = (total / 1_000_000, (total % 1_000_000) as u32);
    let (hours, minutes, seconds) = (
        (secs / 3600) as u32,
        (secs / 60 % 60) as u32,
        (secs % 60) as u32,
    );
    two(out, hours);
    out.push(b':');
    two(out, minutes);
    if us != 0 || seconds != 0 {
        out.push(b':');
        two(out, seconds);
        if us != 0 {
            out.push(b'.');
            six(out, us);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{DateTime, write_isoformat};

    fn iso(v: DateTime) -> String {
        let mut out = Vec::new();
        write_isoformat(&mut out, &v);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn matches_cpython() {
        // Expected strings are CPython's isoformat() of the same values.
        let d = DateTime {
            year: 5,
            month: 1,
            day: 9,
            time: None,
            offset: None,
        };
        assert_eq!(iso(d), "0005-01-09");
        let t = DateTime {
            year: 2024,
            month: 12,
            day: 31,
            time: Some((23, 5, 9, 0)),
            offset: None,
        };
        assert_eq!(iso(t), "2024-12-31T23:05:09");
        let t = DateTime {
            time: Some((1, 2, 3, 40)),
            ..t
        };
        assert_eq!(iso(t), "2024-12-31T01:02:03.000040");
        // timezone.utc
        assert_eq!(
            iso(DateTime {
                offset: Some((0, 0, 0)),
                ..t
            }),
            "2024-12-31T01:02:03.000040+00:00"
        );
        // timezone(timedelta(hours=5, minutes=30))
        assert_eq!(
            iso(DateTime {
                offset: Some((0, 19_800, 0)),
                ..t
            }),
            "2024-12-31T01:02:03.000040+05:30"
        );
        // timezone(-timedelta(hours=3, minutes=30, seconds=15)) == timedelta(days=-1, seconds=73785)
        assert_eq!(
            iso(DateTime {
                offset: Some((-1, 73_785, 0)),
                ..t
            }),
            "2024-12-31T01:02:03.000040-03:30:15"
        );
        // timezone(timedelta(microseconds=-1)) == timedelta(days=-1, seconds=86399, microseconds=999999)
        assert_eq!(
            iso(DateTime {
                offset: Some((-1, 86_399, 999_999)),
                ..t
            }),
            "2024-12-31T01:02:03.000040-00:00:00.000001"
        );
    }
}
