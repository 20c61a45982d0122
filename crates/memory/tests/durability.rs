//! The file: reopen, tombstones, torn tails, corruption, compaction, two handles on one path.

mod common;

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::Path;

use common::*;
use crewai_rust_memory::{DeleteCriteria, Durability, MemoryError, Store};

fn open(dir: &Path) -> Store {
    Store::open(Some(dir), None, Durability::Flush).unwrap()
}

fn log_path(dir: &Path) -> std::path::PathBuf {
    dir.join("memory.crlog")
}

fn rec(i: usize) -> crewai_rust_memory::Record {
    let mut r = record(
        &format!("id{i}"),
        "/s",
        &["c"],
        r#"{"i":1}"#,
        Some(vec![i as f32, 1.0, 0.5]),
    );
    r.created_us = i as i64;
    r
}

#[test]
fn reopen_sees_upserts_tombstones_and_touches() {
    let dir = tempfile::tempdir().unwrap();
    {
        let s = open(dir.path());
        s.upsert((0..10).map(rec).collect()).unwrap();
        let ids = vec!["id3".to_owned(), "id4".to_owned()];
        assert_eq!(
            s.delete(&DeleteCriteria {
                record_ids: Some(ids),
                ..Default::default()
            })
            .unwrap(),
            2
        );
        assert_eq!(s.touch(&["id5".into(), "nope".into()], "later").unwrap(), 1);
        let mut changed = rec(6);
        changed.content = "changed".into();
        assert!(s.update(changed).unwrap());
        assert!(!s.update(rec(99)).unwrap());
    }
    let s = open(dir.path());
    assert_eq!(s.len().unwrap(), 8);
    assert!(s.get("id3").unwrap().is_none());
    assert_eq!(s.get("id5").unwrap().unwrap().last_accessed, "later");
    assert_eq!(s.get("id6").unwrap().unwrap().content, "changed");
    assert_eq!(s.get("id7").unwrap().unwrap(), rec(7));
    assert!(s.get("id99").unwrap().is_none());
    assert_eq!(s.vector_dim().unwrap(), Some(3));
}

#[test]
fn reset_forgets_the_dimension_durably() {
    let dir = tempfile::tempdir().unwrap();
    {
        let s = open(dir.path());
        s.upsert(vec![rec(1)]).unwrap();
        s.reset(None).unwrap();
        assert_eq!(s.vector_dim().unwrap(), None);
    }
    let s = open(dir.path());
    assert_eq!(s.len().unwrap(), 0);
    assert_eq!(s.vector_dim().unwrap(), None);
    let mut r = rec(2);
    r.embedding = Some(vec![1.0; 5]);
    s.upsert(vec![r]).unwrap();
    assert_eq!(s.vector_dim().unwrap(), Some(5));
}

#[test]
fn every_torn_tail_is_discarded_and_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    {
        let s = open(dir.path());
        s.upsert(vec![rec(0), rec(1)]).unwrap();
        s.upsert(vec![rec(2)]).unwrap();
    }
    let full = fs::read(log_path(dir.path())).unwrap();
    let before_last = {
        let s = open(dir.path());
        drop(s);
        // Size after the first batch: write it again in a fresh store to measure.
        let d2 = tempfile::tempdir().unwrap();
        let s2 = open(d2.path());
        s2.upsert(vec![rec(0), rec(1)]).unwrap();
        fs::metadata(log_path(d2.path())).unwrap().len() as usize
    };
    for cut in before_last + 1..full.len() {
        fs::write(log_path(dir.path()), &full[..cut]).unwrap();
        let s = open(dir.path());
        assert_eq!(s.len().unwrap(), 2, "cut at {cut}");
        assert!(s.get("id2").unwrap().is_none());
        drop(s);
        // Recovery truncated the tail, so a new write lands on a clean frame boundary.
        assert_eq!(
            fs::metadata(log_path(dir.path())).unwrap().len() as usize,
            before_last
        );
    }
    fs::write(log_path(dir.path()), &full[..before_last + 7]).unwrap();
    let s = open(dir.path());
    s.upsert(vec![rec(3)]).unwrap();
    drop(s);
    let s = open(dir.path());
    assert_eq!(s.len().unwrap(), 3);
}

#[test]
fn damage_before_the_tail_is_reported_not_discarded() {
    let dir = tempfile::tempdir().unwrap();
    {
        let s = open(dir.path());
        s.upsert(vec![rec(0)]).unwrap();
        s.upsert(vec![rec(1)]).unwrap();
    }
    let mut bytes = fs::read(log_path(dir.path())).unwrap();
    bytes[24 + 12 + 5] ^= 0xFF;
    fs::write(log_path(dir.path()), &bytes).unwrap();
    match Store::open(Some(dir.path()), None, Durability::Flush) {
        Err(MemoryError::Corrupt { detail, .. }) => {
            assert!(detail.contains("checksum"), "{detail}")
        }
        other => panic!("expected Corrupt, got {other:?}"),
    }
    // The damaged file is left as it was for inspection / repair.
    assert_eq!(fs::read(log_path(dir.path())).unwrap(), bytes);
}

