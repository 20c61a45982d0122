//! Full-text and hybrid search through the store: the index follows upsert/update/delete/reset,
//! is rebuilt on reopen, and filters give the exact top-k scored as if the matching records were
//! stored alone (compared with a standalone index of just those records).

mod common;

use common::*;
use crewai_rust_memory::text::{Candidate, TextIndex, fuse};
use crewai_rust_memory::{
    DeleteCriteria, Durability, HybridQuery, Record, Store, TextSearchQuery, in_scope,
    normalise_prefix,
};

const WORDS: [&str; 10] = [
    "caroline", "melanie", "support", "group", "painting", "sunrise", "lake", "camping", "beach",
    "pottery",
];

fn records(n: usize, seed: u64) -> Vec<Record> {
    let mut rng = Rng::new(seed);
    (0..n)
        .map(|i| {
            let mut r = record(
                &format!("r{i:04}"),
                SCOPES[rng.below(SCOPES.len())],
                &[["a", "b", "c"][rng.below(3)]],
                "{}",
                (rng.below(5) > 0).then(|| (0..8).map(|_| rng.gauss()).collect()),
            );
            r.content = (0..1 + rng.below(8))
                .map(|_| WORDS[rng.below(WORDS.len())])
                .collect::<Vec<_>>()
                .join(" ");
            r
        })
        .collect()
}

fn text_query(text: &str, scope: Option<&str>, cats: &[&str], limit: usize) -> TextSearchQuery {
    TextSearchQuery {
        text: text.into(),
        scope_prefix: normalise_prefix(scope),
        categories: cats.iter().map(|c| (*c).to_owned()).collect(),
        limit,
        ..Default::default()
    }
}

/// The expected text ranking: a standalone index of just the records the filters select.
fn expected_text(recs: &[Record], q: &TextSearchQuery) -> Vec<(String, f64)> {
    let mut ix = TextIndex::default();
    for (i, r) in recs.iter().enumerate() {
        if in_scope(&r.scope, q.scope_prefix.as_deref())
            && (q.categories.is_empty() || r.categories.iter().any(|c| q.categories.contains(c)))
        {
            ix.add(i as u32, &r.content);
        }
    }
    let query = ix.query(&q.text);
    ix.search_by(
        &query,
        q.limit,
        |_| true,
        |a, b| recs[a as usize].id.cmp(&recs[b as usize].id),
    )
    .into_iter()
    .map(|(i, s)| (recs[i as usize].id.clone(), query.normalize(s)))
    .collect()
}

fn ids_scores(hits: Vec<(Record, f64)>) -> Vec<(String, f64)> {
    hits.into_iter().map(|(r, s)| (r.id, s)).collect()
}

#[test]
fn text_search_is_exact_under_filters() {
    let recs = records(400, 1);
    let store = Store::open(None, None, Durability::Flush).unwrap();
    store.upsert(recs.clone()).unwrap();
    for (text, scope, cats) in [
        ("caroline support group", None, vec![]),
        ("pottery lake", Some("/crew/a"), vec![]),
        ("sunrise painting", Some("/crew"), vec!["b"]),
        ("beach", None, vec!["a", "c"]),
    ] {
        let q = text_query(text, scope, &cats, 7);
        let got = ids_scores(store.search_text(&q).unwrap());
        assert_eq!(got, expected_text(&recs, &q), "{text} {scope:?} {cats:?}");
        assert_eq!(got.len(), 7);
        assert!(got.iter().all(|(_, s)| (0.0..=1.0).contains(s)));
    }
}

#[test]
fn text_index_follows_writes_and_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(Some(dir.path()), None, Durability::Flush).unwrap();
    let mut recs = records(50, 2);
    store.upsert(recs.clone()).unwrap();
    let mut updated = recs[3].clone();
    updated.content = "zebra crossing".into();
    assert!(store.update(updated.clone()).unwrap());
    recs[3] = updated;
    let zebra = text_query("zebra", None, &[], 5);
    assert_eq!(ids_scores(store.search_text(&zebra).unwrap()).len(), 1);
    store
        .delete(&DeleteCriteria {
            record_ids: Some(vec![recs[3].id.clone()]),
            ..Default::default()
        })
        .unwrap();
    assert!(store.search_text(&zebra).unwrap().is_empty());
    recs.remove(3);
    // Another handle (a reopen) rebuilds the same index from the log.
    let q = text_query("caroline melanie", None, &[], 10);
    let before = ids_scores(store.search_text(&q).unwrap());
    let reopened = Store::open(Some(dir.path()), None, Durability::Flush).unwrap();
    assert_eq!(ids_scores(reopened.search_text(&q).unwrap()), before);
    assert_eq!(before, expected_text(&recs, &q));
    store.reset(None).unwrap();
    assert!(store.search_text(&q).unwrap().is_empty());
    assert!(reopened.search_text(&q).unwrap().is_empty());
}

