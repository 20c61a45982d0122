//! `float.__repr__`: the shortest digits that round-trip, laid out as CPython lays them out.
//!
//! Rust's `{:e}` gives the shortest round-tripping digits (like CPython's `dtoa` mode 0) but
//! not CPython's layout, which switches to exponent form when the decimal point would sit
//! before the 4th leading zero or after the 16th digit and always writes a signed, at least
//! two-digit exponent (`1e+16`, `1e-05`). Only the digits are taken from `{:e}`.

use std::io::Write as _;

/// Append `repr(x)` for a finite `x` (NaN and infinities are the caller's business).
pub fn write_repr(out: &mut Vec<u8>, x: f64) {
    debug_assert!(x.is_finite());
    let mut sci = [0u8; 40];
    let len = {
        let mut cursor = &mut sci[..];
        // 40 bytes hold any f64 in `{:e}` form (at most 17 digits, sign, point, exponent).
        write!(cursor, "{x:e}").expect("f64 in {:e} form fits 40 bytes");
        40 - cursor.len()
    };
    let sci = &sci[..len];
    let (negative, body) = match sci.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, sci),
    };
    let e_at = body
        .iter()
        .position(|&b| b == b'e')
        .expect("{:e} output has an exponent");
    let mut digits = [0u8; 20];
    let mut n = 0;
    for &b in &body[..e_at] {
        if b != b'.' {
            digits[n] = b;
            n += 1;
        }
    }
    let exp: i32 = std::str::from_utf8(&body[e_at + 1..])
        .ok()
        .and_then(|s| s.parse().ok())
        .expect("{:e} exponent is an integer");
    // decpt: where the decimal point goes relative to the digits (CPython's `decpt`).
    let decpt = exp + 1;
    let digits = &digits[..n];
    if negative {
        out.push(b'-');
    }
    if decpt <= -4 || decpt > 16 {
        out.push(digits[0]);
        if digits.len() > 1 {
            out.push(b'.');
            out.extend_from_slice(&digits[1..]);
        }
        out.push(b'e');
        let e = decpt - 1;
        out.push(if e < 0 { b'-' } else { b'+' });
        let e = e.unsigned_abs();
        if e < 10 {
            out.push(b'0');
        }
        out.extend_from_slice(e.to_string().as_bytes());
    } else if decpt <= 0 {
        out.extend_from_slice(b"0.");
        out.extend(std::iter::repeat_n(b'0', decpt.unsigned_abs() as usize));
        out.extend_from_slice(digits);
    } else {
        let point = decpt as usize;
        if point < digits.len() {
            out.extend_from_slice(&digits[..point]);
            out.push(b'.');
            out.extend_from_slice(&digits[point..]);
        } else {
            out.extend_from_slice(digits);
            out.extend(std::iter::repeat_n(b'0', point - digits.len()));
            out.extend_from_slice(b".0");
        }
    }
}

/// `repr(x)` as a `String` (finite `x`).
pub fn repr(x: f64) -> String {
    let mut out = Vec::with_capacity(24);
    write_repr(&mut out, x);
    String::from_utf8(out).expect("float repr is ASCII")
}

#[cfg(test)]
mod tests {
    use super::repr;

    #[test]
    fn matches_cpython_layout() {
        // Expected strings are CPython's own repr() of each value.
        let cases: &[(f64, &str)] = &[
            (0.0, "0.0"),
            (-0.0, "-0.0"),
            (1.0, "1.0"),
            (-1.5, "-1.5"),
            (0.1, "0.1"),
            (1e16, "1e+16"),
            (1e15, "1000000000000000.0"),
            (1234567890123456.0, "1234567890123456.0"),
            (12345678901234567.0, "1.2345678901234568e+16"),
            (1e-05, "1e-05"),
            (0.0001, "0.0001"),
            (0.00012345, "0.00012345"),
            (1.5e300, "1.5e+300"),
            (1e-300, "1e-300"),
            (5e-324, "5e-324"),
            (f64::MAX, "1.7976931348623157e+308"),
            (f64::MIN_POSITIVE, "2.2250738585072014e-308"),
            (123.456, "123.456"),
            (1.0 / 3.0, "0.3333333333333333"),
            (2.0f64.powi(53), "9007199254740992.0"),
            (100.0, "100.0"),
            (1e22, "1e+22"),
            (-2.5e-7, "-2.5e-07"),
        ];
        for &(x, want) in cases {
            assert_eq!(repr(x), want, "repr of {x:e}");
        }
    }

    #[test]
    fn round_trips() {
        let mut x = 1.0e-320_f64;
        while x < 1e300 {
            assert_eq!(repr(x).parse::<f64>().unwrap(), x);
            x *= 1.37;
        }
    }
}
