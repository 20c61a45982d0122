//! Vector search: cosine similarity, filters applied before ranking, exact top-k.

use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;

use crewai_rust_serialization::record::Record;
use serde_json::{Map, Value};

use crate::codes::QueryCode;
use crate::error::{MemoryError, Result};
use crate::filters::metadata_matches;
use crate::state::State;
use crate::vector::{OrdF32, Vectors, inverse_norm};

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
/// Candidate list size of an unfiltered graph walk for up to 12 results. On the benchmark's
/// clustered data, with the codes' walk and its re-scoring (`hnsw::rescore`), recall@10 is
/// 1.000 at 10k and 0.999 at 100k with 48 (the same as with 64, for 11% fewer estimates at 10k
/// and 26% fewer at 100k); 40 gives 0.9995 and 0.9985.
pub(crate) const EF_SEARCH: usize = 48;

/// The walk's candidate list for `limit` results: never shorter than the default, and a few
/// times `limit` for long result lists, which need the same margin beyond the last result.
fn ef_search(limit: usize) -> usize {
    EF_SEARCH.max(limit.saturating_mul(4))
}
/// The base width of a filtered walk (divided by the matching share). It stays at the width
/// filtered walks had before the unfiltered default went to 48: a filtered walk's recall was
/// measured at 64, and the width also sets where the planner switches to an exact scan
/// (about sqrt(10 x 64 x N) matching rows: 2,530 at N = 10,000, a crew's quarter scope).
const FILTERED_EF_SEARCH: usize = 64;
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
        // Filters first: the scope and category posting lists, then the metadata of those rows
        // only (no vector reads), so the pool below is exact and so is the choice made on it.
        let pool: Option<Vec<u32>> = match self.candidates(q.scope_prefix.as_deref(), &q.categories)
        {
            Some(mut c) => {
                c.retain(|&s| self.accepts(s, q));
                Some(c)
            }
            None if q.metadata_filter.is_some() => {
                Some(self.live_slots().filter(|&s| self.accepts(s, q)).collect())
            }
            None => None,
        };
        let rows = pool.as_ref().map_or(self.vec_count(), Vec::len);
        if let Some(hits) = self.graph_search(q, &unit, pool.as_deref(), rows) {
            return Ok(self.top(hits, q.limit));
        }
        let all;
        let slots = match pool.as_deref() {
            Some(p) => p,
            None => {
                all = self
                    .live_slots()
                    .filter(|&s| self.has_vector(s))
                    .collect::<Vec<_>>();
                &all
            }
        };
        Ok(self.top(scan(vectors, slots, &unit, q.limit, q.min_score), q.limit))
    }

    /// The hits of a graph walk, when the graph is cheaper than scanning the `rows` matching
    /// vectors (`pool`, `None` = every vector); `None` means: scan them exactly.
    fn graph_search(
        &self,
        q: &SearchQuery,
        unit: &[f32],
        pool: Option<&[u32]>,
        rows: usize,
    ) -> Option<Vec<Hit>> {
        let (ann, vectors) = (self.ann.as_ref()?, self.vectors.as_ref()?);
        // The graph pays off once the scan would be long and most vectors are linked.
        if rows * vectors.dim() <= self.exact_budget || self.pending.len() * 2 >= self.vec_count() {
            return None;
        }
        // Filters shrink the share of nodes the walk can return: widen it in proportion, and
        // scan exactly when that would cost more than the scan. A walk computes roughly ten
        // similarities per candidate-list entry, so past `rows / 10` the rows are fewer.
        let share = rows as f64 / self.vec_count().max(1) as f64;
        let base = if pool.is_some() {
            ef_search(q.limit).max(FILTERED_EF_SEARCH)
        } else {
            ef_search(q.limit)
        };
        let ef = (base as f64 / share.max(1e-9)).ceil() as usize;
        if ef > EF_MAX || ef * 10 > rows {
            return None;
        }
        let member = pool.map(|c| {
            let mut bits = vec![0u64; self.slots.len().div_ceil(64)];
            for &s in c {
                bits[s as usize / 64] |= 1 << (s % 64);
            }
            bits
        });
        // Every linked node has a vector, so without filters every node is a result.
        let accept = |slot: u32| {
            member
                .as_ref()
                .is_none_or(|b| b[slot as usize / 64] & (1 << (slot % 64)) != 0)
        };
        let mut hits: Vec<Hit> = ann
            .search(vectors, unit, ef, q.limit, &accept)
            .into_iter()
            .map(|s| Hit {
                score: s.sim,
                slot: s.id,
            })
            .collect();
        // Vectors the indexer has not linked yet are scanned exactly.
        for &slot in &self.pending {
            if accept(slot) && self.accepts(slot, q) {
                hits.push(Hit {
                    score: vectors.cosine(slot as usize, unit),
                    slot,
                });
            }
        }
        // Fewer than `limit` reachable matches: only an exact scan can tell if more exist.
        if hits.len() < q.limit {
            return None;
        }
        hits.retain(|h| f64::from(h.score) >= q.min_score);
        Some(hits)
    }

    fn accepts(&self, slot: u32, q: &SearchQuery) -> bool {
        self.has_vector(slot)
            && q.metadata_filter
                .as_ref()
                .is_none_or(|m| metadata_matches(&self.stored(slot).meta, m))
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

/// How many vectors ahead of the one being scored a scan asks the CPU to load: enough to
/// cover the memory latency, few enough that they are still cached when scored.
const SCAN_AHEAD: usize = 4;

/// Exact cosine of every slot's vector with `unit` that can be among the best `limit`, keeping
/// scores >= `min_score`: the best `limit` of the result are the exact top `limit` of `slots`.
/// With codes (see [`crate::codes`]) the rows are bounded first: a row whose estimate plus its
/// worst-case error is below the `limit`-th exact score found so far cannot be in the top, and
/// is never read in full. Rows are scored in order of that upper bound, so the threshold rises
/// fast (at 10k x 1536, a category's ~1,660 rows need ~25-45 vector reads instead of all).
fn scan(vectors: &Vectors, slots: &[u32], unit: &[f32], limit: usize, min_score: f64) -> Vec<Hit> {
    if !vectors.coded() || slots.len() <= limit {
        return scan_all(vectors, slots, unit, min_score);
    }
    let qc = QueryCode::new(unit);
    let mut bounded: Vec<(f32, u32)> = Vec::with_capacity(slots.len());
    for (i, &slot) in slots.iter().enumerate() {
        if let Some(&next) = slots.get(i + SCAN_AHEAD) {
            vectors.prefetch_code(next as usize);
        }
        let (est, err) = vectors.estimate_with_bound(slot as usize, &qc);
        // The margin covers f32 rounding in the estimate and in the exact cosine.
        bounded.push((est + err + BOUND_MARGIN, slot));
    }
    // Only the rows read before the bound falls below the threshold need ordering (~25-45 of a
    // category's ~1,660 at 10k x 1536): order a head first, and the rest only if it is reached.
    // Sorting all ~1,660 bounds made the whole filtered search ~20% slower (`ann_probe
    // category`: 167 -> 138 us median with this).
    let by_bound = |a: &(f32, u32), b: &(f32, u32)| b.0.total_cmp(&a.0);
    let head = SORTED_HEAD.max(2 * limit);
    let mut sorted = bounded.len().min(head);
    if bounded.len() > head {
        bounded.select_nth_unstable_by(head - 1, by_bound);
    }
    bounded[..sorted].sort_unstable_by(by_bound);
    let mut best: BinaryHeap<Reverse<OrdF32>> = BinaryHeap::with_capacity(limit + 1);
    let mut hits = Vec::new();
    let mut i = 0;
    while i < bounded.len() {
        if i == sorted {
            bounded[sorted..].sort_unstable_by(by_bound);
            sorted = bounded.len();
        }
        let (upper, slot) = bounded[i];
        let floor = match best.peek() {
            Some(Reverse(OrdF32(kth))) if best.len() >= limit => f64::from(*kth),
            _ => min_score,
        };
        // Strictly below: a row scoring exactly the threshold could still win on its id.
        if f64::from(upper) < floor {
            break;
        }
        // Ahead within the ordered part only: beyond it the order is not settled yet.
        if let Some(&(_, next)) = bounded[..sorted].get(i + SCAN_AHEAD) {
            vectors.prefetch(next as usize);
        }
        let score = vectors.cosine(slot as usize, unit);
        if f64::from(score) >= min_score {
            hits.push(Hit { score, slot });
            best.push(Reverse(OrdF32(score)));
            if best.len() > limit {
                best.pop();
            }
        }
        i += 1;
    }
    hits
}

/// How many of a bounded scan's rows are put in bound order before any is read.
const SORTED_HEAD: usize = 64;

/// Added to every bound: the estimate and the exact cosine are each computed in f32, whose
/// rounding (~1e-6 on these sums) the worst-case bound does not include.
const BOUND_MARGIN: f32 = 1e-4;

/// Exact cosine of every slot's vector with `unit`, keeping scores >= `min_score`.
fn scan_all(vectors: &Vectors, slots: &[u32], unit: &[f32], min_score: f64) -> Vec<Hit> {
    let mut hits = Vec::new();
    for (i, &slot) in slots.iter().enumerate() {
        if let Some(&next) = slots.get(i + SCAN_AHEAD) {
            vectors.prefetch_whole(next as usize);
        }
        let score = vectors.cosine(slot as usize, unit);
        if f64::from(score) >= min_score {
            hits.push(Hit { score, slot });
        }
    }
    hits
}
