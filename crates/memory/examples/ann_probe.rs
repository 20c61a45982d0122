//! The engine's search without Python: recall@10 against brute force and the median time per
//! `Store::search` (the call the binding makes), unfiltered and with a category matching a
//! sixth of the records, on raw little-endian f32 files (rows of `dim` floats), e.g. the
//! benchmark's data written with `numpy.ndarray.tofile`. Usage:
//! `ann_probe VECTORS QUERIES [DIM=1536] [ROUNDS=3] [STORE_DIR|-] [both|unfiltered|category]
//! [batch|single]` (build with `--profile fast`;
//! add `--features probe` to also print the code estimates and exact similarities per search).
//! With `STORE_DIR`, the first run saves the built store (log and graph) there and later runs
//! reopen it, so a probe of 100k vectors does not rebuild the graph every time (`-`: no
//! directory). `single` fills the store by one-record upserts, as `Memory.remember` grows it,
//! with the background indexer linking them as they arrive; `batch` (the default) by upserts
//! of 1,000 and one `build_index`.

use std::collections::HashSet;
use std::path::Path;
use std::time::Instant;

use crewai_rust_memory::{Durability, Record, SearchQuery, Store};

/// Records in category `c0`: one in `CATEGORY_SHARE`, like the benchmark's category filter
/// (~1,660 of 10,000).
const CATEGORY_SHARE: usize = 6;

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
        categories: vec![format!("c{}", i % CATEGORY_SHARE)],
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

fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = [0.0f32; 8];
    for (x, y) in a.chunks_exact(8).zip(b.chunks_exact(8)) {
        for j in 0..8 {
            acc[j] += x[j] * y[j];
        }
    }
    acc.iter().sum()
}

/// The ids of the 10 rows most similar to `q` among those `keep` accepts (rows are unit).
fn top10(m: &[Vec<f32>], q: &[f32], keep: impl Fn(usize) -> bool) -> HashSet<String> {
    let mut scored: Vec<(f32, usize)> = m
        .iter()
        .enumerate()
        .filter(|(i, _)| keep(*i))
        .map(|(i, v)| (dot(v, q), i))
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0));
    scored[..10]
        .iter()
        .map(|(_, i)| format!("m{i:07}"))
        .collect()
}

/// Write every line of `scratch` between searches (`ANN_PROBE_TOUCH_KB`), as building a
/// result's Python floats does in the real call: the next search then finds part of its
/// codes, links and vectors evicted, as it does in situ.
fn touch(scratch: &mut [u64]) {
    for line in scratch.chunks_exact_mut(8) {
        line[0] = line[0].wrapping_add(1);
    }
    std::hint::black_box(scratch);
}

/// Estimates and exact similarities since the last call (zeros without the `probe` feature).
fn counted() -> (u64, u64) {
    #[cfg(feature = "probe")]
    return crewai_rust_memory::probe::take();
    #[cfg(not(feature = "probe"))]
    (0, 0)
}

fn open(m: &[Vec<f32>], dim: usize, dir: Option<&Path>, single: bool) -> Store {
    let fresh = dir.is_none_or(|d| !d.join("memory.crlog").exists());
    let store = Store::open(dir, Some(dim), Durability::Flush).expect("store");
    if fresh && single {
        let t = Instant::now();
        for (i, v) in m.iter().enumerate() {
            store.upsert(vec![record(i, v)]).expect("valid record");
        }
        println!(
            "{} vectors saved one by one in {:.1} s",
            m.len(),
            t.elapsed().as_secs_f64()
        );
    } else if fresh {
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
        if let Some(d) = dir {
            store.close();
            return Store::open(Some(d), Some(dim), Durability::Flush).expect("reopen");
        }
    }
    let t = Instant::now();
    assert!(store.wait_for_index(), "the graph is attached");
    println!(
        "{} vectors, graph ready in {:.1} s",
        store.len().expect("len"),
        t.elapsed().as_secs_f64()
    );
    store
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 3 {
        eprintln!("usage: ann_probe VECTORS QUERIES [DIM=1536] [ROUNDS=3] [STORE_DIR] [CASES]");
        std::process::exit(2);
    }
    let dim = args.get(3).map_or(1536, |d| d.parse().expect("DIM"));
    let rounds = args.get(4).map_or(3, |r| r.parse().expect("ROUNDS"));
    let (m, qs) = (load(&args[1], dim), load(&args[2], dim));
    let dir = args.get(5).filter(|d| d.as_str() != "-").map(Path::new);
    let single = args.get(7).is_some_and(|l| l == "single");
    let store = open(&m, dim, dir, single);
    let touch_kb: usize = std::env::var("ANN_PROBE_TOUCH_KB").map_or(0, |k| k.parse().expect("KB"));
    let which = args.get(6).map_or("both", String::as_str);
    let cases = match which {
        "unfiltered" => vec![None],
        "category" => vec![Some("c0")],
        _ => vec![None, Some("c0")],
    };
    for category in cases {
        let keep = |i: usize| category.is_none() || i.is_multiple_of(CATEGORY_SHARE);
        let truth: Vec<HashSet<String>> = qs.iter().map(|q| top10(&m, q, keep)).collect();
        let (mut hit, mut times, mut work) = (0, Vec::new(), (0u64, 0u64));
        let mut scratch = vec![0u64; touch_kb * 128];
        for round in 0..rounds {
            for (q, want) in qs.iter().zip(&truth) {
                let sq = SearchQuery {
                    vector: q.clone(),
                    categories: category.map(String::from).into_iter().collect(),
                    limit: 10,
                    min_score: -1.0,
                    ..Default::default()
                };
                touch(&mut scratch);
                counted();
                let t = Instant::now();
                let got = store.search(&sq).expect("search");
                times.push(t.elapsed().as_secs_f64());
                let (e, x) = counted();
                work = (work.0 + e, work.1 + x);
                if round == 0 {
                    hit += got.iter().filter(|(r, _)| want.contains(&r.id)).count();
                }
            }
        }
        times.sort_by(f64::total_cmp);
        let n = times.len() as f64;
        println!(
            "{}: recall@10 {:.4}, search p50 {:.1} us (p90 {:.1}) over {} searches{}",
            category.map_or("unfiltered".to_string(), |c| format!("category {c}")),
            hit as f64 / (10 * qs.len()) as f64,
            times[times.len() / 2] * 1e6,
            times[times.len() * 9 / 10] * 1e6,
            times.len(),
            if cfg!(feature = "probe") {
                format!(
                    "; per search {:.1} estimates, {:.1} exact similarities",
                    work.0 as f64 / n,
                    work.1 as f64 / n
                )
            } else {
                String::new()
            }
        );
    }
}
