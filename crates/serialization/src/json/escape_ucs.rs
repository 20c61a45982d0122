//! `ensure_ascii` escaping of a string given as fixed-width code units (CPython's in-memory
//! forms: Latin-1, UCS-2, UCS-4), byte-identical to CPython's `encode_basestring_ascii`.
//!
//! Reading the units directly skips the UTF-8 round trip (encode, then decode again to find
//! each code point). Clean runs are checked and narrowed to bytes eight units at a time with
//! SSE2 on x86_64 (part of its baseline); other targets take the scalar loop.

use super::out::Out;

const HEX: &[u8; 16] = b"0123456789abcdef";

/// A string's code units, as CPython stores it.
#[derive(Debug, Clone, Copy)]
pub enum Units<'a> {
    /// One byte per code point, U+0000..U+00FF.
    Latin1(&'a [u8]),
    Ucs2(&'a [u16]),
    Ucs4(&'a [u32]),
}

/// Append `"<s escaped>"` with every non-ASCII code point (and DEL) as `\uXXXX`, astral ones
/// as a surrogate pair, lone surrogates as themselves (`\udXXX`), as the stdlib does.
pub fn write_units_ascii<O: Out + ?Sized>(out: &mut O, s: Units<'_>) {
    #[cfg(target_arch = "x86_64")]
    let vbmi = vbmi();
    #[cfg(not(target_arch = "x86_64"))]
    let vbmi = false;
    write_units_ascii_with(out, s, vbmi);
}

/// [`write_units_ascii`], using `escape_vbmi` if `vbmi` (the CPU must have it): tests run
/// both paths on the same machine.
pub(super) fn write_units_ascii_with<O: Out + ?Sized>(out: &mut O, s: Units<'_>, vbmi: bool) {
    out.push(b'"');
    match s {
        Units::Latin1(s) => write_wide(out, s, vbmi),
        Units::Ucs2(s) => write_wide(out, s, vbmi),
        Units::Ucs4(s) => write_wide(out, s, vbmi),
    }
    out.push(b'"');
}

/// One code unit width.
pub(super) trait Unit: Copy {
    /// The most output bytes one unit can need (`\uXXXX`, or a pair of them).
    const MAX_OUT: usize;
    fn get(self) -> u32;
    /// For the 8 units at `s[i..i + 8]`: their low bytes, and a mask with bit k set when
    /// unit k is a plain printable ASCII character (copied as that byte).
    #[cfg(target_arch = "x86_64")]
    fn load8(s: &[Self], i: usize) -> (u64, u32);
    /// The 16 units at `s[i..i + 16]` narrowed to bytes with saturation: a unit below 0x80
    /// keeps its value and any other becomes 0x80..=0xff or 0, which `simd::special16`
    /// flags, so a byte is plain exactly when its unit is.
    ///
    /// # Safety
    /// `p` is valid for reads of 16 units (the hot loop has checked its bounds once).
    #[cfg(target_arch = "x86_64")]
    unsafe fn narrow16(p: *const Self) -> std::arch::x86_64::__m128i;
}

/// Plain: printable ASCII other than `"` and `\\` (DEL is escaped too).
#[inline(always)]
fn plain(c: u32) -> bool {
    (0x20..0x7f).contains(&c) && c != u32::from(b'"') && c != u32::from(b'\\')
}

#[cfg(target_arch = "x86_64")]
mod simd {
    use std::arch::x86_64::{
        __m128i, _mm_cmpeq_epi16, _mm_cmpgt_epi16, _mm_cmplt_epi16, _mm_cvtsi128_si64,
        _mm_movemask_epi8, _mm_or_si128, _mm_packs_epi16, _mm_packus_epi16, _mm_set1_epi16,
        _mm_xor_si128,
    };

    /// For eight 16-bit lanes (values as unsigned), the lanes narrowed to bytes (meaningful
    /// for plain lanes, which are all < 0x80) and the plain-lane mask (bit per lane).
    #[inline(always)]
    pub fn classify16(x: __m128i) -> (u64, u32) {
        // SAFETY: SSE2 only, available on every x86_64 CPU.
        unsafe {
            // Unsigned order through the sign bit: lanes >= 0x8000 compare as negative.
            let biased = _mm_xor_si128(x, _mm_set1_epi16(i16::MIN));
            let low = _mm_cmplt_epi16(biased, _mm_set1_epi16((0x20 ^ 0x8000_u16) as i16));
            let high = _mm_cmpgt_epi16(biased, _mm_set1_epi16((0x7e ^ 0x8000_u16) as i16));
            let quote = _mm_cmpeq_epi16(x, _mm_set1_epi16(i16::from(b'"')));
            let backslash = _mm_cmpeq_epi16(x, _mm_set1_epi16(i16::from(b'\\')));
            let special = _mm_or_si128(_mm_or_si128(low, high), _mm_or_si128(quote, backslash));
            // Lanes are all-ones or zero: packing keeps one byte per lane for movemask.
            let special = _mm_movemask_epi8(_mm_packs_epi16(special, special)) as u32 & 0xff;
            let bytes = _mm_cvtsi128_si64(_mm_packus_epi16(x, x)) as u64;
            (bytes, !special & 0xff)
        }
    }

    /// The units of a `narrow16` block that need an escape, a bit per unit: control
    /// characters, `"`, `\\`, DEL and everything from 0x80 (the narrowed non-ASCII values).
    #[inline(always)]
    pub fn special16(x: __m128i) -> u32 {
        use std::arch::x86_64::{_mm_cmpeq_epi8, _mm_max_epu8, _mm_set1_epi8};
        // SAFETY: SSE2 only, available on every x86_64 CPU.
        unsafe {
            let low = _mm_set1_epi8(0x1f);
            // max(x, 0x1f) == 0x1f exactly when x <= 0x1f (unsigned): a control character.
            let control = _mm_cmpeq_epi8(_mm_max_epu8(x, low), low);
            let quote = _mm_cmpeq_epi8(x, _mm_set1_epi8(b'"' as i8));
            let backslash = _mm_cmpeq_epi8(x, _mm_set1_epi8(b'\\' as i8));
            let del = _mm_cmpeq_epi8(x, _mm_set1_epi8(0x7f));
            // movemask reads each byte's high bit: x itself flags every byte >= 0x80.
            let hit = _mm_or_si128(_mm_or_si128(control, quote), _mm_or_si128(backslash, del));
            _mm_movemask_epi8(_mm_or_si128(hit, x)) as u32
        }
    }
}

impl Unit for u8 {
    const MAX_OUT: usize = 6;
    #[inline(always)]
    fn get(self) -> u32 {
        u32::from(self)
    }
    #[cfg(target_arch = "x86_64")]
    #[inline(always)]
    fn load8(s: &[u8], i: usize) -> (u64, u32) {
        use std::arch::x86_64::{_mm_cvtsi64_si128, _mm_setzero_si128, _mm_unpacklo_epi8};
        let w = u64::from_le_bytes(s[i..i + 8].try_into().expect("8 units"));
        // SAFETY: SSE2 is in the x86_64 baseline.
        let wide = unsafe { _mm_unpacklo_epi8(_mm_cvtsi64_si128(w as i64), _mm_setzero_si128()) };
        (w, simd::classify16(wide).1)
    }
    #[cfg(target_arch = "x86_64")]
    #[inline(always)]
    unsafe fn narrow16(p: *const u8) -> std::arch::x86_64::__m128i {
        // SAFETY: SSE2 is in the x86_64 baseline; the caller guarantees 16 readable units.
        unsafe { std::arch::x86_64::_mm_loadu_si128(p.cast()) }
    }
}

impl Unit for u16 {
    const MAX_OUT: usize = 6;
    #[inline(always)]
    fn get(self) -> u32 {
        u32::from(self)
    }
    #[cfg(target_arch = "x86_64")]
    #[inline(always)]
    fn load8(s: &[u16], i: usize) -> (u64, u32) {
        use std::arch::x86_64::_mm_loadu_si128;
        let chunk: &[u16; 8] = s[i..i + 8].try_into().expect("8 units");
        // SAFETY: SSE2 is in the x86_64 baseline; the load reads exactly `chunk`.
        unsafe { simd::classify16(_mm_loadu_si128(chunk.as_ptr().cast())) }
    }
    #[cfg(target_arch = "x86_64")]
    #[inline(always)]
    unsafe fn narrow16(p: *const u16) -> std::arch::x86_64::__m128i {
        use std::arch::x86_64::{_mm_loadu_si128, _mm_packus_epi16};
        // SAFETY: SSE2 is in the x86_64 baseline; the caller guarantees 16 readable units.
        // The pack reads lanes as signed: 0x100..=0x7fff saturate to 0xff, 0x8000.. to 0.
        unsafe { _mm_packus_epi16(_mm_loadu_si128(p.cast()), _mm_loadu_si128(p.add(8).cast())) }
    }
}

impl Unit for u32 {
    const MAX_OUT: usize = 12;
    #[inline(always)]
    fn get(self) -> u32 {
        self
    }
    #[cfg(target_arch = "x86_64")]
    #[inline(always)]
    fn load8(s: &[u32], i: usize) -> (u64, u32) {
        use std::arch::x86_64::{_mm_loadu_si128, _mm_packs_epi32};
        let chunk: &[u32; 8] = s[i..i + 8].try_into().expect("8 units");
        // SAFETY: SSE2 is in the x86_64 baseline; the loads read exactly `chunk`. Code points
        // are < 2^31, so the signed saturating pack keeps small values and turns large ones
        // into 0x7fff, which still classifies as needing an escape.
        unsafe {
            let a = _mm_loadu_si128(chunk.as_ptr().cast());
            let b = _mm_loadu_si128(chunk.as_ptr().add(4).cast());
            simd::classify16(_mm_packs_epi32(a, b))
        }
    }
    #[cfg(target_arch = "x86_64")]
    #[inline(always)]
    unsafe fn narrow16(p: *const u32) -> std::arch::x86_64::__m128i {
        use std::arch::x86_64::{_mm_loadu_si128, _mm_packs_epi32, _mm_packus_epi16};
        // SAFETY: SSE2 is in the x86_64 baseline; the caller guarantees 16 readable units.
        // Code points are < 2^31: the signed pack turns values above 0x7fff into 0x7fff, and
        // the second pack everything from 0x100 into 0xff.
        unsafe {
            let lo = _mm_packs_epi32(_mm_loadu_si128(p.cast()), _mm_loadu_si128(p.add(4).cast()));
            let hi = _mm_packs_epi32(
                _mm_loadu_si128(p.add(8).cast()),
                _mm_loadu_si128(p.add(12).cast()),
            );
            _mm_packus_epi16(lo, hi)
        }
    }
}

/// Units per reservation: bounds the worst-case reservation for a long string.
const CHUNK: usize = 4096;

/// The four lowercase hex digits of every 16-bit value, as the bytes of a little-endian
/// `u32` (256 KiB, read-only data the OS maps in as touched: text uses few distinct pages).
/// One load per `\uXXXX` instead of two lookups and the shifts joining them.
pub(super) static HEX4: [u32; 0x1_0000] = {
    let mut t = [0u32; 0x1_0000];
    let mut v = 0;
    while v < 0x1_0000 {
        t[v] = u32::from_le_bytes([
            HEX[v >> 12],
            HEX[(v >> 8) & 15],
            HEX[(v >> 4) & 15],
            HEX[v & 15],
        ]);
        v += 1;
    }
    t
};

/// The letter after the backslash of a short escape, 0 if none.
static SHORT: [u8; 128] = {
    let mut t = [0u8; 128];
    t[0x08] = b'b';
    t[0x09] = b't';
    t[0x0a] = b'n';
    t[0x0c] = b'f';
    t[0x0d] = b'r';
    t[b'"' as usize] = b'"';
    t[b'\\' as usize] = b'\\';
    t
};

/// Output bytes reserved past a chunk's worst case, for the vector stores past its end.
#[cfg(target_arch = "x86_64")]
const SPARE: usize = super::escape_vbmi::SPARE;
#[cfg(not(target_arch = "x86_64"))]
const SPARE: usize = 16;

/// Whether the CPU runs `escape_vbmi` (std caches the detection; this is a few loads).
#[cfg(target_arch = "x86_64")]
#[inline(always)]
pub(super) fn vbmi() -> bool {
    use std::arch::is_x86_feature_detected as has;
    has!("avx512vbmi") && has!("avx512bw") && has!("avx512vl") && has!("popcnt")
}

fn write_wide<T: Unit, O: Out + ?Sized>(out: &mut O, s: &[T], vbmi: bool) {
    // Only x86_64 has the VBMI path.
    #[cfg(not(target_arch = "x86_64"))]
    let _ = vbmi;
    let mut i = 0;
    while i < s.len() {
        let end = (i + CHUNK).min(s.len());
        // Every unit writes at most MAX_OUT bytes; the spare is for the vector stores past
        // the last one (16 bytes, or 64 with AVX-512).
        out.reserve((end - i) * T::MAX_OUT + SPARE);
        // SAFETY: `p` stays within the reservation: each unit consumed advances it by at most
        // MAX_OUT, and every store is at most 16 bytes (64 in `escape_vbmi`, which asks for that
        // spare) at a position at most MAX_OUT * (units left) before its end, the spare
        // bytes covering the rest. Exactly the bytes up to
        // the final `p` are initialised (stores past it are overwritten or left as spare).
        unsafe {
            let len = out.len();
            let base = out.as_mut_ptr().add(len);
            let mut p = base;
            #[cfg(target_arch = "x86_64")]
            {
                (i, p) = if vbmi {
                    (end, super::escape_vbmi::blocks(s, i, end, p))
                } else if std::arch::is_x86_feature_detected!("ssse3") {
                    blocks16_ssse3(s, i, end, p)
                } else {
                    blocks16::<T, false>(s, i, end, p)
                };
            }
            while i < end {
                let c = s[i].get();
                if !plain(c) {
                    p = escape(p, c);
                    i += 1;
                    continue;
                }
                // A plain unit starts a run: take it eight units at a time. Dense non-ASCII
                // text never gets here, so it does not wait on the vector test per unit.
                #[cfg(target_arch = "x86_64")]
                while i + 8 <= end {
                    let (bytes, plain) = T::load8(s, i);
                    p.cast::<u64>().write_unaligned(bytes);
                    // `plain` has 8 bits: the count of leading plain units, at most 8.
                    let n = (!plain).trailing_zeros() as usize;
                    p = p.add(n);
                    i += n;
                    if n < 8 {
                        break;
                    }
                }
                if i < end && plain(s[i].get()) {
                    p.write(s[i].get() as u8);
                    p = p.add(1);
                    i += 1;
                }
            }
            out.set_len(len + p.offset_from(base) as usize);
        }
    }
}

/// Escape `s[i..end]` sixteen units per step while a whole block is left (32 units without
/// SSSE3, so a block re-read from any unit inside it is in bounds); returns where it stopped and the output
/// position. Text with a non-ASCII character every few units (any language but English)
/// breaks runs too often for a run-at-a-time loop: here every block is narrowed and stored
/// whole, then for each flagged unit (a bit of the mask, in order) its escape is written at
/// its place and the rest of the block, narrowed again from there, is stored after it. The
/// per-unit work is a few instructions per escape and no branch per plain unit.
///
/// SAFETY (callers): `p` has `(end - i) * T::MAX_OUT + 16` writable bytes.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
unsafe fn blocks16<T: Unit, const SSSE3: bool>(
    s: &[T],
    mut i: usize,
    end: usize,
    mut p: *mut u8,
) -> (usize, *mut u8) {
    use std::arch::x86_64::{_mm_loadu_si128, _mm_shuffle_epi8, _mm_storeu_si128};
    debug_assert!(end <= s.len());
    let src = s.as_ptr();
    // Without SSSE3 the rest of a block is narrowed again from unit `i + j` (j <= 16), which
    // reads up to 16 units past the block: such blocks need 32 units left. With SSSE3 only
    // the block itself is read, so every whole block of the string takes this loop.
    let left = if SSSE3 { 16 } else { 32 };
    // SAFETY: every store is 16 bytes at the output position of a unit of the block or of
    // the end of the block; each unit consumed advanced `p` by at most MAX_OUT, so the
    // caller's 16 spare bytes cover the store at the end of the last block, and an escape
    // (at most 14 bytes) had MAX_OUT + 16 of room. Bytes past the final `p` are overwritten
    // later or left as spare capacity.
    // Reads: `i + left <= end <= s.len()`; every read is 16 units from `i` (SSSE3) or from
    // `i + j` with `j <= 16` (else, with `left` = 32), or the one unit `i + k` with `k < 16`:
    // all inside `s`.
    unsafe {
        while i + left <= end {
            let x = T::narrow16(src.add(i));
            let mut m = simd::special16(x);
            _mm_storeu_si128(p.cast(), x);
            if m == 0 {
                p = p.add(16);
                i += 16;
                continue;
            }
            let mut j = 0;
            while m != 0 {
                let k = m.trailing_zeros() as usize;
                p = escape(p.add(k - j), (*src.add(i + k)).get());
                j = k + 1;
                m &= m - 1;
                // The rest of the block from unit j: with SSSE3 the narrowed block shifted
                // down by j lanes (`SHIFT[j..j + 16]` = j, j + 1, .., then zeroing lanes),
                // else narrowed again from the units.
                let rest = if SSSE3 {
                    _mm_shuffle_epi8(x, _mm_loadu_si128(SHIFT.as_ptr().add(j).cast()))
                } else {
                    T::narrow16(src.add(i + j))
                };
                _mm_storeu_si128(p.cast(), rest);
            }
            p = p.add(16 - j);
            i += 16;
        }
    }
    (i, p)
}

/// `pshufb` indices shifting a 16-byte vector down by 0..=16 lanes (0x80 zeroes a lane).
#[cfg(target_arch = "x86_64")]
pub(super) static SHIFT: [u8; 32] = {
    let mut t = [0x80u8; 32];
    let mut k = 0;
    while k < 16 {
        t[k] = k as u8;
        k += 1;
    }
    t
};

/// [`blocks16`] with SSSE3's byte shuffle (not in the x86_64 baseline, asked of the CPU).
///
/// # Safety
/// As `blocks16`, and the CPU has SSSE3.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "ssse3")]
unsafe fn blocks16_ssse3<T: Unit>(s: &[T], i: usize, end: usize, p: *mut u8) -> (usize, *mut u8) {
    // SAFETY: the caller's contract is blocks16's, and SSSE3 is enabled here.
    unsafe { blocks16::<T, true>(s, i, end, p) }
}

/// Write the escape of a non-plain code point at `p` (with at least 12 writable bytes, or 8
/// beyond the 6 of a `\uXXXX`); returns the position after it.
///
/// SAFETY (callers): `p` is valid for the writes described.
#[inline(always)]
pub(super) unsafe fn escape(p: *mut u8, c: u32) -> *mut u8 {
    let u16_escape = |c: u32| -> u64 {
        (u64::from(HEX4[c as usize & 0xffff]) << 16) | u64::from(u16::from_le_bytes(*b"\\u"))
    };
    // SAFETY: per the contract, 8 bytes at `p` (and at `p + 6` for a pair) are writable.
    unsafe {
        if c < 0x80 && SHORT[c as usize] != 0 {
            p.cast::<[u8; 2]>()
                .write_unaligned([b'\\', SHORT[c as usize]]);
            return p.add(2);
        }
        if c >= 0x1_0000 {
            let v = c - 0x1_0000;
            p.cast::<u64>()
                .write_unaligned(u16_escape(0xd800 | (v >> 10)));
            p.add(6)
                .cast::<u64>()
                .write_unaligned(u16_escape(0xdc00 | (v & 0x3ff)));
            return p.add(12);
        }
        p.cast::<u64>().write_unaligned(u16_escape(c));
        p.add(6)
    }
}

#[cfg(test)]
pub(super) mod tests;
