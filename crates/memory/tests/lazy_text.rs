//! The full-text index is built on the first text search, not on open: a store that builds it
//! late (after many writes, or after reopening) answers exactly as one that kept it in step
//! with every write from the start.

mod common;

use common::*;
use crewai_rust_memory::{DeleteCriteria, Durability, Record, Store, TextSearchQuery};

const WORDS: [&str; 8] = [
    "sunrise", "lake", "camping", "beach", "pottery", "support", "group", "painting",
];

fn rec(rng: &mut Rng) -> Record {
    let id = format!("r{:03}", rng.below(80));
    let mut r = record(
        &id,
        SCOPES[1 + rng.below(SCOPES.len() - 1)],
        &["a"],
        "{}",
        None,
    );
    r.content = (0..1 + rng.below(6))
        .map(|_| WORDS[rng.below(WORDS.len())])
        .collect::<Vec<_>>()
        .join(" ");
    r
}

fn queries() -> Vec<TextSearchQuery> {
    [
        "lake",
        "camping beach",
        "support group painting",
        "sunrise pottery lake",
    ]
    .iter()
    .map(|t| TextSearchQuery {
        text: (*t).into(),
        limit: 15,
        ..Default::default()
    })
    .collect()
}

fn answers(store: &Store) -> Vec<Vec<(String, f64)>> {
    queries()
        .iter()
        .map(|q| {
            store
                .search_text(q)
                .unwrap()
                .into_iter()
                .map(|(r, s)| (r.id, s))
                .collect()
        })
        .collect()
}

#[test]
fn late_built_text_index_equals_one_kept_in_step() {
    for seed in 0..4 {
        let dir = tempfile::tempdir().unwrap();
        let mut rng = Rng::new(seed);
        let eager = Store::open(None, None, Durability::Flush).unwrap();
        let lazy = Store::open(Some(dir.path()), None, Durability::Flush).unwrap();
        // Build the eager store's index now, so every later write updates it incrementally.
        assert!(answers(&eager).iter().all(Vec::is_empty));
        for _ in 0..400 {
            if rng.below(6) == 0 {
                let ids: Vec<String> = (0..3).map(|_| format!("r{:03}", rng.below(80))).collect();
                let criteria = DeleteCriteria {
                    record_ids: Some(ids),
                    ..Default::default()
                };
                assert_eq!(
                    eager.delete(&criteria).unwrap(),
                    lazy.delete(&criteria).unwrap()
                );
            } else {
                let batch: Vec<Record> = (0..1 + rng.below(3)).map(|_| rec(&mut rng)).collect();
                eager.upsert(batch.clone()).unwrap();
                lazy.upsert(batch).unwrap();
            }
        }
        let want = answers(&eager);
        assert!(
            want.iter().any(|a| !a.is_empty()),
            "the data should match the queries"
        );
        assert_eq!(answers(&lazy), want, "seed {seed}: built after the writes");
        lazy.close();
        let reopened = Store::open(Some(dir.path()), None, Durability::Flush).unwrap();
        assert_eq!(
            answers(&reopened),
            want,
            "seed {seed}: built after reopening"
        );
        // Writes after the late build keep it in step.
        let more: Vec<Record> = (0..30).map(|_| rec(&mut rng)).collect();
        eager.upsert(more.clone()).unwrap();
        reopened.upsert(more).unwrap();
        assert_eq!(
            answers(&reopened),
            answers(&eager),
            "seed {seed}: writes after the build"
        );
    }
}
