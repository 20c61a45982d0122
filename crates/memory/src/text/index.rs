//! The incremental inverted index over record content, keyed by the store's u32 doc ids, and
//! exact BM25 top-k under a filter.
//!
//! Scoring is Okapi BM25 with Lucene's non-negative idf:
//! `idf(t) = ln(1 + (N - df + 0.5) / (df + 0.5))`,
//! `score(d) = Σ_t idf(t) · tf·(k1+1) / (tf + k1·(1 - b + b·|d|/avgdl))` over the query's distinct
//! terms, summed in term (byte) order so the Python reference gets the very same floats. `N`,
//! `df` and `avgdl` are the statistics of the documents a search is restricted to (all of them
//! without a filter; see [`TextIndex::query_in`]): the records a scope selects are the
//! collection being searched, so a name that occurs in every record of its scope is not rare
//! there merely because other scopes never mention it.

use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

use super::tokenizer::{Language, StemCache, Tokenizer};

/// BM25 parameters: `k1` (term frequency saturation) and `b` (length normalisation).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bm25Params {
    k1: f64,
    b: f64,
}

impl Default for Bm25Params {
    /// Anserini's (and Pyserini's) defaults, k1 = 0.9, b = 0.4, tuned for short passages: memory
    /// records are sentences, where the classic k1 = 1.2, b = 0.75 over-penalise length.
    fn default() -> Self {
        Self { k1: 0.9, b: 0.4 }
    }
}

/// A set of doc ids (the documents a search is restricted to), hashed as the accumulator is.
pub type DocSet = HashSet<u32, BuildHasherDefault<DocHasher>>;

impl Bm25Params {
    /// `None` unless `k1` is finite and ≥ 0 and `b` is in [0, 1].
    pub fn new(k1: f64, b: f64) -> Option<Self> {
        (k1.is_finite() && k1 >= 0.0 && (0.0..=1.0).contains(&b)).then_some(Self { k1, b })
    }

    pub fn k1(&self) -> f64 {
        self.k1
    }

    pub fn b(&self) -> f64 {
        self.b
    }
}

#[derive(Debug)]
struct Doc {
    len: u32,
    /// (term id, term frequency), sorted by term id.
    terms: Box<[(u32, u32)]>,
}

/// A query analysed against an index: its distinct known terms with their idf.
#[derive(Debug, Clone)]
pub struct Query {
    /// (term id, idf), in term byte order.
    terms: Vec<(u32, f64)>,
    avgdl: f64,
    /// The score no document can reach: every term's idf · (k1 + 1) (tf → ∞ saturation).
    bound: f64,
}

impl Query {
    /// Whether no query term occurs in the index (then nothing matches).
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// Maps a raw BM25 score into [0, 1] by dividing by the query's saturation bound
    /// `Σ idf(t)·(k1+1)`: 1.0 would need every query term at unbounded frequency, so the
    /// figure is comparable across records and filters (unlike dividing by the best hit).
    pub fn normalize(&self, raw: f64) -> f64 {
        if self.bound > 0.0 {
            (raw / self.bound).clamp(0.0, 1.0)
        } else {
            0.0
        }
    }
}

/// Inverted index with per-document term lists (for removal and for scoring one document).
#[derive(Debug)]
pub struct TextIndex {
    tokenizer: Tokenizer,
    params: Bm25Params,
    term_ids: HashMap<String, u32>,
    /// Term text by id, so a term whose last document goes can leave `term_ids`.
    term_names: Vec<String>,
    /// Postings per term id: (doc, tf, doc length), sorted by doc. The length rides along so
    /// scoring a posting needs no lookup of its document.
    postings: Vec<Vec<(u32, u32, u32)>>,
    free_terms: Vec<u32>,
    docs: HashMap<u32, Doc, BuildHasherDefault<DocHasher>>,
    total_len: u64,
    stems: StemCache,
}

impl Default for TextIndex {
    fn default() -> Self {
        Self::new(Language::default(), Bm25Params::default())
    }
}

impl TextIndex {
    pub fn new(language: Language, params: Bm25Params) -> Self {
        Self {
            tokenizer: Tokenizer::new(language),
            params,
            term_ids: HashMap::new(),
            term_names: Vec::new(),
            postings: Vec::new(),
            free_terms: Vec::new(),
            docs: HashMap::default(),
            total_len: 0,
            stems: StemCache::default(),
        }
    }

    pub fn tokenizer(&self) -> &Tokenizer {
        &self.tokenizer
    }

    pub fn params(&self) -> Bm25Params {
        self.params
    }

