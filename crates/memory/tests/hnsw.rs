//! The ANN path: recall@10 against brute force on clustered data, filters still exact to the
//! filter (every result matches), deletes and replacements kept in step, background build.

mod common;

use std::collections::HashSet;

use common::*;
use crewai_rust_memory::{DeleteCriteria, Durability, Record, SearchQuery, Store};

const DIM: usize = 48;

fn store_with(records: &[Record]) -> Store {
    let s = Store::open(None, None, Durability::Flush).unwrap();
    // Route every search to the graph.
    s.set_exact_budget(0);
    s.upsert(records.to_vec()).unwrap();
    s.build_index();
    s
}

fn recall(
    store: &Store,
    records: &[Record],
    queries: &[SearchQuery],
    keep: impl Fn(&Record) -> bool + Copy,
) -> f64 {
    let mut hit = 0;
    let mut total = 0;
    for q in queries {
        let want: HashSet<String> = exact_ids(records, q, keep).into_iter().collect();
        let got = store.search(q).unwrap();
        for (r, _) in &got {
            assert!(keep(r), "result {} violates the filter", r.id);
        }
        hit += got.iter().filter(|(r, _)| want.contains(&r.id)).count();
        total += want.len();
    }
    hit as f64 / total as f64
}

fn data(n: usize, seed: u64) -> (Vec<Record>, Vec<SearchQuery>) {
    let mut rng = Rng::new(seed);
    let vectors = clustered(&mut rng, n + 100, DIM, 40);
    let (base, qs) = vectors.split_at(n);
    let records = random_records(&mut rng, base.to_vec());
    let queries = qs
        .iter()
        .map(|v| SearchQuery {
            vector: v.clone(),
            limit: 10,
            min_score: -1.0,
            ..Default::default()
        })
        .collect();
    (records, queries)
}

#[test]
fn unfiltered_recall_at_10_is_at_least_098() {
    let (records, queries) = data(8000, 1);
    let store = store_with(&records);
    let r = recall(&store, &records, &queries, |_| true);
    assert!(r >= 0.98, "recall@10 = {r}");
}

#[test]
fn filtered_search_on_the_graph_matches_filters_and_keeps_recall() {
    let (records, queries) = data(8000, 2);
    let store = store_with(&records);
    let scoped: Vec<SearchQuery> = queries
        .iter()
        .map(|q| SearchQuery {
            scope_prefix: Some("/crew".into()),
            ..q.clone()
        })
        .collect();
    let r = recall(&store, &records, &scoped, |r| r.scope.starts_with("/crew"));
    assert!(r >= 0.98, "scoped recall@10 = {r}");
    let by_cat: Vec<SearchQuery> = queries
        .iter()
        .map(|q| SearchQuery {
            categories: vec!["plan".into()],
            ..q.clone()
        })
        .collect();
    let r = recall(&store, &records, &by_cat, |r| {
        r.categories.iter().any(|c| c == "plan")
    });
    assert!(r >= 0.98, "category recall@10 = {r}");
}

#[test]
fn graph_follows_deletes_and_replacements() {
    let (mut records, queries) = data(6000, 3);
    let store = store_with(&records);
    // Delete a third, replace a third with new vectors, then check recall on what is left.
    let gone: Vec<String> = records.iter().step_by(3).map(|r| r.id.clone()).collect();
    store
        .delete(&DeleteCriteria {
            record_ids: Some(gone.clone()),
            ..Default::default()
        })
        .unwrap();
    let gone: HashSet<String> = gone.into_iter().collect();
    records.retain(|r| !gone.contains(&r.id));
    let mut rng = Rng::new(99);
    let fresh = clustered(&mut rng, records.len(), DIM, 40);
    for (r, v) in records.iter_mut().zip(fresh).step_by(2) {
        if r.embedding.is_some() {
            r.embedding = Some(v);
        }
    }
    store.upsert(records.clone()).unwrap();
    let r = recall(&store, &records, &queries, |_| true);
    assert!(r >= 0.98, "recall@10 after churn = {r}");
}

