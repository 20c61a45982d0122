//! Python's own character classes (`str.isspace`, `str.isdecimal`) and `str.strip`, so string
//! handling matches CPython code point for code point (Rust's `char::is_whitespace` differs:
//! it lacks U+001C..U+001F, which Python treats as whitespace).

use crate::unicode_tables::{NFKD_ASCII, PY_ALNUM, PY_ALPHA, PY_DECIMAL, PY_DIGIT, PY_SPACE};

/// `c.isspace()` in Python, which is also what `\s` matches in a `str` regex.
#[inline]
pub fn is_space(c: char) -> bool {
    if c.is_ascii() {
        matches!(
            c,
            '\t' | '\n' | '\x0b' | '\x0c' | '\r' | '\x1c'..='\x1f' | ' '
        )
    } else {
        PY_SPACE.binary_search(&c).is_ok()
    }
}

/// `c.isdecimal()` in Python, which is also what `\d` matches in a `str` regex.
#[inline]
pub fn is_decimal(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_digit();
    }
    in_ranges(&PY_DECIMAL, c)
}

/// `c.isalpha()` in Python (Unicode letters: categories Lu, Ll, Lt, Lm, Lo).
#[inline]
pub fn is_alpha(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphabetic();
    }
    in_ranges(&PY_ALPHA, c)
}

/// `c.isalnum()` in Python.
#[inline]
pub fn is_alnum(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphanumeric();
    }
    in_ranges(&PY_ALNUM, c)
}

/// `c.isdigit()` in Python (decimal digits plus superscripts and the like).
#[inline]
pub fn is_digit(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_digit();
    }
    in_ranges(&PY_DIGIT, c)
}

fn in_ranges(table: &[(u32, u32)], c: char) -> bool {
    let cp = c as u32;
    table
        .binary_search_by(|&(lo, hi)| {
            if hi < cp {
                std::cmp::Ordering::Less
            } else if lo > cp {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        })
        .is_ok()
}

/// The ASCII characters `unicodedata.normalize("NFKD", c).encode("ascii", "ignore")` keeps of
/// one non-ASCII character (empty for most).
pub fn nfkd_ascii(c: char) -> &'static str {
    let cp = c as u32;
    match NFKD_ASCII.binary_search_by_key(&cp, |&(k, _)| k) {
        Ok(i) => NFKD_ASCII[i].1,
        Err(_) => "",
    }
}

/// `s.strip()`.
pub fn strip(s: &str) -> &str {
    rstrip(lstrip(s))
}

/// Whether byte `b` is an ASCII whitespace char in Python's sense.
#[inline]
fn ascii_space(b: u8) -> bool {
    b.is_ascii() && is_space(char::from(b))
}

/// `s.lstrip()`. ASCII is tested byte by byte (the common case, and cheaper than decoding);
/// a non-ASCII char hands over to the char-wise trim.
pub fn lstrip(s: &str) -> &str {
    let i = s.bytes().position(|b| !ascii_space(b)).unwrap_or(s.len());
    let rest = &s[i..];
    if rest.as_bytes().first().is_some_and(|b| !b.is_ascii()) {
        rest.trim_start_matches(is_space)
    } else {
        rest
    }
}

/// `s.rstrip()` (see [`lstrip`]).
pub fn rstrip(s: &str) -> &str {
    let end = s
        .bytes()
        .rposition(|b| !ascii_space(b))
        .map_or(0, |i| i + 1);
    let head = &s[..end];
    if head.as_bytes().last().is_some_and(|b| !b.is_ascii()) {
        head.trim_end_matches(is_space)
    } else {
        head
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn space_matches_python_not_rust() {
        assert!(is_space('\x1c'));
        assert!(!'\x1c'.is_whitespace());
        assert!(is_space('\u{3000}'));
        assert!(!is_space('\u{200b}'));
        assert_eq!(strip("\x1f a \u{a0}"), "a");
        assert_eq!(strip(" \u{3000} \u{a0}a\u{3000}b \u{2028}\t"), "a\u{3000}b");
        assert_eq!(lstrip("\u{a0} é "), "é ");
        assert_eq!(rstrip(" é\u{85}\u{1c}"), " é");
        assert_eq!(strip(" \t\u{a0}\n"), "");
        assert_eq!(strip("é"), "é");
    }

    #[test]
    fn decimal_is_nd_only() {
        assert!(is_decimal('7'));
        assert!(is_decimal('\u{0663}')); // ARABIC-INDIC DIGIT THREE
        assert!(!is_decimal('\u{00b2}')); // superscript two is a digit, not decimal
        assert!(!is_decimal('a'));
    }

    #[test]
    fn letter_classes_are_pythons() {
        assert!(is_alpha('é') && is_alpha('中') && !is_alpha('\u{0345}')); // a combining mark
        assert!('\u{0345}'.is_alphabetic()); // which Rust's Alphabetic property includes
        assert!(is_alnum('\u{00b2}') && !is_alpha('\u{00b2}'));
        assert!(is_digit('\u{00b2}') && !is_digit('\u{2155}')); // ⅕ is numeric, not a digit
        assert!(!is_alnum('_') && !is_alnum('\u{201c}'));
    }

    #[test]
    fn nfkd_keeps_ascii_parts() {
        assert_eq!(nfkd_ascii('é'), "e");
        assert_eq!(nfkd_ascii('\u{fb00}'), "ff");
        assert_eq!(nfkd_ascii('中'), "");
    }
}
