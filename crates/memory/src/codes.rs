//! Four-bit codes of the stored vectors (768 bytes at dim 1536, 1/8 of the f32 bytes) and the
//! estimate of a query's cosine from them, which steers the graph walk: it reads codes that
//! stay in cache instead of 6 KB vectors from DRAM, and only its best few candidates are then
//! re-scored exactly (see [`crate::hnsw`]).
//!
//! Each vector is quantised on its own range: component `x_i ≈ lo + delta * u_i` with
//! `u_i` in 0..=15, `lo` its minimum and `delta` (max − min) / 15. The query is rounded to
//! signed bytes (`q_i ≈ s * k_i`), so `⟨q, x⟩ ≈ lo·Σq + delta·s·⟨k, u⟩`, an integer dot product.
//! Why four bits, measured on the benchmark's clustered 10k × 1536 data: ranked by one-bit
//! (sign) codes, the true top 10 needed the best ~128 estimates re-scored for recall 0.999, so
//! a search still read ~128 vectors from DRAM and was no faster than the exact walk's ~500;
//! four bits need ~24-32 (recall 0.998-1.0), for +12.5% memory instead of +3%.
//!
//! Layout: per group of 64 components, 32 bytes; byte `k`'s low nibble is component `64g + k`,
//! its high nibble component `64g + 32 + k`, so one 32-byte load unpacks with a mask and a
//! shift into two runs of 32 consecutive components.

/// Bytes per code of a `dim`-component vector.
#[inline]
pub fn bytes(dim: usize) -> usize {
    dim.div_ceil(64) * 32
}

/// Components per padded query: whole groups of 64, the padding zero so that it adds nothing.
#[inline]
fn padded(dim: usize) -> usize {
    dim.div_ceil(64) * 64
}

const LEVELS: f32 = 15.0;

/// The quantisation of one vector: `x_i ≈ lo + delta * u_i`.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Range {
    lo: f32,
    delta: f32,
}

/// Write `v`'s 4-bit levels into `code` (see the module layout) and return its range. A vector
/// whose components are all equal (a zero vector among them) gets `delta` 0: every level 0.
/// Every stored vector is encoded when a store is reopened, so this is vectorised (AVX2 when
/// the CPU has it): ~0.4 µs per 1536-dim vector, ~4 ms of a 10k store's reopen.
pub fn encode(v: &[f32], code: &mut [u8]) -> Range {
    // The AVX2 path stores whole 32-byte groups by pointer: the one check that keeps them in.
    assert_eq!(code.len(), bytes(v.len()), "code buffer of the wrong size");
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU supports AVX2 (checked just above).
        return unsafe { avx2::encode(v, code) };
    }
    encode_portable(v, code)
}

/// [`encode`] written so the compiler vectorises it: 8 running minima and maxima, then each
/// group's 64 levels into a buffer (multiplying by `1/delta`; the `+ 0.5` and the truncation
/// round to nearest, as the levels are never negative) and packed in pairs.
#[inline(always)]
fn encode_portable(v: &[f32], code: &mut [u8]) -> Range {
    let (mut lo8, mut hi8) = ([f32::INFINITY; 8], [f32::NEG_INFINITY; 8]);
    let (chunks, rest) = v.as_chunks::<8>();
    for c in chunks {
        for j in 0..8 {
            lo8[j] = if c[j] < lo8[j] { c[j] } else { lo8[j] };
            hi8[j] = if c[j] > hi8[j] { c[j] } else { hi8[j] };
        }
    }
    let (mut lo, mut hi) = (f32::INFINITY, f32::NEG_INFINITY);
    for &x in lo8.iter().chain(rest) {
        lo = lo.min(x);
    }
    for &x in hi8.iter().chain(rest) {
        hi = hi.max(x);
    }
    if v.is_empty() || hi <= lo || !(hi - lo).is_finite() {
        code.fill(0);
        return Range {
            lo: if lo.is_finite() { lo } else { 0.0 },
            delta: 0.0,
        };
    }
    let delta = (hi - lo) / LEVELS;
    encode_tail(v, lo, 1.0 / delta, code);
    Range { lo, delta }
}

