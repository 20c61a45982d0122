//! Vector storage in fixed-size blocks (no doubling reallocation: resident memory stays close to
//! the raw bytes) and the dot product every score comes from.

use crate::codes::{self, QueryCode, Range};

/// Slots per block: big enough for long contiguous scans, small enough that the last,
/// partly filled block wastes little.
const BLOCK: usize = 1024;

/// Dot product: an AVX2+FMA kernel when the CPU has one (wheels target baseline x86-64, so
/// the check is at run time), else 8 independent lanes the compiler turns into SSE.
#[inline]
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    debug_assert_eq!(a.len(), b.len());
    #[cfg(target_arch = "x86_64")]
    if a.len() >= 32
        && std::arch::is_x86_feature_detected!("avx2")
        && std::arch::is_x86_feature_detected!("fma")
    {
        // SAFETY: the CPU supports AVX2 and FMA (checked just above).
        return unsafe { avx2::dot(a, b) };
    }
    dot_portable(a, b)
}

#[inline]
fn dot_portable(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = [0.0f32; 8];
    let (ca, ra) = a.as_chunks::<8>();
    let (cb, rb) = b.as_chunks::<8>();
    for (x, y) in ca.iter().zip(cb) {
        for i in 0..8 {
            acc[i] += x[i] * y[i];
        }
    }
    let mut tail = 0.0;
    for (x, y) in ra.iter().zip(rb) {
        tail += x * y;
    }
    let s = (acc[0] + acc[4]) + (acc[1] + acc[5]) + (acc[2] + acc[6]) + (acc[3] + acc[7]);
    s + tail
}

#[cfg(target_arch = "x86_64")]
mod avx2 {
    use std::arch::x86_64::*;

    /// Four 8-lane FMA accumulators: one FMA has a latency of 4 cycles and two issue per
    /// cycle, so fewer chains would leave the units idle on in-cache vectors.
    #[target_feature(enable = "avx2,fma")]
    pub(super) fn dot(a: &[f32], b: &[f32]) -> f32 {
        let n = a.len().min(b.len());
        let (pa, pb) = (a.as_ptr(), b.as_ptr());
        let mut acc = [_mm256_setzero_ps(); 4];
        let mut i = 0;
        while i + 32 <= n {
            for (j, acc) in acc.iter_mut().enumerate() {
                // SAFETY: i + 8 * j + 8 <= n, within both slices; loadu has no alignment need.
                let (x, y) = unsafe {
                    (
                        _mm256_loadu_ps(pa.add(i + 8 * j)),
                        _mm256_loadu_ps(pb.add(i + 8 * j)),
                    )
                };
                *acc = _mm256_fmadd_ps(x, y, *acc);
            }
            i += 32;
        }
        while i + 8 <= n {
            // SAFETY: i + 8 <= n, within both slices.
            let (x, y) = unsafe { (_mm256_loadu_ps(pa.add(i)), _mm256_loadu_ps(pb.add(i))) };
            acc[0] = _mm256_fmadd_ps(x, y, acc[0]);
            i += 8;
        }
        let s = _mm256_add_ps(_mm256_add_ps(acc[0], acc[1]), _mm256_add_ps(acc[2], acc[3]));
        let half = _mm_add_ps(_mm256_castps256_ps128(s), _mm256_extractf128_ps(s, 1));
        let quad = _mm_add_ps(half, _mm_movehl_ps(half, half));
        let one = _mm_add_ss(quad, _mm_shuffle_ps(quad, quad, 1));
        let mut total = _mm_cvtss_f32(one);
        for k in i..n {
            total += a[k] * b[k];
        }
        total
    }
}

/// Hint the CPU to start loading a vector that is about to be scored (graph walks jump between
/// far-apart vectors, which the hardware prefetcher cannot guess).
#[inline]
pub fn prefetch(v: &[f32]) {
    // A few lines are enough: the hardware prefetcher streams the rest once reading starts.
    prefetch_lines(&v[..v.len().min(64)]);
}

/// Hint the CPU to start loading every cache line `items` touches (a hint only: it never
/// faults and changes no value).
#[inline]
pub(crate) fn prefetch_lines<T>(items: &[T]) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        let start = items.as_ptr() as usize;
        let end = start + std::mem::size_of_val(items);
        let mut line = start & !63;
        while line < end {
            // SAFETY: prefetching is only a hint and never faults, whatever the address.
            unsafe { _mm_prefetch::<_MM_HINT_T0>(line as *const i8) };
            line += 64;
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = items;
}

