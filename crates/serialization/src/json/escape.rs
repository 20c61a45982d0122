//! JSON string escaping exactly as CPython's `json` does it (`encode_basestring_ascii` and
//! `encode_basestring`): short escapes for `\" \\ \b \f \n \r \t`, lowercase `\u00XX` for other
//! control characters, and with `ensure_ascii` every non-ASCII code point (and DEL) as
//! lowercase `\uXXXX`, astral ones as a UTF-16 surrogate pair.
//!
//! Input is UTF-8, or "generalized UTF-8" in which a lone surrogate (legal in a Python `str`)
//! is encoded as its 3-byte form, which is what `str.encode("utf-8", "surrogatepass")` gives.

use super::out::Out;

const HEX: &[u8; 16] = b"0123456789abcdef";

/// What a byte needs: 0 = copy as is, `U` = `\u00XX`, otherwise the letter after the backslash.
const U: u8 = b'u';
static ESCAPE: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 0x20 {
        t[i] = U;
        i += 1;
    }
    t[0x08] = b'b';
    t[0x09] = b't';
    t[0x0a] = b'n';
    t[0x0c] = b'f';
    t[0x0d] = b'r';
    t[b'"' as usize] = b'"';
    t[b'\\' as usize] = b'\\';
    t
};

/// Append `"<s escaped>"`. With `ensure_ascii` the output is pure ASCII; without it, UTF-8
/// passes through and lone surrogates are kept (3-byte form) unless `escape_surrogates`, in
/// which case they become `\udXXX` so the output is valid UTF-8 that decodes to the same str.
///
/// Inlined: most strings are short keys and labels, for which the test and store are a few
/// instructions and a call (saving and restoring registers) was most of the cost.
#[inline(always)]
pub fn write_str<O: Out + ?Sized>(
    out: &mut O,
    s: &[u8],
    ensure_ascii: bool,
    escape_surrogates: bool,
) {
    #[cfg(target_arch = "x86_64")]
    if s.len() < 16 {
        use std::arch::x86_64::_mm_storeu_si128;
        // Short strings (keys, labels) are most strings: one vector test of the whole
        // string (padded with spaces, which are plain) and one 16-byte store.
        let padded = pad16(s);
        if special16(padded, ensure_ascii, escape_surrogates) == 0 {
            out.reserve(18);
            let len = out.len();
            // SAFETY: 18 bytes are reserved from `len`: the quote, 16 stored bytes of which
            // `s.len()` are kept, and the closing quote at `len + 1 + s.len()` (< len + 18).
            // SSE2 is in the x86_64 baseline.
            unsafe {
                let p = out.as_mut_ptr().add(len);
                p.write(b'"');
                _mm_storeu_si128(p.add(1).cast(), padded);
                p.add(1 + s.len()).write(b'"');
                out.set_len(len + s.len() + 2);
            }
            return;
        }
    }
    write_str_slow(out, s, ensure_ascii, escape_surrogates);
}

/// [`write_str`] of a string that is long or needs escaping.
#[inline(never)]
fn write_str_slow<O: Out + ?Sized>(
    out: &mut O,
    s: &[u8],
    ensure_ascii: bool,
    escape_surrogates: bool,
) {
    out.reserve(s.len() + 2);
    out.push(b'"');
    if ensure_ascii {
        write_ascii(out, s);
    } else {
        write_unicode(out, s, escape_surrogates);
    }
    out.push(b'"');
}