/// The levels of `v` (whole groups of 64 but the last) for range start `lo` and `1/delta`.
#[inline(always)]
fn encode_tail(v: &[f32], lo: f32, inv: f32, code: &mut [u8]) {
    let mut levels = [0i32; 64];
    for (chunk, out) in v.chunks(64).zip(code.chunks_exact_mut(32)) {
        for (l, &x) in levels.iter_mut().zip(chunk) {
            *l = (((x - lo) * inv + 0.5) as i32).min(15);
        }
        levels[chunk.len()..].fill(0);
        for k in 0..32 {
            out[k] = (levels[k] | (levels[k + 32] << 4)) as u8;
        }
    }
}

/// The estimate kernels, fastest the CPU has first (chosen at run time: wheels target
/// baseline x86-64). All give the same integer, so the choice never changes a result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kernel {
    Portable,
    Avx2,
    /// AVX-512 VNNI (`vpdpbusd`: u8 x i8 products summed in fours into i32 in one instruction,
    /// where AVX2 needs `maddubs`, `madd` and an add), two groups of 64 components per step.
    Vnni,
}

impl Kernel {
    fn detect() -> Self {
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx512f")
                && std::arch::is_x86_feature_detected!("avx512bw")
                && std::arch::is_x86_feature_detected!("avx512vl")
                && std::arch::is_x86_feature_detected!("avx512vnni")
            {
                return Kernel::Vnni;
            }
            if std::arch::is_x86_feature_detected!("avx2") {
                return Kernel::Avx2;
            }
        }
        Kernel::Portable
    }
}

/// The query bytes in the order the VNNI kernel reads them: per pair of groups, the 32 bytes
/// meeting the low nibbles of both groups' codes, then the 32 meeting the high nibbles (see
/// the module layout), so that one 64-byte load of codes meets two 64-byte loads of query.
/// A last, unpaired group keeps its order.
fn pair_groups(k: &[i8]) -> Vec<i8> {
    let mut out = k.to_vec();
    for (o, p) in out.chunks_exact_mut(128).zip(k.chunks_exact(128)) {
        o[..32].copy_from_slice(&p[..32]);
        o[32..64].copy_from_slice(&p[64..96]);
        o[64..96].copy_from_slice(&p[32..64]);
        o[96..].copy_from_slice(&p[96..]);
    }
    out
}

/// A unit query prepared for estimates against codes: its components as signed bytes
/// (`q_i ≈ scale * k_i`, padded to whole groups with zeros, in the order its kernel reads
/// them), and its exact sum.
#[derive(Debug, Clone)]
pub struct QueryCode {
    k: Vec<i8>,
    scale: f32,
    sum: f32,
    /// `|q|₁ / 2 + 15 Σ|q_i − scale·k_i|`: times a vector's `delta`, the most its estimate can
    /// be off (see [`QueryCode::error_bound`]).
    error_per_delta: f32,
    kernel: Kernel,
}

/// The i8 step of a query's code (its largest magnitude over 127) and that step's inverse; both 0
/// for an all-zero or non-finite query, which then quantises to zeros.
pub(crate) fn query_scale(q: &[f32]) -> (f32, f32) {
    let max = q.iter().fold(0.0f32, |m, x| m.max(x.abs()));
    let scale = if max > 0.0 && max.is_finite() {
        max / 127.0
    } else {
        0.0
    };
    let inv = if scale > 0.0 { 1.0 / scale } else { 0.0 };
    (scale, inv)
}

