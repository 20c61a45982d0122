//! Deferred upserts that cannot be applied are kept, in order, not dropped.

use crewai_rust_serialization::record::{Entry, Record};

use super::{Durability, Store};
use crate::error::MemoryError;

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