    /// Number of documents (including documents without any term).
    pub fn len(&self) -> usize {
        self.docs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.docs.is_empty()
    }

    pub fn contains(&self, doc: u32) -> bool {
        self.docs.contains_key(&doc)
    }

    /// Number of distinct terms indexed.
    pub fn term_count(&self) -> usize {
        self.term_ids.len()
    }

    /// Number of terms of a document (its BM25 length), if indexed.
    pub fn doc_len(&self, doc: u32) -> Option<u32> {
        self.docs.get(&doc).map(|d| d.len)
    }

    /// Document frequency of an already analysed term.
    pub fn df(&self, term: &str) -> usize {
        self.term_ids
            .get(term)
            .map_or(0, |&t| self.postings[t as usize].len())
    }

    /// Mean document length (0 for an empty index).
    pub fn avg_doc_len(&self) -> f64 {
        if self.docs.is_empty() {
            0.0
        } else {
            self.total_len as f64 / self.docs.len() as f64
        }
    }

    /// Index `text` as document `doc`, replacing what `doc` held before.
    pub fn add(&mut self, doc: u32, text: &str) {
        self.remove(doc);
        // Each term goes straight to its id (no owned string per token); the ids are then
        // counted by sorting, which also leaves them in the order `Doc::terms` keeps.
        let mut ids: Vec<u32> = Vec::new();
        let Self {
            tokenizer,
            stems,
            term_ids,
            term_names,
            postings,
            free_terms,
            ..
        } = self;
        tokenizer.for_each_term_memo(text, stems, |t| {
            ids.push(term_id(term_ids, term_names, postings, free_terms, t));
        });
        let len = ids.len() as u32;
        ids.sort_unstable();
        let mut counted: Vec<(u32, u32)> = Vec::new();
        for id in ids {
            match counted.last_mut() {
                Some((last, tf)) if *last == id => *tf += 1,
                _ => counted.push((id, 1)),
            }
        }
        for &(term, tf) in &counted {
            let list = &mut self.postings[term as usize];
            // Doc ids mostly arrive in increasing order, so this is usually a push.
            match list.last() {
                Some(&(last, _, _)) if last > doc => {
                    let at = list.partition_point(|&(d, _, _)| d < doc);
                    list.insert(at, (doc, tf, len));
                }
                _ => list.push((doc, tf, len)),
            }
        }
        self.total_len += u64::from(len);
        self.docs.insert(
            doc,
            Doc {
                len,
                terms: counted.into_boxed_slice(),
            },
        );
    }

    /// Remove a document; returns whether it was indexed.
    pub fn remove(&mut self, doc: u32) -> bool {
        let Some(entry) = self.docs.remove(&doc) else {
            return false;
        };
        self.total_len -= u64::from(entry.len);
        for &(term, _) in entry.terms.iter() {
            let list = &mut self.postings[term as usize];
            if let Ok(at) = list.binary_search_by_key(&doc, |&(d, _, _)| d) {
                list.remove(at);
            }
            if list.is_empty() {
                let name = std::mem::take(&mut self.term_names[term as usize]);
                self.term_ids.remove(&name);
                self.free_terms.push(term);
            }
        }
        true
    }

    /// Forget every document.
    pub fn clear(&mut self) {
        self.term_ids.clear();
        self.term_names.clear();
        self.postings.clear();
        self.free_terms.clear();
        self.docs.clear();
        self.total_len = 0;
    }

    /// Analyse `text` against the statistics of the whole index.
    pub fn query(&self, text: &str) -> Query {
        self.query_in(text, None)
    }

    /// Analyse `text` against the statistics of `subset` (`None` = every document): `N` is the
    /// number of indexed documents in it, `df` counts only them and `avgdl` is their mean
    /// length, exactly as if the index held nothing else. Ids of unindexed documents are ignored.
    pub fn query_in(&self, text: &str, subset: Option<&DocSet>) -> Query {
        let mut words = self.tokenizer.terms(text);
        words.sort_unstable();
        words.dedup();
        let (n, avgdl) = match subset {
            None => (self.docs.len(), self.avg_doc_len()),
            Some(set) => {
                let (mut n, mut total) = (0usize, 0u64);
                for doc in set {
                    if let Some(entry) = self.docs.get(doc) {
                        n += 1;
                        total += u64::from(entry.len);
                    }
                }
                (n, if n == 0 { 0.0 } else { total as f64 / n as f64 })
            }
        };
        let n = n as f64;
        let k1 = self.params.k1;
        let mut terms = Vec::new();
        let mut bound = 0.0;
        for w in &words {
            if let Some(&id) = self.term_ids.get(w.as_str()) {
                let postings = &self.postings[id as usize];
                let df = match subset {
                    None => postings.len(),
                    Some(set) => postings.iter().filter(|p| set.contains(&p.0)).count(),
                };
                if df == 0 {
                    continue;
                }
                let df = df as f64;
                let idf = (1.0 + (n - df + 0.5) / (df + 0.5)).ln();
                bound += idf * (k1 + 1.0);
                terms.push((id, idf));
            }
        }
        Query {
            terms,
            avgdl,
            bound,
        }
    }

