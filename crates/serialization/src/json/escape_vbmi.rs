//! `ensure_ascii` escaping of a `str`'s code units with AVX-512 VBMI: a 16-unit block is
//! laid out by one two-table byte permutation chosen by its escape mask.
//!
//! The mask loop of `escape_ucs` writes each `\uXXXX` at its place one after the other (a
//! count, a load, a branch and two stores per escape), about 95 instructions a 16-unit block
//! of text with a non-ASCII character every few units. Here the output of the units is known
//! from their mask alone: unit k starts at `k + 5 * (escapes before k)`. So the block's bytes
//! (its narrowed characters, the four hex digits of every unit, and `\` and `u`) sit in two
//! vectors, and index tables (`layouts`) give for each mask the `vpermi2b` indices that
//! spread them to their output places: a block of up to 9 escapes (output within 64 bytes)
//! is one permutation and one store, with no branch per escape; its indices are the OR of
//! two 256-entry rows, one per half, the second half's row chosen by the first half's
//! escape count, as a 65,536-row table would be 4 MiB. A block with more escapes takes one
//! permutation per half. A block whose one astral character (12 output bytes, a surrogate
//! pair) is its only other escape is laid out the same way with the pair's first `\uXXXX`
//! spliced in by one more permutation; other astral halves are laid out per 4 units from
//! the digits of both surrogates; a half holding a two-letter escape (`\n`, `\"`, ...) or
//! another control character takes the per-escape loop for that half only.

use std::arch::x86_64::{
    __m128i, __m256i, __m512i, _mm_loadu_si128, _mm_maskz_loadu_epi8, _mm_shuffle_epi8,
    _mm_srli_si128, _mm_storeu_si128, _mm256_add_epi32, _mm256_and_si256, _mm256_loadu_si256,
    _mm256_mask_mov_epi32, _mm256_maskz_loadu_epi16, _mm256_or_si256, _mm256_set1_epi32,
    _mm256_slli_epi32, _mm256_srli_epi32, _mm512_castsi512_si256, _mm512_cmpeq_epi32_mask,
    _mm512_cmpge_epu32_mask, _mm512_cmpgt_epu32_mask, _mm512_cvtepi32_epi8, _mm512_cvtepu8_epi32,
    _mm512_cvtepu16_epi32, _mm512_cvtepu32_epi64, _mm512_extracti64x4_epi64, _mm512_inserti32x4,
    _mm512_load_si512, _mm512_loadu_si512, _mm512_mask_set1_epi32, _mm512_maskz_loadu_epi32,
    _mm512_multishift_epi64_epi8, _mm512_or_si512, _mm512_permutex2var_epi8,
    _mm512_permutexvar_epi8, _mm512_set_epi64, _mm512_set1_epi32, _mm512_set1_epi64,
    _mm512_storeu_si512, _mm512_sub_epi32,
};

use super::escape_ucs::{HEX4, SHIFT, Unit, escape};
use layouts::{BACKSLASH, GROUP, HIGH_DIGITS, LETTER_U, QUARTER, QUARTER_EXTRA, SECOND, SPLICE};

mod layouts;

/// Spare output bytes `blocks` needs past the worst case of the units it is given: each
/// block or half-block is one 64-byte store, also the last one (whose text may be a single
/// byte).
pub(super) const SPARE: usize = 64;

/// The most `\uXXXX` escapes a block laid out by one `GROUP[0] | SECOND` permutation may
/// hold: 16 units plus 5 bytes per escape within one 64-byte store.
const MERGED_MAX: u32 = 9;

/// The most escapes (the astral character's included) of a block laid out by
/// `one_astral`: 16 units, 5 more bytes per escape and 6 for the surrogate pair's second
/// `\uXXXX` within one 64-byte store.
const ONE_ASTRAL_MAX: u32 = 8;

