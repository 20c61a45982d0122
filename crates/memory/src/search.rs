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
        let accept = |slot: u32| {
            let s = self.stored(slot);
            s.has_vec
                && q.metadata_filter
                    .as_ref()
                    .is_none_or(|m| metadata_matches(&s.meta, m))
        };
        let candidates = self.candidates(q.scope_prefix.as_deref(), &q.categories);
        let mut hits = Vec::new();
        let mut consider = |slot: u32| {
            if accept(slot) {
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
