//! Unit tests of the graph: pruning, visited marks, level distribution.

use super::*;

/// Points on a few tight clusters in 16 dimensions (deterministic).
fn vectors(n: usize) -> Vectors {
    let mut v = Vectors::new(16);
    let mut x = 0x2545_F491_4F6C_DD1Du64;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        (x >> 40) as f32 / (1u64 << 24) as f32 - 0.5
    };
    for slot in 0..n {
        let c = (slot % 7) as f32;
        let row: Vec<f32> = (0..16)
            .map(|d| if d % 7 == slot % 7 { 3.0 + c } else { 0.0 } + next())
            .collect();
        v.set(slot, &row);
    }
    v
}

fn graph(vectors: &Vectors, n: usize) -> Hnsw {
    let mut g = Hnsw::new();
    for slot in 0..n as u32 {
        g.insert(slot, vectors);
    }
    g
}

#[test]
fn full_lists_are_pruned_to_capacity_and_keep_links_valid() {
    let n = 600;
    let vectors = vectors(n);
    let g = graph(&vectors, n);
    let mut full = 0;
    for slot in 0..n as u32 {
        let l0 = g.links(slot, 0);
        assert!(l0.len() <= M0);
        full += usize::from(l0.len() == M0);
        for &(to, sim) in l0 {
            assert_ne!(to, slot, "no self links");
            let exact = dot(vectors.get(slot as usize), vectors.get(to as usize))
                * vectors.inv_norm(slot as usize)
                * vectors.inv_norm(to as usize);
            assert!(
                (exact - sim).abs() < 1e-4,
                "stored similarity is the link's"
            );
        }
        for l in 1..g.levels[slot as usize] as usize {
            assert!(g.links(slot, l).len() <= M);
        }
    }
    // 600 nodes in 7 clusters overflow many lists, so pruning really ran.
    assert!(full > 0, "no list was ever full");
}

#[test]
fn repeated_searches_on_one_thread_see_fresh_visited_marks() {
    let n = 400;
    let vectors = vectors(n);
    let g = graph(&vectors, n);
    let q = {
        let v = vectors.get(17);
        let inv = inverse_norm(v);
        v.iter().map(|x| x * inv).collect::<Vec<f32>>()
    };
    let first = g.search(&vectors, &q, 32, 16, &|_| true);
    assert_eq!(first[0].id, 17, "a stored vector finds itself first");
    for _ in 0..5 {
        let again = g.search(&vectors, &q, 32, 16, &|_| true);
        assert_eq!(again, first);
    }
}

#[test]
fn levels_follow_one_over_ln_m() {
    // P(level >= 1) = 1/M with mL = 1/ln M.
    let above = (0..200_000u32).filter(|&s| level_for(s, 42) >= 1).count();
    let expected = 200_000.0 / M as f64;
    assert!(
        (above as f64 - expected).abs() < expected * 0.05,
        "{above} vs {expected}"
    );
}
