//! The graph walk steered by 4-bit codes (dimensions >= 256): recall@10 against brute force,
//! scores that are the exact cosines (bit for bit those of an exact scan), codes kept in step
//! with replacements and deletes, and rebuilt when a store is reopened.

mod common;

use std::collections::{HashMap, HashSet};

use common::*;
use crewai_rust_memory::{DeleteCriteria, Durability, Record, SearchQuery, Store};

const DIM: usize = 1536;

/// Embedding-like data: unit vectors around topics and sub-topics, as in the benchmark.
fn embeddings(rng: &mut Rng, n: usize, centres: &[Vec<f32>]) -> Vec<Vec<f32>> {
    let sigma = 0.5 / (DIM as f32).sqrt();
    (0..n)
        .map(|_| {
            let c = &centres[rng.below(centres.len())];
            unit(c.iter().map(|x| x + sigma * rng.gauss()).collect())
        })
        .collect()
}

fn unit(v: Vec<f32>) -> Vec<f32> {
    let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    v.into_iter().map(|x| x / n).collect()
}

/// 24 topics x 8 sub-topics.
fn centres(rng: &mut Rng) -> Vec<Vec<f32>> {
    let mut out = Vec::new();
    for _ in 0..24 {
        let topic = unit((0..DIM).map(|_| rng.gauss()).collect());
        for _ in 0..8 {
            let sub = unit((0..DIM).map(|_| rng.gauss()).collect());
            out.push(unit(
                topic.iter().zip(&sub).map(|(t, s)| t + 0.8 * s).collect(),
            ));
        }
    }
    out
}

fn query(v: &[f32]) -> SearchQuery {
    SearchQuery {
        vector: v.to_vec(),
        limit: 10,
        min_score: -1.0,
        ..Default::default()
    }
}

/// Recall@10 of the store's answers, checking on the way that every score is the cosine of
/// the query with that record's stored embedding.
fn recall(store: &Store, records: &[Record], queries: &[Vec<f32>]) -> f64 {
    let by_id: HashMap<&str, &Record> = records.iter().map(|r| (r.id.as_str(), r)).collect();
    let (mut hit, mut total) = (0, 0);
    for v in queries {
        let q = query(v);
        let want: HashSet<String> = exact_ids(records, &q, |_| true).into_iter().collect();
        let got = store.search(&q).unwrap();
        assert_eq!(got.len(), q.limit, "a full result list");
        for (r, score) in &got {
            let exact = cosine(by_id[r.id.as_str()].embedding.as_ref().unwrap(), v);
            assert!(
                (f64::from(*score) - exact).abs() < 1e-5,
                "{}: score {score} is not the cosine {exact}",
                r.id
            );
        }
        hit += got.iter().filter(|(r, _)| want.contains(&r.id)).count();
        total += want.len();
    }
    hit as f64 / total as f64
}

fn fixture(n: usize, seed: u64) -> (Vec<Record>, Vec<Vec<f32>>, Vec<Vec<f32>>) {
    let mut rng = Rng::new(seed);
    let centres = centres(&mut rng);
    let vectors = embeddings(&mut rng, n, &centres);
    let records = random_records(&mut rng, vectors);
    let queries = embeddings(&mut rng, 60, &centres);
    (records, queries, centres)
}

fn graph_store(dir: Option<&std::path::Path>, records: &[Record]) -> Store {
    let s = Store::open(dir, None, Durability::Flush).unwrap();
    s.set_exact_budget(0);
    s.upsert(records.to_vec()).unwrap();
    s.build_index();
    s
}

#[test]
fn coded_walk_keeps_recall_with_the_exact_scan_scores() {
    let (records, queries, _) = fixture(3000, 21);
    let store = graph_store(None, &records);
    let r = recall(&store, &records, &queries);
    assert!(r >= 0.98, "recall@10 = {r}");
    // The walk's scores are the very floats an exact scan computes.
    let walked: Vec<_> = queries
        .iter()
        .map(|v| store.search(&query(v)).unwrap())
        .collect();
    store.set_exact_budget(usize::MAX);
    for (v, walked) in queries.iter().zip(walked) {
        let scanned: HashMap<String, f32> = store
            .search(&SearchQuery {
                limit: 3000,
                ..query(v)
            })
            .unwrap()
            .into_iter()
            .map(|(r, s)| (r.id, s))
            .collect();
        for (r, s) in walked {
            assert_eq!(s.to_bits(), scanned[&r.id].to_bits(), "{}", r.id);
        }
    }
}

