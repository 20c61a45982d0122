//! A hierarchical navigable small world graph over the store's slots (cosine similarity),
//! built incrementally: inserts link a node in place, deletes only mark it (it keeps serving as
//! a waypoint until its slot is reused, when it is relinked from scratch).
//!
//! Level-0 links sit in one flat array with their similarities, so pruning a full neighbour
//! list never recomputes distances; upper levels (1 node in `M` per level) are small vectors.

use std::cmp::Ordering;
use std::collections::BinaryHeap;
use std::sync::atomic::{AtomicU64, Ordering as AtomicOrdering};

use crate::vector::{Vectors, dot, inverse_norm};

/// Links per node on upper levels; level 0 keeps twice as many (the usual HNSW choice).
const M: usize = 16;
const M0: usize = 2 * M;
/// Candidate list size while inserting: higher builds a better graph, slower.
const EF_CONSTRUCTION: usize = 96;

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Scored {
    pub sim: f32,
    pub id: u32,
}

impl Eq for Scored {}

impl Ord for Scored {
    fn cmp(&self, other: &Self) -> Ordering {
        self.sim
            .total_cmp(&other.sim)
            .then_with(|| other.id.cmp(&self.id))
    }
}

impl PartialOrd for Scored {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Visited marks for one search.
struct Visited(Vec<u64>);

impl Visited {
    fn new(n: usize) -> Self {
        Self(vec![0; n.div_ceil(64)])
    }
    /// Mark `i`; true if it was not marked before.
    fn insert(&mut self, i: u32) -> bool {
        let (w, b) = (i as usize / 64, 1u64 << (i % 64));
        let fresh = self.0[w] & b == 0;
        self.0[w] |= b;
        fresh
    }
}

#[derive(Debug, Default)]
pub struct Hnsw {
    /// Per slot: top level + 1 of its node, 0 = no node.
    levels: Vec<u8>,
    /// Per slot: whether its node is a live, searchable record.
    present: Vec<bool>,
    /// Level 0: per slot, `M0` (neighbour, similarity) pairs and a count.
    l0: Vec<(u32, f32)>,
    l0_len: Vec<u8>,
    /// Levels >= 1: per slot, `levels-1` lists.
    upper: Vec<Vec<Vec<(u32, f32)>>>,
    entry: Option<u32>,
    /// Distinct per graph: seeds node levels and tells plans of a replaced graph apart.
    seed: u64,
}

/// A planned insert (see [`Hnsw::plan`]).
#[derive(Debug)]
pub struct Plan {
    graph: u64,
    pub slot: u32,
    level: usize,
    links: Vec<Vec<Scored>>,
    entry: Option<u32>,
}

static NEXT_SEED: AtomicU64 = AtomicU64::new(0x853C_49E6_748F_EA9B);

/// A node's level, geometric with ratio 1/M, from a hash of its slot (splitmix64).
fn level_for(slot: u32, seed: u64) -> usize {
    let mut z = seed ^ u64::from(slot).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    let u = ((z >> 11) as f64 + 1.0) / (1u64 << 53) as f64;
    ((-u.ln()) / (M as f64).ln()).floor().min(15.0) as usize
}

impl Hnsw {
    pub fn new() -> Self {
        Self {
            seed: NEXT_SEED.fetch_add(0x9E37_79B9_7F4A_7C15, AtomicOrdering::Relaxed),
            ..Self::default()
        }
    }

    pub fn heap_bytes(&self) -> usize {
        self.levels.capacity()
            + self.present.capacity()
            + self.l0.capacity() * 8
            + self.l0_len.capacity()
            + self
                .upper
                .iter()
                .map(|u| 24 + u.iter().map(|l| 24 + l.capacity() * 8).sum::<usize>())
                .sum::<usize>()
    }

    fn grow(&mut self, slot: usize) {
        if self.levels.len() <= slot {
            let n = slot + 1;
            self.levels.resize(n, 0);
            self.present.resize(n, false);
            self.l0.resize(n * M0, (0, 0.0));
            self.l0_len.resize(n, 0);
            self.upper.resize_with(n, Vec::new);
        }
    }

    fn links(&self, id: u32, level: usize) -> &[(u32, f32)] {
        if level == 0 {
            let start = id as usize * M0;
            &self.l0[start..start + self.l0_len[id as usize] as usize]
        } else {
            self.upper[id as usize]
                .get(level - 1)
                .map_or(&[], Vec::as_slice)
        }
    }

    /// Mark a slot's node as deleted; it stays a waypoint until the slot is reinserted.
    pub fn remove(&mut self, slot: u32) {
        if let Some(p) = self.present.get_mut(slot as usize) {
            *p = false;
        }
    }

