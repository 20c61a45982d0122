//! Scope aggregates (`scope_info`, `list_categories`, `count`, `list_scopes`) against a
//! brute-force recount of a model, after random operations, compaction, reopen and another
//! handle's writes caught up from the file.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use common::*;
use crewai_rust_memory::{DeleteCriteria, Durability, Record, Store, in_scope, normalise_prefix};

const IDS: usize = 60;
const OP_SCOPES: [&str; 6] = [
    "/crew",
    "/crew/a",
    "/crew/a/x",
    "/crew/ab",
    "/crew/b",
    "/other",
];

fn random_record(rng: &mut Rng) -> Record {
    let id = format!("r{:03}", rng.below(IDS));
    let scope = OP_SCOPES[rng.below(OP_SCOPES.len())];
    // Up to three categories, repeats included (a repeat counts once per record).
    let cats: Vec<&str> = (0..rng.below(4)).map(|_| CATS[rng.below(3)]).collect();
    let mut r = record(&id, scope, &cats, "{}", Some(vec![rng.unit(), 1.0]));
    // Few distinct times, so oldest / newest ties (resolved by id) are common.
    r.created_us = rng.below(8) as i64;
    r.created_at = format!("t{}-{id}", r.created_us);
    r
}

/// One random write on `store`, mirrored on `model`.
fn random_op(rng: &mut Rng, store: &Store, model: &mut BTreeMap<String, Record>) {
    match rng.below(10) {
        0..=4 => {
            let batch: Vec<Record> = (0..1 + rng.below(4)).map(|_| random_record(rng)).collect();
            for r in &batch {
                model.insert(r.id.clone(), r.clone());
            }
            store.upsert(batch).unwrap();
        }
        5 => {
            let ids: Vec<String> = (0..3).map(|_| format!("r{:03}", rng.below(IDS))).collect();
            for id in &ids {
                model.remove(id);
            }
            store
                .delete(&DeleteCriteria {
                    record_ids: Some(ids),
                    ..Default::default()
                })
                .unwrap();
        }
        6 => {
            let cat = CATS[rng.below(3)];
            model.retain(|_, r| !r.categories.iter().any(|c| c == cat));
            store
                .delete(&DeleteCriteria {
                    categories: vec![cat.to_owned()],
                    ..Default::default()
                })
                .unwrap();
        }
        7 => {
            let scope = OP_SCOPES[rng.below(OP_SCOPES.len())];
            model.retain(|_, r| !in_scope(&r.scope, Some(scope)));
            store.reset(Some(scope)).unwrap();
        }
        8 => {
            let id = format!("r{:03}", rng.below(IDS));
            if let Some(r) = model.get_mut(&id) {
                r.last_accessed = "touched".into();
            }
            store.touch(&[id], "touched").unwrap();
        }
        _ => {
            if rng.below(6) == 0 {
                model.clear();
                store.reset(None).unwrap();
            } else {
                store.compact().unwrap();
            }
        }
    }
}

/// Every aggregate query of `store`, for every prefix, equals a recount of `model`.
fn check(store: &Store, model: &BTreeMap<String, Record>, when: &str) {
    for prefix in SCOPES {
        let canon = normalise_prefix(Some(prefix));
        let inside: Vec<&Record> = model
            .values()
            .filter(|r| in_scope(&r.scope, canon.as_deref()))
            .collect();
        let mut cats: BTreeMap<String, usize> = BTreeMap::new();
        for r in &inside {
            for c in r.categories.iter().collect::<BTreeSet<_>>() {
                *cats.entry(c.clone()).or_insert(0) += 1;
            }
        }
        let oldest = inside
            .iter()
            .min_by(|a, b| (a.created_us, &a.id).cmp(&(b.created_us, &b.id)))
            .map(|r| r.created_at.clone());
        let newest = inside
            .iter()
            .min_by(|a, b| (-a.created_us, &a.id).cmp(&(-b.created_us, &b.id)))
            .map(|r| r.created_at.clone());
        let children: BTreeSet<String> = inside
            .iter()
            .filter_map(|r| crewai_rust_memory::child_of(&r.scope, canon.as_deref()))
            .collect();
        let children: Vec<String> = children.into_iter().collect();

        let info = store.scope_info(prefix, canon.as_deref()).unwrap();
        let at = format!("{when}, prefix {prefix}");
        assert_eq!(info.record_count, inside.len(), "{at}");
        assert_eq!(
            info.categories,
            cats.keys().cloned().collect::<Vec<_>>(),
            "{at}"
        );
        assert_eq!(info.oldest_created_at, oldest, "{at}");
        assert_eq!(info.newest_created_at, newest, "{at}");
        assert_eq!(info.child_scopes, children, "{at}");
        assert_eq!(
            store.list_categories(canon.as_deref()).unwrap(),
            cats,
            "{at}"
        );
        assert_eq!(store.count(canon.as_deref()).unwrap(), inside.len(), "{at}");
        assert_eq!(
            store.list_scopes(canon.as_deref()).unwrap(),
            children,
            "{at}"
        );
    }
}

