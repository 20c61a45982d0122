//! The engine's unfiltered search without Python: recall@10 against brute force and the median
//! time per search, on raw little-endian f32 files (rows of `dim` floats), e.g. the benchmark's
//! data written with `numpy.ndarray.tofile`. Usage:
//! `ann_probe VECTORS QUERIES [DIM=1536] [ROUNDS=3]` (build with `--profile fast`).

use std::collections::HashSet;
use std::time::Instant;

use crewai_rust_memory::{Durability, Record, SearchQuery, Store};

fn load(path: &str, dim: usize) -> Vec<Vec<f32>> {
    let bytes = std::fs::read(path).expect("readable vector file");
    bytes
        .chunks_exact(4 * dim)
        .map(|row| {
            row.chunks_exact(4)
                .map(|x| f32::from_le_bytes([x[0], x[1], x[2], x[3]]))
                .collect()
        })
        .collect()
}

fn record(i: usize, v: &[f32]) -> Record {
    Record {
        id: format!("m{i:07}"),
        content: String::new(),
        scope: "/".into(),
        categories: vec![],
        metadata: "{}".into(),
        importance: 0.5,
        created_at: "2026-01-01T00:00:00".into(),
        created_us: 0,
        last_accessed: "2026-01-01T00:00:00".into(),
        source: None,
        private: false,
        embedding: Some(v.to_vec()),
    }
}

fn top10(m: &[Vec<f32>], q: &[f32]) -> HashSet<String> {
    let mut scored: Vec<(f32, usize)> = m
        .iter()
        .enumerate()
        .map(|(i, v)| (v.iter().zip(q).map(|(a, b)| a * b).sum::<f32>(), i))
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0));
    scored[..10]
        .iter()
        .map(|(_, i)| format!("m{i:07}"))
        .collect()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 3 {
        eprintln!("usage: ann_probe VECTORS QUERIES [DIM=1536] [ROUNDS=3]");
        std::process::exit(2);
    }
    let dim = args.get(3).map_or(1536, |d| d.parse().expect("DIM"));
    let rounds = args.get(4).map_or(3, |r| r.parse().expect("ROUNDS"));
    let (m, qs) = (load(&args[1], dim), load(&args[2], dim));
    let store = Store::open(None, Some(dim), Durability::Flush).expect("in-memory store");
    let t = Instant::now();
    for (c, chunk) in m.chunks(1000).enumerate() {
        let batch = chunk
            .iter()
            .enumerate()
            .map(|(i, v)| record(c * 1000 + i, v))
            .collect();
        store.upsert(batch).expect("valid records");
    }
    store.build_index();
    println!(
        "{} vectors loaded and linked in {:.1} s",
        m.len(),
        t.elapsed().as_secs_f64()
    );
    let truth: Vec<HashSet<String>> = qs.iter().map(|q| top10(&m, q)).collect();
    let (mut hit, mut times) = (0, Vec::new());
    for round in 0..rounds {
        for (q, want) in qs.iter().zip(&truth) {
            let sq = SearchQuery {
                vector: q.clone(),
                limit: 10,
                min_score: -1.0,
                ..Default::default()
            };
            let t = Instant::now();
            let got = store.search(&sq).expect("search");
            times.push(t.elapsed().as_secs_f64());
            if round == 0 {
                hit += got.iter().filter(|(r, _)| want.contains(&r.id)).count();
            }
        }
    }
    times.sort_by(f64::total_cmp);
    println!(
        "recall@10 {:.4}, search p50 {:.0} us over {} searches",
        hit as f64 / (10 * qs.len()) as f64,
        times[times.len() / 2] * 1e6,
        times.len()
    );
}