#[test]
fn hybrid_fuses_text_and_vector_candidates() {
    // Fewer matching records than the candidate pool, so pool-based fusion must equal exact fusion.
    let recs = records(60, 3);
    let store = Store::open(None, None, Durability::Flush).unwrap();
    store.upsert(recs.clone()).unwrap();
    let mut rng = Rng::new(9);
    let vector: Vec<f32> = (0..8).map(|_| rng.gauss()).collect();
    let q = HybridQuery {
        text: "pottery camping".into(),
        vector: vector.clone(),
        scope_prefix: normalise_prefix(Some("/crew")),
        limit: 10,
        weight: 0.7,
        ..Default::default()
    };
    let got = ids_scores(store.search_hybrid(&q).unwrap());
    // Expected: fuse every matching record (a pool as large as the collection is exact), BM25
    // from an index of the matching records alone.
    let mut ix = TextIndex::default();
    for (i, r) in recs.iter().enumerate() {
        if in_scope(&r.scope, q.scope_prefix.as_deref()) {
            ix.add(i as u32, &r.content);
        }
    }
    let query = ix.query(&q.text);
    let norm = |v: &[f32]| v.iter().map(|x| x * x).sum::<f32>().sqrt();
    let cands: Vec<Candidate> = recs
        .iter()
        .enumerate()
        .filter(|(_, r)| in_scope(&r.scope, q.scope_prefix.as_deref()))
        .map(|(i, r)| Candidate {
            doc: i as u32,
            text: ix.score(&query, i as u32),
            vector: r.embedding.as_ref().map_or(0.0, |e| {
                let d: f32 = e.iter().zip(&vector).map(|(a, b)| a * b).sum();
                f64::from(d / (norm(e) * norm(&vector)))
            }),
        })
        .collect();
    let want: Vec<(String, f64)> = fuse(&cands, 0.7, 10)
        .into_iter()
        .map(|(i, s)| (recs[i as usize].id.clone(), s))
        .collect();
    assert_eq!(got.len(), 10);
    let got_ids: Vec<&String> = got.iter().map(|h| &h.0).collect();
    let want_ids: Vec<&String> = want.iter().map(|h| &h.0).collect();
    assert_eq!(got_ids, want_ids);
    for ((_, a), (_, b)) in got.iter().zip(&want) {
        assert!((a - b).abs() < 1e-5, "{a} vs {b}");
    }
}

#[test]
fn hybrid_errors_and_edges() {
    let store = Store::open(None, None, Durability::Flush).unwrap();
    let q = |vector: Vec<f32>, weight: f64| HybridQuery {
        text: "anything".into(),
        vector,
        limit: 5,
        weight,
        ..Default::default()
    };
    // An empty store finds nothing; no dimension is known yet.
    assert!(
        store
            .search_hybrid(&q(vec![1.0, 0.0], 0.5))
            .unwrap()
            .is_empty()
    );
    store.upsert(records(20, 4)).unwrap();
    assert!(store.search_hybrid(&q(vec![1.0, 0.0], 0.5)).is_err());
    assert!(store.search_hybrid(&q(vec![0.5; 8], 1.5)).is_err());
    assert!(store.search_hybrid(&q(vec![f32::NAN; 8], 0.5)).is_err());
    let hostile = HybridQuery {
        text: "\"*:- ".repeat(200_000),
        vector: vec![0.5; 8],
        limit: 5,
        weight: 0.5,
        ..Default::default()
    };
    assert_eq!(store.search_hybrid(&hostile).unwrap().len(), 5);
    assert!(
        store
            .search_text(&text_query(&hostile.text, None, &[], 5))
            .unwrap()
            .is_empty()
    );
}
