//! Hybrid ranking: fuses BM25 and cosine scores of the same candidates into one score in [0, 1].
//!
//! Convex combination of max-normalised scores (Bruch et al., "An Analysis of Fusion Functions
//! for Hybrid Retrieval", 2023, found a convex combination of normalised scores beats RRF and is
//! robust to its weight):
//! `fused = weight · bm25/max_bm25 + (1 - weight) · max(cos, 0)/max_cos`,
//! where the maxima are taken over the candidates (each term is 0 when its maximum is 0). The
//! theoretical minimum of both scores is 0 (negative cosine is clipped), so only the empirical
//! maximum is needed, and the best record of each ranking keeps its full share. The default
//! weight 0.7 (text) was chosen on a development split (LoCoMo conversations 26 and 30 only,
//! weights 0.5..0.9 in steps of 0.1): 0.5 let vector-only candidates crowd out exact term
//! matches; 0.6..0.9 were within noise of each other, 0.7 is their middle. Re-checked on the
//! same split once BM25 took the scope's statistics and k1 = 0.9, b = 0.4: 0.7 was still the
//! best weight of this fusion; min-max and z-score normalisation came within ±0.005 of it, RRF
//! was far worse and deeper pools changed nothing (docs/hybrid.md has the figures). The benchmark reports the other eight conversations
//! separately as held-out figures.
//!
//! The candidates are the union of the text top-`candidate_pool(limit)` and the vector
//! top-`candidate_pool(limit)` of the filtered records, each scored by both measures; the top
//! of each ranking is always in the pool, so the maxima are those of all matching records.

use std::cmp::Ordering;

use super::index::top_k;

/// Share of the BM25 score in the fused score when the caller gives none.
pub const DEFAULT_TEXT_WEIGHT: f64 = 0.7;

/// How many candidates each ranking contributes for a hybrid top-`limit`.
pub fn candidate_pool(limit: usize) -> usize {
    limit.saturating_mul(4).max(50)
}

/// Whether `weight` is a usable text weight (finite, in [0, 1]).
pub fn valid_weight(weight: f64) -> bool {
    (0.0..=1.0).contains(&weight)
}

/// One candidate of a hybrid search: a document with its raw BM25 score (0 when it has no
/// query term) and its cosine similarity to the query vector (0 when it has no embedding).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Candidate {
    pub doc: u32,
    pub text: f64,
    pub vector: f64,
}

/// Fused (doc, score) of every candidate, best first, ties by `tie`; at most `limit`.
/// `weight` must satisfy `valid_weight`; candidates must have distinct docs.
pub fn fuse_by(
    candidates: &[Candidate],
    weight: f64,
    limit: usize,
    tie: impl Fn(u32, u32) -> Ordering,
) -> Vec<(u32, f64)> {
    let max_text = candidates.iter().map(|c| c.text).fold(0.0, f64::max);
    let max_vector = candidates.iter().map(|c| c.vector).fold(0.0, f64::max);
    let fused = candidates
        .iter()
        .map(|c| {
            let t = if max_text > 0.0 {
                c.text.max(0.0) / max_text
            } else {
                0.0
            };
            let v = if max_vector > 0.0 {
                c.vector.max(0.0) / max_vector
            } else {
                0.0
            };
            (c.doc, (weight * t + (1.0 - weight) * v).clamp(0.0, 1.0))
        })
        .collect();
    top_k(fused, limit, tie)
}

/// `fuse_by` with ties broken by doc id ascending.
pub fn fuse(candidates: &[Candidate], weight: f64, limit: usize) -> Vec<(u32, f64)> {
    fuse_by(candidates, weight, limit, |a, b| a.cmp(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(doc: u32, text: f64, vector: f64) -> Candidate {
        Candidate { doc, text, vector }
    }

    #[test]
    fn weighted_sum_of_max_normalised_scores() {
        let cands = [c(1, 8.0, 0.2), c(2, 4.0, 0.4), c(3, 0.0, 0.1)];
        let out = fuse(&cands, 0.5, 10);
        // Docs 1 and 2 tie (each is best in one ranking, half as good in the other): by doc id.
        assert_eq!(out[0], (1, 0.5 * 1.0 + 0.5 * 0.5));
        assert_eq!(out[1], (2, 0.5 * 0.5 + 0.5 * 1.0));
        assert_eq!(out[2], (3, 0.5 * 0.25));
    }

    #[test]
    fn weight_extremes_reproduce_each_ranking() {
        let cands = [c(1, 3.0, 0.9), c(2, 5.0, 0.1), c(3, 1.0, 0.5)];
        let text: Vec<u32> = fuse(&cands, 1.0, 3).iter().map(|h| h.0).collect();
        let vector: Vec<u32> = fuse(&cands, 0.0, 3).iter().map(|h| h.0).collect();
        assert_eq!(text, [2, 1, 3]);
        assert_eq!(vector, [1, 3, 2]);
    }

    #[test]
    fn scores_stay_in_unit_interval() {
        let cands = [c(1, 0.0, -0.5), c(2, 0.0, 0.0), c(3, 2.0, 1.0)];
        for w in [0.0, 0.3, 1.0] {
            for (_, s) in fuse(&cands, w, 10) {
                assert!((0.0..=1.0).contains(&s));
            }
        }
        let none = [c(4, 0.0, -0.2)];
        assert_eq!(fuse(&none, 0.5, 10), vec![(4, 0.0)]);
        assert!(fuse(&cands, 0.5, 0).is_empty());
    }

    #[test]
    fn weight_validation_and_pool() {
        assert!(valid_weight(0.0) && valid_weight(1.0) && valid_weight(0.5));
        assert!(!valid_weight(-0.1) && !valid_weight(1.1) && !valid_weight(f64::NAN));
        assert_eq!(candidate_pool(10), 50);
        assert_eq!(candidate_pool(100), 400);
        assert_eq!(candidate_pool(usize::MAX), usize::MAX);
    }
}