    fn term_score(&self, idf: f64, tf: u32, len: u32, avgdl: f64) -> f64 {
        let Bm25Params { k1, b } = self.params;
        let tf = f64::from(tf);
        idf * (tf * (k1 + 1.0)) / (tf + k1 * (1.0 - b + b * f64::from(len) / avgdl))
    }

    /// Raw BM25 score of one document (0.0 when it has no query term or is not indexed).
    pub fn score(&self, query: &Query, doc: u32) -> f64 {
        let Some(entry) = self.docs.get(&doc) else {
            return 0.0;
        };
        let mut total = 0.0;
        for &(term, idf) in &query.terms {
            if let Ok(at) = entry.terms.binary_search_by_key(&term, |&(t, _)| t) {
                total += self.term_score(idf, entry.terms[at].1, entry.len, query.avgdl);
            }
        }
        total
    }

    /// The exact top `limit` documents containing at least one query term and accepted by
    /// `filter`, as (doc, raw BM25 score), best first; equal scores are ordered by `tie`.
    pub fn search_by(
        &self,
        query: &Query,
        limit: usize,
        filter: impl Fn(u32) -> bool,
        tie: impl Fn(u32, u32) -> Ordering,
    ) -> Vec<(u32, f64)> {
        self.search_above(query, limit, f64::NEG_INFINITY, filter, tie)
    }

    /// `search_by` keeping only documents whose normalised score is at least `min_score`.
    pub fn search_above(
        &self,
        query: &Query,
        limit: usize,
        min_score: f64,
        filter: impl Fn(u32) -> bool,
        tie: impl Fn(u32, u32) -> Ordering,
    ) -> Vec<(u32, f64)> {
        if limit == 0 || query.is_empty() {
            return Vec::new();
        }
        let mut acc: HashMap<u32, f64, BuildHasherDefault<DocHasher>> = HashMap::default();
        for &(term, idf) in &query.terms {
            for &(doc, tf, len) in &self.postings[term as usize] {
                *acc.entry(doc).or_insert(0.0) += self.term_score(idf, tf, len, query.avgdl);
            }
        }
        let hits: Vec<(u32, f64)> = acc
            .into_iter()
            .filter(|&(d, s)| query.normalize(s) >= min_score && filter(d))
            .collect();
        top_k(hits, limit, tie)
    }

    /// `search_by` with ties broken by doc id ascending.
    pub fn search(
        &self,
        query: &Query,
        limit: usize,
        filter: impl Fn(u32) -> bool,
    ) -> Vec<(u32, f64)> {
        self.search_by(query, limit, filter, |a, b| a.cmp(&b))
    }
}

/// The id of `term`, allocated (reusing a freed id first) when the term is new. A free function
/// over the fields it needs, so `add` can call it while the tokenizer borrows the stem cache.
fn term_id(
    term_ids: &mut HashMap<String, u32>,
    term_names: &mut Vec<String>,
    postings: &mut Vec<Vec<(u32, u32, u32)>>,
    free_terms: &mut Vec<u32>,
    term: &str,
) -> u32 {
    if let Some(&id) = term_ids.get(term) {
        return id;
    }
    let id = match free_terms.pop() {
        Some(id) => {
            term_names[id as usize] = term.to_owned();
            id
        }
        None => {
            postings.push(Vec::new());
            term_names.push(term.to_owned());
            (postings.len() - 1) as u32
        }
    };
    term_ids.insert(term.to_owned(), id);
    id
}

/// Hashes doc ids for the score accumulator: one multiply (Fibonacci hashing) instead of SipHash,
/// which dominated scoring; doc ids are not attacker-chosen keys.
#[derive(Debug, Default)]
pub struct DocHasher(u64);

