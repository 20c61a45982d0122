//! A JSON reader with CPython's `json.loads` semantics, including its quirks: NaN/Infinity,
//! `1.` read as `1` followed by extra data, `\uXXXX` surrogate pairing rules, lone surrogates
//! kept, and every error reported with the scanner's own message and character position.
//!
//! The reader builds nothing itself: it hands each value to a [`Builder`], so the binding can
//! create Python objects directly and tests can build plain Rust values.

use std::vec::Drain;

use super::escape::find_string_special;
use crate::Error;

/// Receives the values the parser reads, innermost first.
pub trait Builder {
    type Value;
    type Error: From<Error>;

    fn null(&mut self) -> Result<Self::Value, Self::Error>;
    fn bool(&mut self, b: bool) -> Result<Self::Value, Self::Error>;
    fn int(&mut self, i: i64) -> Result<Self::Value, Self::Error>;
    /// An integer outside `i64`, as its decimal text (with `-` when negative).
    fn big_int(&mut self, digits: &str) -> Result<Self::Value, Self::Error>;
    fn float(&mut self, x: f64) -> Result<Self::Value, Self::Error>;
    fn str(&mut self, s: &str) -> Result<Self::Value, Self::Error>;
    /// A string holding lone surrogates (from `\ud800`-style escapes), in generalized UTF-8.
    fn surrogate_str(&mut self, wtf8: &[u8]) -> Result<Self::Value, Self::Error>;
    /// An object key; builders may cache repeated keys.
    fn key(&mut self, s: &str) -> Result<Self::Value, Self::Error> {
        self.str(s)
    }
    fn array(&mut self, items: Drain<'_, Self::Value>) -> Result<Self::Value, Self::Error>;
    /// Members as key, value, key, value...; a repeated key's last value wins, at the
    /// position of its first occurrence (what a Python dict does).
    fn object(&mut self, members: Drain<'_, Self::Value>) -> Result<Self::Value, Self::Error>;
}

/// Parse a whole document (what `json.loads` does after its BOM check). Nesting deeper than
/// `max_depth` fails with [`Error::Depth`] instead of exhausting the stack.
pub fn parse<B: Builder>(
    text: &str,
    builder: &mut B,
    max_depth: usize,
) -> Result<B::Value, B::Error> {
    let mut p = Parser {
        s: text.as_bytes(),
        text,
        b: builder,
        stack: Vec::new(),
        scratch: Vec::new(),
        max_depth,
        depth: 0,
    };
    let start = p.skip_ws(0);
    let (value, end) = p.value(start)?;
    let end = p.skip_ws(end);
    if end != p.s.len() {
        return Err(p.err("Extra data", end).into());
    }
    Ok(value)
}

struct Parser<'a, B: Builder> {
    s: &'a [u8],
    text: &'a str,
    b: &'a mut B,
    stack: Vec<B::Value>,
    scratch: Vec<u8>,
    max_depth: usize,
    depth: usize,
}

#[inline]
fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

impl<B: Builder> Parser<'_, B> {
    /// An error at byte offset `at`, reported (like CPython) as a character index.
    fn err(&self, msg: &'static str, at: usize) -> Error {
        let pos = if self.text.is_ascii() {
            at
        } else {
            self.s[..at].iter().filter(|&&b| (b & 0xc0) != 0x80).count()
        };
        Error::Decode { msg, pos }
    }

    #[inline]
    fn skip_ws(&self, mut i: usize) -> usize {
        while i < self.s.len() && is_ws(self.s[i]) {
            i += 1;
        }
        i
    }

    fn starts(&self, i: usize, lit: &[u8]) -> bool {
        // CPython requires a character after the literal's first one for each it checks; the
        // slice test is the same condition.
        self.s.get(i..i + lit.len()) == Some(lit)
    }

    /// One value starting exactly at `i` (`scan_once`); returns it and the offset after it.
    fn value(&mut self, i: usize) -> Result<(B::Value, usize), B::Error> {
        let Some(&c) = self.s.get(i) else {
            return Err(self.err("Expecting value", i).into());
        };
        match c {
            b'"' => self.string(i + 1, false),
            b'{' => self.nested(i, true),
            b'[' => self.nested(i, false),
            b'n' if self.starts(i, b"null") => Ok((self.b.null()?, i + 4)),
            b't' if self.starts(i, b"true") => Ok((self.b.bool(true)?, i + 4)),
            b'f' if self.starts(i, b"false") => Ok((self.b.bool(false)?, i + 5)),
            b'N' if self.starts(i, b"NaN") => Ok((self.b.float(f64::NAN)?, i + 3)),
            b'I' if self.starts(i, b"Infinity") => Ok((self.b.float(f64::INFINITY)?, i + 8)),
            b'-' if self.starts(i, b"-Infinity") => Ok((self.b.float(f64::NEG_INFINITY)?, i + 9)),
            _ => self.number(i),
        }
    }