#[test]
fn compaction_bounds_disk_use_and_keeps_the_data() {
    let dir = tempfile::tempdir().unwrap();
    let s = open(dir.path());
    let other = open(dir.path());
    let big = |i: usize, round: usize| {
        let mut r = rec(i);
        r.content = format!("{round}:{}", "x".repeat(2000));
        r
    };
    for round in 0..40 {
        s.upsert((0..100).map(|i| big(i, round)).collect()).unwrap();
    }
    let live = fs::metadata(log_path(dir.path())).unwrap().len();
    // 40 rewrites of the same 100 records; compaction keeps the file near one copy.
    let one_copy: u64 = 100 * 2100;
    assert!(live < one_copy * 13 / 10 + 300_000, "log is {live} bytes");
    assert_eq!(s.len().unwrap(), 100);
    assert!(s.get("id7").unwrap().unwrap().content.starts_with("39:"));
    // Another handle that read the old file notices the replacement and reloads.
    assert_eq!(other.len().unwrap(), 100);
    assert!(
        other
            .get("id7")
            .unwrap()
            .unwrap()
            .content
            .starts_with("39:")
    );
    s.upsert(vec![big(500, 99)]).unwrap();
    assert_eq!(other.count(None).unwrap(), 101);
    drop((s, other));
    let s = open(dir.path());
    assert_eq!(s.len().unwrap(), 101);
    s.compact().unwrap();
    drop(s);
    assert_eq!(open(dir.path()).len().unwrap(), 101);
}