/// Escape `s[i..end]` (every unit, the last block short) and return the output position.
///
/// # Safety
/// The CPU has AVX-512 F, BW, VL and VBMI (and POPCNT); `i <= end <= s.len()`; `p` has
/// `(end - i) * T::MAX_OUT + SPARE` writable bytes.
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vbmi,popcnt")]
pub(super) unsafe fn blocks<T: Unit>(s: &[T], mut i: usize, end: usize, mut p: *mut u8) -> *mut u8 {
    debug_assert!(i <= end && end <= s.len());
    let src = s.as_ptr();
    // SAFETY: reads are the 16 units at `i` (16 being left) or the `n` left, by a masked
    // load that does not touch the others; all inside `s`. Writes: see `block`.
    unsafe {
        while i + 16 <= end {
            p = block::<T, false>(src.add(i), load16(src.add(i)), 16, p);
            i += 16;
        }
        if i < end {
            let n = end - i;
            let v = load_some(src.add(i), (1u16 << n) - 1);
            p = block::<T, true>(src.add(i), v, n, p);
        }
    }
    p
}

/// Escape the `n` units of `v` (16 unless `TAIL`; lanes from `n` on are zero), read from
/// `src`, at `p`; returns the position after them.
///
/// # Safety
/// `src` is valid for reads of `n` units; `p` has `n * T::MAX_OUT + SPARE` writable bytes.
/// Every half-block's output starts at most `8 * MAX_OUT` bytes after the block's and is
/// one 64-byte store, or the 16-byte stores and escapes of `one_by_one` at its units'
/// places, so `SPARE` bytes past the worst case cover them. Bytes past the final position
/// are overwritten by the next block or left as spare capacity.
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vbmi,popcnt")]
#[inline]
unsafe fn block<T: Unit, const TAIL: bool>(
    src: *const T,
    v: __m512i,
    n: usize,
    mut p: *mut u8,
) -> *mut u8 {
    // Plain is 0x20..=0x7e but `"` and `\`: `v - 0x20` below 0x5f, unsigned.
    let u = _mm512_sub_epi32(v, _mm512_set1_epi32(0x20));
    let mut esc = _mm512_cmpge_epu32_mask(u, _mm512_set1_epi32(0x5f));
    // Lanes past the end are zero, never a quote or a backslash.
    let short = _mm512_cmpeq_epi32_mask(v, _mm512_set1_epi32(i32::from(b'"')))
        | _mm512_cmpeq_epi32_mask(v, _mm512_set1_epi32(i32::from(b'\\')));
    // The low byte of every unit: the character of the plain ones.
    let chars = _mm512_cvtepi32_epi8(v);
    let valid = if TAIL { (1u16 << n) - 1 } else { u16::MAX };
    esc &= valid;
    // SAFETY: the caller's room, as described above; reads of units below `n`.
    unsafe {
        if esc | short == 0 {
            _mm_storeu_si128(p.cast(), chars);
            return p.add(n);
        }
        // Below 0x20 (`v - 0x20` wraps) or astral: not a plain `\uXXXX` escape.
        let odd = _mm512_cmpge_epu32_mask(u, _mm512_set1_epi32(0xffe0)) & valid;
        let digits = hex4(v);
        let table = _mm512_inserti32x4::<0>(backslash_u(), chars);
        let (n0, n1) = if TAIL {
            (n.min(8), n.saturating_sub(8))
        } else {
            (8, 8)
        };
        if odd | short == 0 {
            if esc.count_ones() <= MERGED_MAX {
                return whole(digits, table, esc, n, p);
            }
            p = half::<0>(digits, table, esc as u8, n0, p);
            return half::<1>(digits, table, (esc >> 8) as u8, n1, p);
        }
        let astral = _mm512_cmpgt_epu32_mask(v, _mm512_set1_epi32(0xffff)) & valid;
        let other = odd & !astral | short;
        if other == 0 && astral & (astral - 1) == 0 && esc.count_ones() <= ONE_ASTRAL_MAX {
            return one_astral(src, digits, table, esc, astral, n, p);
        }
        p = match ((odd | short) as u8, other as u8) {
            (0, _) => half::<0>(digits, table, esc as u8, n0, p),
            (_, 0) => astral_half(
                _mm512_castsi512_si256(v),
                chars,
                esc as u8,
                astral as u8,
                n0,
                p,
            ),
            _ => one_by_one(src, chars, (esc | short) as u8, n0, p),
        };
        if n1 == 0 {
            return p;
        }
        match ((odd | short) >> 8, other >> 8) {
            (0, _) => half::<1>(digits, table, (esc >> 8) as u8, n1, p),
            (_, 0) => astral_half(
                _mm512_extracti64x4_epi64::<1>(v),
                _mm_srli_si128::<8>(chars),
                (esc >> 8) as u8,
                (astral >> 8) as u8,
                n1,
                p,
            ),
            _ => one_by_one(
                src.add(8),
                _mm_srli_si128::<8>(chars),
                ((esc | short) >> 8) as u8,
                n1,
                p,
            ),
        }
    }
}