    fn nested(&mut self, i: usize, object: bool) -> Result<(B::Value, usize), B::Error> {
        if self.depth >= self.max_depth {
            return Err(Error::Depth(if object {
                "decoding a JSON object from a unicode string"
            } else {
                "decoding a JSON array from a unicode string"
            })
            .into());
        }
        self.depth += 1;
        let out = if object {
            self.object(i + 1)
        } else {
            self.array(i + 1)
        };
        self.depth -= 1;
        out
    }

    fn array(&mut self, i: usize) -> Result<(B::Value, usize), B::Error> {
        let base = self.stack.len();
        let mut i = self.skip_ws(i);
        if self.s.get(i) != Some(&b']') {
            loop {
                let (v, next) = self.value(i)?;
                self.stack.push(v);
                i = self.skip_ws(next);
                match self.s.get(i) {
                    Some(b']') => break,
                    Some(b',') => i = self.skip_ws(i + 1),
                    _ => return Err(self.err("Expecting ',' delimiter", i).into()),
                }
            }
        }
        let v = self.b.array(self.stack.drain(base..))?;
        Ok((v, i + 1))
    }

    fn object(&mut self, i: usize) -> Result<(B::Value, usize), B::Error> {
        let base = self.stack.len();
        let mut i = self.skip_ws(i);
        if self.s.get(i) != Some(&b'}') {
            loop {
                if self.s.get(i) != Some(&b'"') {
                    return Err(self
                        .err("Expecting property name enclosed in double quotes", i)
                        .into());
                }
                let (k, next) = self.string(i + 1, true)?;
                self.stack.push(k);
                i = self.skip_ws(next);
                if self.s.get(i) != Some(&b':') {
                    return Err(self.err("Expecting ':' delimiter", i).into());
                }
                i = self.skip_ws(i + 1);
                let (v, next) = self.value(i)?;
                self.stack.push(v);
                i = self.skip_ws(next);
                match self.s.get(i) {
                    Some(b'}') => break,
                    Some(b',') => i = self.skip_ws(i + 1),
                    _ => return Err(self.err("Expecting ',' delimiter", i).into()),
                }
            }
        }
        let v = self.b.object(self.stack.drain(base..))?;
        Ok((v, i + 1))
    }

    /// `_match_number`: the longest prefix CPython accepts; `1.` and `1e` stop before the dot/e.
    fn number(&mut self, start: usize) -> Result<(B::Value, usize), B::Error> {
        let s = self.s;
        let digit = |i: usize| s.get(i).is_some_and(u8::is_ascii_digit);
        let mut i = start;
        if s.get(i) == Some(&b'-') {
            i += 1;
        }
        match s.get(i) {
            Some(b'1'..=b'9') => {
                i += 1;
                while digit(i) {
                    i += 1;
                }
            }
            Some(b'0') => i += 1,
            _ => return Err(self.err("Expecting value", start).into()),
        }
        let mut is_float = false;
        if s.get(i) == Some(&b'.') && digit(i + 1) {
            is_float = true;
            i += 2;
            while digit(i) {
                i += 1;
            }
        }
        if matches!(s.get(i), Some(b'e' | b'E')) && i + 1 < s.len() {
            let e_start = i;
            i += 1;
            if matches!(s.get(i), Some(b'-' | b'+')) && i + 1 < s.len() {
                i += 1;
            }
            while digit(i) {
                i += 1;
            }
            if s[i - 1].is_ascii_digit() {
                is_float = true;
            } else {
                i = e_start;
            }
        }
        let text = &self.text[start..i];
        let v = if is_float {
            // Rust's parse is correctly rounded like CPython's float(); overflow gives inf.
            self.b
                .float(text.parse::<f64>().expect("matched float grammar"))?
        } else if let Ok(n) = text.parse::<i64>() {
            self.b.int(n)?
        } else {
            self.b.big_int(text)?
        };
        Ok((v, i))
    }

