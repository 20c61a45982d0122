//! Deferred upserts that cannot be applied are kept, in order, not dropped; reads on a handle
//! never wait for that handle's compaction; a failed compaction fails no save.

use std::sync::Arc;
use std::sync::mpsc::channel;
use std::time::Duration;

use crewai_rust_serialization::record::{Entry, Record};

use super::{Durability, Store};
use crate::error::MemoryError;
use crate::search::SearchQuery;
use crate::wal::Pause;

fn rec(id: &str, dim: usize) -> Record {
    Record {
        id: id.into(),
        content: String::new(),
        scope: "/".into(),
        categories: Vec::new(),
        metadata: "{}".into(),
        importance: 0.5,
        created_at: "2026-01-01T00:00:00".into(),
        created_us: 0,
        last_accessed: "2026-01-01T00:00:00".into(),
        source: None,
        private: false,
        embedding: Some(vec![1.0; dim]),
    }
}

fn queued_ids(s: &Store) -> Vec<String> {
    s.unapplied
        .lock()
        .entries
        .iter()
        .flat_map(|e| match e {
            Entry::Upsert(rs) => rs.iter().map(|r| r.id.clone()).collect(),
            _ => Vec::new(),
        })
        .collect()
}

#[test]
fn a_refused_deferred_entry_keeps_itself_and_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open(Some(dir.path()), Some(3), Durability::Flush).unwrap();
    s.upsert(vec![rec("a", 3)]).unwrap();
    // Deferred entries as a save leaves them when the state is busy; the middle one cannot
    // apply (the dimension disagrees), which nothing on the public path can produce.
    s.unapplied.lock().entries.extend([
        Entry::Upsert(vec![rec("b", 3)]),
        Entry::Upsert(vec![rec("c", 4), rec("c2", 3)]),
        Entry::Upsert(vec![rec("d", 3)]),
    ]);
    match s.len() {
        Err(MemoryError::DimensionMismatch { stored: 3, got: 4 }) => {}
        other => panic!("expected the refused entry's error, got {other:?}"),
    }
    // What came before it is applied; it and what follows wait, in order, nothing half-applied.
    assert_eq!(queued_ids(&s), ["c", "c2", "d"]);
    {
        let state = s.state.read();
        assert!(state.get("b").is_some());
        assert!(state.get("c2").is_none() && state.get("d").is_none());
    }
    // The next call retries rather than forgetting them.
    assert!(s.len().is_err());
    assert_eq!(queued_ids(&s), ["c", "c2", "d"]);
    // Once the refused entry is gone (here by hand), the rest applies in order.
    s.unapplied.lock().entries.remove(0);
    assert_eq!(s.len().unwrap(), 3);
    assert!(queued_ids(&s).is_empty());
}

/// Long enough for any healthy step on a loaded machine; a regression fails instead of hanging.
const PATIENCE: Duration = Duration::from_secs(60);

fn round_rec(i: usize, round: usize) -> Record {
    let mut r = rec(&format!("r{i}"), 8);
    r.content = format!("{round}:{}", "x".repeat(3000));
    r.embedding = Some((0..8).map(|k| ((i * 8 + k) % 7) as f32 + 1.0).collect());
    r
}

fn round_of(r: &Record) -> usize {
    r.content.split(':').next().unwrap().parse().unwrap()
}

#[test]
fn reads_on_the_same_handle_proceed_while_a_save_compacts() {
    let dir = tempfile::tempdir().unwrap();
    let s = Arc::new(Store::open(Some(dir.path()), None, Durability::Flush).unwrap());
    // ~300 KB live: above the compaction floor, so rewriting it soon makes a compaction due.
    s.upsert((0..100).map(|i| round_rec(i, 0)).collect())
        .unwrap();
    let before = s.file_bytes();
    // Another handle's acknowledged write: this handle's reads must show it, pause or not.
    let other = Store::open(Some(dir.path()), None, Durability::Flush).unwrap();
    other.upsert(vec![round_rec(100, 0)]).unwrap();
    let (reached_tx, reached) = channel();
    let (resume, resume_rx) = channel::<()>();
    s.wal.lock().as_mut().unwrap().compaction_pause = Some(Pause {
        reached: reached_tx,
        resume: resume_rx,
    });
    let (acked_tx, acked) = channel();
    let writer = {
        let s = Arc::clone(&s);
        std::thread::spawn(move || {
            // One record per save: the save that makes a compaction due runs it (and pauses).
            for round in 1..=3 {
                for i in 0..100 {
                    s.upsert(vec![round_rec(i, round)]).unwrap();
                    let _ = acked_tx.send((i, round));
                }
            }
        })
    };
    reached
        .recv_timeout(PATIENCE)
        .expect("rewriting the records made a compaction due");
    // Every save acknowledged so far, in order; the writer is now inside a save, holding the
    // log's mutex and the file lock until the compaction resumes.
    let acknowledged: Vec<(usize, usize)> = acked.try_iter().collect();
    assert!(!acknowledged.is_empty());
    let (done_tx, done) = channel();
    {
        let s = Arc::clone(&s);
        std::thread::spawn(move || {
            let q = SearchQuery {
                vector: vec![1.0; 8],
                limit: 5,
                ..Default::default()
            };
            let all: Vec<Record> = (0..=100)
                .map(|i| s.get(&format!("r{i}")).unwrap().unwrap())
                .collect();
            let _ = done_tx.send((s.count(None).unwrap(), all, s.search(&q).unwrap().len()));
        });
    }
    let (count, all, found) = done
        .recv_timeout(PATIENCE)
        .expect("a read on the same handle waited for its compaction");
    assert_eq!(count, 101);
    assert_eq!(all[100], round_rec(100, 0));
    assert_eq!(found, 5);
    // Nor does it hold the state while it writes, or the indexer's next commit, waiting for
    // the state, would queue every later read behind the rest of the rewrite.
    assert!(
        s.state.try_write().is_some(),
        "the compaction holds the state while it writes"
    );
    // Reads see every acknowledged save (and possibly the one in progress, already applied).
    for (i, round) in acknowledged {
        assert!(round_of(&all[i]) >= round, "r{i} lost round {round}");
    }
    resume.send(()).unwrap();
    writer.join().unwrap();
    assert!(s.file_bytes() < before * 2, "the log was compacted");
    let mut expected: Vec<Record> = (0..100).map(|i| round_rec(i, 3)).collect();
    expected.push(round_rec(100, 0));
    for (i, r) in expected.iter().enumerate() {
        assert_eq!(s.get(&format!("r{i}")).unwrap().as_ref(), Some(r));
        // The other handle follows the compacted file too.
        assert_eq!(other.get(&format!("r{i}")).unwrap().as_ref(), Some(r));
    }
    drop((s, other));
    let reopened = Store::open(Some(dir.path()), None, Durability::Flush).unwrap();
    assert_eq!(reopened.len().unwrap(), 101);
    for (i, r) in expected.iter().enumerate() {
        assert_eq!(reopened.get(&format!("r{i}")).unwrap().as_ref(), Some(r));
    }
}

