//! JSON string bodies that hold escapes, decoded straight into code units of the width the
//! result needs (1, 2 or 4 bytes a character, as CPython stores a `str`), with no UTF-8 in
//! between. A first pass ([`scan`]) validates the body and measures it (characters and the
//! widest one); [`Escaped::write`] then fills a buffer of exactly that size, so a binding can
//! allocate the final string once and write into it.

use super::escape::find_string_special;
use crate::Error;

/// A string body holding at least one escape, already validated by [`scan`].
#[derive(Debug, Clone, Copy)]
pub struct Escaped<'a> {
    /// The text between the quotes, escapes undecoded.
    body: &'a str,
    len: usize,
    max_char: u32,
    /// The document is pure ASCII, so plain runs widen byte by byte.
    ascii: bool,
}

/// A code unit a decoded string can be written in: `u8` (all characters < 256), `u16` (all
/// < 0x10000; lone surrogates included) or `u32`.
pub trait CodeUnit: Copy + sealed::Sealed {
    /// `c` narrowed; only called with characters no wider than [`Escaped::max_char`] allows.
    fn from_char(c: u32) -> Self;
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for u8 {}
    impl Sealed for u16 {}
    impl Sealed for u32 {}
}

impl CodeUnit for u8 {
    #[inline(always)]
    fn from_char(c: u32) -> Self {
        c as u8
    }
}
impl CodeUnit for u16 {
    #[inline(always)]
    fn from_char(c: u32) -> Self {
        c as u16
    }
}
impl CodeUnit for u32 {
    #[inline(always)]
    fn from_char(c: u32) -> Self {
        c
    }
}

/// The widest character of a width class, as CPython's `PyUnicode_New` wants it: 0x7f
/// (ASCII), 0xff (Latin-1), 0xffff (UCS-2) or 0x10ffff (UCS-4). A `str` must be stored in
/// the narrowest class that holds it, so the class has to be exact, not an upper bound.
#[inline(always)]
fn class_of_char(c: u32) -> u32 {
    if c < 0x80 {
        0x7f
    } else if c < 0x100 {
        0xff
    } else if c < 0x1_0000 {
        0xffff
    } else {
        0x10_ffff
    }
}

/// The class of a UTF-8 run from its largest byte: lead bytes 0xc2-0xc3 start U+0080-U+00FF,
/// 0xc4-0xef the rest of the BMP, 0xf0 and up the astral planes; continuation bytes (< 0xc0)
/// never exceed a lead byte present in the same run.
#[inline(always)]
fn class_of_utf8(max_byte: u8) -> u32 {
    match max_byte {
        0..0x80 => 0x7f,
        0x80..0xc4 => 0xff,
        0xc4..0xf0 => 0xffff,
        _ => 0x10_ffff,
    }
}

impl<'a> Escaped<'a> {
    /// Characters in the decoded string (a lone surrogate counts as one, like in a `str`).
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The widest character's class: 0x7f, 0xff, 0xffff or 0x10ffff (see `PyUnicode_New`).
    pub fn max_char(&self) -> u32 {
        self.max_char
    }

    /// Decode into `out`, which must hold exactly [`len`](Self::len) units of a width that
    /// [`max_char`](Self::max_char) fits in.
    ///
    /// # Panics
    /// If `out` has another length (a caller bug; never out-of-bounds writes).
    pub fn write<U: CodeUnit>(&self, out: &mut [U]) {
        assert_eq!(
            out.len(),
            self.len,
            "decoded string buffer has the wrong length"
        );
        let s = self.body.as_bytes();
        let mut i = 0;
        let mut o = 0;
        loop {
            let j = find_string_special(s, i);
            let run = &self.body[i..j];
            if self.ascii {
                for (d, &b) in out[o..o + run.len()].iter_mut().zip(run.as_bytes()) {
                    *d = U::from_char(u32::from(b));
                }
                o += run.len();
            } else {
                for c in run.chars() {
                    out[o] = U::from_char(c as u32);
                    o += 1;
                }
            }
            if j >= s.len() {
                break;
            }
            // A backslash; `scan` checked every escape.
            let (c, next) = decode_escape(s, j).expect("escape validated by scan");
            out[o] = U::from_char(c);
            o += 1;
            i = next;
        }
        debug_assert_eq!(o, self.len);
    }
}

