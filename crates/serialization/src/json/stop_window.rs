//! The reader's stop bytes (`"`, `\\`, control characters) classified a window of the
//! document at a time into one bit per byte, so a string's end is a shift and a bit count
//! instead of a vector search per string (the first, incremental step of a simdjson-style
//! structural reader).
//!
//! A window is up to 4 KiB from where a search first needs it, classified 64 bytes a step by
//! the widest instructions the CPU has: AVX-512BW (three compares into mask registers per
//! 64 bytes), AVX2, or SSE2 (the x86_64 baseline); other targets a byte loop. The CPU is
//! asked once per window (std caches the answer), so the reader itself stays baseline code
//! and needs no second copy compiled for each instruction set. Bits past the document's end
//! are zero: a search that runs off the end returns the document's length, as the scalar
//! search does.

/// Bytes a window covers (64 words of 64 bits): 512 bytes of bits held in the reader,
/// refilled a dozen times on a 50 KiB document.
const WINDOW: usize = 4096;
const WORDS: usize = WINDOW / 64;

/// The stop bits of `s[base..base + WINDOW]` (bit `k % 64` of word `k / 64`: byte
/// `base + k` is a stop byte), and one word of zeros after them, so 64 bits can be read
/// from any byte of the bits.
pub(crate) struct StopWindow {
    base: usize,
    words: [u64; WORDS + 1],
}

impl StopWindow {
    pub(crate) fn new() -> Self {
        // No window yet: every offset is at least `WINDOW` past this base, so the first
        // search fills one.
        Self {
            base: usize::MAX - (WINDOW - 1),
            words: [0; WORDS + 1],
        }
    }

    /// The first stop byte at or after `i`, or `s.len()` when there is none. `s` must be
    /// the document every earlier call was given (the window caches its bits).
    #[inline(always)]
    pub(crate) fn next(&mut self, s: &[u8], i: usize) -> usize {
        loop {
            let off = i.wrapping_sub(self.base);
            if off < WINDOW {
                let m = self.bits_at(off);
                if m != 0 {
                    return i + m.trailing_zeros() as usize;
                }
                // `bits_at` covered at least the rest of `off`'s word.
                return self.next_word(s, off / 64 + 1);
            }
            if i >= s.len() {
                return s.len();
            }
            self.fill(s, i);
        }
    }

    /// At least 57 bits from bit `off` (`off < WINDOW`), and at least through the end of
    /// its word: an unaligned 64-bit read at its byte, so a string of up to 56 bytes is
    /// found by one read wherever it starts (an aligned word left a third of the flow
    /// state's strings, those crossing a word, to the next word's search).
    #[inline(always)]
    fn bits_at(&self, off: usize) -> u64 {
        debug_assert!(off < WINDOW);
        if cfg!(target_endian = "little") {
            // SAFETY: `off / 8 + 8 <= WINDOW / 8 + 8`, the byte size of `words` (`WORDS + 1`
            // words), so the read is inside the array; any bit pattern is a valid u64. On a
            // little-endian target the bytes of the words are the bits in order.
            let x = unsafe {
                self.words
                    .as_ptr()
                    .cast::<u8>()
                    .add(off / 8)
                    .cast::<u64>()
                    .read_unaligned()
            };
            x >> (off % 8)
        } else {
            // The index is below `WORDS` since `off < WINDOW` (masked so the check goes).
            self.words[(off / 64) & (WORDS - 1)] >> (off % 64)
        }
    }

    /// [`next`](Self::next) past the word holding the start: a long string's plain run,
    /// one word (64 bytes) a step, then the next window.
    #[inline(never)]
    fn next_word(&mut self, s: &[u8], mut w: usize) -> usize {
        while w < WORDS {
            let m = self.words[w];
            if m != 0 {
                return self.base + w * 64 + m.trailing_zeros() as usize;
            }
            w += 1;
        }
        let end = self.base + WINDOW;
        if end >= s.len() {
            return s.len();
        }
        self.fill(s, end);
        self.next(s, end)
    }

    /// Classify `s[from..]`, up to a window, into the bits.
    #[cold]
    #[inline(never)]
    fn fill(&mut self, s: &[u8], from: usize) {
        self.base = from;
        let part = &s[from..s.len().min(from + WINDOW)];
        let words = self
            .words
            .first_chunk_mut::<WORDS>()
            .expect("the window holds WORDS words and a pad");
        classify(part, words);
    }
}