fn open(dir: &Path) -> Store {
    Store::open(Some(dir), None, Durability::Flush).unwrap()
}

#[test]
fn aggregates_equal_a_recount_after_random_operations() {
    for seed in 0..6 {
        let mut rng = Rng::new(seed);
        let store = Store::open(None, None, Durability::Flush).unwrap();
        let mut model = BTreeMap::new();
        for step in 0..300 {
            random_op(&mut rng, &store, &mut model);
            if step % 7 == 0 {
                check(&store, &model, &format!("seed {seed} step {step}"));
            }
        }
        check(&store, &model, &format!("seed {seed} end"));
    }
}

#[test]
fn aggregates_survive_compaction_reopen_and_another_handles_writes() {
    for seed in 10..14 {
        let dir = tempfile::tempdir().unwrap();
        let mut rng = Rng::new(seed);
        let mut model = BTreeMap::new();
        let (mut a, b) = (open(dir.path()), open(dir.path()));
        for step in 0..200 {
            // Writes alternate between the handles; each sees the other's by catching up.
            let writer = if rng.below(2) == 0 { &a } else { &b };
            random_op(&mut rng, writer, &mut model);
            if step % 9 == 0 {
                check(&a, &model, &format!("seed {seed} step {step}, handle a"));
                check(&b, &model, &format!("seed {seed} step {step}, handle b"));
            }
            if step % 50 == 49 {
                a.close();
                a = open(dir.path());
                check(&a, &model, &format!("seed {seed} reopened"));
            }
        }
        b.close();
        check(
            &open(dir.path()),
            &model,
            &format!("seed {seed} end, reopened"),
        );
    }
}

/// crewai's LanceDB store caps its scans at 50,000 rows; these answers come from the aggregates
/// and stay exact past that, through a delete and a reopen.
#[test]
fn aggregates_stay_exact_past_lancedbs_50000_row_cap() {
    let dir = tempfile::tempdir().unwrap();
    let n = 60_000;
    let scope = |i: usize| {
        if i.is_multiple_of(3) {
            "/crew/b"
        } else {
            "/crew/a"
        }
    };
    let cats = |i: usize| {
        if i.is_multiple_of(4) {
            vec!["c0", "c1"]
        } else {
            vec!["c1"]
        }
    };
    {
        let store = open(dir.path());
        for lo in (0..n).step_by(10_000) {
            let batch = (lo..lo + 10_000)
                .map(|i| {
                    let mut r = record(&format!("r{i:06}"), scope(i), &cats(i), "{}", None);
                    r.created_us = i as i64;
                    r
                })
                .collect();
            store.upsert(batch).unwrap();
        }
        // The oldest 5,000 records go: 1,667 of them in /crew/b, 1,250 carrying c0.
        let gone = store
            .delete(&DeleteCriteria {
                older_than_us: Some(5_000),
                ..DeleteCriteria::default()
            })
            .unwrap();
        assert_eq!(gone, 5_000);
    }
    let store = open(dir.path());
    let live = 5_000..n;
    let count_where = |f: &dyn Fn(usize) -> bool| live.clone().filter(|&i| f(i)).count();
    assert_eq!(store.count(None).unwrap(), 55_000);
    assert_eq!(
        store.count(Some("/crew/b")).unwrap(),
        count_where(&|i| i.is_multiple_of(3))
    );
    assert_eq!(
        store.count(Some("/crew/a")).unwrap(),
        count_where(&|i| !i.is_multiple_of(3))
    );
    let categories = store.list_categories(None).unwrap();
    assert_eq!(categories["c0"], count_where(&|i| i.is_multiple_of(4)));
    assert_eq!(categories["c1"], 55_000);
    let info = store.scope_info("/crew", Some("/crew")).unwrap();
    assert_eq!(info.record_count, 55_000);
    assert_eq!(
        info.child_scopes,
        vec!["/crew/a".to_owned(), "/crew/b".to_owned()]
    );
}
