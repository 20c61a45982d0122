//! The graph's byte layout in `memory.hnsw` (see [`crate::index_file`] for the file around it).

use super::{Hnsw, M, M0};

/// Saving the graph next to the log, so reopening a large store needs no rebuild.
impl Hnsw {
    /// Layout (LE): seed u64, entry u32 (u32::MAX = none), slots u32, then per slot: level+1
    /// u8, present u8, level-0 count u8 and that many (u32, f32), then for each upper level a
    /// count u8 and that many (u32, f32).
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(16 + self.levels.len() * (3 + 8 * M));
        out.extend_from_slice(&self.seed.to_le_bytes());
        out.extend_from_slice(&self.entry.unwrap_or(u32::MAX).to_le_bytes());
        out.extend_from_slice(&(self.levels.len() as u32).to_le_bytes());
        let put = |out: &mut Vec<u8>, links: &[(u32, f32)]| {
            out.push(links.len() as u8);
            for (n, s) in links {
                out.extend_from_slice(&n.to_le_bytes());
                out.extend_from_slice(&s.to_le_bytes());
            }
        };
        for slot in 0..self.levels.len() {
            out.push(self.levels[slot]);
            out.push(u8::from(self.present[slot]));
            put(&mut out, self.links(slot as u32, 0));
            for l in &self.upper[slot] {
                put(&mut out, l);
            }
        }
        out
    }

    /// The graph `encode` wrote, or `None` if the bytes are inconsistent.
    pub fn decode(bytes: &[u8]) -> Option<Self> {
        let mut c = Reader { bytes, at: 0 };
        let seed = u64::from_le_bytes(c.take(8)?.try_into().ok()?);
        let entry = u32::from_le_bytes(c.take(4)?.try_into().ok()?);
        let slots = u32::from_le_bytes(c.take(4)?.try_into().ok()?) as usize;
        let mut g = Hnsw {
            seed,
            entry: (entry != u32::MAX).then_some(entry),
            ..Hnsw::default()
        };
        if slots == 0 {
            return (g.entry.is_none() && c.at == bytes.len()).then_some(g);
        }
        // Every slot takes at least 3 bytes (level, present, link count). The tables are sized
        // from the count before any slot is read, so a count the bytes cannot hold (a file
        // with a valid checksum but foreign contents) would allocate up to a terabyte and
        // abort the process instead of being ignored.
        if slots > (bytes.len() - c.at) / 3 {
            return None;
        }
        g.grow(slots - 1);
        for slot in 0..slots {
            let level = c.take(1)?[0];
            let present = c.take(1)?[0] != 0;
            g.levels[slot] = level;
            g.present[slot] = present;
            let l0 = c.links(M0, slots)?;
            g.l0_len[slot] = l0.len() as u8;
            g.l0[slot * M0..slot * M0 + l0.len()].copy_from_slice(&l0);
            for _ in 1..level {
                let l = c.links(M, slots)?;
                g.upper[slot].push(l);
            }
        }
        let entry_ok = g
            .entry
            .is_none_or(|e| (e as usize) < slots && g.levels[e as usize] > 0);
        (entry_ok && c.at == bytes.len()).then_some(g)
    }

    /// Whether the graph covers exactly the slots that hold a vector.
    pub fn covers(&self, slots: usize, has_vector: impl Fn(u32) -> bool) -> bool {
        (0..slots.max(self.present.len()))
            .all(|s| self.present.get(s).copied().unwrap_or(false) == has_vector(s as u32))
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Option<&[u8]> {
        let s = self.bytes.get(self.at..self.at + n)?;
        self.at += n;
        Some(s)
    }

    fn links(&mut self, max: usize, slots: usize) -> Option<Vec<(u32, f32)>> {
        let n = self.take(1)?[0] as usize;
        if n > max {
            return None;
        }
        let mut v = Vec::with_capacity(n);
        for _ in 0..n {
            let raw = self.take(8)?;
            let id = u32::from_le_bytes(raw[..4].try_into().ok()?);
            if id as usize >= slots {
                return None;
            }
            v.push((id, f32::from_le_bytes(raw[4..].try_into().ok()?)));
        }
        Some(v)
    }
}
