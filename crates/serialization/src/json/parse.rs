//! A JSON reader with CPython's `json.loads` semantics, including its quirks: NaN/Infinity,
//! `1.` read as `1` followed by extra data, `\uXXXX` surrogate pairing rules, lone surrogates
//! kept, and every error reported with the scanner's own message and character position.
//!
//! The reader builds nothing itself: it hands each value to a [`Builder`], so the binding can
//! create Python objects directly and tests can build plain Rust values. Strings without
//! escapes are lent from the input; strings with escapes arrive as an [`Escaped`] the builder
//! decodes straight into its own storage.

use std::vec::Drain;

use super::keys::{KeyMemo, LOST, START};
use super::stop_window::StopWindow;
use super::unescape::{self, Escaped};
use super::values::ValueMemo;
use crate::Error;

/// The value memo's context outside any numbered key (the document's top level).
const NO_CONTEXT: u32 = u32::MAX;

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
    /// A string without escapes, lent from the input.
    fn str(&mut self, s: &str) -> Result<Self::Value, Self::Error>;
    /// A string with escapes (possibly decoding to lone surrogates, which a Python `str`
    /// holds).
    fn escaped(&mut self, s: &Escaped<'_>) -> Result<Self::Value, Self::Error>;
    /// A short string value without escapes that the reader's value memo knows as slot
    /// `slot`: with `seen`, the value this builder returned for the slot's last `memo_str`
    /// call has this very text and may be returned again (`str` identity is not part of
    /// `json.loads`' contract; equality and type are); without, the slot now stands for
    /// this text and the builder may remember the value it makes for it.
    fn memo_str(&mut self, slot: u32, seen: bool, s: &str) -> Result<Self::Value, Self::Error> {
        let _ = (slot, seen);
        self.str(s)
    }
    /// An object key without escapes; builders may cache repeated keys.
    fn key(&mut self, s: &str) -> Result<Self::Value, Self::Error> {
        self.str(s)
    }
    /// A plain object key the reader has numbered: `id` stands for the same text wherever
    /// it appears in this document, so builders may cache the value by it.
    fn known_key(&mut self, id: u32, s: &str) -> Result<Self::Value, Self::Error> {
        let _ = id;
        self.key(s)
    }
    /// An object key with escapes.
    fn escaped_key(&mut self, s: &Escaped<'_>) -> Result<Self::Value, Self::Error> {
        self.escaped(s)
    }
    /// An array of `items`, in order: always a drain of the reader's value stack to its end,
    /// so a builder that moves the items out itself may forget the drain.
    fn array(&mut self, items: Drain<'_, Self::Value>) -> Result<Self::Value, Self::Error>;
    /// An object being filled member by member (a Python dict, filled in place as CPython's
    /// scanner fills it, so no member waits on a stack and is moved again).
    type Object;
    /// A new, empty object: its members follow through
    /// [`object_member`](Self::object_member).
    fn object_start(&mut self) -> Result<Self::Object, Self::Error>;
    /// The next member; a repeated key's last value wins, at the position of its first
    /// occurrence (what a Python dict does).
    fn object_member(
        &mut self,
        object: &mut Self::Object,
        key: Self::Value,
        value: Self::Value,
    ) -> Result<(), Self::Error>;
    /// The object, complete.
    fn object_end(&mut self, object: Self::Object) -> Result<Self::Value, Self::Error>;
}

/// Parse a whole document (what `json.loads` does after its BOM check). Nesting deeper than
/// `max_depth` fails with [`Error::Depth`] instead of exhausting the stack.
pub fn parse<B: Builder>(
    text: &str,
    builder: &mut B,
    max_depth: usize,
) -> Result<B::Value, B::Error> {
    parse_with_ascii(text, text.is_ascii(), builder, max_depth)
}

/// [`parse`] for a caller that already knows whether `text` is pure ASCII (a Python `str`
/// records it), which saves a pass over the input. A wrong `ascii` gives wrong strings and
/// error positions, never unsafety.
pub fn parse_with_ascii<B: Builder>(
    text: &str,
    ascii: bool,
    builder: &mut B,
    max_depth: usize,
) -> Result<B::Value, B::Error> {
    let mut p = Parser {
        s: text.as_bytes(),
        text,
        ascii,
        b: builder,
        stack: Vec::new(),
        scratch: Vec::new(),
        keys: KeyMemo::new(),
        values: ValueMemo::new(text.len()),
        stops: StopWindow::new(),
        ctx: NO_CONTEXT,
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
    ascii: bool,
    b: &'a mut B,
    stack: Vec<B::Value>,
    /// Reused for the code points of strings with escapes.
    scratch: Vec<u32>,
    /// Object keys seen so far, numbered, with what followed each.
    keys: KeyMemo,
    /// Short string values seen so far, so repeated ones can share one value.
    values: ValueMemo,
    /// The stop bytes of the part of the document being read, a bit each: where strings end.
    stops: StopWindow,
    /// The number of the key the value being read belongs to (an array's items belong to
    /// the array's key), for the value memo's per-key accounting.
    ctx: u32,
    max_depth: usize,
    depth: usize,
}

/// An error at byte offset `at` of `s`, reported (like CPython) as a character index.
fn error_at(s: &[u8], ascii: bool, msg: &'static str, at: usize) -> Error {
    let pos = if ascii {
        at
    } else {
        s[..at].iter().filter(|&&b| (b & 0xc0) != 0x80).count()
    };
    Error::Decode { msg, pos }
}

#[inline]
fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

impl<B: Builder> Parser<'_, B> {
    /// An error at byte offset `at`, reported (like CPython) as a character index.
    fn err(&self, msg: &'static str, at: usize) -> Error {
        error_at(self.s, self.ascii, msg, at)
    }

    #[inline]
    fn skip_ws(&self, mut i: usize) -> usize {
        // Most separators are followed by nothing or by one space (`json.dumps`'s ", " and
        // ": "): settle those without the loop.
        match self.s.get(i) {
            Some(&b) if b > b' ' => return i,
            Some(b' ') if self.s.get(i + 1).is_some_and(|&b| b > b' ') => return i + 1,
            _ => {}
        }
        while i < self.s.len() && is_ws(self.s[i]) {
            i += 1;
        }
        i
    }

    /// The offset just past `sep` and one space at `i` when a non-space byte follows them
    /// (`json.dumps`'s `", "` and `": "` before a value or key), tested as one two-byte
    /// compare and one byte; `None` for anything else, which the callers read the general
    /// way (any whitespace, or none, around the separator).
    #[inline(always)]
    fn sep_space(&self, i: usize, sep: u8) -> Option<usize> {
        let s = self.s;
        if i + 3 > s.len() {
            return None;
        }
        // SAFETY: `i + 3 <= s.len()` was just checked, so bytes `i..i + 3` are in bounds.
        let (pair, after) = unsafe {
            (
                s.as_ptr().add(i).cast::<u16>().read_unaligned(),
                *s.get_unchecked(i + 2),
            )
        };
        (pair == u16::from_ne_bytes([sep, b' ']) && after > b' ').then_some(i + 2)
    }

    fn starts(&self, i: usize, lit: &[u8]) -> bool {
        // CPython requires a character after the literal's first one for each it checks; the
        // slice test is the same condition.
        self.s.get(i..i + lit.len()) == Some(lit)
    }

    /// One value starting exactly at `i` (`scan_once`); returns it and the offset after it.
    fn value(&mut self, i: usize) -> Result<(B::Value, usize), B::Error> {
        self.member(i)
    }

    /// [`value`](Self::value) inlined into the array and object loops: a scalar or string
    /// member is then read without a call (whose register saves and restores were a tenth
    /// of the reader's own instructions on a list of records); only a nested container
    /// costs one.
    #[inline(always)]
    fn member(&mut self, i: usize) -> Result<(B::Value, usize), B::Error> {
        let Some(&c) = self.s.get(i) else {
            return Err(self.err("Expecting value", i).into());
        };
        match c {
            b'"' => self.string(i + 1),
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

    #[inline(never)]
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
        let ctx = self.ctx;
        let mut i = self.skip_ws(i);
        if self.s.get(i) != Some(&b']') {
            loop {
                // A nested object leaves its last key's number here.
                self.ctx = ctx;
                let (v, next) = self.member(i)?;
                self.stack.push(v);
                if let Some(j) = self.sep_space(next, b',') {
                    i = j;
                    continue;
                }
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
        let mut object = self.b.object_start()?;
        let mut i = self.skip_ws(i);
        if self.s.get(i) != Some(&b'}') {
            let mut prev = START;
            loop {
                if self.s.get(i) != Some(&b'"') {
                    return Err(self
                        .err("Expecting property name enclosed in double quotes", i)
                        .into());
                }
                let (k, next) = self.key(i + 1, &mut prev)?;
                i = match self.sep_space(next, b':') {
                    Some(j) => j,
                    None => {
                        i = self.skip_ws(next);
                        if self.s.get(i) != Some(&b':') {
                            return Err(self.err("Expecting ':' delimiter", i).into());
                        }
                        self.skip_ws(i + 1)
                    }
                };
                self.ctx = prev;
                let (v, next) = self.member(i)?;
                self.b.object_member(&mut object, k, v)?;
                if let Some(j) = self.sep_space(next, b',') {
                    i = j;
                    continue;
                }
                i = self.skip_ws(next);
                match self.s.get(i) {
                    Some(b'}') => break,
                    Some(b',') => i = self.skip_ws(i + 1),
                    _ => return Err(self.err("Expecting ',' delimiter", i).into()),
                }
            }
        }
        let v = self.b.object_end(object)?;
        Ok((v, i + 1))
    }

    /// `_match_number`: the longest prefix CPython accepts; `1.` and `1e` stop before the dot/e.
    ///
    /// The digits are accumulated while they are matched, so the common numbers need no
    /// second pass: an integer of up to 18 digits is exact in `i64`, and a float whose
    /// significand fits 53 bits with a decimal exponent within +-22 is one correctly rounded
    /// multiplication or division of two exact doubles (Clinger's fast path), the same double
    /// `float()` gives. Everything else is parsed from the matched text.
    #[inline(always)]
    fn number(&mut self, start: usize) -> Result<(B::Value, usize), B::Error> {
        let s = self.s;
        let mut i = start;
        let neg = s.get(i) == Some(&b'-');
        if neg {
            i += 1;
        }
        // Wraps past 19 digits; only read when the digit count says it did not.
        let mut mant: u64 = 0;
        let int_start = i;
        match s.get(i) {
            Some(b'1'..=b'9') => {
                while let Some(&d @ b'0'..=b'9') = s.get(i) {
                    mant = mant.wrapping_mul(10).wrapping_add(u64::from(d - b'0'));
                    i += 1;
                }
            }
            Some(b'0') => i += 1,
            _ => return Err(self.err("Expecting value", start).into()),
        }
        let mut digits = i - int_start;
        let mut frac_digits = 0;
        let mut is_float = false;
        if s.get(i) == Some(&b'.') && s.get(i + 1).is_some_and(u8::is_ascii_digit) {
            is_float = true;
            i += 1;
            let frac_start = i;
            while let Some(&d @ b'0'..=b'9') = s.get(i) {
                mant = mant.wrapping_mul(10).wrapping_add(u64::from(d - b'0'));
                i += 1;
            }
            frac_digits = i - frac_start;
            digits += frac_digits;
        }
        let mut exp: i64 = 0;
        if matches!(s.get(i), Some(b'e' | b'E')) && i + 1 < s.len() {
            let e_start = i;
            i += 1;
            let mut exp_neg = false;
            if matches!(s.get(i), Some(b'-' | b'+')) && i + 1 < s.len() {
                exp_neg = s[i] == b'-';
                i += 1;
            }
            let exp_start = i;
            while let Some(&d @ b'0'..=b'9') = s.get(i) {
                // Saturates far outside the fast path's range; such text is parsed below.
                if exp < 1_000_000 {
                    exp = exp * 10 + i64::from(d - b'0');
                }
                i += 1;
            }
            if i > exp_start {
                is_float = true;
                if exp_neg {
                    exp = -exp;
                }
            } else {
                i = e_start;
                exp = 0;
            }
        }
        let v = if !is_float && digits <= 18 {
            // < 10^18 < 2^63: exact, and its negation too.
            let n = mant as i64;
            self.b.int(if neg { -n } else { n })?
        } else if is_float
            && digits <= 19
            && mant <= 1 << 53
            && (-22..=22).contains(&(exp - frac_digits as i64))
        {
            let e = exp - frac_digits as i64;
            let m = mant as f64;
            let x = if e < 0 {
                m / POW10[(-e) as usize]
            } else {
                m * POW10[e as usize]
            };
            self.b.float(if neg { -x } else { x })?
        } else {
            let text = &self.text[start..i];
            if is_float {
                // Rust's parse is correctly rounded like CPython's float(); overflow gives inf.
                self.b
                    .float(text.parse::<f64>().expect("matched float grammar"))?
            } else if let Ok(n) = text.parse::<i64>() {
                self.b.int(n)?
            } else {
                self.b.big_int(text)?
            }
        };
        Ok((v, i))
    }

    /// An object key (`i` just past its opening quote) following key `prev` in the current
    /// object. The key the memo predicts is compared in place first: in a list of records
    /// with the same fields every key is found that way, without searching for its closing
    /// quote or hashing it.
    #[inline(always)]
    fn key(&mut self, i: usize, prev: &mut u32) -> Result<(B::Value, usize), B::Error> {
        let guess = self.keys.predict(*prev, self.depth);
        if let Some(n) = self.keys.matches(self.s, guess, i) {
            // SAFETY: `i` follows a `"` and `i + n` holds one (`matches` checked it); ASCII
            // bytes are char boundaries, so this is a slice of `text`.
            let text = unsafe { self.text.get_unchecked(i..i + n) };
            *prev = guess;
            return Ok((self.b.known_key(guess, text)?, i + n + 1));
        }
        self.key_unpredicted(i, prev)
    }

    /// [`key`](Self::key) when the guess was wrong: read the key, number it, and learn that
    /// it follows `prev`.
    #[inline(never)]
    fn key_unpredicted(&mut self, i: usize, prev: &mut u32) -> Result<(B::Value, usize), B::Error> {
        let s = self.s;
        let j = self.stops.next(s, i);
        if s.get(j) == Some(&b'"') {
            // SAFETY: as in `string`: both ends are ASCII quote bytes.
            let text = unsafe { self.text.get_unchecked(i..j) };
            if let Some(id) = self.keys.find(s, i, j - i) {
                self.keys.learn(*prev, self.depth, id);
                *prev = id;
                return Ok((self.b.known_key(id, text)?, j + 1));
            }
            *prev = LOST;
            return Ok((self.b.key(text)?, j + 1));
        }
        *prev = LOST;
        self.string_slow(i, j, true)
    }

    /// `scanstring` for a value (keys go through [`key`](Self::key)): `i` is just past the
    /// opening quote.
    #[inline(always)]
    fn string(&mut self, i: usize) -> Result<(B::Value, usize), B::Error> {
        let s = self.s;
        // Fast path: no escape before the closing quote borrows the input directly. The end
        // comes from the window's stop bits: a shift and a bit count for most strings.
        let j = self.stops.next(s, i);
        if s.get(j) == Some(&b'"') {
            // SAFETY: `i` follows a `"` and `j` holds one; an ASCII byte is never inside a
            // UTF-8 sequence, so both are char boundaries of `text` (and `i <= j <= len`).
            // The checked slice's boundary tests were a measurable share of short strings.
            let text = unsafe { self.text.get_unchecked(i..j) };
            // One call site each for the builder's two paths, so each is inlined once.
            let v = match self.values.lookup(s, i, j - i, self.ctx).slot() {
                None => self.b.str(text)?,
                Some((slot, seen)) => self.b.memo_str(slot, seen, text)?,
            };
            return Ok((v, j + 1));
        }
        self.string_slow(i, j, false)
    }

    /// [`string`](Self::string) past its fast path: `s[j]` is the first byte that is not
    /// plain text, and not the closing quote. Kept out of line so the fast path stays small.
    #[inline(never)]
    fn string_slow(
        &mut self,
        i: usize,
        j: usize,
        key: bool,
    ) -> Result<(B::Value, usize), B::Error> {
        let begin = i - 1;
        match self.s.get(j) {
            Some(b'\\') => {}
            Some(_) => return Err(self.err("Invalid control character at", j).into()),
            None => return Err(self.err("Unterminated string starting at", begin).into()),
        }
        // The errors are made from copies of `s` and `ascii`, not through `self`, so the
        // scratch buffer and the window are borrowed in place: lending the buffer out by
        // `mem::take` and putting it back cost a drop call per escaped string.
        let (s, ascii) = (self.s, self.ascii);
        let (escaped, end) = unescape::scan(
            self.text,
            ascii,
            begin,
            j,
            &mut self.scratch,
            &mut self.stops,
            |m, at| error_at(s, ascii, m, at),
        )?;
        let v = if key {
            self.b.escaped_key(&escaped)?
        } else {
            self.b.escaped(&escaped)?
        };
        Ok((v, end))
    }
}

/// The powers of ten a double holds exactly (10^22 < 2^53 * 2^22 needs no rounding).
static POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];
