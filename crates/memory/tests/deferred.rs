//! Saves never wait for the state: while it is held (as the indexer holds it while planning a
//! graph insert), an upsert is written to the log, deferred, and applied by the next call, in
//! order, with the dimension still enforced; other handles and a reopen see it from the file.

mod common;

use common::*;
use crewai_rust_memory::{DeleteCriteria, Durability, MemoryError, SearchQuery, Store};

fn rec(i: usize, dim: usize) -> crewai_rust_memory::Record {
    let mut r = record(
        &format!("id{i}"),
        "/s",
        &["c"],
        "{}",
        Some((0..dim).map(|k| (k + i) as f32 + 1.0).collect()),
    );
    r.created_us = i as i64;
    r
}

#[test]
fn saves_while_the_state_is_held_are_deferred_then_applied_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open(Some(dir.path()), None, Durability::Flush).unwrap();
    let other = Store::open(Some(dir.path()), None, Durability::Flush).unwrap();
    {
        let _held = s.hold_state();
        s.upsert(vec![rec(0, 3), rec(1, 3)]).unwrap();
        // The first embedding fixed the dimension although nothing is applied yet.
        match s.upsert(vec![rec(2, 4)]) {
            Err(MemoryError::DimensionMismatch { stored: 3, got: 4 }) => {}
            other => panic!("expected a dimension mismatch, got {other:?}"),
        }
        let mut replaced = rec(0, 3);
        replaced.content = "second version".into();
        s.upsert(vec![replaced, rec(3, 3)]).unwrap();
        // Another handle reads the file, where every acknowledged save already is.
        assert_eq!(other.len().unwrap(), 3);
        assert_eq!(other.get("id0").unwrap().unwrap().content, "second version");
    }
    // The next call applies the deferred saves in log order before answering.
    assert_eq!(s.len().unwrap(), 3);
    assert_eq!(s.get("id0").unwrap().unwrap().content, "second version");
    assert_eq!(s.vector_dim().unwrap(), Some(3));
    let q = SearchQuery {
        vector: rec(3, 3).embedding.unwrap(),
        limit: 1,
        ..Default::default()
    };
    assert_eq!(s.search(&q).unwrap()[0].0.id, "id3");
    drop((s, other));
    let s = Store::open(Some(dir.path()), None, Durability::Flush).unwrap();
    assert_eq!(s.len().unwrap(), 3);
    assert_eq!(s.get("id0").unwrap().unwrap().content, "second version");
}

#[test]
fn other_writes_apply_deferred_saves_first() {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open(Some(dir.path()), None, Durability::Flush).unwrap();
    {
        let _held = s.hold_state();
        s.upsert((0..5).map(|i| rec(i, 2)).collect()).unwrap();
    }
    // A delete plans against the state, so it must see the deferred batch.
    let criteria = DeleteCriteria {
        record_ids: Some(vec!["id1".into(), "id4".into()]),
        ..Default::default()
    };
    assert_eq!(s.delete(&criteria).unwrap(), 2);
    {
        let _held = s.hold_state();
        s.upsert(vec![rec(7, 2)]).unwrap();
    }
    assert!(
        s.update(rec(7, 2)).unwrap(),
        "the deferred record exists for update"
    );
    {
        let _held = s.hold_state();
        s.upsert(vec![rec(8, 2)]).unwrap();
    }
    s.compact().unwrap();
    let ids: Vec<String> = s
        .list_records(None, 10, 0)
        .unwrap()
        .into_iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(ids, ["id8", "id7", "id3", "id2", "id0"]);
    drop(s);
    let s = Store::open(Some(dir.path()), None, Durability::Flush).unwrap();
    assert_eq!(s.len().unwrap(), 5);
}

#[test]
fn saves_racing_searches_from_another_thread_are_all_visible_on_return() {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open(Some(dir.path()), None, Durability::Flush).unwrap();
    s.upsert(vec![rec(0, 16)]).unwrap();
    let stop = std::sync::atomic::AtomicBool::new(false);
    std::thread::scope(|scope| {
        scope.spawn(|| {
            let q = SearchQuery {
                vector: rec(0, 16).embedding.unwrap(),
                limit: 5,
                ..Default::default()
            };
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                assert!(!s.search(&q).unwrap().is_empty());
            }
        });
        for i in 1..400 {
            s.upsert(vec![rec(i, 16)]).unwrap();
            assert!(
                s.get(&format!("id{i}")).unwrap().is_some(),
                "save {i} not visible"
            );
        }
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
    });
    assert_eq!(s.count(None).unwrap(), 400);
}

#[test]
fn a_busy_state_still_gets_its_graph_built_after_the_last_write() {
    use std::sync::{Arc, mpsc};
    use std::time::{Duration, Instant};

    let dir = tempfile::tempdir().unwrap();
    let s = Arc::new(Store::open(Some(dir.path()), None, Durability::Flush).unwrap());
    s.upsert((0..40).map(|i| rec(i, 8)).collect()).unwrap();
    // Now the collection wants a graph, and nothing has started one yet.
    s.set_exact_budget(1);
    assert_eq!(s.index_heap_bytes(), 0);
    let (held_tx, held_rx) = mpsc::channel();
    let (release_tx, release_rx) = mpsc::channel::<()>();
    let holder = std::thread::spawn({
        let s = Arc::clone(&s);
        move || {
            // As a search does: the shared lock, so the check cannot switch the graph on.
            let _held = s.hold_state();
            held_tx.send(()).unwrap();
            release_rx.recv().unwrap();
        }
    });
    held_rx.recv().unwrap();
    // The check a write ends with, racing the search.
    s.request_index();
    release_tx.send(()).unwrap();
    holder.join().unwrap();
    // No further call on the store: the graph must be built anyway.
    let deadline = Instant::now() + Duration::from_secs(30);
    while s.index_heap_bytes() == 0 {
        assert!(
            Instant::now() < deadline,
            "no graph 30 s after a write whose index check met a busy state"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(s.wait_for_index());
}
