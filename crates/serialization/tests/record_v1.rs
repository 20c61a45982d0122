//! A store file written by format version 1 (committed in `tests/data/store_v1.crlog`, produced
//! by the memory store: upsert of two records, touch, delete, clear, upsert) must decode to the
//! entries that wrote it, with every later version of the codec.

use crewai_rust_serialization::record::{
    Entry, FileHeader, FrameRead, HEADER_LEN, Record, decode_entry, read_frame,
};

fn record(id: &str) -> Record {
    Record {
        id: id.into(),
        content: "héllo ✓".into(),
        scope: "/crew/a".into(),
        categories: vec!["a".into(), "b".into()],
        metadata: r#"{"k":1}"#.into(),
        importance: 0.75,
        created_at: "2026-01-02T03:04:05.123456+00:00".into(),
        created_us: 1_767_323_045_123_456,
        last_accessed: "2026-01-02T03:04:05".into(),
        source: Some("agent".into()),
        private: true,
        embedding: Some(vec![1.0, -2.5, 0.125]),
    }
}

#[test]
fn decodes_a_file_written_by_format_v1() {
    let bytes = include_bytes!("data/store_v1.crlog");
    let header = FileHeader::decode(bytes).unwrap();
    assert_eq!(header.version, 1);

    let r2 = Record {
        embedding: None,
        source: None,
        private: false,
        categories: vec![],
        metadata: "{}".into(),
        created_us: -1,
        ..record("r2")
    };
    let r3 = Record {
        scope: "/".into(),
        importance: -1.0,
        ..record("r3")
    };
    let expected = vec![
        Entry::Upsert(vec![record("r1"), r2]),
        Entry::Touch {
            ids: vec!["r1".into()],
            last_accessed: "2026-02-02T00:00:00".into(),
        },
        Entry::Delete(vec!["r2".into()]),
        Entry::Clear,
        Entry::Upsert(vec![r3]),
    ];

    let mut at = HEADER_LEN;
    let mut got = Vec::new();
    loop {
        match read_frame(bytes, at) {
            FrameRead::Frame { payload, next } => {
                got.push(decode_entry(payload).unwrap());
                at = next;
            }
            FrameRead::End => break,
            other => panic!("unexpected {other:?} at {at}"),
        }
    }
    assert_eq!(got, expected);
}