impl QueryCode {
    pub fn new(q: &[f32]) -> Self {
        let (scale, inv) = query_scale(q);
        let mut k = vec![0i8; padded(q.len())];
        // Eight lanes of sums and no `round` call (a libm call on baseline x86-64): this runs
        // once per search, and written plainly it cost ~5% of a 10k search.
        let (l1, rounding, sum) = quantise(q, scale, inv, &mut k);
        let total = |a: [f32; 8]| a.iter().sum::<f32>();
        // The bound's sums carry f32 rounding (relative ~1e-6): widened by a thousandth.
        let error_per_delta = (total(l1) / 2.0 + LEVELS * total(rounding)) * 1.001;
        let kernel = Kernel::detect();
        if kernel == Kernel::Vnni {
            k = pair_groups(&k);
        }
        Self {
            k,
            scale,
            sum: total(sum),
            error_per_delta,
            kernel,
        }
    }

    /// The estimated dot product of this query with the vector whose code and range are given
    /// (multiply by the vector's inverse norm for the cosine).
    #[inline]
    pub fn estimate_dot(&self, code: &[u8], r: Range) -> f32 {
        self.finish(self.levels(code), r)
    }

    /// `⟨k, u⟩` by this query's kernel.
    #[inline]
    fn levels(&self, code: &[u8]) -> i32 {
        match self.kernel {
            #[cfg(target_arch = "x86_64")]
            // SAFETY: the CPU has AVX-512 F/BW/VL/VNNI (checked when the query was prepared,
            // which also put `k` in the paired order this kernel reads).
            Kernel::Vnni => unsafe { vnni::dot_levels(&self.k, code) },
            #[cfg(target_arch = "x86_64")]
            // SAFETY: the CPU has AVX2 (checked when the query was prepared).
            Kernel::Avx2 => unsafe { avx2::dot_levels(&self.k, code) },
            _ => dot_levels(&self.k, code),
        }
    }

    /// The most [`QueryCode::estimate_dot`] can differ from the exact dot product, whatever the
    /// vector: each component is within `delta / 2` of its level (|⟨q, x − x̂⟩| ≤ delta·|q|₁/2)
    /// and the query's rounding moves `delta·⟨q, u⟩` by at most `delta · 15 · Σ|q_i − s·k_i|`.
    /// A worst case, so far above the typical error, yet small enough to skip most rows of a
    /// filtered scan exactly (see `search.rs`).
    #[inline]
    pub fn error_bound(&self, r: Range) -> f32 {
        r.delta * self.error_per_delta
    }

    #[inline]
    fn finish(&self, levels: i32, r: Range) -> f32 {
        r.lo * self.sum + r.delta * self.scale * levels as f32
    }
}

/// `⟨k, u⟩`: the query's bytes against the code's levels (the portable kernel).
fn dot_levels(k: &[i8], code: &[u8]) -> i32 {
    let mut total = 0i32;
    for (kg, cg) in k.chunks_exact(64).zip(code.chunks_exact(32)) {
        for j in 0..32 {
            let (lo, hi) = (i32::from(cg[j] & 15), i32::from(cg[j] >> 4));
            total += i32::from(kg[j]) * lo + i32::from(kg[32 + j]) * hi;
        }
    }
    total
}

#[cfg(target_arch = "x86_64")]
mod avx2 {
    use std::arch::x86_64::*;

