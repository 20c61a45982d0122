//! A store file written by format version 1 (`crates/serialization/tests/data/store_v1.crlog`:
//! upsert r1 and r2, touch r1, delete r2, clear, upsert r3) opened through the store's real
//! read path (`Store::open` replaying the log), not through the codec's functions alone.

use std::fs;
use std::path::{Path, PathBuf};

use crewai_rust_memory::{Durability, Record, Store};
use crewai_rust_serialization::record::{FrameRead, HEADER_LEN, read_frame};

const V1: &[u8] = include_bytes!("../../serialization/tests/data/store_v1.crlog");

/// The one record left at the end of the file, as the codec's own v1 test spells it out.
fn r3() -> Record {
    Record {
        id: "r3".into(),
        content: "héllo ✓".into(),
        scope: "/".into(),
        categories: vec!["a".into(), "b".into()],
        metadata: r#"{"k":1}"#.into(),
        importance: -1.0,
        created_at: "2026-01-02T03:04:05.123456+00:00".into(),
        created_us: 1_767_323_045_123_456,
        last_accessed: "2026-01-02T03:04:05".into(),
        source: Some("agent".into()),
        private: true,
        embedding: Some(vec![1.0, -2.5, 0.125]),
    }
}

fn copy_into(dir: &Path, bytes: &[u8]) -> PathBuf {
    let path = dir.join("memory.crlog");
    fs::write(&path, bytes).unwrap();
    path
}

fn open(dir: &Path) -> Store {
    Store::open(Some(dir), None, Durability::Flush).unwrap()
}

/// Where each frame of the file starts, found with the codec's frame reader.
fn frame_starts() -> Vec<usize> {
    let mut at = HEADER_LEN;
    let mut starts = Vec::new();
    while let FrameRead::Frame { next, .. } = read_frame(V1, at) {
        starts.push(at);
        at = next;
    }
    assert_eq!(at, V1.len(), "the file is whole frames");
    starts
}

#[test]
fn the_store_opens_a_v1_file_to_exactly_its_records() {
    let dir = tempfile::tempdir().unwrap();
    copy_into(dir.path(), V1);
    let s = open(dir.path());
    assert_eq!(s.len().unwrap(), 1);
    assert_eq!(s.get("r3").unwrap(), Some(r3()));
    assert_eq!(s.get("r1").unwrap(), None, "cleared");
    assert_eq!(s.get("r2").unwrap(), None, "deleted, then cleared");
    assert_eq!(s.list_records(None, 10, 0).unwrap(), vec![r3()]);
    // The clear forgot the first records' dimension; r3's is the one in force.
    assert_eq!(s.vector_dim().unwrap(), Some(3));
    // Opening does not rewrite a whole file.
    drop(s);
    assert_eq!(fs::read(dir.path().join("memory.crlog")).unwrap(), V1);
}

#[test]
fn a_v1_file_torn_in_its_last_frame_loses_that_frame_only() {
    let starts = frame_starts();
    let last = *starts.last().unwrap();
    for cut in [last + 1, last + 12, V1.len() - 1] {
        let dir = tempfile::tempdir().unwrap();
        let path = copy_into(dir.path(), &V1[..cut]);
        let s = open(dir.path());
        // What precedes the torn frame is the clear: nothing left, dimension forgotten.
        assert_eq!(s.len().unwrap(), 0, "cut at {cut}");
        assert_eq!(s.vector_dim().unwrap(), None, "cut at {cut}");
        drop(s);
        assert_eq!(
            fs::metadata(&path).unwrap().len(),
            last as u64,
            "tail cut at {cut}"
        );
    }
}

#[test]
fn a_v1_file_damaged_before_its_last_frame_is_refused_and_kept() {
    let starts = frame_starts();
    let mut bytes = V1.to_vec();
    // A payload byte of the first frame: data follows it, so no crash could have left this.
    bytes[starts[0] + 20] ^= 0x40;
    let dir = tempfile::tempdir().unwrap();
    let path = copy_into(dir.path(), &bytes);
    let err = Store::open(Some(dir.path()), None, Durability::Flush).unwrap_err();
    assert!(
        err.to_string().contains("checksum mismatch"),
        "unexpected error: {err}"
    );
    assert_eq!(
        fs::read(&path).unwrap(),
        bytes,
        "nothing stored is discarded"
    );
}
