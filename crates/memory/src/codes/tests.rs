//! Unit tests of `codes` (its private items), kept out of the module's own file.

use super::*;

fn dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn levels_of(code: &[u8], i: usize) -> u8 {
    let (g, k) = (i / 64, i % 64);
    let b = code[g * 32 + k % 32];
    if k < 32 { b & 15 } else { b >> 4 }
}

#[test]
fn levels_land_in_their_nibbles() {
    let v: Vec<f32> = (0..130).map(|i| (i % 16) as f32).collect();
    let mut code = vec![0u8; bytes(v.len())];
    let r = encode(&v, &mut code);
    assert_eq!(
        r,
        Range {
            lo: 0.0,
            delta: 1.0
        }
    );
    for (i, x) in v.iter().enumerate() {
        assert_eq!(f32::from(levels_of(&code, i)), *x, "component {i}");
    }
    // Padding stays zero, so it never counts.
    for i in 130..192 {
        assert_eq!(levels_of(&code, i), 0);
    }
}

#[test]
fn kernels_agree() {
    for dim in [1, 63, 64, 65, 130, 1536] {
        let v: Vec<f32> = (0..dim)
            .map(|i| ((i * 37 % 101) as f32 - 50.0) / 7.0)
            .collect();
        let q: Vec<f32> = (0..dim)
            .map(|i| ((i * 53 % 97) as f32 - 48.0) / 48.0)
            .collect();
        let mut code = vec![0u8; bytes(dim)];
        let r = encode(&v, &mut code);
        let mut portable = vec![0xAAu8; bytes(dim)];
        assert_eq!(encode_portable(&v, &mut portable), r);
        assert_eq!(portable, code, "dim {dim}");
        let qc = QueryCode::new(&q);
        let k = plain_order(&qc);
        let want: i32 = (0..dim)
            .map(|i| i32::from(k[i]) * i32::from(levels_of(&code, i)))
            .sum();
        assert_eq!(qc.levels(&code), want, "dim {dim}");
        for got in every_kernel(&k, &code) {
            assert_eq!(got, want, "dim {dim}");
        }
    }
}

/// The query bytes in the module's component order, whatever kernel `qc` was prepared for.
fn plain_order(qc: &QueryCode) -> Vec<i8> {
    // Pairing swaps two quarters of every 128 bytes: applied twice it is the identity.
    if qc.kernel == Kernel::Vnni {
        pair_groups(&qc.k)
    } else {
        qc.k.clone()
    }
}

/// `⟨k, u⟩` by every kernel this CPU can run, `k` in component order.
fn every_kernel(k: &[i8], code: &[u8]) -> Vec<i32> {
    #[allow(unused_mut)] // only x86-64 adds the SIMD kernels
    let mut out = vec![dot_levels(k, code)];
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: AVX2 checked just above.
            out.push(unsafe { avx2::dot_levels(k, code) });
        }
        if Kernel::detect() == Kernel::Vnni {
            // SAFETY: the VNNI kernel's features checked by `detect`.
            out.push(unsafe { vnni::dot_levels(&pair_groups(k), code) });
        }
    }
    out
}

#[test]
fn kernels_equal_the_scalar_sum_on_random_and_extreme_inputs() {
    // Dimensions around the 32/64/128-component steps of the kernels (a last unpaired
    // group for VNNI, partial groups), random bytes and the extremes of both operands.
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for dim in [
        1, 31, 32, 33, 63, 64, 65, 127, 128, 129, 191, 192, 320, 1535, 1536, 1537,
    ] {
        let (n, w) = (padded(dim), bytes(dim));
        let random_k = |next: &mut dyn FnMut() -> u64| -> Vec<i8> {
            (0..n)
                .map(|i| {
                    if i < dim {
                        ((next() % 255) as i32 - 127) as i8
                    } else {
                        0
                    }
                })
                .collect()
        };
        let cases: Vec<(Vec<i8>, Vec<u8>)> = vec![
            (random_k(&mut next), (0..w).map(|_| next() as u8).collect()),
            (random_k(&mut next), (0..w).map(|_| next() as u8).collect()),
            (pad(vec![127; dim], n), vec![0xFF; w]),
            (pad(vec![-127; dim], n), vec![0xFF; w]),
            (
                pad(
                    (0..dim)
                        .map(|i| if i % 2 == 0 { 127 } else { -127 })
                        .collect(),
                    n,
                ),
                vec![0xF0; w],
            ),
            (pad(vec![-127; dim], n), vec![0x0F; w]),
            (pad(vec![0; dim], n), vec![0xFF; w]),
        ];
        for (k, code) in cases {
            let want: i64 = (0..n)
                .map(|i| i64::from(k[i]) * i64::from(levels_of(&code, i)))
                .sum();
            for got in every_kernel(&k, &code) {
                assert_eq!(i64::from(got), want, "dim {dim}");
            }
        }
    }
}

fn pad(mut k: Vec<i8>, n: usize) -> Vec<i8> {
    k.resize(n, 0);
    k
}