    /// [`super::encode_portable`] with AVX2 (same levels, bit for bit, tested): min/max eight
    /// lanes at a time, then per group of 64 components eight conversions to i32 levels,
    /// combined in pairs (`low | high << 4`) and packed to 32 bytes. The compiler's version of
    /// the portable loop took ~1.7 µs per 1536-dim vector, ~17 ms of a 10k store's reopen.
    #[target_feature(enable = "avx2")]
    pub(super) fn encode(v: &[f32], code: &mut [u8]) -> super::Range {
        let n = v.len();
        let p = v.as_ptr();
        let (mut lo8, mut hi8) = (
            _mm256_set1_ps(f32::INFINITY),
            _mm256_set1_ps(f32::NEG_INFINITY),
        );
        let mut i = 0;
        while i + 8 <= n {
            // SAFETY: i + 8 <= n, within the slice; loadu has no alignment need.
            let x = unsafe { _mm256_loadu_ps(p.add(i)) };
            lo8 = _mm256_min_ps(lo8, x);
            hi8 = _mm256_max_ps(hi8, x);
            i += 8;
        }
        let (mut los, mut his) = ([0.0f32; 8], [0.0f32; 8]);
        // SAFETY: both arrays hold 8 floats; storeu has no alignment need.
        unsafe {
            _mm256_storeu_ps(los.as_mut_ptr(), lo8);
            _mm256_storeu_ps(his.as_mut_ptr(), hi8);
        }
        let lo = los
            .iter()
            .chain(&v[i..])
            .fold(f32::INFINITY, |a, &x| a.min(x));
        let hi = his
            .iter()
            .chain(&v[i..])
            .fold(f32::NEG_INFINITY, |a, &x| a.max(x));
        if n == 0 || hi <= lo || !(hi - lo).is_finite() {
            // The portable version handles the degenerate ranges (same result).
            return super::encode_portable(v, code);
        }
        let delta = (hi - lo) / super::LEVELS;
        let inv = 1.0 / delta;
        let (vlo, vinv, half) = (_mm256_set1_ps(lo), _mm256_set1_ps(inv), _mm256_set1_ps(0.5));
        let top = _mm256_set1_epi32(15);
        let order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
        let full = n / 64;
        let level = |at: usize| {
            // SAFETY: callers pass at + 8 <= 64 * full <= n.
            let x = unsafe { _mm256_loadu_ps(p.add(at)) };
            // Same operations and rounding as the portable loop: (x - lo) * inv + 0.5, then
            // truncation (never negative here), capped at 15.
            let y = _mm256_add_ps(_mm256_mul_ps(_mm256_sub_ps(x, vlo), vinv), half);
            _mm256_min_epi32(_mm256_cvttps_epi32(y), top)
        };
        for g in 0..full {
            let b = 64 * g;
            let pair = |h: usize| {
                _mm256_or_si256(
                    level(b + 8 * h),
                    _mm256_slli_epi32(level(b + 32 + 8 * h), 4),
                )
            };
            let ab = _mm256_packs_epi32(pair(0), pair(1));
            let cd = _mm256_packs_epi32(pair(2), pair(3));
            let bytes = _mm256_permutevar8x32_epi32(_mm256_packus_epi16(ab, cd), order);
            // SAFETY: the code holds 32 bytes per group of 64 components, g < groups.
            unsafe { _mm256_storeu_si256(code.as_mut_ptr().add(32 * g).cast(), bytes) };
        }
        if full * 64 < n {
            // The last, partial group: the portable loop on it, with the vector's range.
            super::encode_tail(&v[full * 64..], lo, inv, &mut code[32 * full..]);
        }
        super::Range { lo, delta }
    }

    /// [`super::dot_levels`] with AVX2: per group of 64 components one load, a mask and a
    /// shift give 2 x 32 levels; `maddubs` multiplies them with the query's bytes (levels
    /// ≤ 15 and |k| ≤ 127, so its 16-bit pair sums cannot saturate) and `madd` widens to i32.
    #[target_feature(enable = "avx2")]
    pub(super) fn dot_levels(k: &[i8], code: &[u8]) -> i32 {
        let groups = (k.len() / 64).min(code.len() / 32);
        let (pk, pc) = (k.as_ptr(), code.as_ptr());
        let nib = _mm256_set1_epi8(15);
        let ones = _mm256_set1_epi16(1);
        let mut acc = _mm256_setzero_si256();
        for g in 0..groups {
            // SAFETY: g < groups, so the 32 code bytes at 32g and the 64 query bytes at 64g
            // are within the slices; loadu has no alignment need.
            let (c, ql, qh) = unsafe {
                (
                    _mm256_loadu_si256(pc.add(32 * g).cast()),
                    _mm256_loadu_si256(pk.add(64 * g).cast()),
                    _mm256_loadu_si256(pk.add(64 * g + 32).cast()),
                )
            };
            let lo = _mm256_and_si256(c, nib);
            let hi = _mm256_and_si256(_mm256_srli_epi16(c, 4), nib);
            let pairs =
                _mm256_add_epi16(_mm256_maddubs_epi16(lo, ql), _mm256_maddubs_epi16(hi, qh));
            acc = _mm256_add_epi32(acc, _mm256_madd_epi16(pairs, ones));
        }
        let s = _mm_add_epi32(
            _mm256_castsi256_si128(acc),
            _mm256_extracti128_si256(acc, 1),
        );
        let s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0b01_00_11_10));
        let s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0b10_11_00_01));
        _mm_cvtsi128_si32(s)
    }
}