/// 1/|v|, or 0 for a zero vector so that it scores 0 against everything.
pub fn inverse_norm(v: &[f32]) -> f32 {
    let n = dot(v, v).sqrt();
    if n > 0.0 && n.is_finite() {
        1.0 / n
    } else {
        0.0
    }
}

/// Ask for transparent huge pages for a fresh (not yet touched) vector block: filling a
/// 6 MB block (1,024 x 1,536 floats) on 4 KiB pages takes 1,536 page faults, the largest cost
/// of reopening a store (measured: ~40% of the replay at 10k x 1536). Best effort, Linux only.
fn advise_huge_pages(block: &[f32]) {
    #[cfg(target_os = "linux")]
    {
        const HUGE: usize = 2 << 20;
        let start = block.as_ptr() as usize;
        let end = start + std::mem::size_of_val(block);
        let (lo, hi) = (start.next_multiple_of(HUGE), end & !(HUGE - 1));
        if hi > lo {
            // SAFETY: the range lies inside `block`'s allocation; MADV_HUGEPAGE only changes
            // how the kernel backs those pages, never their contents.
            unsafe {
                libc::madvise(lo as *mut libc::c_void, hi - lo, libc::MADV_HUGEPAGE);
            }
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = block;
}

/// A fixed-size zeroed buffer whose usable part starts on a cache-line boundary. The
/// allocator only promises 16-byte alignment (large blocks come back 16 bytes past a page
/// start), so a 768-byte code spanned 13 lines instead of 12 and a 6 KB vector 97 instead of 96:
/// one more line to load for every estimate of a walk. The `Vec` is one line longer than
/// needed and never resized, so the offset found at allocation stays valid; `vec![0; n]` keeps
/// the zeroed allocation lazy (fresh pages, no memset), which the huge-page advice relies on.
#[derive(Debug)]
struct Lines<T> {
    buf: Vec<T>,
    start: usize,
    len: usize,
}

impl<T: Copy + Default> Lines<T> {
    fn zeroed(len: usize) -> Self {
        let pad = 64 / std::mem::size_of::<T>();
        let buf = vec![T::default(); len + pad];
        // `align_offset` may decline (usize::MAX); the buffer is then merely unaligned.
        let start = buf.as_ptr().align_offset(64).min(pad);
        Self { buf, start, len }
    }

    #[inline]
    fn get(&self) -> &[T] {
        &self.buf[self.start..self.start + self.len]
    }

    #[inline]
    fn get_mut(&mut self) -> &mut [T] {
        &mut self.buf[self.start..self.start + self.len]
    }

    fn bytes(&self) -> usize {
        self.buf.capacity() * std::mem::size_of::<T>()
    }
}

/// Dimensions from which vectors get 4-bit codes for the graph walk. Below, a vector is at most
/// 1 KB (a few cache lines), so codes would save little memory traffic, and their estimates
/// coarsen as dimensions fall (largest error among a query's 64 best estimates, measured: 0.008
/// at 1536 dimensions, 0.015 at 384, 0.029 at 48), which cost recall@10 at 48 (0.978).
pub const CODED_MIN_DIM: usize = 256;

/// Raw (unnormalised) vectors by slot, plus each one's inverse norm and, from
/// [`CODED_MIN_DIM`] dimensions, its 4-bit code (see [`crate::codes`]), kept in step by
/// [`Vectors::set`], the only writer.
#[derive(Debug, Default)]
pub struct Vectors {
    dim: usize,
    blocks: Vec<Lines<f32>>,
    inv_norms: Vec<f32>,
    /// `codes::bytes(dim)` bytes per slot, in blocks like the vectors: 1/8 of their bytes
    /// (empty below `CODED_MIN_DIM`).
    codes: Vec<Lines<u8>>,
    /// Per slot, what an estimate reads besides the code, together in 16 bytes: one cache
    /// line per estimate where the range and the inverse norm in two arrays took two.
    code_meta: Vec<CodeMeta>,
}

/// A code's range and its vector's inverse norm (also in `inv_norms`, which exact scores read).
#[derive(Debug, Clone, Copy, Default)]
#[repr(C, align(16))]
struct CodeMeta {
    range: Range,
    inv_norm: f32,
}

impl Vectors {
    pub fn new(dim: usize) -> Self {
        Self {
            dim,
            blocks: Vec::new(),
            inv_norms: Vec::new(),
            codes: Vec::new(),
            code_meta: Vec::new(),
        }
    }

    pub fn dim(&self) -> usize {
        self.dim
    }

    /// Make room for slots `0..n` (new slots hold zero vectors).
    pub fn ensure_slots(&mut self, n: usize) {
        if self.dim == 0 {
            return;
        }
        while self.blocks.len() * BLOCK < n {
            let block = Lines::zeroed(BLOCK * self.dim);
            advise_huge_pages(block.get());
            self.blocks.push(block);
            if self.coded() {
                self.codes
                    .push(Lines::zeroed(BLOCK * codes::bytes(self.dim)));
            }
        }
        if self.inv_norms.len() < n {
            self.inv_norms.resize(n, 0.0);
            if self.coded() {
                self.code_meta.resize(n, CodeMeta::default());
            }
        }
    }

    pub fn set(&mut self, slot: usize, v: &[f32]) {
        self.ensure_slots(slot + 1);
        let d = self.dim;
        let off = (slot % BLOCK) * d;
        self.blocks[slot / BLOCK].get_mut()[off..off + d].copy_from_slice(v);
        let inv_norm = inverse_norm(v);
        self.inv_norms[slot] = inv_norm;
        if self.coded() {
            let w = codes::bytes(d);
            let at = (slot % BLOCK) * w;
            let range = codes::encode(v, &mut self.codes[slot / BLOCK].get_mut()[at..at + w]);
            self.code_meta[slot] = CodeMeta { range, inv_norm };
        }
    }

    /// Whether the vectors have codes (see [`CODED_MIN_DIM`]).
    #[inline]
    pub fn coded(&self) -> bool {
        self.dim >= CODED_MIN_DIM
    }

    #[inline]
    fn code(&self, slot: usize) -> &[u8] {
        let w = codes::bytes(self.dim);
        let at = (slot % BLOCK) * w;
        &self.codes[slot / BLOCK].get()[at..at + w]
    }

    /// The estimated cosine of slot's vector with a prepared unit query (see [`crate::codes`]);
    /// only for [`Vectors::coded`] vectors.
    #[inline]
    pub fn estimate(&self, slot: usize, q: &QueryCode) -> f32 {
        #[cfg(feature = "probe")]
        crate::probe::estimate();
        let m = self.code_meta[slot];
        q.estimate_dot(self.code(slot), m.range) * m.inv_norm
    }

    /// The estimated cosine of slot's vector with a prepared unit query and the most it can be
    /// off (see [`QueryCode::error_bound`]); only for [`Vectors::coded`] vectors.
    #[inline]
    pub fn estimate_with_bound(&self, slot: usize, q: &QueryCode) -> (f32, f32) {
        #[cfg(feature = "probe")]
        crate::probe::estimate();
        let CodeMeta {
            range: r,
            inv_norm: inv,
        } = self.code_meta[slot];
        (
            q.estimate_dot(self.code(slot), r) * inv,
            q.error_bound(r) * inv,
        )
    }

    /// Start loading what [`Vectors::estimate`] reads for slot: its code (12 lines at dim
    /// 1536) and its range with the inverse norm (one line). Walks jump between far-apart
    /// slots, and without the latter an estimate waited on another cache miss after its code
    /// had arrived.
    #[inline]
    pub fn prefetch_code(&self, slot: usize) {
        prefetch_lines(self.code(slot));
        prefetch_lines(std::slice::from_ref(&self.code_meta[slot]));
    }

    #[inline]
    pub fn get(&self, slot: usize) -> &[f32] {
        let d = self.dim;
        let off = (slot % BLOCK) * d;
        &self.blocks[slot / BLOCK].get()[off..off + d]
    }

    /// Cosine similarity of slot's vector with a query already scaled to unit length.
    #[inline]
    pub fn cosine(&self, slot: usize, unit_query: &[f32]) -> f32 {
        #[cfg(feature = "probe")]
        crate::probe::exact();
        dot(self.get(slot), unit_query) * self.inv_norms[slot]
    }

    /// Start loading slot's vector (see [`prefetch`]).
    #[inline]
    pub fn prefetch(&self, slot: usize) {
        prefetch(self.get(slot));
    }

    /// Start loading all of slot's vector (for scans and re-scorings, which will read all of
    /// it soon).
    #[inline]
    pub fn prefetch_whole(&self, slot: usize) {
        prefetch_lines(self.get(slot));
    }

    #[inline]
    pub fn inv_norm(&self, slot: usize) -> f32 {
        self.inv_norms[slot]
    }

    /// Bytes held (for the memory figure in benchmarks).
    pub fn heap_bytes(&self) -> usize {
        self.blocks.iter().map(Lines::bytes).sum::<usize>()
            + self.inv_norms.capacity() * 4
            + self.codes.iter().map(Lines::bytes).sum::<usize>()
            + self.code_meta.capacity() * std::mem::size_of::<CodeMeta>()
    }
}

/// An `f32` ordered by `total_cmp`, for heaps of scores.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct OrdF32(pub f32);

impl Eq for OrdF32 {}

impl Ord for OrdF32 {
    #[inline]
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&other.0)
    }
}