    /// Link slot's current vector into the graph (replacing any node the slot had).
    pub fn insert(&mut self, slot: u32, vectors: &Vectors) {
        let plan = self.plan(slot, vectors);
        self.commit(plan);
    }

    /// The read-only half of an insert (the expensive searches), so it can run under a shared
    /// lock while searches proceed; [`Hnsw::commit`] then links the node.
    pub fn plan(&self, slot: u32, vectors: &Vectors) -> Plan {
        let v = vectors.get(slot as usize);
        let inv = inverse_norm(v);
        let q: Vec<f32> = v.iter().map(|x| x * inv).collect();
        // A reused slot keeps its level: other nodes may still link to it on every level.
        let level = match self.levels.get(slot as usize).copied().unwrap_or(0) {
            0 => level_for(slot, self.seed),
            l => l as usize - 1,
        };
        let mut entry = self.entry;
        if entry == Some(slot) {
            // Relinking the entry point: enter through the highest other node instead.
            entry = (0..self.levels.len() as u32)
                .filter(|&n| n != slot && self.levels[n as usize] > 0)
                .max_by_key(|&n| self.levels[n as usize]);
        }
        let mut links = vec![Vec::new(); level + 1];
        let mut new_entry = entry.is_none_or(|e| level + 1 > self.levels[e as usize] as usize);
        if let Some(mut ep) = entry {
            let top = self.levels[ep as usize] as usize - 1;
            new_entry = level > top;
            let mut ep_sim = vectors.cosine(ep as usize, &q);
            for l in (level + 1..=top).rev() {
                (ep, ep_sim) = self.greedy(vectors, &q, ep, ep_sim, l);
            }
            let mut eps = vec![Scored {
                sim: ep_sim,
                id: ep,
            }];
            for l in (0..=level.min(top)).rev() {
                let found = self.search_layer(vectors, &q, &eps, EF_CONSTRUCTION, l, slot);
                links[l] = select_neighbours(vectors, &found, M);
                eps = found;
            }
        }
        Plan {
            graph: self.seed,
            slot,
            level,
            links,
            entry: if new_entry { Some(slot) } else { entry },
        }
    }

    /// Whether `plan` was made by this graph (not by one a clear has since replaced).
    pub fn owns(&self, plan: &Plan) -> bool {
        plan.graph == self.seed
    }

    /// Link a planned node: its own lists, and the reverse links.
    pub fn commit(&mut self, plan: Plan) {
        let slot = plan.slot;
        self.grow(slot as usize);
        self.levels[slot as usize] = plan.level as u8 + 1;
        self.l0_len[slot as usize] = 0;
        self.upper[slot as usize] = vec![Vec::new(); plan.level];
        self.present[slot as usize] = true;
        for (l, chosen) in plan.links.iter().enumerate() {
            for n in chosen {
                self.push_link(slot, n.id, n.sim, l);
                self.push_link(n.id, slot, n.sim, l);
            }
        }
        self.entry = plan.entry;
    }

    /// Add `to` to `from`'s list at `level`; when full, drop the least similar link.
    fn push_link(&mut self, from: u32, to: u32, sim: f32, level: usize) {
        let list: &mut [(u32, f32)];
        if level == 0 {
            let start = from as usize * M0;
            let len = self.l0_len[from as usize] as usize;
            if len < M0 {
                self.l0[start + len] = (to, sim);
                self.l0_len[from as usize] += 1;
                return;
            }
            list = &mut self.l0[start..start + M0];
        } else {
            let l = &mut self.upper[from as usize][level - 1];
            if l.len() < M {
                l.push((to, sim));
                return;
            }
            list = &mut l[..];
        }
        let (worst, w) = list
            .iter()
            .enumerate()
            .min_by(|a, b| a.1.1.total_cmp(&b.1.1))
            .map(|(i, x)| (i, x.1))
            .expect("full list");
        if sim > w {
            list[worst] = (to, sim);
        }
    }

    fn greedy(
        &self,
        vectors: &Vectors,
        q: &[f32],
        mut ep: u32,
        mut sim: f32,
        level: usize,
    ) -> (u32, f32) {
        loop {
            let mut moved = false;
            for &(n, _) in self.links(ep, level) {
                let s = vectors.cosine(n as usize, q);
                if s > sim {
                    sim = s;
                    ep = n;
                    moved = true;
                }
            }
            if !moved {
                return (ep, sim);
            }
        }
    }

