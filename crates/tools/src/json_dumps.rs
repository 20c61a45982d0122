//! `json.dumps(value)` with Python's defaults: `", "` and `": "` separators, `ensure_ascii`
//! (`\uXXXX` in lowercase hex, surrogate pairs above the BMP), `NaN`/`Infinity`, and floats
//! written as `float.__repr__` writes them.

use crate::value::{Int, Value};

/// `json.dumps(value)`.
pub fn dumps(value: &Value) -> String {
    let mut out = String::with_capacity(64);
    write_value(&mut out, value);
    out
}

/// `str(v)`, written without the formatting machinery (a call through `fmt::Write` per
/// number was a tenth of re-serialising a small repaired input).
fn write_int(out: &mut String, v: i64) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    let mut rest = v.unsigned_abs();
    loop {
        at -= 1;
        digits[at] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    if v < 0 {
        out.push('-');
    }
    // The bytes written are ASCII digits.
    out.push_str(std::str::from_utf8(&digits[at..]).unwrap_or_default());
}

fn write_value(out: &mut String, value: &Value) {
    match value {
        Value::None => out.push_str("null"),
        Value::Bool(true) => out.push_str("true"),
        Value::Bool(false) => out.push_str("false"),
        Value::Int(Int::Small(v)) => write_int(out, *v),
        Value::Int(Int::Big(s)) => out.push_str(s),
        Value::Float(f) => write_float(out, *f),
        Value::Str(s) => write_string(out, s),
        Value::List(items) | Value::Tuple(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_value(out, item);
            }
            out.push(']');
        }
        Value::Dict(items) => {
            out.push('{');
            for (i, (k, v)) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_string(out, k);
                out.push_str(": ");
                write_value(out, v);
            }
            out.push('}');
        }
    }
}

pub(crate) fn write_float(out: &mut String, f: f64) {
    if f.is_nan() {
        out.push_str("NaN");
    } else if f.is_infinite() {
        out.push_str(if f > 0.0 { "Infinity" } else { "-Infinity" });
    } else {
        out.push_str(&py_float_repr(f));
    }
}

/// `repr(f)` for a finite float: the shortest round-tripping digits (Rust and CPython both
/// produce them), laid out with CPython's rule: scientific when the decimal exponent is below
/// -4 or at least 16, otherwise positional with at least one digit after the point.
pub fn py_float_repr(f: f64) -> String {
    let mut sci = format!("{:e}", f.abs());
    let shortest_len = sci.find('e').unwrap_or(sci.len()) - usize::from(sci.contains('.'));
    // When two strings of that length round-trip, Rust's shortest form may take the one
    // farther from the float's exact value (8796093022208.0625 gives ...063); CPython takes
    // the nearest, i.e. the exact value correctly rounded (half to even) to that many digits.
    let rounded = format!("{:.*e}", shortest_len.saturating_sub(1), f.abs());
    if rounded.parse::<f64>() == Ok(f.abs()) {
        sci = rounded;
    }
    let (mantissa, exp) = sci.split_once('e').unwrap_or((sci.as_str(), "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let sign = if f.is_sign_negative() { "-" } else { "" };
    let decpt = exp + 1; // the point sits after `decpt` digits
    let n = digits.len() as i32;
    if decpt <= -4 || decpt > 16 {
        let rest = &digits[1..];
        let frac = if rest.is_empty() {
            String::new()
        } else {
            format!(".{rest}")
        };
        let esign = if exp < 0 { '-' } else { '+' };
        format!("{sign}{}{frac}e{esign}{:02}", &digits[..1], exp.abs())
    } else if decpt <= 0 {
        format!("{sign}0.{}{digits}", "0".repeat((-decpt) as usize))
    } else if decpt >= n {
        format!("{sign}{digits}{}.0", "0".repeat((decpt - n) as usize))
    } else {
        let (a, b) = digits.split_at(decpt as usize);
        format!("{sign}{a}.{b}")
    }
}

pub(crate) fn write_string(out: &mut String, s: &str) {
    out.push('"');
    // Printable ASCII other than `"` and `\` is copied as is: take such runs whole.
    let plain = |b: u8| (b' '..=b'~').contains(&b) && b != b'"' && b != b'\\';
    let bytes = s.as_bytes();
    let mut start = 0;
    while start < bytes.len() {
        let run = bytes[start..].iter().take_while(|&&b| plain(b)).count();
        out.push_str(&s[start..start + run]);
        start += run;
        let Some(c) = s[start..].chars().next() else {
            break;
        };
        start += c.len_utf8();
        write_char(out, c);
    }
    out.push('"');
}

fn write_char(out: &mut String, c: char) {
    match c {
        '"' => out.push_str("\\\""),
        '\\' => out.push_str("\\\\"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        '\u{8}' => out.push_str("\\b"),
        '\u{c}' => out.push_str("\\f"),
        ' '..='~' => out.push(c),
        _ => {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            let mut units = [0u16; 2];
            for &unit in c.encode_utf16(&mut units).iter() {
                let u = usize::from(unit);
                out.push_str("\\u");
                for shift in [12, 8, 4, 0] {
                    out.push(char::from(HEX[(u >> shift) & 15]));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn float_repr_matches_cpython_layout() {
        let cases = [
            (1.0, "1.0"),
            (-0.0, "-0.0"),
            (0.1, "0.1"),
            (1e16, "1e+16"),
            (1e15, "1000000000000000.0"),
            (123456789012345680.0, "1.2345678901234568e+17"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (1.5e-7, "1.5e-07"),
            (5e-324, "5e-324"),
            (1.7976931348623157e308, "1.7976931348623157e+308"),
            (12.5, "12.5"),
            // Two 16-digit strings round-trip; CPython takes the nearest (half to even).
            (2f64.powi(43) + 0.0625, "8796093022208.062"),
            (0.3, "0.3"),
        ];
        for (f, want) in cases {
            assert_eq!(py_float_repr(f), want);
        }
    }

    #[test]
    fn ints_are_written_as_str_writes_them() {
        let mut cases = vec![
            0,
            1,
            -1,
            9,
            10,
            -10,
            99,
            100,
            i64::MAX,
            i64::MIN,
            i64::MIN + 1,
        ];
        cases.extend((0..19).map(|k| 10i64.pow(k)));
        cases.extend((0..19).map(|k| -(10i64.pow(k)) + 1));
        for v in cases {
            let mut out = String::from("x");
            write_int(&mut out, v);
            assert_eq!(out, format!("x{v}"));
        }
    }

    #[test]
    fn strings_are_ascii_escaped() {
        let v = Value::Str("é\"\u{7f}😀\n".into());
        assert_eq!(dumps(&v), r#""\u00e9\"\u007f\ud83d\ude00\n""#);
    }
}