impl PartialOrd for OrdF32 {
    #[inline]
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dot_matches_naive() {
        for n in [0, 1, 7, 8, 9, 31, 32, 33, 47, 71, 1536, 1537] {
            let a: Vec<f32> = (0..n).map(|i| (i as f32 * 0.37).sin()).collect();
            let b: Vec<f32> = (0..n).map(|i| (i as f32 * 0.11).cos()).collect();
            let naive: f64 = a
                .iter()
                .zip(&b)
                .map(|(x, y)| f64::from(*x) * f64::from(*y))
                .sum();
            assert!((f64::from(dot(&a, &b)) - naive).abs() < 1e-3, "n={n}");
            assert!(
                (f64::from(dot_portable(&a, &b)) - naive).abs() < 1e-3,
                "n={n}"
            );
        }
    }

    #[test]
    fn codes_follow_overwritten_vectors() {
        let dim = CODED_MIN_DIM;
        let a: Vec<f32> = (0..dim).map(|i| (i as f32 * 0.37).sin()).collect();
        let b: Vec<f32> = (0..dim).map(|i| (i as f32 * 0.11).cos()).collect();
        let unit = |v: &[f32]| {
            let inv = inverse_norm(v);
            v.iter().map(|x| x * inv).collect::<Vec<f32>>()
        };
        let mut v = Vectors::new(dim);
        v.set(BLOCK + 3, &a);
        let qa = QueryCode::new(&unit(&a));
        assert!((v.estimate(BLOCK + 3, &qa) - 1.0).abs() < 0.02);
        // Overwritten: the estimate is now of the new vector, within its bound.
        v.set(BLOCK + 3, &b);
        let (est, bound) = v.estimate_with_bound(BLOCK + 3, &qa);
        let exact = v.cosine(BLOCK + 3, &unit(&a));
        assert!(exact < 0.5, "the vectors differ: {exact}");
        assert!((est - exact).abs() <= bound);
        assert!((est - exact).abs() < 0.02);
    }

