//! JSON string bodies that hold escapes, decoded into code points (never UTF-8) in one pass
//! that also finds the widest character, so a binding can allocate the final string once at
//! the width it needs (1, 2 or 4 bytes a character, as CPython stores a `str`) and copy the
//! code points into it ([`Escaped::write`]). One pass over the escapes plus a copy measured
//! faster than measuring in a first pass and decoding in place in a second: in escape-dense
//! text the escapes, not the copy, are the cost.

use super::escape::find_string_special;
use super::stop_window::StopWindow;
use crate::Error;

/// A decoded string that held at least one escape, as code points (lone surrogates
/// included), with the class of its widest character.
#[derive(Debug, Clone, Copy)]
pub struct Escaped<'a> {
    units: &'a [u32],
    max_char: u32,
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

impl<'a> Escaped<'a> {
    /// The decoded `units`, classed by `bits`, the OR of all of them.
    #[inline(always)]
    fn decoded(units: &'a [u32], bits: u32) -> Self {
        Self {
            units,
            max_char: class_of_char(bits),
        }
    }

    /// Characters in the decoded string (a lone surrogate counts as one, like in a `str`).
    #[inline]
    pub fn len(&self) -> usize {
        self.units.len()
    }

    #[inline]
    pub fn is_empty(&self) -> bool {
        self.units.is_empty()
    }

    /// The widest character's class: 0x7f, 0xff, 0xffff or 0x10ffff (see `PyUnicode_New`).
    #[inline]
    pub fn max_char(&self) -> u32 {
        self.max_char
    }

    /// The code points.
    #[inline]
    pub fn chars(&self) -> &[u32] {
        self.units
    }

    /// Copy into `out`, which must hold exactly [`len`](Self::len) units of a width that
    /// [`max_char`](Self::max_char) fits in.
    ///
    /// # Panics
    /// If `out` has another length (a caller bug; never out-of-bounds writes).
    #[inline]
    pub fn write<U: CodeUnit>(&self, out: &mut [U]) {
        assert_eq!(
            out.len(),
            self.units.len(),
            "decoded string buffer has the wrong length"
        );
        // An index loop, for the reason given in `scan`.
        let mut k = 0;
        while k < out.len() {
            out[k] = U::from_char(self.units[k]);
            k += 1;
        }
    }
}

