//! A saved ANN graph file (`memory.hnsw`) whose checksum is right but whose contents are not
//! what the store wrote: opening ignores it (the graph is rebuilt), never aborts the process.

mod common;

use std::path::Path;

use crewai_rust_memory::{Durability, Store};

use common::record;

/// The file `index_file::save` writes, around a graph body given as bytes: magic, version,
/// generation, log offset, no pending slots, the body, then the CRC32 of all of it.
fn write_graph_file(dir: &Path, graph: &[u8]) {
    let mut out = b"CRWMHNSW".to_vec();
    out.extend_from_slice(&1u16.to_le_bytes());
    out.extend_from_slice(&0u64.to_le_bytes());
    out.extend_from_slice(&0u64.to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes());
    out.extend_from_slice(graph);
    let crc = crc32fast::hash(&out);
    out.extend_from_slice(&crc.to_le_bytes());
    std::fs::write(dir.join("memory.hnsw"), out).unwrap();
}

/// A graph header (seed, no entry point) claiming `slots` slots and holding none of them.
fn graph_claiming(slots: u32) -> Vec<u8> {
    let mut g = 7u64.to_le_bytes().to_vec();
    g.extend_from_slice(&u32::MAX.to_le_bytes());
    g.extend_from_slice(&slots.to_le_bytes());
    g
}

#[test]
fn a_graph_file_claiming_more_slots_than_it_holds_is_ignored() {
    let dir = tempfile::tempdir().unwrap();
    {
        let s = Store::open(Some(dir.path()), None, Durability::Flush).unwrap();
        s.upsert(vec![record(
            "a",
            "/",
            &[],
            "{}",
            Some(vec![1.0, 0.0, 0.0, 0.0]),
        )])
        .unwrap();
        s.close();
    }
    // 4 billion slots would be a terabyte of links: the allocation failed and aborted the
    // process before the decoder noticed the file ends after the header.
    for slots in [u32::MAX, 1 << 28, 3] {
        write_graph_file(dir.path(), &graph_claiming(slots));
        let s = Store::open(Some(dir.path()), None, Durability::Flush).unwrap();
        assert_eq!(s.count(None).unwrap(), 1, "slots = {slots}");
        assert_eq!(s.get("a").unwrap().unwrap().id, "a");
        s.close();
    }
}