#[test]
fn the_adaptive_re_scoring_keeps_recall_for_short_and_long_result_lists() {
    // The walk re-scores the best max(16, 2 x limit) estimates and then only while the
    // measured estimate error allows: recall must hold from one result to long lists, with
    // scores bit for bit the exact scan's and results best first.
    let (records, queries, _) = fixture(3000, 33);
    let store = graph_store(None, &records);
    for limit in [1, 10, 40] {
        let (mut hit, mut total) = (0, 0);
        for v in &queries {
            let q = SearchQuery { limit, ..query(v) };
            let want: HashSet<String> = exact_ids(&records, &q, |_| true).into_iter().collect();
            store.set_exact_budget(0);
            let walked = store.search(&q).unwrap();
            store.set_exact_budget(usize::MAX);
            let scanned: HashMap<String, f32> = store
                .search(&SearchQuery { limit: 3000, ..q })
                .unwrap()
                .into_iter()
                .map(|(r, s)| (r.id, s))
                .collect();
            assert_eq!(walked.len(), limit, "a full result list");
            for pair in walked.windows(2) {
                assert!(pair[0].1 >= pair[1].1, "best first");
            }
            for (r, s) in &walked {
                assert_eq!(s.to_bits(), scanned[&r.id].to_bits(), "{}", r.id);
            }
            hit += walked.iter().filter(|(r, _)| want.contains(&r.id)).count();
            total += want.len();
        }
        let r = hit as f64 / total as f64;
        assert!(r >= 0.98, "recall@{limit} = {r}");
    }
}

#[test]
fn codes_follow_replacements_and_deletes() {
    let (mut records, queries, centres) = fixture(3000, 22);
    let store = graph_store(None, &records);
    // Move every third record to a new place (often another topic), delete every fifth.
    let mut rng = Rng::new(7);
    let moved: Vec<usize> = (0..records.len()).step_by(3).collect();
    let fresh = embeddings(&mut rng, moved.len(), &centres);
    for (&i, v) in moved.iter().zip(fresh) {
        records[i].embedding = Some(v);
    }
    let batch: Vec<Record> = moved.iter().map(|&i| records[i].clone()).collect();
    let moved: HashSet<String> = batch.iter().map(|r| r.id.clone()).collect();
    store.upsert(batch).unwrap();
    let gone: Vec<String> = records
        .iter()
        .skip(1)
        .step_by(5)
        .map(|r| r.id.clone())
        .collect();
    store
        .delete(&DeleteCriteria {
            record_ids: Some(gone.clone()),
            ..Default::default()
        })
        .unwrap();
    store.build_index();
    let gone: HashSet<String> = gone.into_iter().collect();
    records.retain(|r| !gone.contains(&r.id));
    // A moved record is found first by its new vector: its code was rewritten with it (a stale
    // code would rank it by the old vector and leave it out of the walk's best candidates).
    for r in records.iter().filter(|r| moved.contains(&r.id)).take(40) {
        let v = r.embedding.clone().unwrap();
        let got = store.search(&query(&v)).unwrap();
        assert_eq!(got[0].0.id, r.id);
        assert!((got[0].1 - 1.0).abs() < 1e-5);
    }
    let r = recall(&store, &records, &queries);
    assert!(r >= 0.98, "recall@10 after churn = {r}");
    for (r, _) in queries
        .iter()
        .flat_map(|v| store.search(&query(v)).unwrap())
    {
        assert!(!gone.contains(&r.id), "deleted {} returned", r.id);
    }
}

#[test]
fn codes_are_rebuilt_on_reopen() {
    let (records, queries, _) = fixture(2500, 23);
    let dir = tempfile::tempdir().unwrap();
    let before: Vec<_> = {
        let s = graph_store(Some(dir.path()), &records);
        let out = queries
            .iter()
            .map(|v| s.search(&query(v)).unwrap())
            .collect();
        s.close();
        out
    };
    let s = Store::open(Some(dir.path()), None, Durability::Flush).unwrap();
    assert!(s.index_heap_bytes() > 0, "graph attached at open");
    s.set_exact_budget(0);
    let after: Vec<_> = queries
        .iter()
        .map(|v| s.search(&query(v)).unwrap())
        .collect();
    // Same graph, same vectors, codes rebuilt from them: the same answers.
    assert_eq!(before, after);
    let r = recall(&s, &records, &queries);
    assert!(r >= 0.98, "recall@10 after reopen = {r}");
}

