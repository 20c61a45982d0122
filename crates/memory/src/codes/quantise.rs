//! The query's rounding to signed bytes (`q_i ≈ scale * k_i`) with the sums its estimates and
//! error bounds need: once per search, so in the search's own time.

/// Eight lanes each of `Σ|q_i|`, `Σ|q_i − scale·k_i|` and `Σq_i`.
pub(super) type Lanes = ([f32; 8], [f32; 8], [f32; 8]);

/// Write the query's bytes `k_i` and return the lanes. AVX2 when the CPU has it, else the
/// portable loop; both make the same bytes and the same sums, bit for bit (tested).
pub(super) fn quantise(q: &[f32], scale: f32, inv: f32, k: &mut [i8]) -> Lanes {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU supports AVX2 (checked just above).
        return unsafe { avx2::quantise(q, scale, inv, k) };
    }
    portable(q, scale, inv, k, ([0.0; 8], [0.0; 8], [0.0; 8]), 0)
}

/// Components `from..` of the query, whole chunks of 8 in lanes 0..8 and the rest in lanes
/// 0.., added to `lanes`. The compiler does not vectorise this loop: Rust's saturating
/// float-to-integer cast became one scalar conversion and two conditional moves per component
/// (~39k instructions per 1536-dim query, 8% of an in-cache 10k search), hence the AVX2 path.
pub(super) fn portable(
    q: &[f32],
    scale: f32,
    inv: f32,
    k: &mut [i8],
    lanes: Lanes,
    from: usize,
) -> Lanes {
    let (mut l1, mut rounding, mut sum) = lanes;
    for (i, (k, &x)) in k[from..q.len()].iter_mut().zip(&q[from..]).enumerate() {
        let j = i % 8;
        let y = x * inv;
        // |y| <= 127 by the choice of scale: truncating y ± 0.5 rounds to nearest.
        let r = ((y + 0.5f32.copysign(y)) as i32).clamp(-127, 127);
        *k = r as i8;
        l1[j] += x.abs();
        rounding[j] += (x - scale * r as f32).abs();
        sum[j] += x;
    }
    (l1, rounding, sum)
}

#[cfg(target_arch = "x86_64")]
mod avx2 {
    use std::arch::x86_64::*;

    /// [`super::portable`] eight components at a time, the same operations in the same order
    /// per lane (multiply, add the signed half, truncate, clamp; no fused multiply-add, as
    /// Rust never fuses), so the same bytes and sums. Truncation differs from Rust's cast
    /// only beyond the i32 range, never reached (|y ± 0.5| <= 127.5 or NaN).
    #[target_feature(enable = "avx2")]
    pub(super) fn quantise(q: &[f32], scale: f32, inv: f32, k: &mut [i8]) -> super::Lanes {
        let n = q.len() / 8 * 8;
        assert!(k.len() >= n, "room for the query's bytes");
        let (qp, kp) = (q.as_ptr(), k.as_mut_ptr());
        let (vinv, vscale) = (_mm256_set1_ps(inv), _mm256_set1_ps(scale));
        let (half, sign) = (_mm256_set1_ps(0.5), _mm256_set1_ps(-0.0));
        let (lo, hi) = (_mm256_set1_epi32(-127), _mm256_set1_epi32(127));
        let (mut l1, mut rounding, mut sum) = (
            _mm256_setzero_ps(),
            _mm256_setzero_ps(),
            _mm256_setzero_ps(),
        );
        // Plain index steps: as iterator adapters the loop's `next` calls were not inlined
        // into this function and cost as much as the work.
        let mut i = 0;
        while i < n {
            // SAFETY: i + 8 <= n <= q.len(); loadu has no alignment need.
            let x = unsafe { _mm256_loadu_ps(qp.add(i)) };
            let y = _mm256_mul_ps(x, vinv);
            let t = _mm256_add_ps(y, _mm256_or_ps(_mm256_and_ps(y, sign), half));
            // Rust's cast turns NaN (an infinite component times a zero `inv`) into 0.
            let ordered = _mm256_castps_si256(_mm256_cmp_ps::<_CMP_ORD_Q>(t, t));
            let r = _mm256_and_si256(_mm256_cvttps_epi32(t), ordered);
            let r = _mm256_min_epi32(_mm256_max_epi32(r, lo), hi);
            // To bytes (no saturation: |r| <= 127): each 128-bit half packs its four levels
            // into its low four bytes.
            let p = _mm256_packs_epi16(_mm256_packs_epi32(r, r), _mm256_setzero_si256());
            let (low, high) = (_mm256_cvtsi256_si32(p), _mm256_extract_epi32::<4>(p));
            // SAFETY: i + 8 <= n <= k.len(); unaligned writes of 4 bytes each.
            unsafe {
                kp.add(i).cast::<i32>().write_unaligned(low);
                kp.add(i + 4).cast::<i32>().write_unaligned(high);
            }
            l1 = _mm256_add_ps(l1, _mm256_andnot_ps(sign, x));
            let back = _mm256_mul_ps(vscale, _mm256_cvtepi32_ps(r));
            rounding = _mm256_add_ps(rounding, _mm256_andnot_ps(sign, _mm256_sub_ps(x, back)));
            sum = _mm256_add_ps(sum, x);
            i += 8;
        }
        let mut lanes = ([0.0f32; 8], [0.0f32; 8], [0.0f32; 8]);
        // SAFETY: each array holds 8 floats.
        unsafe {
            _mm256_storeu_ps(lanes.0.as_mut_ptr(), l1);
            _mm256_storeu_ps(lanes.1.as_mut_ptr(), rounding);
            _mm256_storeu_ps(lanes.2.as_mut_ptr(), sum);
        }
        super::portable(q, scale, inv, k, lanes, n)
    }
}
