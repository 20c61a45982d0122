//! The reader's search for the end of a long string's plain run, with 32-byte AVX2 vectors
//! chosen at run time.
//!
//! Long strings without escapes (a task's 20 KB `raw` text) are most of the bytes some
//! documents hold; SSE2's 16-byte blocks search them at one compare-and-branch per 16 bytes.
//! AVX2 is not in the x86_64 baseline, so the CPU is asked once (std caches the answer) and
//! other CPUs keep the SSE2 loop.

use std::arch::x86_64::{
    __m256i, _mm256_cmpeq_epi8, _mm256_loadu_si256, _mm256_max_epu8, _mm256_movemask_epi8,
    _mm256_or_si256, _mm256_set1_epi8,
};

/// Whether this CPU has AVX2 (std's cached detection: one relaxed load after the first call).
#[inline(always)]
pub(crate) fn available() -> bool {
    std::arch::is_x86_feature_detected!("avx2")
}

/// The bytes of `x` a string reader stops at: `"`, `\\` or a control character, a bit each.
#[target_feature(enable = "avx2")]
#[inline]
fn stops(x: __m256i) -> u32 {
    let low = _mm256_set1_epi8(0x1f);
    // max(x, 0x1f) == 0x1f exactly when x <= 0x1f (unsigned): a control character.
    let control = _mm256_cmpeq_epi8(_mm256_max_epu8(x, low), low);
    let quote = _mm256_cmpeq_epi8(x, _mm256_set1_epi8(b'"' as i8));
    let backslash = _mm256_cmpeq_epi8(x, _mm256_set1_epi8(b'\\' as i8));
    _mm256_movemask_epi8(_mm256_or_si256(_mm256_or_si256(control, quote), backslash)) as u32
}

/// The first stop byte at or after `i`, searched 64 bytes a step while 64 remain; else the
/// offset where fewer than 64 bytes are left (the caller's SSE2 loop finishes from there).
///
/// # Safety
/// The CPU has AVX2 (`available()`).
#[target_feature(enable = "avx2")]
pub(crate) unsafe fn string_stop(s: &[u8], mut i: usize) -> usize {
    let src = s.as_ptr();
    while i + 64 <= s.len() {
        // SAFETY: both loads read `i..i + 64`, inside `s` by the loop condition.
        let (a, b) = unsafe {
            (
                _mm256_loadu_si256(src.add(i).cast()),
                _mm256_loadu_si256(src.add(i + 32).cast()),
            )
        };
        let m = u64::from(stops(a)) | (u64::from(stops(b)) << 32);
        if m != 0 {
            return i + m.trailing_zeros() as usize;
        }
        i += 64;
    }
    i
}
