//! The ANN graph saved next to the log (`memory.hnsw`), valid for one log generation up to one
//! offset: reopening attaches it at that point of the replay instead of rebuilding. Anything
//! that does not match exactly (other generation, damaged bytes, different slots) is ignored and
//! the graph is rebuilt in the background as if the file were absent.

use std::fs;
use std::io::Write;
use std::path::Path;

use crate::hnsw::Hnsw;

const NAME: &str = "memory.hnsw";
const MAGIC: &[u8; 8] = b"CRWMHNSW";
const VERSION: u16 = 1;

/// Write the graph for the state at (`generation`, `offset`); atomic via a temporary + rename.
pub(crate) fn save(dir: &Path, generation: u64, offset: u64, graph: &Hnsw) -> std::io::Result<()> {
    let body = graph.encode();
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

/// The saved graph with the (generation, offset) it belongs to, if the file is intact.
pub(crate) fn load(dir: &Path) -> Option<(u64, u64, Hnsw)> {
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
    Some((generation, offset, Hnsw::decode(&data[26..])?))
}
