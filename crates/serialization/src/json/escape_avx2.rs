//! The plain-run copy of `escape` with 32-byte AVX2 vectors, chosen at run time.
//!
//! Long plain runs (a task's `raw` text, a transcript's messages in UTF-8) are most of the
//! bytes a dump writes; with SSE2's 16-byte blocks the copy ran at about a third of memory
//! speed (two instructions a byte, by callgrind). AVX2 is not in the x86_64 baseline, so the
//! CPU is asked once (std caches the answer) and other CPUs keep the SSE2 loop.

use std::arch::x86_64::{
    __m256i, _mm256_cmpeq_epi8, _mm256_loadu_si256, _mm256_max_epu8, _mm256_movemask_epi8,
    _mm256_or_si256, _mm256_set1_epi8, _mm256_storeu_si256,
};

use super::out::Out;

/// Whether this CPU has AVX2 (std's cached detection: one relaxed load after the first call).
#[inline(always)]
pub(crate) fn available() -> bool {
    std::arch::is_x86_feature_detected!("avx2")
}

/// The bytes of `x` that may need escaping (see `escape::special_bytes`), a bit per byte.
#[target_feature(enable = "avx2")]
#[inline]
fn special(x: __m256i, ascii: bool, surrogates: bool) -> u32 {
    {
        let low = _mm256_set1_epi8(0x1f);
        // max(x, 0x1f) == 0x1f exactly when x <= 0x1f (unsigned): a control character.
        let control = _mm256_cmpeq_epi8(_mm256_max_epu8(x, low), low);
        let quote = _mm256_cmpeq_epi8(x, _mm256_set1_epi8(b'"' as i8));
        let backslash = _mm256_cmpeq_epi8(x, _mm256_set1_epi8(b'\\' as i8));
        let mut hit = _mm256_or_si256(_mm256_or_si256(control, quote), backslash);
        if ascii {
            // movemask reads each byte's high bit: x itself flags every byte >= 0x80.
            let del = _mm256_cmpeq_epi8(x, _mm256_set1_epi8(0x7f));
            hit = _mm256_or_si256(hit, _mm256_or_si256(x, del));
        } else if surrogates {
            hit = _mm256_or_si256(hit, _mm256_cmpeq_epi8(x, _mm256_set1_epi8(0xedu8 as i8)));
        }
        _mm256_movemask_epi8(hit) as u32
    }
}

/// Copy plain bytes of `s` from `i` while at least 32 remain; returns where the copy stopped
/// and whether it stopped at a byte that may need escaping (else fewer than 32 bytes are
/// left). Each block is stored while it is tested, so the text is read once.
///
/// # Safety
/// The CPU has AVX2 (`available()`).
#[target_feature(enable = "avx2")]
pub(crate) unsafe fn copy_plain<O: Out + ?Sized>(
    out: &mut O,
    s: &[u8],
    mut i: usize,
    ascii: bool,
    surrogates: bool,
) -> (usize, bool) {
    let start = i;
    out.reserve(s.len() - start);
    let len = out.len();
    // SAFETY: AVX2 is available (the caller's contract). `dst + k` for k in start..s.len()
    // is inside the reservation made above (`len + s.len() - start` bytes), and every load
    // and store below covers `k..k + 32` with `k + 32 <= s.len()`. Bytes stored past the
    // run's end are not counted in the length. Only bytes up to the returned offset are.
    unsafe {
        let dst = out.as_mut_ptr().add(len).wrapping_sub(start);
        let src = s.as_ptr();
        // Two blocks per step while both are plain: one test and branch per 64 bytes.
        while i + 64 <= s.len() {
            let a = _mm256_loadu_si256(src.add(i).cast());
            let b = _mm256_loadu_si256(src.add(i + 32).cast());
            _mm256_storeu_si256(dst.wrapping_add(i).cast(), a);
            _mm256_storeu_si256(dst.wrapping_add(i + 32).cast(), b);
            let m = u64::from(special(a, ascii, surrogates))
                | (u64::from(special(b, ascii, surrogates)) << 32);
            if m != 0 {
                i += m.trailing_zeros() as usize;
                out.set_len(len + i - start);
                return (i, true);
            }
            i += 64;
        }
        while i + 32 <= s.len() {
            let a = _mm256_loadu_si256(src.add(i).cast());
            _mm256_storeu_si256(dst.wrapping_add(i).cast(), a);
            let m = special(a, ascii, surrogates);
            if m != 0 {
                i += m.trailing_zeros() as usize;
                out.set_len(len + i - start);
                return (i, true);
            }
            i += 32;
        }
        out.set_len(len + i - start);
    }
    (i, false)
}