/// `s` (shorter than 16 bytes) padded with spaces to 16, assembled in registers from
/// overlapping fixed-size loads. Copying it into a stack buffer and loading that as a vector
/// (as before) made every short string wait on a failed store-to-load forward (the 16-byte
/// load spans the copy's two smaller stores): half the time of writing a key.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn pad16(s: &[u8]) -> std::arch::x86_64::__m128i {
    const SPACES: u64 = u64::from_le_bytes([b' '; 8]);
    let n = s.len();
    debug_assert!(n < 16);
    let word = |at: usize| u64::from_le_bytes(s[at..at + 8].try_into().expect("8 bytes"));
    let half = |at: usize| {
        u64::from(u32::from_le_bytes(
            s[at..at + 4].try_into().expect("4 bytes"),
        ))
    };
    let (lo, hi) = if n >= 8 {
        // Bytes 8..n are the top n - 8 bytes of the word ending at n.
        let hi = match n {
            8 => SPACES,
            _ => (word(n - 8) >> ((16 - n) * 8)) | (SPACES << ((n - 8) * 8)),
        };
        (word(0), hi)
    } else if n >= 4 {
        // Bytes 4..n are the top n - 4 bytes of the 4 ending at n (none when n is 4).
        let tail = (half(n - 4) >> ((8 - n) * 8)) << 32;
        (half(0) | tail | (SPACES << (n * 8)), SPACES)
    } else if n > 0 {
        // Three single bytes that together cover 1..=3 (the same byte ORed in twice).
        let at = |k: usize| u64::from(s[k]) << (k * 8);
        (at(0) | at(n / 2) | at(n - 1) | (SPACES << (n * 8)), SPACES)
    } else {
        (SPACES, SPACES)
    };
    // SAFETY: SSE2 is in the x86_64 baseline.
    unsafe { std::arch::x86_64::_mm_set_epi64x(hi as i64, lo as i64) }
}

#[inline]
fn push_u16<O: Out + ?Sized>(out: &mut O, c: u32) {
    out.extend_from_slice(&[
        b'\\',
        b'u',
        HEX[(c >> 12) as usize & 15],
        HEX[(c >> 8) as usize & 15],
        HEX[(c >> 4) as usize & 15],
        HEX[c as usize & 15],
    ]);
}

#[inline]
fn push_control<O: Out + ?Sized>(out: &mut O, b: u8) {
    match ESCAPE[b as usize] {
        U => push_u16(out, u32::from(b)),
        e => out.extend_from_slice(&[b'\\', e]),
    }
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGH: u64 = 0x8080_8080_8080_8080;

/// The bytes of `w` that may need escaping, as a mask with each such byte's high bit set: a
/// control character, `"` or `\\`, and also any byte >= 0x7f (`ascii`) or any 0xED, the lead
/// byte of a surrogate (`surrogates`). Exact for "none": zero lets the caller copy all 8 bytes.
#[inline(always)]
fn special_bytes(w: u64, ascii: bool, surrogates: bool) -> u64 {
    let has_zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGH;
    let control = w.wrapping_sub(ONES * 0x20) & !w & HIGH;
    let quote = has_zero(w ^ (ONES * u64::from(b'"')));
    let backslash = has_zero(w ^ (ONES * u64::from(b'\\')));
    let mut hit = control | quote | backslash;
    if ascii {
        // >= 0x80 (high bit) or exactly 0x7f.
        hit |= (w & HIGH) | has_zero(w ^ (ONES * 0x7f));
    } else if surrogates {
        hit |= has_zero(w ^ (ONES * 0xed));
    }
    hit
}

/// `special_bytes` for the 16 bytes at `s[i..i + 16]` with SSE2 (part of every x86_64 CPU),
/// as a bit mask: bit k set = byte i + k may need escaping.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn special_mask16(s: &[u8], i: usize, ascii: bool, surrogates: bool) -> u32 {
    let chunk: &[u8; 16] = s[i..i + 16].try_into().expect("16-byte slice");
    // SAFETY: SSE2 is in the x86_64 baseline; the unaligned load reads exactly `chunk`.
    let x = unsafe { std::arch::x86_64::_mm_loadu_si128(chunk.as_ptr().cast()) };
    special16(x, ascii, surrogates)
}