#[test]
fn two_handles_on_one_path_see_each_other() {
    let dir = tempfile::tempdir().unwrap();
    let a = open(dir.path());
    let b = open(dir.path());
    a.upsert(vec![rec(1)]).unwrap();
    assert_eq!(b.get("id1").unwrap().unwrap(), rec(1));
    b.upsert(vec![rec(2)]).unwrap();
    assert_eq!(a.len().unwrap(), 2);
    a.reset(None).unwrap();
    assert_eq!(b.len().unwrap(), 0);
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let d = dir.path().to_owned();
            std::thread::spawn(move || {
                let s = open(&d);
                for i in 0..50 {
                    s.upsert(vec![rec(t * 1000 + i)]).unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(a.len().unwrap(), 200);
    assert_eq!(open(dir.path()).len().unwrap(), 200);
}

#[test]
fn a_store_written_by_another_writer_in_progress_is_not_truncated_by_readers() {
    let dir = tempfile::tempdir().unwrap();
    let a = open(dir.path());
    a.upsert(vec![rec(1)]).unwrap();
    // Simulate another process mid-write: half a frame at the end, lock not held by us.
    let len = fs::metadata(log_path(dir.path())).unwrap().len();
    let mut f = OpenOptions::new()
        .append(true)
        .open(log_path(dir.path()))
        .unwrap();
    f.write_all(&[7, 0, 0]).unwrap();
    assert_eq!(a.len().unwrap(), 1);
    assert_eq!(fs::metadata(log_path(dir.path())).unwrap().len(), len + 3);
    // A writer (holding the lock, so the tail is a dead writer's) truncates it.
    a.upsert(vec![rec(2)]).unwrap();
    drop(a);
    assert_eq!(open(dir.path()).len().unwrap(), 2);
}

#[test]
fn closed_store_refuses_calls() {
    let s = Store::open(None, None, Durability::Flush).unwrap();
    s.close();
    s.close();
    assert!(matches!(s.len(), Err(MemoryError::Closed)));
    assert!(matches!(s.upsert(vec![rec(1)]), Err(MemoryError::Closed)));
}

/// A record with a large embedding, so a few of them make a log past the size above which a
/// replay under the lock maps the file instead of reading it.
fn big(i: usize) -> crewai_rust_memory::Record {
    let mut r = rec(i);
    r.embedding = Some(
        (0..60_000)
            .map(|k| ((k * 7 + i) % 97) as f32 + 0.5)
            .collect(),
    );
    r
}

#[test]
fn mapped_replay_of_a_large_log_discards_torn_tails_and_reports_damage() {
    let dir = tempfile::tempdir().unwrap();
    {
        let s = open(dir.path());
        for i in 0..6 {
            s.upsert(vec![big(i)]).unwrap();
        }
    }
    let full = fs::read(log_path(dir.path())).unwrap();
    assert!(
        full.len() > 1 << 20,
        "the log must be large enough to be mapped"
    );
    let frame = (full.len() - 24) / 6;
    let five = 24 + 5 * frame;
    // Cuts inside the last frame: header, body, and its last byte.
    for cut in [five + 1, five + 12, five + frame / 2, full.len() - 1] {
        fs::write(log_path(dir.path()), &full[..cut]).unwrap();
        let s = open(dir.path());
        assert_eq!(s.len().unwrap(), 5, "cut at {cut}");
        assert_eq!(s.get("id4").unwrap().unwrap().embedding, big(4).embedding);
        assert!(s.get("id5").unwrap().is_none());
        drop(s);
        assert_eq!(
            fs::metadata(log_path(dir.path())).unwrap().len() as usize,
            five
        );
    }
    // Zero fill after the last frame (a power loss) is a torn tail too.
    let mut zeros = full.clone();
    zeros.extend(std::iter::repeat_n(0u8, 4096));
    fs::write(log_path(dir.path()), &zeros).unwrap();
    assert_eq!(open(dir.path()).len().unwrap(), 6);
    // Damage inside an earlier frame is reported and the file left untouched.
    let mut bytes = full.clone();
    bytes[24 + frame + frame / 2] ^= 0xFF;
    fs::write(log_path(dir.path()), &bytes).unwrap();
    match Store::open(Some(dir.path()), None, Durability::Flush) {
        Err(MemoryError::Corrupt { detail, .. }) => {
            assert!(detail.contains("checksum"), "{detail}")
        }
        other => panic!("expected Corrupt, got {other:?}"),
    }
    assert_eq!(fs::read(log_path(dir.path())).unwrap(), bytes);
}

#[test]
fn frames_a_handle_cannot_apply_are_replayed_later_not_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let free = Store::open(Some(dir.path()), None, Durability::Flush).unwrap();
    let fixed = Store::open(Some(dir.path()), Some(3), Durability::Flush).unwrap();
    let mut wide = rec(0);
    wide.embedding = Some(vec![1.0; 4]);
    free.upsert(vec![wide]).unwrap();
    // The handle built for dimension 3 cannot take the 4-dimensional record...
    for _ in 0..2 {
        match fixed.len() {
            Err(MemoryError::DimensionMismatch { stored: 3, got: 4 }) => {}
            other => panic!("expected a dimension mismatch, got {other:?}"),
        }
    }
    // ...and says so again rather than answering as if the record were not on file. Once the
    // file agrees with it again, it reloads and sees exactly what is there.
    free.reset(None).unwrap();
    let mut narrow = rec(1);
    narrow.embedding = Some(vec![1.0; 3]);
    free.upsert(vec![narrow]).unwrap();
    free.compact().unwrap();
    assert_eq!(fixed.len().unwrap(), 1);
    assert_eq!(
        fixed.get(&rec(1).id).unwrap().unwrap().embedding,
        Some(vec![1.0; 3])
    );
}

#[test]
fn a_catch_up_stopped_by_damage_replays_from_the_start_once_the_file_reads_again() {
    let dir = tempfile::tempdir().unwrap();
    let writer = open(dir.path());
    let reader = open(dir.path());
    writer.upsert(vec![rec(1)]).unwrap();
    assert_eq!(reader.len().unwrap(), 1);
    writer.upsert(vec![rec(2)]).unwrap();
    let before_third = fs::metadata(log_path(dir.path())).unwrap().len() as usize;
    writer.upsert(vec![rec(3)]).unwrap();
    writer.upsert(vec![rec(4)]).unwrap();
    // The reader's catch-up reads rec(2)'s frame, then meets damage in rec(3)'s payload (not
    // the tail, so it is an error, not a torn write).
    let good = fs::read(log_path(dir.path())).unwrap();
    let mut bad = good.clone();
    bad[before_third + 12 + 5] ^= 0xFF;
    fs::write(log_path(dir.path()), &bad).unwrap();
    match reader.len() {
        Err(MemoryError::Corrupt { detail, .. }) => {
            assert!(detail.contains("checksum"), "{detail}")
        }
        other => panic!("expected Corrupt, got {other:?}"),
    }
    // Its offset had already passed rec(2), which never reached its state: once the file reads
    // again, the reader must see rec(2) too, not resume after it.
    fs::write(log_path(dir.path()), &good).unwrap();
    assert_eq!(reader.len().unwrap(), 4);
    for i in 1..=4 {
        assert_eq!(reader.get(&rec(i).id).unwrap().unwrap(), rec(i), "rec({i})");
    }
}
