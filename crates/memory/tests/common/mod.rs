//! Shared helpers of the integration tests: a seeded generator and record builders.
#![allow(dead_code)]

use crewai_rust_memory::{Record, SearchQuery};

/// xorshift64*: deterministic data without a dependency.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
    /// Uniform in [-1, 1).
    pub fn unit(&mut self) -> f32 {
        (self.next_u64() >> 40) as f32 / (1u64 << 23) as f32 - 1.0
    }
    /// Roughly normal (sum of uniforms).
    pub fn gauss(&mut self) -> f32 {
        (0..4).map(|_| self.unit()).sum::<f32>() * 0.87
    }
}

pub fn record(
    id: &str,
    scope: &str,
    cats: &[&str],
    metadata: &str,
    emb: Option<Vec<f32>>,
) -> Record {
    Record {
        id: id.into(),
        content: format!("content of {id}"),
        scope: scope.into(),
        categories: cats.iter().map(|c| (*c).to_owned()).collect(),
        metadata: metadata.into(),
        importance: 0.5,
        created_at: format!("2026-01-01T00:00:{id}"),
        created_us: 0,
        last_accessed: "2026-01-01T00:00:00".into(),
        source: None,
        private: false,
        embedding: emb,
    }
}

pub const SCOPES: [&str; 7] = [
    "/",
    "/crew",
    "/crew/a",
    "/crew/a/x",
    "/crew/ab",
    "/crew/b",
    "/other",
];
pub const CATS: [&str; 5] = ["plan", "fact", "tool", "pref", "misc"];

/// A clustered collection: `clusters` centres, members scattered around them.
pub fn clustered(rng: &mut Rng, n: usize, dim: usize, clusters: usize) -> Vec<Vec<f32>> {
    let centres: Vec<Vec<f32>> = (0..clusters)
        .map(|_| (0..dim).map(|_| rng.gauss()).collect())
        .collect();
    (0..n)
        .map(|_| {
            let c = &centres[rng.below(clusters)];
            c.iter().map(|x| x + 0.35 * rng.gauss()).collect()
        })
        .collect()
}

/// Random records over the fixed scopes, categories and a small metadata vocabulary.
pub fn random_records(rng: &mut Rng, vectors: Vec<Vec<f32>>) -> Vec<Record> {
    vectors
        .into_iter()
        .enumerate()
        .map(|(i, v)| {
            let scope = SCOPES[rng.below(SCOPES.len())];
            let ncat = rng.below(3);
            let cats: Vec<&str> = (0..ncat).map(|_| CATS[rng.below(CATS.len())]).collect();
            let meta = match rng.below(4) {
                0 => "{}".to_owned(),
                1 => format!(r#"{{"agent":"a{}","n":{}}}"#, rng.below(3), rng.below(3)),
                2 => format!(r#"{{"agent":"a{}","n":{}.0}}"#, rng.below(3), rng.below(3)),
                _ => format!(r#"{{"flag":{},"n":{}}}"#, rng.below(2) == 0, rng.below(3)),
            };
            let emb = if rng.below(20) == 0 { None } else { Some(v) };
            let mut r = record(&format!("r{i:06}"), scope, &cats, &meta, emb);
            r.created_us = rng.below(1000) as i64;
            r
        })
        .collect()
}

pub fn cosine(a: &[f32], b: &[f32]) -> f64 {
    let dot: f64 = a
        .iter()
        .zip(b)
        .map(|(x, y)| f64::from(*x) * f64::from(*y))
        .sum();
    let na: f64 = a.iter().map(|x| f64::from(*x).powi(2)).sum::<f64>().sqrt();
    let nb: f64 = b.iter().map(|x| f64::from(*x).powi(2)).sum::<f64>().sqrt();
    if na == 0.0 || nb == 0.0 {
        0.0
    } else {
        dot / (na * nb)
    }
}

/// The ids of the brute-force top `q.limit` among the records with an embedding that `keep`
/// accepts (cosine best first, ties by id), as a correct search returns them.
pub fn exact_ids(
    records: &[Record],
    q: &SearchQuery,
    keep: impl Fn(&Record) -> bool,
) -> Vec<String> {
    let mut scored: Vec<(f64, &str)> = records
        .iter()
        .filter(|r| r.embedding.is_some() && keep(r))
        .map(|r| {
            (
                cosine(r.embedding.as_ref().unwrap(), &q.vector),
                r.id.as_str(),
            )
        })
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(b.1)));
    scored
        .into_iter()
        .take(q.limit)
        .map(|(_, id)| id.to_owned())
        .collect()
}
