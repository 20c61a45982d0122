//! Full-text and hybrid search over the store's records: BM25 over `content` (the state's
//! [`TextIndex`], kept in step with every upsert/delete/clear) and its fusion with cosine
//! similarity. Filters are exact, as in vector search: they restrict the candidates before
//! ranking, so the result is the best `limit` among matching records. The records the filters
//! select are also the collection BM25 takes its statistics from (see
//! [`crate::text::TextIndex::query_in`]): a conversation's or an agent's scope is searched as
//! if it were stored alone.

use std::cmp::Ordering;

use crewai_rust_serialization::record::Record;
use serde_json::{Map, Value};

use crate::error::{MemoryError, Result};
use crate::filters::metadata_matches;
use crate::search::SearchQuery;
use crate::state::State;
use crate::text::{Candidate, DocSet, candidate_pool, fuse_by};
use crate::vector::inverse_norm;

/// A full-text search request; `scope_prefix` canonical (see [`crate::normalise_prefix`]).
/// Scores are BM25 normalised into [0, 1] by the query's saturation bound (see
/// [`crate::text::Query::normalize`]); `min_score` applies to that figure.
#[derive(Debug, Clone, Default)]
pub struct TextSearchQuery {
    pub text: String,
    pub scope_prefix: Option<String>,
    pub categories: Vec<String>,
    pub metadata_filter: Option<Map<String, Value>>,
    pub limit: usize,
    pub min_score: f64,
}

/// A hybrid search request: query text and vector, the text `weight` in [0, 1] of the fused
/// score (see [`crate::text::fusion`]); `min_score` applies to the fused score.
#[derive(Debug, Clone, Default)]
pub struct HybridQuery {
    pub text: String,
    pub vector: Vec<f32>,
    pub scope_prefix: Option<String>,
    pub categories: Vec<String>,
    pub metadata_filter: Option<Map<String, Value>>,
    pub limit: usize,
    pub min_score: f64,
    pub weight: f64,
}

impl State {
    /// Slots matching scope, categories and metadata (`None` = every live slot).
    fn text_subset(
        &self,
        scope: Option<&str>,
        categories: &[String],
        metadata: Option<&Map<String, Value>>,
    ) -> Option<DocSet> {
        let candidates = self.candidates(scope, categories);
        let Some(wanted) = metadata else {
            return candidates.map(|c| c.into_iter().collect());
        };
        let matches = |&slot: &u32| metadata_matches(&self.stored(slot).meta, wanted);
        Some(match candidates {
            Some(c) => c.into_iter().filter(matches).collect(),
            None => self.live_slots().filter(matches).collect(),
        })
    }

    fn by_id(&self, a: u32, b: u32) -> Ordering {
        self.stored(a).rec.id.cmp(&self.stored(b).rec.id)
    }

    pub fn search_text(&self, q: &TextSearchQuery) -> Vec<(Record, f64)> {
        if q.limit == 0 {
            return Vec::new();
        }
        let subset = self.text_subset(
            q.scope_prefix.as_deref(),
            &q.categories,
            q.metadata_filter.as_ref(),
        );
        let query = self.text().query_in(&q.text, subset.as_ref());
        let filter = |slot| subset.as_ref().is_none_or(|s| s.contains(&slot));
        let hits = self
            .text()
            .search_above(&query, q.limit, q.min_score, filter, |a, b| {
                self.by_id(a, b)
            });
        hits.into_iter()
            .map(|(slot, raw)| (self.record_at(slot), query.normalize(raw)))
            .collect()
    }

    pub fn search_hybrid(&self, q: &HybridQuery) -> Result<Vec<(Record, f64)>> {
        if !crate::text::valid_weight(q.weight) {
            return Err(MemoryError::InvalidInput(format!(
                "weight must be between 0 and 1, got {}",
                q.weight
            )));
        }
        if let Some(dim) = self.dim()
            && q.vector.len() != dim
        {
            return Err(MemoryError::DimensionMismatch {
                stored: dim,
                got: q.vector.len(),
            });
        }
        if q.limit == 0 || self.is_empty() {
            return Ok(Vec::new());
        }
        let pool = candidate_pool(q.limit);
        let subset = self.text_subset(
            q.scope_prefix.as_deref(),
            &q.categories,
            q.metadata_filter.as_ref(),
        );
        let query = self.text().query_in(&q.text, subset.as_ref());
        let filter = |slot| subset.as_ref().is_none_or(|s| s.contains(&slot));
        let mut slots: Vec<u32> = self
            .text()
            .search_by(&query, pool, filter, |a, b| self.by_id(a, b))
            .into_iter()
            .map(|(slot, _)| slot)
            .collect();
        // The vector side goes through the store's own vector search (exact scan or ANN).
        let by_vector = self.search(&SearchQuery {
            vector: q.vector.clone(),
            scope_prefix: q.scope_prefix.clone(),
            categories: q.categories.clone(),
            metadata_filter: q.metadata_filter.clone(),
            limit: pool,
            min_score: f64::NEG_INFINITY,
        })?;
        slots.extend(by_vector.iter().filter_map(|(r, _)| self.slot_of(&r.id)));
        slots.sort_unstable();
        slots.dedup();
        let inv = inverse_norm(&q.vector);
        let unit: Vec<f32> = q.vector.iter().map(|x| x * inv).collect();
        let candidates: Vec<Candidate> = slots
            .iter()
            .map(|&slot| Candidate {
                doc: slot,
                text: self.text().score(&query, slot),
                vector: match &self.vectors {
                    Some(v) if self.stored(slot).has_vec => {
                        f64::from(v.cosine(slot as usize, &unit))
                    }
                    _ => 0.0,
                },
            })
            .collect();
        let fused = fuse_by(&candidates, q.weight, q.limit, |a, b| self.by_id(a, b));
        Ok(fused
            .into_iter()
            .filter(|&(_, score)| score >= q.min_score)
            .map(|(slot, score)| (self.record_at(slot), score))
            .collect())
    }
}