/// Decode the escape whose backslash is at `s[j]`: the character and the offset after it, or
/// `None` when malformed. Only for escapes other than `\uXXXX`, whose pairing rules `scan`
/// applies itself. Out of line so its `match` stays a separate jump table from the `u` test.
#[inline(never)]
fn decode_escape(s: &[u8], j: usize) -> Option<(u32, usize)> {
    let c = match *s.get(j + 1)? {
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
    Some((u32::from(c), j + 2))
}

/// Decode the string whose opening quote is at `begin` and whose first backslash is at `j`
/// into `buf` (cleared first), exactly as CPython's `scanstring` reads it: the same
/// characters, and the same errors at the same offsets. `ascii` says the document is pure
/// ASCII. `err` turns (message, byte offset) into the caller's error. Returns the decoded
/// string and the offset after the closing quote.
pub(crate) fn scan<'b>(
    text: &str,
    ascii: bool,
    begin: usize,
    mut j: usize,
    buf: &'b mut Vec<u32>,
    stops: &mut StopWindow,
    err: impl Fn(&'static str, usize) -> Error,
) -> Result<(Escaped<'b>, usize), Error> {
    // Written with plain index loops: the `fast` profile builds without LTO, and there the
    // iterator adapters (zip, fold, extend) stayed out-of-line calls costing more than the
    // work. `buf` is used as a zeroed array grown ahead of need; `o` is the string's length.
    let s = text.as_bytes();
    if ascii {
        return scan_ascii(s, begin, j, buf, stops, err);
    }
    let mut o = 0;
    // The OR of all code points: the classes split at powers of two, so its top bit
    // classifies the widest character without a compare per character.
    let mut bits = 0u32;
    let mut run = begin + 1;
    loop {
        // The plain run before `j`.
        if o + (j - run) > buf.len() {
            grow(buf, o + (j - run));
        }
        for c in text[run..j].chars() {
            buf[o] = u32::from(c);
            bits |= buf[o];
            o += 1;
        }
        // Room for the escape's character.
        if o >= buf.len() {
            grow(buf, o + 1);
        }
        let Some((c, next)) = at_stop(s, begin, j, &err)? else {
            return Ok((Escaped::decoded(&buf[..o], bits), j + 1));
        };
        buf[o] = c;
        bits |= c;
        o += 1;
        run = next;
        // Escapes often come in a row (CJK text, surrogate pairs): no scan needed then.
        if s.get(next) == Some(&b'\\') {
            j = next;
        } else {
            j = find_string_special(s, next);
        }
    }
}

/// [`scan`] for a pure-ASCII document, where a byte is a character (every non-ASCII
/// character of an `ensure_ascii` document is an escape, so such text is escape-dense). The
/// plain run before each escape is widened to code points 16 bytes at a time without being
/// looked at, and the stop bytes come from the reader's classified window ([`StopWindow`],
/// which replaced a mask of 64 bytes made here): after an escape, the next stop is a shift and a bit count, instead of a
/// load, compare and branch that had to wait for the escape's decoding and often went the
/// wrong way (another escape, or a run?).
fn scan_ascii<'b>(
    s: &[u8],
    begin: usize,
    mut j: usize,
    buf: &'b mut Vec<u32>,
    stops: &mut StopWindow,
    err: impl Fn(&'static str, usize) -> Error,
) -> Result<(Escaped<'b>, usize), Error> {
    let mut o = 0;
    let mut bits = 0u32;
    let mut run = begin + 1;
    loop {
        o = widen_run(s, run, j, buf, o);
        let Some((c, next)) = at_stop(s, begin, j, &err)? else {
            return Ok((Escaped::decoded(&buf[..o], bits), j + 1));
        };
        // `widen_run` left room for this unit.
        buf[o] = c;
        bits |= c;
        o += 1;
        run = next;
        j = stops.next(s, next);
    }
}

/// Widen the plain ASCII run `s[run..j]` into `buf[o..]` as code points and return the new
/// length, leaving room in `buf` for at least one more unit. Whole 16-byte blocks are
/// stored, the first even for an empty run: a branch on the run's length would mispredict in
/// escape-dense text, and the units stored past the run are overwritten by what follows or
/// lie past the string's end.
#[inline(always)]
fn widen_run(s: &[u8], run: usize, j: usize, buf: &mut Vec<u32>, o: usize) -> usize {
    let n = j - run;
    if o + n + 17 > buf.len() {
        grow(buf, o + n + 17);
    }
    let mut k = 0;
    #[cfg(target_arch = "x86_64")]
    while run + k + 16 <= s.len() {
        let block: &[u8; 16] = s[run + k..run + k + 16].try_into().expect("16-byte slice");
        let out: &mut [u32; 16] = (&mut buf[o + k..o + k + 16])
            .try_into()
            .expect("16-unit slice");
        widen16(block, out);
        k += 16;
        if k >= n {
            return o + n;
        }
    }
    while k < n {
        buf[o + k] = u32::from(s[run + k]);
        k += 1;
    }
    o + n
}

/// What the stop byte at `j` of a string opened at `begin` is: `None` for the closing quote,
/// else the escape's character and the offset after it (an unterminated string or a raw
/// control character is the caller's error, at CPython's offsets).
#[inline(always)]
fn at_stop(
    s: &[u8],
    begin: usize,
    j: usize,
    err: &impl Fn(&'static str, usize) -> Error,
) -> Result<Option<(u32, usize)>, Error> {
    match s.get(j) {
        None => Err(err("Unterminated string starting at", begin)),
        Some(b'"') => Ok(None),
        Some(b'\\') => escape_at(s, begin, j, err).map(Some),
        Some(_) => Err(err("Invalid control character at", j)),
    }
}

/// The escape whose backslash is at `s[j]` (in the string opened at `begin`): its character
/// (a surrogate pair joined, a lone surrogate kept) and the offset after it, or CPython's
/// error for it.
#[inline(always)]
fn escape_at(
    s: &[u8],
    begin: usize,
    j: usize,
    err: &impl Fn(&'static str, usize) -> Error,
) -> Result<(u32, usize), Error> {
    let Some(&e) = s.get(j + 1) else {
        return Err(err("Unterminated string starting at", begin));
    };
    // `\uXXXX` tested on its own, ahead of the other escapes: merged into one `match`,
    // the compiler made a jump table whose indirect jump mispredicted on most escapes of
    // escape-dense text (a sixth of the transcript's loads profile).
    let (c, next) = if e == b'u' {
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
        (c, next)
    } else {
        let Some(decoded) = decode_escape(s, j) else {
            return Err(err("Invalid \\escape", j));
        };
        decoded
    };
    Ok((c, next))
}

/// Widen 16 bytes to 16 code points in `out` with SSE2 (part of every x86_64 CPU); returns
/// the mask of the bytes a string reader stops at (bit k: byte k is `"`, `\\` or < 0x20).
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn widen16(block: &[u8; 16], out: &mut [u32; 16]) -> u32 {
    use std::arch::x86_64::{
        __m128i, _mm_loadu_si128, _mm_setzero_si128, _mm_storeu_si128, _mm_unpackhi_epi8,
        _mm_unpackhi_epi16, _mm_unpacklo_epi8, _mm_unpacklo_epi16,
    };
    // SAFETY: SSE2 is in the x86_64 baseline; the load reads exactly the 16 bytes of `block`
    // and the four unaligned stores write exactly the 64 bytes of `out`.
    unsafe {
        let x = _mm_loadu_si128(block.as_ptr().cast());
        let zero = _mm_setzero_si128();
        let lo = _mm_unpacklo_epi8(x, zero);
        let hi = _mm_unpackhi_epi8(x, zero);
        let dst = out.as_mut_ptr().cast::<__m128i>();
        _mm_storeu_si128(dst, _mm_unpacklo_epi16(lo, zero));
        _mm_storeu_si128(dst.add(1), _mm_unpackhi_epi16(lo, zero));
        _mm_storeu_si128(dst.add(2), _mm_unpacklo_epi16(hi, zero));
        _mm_storeu_si128(dst.add(3), _mm_unpackhi_epi16(hi, zero));
        stops(x)
    }
}

/// The bytes of `x` a string reader stops at: `"`, `\\` or a control character (< 0x20).
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn stops(x: std::arch::x86_64::__m128i) -> u32 {
    use std::arch::x86_64::{
        _mm_cmpeq_epi8, _mm_max_epu8, _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8,
    };
    // SAFETY: SSE2 is in the x86_64 baseline; these only compute on registers.
    unsafe {
        let low = _mm_set1_epi8(0x1f);
        // max(x, 0x1f) == 0x1f exactly when x <= 0x1f (unsigned): a control character.
        let control = _mm_cmpeq_epi8(_mm_max_epu8(x, low), low);
        let quote = _mm_cmpeq_epi8(x, _mm_set1_epi8(b'"' as i8));
        let backslash = _mm_cmpeq_epi8(x, _mm_set1_epi8(b'\\' as i8));
        _mm_movemask_epi8(_mm_or_si128(_mm_or_si128(control, quote), backslash)) as u32
    }
}

/// Make `buf` at least `need` long (zeros), doubling so a long string grows it a few times.
#[cold]
#[inline(never)]
fn grow(buf: &mut Vec<u32>, need: usize) {
    buf.resize(need.max(buf.len() * 2).max(64), 0);
}

/// The four hex digits at `s[at..at + 4]` as a number, `None` if any is not a hex digit
/// (either case). Table lookups measured faster than byte-parallel arithmetic on one 32-bit
/// load: the four loads proceed in parallel, the arithmetic is one long dependency chain.
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

#[cfg(test)]
mod tests {
    use super::hex4;

    fn reference(d: &[u8]) -> Option<u32> {
        let text = std::str::from_utf8(d).ok()?;
        if !text.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        u32::from_str_radix(text, 16).ok()
    }

    #[test]
    fn hex4_reads_every_value_in_either_case() {
        for c in 0..=0xffff_u32 {
            for text in [format!("{c:04x}"), format!("{c:04X}")] {
                assert_eq!(hex4(text.as_bytes(), 0), Some(c), "{text}");
            }
        }
    }

    #[test]
    fn hex4_rejects_any_non_hex_byte_at_any_position() {
        for pos in 0..4 {
            for b in 0..=255_u8 {
                for base in [*b"0000", *b"ffff", *b"9aF0", *b"\x7f\x7f\x7f\x7f"] {
                    let mut d = base;
                    d[pos] = b;
                    assert_eq!(hex4(&d, 0), reference(&d), "{d:?}");
                }
            }
        }
    }

    #[test]
    fn hex4_matches_the_reference_on_mixed_bytes() {
        // Bytes drawn from the digits, the letters, the bounds around each range and the
        // high half, four at a time.
        let pool: Vec<u8> = (b'0'..=b'9')
            .chain(b'a'..=b'f')
            .chain(b'A'..=b'F')
            .chain([
                0, b'/', b':', b'@', b'G', b'`', b'g', 0x7f, 0x80, 0xb0, 0xc6, 0xe6, 0xff,
            ])
            .collect();
        let n = pool.len();
        for i in 0..n * n * n * n {
            let d = [
                pool[i % n],
                pool[i / n % n],
                pool[i / n / n % n],
                pool[i / n / n / n],
            ];
            assert_eq!(hex4(&d, 0), reference(&d), "{d:?}");
        }
    }

    #[test]
    fn hex4_needs_four_bytes() {
        assert_eq!(hex4(b"abc", 0), None);
        assert_eq!(hex4(b"xabcd", 1), Some(0xabcd));
        assert_eq!(hex4(b"xabcd", 2), None);
    }
}
