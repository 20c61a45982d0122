//! Search and listing under filters equal brute force over the same records.

mod common;

use common::*;
use crewai_rust_memory::{
    DeleteCriteria, Durability, Record, SearchQuery, Store, in_scope, json_equal, normalise_prefix,
};
use serde_json::Value;

/// What a correct engine must return: every matching record scored, best first, ties by id.
fn brute_force(records: &[Record], q: &SearchQuery) -> Vec<(String, f64)> {
    let mut scored: Vec<(String, f64)> = records
        .iter()
        .filter(|r| r.embedding.is_some())
        .filter(|r| in_scope(&r.scope, q.scope_prefix.as_deref()))
        .filter(|r| {
            q.categories.is_empty() || r.categories.iter().any(|c| q.categories.contains(c))
        })
        .filter(|r| {
            let meta: Value = serde_json::from_str(&r.metadata).unwrap();
            q.metadata_filter.as_ref().is_none_or(|f| {
                f.iter().all(|(k, v)| match meta.get(k) {
                    Some(have) => json_equal(have, v),
                    None => v.is_null(),
                })
            })
        })
        .map(|r| {
            (
                r.id.clone(),
                cosine(r.embedding.as_ref().unwrap(), &q.vector),
            )
        })
        .filter(|(_, s)| *s >= q.min_score - 1e-6)
        .collect();
    scored.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    scored.truncate(q.limit);
    scored
}