#[test]
fn background_build_switches_on_and_matches_exact() {
    let (records, queries) = data(4000, 4);
    let store = Store::open(None, None, Durability::Flush).unwrap();
    store.set_exact_budget(DIM * 1000);
    store.upsert(records[..2000].to_vec()).unwrap();
    // Writes while the build runs are replayed into the graph before it is used.
    store.upsert(records[2000..].to_vec()).unwrap();
    assert!(store.wait_for_index());
    let r = recall(&store, &records, &queries, |_| true);
    assert!(r >= 0.98, "recall@10 after background build = {r}");
}

#[test]
fn saved_graph_is_attached_on_reopen_and_damage_is_ignored() {
    let (records, queries) = data(3000, 5);
    let dir = tempfile::tempdir().unwrap();
    {
        let s = Store::open(Some(dir.path()), None, Durability::Flush).unwrap();
        s.set_exact_budget(0);
        s.upsert(records[..2500].to_vec()).unwrap();
        s.build_index();
        s.close();
    }
    // Written after the graph was saved: replayed into the attached graph as pending vectors.
    {
        let s = Store::open(Some(dir.path()), None, Durability::Flush).unwrap();
        assert!(s.index_heap_bytes() > 0, "graph attached at open");
        s.upsert(records[2500..].to_vec()).unwrap();
        // Closed at once: the graph is saved with the vectors it has not linked yet.
        s.close();
    }
    let s = Store::open(Some(dir.path()), None, Durability::Flush).unwrap();
    s.set_exact_budget(0);
    assert!(s.wait_for_index());
    let r = recall(&s, &records, &queries, |_| true);
    assert!(r >= 0.98, "recall@10 after reopen = {r}");
    s.close();

    let path = dir.path().join("memory.hnsw");
    let mut bytes = std::fs::read(&path).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x55;
    std::fs::write(&path, bytes).unwrap();
    let s = Store::open(Some(dir.path()), None, Durability::Flush).unwrap();
    assert_eq!(s.index_heap_bytes(), 0, "a damaged graph file is not used");
    s.set_exact_budget(0);
    let r = recall(&s, &records, &queries, |_| true);
    assert!(r >= 0.98, "exact answers without the graph: {r}");
}

/// With the graph serving unfiltered searches, selective filters (here: one category, or a
/// narrow scope, with or without metadata) are still answered exactly: the top-k of brute
/// force over the matching records, for any query.
mod filtered_exactness {
    use super::*;
    use crewai_rust_memory::{in_scope, normalise_prefix};
    use proptest::prelude::*;
    use std::sync::OnceLock;

    /// Scopes holding about a seventh of the records each (no sub-scopes).
    const LEAVES: [&str; 4] = ["/crew/a/x", "/crew/ab", "/crew/b", "/other"];

    fn fixture() -> &'static (Store, Vec<Record>) {
        static F: OnceLock<(Store, Vec<Record>)> = OnceLock::new();
        F.get_or_init(|| {
            let (records, _) = data(4000, 11);
            let s = Store::open(None, None, Durability::Flush).unwrap();
            // Unfiltered searches (4,000 rows) go to the graph, filtered pools do not.
            s.set_exact_budget(DIM * 1000);
            s.upsert(records.clone()).unwrap();
            s.build_index();
            (s, records)
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn selective_filters_give_brute_force_top_k(
            seed in any::<u64>(),
            which in 0usize..3,
            cat in 0usize..CATS.len(),
            scope in 0usize..LEAVES.len(),
            limit in 1usize..40,
        ) {
            let (store, records) = fixture();
            let mut rng = common::Rng::new(seed);
            let q = SearchQuery {
                vector: (0..DIM).map(|_| rng.gauss()).collect(),
                scope_prefix: (which != 0).then(|| normalise_prefix(Some(LEAVES[scope]))).flatten(),
                categories: if which != 1 { vec![CATS[cat].to_owned()] } else { vec![] },
                limit,
                min_score: -1.0,
                ..Default::default()
            };
            prop_assume!(q.scope_prefix.is_some() || !q.categories.is_empty());
            let keep = |r: &Record| {
                in_scope(&r.scope, q.scope_prefix.as_deref())
                    && (q.categories.is_empty() || r.categories.iter().any(|c| q.categories.contains(c)))
            };
            let want = exact_ids(records, &q, keep);
            let got: Vec<String> = store.search(&q).unwrap().into_iter().map(|(r, _)| r.id).collect();
            prop_assert_eq!(got, want);
        }
    }
}