/// Half `H` of a block whose escaped units are all `\uXXXX`: one permutation, one store.
///
/// # Safety
/// `p` has 64 writable bytes.
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vbmi,popcnt")]
#[inline]
unsafe fn half<const H: usize>(
    digits: __m512i,
    table: __m512i,
    esc: u8,
    n: usize,
    p: *mut u8,
) -> *mut u8 {
    // SAFETY: an aligned load from the static table; the caller's room.
    unsafe {
        let layout = _mm512_load_si512(GROUP[H].0[usize::from(esc)].as_ptr().cast());
        _mm512_storeu_si512(p.cast(), _mm512_permutex2var_epi8(digits, layout, table));
        p.add(n + 5 * esc.count_ones() as usize)
    }
}

/// A block whose escaped units are all `\uXXXX`, at most `MERGED_MAX` of them: both
/// halves' layouts ORed into one, one permutation, one store.
///
/// # Safety
/// `p` has 64 writable bytes; `esc` has at most `MERGED_MAX` bits, none at or past `n`.
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vbmi,popcnt")]
#[inline]
unsafe fn whole(digits: __m512i, table: __m512i, esc: u16, n: usize, p: *mut u8) -> *mut u8 {
    let (low, high) = (usize::from(esc as u8), usize::from(esc >> 8));
    let before = (esc as u8).count_ones() as usize;
    // SAFETY: aligned loads from the static tables (`before` <= 8); the caller's room.
    unsafe {
        let layout = _mm512_or_si512(
            _mm512_load_si512(GROUP[0].0[low].as_ptr().cast()),
            _mm512_load_si512(SECOND[before].0[high].as_ptr().cast()),
        );
        _mm512_storeu_si512(p.cast(), _mm512_permutex2var_epi8(digits, layout, table));
        p.add(n + 5 * esc.count_ones() as usize)
    }
}

/// A block whose one astral character is its only escape that is not a plain `\uXXXX`
/// (at most `ONE_ASTRAL_MAX` escapes in all; a fifth of the blocks of text with an emoji
/// every few sentences): laid out as if the character were a `\uXXXX` of its low
/// surrogate (its digits put in its lane), then the high surrogate's `\uXXXX` (its digits
/// put in the second table) spliced in before it. One permutation more than `whole`,
/// instead of the per-quarter layouts of `astral_half`.
///
/// # Safety
/// `src` is valid for reads of the block's unit `astral.trailing_zeros()`, which is astral,
/// the only one; `p` has 64 writable bytes; `esc` (which includes the astral unit) has at
/// most `ONE_ASTRAL_MAX` bits, none at or past `n`.
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vbmi,popcnt")]
#[inline]
unsafe fn one_astral<T: Unit>(
    src: *const T,
    digits: __m512i,
    table: __m512i,
    esc: u16,
    astral: u16,
    n: usize,
    p: *mut u8,
) -> *mut u8 {
    let k = astral.trailing_zeros() as usize;
    let (low, high) = (usize::from(esc as u8), usize::from(esc >> 8));
    // The escape of the astral unit starts after the units and escapes before it.
    let at = k + 5 * (esc & ((1u32 << k) - 1) as u16).count_ones() as usize;
    // High surrogate's `\`, `u` and digits, as indices into the second table.
    let pair_first = _mm512_set_epi64(
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        i64::from_le_bytes([
            BACKSLASH,
            LETTER_U,
            HIGH_DIGITS,
            HIGH_DIGITS + 1,
            HIGH_DIGITS + 2,
            HIGH_DIGITS + 3,
            0,
            0,
        ]),
    );
    // SAFETY: the caller's unit `k` and output room; aligned loads from the static tables
    // (`low` has at most 8 bits set; `at` < 64 as the output fits 64 bytes).
    unsafe {
        let c = (*src.add(k)).get() - 0x1_0000;
        let digits =
            _mm512_mask_set1_epi32(digits, astral, HEX4[(0xdc00 | (c & 0x3ff)) as usize] as i32);
        let table =
            _mm512_mask_set1_epi32(table, 1 << 5, HEX4[(0xd800 | (c >> 10)) as usize] as i32);
        let layout = _mm512_or_si512(
            _mm512_load_si512(GROUP[0].0[low].as_ptr().cast()),
            _mm512_load_si512(
                SECOND[(esc as u8).count_ones() as usize].0[high]
                    .as_ptr()
                    .cast(),
            ),
        );
        let layout = _mm512_permutex2var_epi8(
            layout,
            _mm512_load_si512(SPLICE.0[at].as_ptr().cast()),
            pair_first,
        );
        _mm512_storeu_si512(p.cast(), _mm512_permutex2var_epi8(digits, layout, table));
        p.add(n + 5 * esc.count_ones() as usize + 6)
    }
}