    /// `scanstring`: `i` is just past the opening quote.
    fn string(&mut self, i: usize, key: bool) -> Result<(B::Value, usize), B::Error> {
        let s = self.s;
        let begin = i - 1;
        // Fast path: no escape before the closing quote borrows the input directly.
        let j = find_string_special(s, i);
        match s.get(j) {
            Some(b'"') => {
                let text = &self.text[i..j];
                let v = if key {
                    self.b.key(text)?
                } else {
                    self.b.str(text)?
                };
                return Ok((v, j + 1));
            }
            Some(b'\\') => {}
            Some(_) => return Err(self.err("Invalid control character at", j).into()),
            None => return Err(self.err("Unterminated string starting at", begin).into()),
        }
        let mut buf = std::mem::take(&mut self.scratch);
        buf.clear();
        buf.extend_from_slice(&s[i..j]);
        let result = self.escaped(&mut buf, begin, j);
        let out = match result {
            Ok((end, lone)) => {
                let v = if lone {
                    self.b.surrogate_str(&buf)
                } else {
                    // Only whole UTF-8 sequences and escapes were appended.
                    let text = std::str::from_utf8(&buf).expect("decoded string is UTF-8");
                    if key {
                        self.b.key(text)
                    } else {
                        self.b.str(text)
                    }
                };
                v.map(|v| (v, end))
            }
            Err(e) => Err(e.into()),
        };
        self.scratch = buf;
        out
    }

    /// The slow part of a string from the first backslash at `j`; returns the offset after the
    /// closing quote and whether a lone surrogate was written.
    fn escaped(
        &self,
        buf: &mut Vec<u8>,
        begin: usize,
        mut j: usize,
    ) -> Result<(usize, bool), Error> {
        let s = self.s;
        let mut lone = false;
        loop {
            let run = j;
            j = find_string_special(s, j);
            if s.get(j).is_some_and(|&c| c <= 0x1f) {
                return Err(self.err("Invalid control character at", j));
            }
            buf.extend_from_slice(&s[run..j]);
            if j >= s.len() {
                return Err(self.err("Unterminated string starting at", begin));
            }
            if s[j] == b'"' {
                return Ok((j + 1, lone));
            }
            // A backslash at j.
            j += 1;
            let Some(&e) = s.get(j) else {
                return Err(self.err("Unterminated string starting at", begin));
            };
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
                    _ => return Err(self.err("Invalid \\escape", j - 1)),
                };
                buf.push(c);
                j += 1;
                continue;
            }
            // `\uXXXX`: CPython wants a character after the four digits (the closing quote at
            // least), and reports any problem at the `u`.
            let hex_at = j + 1;
            let mut end = hex_at + 4;
            if end >= s.len() {
                return Err(self.err("Invalid \\uXXXX escape", j));
            }
            let mut c = self
                .hex4(hex_at)
                .ok_or_else(|| self.err("Invalid \\uXXXX escape", j))?;
            if (0xd800..0xdc00).contains(&c)
                && end + 6 < s.len()
                && s[end] == b'\\'
                && s[end + 1] == b'u'
            {
                let c2 = self
                    .hex4(end + 2)
                    .ok_or_else(|| self.err("Invalid \\uXXXX escape", end + 1))?;
                if (0xdc00..0xe000).contains(&c2) {
                    c = 0x1_0000 + (((c - 0xd800) << 10) | (c2 - 0xdc00));
                    end += 6;
                }
            }
            lone |= (0xd800..0xe000).contains(&c);
            push_code_point(buf, c);
            j = end;
        }
    }

    fn hex4(&self, at: usize) -> Option<u32> {
        let d = self.s.get(at..at + 4)?;
        let v = [
            HEX[d[0] as usize],
            HEX[d[1] as usize],
            HEX[d[2] as usize],
            HEX[d[3] as usize],
        ];
        if v.contains(&NOT_HEX) {
            return None;
        }
        Some(
            (u32::from(v[0]) << 12)
                | (u32::from(v[1]) << 8)
                | (u32::from(v[2]) << 4)
                | u32::from(v[3]),
        )
    }
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

/// UTF-8 for scalar values; the 3-byte generalized form for surrogates.
fn push_code_point(buf: &mut Vec<u8>, c: u32) {
    if c < 0x80 {
        buf.push(c as u8);
    } else if c < 0x800 {
        buf.extend_from_slice(&[0xc0 | (c >> 6) as u8, 0x80 | (c & 0x3f) as u8]);
    } else if c < 0x1_0000 {
        buf.extend_from_slice(&[
            0xe0 | (c >> 12) as u8,
            0x80 | ((c >> 6) & 0x3f) as u8,
            0x80 | (c & 0x3f) as u8,
        ]);
    } else {
        buf.extend_from_slice(&[
            0xf0 | (c >> 18) as u8,
            0x80 | ((c >> 12) & 0x3f) as u8,
            0x80 | ((c >> 6) & 0x3f) as u8,
            0x80 | (c & 0x3f) as u8,
        ]);
    }
}