/// [`special_mask16`] of 16 bytes in a register.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn special16(x: std::arch::x86_64::__m128i, ascii: bool, surrogates: bool) -> u32 {
    use std::arch::x86_64::{
        _mm_cmpeq_epi8, _mm_max_epu8, _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8,
    };
    // SAFETY: SSE2 is in the x86_64 baseline, so these instructions exist on every CPU this
    // code runs on.
    unsafe {
        let low = _mm_set1_epi8(0x1f);
        // max(x, 0x1f) == 0x1f exactly when x <= 0x1f (unsigned): a control character.
        let control = _mm_cmpeq_epi8(_mm_max_epu8(x, low), low);
        let quote = _mm_cmpeq_epi8(x, _mm_set1_epi8(b'"' as i8));
        let backslash = _mm_cmpeq_epi8(x, _mm_set1_epi8(b'\\' as i8));
        let mut hit = _mm_or_si128(_mm_or_si128(control, quote), backslash);
        if ascii {
            // movemask reads each byte's high bit: x itself flags every byte >= 0x80.
            hit = _mm_or_si128(hit, _mm_or_si128(x, _mm_cmpeq_epi8(x, _mm_set1_epi8(0x7f))));
        } else if surrogates {
            hit = _mm_or_si128(hit, _mm_cmpeq_epi8(x, _mm_set1_epi8(0xedu8 as i8)));
        }
        _mm_movemask_epi8(hit) as u32
    }
}

/// The first offset at or after `i` holding a byte that may need escaping (see
/// `special_bytes`), or `s.len()`. Looks at 32 bytes per step, which the compiler turns into
/// vector instructions, since long plain runs dominate real text; the lowest flagged byte of
/// a word is exact (the SWAR tests only over-report above a true hit).
#[inline(always)]
fn skip_plain(s: &[u8], mut i: usize, ascii: bool, surrogates: bool) -> usize {
    #[cfg(target_arch = "x86_64")]
    while i + 16 <= s.len() {
        let m = special_mask16(s, i, ascii, surrogates);
        if m != 0 {
            return i + m.trailing_zeros() as usize;
        }
        i += 16;
    }
    let word = |at: usize| u64::from_le_bytes(s[at..at + 8].try_into().expect("8-byte slice"));
    // One word first: right after an escape the next special byte is often close, and a
    // 32-byte step would be wasted work.
    while i + 8 <= s.len() {
        let m = special_bytes(word(i), ascii, surrogates);
        if m != 0 {
            return i + (m.trailing_zeros() / 8) as usize;
        }
        i += 8;
        while i + 32 <= s.len() {
            let m = special_bytes(word(i), ascii, surrogates)
                | special_bytes(word(i + 8), ascii, surrogates)
                | special_bytes(word(i + 16), ascii, surrogates)
                | special_bytes(word(i + 24), ascii, surrogates);
            if m != 0 {
                break;
            }
            i += 32;
        }
    }
    while let Some(&b) = s.get(i) {
        if ESCAPE[b as usize] != 0 || (ascii && b >= 0x7f) || (surrogates && b == 0xed) {
            break;
        }
        i += 1;
    }
    i
}

/// The first offset at or after `i` holding `"`, `\\` or a control character, or `s.len()`:
/// the bytes a JSON string reader must stop at.
#[inline]
pub(crate) fn find_string_special(s: &[u8], i: usize) -> usize {
    skip_plain(s, i, false, false)
}

/// Copy the plain bytes from `i` to `out`, returning where they end (see `skip_plain`). On
/// x86_64 each 16-byte block is stored while it is tested, so a long plain string is read
/// once instead of scanned and then copied.
#[inline(always)]
fn copy_plain<O: Out + ?Sized>(
    out: &mut O,
    s: &[u8],
    mut i: usize,
    ascii: bool,
    surrogates: bool,
) -> usize {
    #[cfg(target_arch = "x86_64")]
    if i + 64 <= s.len() && super::escape_avx2::available() {
        // SAFETY: AVX2 was just detected.
        let (end, special) =
            unsafe { super::escape_avx2::copy_plain(out, s, i, ascii, surrogates) };
        if special {
            return end;
        }
        i = end;
    }
    #[cfg(target_arch = "x86_64")]
    if i + 16 <= s.len() {
        let start = i;
        out.reserve(s.len() - start);
        let len = out.len();
        let dst = out.as_mut_ptr();
        // Two blocks per step while both are plain: long plain runs are most of the text.
        while i + 32 <= s.len() {
            let m = special_mask16(s, i, ascii, surrogates)
                | special_mask16(s, i + 16, ascii, surrogates);
            if m != 0 {
                break;
            }
            // SAFETY: `i + 32 <= s.len()`: the store ends inside the reservation (below).
            unsafe {
                std::ptr::copy_nonoverlapping(s.as_ptr().add(i), dst.add(len + i - start), 32);
            }
            i += 32;
        }
        while i + 16 <= s.len() {
            let m = special_mask16(s, i, ascii, surrogates);
            // SAFETY: `i + 16 <= s.len()`, so the 16 bytes stored end at most at
            // `len + s.len() - start`, inside the reservation; bytes past the run's end are
            // not counted in the length.
            unsafe {
                std::ptr::copy_nonoverlapping(s.as_ptr().add(i), dst.add(len + i - start), 16);
            }
            if m != 0 {
                i += m.trailing_zeros() as usize;
                // SAFETY: the bytes up to `i` were all stored above.
                unsafe { out.set_len(len + i - start) };
                return i;
            }
            i += 16;
        }
        // SAFETY: as above.
        unsafe { out.set_len(len + i - start) };
    }
    let end = skip_plain(s, i, ascii, surrogates);
    out.extend_from_slice(&s[i..end]);
    end
}