/// `\` and `u` at bytes 16 and 17, after a block's 16 characters.
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vbmi,popcnt")]
#[inline]
fn backslash_u() -> __m512i {
    _mm512_set_epi64(0, 0, 0, 0, 0, i64::from(u16::from_le_bytes(*b"\\u")), 0, 0)
}

/// The 16 units at `p` as 32-bit lanes.
///
/// # Safety
/// `p` is valid for reads of 16 units.
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vbmi,popcnt")]
#[inline]
unsafe fn load16<T: Unit>(p: *const T) -> __m512i {
    // SAFETY: the caller's 16 units are 16, 32 or 64 bytes, as each branch reads.
    unsafe {
        match size_of::<T>() {
            1 => _mm512_cvtepu8_epi32(_mm_loadu_si128(p.cast())),
            2 => _mm512_cvtepu16_epi32(_mm256_loadu_si256(p.cast())),
            _ => _mm512_loadu_si512(p.cast()),
        }
    }
}

/// The units at `p` selected by `valid` (its low bits) as 32-bit lanes, the others zero.
/// A masked load does not read the memory of the lanes it leaves out, so this reads no
/// further than the string's last unit.
///
/// # Safety
/// `p` is valid for reads of the selected units.
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vbmi,popcnt")]
#[inline]
unsafe fn load_some<T: Unit>(p: *const T, valid: u16) -> __m512i {
    // SAFETY: masked loads read only the selected elements, which the caller vouches for.
    unsafe {
        match size_of::<T>() {
            1 => _mm512_cvtepu8_epi32(_mm_maskz_loadu_epi8(valid, p.cast())),
            2 => _mm512_cvtepu16_epi32(_mm256_maskz_loadu_epi16(valid, p.cast())),
            _ => _mm512_maskz_loadu_epi32(valid, p.cast()),
        }
    }
}

/// The lowercase hex digits `"0123456789abcdef"` in every 128-bit lane, for `vpermb`.
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vbmi,popcnt")]
#[inline]
fn hex_digits() -> __m512i {
    let (d, e) = (
        i64::from_le_bytes(*b"01234567"),
        i64::from_le_bytes(*b"89abcdef"),
    );
    _mm512_set_epi64(e, d, e, d, e, d, e, d)
}

/// Each byte's low nibble as its lowercase hex digit. `vpermb` reads the low 6 bits of an
/// index and the digits repeat every 16 bytes, so the bits above the nibble need no mask
/// (one instruction fewer than masking for `vpshufb`).
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vbmi,popcnt")]
#[inline]
fn spell(nibbles: __m512i) -> __m512i {
    _mm512_permutexvar_epi8(nibbles, hex_digits())
}