fn filters(
    rng: &mut Rng,
) -> (
    Option<String>,
    Vec<String>,
    Option<serde_json::Map<String, Value>>,
) {
    let scope = match rng.below(3) {
        0 => None,
        _ => normalise_prefix(Some(SCOPES[rng.below(SCOPES.len())])),
    };
    let cats = match rng.below(3) {
        0 => vec![CATS[rng.below(CATS.len())].to_owned()],
        1 => vec![CATS[rng.below(CATS.len())].to_owned(), "absent".to_owned()],
        _ => vec![],
    };
    let meta = match rng.below(5) {
        0 => Some(r#"{"n":1}"#),
        1 => Some(r#"{"agent":"a1","n":2.0}"#),
        2 => Some(r#"{"flag":true}"#),
        3 => Some(r#"{"missing":null}"#),
        _ => None,
    }
    .map(|t| {
        serde_json::from_str::<Value>(t)
            .unwrap()
            .as_object()
            .unwrap()
            .clone()
    });
    (scope, cats, meta)
}

#[test]
fn filtered_search_is_exact_top_k() {
    let mut rng = Rng::new(7);
    let vectors = clustered(&mut rng, 3000, 24, 12);
    let records = random_records(&mut rng, vectors);
    let store = Store::open(None, None, Durability::Flush).unwrap();
    for chunk in records.chunks(500) {
        store.upsert(chunk.to_vec()).unwrap();
    }
    for round in 0..300 {
        let (scope_prefix, categories, metadata_filter) = filters(&mut rng);
        let q = SearchQuery {
            vector: (0..24).map(|_| rng.gauss()).collect(),
            scope_prefix,
            categories,
            metadata_filter,
            limit: [1, 5, 10, 50][rng.below(4)],
            min_score: if rng.below(4) == 0 { 0.2 } else { -1.0 },
        };
        let want = brute_force(&records, &q);
        let got = store.search(&q).unwrap();
        let got_ids: Vec<&str> = got.iter().map(|(r, _)| r.id.as_str()).collect();
        let want_ids: Vec<&str> = want.iter().map(|(id, _)| id.as_str()).collect();
        assert_eq!(got_ids, want_ids, "round {round}: {q:?}");
        for ((_, s), (_, w)) in got.iter().zip(&want) {
            assert!((f64::from(*s) - w).abs() < 1e-4);
        }
    }
}

#[test]
fn counts_listing_and_deletes_match_brute_force() {
    let mut rng = Rng::new(11);
    let vectors = clustered(&mut rng, 800, 8, 4);
    let records = random_records(&mut rng, vectors);
    let store = Store::open(None, None, Durability::Flush).unwrap();
    store.upsert(records.clone()).unwrap();
    for scope in SCOPES {
        let canon = normalise_prefix(Some(scope));
        let inside: Vec<&Record> = records
            .iter()
            .filter(|r| in_scope(&r.scope, canon.as_deref()))
            .collect();
        assert_eq!(
            store.count(canon.as_deref()).unwrap(),
            inside.len(),
            "{scope}"
        );
        let mut want: Vec<&Record> = inside.clone();
        want.sort_by(|a, b| {
            b.created_us
                .cmp(&a.created_us)
                .then_with(|| a.id.cmp(&b.id))
        });
        let got = store.list_records(canon.as_deref(), 25, 10).unwrap();
        let want_ids: Vec<&str> = want
            .iter()
            .skip(10)
            .take(25)
            .map(|r| r.id.as_str())
            .collect();
        assert_eq!(
            got.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(),
            want_ids
        );
        let cats = store.list_categories(canon.as_deref()).unwrap();
        for c in CATS {
            let n = inside
                .iter()
                .filter(|r| r.categories.iter().any(|x| x == c))
                .count();
            assert_eq!(cats.get(c).copied().unwrap_or(0), n, "{scope} {c}");
        }
    }
    let info = store.scope_info("/crew/a", Some("/crew/a")).unwrap();
    assert_eq!(info.child_scopes, vec!["/crew/a/x".to_owned()]);
    assert_eq!(
        store.list_scopes(Some("/crew")).unwrap(),
        vec![
            "/crew/a".to_owned(),
            "/crew/ab".to_owned(),
            "/crew/b".to_owned()
        ]
    );
    assert_eq!(
        store.list_scopes(None).unwrap(),
        vec!["/crew".to_owned(), "/other".to_owned()]
    );

    let criteria = DeleteCriteria {
        scope_prefix: Some("/crew/a".into()),
        categories: vec!["fact".into()],
        older_than_us: Some(500),
        ..Default::default()
    };
    let want: usize = records
        .iter()
        .filter(|r| in_scope(&r.scope, Some("/crew/a")))
        .filter(|r| r.categories.iter().any(|c| c == "fact") && r.created_us < 500)
        .count();
    assert!(want > 0, "the generated data should exercise the delete");
    assert_eq!(store.delete(&criteria).unwrap(), want);
    assert_eq!(store.len().unwrap(), records.len() - want);
    assert_eq!(store.delete(&DeleteCriteria::default()).unwrap(), 0);
    assert_eq!(store.len().unwrap(), records.len() - want);
}

#[test]
fn scope_prefix_is_segment_wise() {
    let store = Store::open(None, None, Durability::Flush).unwrap();
    let mk = |id: &str, scope: &str| record(id, scope, &[], "{}", Some(vec![1.0, 0.0]));
    store
        .upsert(vec![
            mk("1", "/crew/a"),
            mk("2", "/crew/a/x"),
            mk("3", "/crew/ab"),
            mk("4", "/crew"),
        ])
        .unwrap();
    let q = |p: &str| SearchQuery {
        vector: vec![1.0, 0.0],
        scope_prefix: normalise_prefix(Some(p)),
        limit: 10,
        min_score: 0.0,
        ..Default::default()
    };
    let ids = |p: &str| {
        let mut v: Vec<String> = store
            .search(&q(p))
            .unwrap()
            .into_iter()
            .map(|(r, _)| r.id)
            .collect();
        v.sort();
        v
    };
    assert_eq!(ids("/crew/a"), vec!["1", "2"]);
    assert_eq!(ids("/crew/a/"), vec!["1", "2"]);
    assert_eq!(ids("/crew"), vec!["1", "2", "3", "4"]);
    assert_eq!(ids("/"), vec!["1", "2", "3", "4"]);
    assert_eq!(store.count(Some("/crew/a")).unwrap(), 2);
}

/// The ids `store` returns for `q`, and those brute force over `live` says it must return.
fn search_and_brute_force_ids(
    store: &Store,
    live: &[Record],
    q: &SearchQuery,
) -> (Vec<String>, Vec<String>) {
    let got = store.search(q).unwrap().into_iter().map(|(r, _)| r.id);
    let want = brute_force(live, q).into_iter().map(|(id, _)| id);
    (got.collect(), want.collect())
}

/// Records without an embedding never reach a vector search, also when they take over the slot
/// of a deleted record that had one (its vector stays behind as a graph waypoint), and a record
/// that gains or loses its embedding on update is found or not found accordingly: filtered
/// (candidates tested one by one), unfiltered, exact scan and graph alike.
#[test]
fn searches_see_embeddings_as_they_come_and_go_in_reused_slots() {
    let dim = 8;
    let mut rng = Rng::new(5);
    let mut vec = || -> Vec<f32> { (0..dim).map(|_| rng.gauss()).collect() };
    for exact_budget in [usize::MAX, 0] {
        let store = Store::open(None, None, Durability::Flush).unwrap();
        store.set_exact_budget(exact_budget);
        let mut live: Vec<Record> = (0..200)
            .map(|i| {
                let emb = (i % 3 != 0).then(&mut vec);
                record(&format!("r{i:03}"), "/crew", &["x"], "{}", emb)
            })
            .collect();
        store.upsert(live.clone()).unwrap();
        store.build_index();
        // Delete every record with an embedding among the first 100: their slots are reused
        // below by records without one.
        let gone: Vec<String> = live[..100]
            .iter()
            .filter(|r| r.embedding.is_some())
            .map(|r| r.id.clone())
            .collect();
        store
            .delete(&DeleteCriteria {
                record_ids: Some(gone.clone()),
                ..Default::default()
            })
            .unwrap();
        live.retain(|r| !gone.contains(&r.id));
        let plain: Vec<Record> = (0..gone.len())
            .map(|i| record(&format!("p{i:03}"), "/crew", &["x"], "{}", None))
            .collect();
        store.upsert(plain.clone()).unwrap();
        live.extend(plain);
        // Updates: ten records lose their embedding, ten gain one.
        for r in live.iter_mut().filter(|r| r.embedding.is_some()).take(10) {
            r.embedding = None;
            store.upsert(vec![r.clone()]).unwrap();
        }
        for r in live.iter_mut().filter(|r| r.id.starts_with('p')).take(10) {
            r.embedding = Some(vec());
            store.upsert(vec![r.clone()]).unwrap();
        }
        for categories in [vec![], vec!["x".to_owned()]] {
            let q = SearchQuery {
                vector: vec(),
                categories,
                limit: 500,
                min_score: -1.0,
                ..Default::default()
            };
            let (mut got, mut want) = search_and_brute_force_ids(&store, &live, &q);
            got.sort();
            want.sort();
            assert_eq!(got, want, "budget {exact_budget}, {:?}", q.categories);
        }
    }
}

/// Category and scope filters read each posting list's flat copy, made on the first read:
/// every later write (a new member, a deleted one, a record moved to another category or
/// scope) must show in the next search.
#[test]
fn filtered_searches_follow_writes_after_reading_the_postings() {
    let dim = 8;
    let mut rng = Rng::new(11);
    let mut vec = || -> Vec<f32> { (0..dim).map(|_| rng.gauss()).collect() };
    let store = Store::open(None, None, Durability::Flush).unwrap();
    let mut live: Vec<Record> = (0..60)
        .map(|i| {
            let (scope, cat) = if i % 2 == 0 {
                ("/crew/a", "x")
            } else {
                ("/crew/b", "y")
            };
            record(&format!("r{i:03}"), scope, &[cat], "{}", Some(vec()))
        })
        .collect();
    store.upsert(live.clone()).unwrap();
    let query = vec();
    let check = |live: &[Record], step: &str| {
        for (scope, cats) in [
            (None, vec!["x"]),
            (Some("/crew/a"), vec![]),
            (None, vec!["y", "x"]),
        ] {
            let q = SearchQuery {
                vector: query.clone(),
                scope_prefix: normalise_prefix(scope),
                categories: cats.iter().map(|c| (*c).to_owned()).collect(),
                limit: 100,
                min_score: -1.0,
                ..Default::default()
            };
            let (got, want) = search_and_brute_force_ids(&store, live, &q);
            assert_eq!(got, want, "{step}: scope {scope:?}, categories {cats:?}");
        }
    };
    check(&live, "initial");
    let extra = record("new", "/crew/a", &["x"], "{}", Some(vec()));
    store.upsert(vec![extra.clone()]).unwrap();
    live.push(extra);
    check(&live, "after a new member");
    store
        .delete(&DeleteCriteria {
            record_ids: Some(vec!["r000".into(), "r002".into()]),
            ..Default::default()
        })
        .unwrap();
    live.retain(|r| r.id != "r000" && r.id != "r002");
    check(&live, "after deletes");
    let moved = live.iter_mut().find(|r| r.id == "r004").unwrap();
    moved.categories = vec!["y".into()];
    moved.scope = "/crew/b".into();
    store.upsert(vec![moved.clone()]).unwrap();
    check(&live, "after a record moved");
}
