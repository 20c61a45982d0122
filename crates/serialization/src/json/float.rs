//! `float.__repr__`: the shortest digits that round-trip, laid out as CPython lays them out.
//!
//! `ryu` gives the shortest round-tripping digits (closest to the exact value, like CPython's
//! `dtoa` mode 0) but not CPython's layout, which switches to exponent form when the decimal
//! point would sit before the 4th leading zero or after the 16th digit and always writes a
//! signed, at least two-digit exponent (`1e+16`, `1e-05`). Only the digits are taken from `ryu`.

use super::out::Out;

/// The decimal digits of `n`, written at the end of `tmp`.
pub(crate) fn decimal_digits(mut n: u64, tmp: &mut [u8; 20]) -> &[u8] {
    let mut at = tmp.len();
    loop {
        at -= 1;
        tmp[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            return &tmp[at..];
        }
    }
}

/// Append `repr(x)` for a finite `x` (NaN and infinities are the caller's business).
pub fn write_repr<O: Out + ?Sized>(out: &mut O, x: f64) {
    debug_assert!(x.is_finite());
    // Whole numbers below 1e16 print as their integer and ".0" (CPython switches to the
    // exponent form from 1e16): no digit search needed.
    if x.fract() == 0.0 && x.abs() < 1e16 {
        if x.is_sign_negative() {
            out.push(b'-');
        }
        let mut tmp = [0u8; 20];
        out.extend_from_slice(decimal_digits(x.abs() as u64, &mut tmp));
        out.extend_from_slice(b".0");
        return;
    }
    if let Some((m, k)) = few_decimals(x) {
        if x.is_sign_negative() {
            out.push(b'-');
        }
        let mut tmp = [0u8; 20];
        let digits = decimal_digits(m, &mut tmp);
        // k <= 6 and the value is at least 1e-3 (see few_decimals): CPython's fixed layout.
        match digits.len().checked_sub(k) {
            Some(point) if point > 0 => {
                out.extend_from_slice(&digits[..point]);
                out.push(b'.');
                out.extend_from_slice(&digits[point..]);
            }
            _ => {
                out.extend_from_slice(b"0.");
                out.extend_repeat(b'0', k - digits.len());
                out.extend_from_slice(digits);
            }
        }
        return;
    }
    write_shortest(out, x);
}

/// Powers of ten exact as doubles.
const POW10: [f64; 7] = [1.0, 10.0, 100.0, 1e3, 1e4, 1e5, 1e6];

/// For `|x|` with at most six decimals (prices, scores, percentages, `round(v, 4)`): the
/// integer `m` and the count `k` (1..=6) with `|x|` the double nearest to `m / 10^k`, `m` not
/// a multiple of ten, and `|x| >= 1e-3` (so repr keeps the fixed layout). Then `m`'s digits
/// are repr's: the division below is correctly rounded, so it checks exactly that the
/// decimal rounds to `x`; and no other decimal of at most 15 significant digits (`m < 1e15`)
/// does, as such decimals are at least 1e-15 apart relative to their size while a double's
/// rounding interval is at most 2^-52 wide: the digits are the shortest round-trip ones, and
/// `ryu`'s search (a few hundred instructions) is not needed.
#[inline]
fn few_decimals(x: f64) -> Option<(u64, usize)> {
    let a = x.abs();
    if !(1e-3..1e9).contains(&a) {
        return None;
    }
    let mut k = 1;
    while k < POW10.len() {
        let y = a * POW10[k];
        // y < 1e15: the conversion is exact when y is integral.
        let m = y as u64;
        if m as f64 == y {
            if m as f64 / POW10[k] != a {
                return None;
            }
            let (mut m, mut k) = (m, k);
            while m % 10 == 0 && k > 1 {
                m /= 10;
                k -= 1;
            }
            return (m % 10 != 0).then_some((m, k));
        }
        k += 1;
    }
    None
}

/// `repr(x)` from `ryu`'s shortest digits, laid out by CPython's rules.
fn write_shortest<O: Out + ?Sized>(out: &mut O, x: f64) {
    let mut buf = ryu::Buffer::new();
    let text = buf.format_finite(x).as_bytes();
    let (negative, body) = match text.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, text),
    };
    let (mantissa, exp) = match body.iter().position(|&b| b == b'e') {
        Some(at) => (&body[..at], parse_exp(&body[at + 1..])),
        None => (body, 0),
    };
    // Digits without the point; `decpt` = where the point goes (CPython's `decpt`).
    let mut digits = [0u8; 24];
    let mut n = 0;
    let mut point = mantissa.len();
    for (k, &b) in mantissa.iter().enumerate() {
        if b == b'.' {
            point = k;
        } else {
            digits[n] = b;
            n += 1;
        }
    }
    let mut decpt = point as i32 + exp;
    let mut start = 0;
    while start + 1 < n && digits[start] == b'0' {
        start += 1;
        decpt -= 1;
    }
    let mut end = n;
    while end > start + 1 && digits[end - 1] == b'0' {
        end -= 1;
    }
    let digits = &digits[start..end];
    if digits == b"0" {
        decpt = 1;
    }
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
        if e >= 100 {
            out.push(b'0' + (e / 100) as u8);
        }
        out.push(b'0' + (e / 10 % 10) as u8);
        out.push(b'0' + (e % 10) as u8);
    } else if decpt <= 0 {
        out.extend_from_slice(b"0.");
        out.extend_repeat(b'0', decpt.unsigned_abs() as usize);
        out.extend_from_slice(digits);
    } else {
        let point = decpt as usize;
        if point < digits.len() {
            out.extend_from_slice(&digits[..point]);
            out.push(b'.');
            out.extend_from_slice(&digits[point..]);
        } else {
            out.extend_from_slice(digits);
            out.extend_repeat(b'0', point - digits.len());
            out.extend_from_slice(b".0");
        }
    }
}

fn parse_exp(text: &[u8]) -> i32 {
    let (sign, digits) = match text.split_first() {
        Some((b'-', rest)) => (-1, rest),
        Some((b'+', rest)) => (1, rest),
        _ => (1, text),
    };
    sign * digits
        .iter()
        .fold(0i32, |acc, &d| acc * 10 + i32::from(d - b'0'))
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
            (9999999999999998.0, "9999999999999998.0"),
            (-3.0, "-3.0"),
            (1e15 + 1.0, "1000000000000001.0"),
        ];
        for &(x, want) in cases {
            assert_eq!(repr(x), want, "repr of {x:e}");
        }
    }

    /// The few-decimals shortcut against ryu's search on the same values.
    #[test]
    fn few_decimals_match_the_shortest_digits() {
        fn both(x: f64) {
            let mut fast = Vec::new();
            super::write_repr(&mut fast, x);
            let mut slow = Vec::new();
            super::write_shortest(&mut slow, x);
            assert_eq!(
                String::from_utf8(fast).unwrap(),
                String::from_utf8(slow).unwrap(),
                "{x:e}"
            );
        }
        for k in 1..=7 {
            let scale = 10f64.powi(k);
            for m in (1..200_000u64).chain((0..2_000).map(|j| 999_999_999_000_000 + j * 7)) {
                let x = m as f64 / scale;
                both(x);
                both(-x);
                both(x + f64::EPSILON * x);
            }
        }
        let mut x = 1.0e-5_f64;
        while x < 1e10 {
            both(x);
            x *= 1.0007;
        }
        for &x in &[
            1e-3,
            0.001_000_1,
            0.0015,
            999_999_999.5,
            123.456,
            0.1,
            0.7,
            61.25,
        ] {
            both(x);
            both(-x);
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