/// The four lowercase hex digits of each unit's low 16 bits, unit k at bytes 4k..4k + 4.
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vbmi,popcnt")]
#[inline]
fn hex4(v: __m512i) -> __m512i {
    // Byte d of a unit takes the 8 bits from bit 12 - 4d of its lane (the nibble then in
    // its low half); a qword holds two lanes, the second from bit 32.
    let at = i64::from_le_bytes([12, 8, 4, 0, 44, 40, 36, 32]);
    spell(_mm512_multishift_epi64_epi8(_mm512_set1_epi64(at), v))
}

/// Half a block holding astral characters (and `\uXXXX` ones), laid out 4 units at a time.
///
/// # Safety
/// `p` has 2 * 64 writable bytes, as `block` provides.
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vbmi,popcnt")]
#[inline]
unsafe fn astral_half(
    v: __m256i,
    chars: __m128i,
    esc: u8,
    astral: u8,
    n: usize,
    p: *mut u8,
) -> *mut u8 {
    // An astral lane becomes its surrogate pair, high << 16 | low; the others keep their
    // value (digits "0000" then their own in the lane's 8 digits).
    let high = _mm256_add_epi32(_mm256_srli_epi32::<10>(v), _mm256_set1_epi32(0xd7c0));
    let low = _mm256_or_si256(
        _mm256_and_si256(v, _mm256_set1_epi32(0x3ff)),
        _mm256_set1_epi32(0xdc00),
    );
    let pairs = _mm256_mask_mov_epi32(
        v,
        astral,
        _mm256_or_si256(_mm256_slli_epi32::<16>(high), low),
    );
    // Lane k's 8 digits at bytes 8k..8k + 8: each 32-bit value in its own qword.
    let at = i64::from_le_bytes([28, 24, 20, 16, 12, 8, 4, 0]);
    let digits = spell(_mm512_multishift_epi64_epi8(
        _mm512_set1_epi64(at),
        _mm512_cvtepu32_epi64(pairs),
    ));
    let table = _mm512_inserti32x4::<0>(backslash_u(), chars);
    // SAFETY: the caller's output room; aligned loads from the static tables.
    unsafe {
        let key = usize::from(esc & 0xf | (astral & 0xf) << 4);
        let layout = _mm512_load_si512(QUARTER[0].0[key].as_ptr().cast());
        _mm512_storeu_si512(p.cast(), _mm512_permutex2var_epi8(digits, layout, table));
        let p = p.add(n.min(4) + usize::from(QUARTER_EXTRA[key]));
        if n <= 4 {
            return p;
        }
        let key = usize::from(esc >> 4 | (astral >> 4) << 4);
        let layout = _mm512_load_si512(QUARTER[1].0[key].as_ptr().cast());
        _mm512_storeu_si512(p.cast(), _mm512_permutex2var_epi8(digits, layout, table));
        p.add(n - 4 + usize::from(QUARTER_EXTRA[key]))
    }
}

/// Half a block holding a two-letter escape or another control character: its characters
/// stored, then each escape written at its place and the rest of the characters after it.
///
/// # Safety
/// `src` is valid for reads of `n` units; `p` has the room `block` provides.
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vbmi,popcnt")]
#[inline(never)]
unsafe fn one_by_one<T: Unit>(
    src: *const T,
    chars: __m128i,
    mut esc: u8,
    n: usize,
    mut p: *mut u8,
) -> *mut u8 {
    // SAFETY: reads are units k < n of the group; each store is at most 16 bytes at the
    // output place of a unit of the group (or its end), inside the caller's room.
    unsafe {
        _mm_storeu_si128(p.cast(), chars);
        let mut j = 0;
        while esc != 0 {
            let k = esc.trailing_zeros() as usize;
            p = escape(p.add(k - j), (*src.add(k)).get());
            j = k + 1;
            esc &= esc - 1;
            let rest = _mm_shuffle_epi8(chars, _mm_loadu_si128(SHIFT.as_ptr().add(j).cast()));
            _mm_storeu_si128(p.cast(), rest);
        }
        p.add(n - j)
    }
}

#[cfg(test)]
mod tests;
