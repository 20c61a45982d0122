//! The ANN graph saved next to the log (`memory.hnsw`), valid for one log generation up to one
//! offset: reopening attaches it at that point of the replay instead of rebuilding. Anything
//! that does not match exactly (other generation, damaged bytes, different slots) is ignored and
//! the graph is rebuilt in the background as if the file were absent.

use std::collections::BTreeSet;
use std::fs;
use std::io::Write;
use std::path::Path;

use crate::hnsw::Hnsw;

const NAME: &str = "memory.hnsw";
const MAGIC: &[u8; 8] = b"CRWMHNSW";
const VERSION: u16 = 1;

/// Write the graph for the state at (`generation`, `offset`), with the slots it does not hold
/// yet; atomic via a temporary + rename.
pub(crate) fn save(
    dir: &Path,
    generation: u64,
    offset: u64,
    graph: &Hnsw,
    pending: &BTreeSet<u32>,
) -> std::io::Result<()> {
    let mut body = Vec::with_capacity(4 + 4 * pending.len());
    body.extend_from_slice(&(pending.len() as u32).to_le_bytes());
    for s in pending {
        body.extend_from_slice(&s.to_le_bytes());
    }
    body.extend_from_slice(&graph.encode());
    let mut out = Vec::with_capacity(body.len() + 32);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&VERSION.to_le_bytes());
    out.extend_from_slice(&generation.to_le_bytes());
    out.extend_from_slice(&offset.to_le_bytes());
    out.extend_from_slice(&body);
    let crc = crc32fast::hash(&out);
    out.extend_from_slice(&crc.to_le_bytes());
    let tmp = dir.join("memory.hnsw.tmp");
    let mut f = fs::File::create(&tmp)?;
    f.write_all(&out)?;
    drop(f);
    fs::rename(tmp, dir.join(NAME))
}

/// A graph read back: where in the log it belongs, and the vectors it did not hold yet.
#[derive(Debug)]
pub(crate) struct Saved {
    pub generation: u64,
    pub offset: u64,
    pub graph: Hnsw,
    pub pending: BTreeSet<u32>,
}

/// The saved graph, if the file is intact.
pub(crate) fn load(dir: &Path) -> Option<Saved> {
    let bytes = fs::read(dir.join(NAME)).ok()?;
    if bytes.len() < 30 || &bytes[..8] != MAGIC {
        return None;
    }
    let (data, crc) = bytes.split_at(bytes.len() - 4);
    if crc32fast::hash(data) != u32::from_le_bytes(crc.try_into().ok()?) {
        return None;
    }
    if u16::from_le_bytes(data[8..10].try_into().ok()?) != VERSION {
        return None;
    }
    let generation = u64::from_le_bytes(data[10..18].try_into().ok()?);
    let offset = u64::from_le_bytes(data[18..26].try_into().ok()?);
    let body = &data[26..];
    let k = u32::from_le_bytes(body.get(..4)?.try_into().ok()?) as usize;
    let list = body.get(4..4 + 4 * k)?;
    let pending = list
        .chunks_exact(4)
        .map(|b| u32::from_le_bytes(b.try_into().expect("4")))
        .collect();
    let at = 4 + 4 * k;
    Some(Saved {
        generation,
        offset,
        graph: Hnsw::decode(&body[at..])?,
        pending,
    })
}

/// Bytes the saved graph takes on disk (0 without one), for the compaction trigger.
pub(crate) fn file_len(dir: &Path) -> u64 {
    fs::metadata(dir.join(NAME)).map_or(0, |m| m.len())
}

/// Delete the saved graph once it names a log that compaction replaced (it can never be
/// attached again). Best effort: a leftover is ignored on open and counted as garbage.
pub(crate) fn remove(dir: &Path) {
    let _ = fs::remove_file(dir.join(NAME));
}