#[cfg(target_arch = "x86_64")]
mod vnni {
    use std::arch::x86_64::*;

    /// [`super::dot_levels`] with AVX-512 VNNI, on a query in [`super::pair_groups`] order:
    /// per pair of groups one 64-byte load of codes, a mask and a shift give the low and high
    /// nibbles of both groups, and two `vpdpbusd` add their products with the query bytes into
    /// i32 lanes (levels ≤ 15 and |k| ≤ 127: four products sum to at most 7,620, and the
    /// instruction does not saturate). 12 steps at dim 1536 instead of AVX2's 24 of 3 more
    /// instructions each.
    #[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vnni")]
    pub(super) fn dot_levels(k: &[i8], code: &[u8]) -> i32 {
        let groups = (k.len() / 64).min(code.len() / 32);
        let (pk, pc) = (k.as_ptr(), code.as_ptr());
        let nib = _mm512_set1_epi8(15);
        let (mut lo_acc, mut hi_acc) = (_mm512_setzero_si512(), _mm512_setzero_si512());
        for p in 0..groups / 2 {
            // SAFETY: 2p + 1 < groups, so the 64 code bytes at 64p and the 128 query bytes at
            // 128p are within the slices; loadu has no alignment need.
            let (c, ql, qh) = unsafe {
                (
                    _mm512_loadu_si512(pc.add(64 * p).cast()),
                    _mm512_loadu_si512(pk.add(128 * p).cast()),
                    _mm512_loadu_si512(pk.add(128 * p + 64).cast()),
                )
            };
            let lo = _mm512_and_si512(c, nib);
            let hi = _mm512_and_si512(_mm512_srli_epi16(c, 4), nib);
            lo_acc = _mm512_dpbusd_epi32(lo_acc, lo, ql);
            hi_acc = _mm512_dpbusd_epi32(hi_acc, hi, qh);
        }
        let mut total = _mm512_reduce_add_epi32(_mm512_add_epi32(lo_acc, hi_acc));
        if groups % 2 == 1 {
            let g = groups - 1;
            // SAFETY: g < groups: 32 code bytes at 32g and 64 query bytes at 64g are in bounds.
            let (c, ql, qh) = unsafe {
                (
                    _mm256_loadu_si256(pc.add(32 * g).cast()),
                    _mm256_loadu_si256(pk.add(64 * g).cast()),
                    _mm256_loadu_si256(pk.add(64 * g + 32).cast()),
                )
            };
            let nib = _mm256_set1_epi8(15);
            let lo = _mm256_and_si256(c, nib);
            let hi = _mm256_and_si256(_mm256_srli_epi16(c, 4), nib);
            let acc = _mm256_dpbusd_epi32(_mm256_setzero_si256(), lo, ql);
            let acc = _mm256_dpbusd_epi32(acc, hi, qh);
            let s = _mm_add_epi32(
                _mm256_castsi256_si128(acc),
                _mm256_extracti128_si256(acc, 1),
            );
            let s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0b01_00_11_10));
            let s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0b10_11_00_01));
            total += _mm_cvtsi128_si32(s);
        }
        total
    }
}

mod quantise;
#[cfg(test)]
mod tests;

use quantise::quantise;