/// Decode the escape whose backslash is at `s[j]`: the character and the offset after it, or
/// `None` when malformed. `s` may be the whole document or a validated body: a surrogate pair
/// needs its second `\uXXXX` followed by at least one byte (CPython's condition), which in a
/// body is the closing quote that `scan` saw.
#[inline(always)]
fn decode_escape(s: &[u8], j: usize) -> Option<(u32, usize)> {
    let e = *s.get(j + 1)?;
    if e != b'u' {
        let c = match e {
            b'"' => b'"',
            b'\\' => b'\\',
            b'/' => b'/',
            b'b' => 0x08,
            b'f' => 0x0c,
            b'n' => b'\n',
            b'r' => b'\r',
            b't' => b'\t',
            _ => return None,
        };
        return Some((u32::from(c), j + 2));
    }
    let mut c = hex4(s, j + 2)?;
    let end = j + 6;
    if (0xd800..0xdc00).contains(&c)
        && s.get(end) == Some(&b'\\')
        && s.get(end + 1) == Some(&b'u')
        && let Some(c2) = hex4(s, end + 2)
        && (0xdc00..0xe000).contains(&c2)
    {
        c = 0x1_0000 + (((c - 0xd800) << 10) | (c2 - 0xdc00));
        return Some((c, end + 6));
    }
    Some((c, end))
}

/// Validate and measure the string whose opening quote is at `begin` and whose first
/// backslash is at `j`, exactly as CPython's `scanstring` would read it: the same errors at
/// the same offsets. `err` turns (message, byte offset) into the caller's error. Returns the
/// body description and the offset after the closing quote.
pub(crate) fn scan<'a>(
    text: &'a str,
    ascii: bool,
    begin: usize,
    mut j: usize,
    err: impl Fn(&'static str, usize) -> Error,
) -> Result<(Escaped<'a>, usize), Error> {
    let s = text.as_bytes();
    let start = begin + 1;
    let mut len = 0;
    let mut max_char = 0x7f;
    let mut run = start;
    loop {
        // Account for the plain run before `j`.
        if ascii {
            len += j - run;
        } else if run < j {
            let bytes = &s[run..j];
            len += bytes.iter().filter(|&&b| (b & 0xc0) != 0x80).count();
            let top = bytes.iter().copied().max().unwrap_or(0);
            max_char = max_char.max(class_of_utf8(top));
        }
        let Some(&b) = s.get(j) else {
            return Err(err("Unterminated string starting at", begin));
        };
        if b == b'"' {
            let body = &text[start..j];
            return Ok((
                Escaped {
                    body,
                    len,
                    max_char,
                    ascii,
                },
                j + 1,
            ));
        }
        if b != b'\\' {
            return Err(err("Invalid control character at", j));
        }
        let Some(&e) = s.get(j + 1) else {
            return Err(err("Unterminated string starting at", begin));
        };
        let next = if e == b'u' {
            // CPython wants a character after the four digits (the closing quote at least),
            // and reports any problem at the `u`; a bad second half of a pair at its `u`.
            let u = j + 1;
            let Some(mut c) = hex4(s, u + 1).filter(|_| u + 5 < s.len()) else {
                return Err(err("Invalid \\uXXXX escape", u));
            };
            let mut next = u + 5;
            if (0xd800..0xdc00).contains(&c)
                && next + 6 < s.len()
                && s[next] == b'\\'
                && s[next + 1] == b'u'
            {
                let Some(c2) = hex4(s, next + 2) else {
                    return Err(err("Invalid \\uXXXX escape", next + 1));
                };
                if (0xdc00..0xe000).contains(&c2) {
                    c = 0x1_0000 + (((c - 0xd800) << 10) | (c2 - 0xdc00));
                    next += 6;
                }
            }
            max_char = max_char.max(class_of_char(c));
            next
        } else {
            let Some((_, next)) = decode_escape(s, j) else {
                return Err(err("Invalid \\escape", j));
            };
            next
        };
        len += 1;
        run = next;
        j = find_string_special(s, next);
    }
}

#[inline(always)]
fn hex4(s: &[u8], at: usize) -> Option<u32> {
    let d = s.get(at..at + 4)?;
    let v = [
        HEX[d[0] as usize],
        HEX[d[1] as usize],
        HEX[d[2] as usize],
        HEX[d[3] as usize],
    ];
    if (v[0] | v[1] | v[2] | v[3]) == NOT_HEX {
        return None;
    }
    Some(
        (u32::from(v[0]) << 12) | (u32::from(v[1]) << 8) | (u32::from(v[2]) << 4) | u32::from(v[3]),
    )
}

const NOT_HEX: u8 = 0xff;

/// Hex digit values (either case); `NOT_HEX` for every other byte.
static HEX: [u8; 256] = {
    let mut t = [NOT_HEX; 256];
    let mut i = 0;
    while i < 10 {
        t[b'0' as usize + i] = i as u8;
        i += 1;
    }
    let mut i = 0;
    while i < 6 {
        t[b'a' as usize + i] = 10 + i as u8;
        t[b'A' as usize + i] = 10 + i as u8;
        i += 1;
    }
    t
};