    #[test]
    fn small_dimensions_have_no_codes() {
        let mut v = Vectors::new(CODED_MIN_DIM - 1);
        v.set(0, &vec![1.0; CODED_MIN_DIM - 1]);
        assert!(!v.coded());
        assert!(Vectors::new(CODED_MIN_DIM).coded());
    }

    #[test]
    fn slots_across_blocks() {
        let mut v = Vectors::new(3);
        v.set(0, &[3.0, 4.0, 0.0]);
        v.set(BLOCK + 5, &[0.0, 0.0, 2.0]);
        assert_eq!(v.get(BLOCK + 5), &[0.0, 0.0, 2.0]);
        assert!((v.cosine(0, &[0.6, 0.8, 0.0]) - 1.0).abs() < 1e-6);
        assert_eq!(v.cosine(3, &[1.0, 0.0, 0.0]), 0.0);
    }

    #[test]
    fn codes_and_vectors_start_on_cache_lines() {
        // 768-byte codes and 6 KB vectors are whole lines: each slot's must start on one.
        let dim = 1536;
        let mut v = Vectors::new(dim);
        let x: Vec<f32> = (0..dim).map(|i| (i as f32 * 0.37).sin()).collect();
        for slot in [0, 1, 7, BLOCK - 1, BLOCK, 2 * BLOCK + 13] {
            v.set(slot, &x);
            assert_eq!(
                v.get(slot).as_ptr() as usize % 64,
                0,
                "vector of slot {slot}"
            );
            assert_eq!(
                v.code(slot).as_ptr() as usize % 64,
                0,
                "code of slot {slot}"
            );
            assert_eq!(v.get(slot), x.as_slice());
        }
        // Slots never written read as zero vectors.
        assert!(v.get(2).iter().all(|&c| c == 0.0));
        assert!(v.code(BLOCK + 1).iter().all(|&c| c == 0));
    }
}