fn write_ascii<O: Out + ?Sized>(out: &mut O, s: &[u8]) {
    let mut i = 0;
    while i < s.len() {
        i = copy_plain(out, s, i, true, false);
        let Some(&b) = s.get(i) else { break };
        if b == 0x7f {
            push_u16(out, 0x7f);
            i += 1;
        } else if b < 0x80 {
            push_control(out, b);
            i += 1;
        } else {
            let (c, len) = decode(s, i);
            if c >= 0x1_0000 {
                let v = c - 0x1_0000;
                push_u16(out, 0xd800 | (v >> 10));
                push_u16(out, 0xdc00 | (v & 0x3ff));
            } else {
                push_u16(out, c);
            }
            i += len;
        }
    }
}

fn write_unicode<O: Out + ?Sized>(out: &mut O, s: &[u8], escape_surrogates: bool) {
    let mut i = 0;
    while i < s.len() {
        i = copy_plain(out, s, i, false, escape_surrogates);
        let Some(&b) = s.get(i) else { break };
        let surrogate = escape_surrogates && b == 0xed && s.get(i + 1).is_some_and(|&n| n >= 0xa0);
        if surrogate {
            let (c, len) = decode(s, i);
            push_u16(out, c);
            i += len;
        } else if ESCAPE[b as usize] == 0 {
            // 0xED leading an ordinary character (U+D000..U+D7FF): plain text.
            out.push(b);
            i += 1;
        } else {
            push_control(out, b);
            i += 1;
        }
    }
}