#[test]
fn reads_on_the_same_handle_proceed_while_a_save_syncs() {
    let dir = tempfile::tempdir().unwrap();
    let s = Arc::new(Store::open(Some(dir.path()), None, Durability::Fsync).unwrap());
    s.upsert((0..10).map(|i| round_rec(i, 0)).collect())
        .unwrap();
    let (reached_tx, reached) = channel();
    let (resume, resume_rx) = channel::<()>();
    s.wal.lock().as_mut().unwrap().append_pause = Some(Pause {
        reached: reached_tx,
        resume: resume_rx,
    });
    let writer = {
        let s = Arc::clone(&s);
        std::thread::spawn(move || s.upsert(vec![round_rec(10, 0)]))
    };
    reached
        .recv_timeout(PATIENCE)
        .expect("the save reached its append");
    // The frame is in the file, not yet synced nor acknowledged; the writer holds the mutex.
    let (done_tx, done) = channel();
    {
        let s = Arc::clone(&s);
        std::thread::spawn(move || {
            let _ = done_tx.send((s.count(None).unwrap(), s.get("r3").unwrap()));
        });
    }
    let (count, r3) = done
        .recv_timeout(PATIENCE)
        .expect("a read on the same handle waited for its save's sync");
    // Not yet applied: the state takes a frame only once its append has returned.
    assert_eq!(count, 10);
    assert_eq!(r3, Some(round_rec(3, 0)));
    resume.send(()).unwrap();
    writer.join().unwrap().unwrap();
    // Acknowledged now: this handle and a fresh one both see it.
    assert_eq!(s.count(None).unwrap(), 11);
    let other = Store::open(Some(dir.path()), None, Durability::Flush).unwrap();
    assert_eq!(other.get("r10").unwrap(), Some(round_rec(10, 0)));
}

#[test]
fn a_failed_compaction_fails_no_save_and_leaves_no_partial_copy() {
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("memory.crlog.compact");
    let s = Store::open(Some(dir.path()), None, Durability::Flush).unwrap();
    s.upsert((0..100).map(|i| round_rec(i, 0)).collect())
        .unwrap();
    let before = s.file_bytes();
    s.wal.lock().as_mut().unwrap().compaction_fault = true;
    let mut saw_copy = false;
    for round in 1..=3 {
        for i in 0..100 {
            // The save that makes a compaction due gets the fault: its record is on file, so
            // the save succeeds; the copy is gone and the next due write compacts.
            s.upsert(vec![round_rec(i, round)]).unwrap();
            saw_copy |= copy.exists();
        }
    }
    assert!(
        !s.wal.lock().as_ref().unwrap().compaction_fault,
        "no compaction was due"
    );
    assert!(!saw_copy, "a failed compaction left its partial copy");
    assert!(s.file_bytes() < before * 2, "a later write compacted");
    // An explicit compaction reports the failure, and leaves the log and no copy.
    s.wal.lock().as_mut().unwrap().compaction_fault = true;
    assert!(matches!(s.compact(), Err(MemoryError::Io { .. })));
    assert!(!copy.exists());
    drop(s);
    let reopened = Store::open(Some(dir.path()), None, Durability::Flush).unwrap();
    for i in 0..100 {
        assert_eq!(
            reopened.get(&format!("r{i}")).unwrap(),
            Some(round_rec(i, 3))
        );
    }
}

#[test]
fn opening_removes_a_copy_left_by_a_compaction_killed_midway() {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open(Some(dir.path()), None, Durability::Flush).unwrap();
    s.upsert(vec![round_rec(1, 0)]).unwrap();
    drop(s);
    let copy = dir.path().join("memory.crlog.compact");
    std::fs::write(&copy, vec![7u8; 1 << 16]).unwrap();
    let s = Store::open(Some(dir.path()), None, Durability::Flush).unwrap();
    assert!(!copy.exists(), "the dead compaction's copy is still there");
    assert_eq!(s.get("r1").unwrap(), Some(round_rec(1, 0)));
}