impl Hasher for DocHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(b)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }

    fn write_u32(&mut self, n: u32) {
        self.0 = u64::from(n).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// The best `limit` of `hits` by score (descending), ties by `tie`, sorted.
pub(crate) fn top_k(
    mut hits: Vec<(u32, f64)>,
    limit: usize,
    tie: impl Fn(u32, u32) -> Ordering,
) -> Vec<(u32, f64)> {
    let cmp = |a: &(u32, f64), b: &(u32, f64)| b.1.total_cmp(&a.1).then_with(|| tie(a.0, b.0));
    if hits.len() > limit && limit > 0 {
        hits.select_nth_unstable_by(limit - 1, cmp);
        hits.truncate(limit);
    }
    hits.truncate(limit);
    hits.sort_unstable_by(cmp);
    hits
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index(docs: &[&str]) -> TextIndex {
        let mut ix = TextIndex::default();
        for (i, d) in docs.iter().enumerate() {
            ix.add(i as u32, d);
        }
        ix
    }

    /// BM25 straight from its definition, for comparison.
    fn textbook(docs: &[Vec<String>], query: &[String], d: usize) -> f64 {
        let n = docs.len() as f64;
        let avgdl = docs.iter().map(Vec::len).sum::<usize>() as f64 / n;
        let (k1, b) = (0.9, 0.4);
        let mut q: Vec<&String> = query.iter().collect();
        q.sort();
        q.dedup();
        q.iter()
            .map(|t| {
                let df = docs.iter().filter(|doc| doc.contains(t)).count() as f64;
                if df == 0.0 {
                    return 0.0;
                }
                let idf = (1.0 + (n - df + 0.5) / (df + 0.5)).ln();
                let tf = docs[d].iter().filter(|w| w == t).count() as f64;
                let dl = docs[d].len() as f64;
                idf * (tf * (k1 + 1.0)) / (tf + k1 * (1.0 - b + b * dl / avgdl))
            })
            .sum()
    }

    #[test]
    fn ranks_like_textbook_bm25() {
        let docs = [
            "Caroline went to the LGBTQ support group on Tuesday",
            "Melanie painted a sunrise over the lake",
            "Caroline and Melanie talked about painting and support",
            "The support group meets weekly; Caroline loves it. Caroline!",
            "",
        ];
        let ix = index(&docs);
        let tok = Tokenizer::default();
        let analysed: Vec<Vec<String>> = docs.iter().map(|d| tok.terms(d)).collect();
        let qtext = "Caroline support group";
        let q = ix.query(qtext);
        let qterms = tok.terms(qtext);
        let hits = ix.search(&q, 10, |_| true);
        assert_eq!(hits.len(), 3);
        for &(doc, score) in &hits {
            let want = textbook(&analysed, &qterms, doc as usize);
            assert!((score - want).abs() < 1e-12, "doc {doc}: {score} vs {want}");
            assert_eq!(score, ix.score(&q, doc));
        }
        assert!(hits.windows(2).all(|w| w[0].1 >= w[1].1));
        assert_eq!(ix.len(), 5);
        assert_eq!(ix.df("carolin"), 3);
    }

    #[test]
    fn filter_is_exact_and_limit_respected() {
        let docs: Vec<String> = (0..200)
            .map(|i| format!("apple {}", "pear ".repeat(i % 7)))
            .collect();
        let refs: Vec<&str> = docs.iter().map(String::as_str).collect();
        let ix = index(&refs);
        let q = ix.query("apple pear");
        let all = ix.search(&q, 1000, |_| true);
        let want: Vec<(u32, f64)> = all
            .iter()
            .copied()
            .filter(|(d, _)| d % 3 == 0)
            .take(5)
            .collect();
        assert_eq!(ix.search(&q, 5, |d| d % 3 == 0), want);
        assert_eq!(ix.search(&q, 0, |_| true), vec![]);
        // Ties (equal documents) are ordered by doc id, or by the given order.
        let tied: Vec<u32> = all
            .iter()
            .filter(|h| h.1 == all[0].1)
            .map(|h| h.0)
            .collect();
        assert!(tied.windows(2).all(|w| w[0] < w[1]));
        let rev = ix.search_by(&q, 1, |_| true, |a, b| b.cmp(&a));
        assert_eq!(rev[0].0, *tied.last().unwrap());
    }

    #[test]
    fn subset_statistics_are_those_of_an_index_of_the_subset_alone() {
        let docs: Vec<String> = (0..120)
            .map(|i| match i % 4 {
                0 => format!("caroline apple {}", "pear ".repeat(i % 5)),
                1 => format!("melanie plum {}", "apple ".repeat(i % 3)),
                2 => "caroline caroline fig".to_owned(),
                _ => format!("kiwi {}", "lime ".repeat(i % 6)),
            })
            .collect();
        let refs: Vec<&str> = docs.iter().map(String::as_str).collect();
        let ix = index(&refs);
        let subset: DocSet = (0..120u32).filter(|d| d % 3 != 1).collect();
        let mut alone = TextIndex::default();
        for &d in &subset {
            alone.add(d, refs[d as usize]);
        }
        for text in [
            "caroline apple",
            "pear plum fig",
            "melanie",
            "lime kiwi apple",
        ] {
            let q = ix.query_in(text, Some(&subset));
            let want = alone.query(text);
            let got = ix.search(&q, 30, |d| subset.contains(&d));
            assert_eq!(got, alone.search(&want, 30, |_| true), "{text}");
            assert_eq!(q.normalize(1.0), want.normalize(1.0));
        }
        // The subset's N and df are not the whole index's, so neither are the idf and scores.
        let whole = ix.query("caroline");
        let part = ix.query_in("caroline", Some(&subset));
        assert!(ix.score(&whole, 0) != ix.score(&part, 0));
        // Without a subset, and with the subset of every document, the figures are the same.
        let all: DocSet = (0..120u32).chain([500, 501]).collect();
        assert_eq!(
            ix.search(&ix.query_in("apple pear", Some(&all)), 50, |_| true),
            ix.search(&ix.query("apple pear"), 50, |_| true)
        );
        assert!(ix.query_in("apple", Some(&DocSet::default())).is_empty());
    }

    #[test]
    fn add_replaces_and_remove_forgets() {
        let mut ix = index(&["red fox", "blue whale", "red whale"]);
        ix.add(0, "green turtle");
        assert_eq!(ix.len(), 3);
        assert_eq!(ix.df("fox"), 0);
        assert_eq!(ix.df("red"), 1);
        assert!(ix.remove(2));
        assert!(!ix.remove(2));
        assert_eq!(ix.df("red"), 0);
        assert_eq!(ix.term_count(), 4); // green, turtl, blue, whale
        let q = ix.query("whale turtle");
        let docs: Vec<u32> = ix.search(&q, 10, |_| true).iter().map(|h| h.0).collect();
        assert_eq!(docs.len(), 2);
        // Freed term ids are reused without leaking postings.
        ix.add(7, "red red panda");
        assert_eq!(ix.df("red"), 1);
        assert_eq!(ix.doc_len(7), Some(3));
        ix.clear();
        assert!(ix.is_empty());
        assert!(ix.query("red").is_empty());
    }

    #[test]
    fn out_of_order_doc_ids_keep_postings_sorted() {
        let mut ix = TextIndex::default();
        for d in [5u32, 1, 9, 3, 7] {
            ix.add(d, "shared word");
        }
        ix.remove(3);
        let q = ix.query("shared");
        let docs: Vec<u32> = ix.search(&q, 10, |_| true).iter().map(|h| h.0).collect();
        assert_eq!(docs, [1, 5, 7, 9]);
    }

    #[test]
    fn normalized_scores_are_in_unit_interval() {
        let ix = index(&["alpha alpha alpha alpha alpha alpha", "alpha beta", "gamma"]);
        let q = ix.query("alpha beta delta");
        for (doc, raw) in ix.search(&q, 10, |_| true) {
            let s = q.normalize(raw);
            assert!(s > 0.0 && s < 1.0, "doc {doc}: {s}");
        }
        assert_eq!(ix.query("delta").normalize(1.0), 0.0);
    }

    #[test]
    fn hostile_queries_never_panic() {
        let ix = index(&["a b c", "quoted \"text\" here", "x-ray: *star*"]);
        for q in [
            "",
            "\"",
            "\"\"\"",
            "-",
            "--x",
            "*",
            "a*",
            ":",
            "x:y",
            "OR AND NOT",
            "\u{0}",
        ] {
            let _ = ix.search(&ix.query(q), 10, |_| true);
        }
        let big = "star ".repeat(200_000);
        let hits = ix.search(&ix.query(&big), 10, |_| true);
        assert_eq!(hits.len(), 1);
        let empty = TextIndex::default();
        assert!(
            empty
                .search(&empty.query("anything"), 10, |_| true)
                .is_empty()
        );
    }

    #[test]
    fn params_are_validated() {
        assert!(Bm25Params::new(1.2, 0.75).is_some());
        assert!(Bm25Params::new(0.0, 0.0).is_some());
        assert!(Bm25Params::new(-1.0, 0.5).is_none());
        assert!(Bm25Params::new(f64::NAN, 0.5).is_none());
        assert!(Bm25Params::new(1.0, 1.5).is_none());
    }
}