/// Filtered searches scan their matching rows, skipping those whose code bounds them below
/// the running `limit`-th score: the answers must still be brute force's top `limit` (ties,
/// from duplicated embeddings, broken by id), with `min_score` applied exactly.
#[test]
fn bounded_scans_of_filtered_rows_stay_exact() {
    use crewai_rust_memory::{in_scope, normalise_prefix};

    let (mut records, queries, _) = fixture(3000, 24);
    // Duplicated embeddings under other ids: equal scores, ordered by id.
    let dups: Vec<Record> = records
        .iter()
        .filter(|r| r.embedding.is_some())
        .step_by(97)
        .map(|r| Record {
            id: format!("{}-dup", r.id),
            ..r.clone()
        })
        .collect();
    records.extend(dups);
    let store = Store::open(None, None, Durability::Flush).unwrap();
    store.upsert(records.clone()).unwrap();
    let filters: Vec<(Option<&str>, Vec<String>)> = vec![
        (None, vec!["plan".into()]),
        (None, vec!["tool".into(), "misc".into()]),
        (Some("/crew/a"), vec![]),
        (Some("/crew/b"), vec!["fact".into()]),
    ];
    for (qi, v) in queries.iter().enumerate() {
        let (scope, cats) = &filters[qi % filters.len()];
        let limit = [1, 10, 37][qi % 3];
        let min_score = if qi % 4 == 3 { 0.3 } else { -1.0 };
        let q = SearchQuery {
            vector: v.clone(),
            scope_prefix: normalise_prefix(*scope),
            categories: cats.clone(),
            limit,
            min_score,
            ..Default::default()
        };
        let matching: Vec<Record> = records
            .iter()
            .filter(|r| {
                in_scope(&r.scope, q.scope_prefix.as_deref())
                    && (cats.is_empty() || r.categories.iter().any(|c| cats.contains(c)))
            })
            .cloned()
            .collect();
        let cos = |id: &str| {
            let r = matching.iter().find(|r| r.id == id).unwrap();
            cosine(r.embedding.as_ref().unwrap(), v)
        };
        let want: Vec<String> = exact_ids(&matching, &q, |_| true)
            .into_iter()
            .filter(|id| cos(id) >= min_score)
            .collect();
        let got = store.search(&q).unwrap();
        assert_eq!(got.len(), want.len(), "query {qi}: result count");
        for ((r, score), w) in got.iter().zip(&want) {
            assert!((f64::from(*score) - cos(&r.id)).abs() < 1e-5, "exact score");
            // The same record, or one scoring the same (f32 against f64 rounding).
            assert!(
                r.id == *w || (cos(&r.id) - cos(w)).abs() < 1e-6,
                "query {qi}: {} instead of {w}",
                r.id
            );
        }
    }
}

/// A filter matching 100 rows near the query and 200 far from it: the near rows' code bounds
/// all stay above the running threshold, so the scan reads more rows than it orders up front
/// (it orders the best-bounded head first, the rest only when reached) and must then still
/// take the remaining near rows before any far one, whose low bound ends the scan. The answer
/// must be brute force's top `limit` among the matching rows, best first.
#[test]
fn bounded_scans_reading_past_the_ordered_head_stay_exact() {
    let (mut records, _, centres) = fixture(1000, 31);
    let mut rng = Rng::new(7);
    let centre = centres[0].clone();
    let near = embeddings(&mut rng, 100, std::slice::from_ref(&centre));
    let far = embeddings(&mut rng, 200, &centres[8..]);
    for (i, v) in near.into_iter().chain(far).enumerate() {
        records.push(record(
            &format!("f{i:04}"),
            "/crew/n",
            &["pick"],
            "{}",
            Some(v),
        ));
    }
    let queries = embeddings(&mut rng, 12, std::slice::from_ref(&centre));
    let store = Store::open(None, None, Durability::Flush).unwrap();
    store.upsert(records.clone()).unwrap();
    let matching: Vec<Record> = records
        .iter()
        .filter(|r| r.categories.iter().any(|c| c == "pick"))
        .cloned()
        .collect();
    let exact = |id: &str, v: &[f32]| {
        let rec = matching.iter().find(|m| m.id == id).unwrap();
        cosine(rec.embedding.as_ref().unwrap(), v)
    };
    for (qi, v) in queries.iter().enumerate() {
        let limit = [1, 10, 37, 90][qi % 4];
        let q = SearchQuery {
            vector: v.clone(),
            categories: vec!["pick".into()],
            limit,
            min_score: -1.0,
            ..Default::default()
        };
        let want = exact_ids(&matching, &q, |_| true);
        let got = store.search(&q).unwrap();
        assert_eq!(got.len(), limit, "query {qi}: result count");
        for ((r, score), w) in got.iter().zip(&want) {
            assert!(
                (f64::from(*score) - exact(&r.id, v)).abs() < 1e-5,
                "exact score"
            );
            assert!(
                r.id == *w || (exact(&r.id, v) - exact(w, v)).abs() < 1e-6,
                "query {qi}: {} instead of {w}",
                r.id
            );
        }
    }
}
