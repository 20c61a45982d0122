//! Disk use under churn: the log plus the saved graph stay within 1.3× the raw vector and
//! payload bytes of the live records, at every point of the compaction cycle.

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use common::Rng;
use crewai_rust_memory::{DeleteCriteria, Durability, Record, Store};

const DIM: usize = 256;
/// Fixed bytes no record accounts for: the log's file header (24) and the saved graph's
/// header and checksum (30); everything else on disk must be paid for by the records.
const HEADER_ALLOWANCE: u64 = 24 + 30;

fn open(dir: &Path) -> Store {
    Store::open(Some(dir), None, Durability::Flush).unwrap()
}

/// The bytes a record's data takes raw, counted from its fields, not from anything the store
/// reports: the vector's floats, every string as UTF-8, importance (f64) and private (bool).
fn raw_bytes(r: &Record) -> u64 {
    let strings = r.id.len()
        + r.content.len()
        + r.scope.len()
        + r.categories.iter().map(String::len).sum::<usize>()
        + r.metadata.len()
        + r.created_at.len()
        + r.last_accessed.len()
        + r.source.as_deref().map_or(0, str::len);
    let vector = r.embedding.as_ref().map_or(0, |e| 4 * e.len());
    (strings + vector + 8 + 1) as u64
}

fn disk_bytes(dir: &Path) -> u64 {
    let len = |name: &str| fs::metadata(dir.join(name)).map_or(0, |m| m.len());
    len("memory.crlog") + len("memory.hnsw")
}

const WORDS: [&str; 12] = [
    "agent", "found", "the", "report", "market", "growth", "risk", "summary", "customer", "plan",
    "data", "review",
];
const SCOPES: [&str; 4] = ["/crew/research", "/crew/writer", "/crew/research/web", "/"];
const CATEGORIES: [&str; 5] = ["fact", "decision", "preference", "task", "insight"];

/// A record like a crew's: prose content of varying length, a few categories, JSON metadata.
fn memory(rng: &mut Rng, id: &str, version: usize) -> Record {
    let words = 20 + rng.below(120);
    let content = (0..words)
        .map(|_| WORDS[rng.below(WORDS.len())])
        .collect::<Vec<_>>()
        .join(" ");
    let categories = (0..rng.below(3))
        .map(|_| CATEGORIES[rng.below(CATEGORIES.len())].to_owned())
        .collect();
    Record {
        id: id.to_owned(),
        content,
        scope: SCOPES[rng.below(SCOPES.len())].to_owned(),
        categories,
        metadata: format!(
            r#"{{"agent":"researcher","version":{version},"step":{}}}"#,
            rng.below(1000)
        ),
        importance: f64::from(rng.unit()).abs(),
        created_at: format!("2026-01-01T00:00:{:02}.{version:06}", rng.below(60)),
        created_us: rng.below(1 << 40) as i64,
        last_accessed: "2026-01-01T00:00:00".into(),
        source: (rng.below(2) == 0).then(|| "agent:researcher".to_owned()),
        private: rng.below(4) == 0,
        embedding: Some((0..DIM).map(|_| rng.gauss()).collect()),
    }
}

struct Check {
    raw: u64,
    worst: f64,
    compactions: usize,
    last_log: u64,
}

impl Check {
    /// After every acknowledged write: disk within the bound of what is live right now.
    fn after(&mut self, dir: &Path, live: &BTreeMap<String, Record>, what: &str) {
        let raw: u64 = live.values().map(raw_bytes).sum();
        self.raw = raw;
        let disk = disk_bytes(dir);
        let log = fs::metadata(dir.join("memory.crlog")).unwrap().len();
        if log < self.last_log {
            self.compactions += 1;
        }
        self.last_log = log;
        self.worst = self.worst.max(disk as f64 / raw as f64);
        assert!(
            disk <= raw * 13 / 10 + HEADER_ALLOWANCE,
            "after {what}: {disk} bytes on disk for {raw} raw bytes ({:.3}×)",
            disk as f64 / raw as f64
        );
    }
}

#[test]
fn churn_keeps_disk_within_1_3x_of_the_live_data() {
    let dir = tempfile::tempdir().unwrap();
    let mut rng = Rng::new(7);
    let mut live = BTreeMap::new();
    let mut next = 0usize;
    let mut check = Check {
        raw: 0,
        worst: 0.0,
        compactions: 0,
        last_log: 0,
    };
    let mut store = open(dir.path());
    // ~2 MB live: well above the size below which the store leaves garbage alone.
    for _ in 0..60 {
        let batch: Vec<Record> = (0..25)
            .map(|_| {
                next += 1;
                memory(&mut rng, &format!("m{next}"), 0)
            })
            .collect();
        for r in &batch {
            live.insert(r.id.clone(), r.clone());
        }
        store.upsert(batch).unwrap();
        check.after(dir.path(), &live, "a batch insert");
    }
    assert!(check.raw > 1 << 20, "only {} raw bytes live", check.raw);
    // A saved graph is disk use too: build one and save it by closing.
    store.build_index();
    drop(store);
    check.after(dir.path(), &live, "saving the graph");
    assert!(dir.path().join("memory.hnsw").exists());
    store = open(dir.path());

    for op in 0..4000 {
        let ids: Vec<String> = live.keys().cloned().collect();
        let pick = ids[rng.below(ids.len())].clone();
        let what = match rng.below(20) {
            0..=11 => {
                let r = memory(&mut rng, &pick, op + 1);
                live.insert(pick, r.clone());
                store.upsert(vec![r]).unwrap();
                "a rewrite"
            }
            12..=14 => {
                let n = store
                    .delete(&DeleteCriteria {
                        record_ids: Some(vec![pick.clone()]),
                        ..Default::default()
                    })
                    .unwrap();
                assert_eq!(n, 1);
                live.remove(&pick);
                "a delete"
            }
            15..=17 => {
                next += 1;
                let r = memory(&mut rng, &format!("m{next}"), op + 1);
                live.insert(r.id.clone(), r.clone());
                store.upsert(vec![r]).unwrap();
                "an insert"
            }
            _ => {
                let at = format!("2026-03-01T00:00:00.{op:06}");
                assert_eq!(store.touch(std::slice::from_ref(&pick), &at).unwrap(), 1);
                live.get_mut(&pick).unwrap().last_accessed = at;
                "a touch"
            }
        };
        check.after(dir.path(), &live, what);
        if op % 1000 == 999 {
            // Reopening saves the graph again (for the current file), which counts as well.
            drop(store);
            check.after(dir.path(), &live, "closing");
            store = open(dir.path());
        }
    }
    // The churn went through several compactions, with the graph saved at different points.
    assert!(check.compactions >= 3, "{} compactions", check.compactions);
    eprintln!(
        "worst disk / raw: {:.3}; {} compactions",
        check.worst, check.compactions
    );

    // And nothing was lost along the way.
    drop(store);
    let store = open(dir.path());
    assert_eq!(store.len().unwrap(), live.len());
    for (id, r) in &live {
        assert_eq!(store.get(id).unwrap().as_ref(), Some(r), "{id}");
    }
}