/// The code point starting at `s[i]` (a non-ASCII lead byte) and its length in bytes.
#[inline]
fn decode(s: &[u8], i: usize) -> (u32, usize) {
    let b0 = u32::from(s[i]);
    let cont = |k: usize| u32::from(s.get(i + k).copied().unwrap_or(0x80) & 0x3f);
    if b0 < 0xe0 {
        (((b0 & 0x1f) << 6) | cont(1), 2)
    } else if b0 < 0xf0 {
        (((b0 & 0x0f) << 12) | (cont(1) << 6) | cont(2), 3)
    } else {
        (
            ((b0 & 0x07) << 18) | (cont(1) << 12) | (cont(2) << 6) | cont(3),
            4,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::write_str;

    fn esc(s: &str, ascii: bool) -> String {
        let mut out = Vec::new();
        write_str(&mut out, s.as_bytes(), ascii, false);
        String::from_utf8(out).unwrap()
    }

    /// Strings of every length below 16 (assembled in registers from overlapping loads),
    /// each byte distinct, plain or with one byte that needs escaping at every position.
    #[test]
    fn short_strings_of_every_length_and_every_special_position() {
        for n in 0..16 {
            let plain: String = (0..n).map(|k| char::from(b'A' + k as u8)).collect();
            assert_eq!(esc(&plain, true), format!("\"{plain}\""));
            assert_eq!(esc(&plain, false), format!("\"{plain}\""));
            for at in 0..n {
                for (special, escaped) in [("\"", "\\\""), ("\n", "\\n"), ("\u{1}", "\\u0001")] {
                    let s = format!("{}{special}{}", &plain[..at], &plain[at + 1..]);
                    let want = format!("\"{}{escaped}{}\"", &plain[..at], &plain[at + 1..]);
                    assert_eq!(esc(&s, true), want);
                    assert_eq!(esc(&s, false), want);
                }
                let s = format!("{}é{}", &plain[..at], &plain[at + 1..]);
                assert_eq!(
                    esc(&s, true),
                    format!("\"{}\\u00e9{}\"", &plain[..at], &plain[at + 1..])
                );
                assert_eq!(esc(&s, false), format!("\"{s}\""));
            }
        }
    }

    #[test]
    fn ascii_mode_matches_cpython() {
        // Expected values are json.dumps(s) in CPython.
        assert_eq!(esc("plain", true), r#""plain""#);
        assert_eq!(esc("a\"b\\c", true), r#""a\"b\\c""#);
        assert_eq!(esc("\u{8}\u{c}\n\r\t", true), r#""\b\f\n\r\t""#);
        assert_eq!(esc("\u{0}\u{1f}\u{7f}", true), r#""\u0000\u001f\u007f""#);
        assert_eq!(esc("é€", true), r#""\u00e9\u20ac""#);
        assert_eq!(esc("😀", true), r#""\ud83d\ude00""#);
        assert_eq!(esc("/", true), r#""/""#);
    }

    #[test]
    fn unicode_mode_keeps_non_ascii() {
        assert_eq!(esc("é😀\u{7f}", false), "\"é😀\u{7f}\"");
        assert_eq!(esc("\u{1}\n\"", false), r#""\u0001\n\"""#);
    }

    #[test]
    fn word_at_a_time_scan_finds_every_special_byte() {
        // Each special character at every offset of a long run of plain text.
        for special in ["\"", "\\", "\n", "\u{1}", "\u{7f}", "é", "😀"] {
            for at in 0..70 {
                let (a, b) = ("a".repeat(at), "b".repeat(70 - at));
                let s = format!("{a}{special}{b}");
                for ascii in [true, false] {
                    let inner = esc(special, ascii);
                    let want = format!("\"{a}{}{b}\"", &inner[1..inner.len() - 1]);
                    assert_eq!(esc(&s, ascii), want, "{special:?} at {at}, ascii={ascii}");
                }
            }
        }
        let mut lone = b"abcdefghij".to_vec();
        lone.extend_from_slice(&[0xed, 0xa0, 0x80]);
        lone.extend_from_slice(b"klmnopqrst");
        let mut out = Vec::new();
        write_str(&mut out, &lone, false, true);
        assert_eq!(out, br#""abcdefghij\ud800klmnopqrst""#);
    }

    #[test]
    fn long_runs_find_every_special_byte() {
        // Past the 64- and 32-byte steps of the AVX2 copy (where the CPU has it).
        for special in ["\"", "\\", "\u{1f}", "\u{7f}", "é", "\u{d7ff}"] {
            for at in (0..300).step_by(7).chain(60..70) {
                let (a, b) = ("a".repeat(at), "b".repeat(300 - at));
                let s = format!("{a}{special}{b}");
                for ascii in [true, false] {
                    let inner = esc(special, ascii);
                    let want = format!("\"{a}{}{b}\"", &inner[1..inner.len() - 1]);
                    assert_eq!(esc(&s, ascii), want, "{special:?} at {at}, ascii={ascii}");
                }
            }
        }
    }

    #[test]
    fn lone_surrogates() {
        // "\ud800" as str.encode("utf-8", "surrogatepass") gives.
        let lone = [b'a', 0xed, 0xa0, 0x80, b'b'];
        let mut out = Vec::new();
        write_str(&mut out, &lone, true, false);
        assert_eq!(out, br#""a\ud800b""#);
        out.clear();
        write_str(&mut out, &lone, false, false);
        assert_eq!(out, [b'"', b'a', 0xed, 0xa0, 0x80, b'b', b'"']);
        out.clear();
        write_str(&mut out, &lone, false, true);
        assert_eq!(out, br#""a\ud800b""#);
        // A real (non-surrogate) character starting with 0xED stays raw.
        out.clear();
        write_str(&mut out, "\u{d7ff}".as_bytes(), false, true);
        assert_eq!(out, "\"\u{d7ff}\"".as_bytes());
    }
}