    /// Best-first search of one level from `eps`, keeping `ef` nodes (any node, present or not:
    /// this is for navigation and linking), never returning `skip`.
    fn search_layer(
        &self,
        vectors: &Vectors,
        q: &[f32],
        eps: &[Scored],
        ef: usize,
        level: usize,
        skip: u32,
    ) -> Vec<Scored> {
        // The node being planned may not be in the arrays yet.
        let mut visited = Visited::new(self.levels.len().max(skip as usize + 1));
        visited.insert(skip);
        let mut cand: BinaryHeap<Scored> = BinaryHeap::new();
        let mut best: BinaryHeap<std::cmp::Reverse<Scored>> = BinaryHeap::new();
        for &e in eps {
            if visited.insert(e.id) {
                cand.push(e);
                best.push(std::cmp::Reverse(e));
            }
        }
        while let Some(c) = cand.pop() {
            if best.len() >= ef && c.sim < best.peek().expect("non-empty").0.sim {
                break;
            }
            for &(n, _) in self.links(c.id, level) {
                if !visited.insert(n) {
                    continue;
                }
                let s = Scored {
                    sim: vectors.cosine(n as usize, q),
                    id: n,
                };
                if best.len() < ef || s.sim > best.peek().expect("non-empty").0.sim {
                    cand.push(s);
                    best.push(std::cmp::Reverse(s));
                    if best.len() > ef {
                        best.pop();
                    }
                }
            }
        }
        let mut out: Vec<Scored> = best.into_iter().map(|r| r.0).collect();
        out.sort_unstable_by(|a, b| b.cmp(a));
        out
    }

    /// Up to `ef` accepted nodes nearest to unit query `q`, best first. `accept` says whether a
    /// present node's record passes the filters; every node is still used to navigate.
    pub fn search(
        &self,
        vectors: &Vectors,
        q: &[f32],
        ef: usize,
        accept: &dyn Fn(u32) -> bool,
    ) -> Vec<Scored> {
        let Some(mut ep) = self.entry else {
            return Vec::new();
        };
        let mut sim = vectors.cosine(ep as usize, q);
        let top = self.levels[ep as usize] as usize - 1;
        for l in (1..=top).rev() {
            (ep, sim) = self.greedy(vectors, q, ep, sim, l);
        }
        let mut visited = Visited::new(self.levels.len());
        let mut cand: BinaryHeap<Scored> = BinaryHeap::new();
        // `nav` bounds the exploration frontier; `found` holds accepted results.
        let mut nav: BinaryHeap<std::cmp::Reverse<Scored>> = BinaryHeap::new();
        let mut found: BinaryHeap<std::cmp::Reverse<Scored>> = BinaryHeap::new();
        let start = Scored { sim, id: ep };
        visited.insert(ep);
        cand.push(start);
        nav.push(std::cmp::Reverse(start));
        if self.present[ep as usize] && accept(ep) {
            found.push(std::cmp::Reverse(start));
        }
        while let Some(c) = cand.pop() {
            if nav.len() >= ef && c.sim < nav.peek().expect("non-empty").0.sim {
                break;
            }
            for &(n, _) in self.links(c.id, 0) {
                if !visited.insert(n) {
                    continue;
                }
                let s = Scored {
                    sim: vectors.cosine(n as usize, q),
                    id: n,
                };
                if nav.len() < ef || s.sim > nav.peek().expect("non-empty").0.sim {
                    cand.push(s);
                    nav.push(std::cmp::Reverse(s));
                    if nav.len() > ef {
                        nav.pop();
                    }
                    if self.present[n as usize] && accept(n) {
                        found.push(std::cmp::Reverse(s));
                        if found.len() > ef {
                            found.pop();
                        }
                    }
                }
            }
        }
        let mut out: Vec<Scored> = found.into_iter().map(|r| r.0).collect();
        out.sort_unstable_by(|a, b| b.cmp(a));
        out
    }
}

/// Malkov's heuristic: keep a candidate only if it is closer to the query than to every
/// neighbour already kept, which spreads links across clusters; fill up with the rest.
fn select_neighbours(vectors: &Vectors, found: &[Scored], max: usize) -> Vec<Scored> {
    let mut kept: Vec<Scored> = Vec::with_capacity(max);
    let mut rest = Vec::new();
    for &c in found {
        if kept.len() >= max {
            break;
        }
        let cv = vectors.get(c.id as usize);
        let cinv = vectors.inv_norm(c.id as usize);
        let diverse = kept.iter().all(|k| {
            let s = dot(cv, vectors.get(k.id as usize)) * cinv * vectors.inv_norm(k.id as usize);
            c.sim > s
        });
        if diverse {
            kept.push(c);
        } else {
            rest.push(c);
        }
    }
    for c in rest {
        if kept.len() >= max {
            break;
        }
        kept.push(c);
    }
    kept
}

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