/// The stop bits of `part` (at most a window) into `words`, zero past its end, by the best
/// classifier this CPU has.
fn classify(part: &[u8], words: &mut [u64; WORDS]) {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx512bw") {
            // SAFETY: the CPU has AVX-512F/BW (BW implies F), checked just before.
            unsafe { x86::classify_avx512(part, words) };
            return;
        }
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU has AVX2, checked just before.
            unsafe { x86::classify_avx2(part, words) };
            return;
        }
        x86::classify_sse2(part, words);
    }
    #[cfg(not(target_arch = "x86_64"))]
    classify_scalar(part, words);
}

/// The byte-loop classifier: other targets, and the reference the tests hold the vector
/// ones to.
#[cfg_attr(target_arch = "x86_64", allow(dead_code))]
fn classify_scalar(part: &[u8], words: &mut [u64; WORDS]) {
    assert!(
        part.len() <= WINDOW,
        "a window holds at most {WINDOW} bytes"
    );
    *words = [0; WORDS];
    let mut k = 0;
    while k < part.len() {
        let b = part[k];
        if b == b'"' || b == b'\\' || b < 0x20 {
            words[k / 64] |= 1 << (k % 64);
        }
        k += 1;
    }
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use std::arch::x86_64::{
        __m128i, __m256i, __m512i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_max_epu8,
        _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8, _mm256_cmpeq_epi8, _mm256_loadu_si256,
        _mm256_max_epu8, _mm256_movemask_epi8, _mm256_or_si256, _mm256_set1_epi8,
        _mm512_cmpeq_epi8_mask, _mm512_cmple_epu8_mask, _mm512_loadu_si512,
        _mm512_maskz_loadu_epi8, _mm512_set1_epi8,
    };

    use super::{WINDOW, WORDS};

    /// Full 64-byte blocks of `part` by `block` (given a pointer to 64 readable bytes), the
    /// last partial block copied into spaces first (a space is no stop byte), zero words
    /// after it.
    #[inline(always)]
    fn each_block(part: &[u8], words: &mut [u64; WORDS], mut block: impl FnMut(*const u8) -> u64) {
        assert!(
            part.len() <= WINDOW,
            "a window holds at most {WINDOW} bytes"
        );
        let full = part.len() / 64;
        let mut w = 0;
        while w < full {
            // `w * 64 + 64 <= part.len()`: the block's bytes are inside `part`.
            words[w] = block(part[w * 64..w * 64 + 64].as_ptr());
            w += 1;
        }
        let rest = &part[full * 64..];
        if !rest.is_empty() {
            let mut pad = [b' '; 64];
            pad[..rest.len()].copy_from_slice(rest);
            words[w] = block(pad.as_ptr());
            w += 1;
        }
        while w < WORDS {
            words[w] = 0;
            w += 1;
        }
    }

    /// 16 bytes' stop bits (SSE2).
    #[inline(always)]
    fn stops16(x: __m128i) -> u64 {
        // SAFETY: SSE2 is in the x86_64 baseline; these only compute on registers.
        unsafe {
            let low = _mm_set1_epi8(0x1f);
            // max(x, 0x1f) == 0x1f exactly when x <= 0x1f (unsigned): a control character.
            let control = _mm_cmpeq_epi8(_mm_max_epu8(x, low), low);
            let quote = _mm_cmpeq_epi8(x, _mm_set1_epi8(b'"' as i8));
            let backslash = _mm_cmpeq_epi8(x, _mm_set1_epi8(b'\\' as i8));
            u64::from(
                _mm_movemask_epi8(_mm_or_si128(_mm_or_si128(control, quote), backslash)) as u16,
            )
        }
    }

    pub(super) fn classify_sse2(part: &[u8], words: &mut [u64; WORDS]) {
        each_block(part, words, |p| {
            let mut m = 0;
            for k in 0..4 {
                // SAFETY: `each_block` passes 64 readable bytes; this reads bytes
                // `16k..16k + 16` of them.
                m |= stops16(unsafe { _mm_loadu_si128(p.add(16 * k).cast()) }) << (16 * k);
            }
            m
        });
    }

    /// 32 bytes' stop bits (AVX2).
    #[target_feature(enable = "avx2")]
    #[inline]
    fn stops32(x: __m256i) -> u64 {
        let low = _mm256_set1_epi8(0x1f);
        let control = _mm256_cmpeq_epi8(_mm256_max_epu8(x, low), low);
        let quote = _mm256_cmpeq_epi8(x, _mm256_set1_epi8(b'"' as i8));
        let backslash = _mm256_cmpeq_epi8(x, _mm256_set1_epi8(b'\\' as i8));
        u64::from(
            _mm256_movemask_epi8(_mm256_or_si256(_mm256_or_si256(control, quote), backslash))
                as u32,
        )
    }

    /// # Safety
    /// The CPU has AVX2.
    #[target_feature(enable = "avx2")]
    pub(super) unsafe fn classify_avx2(part: &[u8], words: &mut [u64; WORDS]) {
        each_block(part, words, |p| {
            // SAFETY: `each_block` passes 64 readable bytes; the loads read its two halves.
            let (a, b) = unsafe {
                (
                    _mm256_loadu_si256(p.cast()),
                    _mm256_loadu_si256(p.add(32).cast()),
                )
            };
            stops32(a) | (stops32(b) << 32)
        });
    }

    /// # Safety
    /// The CPU has AVX-512F and AVX-512BW.
    #[target_feature(enable = "avx512f,avx512bw")]
    pub(super) unsafe fn classify_avx512(part: &[u8], words: &mut [u64; WORDS]) {
        assert!(
            part.len() <= WINDOW,
            "a window holds at most {WINDOW} bytes"
        );
        let quote = _mm512_set1_epi8(b'"' as i8);
        let backslash = _mm512_set1_epi8(b'\\' as i8);
        let low = _mm512_set1_epi8(0x1f);
        let stops = |x: __m512i| {
            _mm512_cmpeq_epi8_mask(x, quote)
                | _mm512_cmpeq_epi8_mask(x, backslash)
                | _mm512_cmple_epu8_mask(x, low)
        };
        let full = part.len() / 64;
        let mut w = 0;
        while w < full {
            // SAFETY: `w * 64 + 64 <= part.len()`: the 64 bytes read are inside `part`.
            words[w] = stops(unsafe { _mm512_loadu_si512(part.as_ptr().add(w * 64).cast()) });
            w += 1;
        }
        let left = part.len() - full * 64;
        if left > 0 {
            // The tail by a masked load, which reads only the `valid` bytes (the others
            // are zero, a control character, so their bits are masked off) and does not
            // fault on the rest: no copy.
            let valid = (1u64 << left) - 1;
            // SAFETY: every byte the mask selects, `full * 64 + k` for `k < left`, is
            // inside `part`.
            let x = unsafe { _mm512_maskz_loadu_epi8(valid, part.as_ptr().add(full * 64).cast()) };
            words[w] = stops(x) & valid;
            w += 1;
        }
        while w < WORDS {
            words[w] = 0;
            w += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{StopWindow, WINDOW, WORDS, classify_scalar};

    fn naive_stop(s: &[u8], i: usize) -> usize {
        (i..s.len())
            .find(|&k| s[k] == b'"' || s[k] == b'\\' || s[k] < 0x20)
            .unwrap_or(s.len())
    }

    /// Every classifier this CPU can run, by name.
    #[allow(clippy::type_complexity)]
    fn classifiers() -> Vec<(&'static str, Box<dyn Fn(&[u8], &mut [u64; WORDS])>)> {
        let mut out: Vec<(&'static str, Box<dyn Fn(&[u8], &mut [u64; WORDS])>)> =
            vec![("scalar", Box::new(classify_scalar))];
        #[cfg(target_arch = "x86_64")]
        {
            out.push(("sse2", Box::new(super::x86::classify_sse2)));
            if std::arch::is_x86_feature_detected!("avx2") {
                // SAFETY: AVX2 checked just before.
                out.push((
                    "avx2",
                    Box::new(|p, w| unsafe { super::x86::classify_avx2(p, w) }),
                ));
            }
            if std::arch::is_x86_feature_detected!("avx512bw") {
                // SAFETY: AVX-512BW checked just before.
                out.push((
                    "avx512",
                    Box::new(|p, w| unsafe { super::x86::classify_avx512(p, w) }),
                ));
            }
        }
        out
    }

    #[test]
    fn every_classifier_marks_exactly_the_stop_bytes_of_every_length() {
        // Every byte value at every position class, in windows of every tail length.
        let bytes: Vec<u8> = (0..=255u8).collect();
        for len in [
            0,
            1,
            2,
            31,
            32,
            33,
            63,
            64,
            65,
            127,
            128,
            129,
            1000,
            WINDOW - 1,
            WINDOW,
        ] {
            let part: Vec<u8> = (0..len).map(|k| bytes[(k * 7 + len) % 256]).collect();
            let mut want = [0; WORDS];
            for (k, &b) in part.iter().enumerate() {
                if b == b'"' || b == b'\\' || b < 0x20 {
                    want[k / 64] |= 1 << (k % 64);
                }
            }
            for (name, f) in classifiers() {
                let mut got = [u64::MAX; WORDS];
                f(&part, &mut got);
                assert_eq!(got, want, "{name}, {len} bytes");
            }
        }
    }

    #[test]
    fn next_agrees_with_a_byte_loop_around_every_block() {
        // Plain text with one stop byte (or none) at every offset, searched from offsets
        // around the 64-bit words and the unaligned reads; a high byte (UTF-8) is never a
        // stop. Each search starts from a fresh window (filled where it starts) and from
        // one filled at the document's start.
        for len in [
            0, 1, 7, 8, 9, 15, 16, 17, 56, 57, 58, 63, 64, 65, 127, 128, 129, 200, 300,
        ] {
            for stop in [None, Some(b'"'), Some(b'\\'), Some(0x01), Some(0x1f)] {
                for at in 0..len {
                    let mut s: Vec<u8> = (0..len)
                        .map(|k| if k % 7 == 3 { 0xe9 } else { b'a' })
                        .collect();
                    if let Some(b) = stop {
                        s[at] = b;
                    }
                    let mut from_start = StopWindow::new();
                    from_start.next(&s, 0);
                    for from in (0..len.min(20)).chain([len / 2, len.saturating_sub(1), len]) {
                        let want = naive_stop(&s, from);
                        let fresh = StopWindow::new().next(&s, from);
                        assert_eq!(fresh, want, "len {len} stop at {at} from {from}");
                        let kept = from_start.next(&s, from);
                        assert_eq!(kept, want, "len {len} stop at {at} from {from}");
                    }
                }
            }
        }
    }

    #[test]
    fn next_agrees_with_a_byte_loop_across_windows() {
        // Stops sparse and dense, a run without any longer than a window, and searches
        // that start anywhere (each window is filled from where it is first needed).
        let len = 3 * WINDOW + 77;
        let s: Vec<u8> = (0..len)
            .map(|k| match k {
                _ if (WINDOW - 10..2 * WINDOW + 30).contains(&k) => b'a',
                _ if k % 97 == 0 => b'"',
                _ if k % 61 == 5 => b'\\',
                _ if k % 211 == 7 => 0x1f,
                _ if k % 5 == 0 => 0xe9,
                _ => b'x',
            })
            .collect();
        for step in [1, 3, 50, 333] {
            let mut w = StopWindow::new();
            let mut from = 0;
            while from <= len {
                let want = naive_stop(&s, from);
                assert_eq!(w.next(&s, from), want, "step {step} from {from}");
                from = if want == from {
                    from + 1
                } else {
                    from + step.min(want - from)
                };
            }
            assert_eq!(w.next(&s, len), len);
        }
    }

    #[test]
    fn next_finds_the_end_of_documents_of_every_small_length() {
        for len in 0..200_usize {
            for stop in [None, Some(len / 2), Some(len.saturating_sub(1))] {
                let mut s = vec![b'q'; len];
                if let Some(k) = stop.filter(|&k| k < len) {
                    s[k] = b'"';
                }
                for from in [0, len / 3, len.saturating_sub(1), len] {
                    assert_eq!(
                        StopWindow::new().next(&s, from),
                        naive_stop(&s, from),
                        "{len} {stop:?} {from}"
                    );
                }
            }
        }
    }
}
