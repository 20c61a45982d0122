//! Vector search: cosine similarity, filters applied before ranking, exact top-k.

use std::cmp::Ordering;

use crewai_rust_serialization::record::Record;
use serde_json::{Map, Value};

use crate::error::{MemoryError, Result};
use crate::filters::metadata_matches;
use crate::state::State;
use crate::vector::inverse_norm;

/// A search request; `scope_prefix` canonical (see [`crate::normalise_prefix`]).
#[derive(Debug, Clone, Default)]
pub struct SearchQuery {
    pub vector: Vec<f32>,
    pub scope_prefix: Option<String>,
    pub categories: Vec<String>,
    pub metadata_filter: Option<Map<String, Value>>,
    pub limit: usize,
    pub min_score: f64,
}

/// A scored slot; `better` orders best first: higher score, then smaller id.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Hit {
    pub score: f32,
    pub slot: u32,
}

/// Exact scans below this many f32 reads per query (a few hundred microseconds).
pub(crate) const EXACT_BUDGET: usize = 3 << 20;
/// Candidate list size of an unfiltered ANN search (recall@10 >= 0.98 on clustered data).
pub(crate) const EF_SEARCH: usize = 160;
/// Beyond this candidate list size an exact scan of the candidates is cheaper and exact.
const EF_MAX: usize = 4096;

impl State {
    pub fn search(&self, q: &SearchQuery) -> Result<Vec<(Record, f32)>> {
        let Some(vectors) = self.vectors.as_ref() else {
            return Ok(Vec::new());
        };
        if q.vector.len() != vectors.dim() {
            return Err(MemoryError::DimensionMismatch {
                stored: vectors.dim(),
                got: q.vector.len(),
            });
        }
        if q.limit == 0 || self.is_empty() {
            return Ok(Vec::new());
        }
        let inv = inverse_norm(&q.vector);
        let unit: Vec<f32> = q.vector.iter().map(|x| x * inv).collect();
        let candidates = self.candidates(q.scope_prefix.as_deref(), &q.categories);
        let pool = candidates.as_ref().map_or(self.vec_count(), Vec::len);
        // The graph pays off once the scan would be long and most vectors are linked.
        if let Some(ann) = self.ann.as_ref()
            && pool * vectors.dim() > self.exact_budget
            && self.pending.len() * 2 < self.vec_count()
        {
            // Filters shrink the share of nodes the graph walk can return: widen the walk in
            // proportion, and scan exactly when that would cost more than the scan.
            let share = pool as f64 / self.vec_count().max(1) as f64;
            let ef = (EF_SEARCH.max(q.limit) as f64 / share.max(1e-9)).ceil() as usize;
            // A graph walk computes roughly ten similarities per list entry: past that, the
            // candidates themselves are fewer.
            if ef <= EF_MAX && ef * 10 <= pool {
                let member = candidates.as_ref().map(|c| {
                    let mut bits = vec![0u64; self.slots.len().div_ceil(64)];
                    for &s in c {
                        bits[s as usize / 64] |= 1 << (s % 64);
                    }
                    bits
                });
                let accept = |slot: u32| {
                    member
                        .as_ref()
                        .is_none_or(|b| b[slot as usize / 64] & (1 << (slot % 64)) != 0)
                        && self.accepts(slot, q)
                };
                let mut hits: Vec<Hit> = ann
                    .search(vectors, &unit, ef, &accept)
                    .into_iter()
                    .map(|s| Hit {
                        score: s.sim,
                        slot: s.id,
                    })
                    .collect();
                // Vectors the indexer has not linked yet are scanned exactly.
                for &slot in &self.pending {
                    if accept(slot) {
                        hits.push(Hit {
                            score: vectors.cosine(slot as usize, &unit),
                            slot,
                        });
                    }
                }
                if hits.len() >= q.limit {
                    hits.retain(|h| f64::from(h.score) >= q.min_score);
                    return Ok(self.top(hits, q.limit));
                }
                // Fewer than `limit` reachable matches: only an exact scan can tell if more exist.
            }
        }
        let mut hits = Vec::new();
        let mut consider = |slot: u32| {
            if self.accepts(slot, q) {
                let score = vectors.cosine(slot as usize, &unit);
                if f64::from(score) >= q.min_score {
                    hits.push(Hit { score, slot });
                }
            }
        };
        match candidates {
            Some(c) => c.into_iter().for_each(&mut consider),
            None => self.live_slots().for_each(&mut consider),
        }
        Ok(self.top(hits, q.limit))
    }

    fn accepts(&self, slot: u32, q: &SearchQuery) -> bool {
        let s = self.stored(slot);
        s.has_vec
            && q.metadata_filter
                .as_ref()
                .is_none_or(|m| metadata_matches(&s.meta, m))
    }

    /// The best `limit` hits, best first, as records.
    pub(crate) fn top(&self, mut hits: Vec<Hit>, limit: usize) -> Vec<(Record, f32)> {
        let cmp = |a: &Hit, b: &Hit| self.better(a, b);
        if hits.len() > limit {
            hits.select_nth_unstable_by(limit - 1, cmp);
            hits.truncate(limit);
        }
        hits.sort_unstable_by(cmp);
        hits.into_iter()
            .map(|h| (self.record_at(h.slot), h.score))
            .collect()
    }

    pub(crate) fn better(&self, a: &Hit, b: &Hit) -> Ordering {
        b.score
            .total_cmp(&a.score)
            .then_with(|| self.stored(a.slot).rec.id.cmp(&self.stored(b.slot).rec.id))
    }
}