#[test]
fn estimate_is_close_to_the_dot_product() {
    let dim = 1536;
    let q: Vec<f32> = (0..dim)
        .map(|i| ((i * 37 % 101) as f32 - 50.0) / 1000.0)
        .collect();
    let qc = QueryCode::new(&q);
    for s in [1u32, 7, 13] {
        let v: Vec<f32> = (0..dim)
            .map(|i| ((i as u32 * s * 53 % 97) as f32 - 48.0) / 480.0 + q[i])
            .collect();
        let mut code = vec![0u8; bytes(dim)];
        let r = encode(&v, &mut code);
        let (est, exact) = (qc.estimate_dot(&code, r), dot(&q, &v));
        let norms = dot(&q, &q).sqrt() * dot(&v, &v).sqrt();
        // Quantisation error of 4 bits: a few hundredths of the norms' product.
        assert!((est - exact).abs() < 0.03 * norms, "{est} vs {exact}");
    }
}

#[test]
fn the_error_bound_holds_for_adversarial_vectors() {
    // Components just off the levels' midpoints and queries far from the byte grid push
    // both errors towards their worst case; the bound must still hold for every pair.
    let dim = 300;
    for seed in 0..40u32 {
        let q: Vec<f32> = (0..dim)
            .map(|i| {
                ((i as u32).wrapping_mul(2654435761u32.wrapping_add(seed)) % 1000) as f32 / 997.0
                    - 0.5
            })
            .collect();
        let qc = QueryCode::new(&q);
        for shape in 0..6u32 {
            let step = 1.0 + shape as f32;
            let mut v: Vec<f32> = (0..dim)
                .map(|i| {
                    let level = ((i as u32 * 7 + shape * 3 + seed) % 15) as f32;
                    // Near a midpoint between levels, on the side q's sign makes worse.
                    let off = if q[i] > 0.0 { 0.499 } else { 0.501 };
                    (level + off) * step - 3.0
                })
                .collect();
            // Pin the range to whole levels, so the midpoints above are the grid's.
            (v[0], v[1]) = (-3.0, 15.0 * step - 3.0);
            let mut code = vec![0u8; bytes(dim)];
            let r = encode(&v, &mut code);
            let err = (qc.estimate_dot(&code, r) - dot(&q, &v)).abs();
            assert!(
                err <= qc.error_bound(r) * 1.0001 + 1e-5,
                "{err} > {}",
                qc.error_bound(r)
            );
        }
    }
}

#[test]
fn flat_and_zero_vectors_estimate_their_exact_dot() {
    let mut code = vec![0u8; bytes(10)];
    let qc = QueryCode::new(&[0.5; 10]);
    let r = encode(&[0.0; 10], &mut code);
    assert_eq!(qc.estimate_dot(&code, r), 0.0);
    let r = encode(&[2.0; 10], &mut code);
    assert!((qc.estimate_dot(&code, r) - 10.0).abs() < 1e-5);
}

/// The AVX2 quantisation against the portable loop: the same bytes and the same sums, bit for
/// bit, on random queries of every length around the 8-lane chunks and on edge values.
#[test]
fn quantise_paths_agree_bit_for_bit() {
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed >> 40) as f32 / (1u64 << 24) as f32 * 2.0 - 1.0
    };
    let mut cases: Vec<Vec<f32>> = Vec::new();
    for n in (0..=40).chain([63, 64, 65, 1535, 1536]) {
        cases.push((0..n).map(|_| next()).collect());
    }
    // Exact half levels, signed zeros, tiny and huge magnitudes, an infinite component.
    let edge = [
        0.5,
        -0.5,
        1.5 / 127.0,
        -1.5 / 127.0,
        0.0,
        -0.0,
        1e-30,
        -1e-30,
        1.0,
        -1.0,
    ];
    cases.push(edge.iter().cycle().take(37).copied().collect());
    cases.push(vec![3.0e38, -3.0e38, 1.0, 0.0, -2.0, 5.0, 7.0, -9.0, 1e-3]);
    cases.push(vec![
        f32::INFINITY,
        1.0,
        -1.0,
        0.5,
        0.25,
        2.0,
        -3.0,
        4.0,
        0.0,
        8.0,
    ]);
    for q in &cases {
        let (scale, inv) = query_scale(q);
        let mut k_fast = vec![0i8; padded(q.len())];
        let mut k_ref = k_fast.clone();
        let fast = quantise::quantise(q, scale, inv, &mut k_fast);
        let reference =
            quantise::portable(q, scale, inv, &mut k_ref, ([0.0; 8], [0.0; 8], [0.0; 8]), 0);
        assert_eq!(k_fast, k_ref, "bytes, n = {}", q.len());
        let bits = |l: super::quantise::Lanes| [l.0, l.1, l.2].map(|a| a.map(f32::to_bits));
        assert_eq!(bits(fast), bits(reference), "sums, n = {}", q.len());
        // Each byte is its component rounded to nearest (0 for NaN).
        for (x, &b) in q.iter().zip(&k_ref) {
            let y = x * inv;
            if y.is_nan() {
                assert_eq!(b, 0, "component {x}");
            } else {
                assert!((f32::from(b) - y).abs() <= 0.5 + 1e-5, "component {x}: {b}");
            }
        }
    }
}

/// A code buffer of the wrong size is a caller bug that must stop at the door: the AVX2 path
/// stored 32 bytes per group of 64 components without looking at the buffer's length, so a
/// short one was written past its end.
#[test]
#[should_panic(expected = "code buffer")]
fn a_short_code_buffer_is_refused_not_written_past() {
    let v: Vec<f32> = (0..640).map(|i| (i % 17) as f32).collect();
    let mut short = vec![0u8; 32];
    let _ = encode(&v, &mut short);
}
