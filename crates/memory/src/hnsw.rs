//! A hierarchical navigable small world graph over the store's slots (cosine similarity),
//! built incrementally: inserts link a node in place, deletes only mark it (it keeps serving as
//! a waypoint until its slot is reused, when it is relinked from scratch).
//!
//! Level-0 links sit in one flat array with their similarities, so pruning a full neighbour
//! list never recomputes distances; upper levels (1 node in `M` per level) are small vectors.

use std::cmp::Ordering;
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::atomic::{AtomicU64, Ordering as AtomicOrdering};

use crate::codes::QueryCode;
use crate::vector::{OrdF32, Vectors, dot, inverse_norm, prefetch_lines};

mod codec;
#[cfg(test)]
mod tests;

/// Links per node on upper levels; level 0 keeps twice as many (the usual HNSW choice).
const M: usize = 16;
const M0: usize = 2 * M;

/// Beam width of a search on level 1 (see [`Hnsw::search`]): with a single greedy path,
/// recall@10 at 100k clustered vectors stalled at 0.955 whatever `ef`; 8 gives 0.9995.
const UPPER_BEAM: usize = 8;
/// Candidate list size while inserting: higher builds a better graph, slower.
const EF_CONSTRUCTION: usize = 96;

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Scored {
    pub sim: f32,
    pub id: u32,
}

impl Eq for Scored {}

impl Ord for Scored {
    // Inlined: the walk's heaps compare thousands of times per search, and as calls these
    // comparisons were ~5% of a search whose data is in cache.
    #[inline]
    fn cmp(&self, other: &Self) -> Ordering {
        self.sim
            .total_cmp(&other.sim)
            .then_with(|| other.id.cmp(&self.id))
    }
}

impl PartialOrd for Scored {
    #[inline]
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// How a walk scores the nodes it meets: exactly (inserts, which must link true neighbours) or
/// by the 4-bit codes (searches, which re-score their final candidates exactly).
trait Score {
    fn prefetch(&self, id: u32);
    fn score(&self, id: u32) -> f32;
}

/// Exact cosine with a unit query.
struct Exact<'a> {
    vectors: &'a Vectors,
    q: &'a [f32],
}

impl Score for Exact<'_> {
    #[inline]
    fn prefetch(&self, id: u32) {
        self.vectors.prefetch(id as usize);
    }
    #[inline]
    fn score(&self, id: u32) -> f32 {
        self.vectors.cosine(id as usize, self.q)
    }
}

/// The codes' estimate of the cosine (see [`crate::codes`]).
struct Estimated<'a> {
    vectors: &'a Vectors,
    q: &'a QueryCode,
}

impl Score for Estimated<'_> {
    #[inline]
    fn prefetch(&self, id: u32) {
        self.vectors.prefetch_code(id as usize);
    }
    #[inline]
    fn score(&self, id: u32) -> f32 {
        self.vectors.estimate(id as usize, self.q)
    }
}

/// Visited marks: a stamp per slot, reused across searches on the same thread, so a search
/// neither allocates nor clears a bitmap as large as the collection.
struct Visited {
    stamps: Vec<u32>,
    current: u32,
}

impl Visited {
    /// Start a new search over `n` slots.
    fn reset(&mut self, n: usize) {
        if self.stamps.len() < n {
            self.stamps.resize(n, 0);
        }
        self.current = self.current.wrapping_add(1);
        if self.current == 0 {
            // After 2^32 searches the stamps wrap: clear them once.
            self.stamps.fill(0);
            self.current = 1;
        }
    }
    /// Mark `i`; true if it was not marked before.
    #[inline]
    fn insert(&mut self, i: u32) -> bool {
        let s = &mut self.stamps[i as usize];
        let fresh = *s != self.current;
        *s = self.current;
        fresh
    }
}

thread_local! {
    static VISITED: std::cell::RefCell<Visited> = const {
        std::cell::RefCell::new(Visited { stamps: Vec::new(), current: 0 })
    };
}

/// Run `f` with this thread's visited marks, reset for `n` slots.
fn with_visited<T>(n: usize, f: impl FnOnce(&mut Visited) -> T) -> T {
    VISITED.with(|v| match v.try_borrow_mut() {
        Ok(mut v) => {
            v.reset(n);
            f(&mut v)
        }
        // Never nested today; a fresh set keeps a future nested search correct anyway.
        Err(_) => {
            let mut v = Visited {
                stamps: Vec::new(),
                current: 0,
            };
            v.reset(n);
            f(&mut v)
        }
    })
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
    /// Neighbours whose list is full: the list the heuristic keeps once this node joins,
    /// valid only while their list still equals the one it was computed from.
    prunes: Vec<Prune>,
    /// The node the plan entered the graph through (`None`: the graph had no other node).
    from: Option<u32>,
}

#[derive(Debug)]
struct Prune {
    node: u32,
    level: usize,
    from: Vec<(u32, f32)>,
    to: Vec<(u32, f32)>,
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

    /// Start loading `id`'s link list on `level` (level 0 only: the upper levels are few
    /// nodes, and their lists sit behind a pointer).
    #[inline]
    fn prefetch_links(&self, id: u32, level: usize) {
        if level == 0 {
            let start = id as usize * M0;
            if let Some(links) = self.l0.get(start..start + M0) {
                prefetch_lines(links);
            }
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
        let exact = Exact { vectors, q: &q };
        if let Some(mut ep) = entry {
            let top = self.levels[ep as usize] as usize - 1;
            let mut ep_sim = vectors.cosine(ep as usize, &q);
            for l in (level + 1..=top).rev() {
                (ep, ep_sim) = self.greedy(&exact, ep, ep_sim, l);
            }
            let mut eps = vec![Scored {
                sim: ep_sim,
                id: ep,
            }];
            for l in (0..=level.min(top)).rev() {
                let found = self.search_layer(&exact, &eps, EF_CONSTRUCTION, l, Some(slot));
                links[l] = select_neighbours(vectors, &found, M);
                eps = found;
            }
        }
        let prunes = self.plan_prunes(vectors, slot, &links);
        Plan {
            graph: self.seed,
            slot,
            level,
            links,
            prunes,
            from: entry,
        }
    }

    /// Whether `plan` can be committed to this graph: made by it (not by one a clear has since
    /// replaced), and not planned as the first node of a graph that meanwhile got another one
    /// (committing that would leave two unconnected graphs; planning again links it).
    pub fn owns(&self, plan: &Plan) -> bool {
        plan.graph == self.seed
            && (plan.from.is_some() || self.entry.is_none_or(|e| e == plan.slot))
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
                let pruned = plan.prunes.iter().find(|p| p.node == n.id && p.level == l);
                match pruned {
                    // Another commit changed the list since the plan: fall back to dropping
                    // its least similar link.
                    Some(p) if self.links(n.id, l) == p.from.as_slice() => {
                        self.set_links(n.id, l, &p.to);
                    }
                    _ => self.push_link(n.id, slot, n.sim, l),
                }
            }
        }
        // Decided now, not when planning: plans run in parallel, and the entry must stay the
        // highest node whatever order they commit in.
        let higher = self
            .entry
            .is_none_or(|e| e != slot && plan.level + 1 > self.levels[e as usize] as usize);
        if higher {
            self.entry = Some(slot);
        }
    }

    /// For each chosen neighbour whose list is full, the list Malkov's heuristic keeps from
    /// its links plus the new node (computed here, under the shared lock, so that a commit
    /// only copies it).
    fn plan_prunes(&self, vectors: &Vectors, slot: u32, links: &[Vec<Scored>]) -> Vec<Prune> {
        let mut out = Vec::new();
        for (l, chosen) in links.iter().enumerate() {
            let cap = if l == 0 { M0 } else { M };
            for n in chosen {
                let have = self.links(n.id, l);
                if have.len() < cap || n.id as usize >= self.levels.len() {
                    continue;
                }
                // A reused slot may still be linked from its old node: list it once.
                let mut cands: Vec<Scored> = have
                    .iter()
                    .filter(|&&(id, _)| id != slot)
                    .map(|&(id, sim)| Scored { sim, id })
                    .chain(std::iter::once(Scored {
                        sim: n.sim,
                        id: slot,
                    }))
                    .collect();
                cands.sort_unstable_by(|a, b| b.cmp(a));
                let kept = select_neighbours(vectors, &cands, cap);
                out.push(Prune {
                    node: n.id,
                    level: l,
                    from: have.to_vec(),
                    to: kept.iter().map(|s| (s.id, s.sim)).collect(),
                });
            }
        }
        out
    }

    fn set_links(&mut self, node: u32, level: usize, links: &[(u32, f32)]) {
        if level == 0 {
            let start = node as usize * M0;
            self.l0[start..start + links.len()].copy_from_slice(links);
            self.l0_len[node as usize] = links.len() as u8;
        } else {
            self.upper[node as usize][level - 1] = links.to_vec();
        }
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

    fn greedy(&self, sc: &impl Score, mut ep: u32, mut sim: f32, level: usize) -> (u32, f32) {
        loop {
            let mut moved = false;
            let links = self.links(ep, level);
            for &(n, _) in links {
                sc.prefetch(n);
            }
            for &(n, _) in links {
                let s = sc.score(n);
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
        sc: &impl Score,
        eps: &[Scored],
        ef: usize,
        level: usize,
        skip: Option<u32>,
    ) -> Vec<Scored> {
        // The node being planned may not be in the arrays yet.
        let n = self.levels.len().max(skip.map_or(0, |s| s as usize + 1));
        let mut out = self.walk(sc, eps, ef, level, n, skip, None);
        out.sort_unstable_by(|a, b| b.cmp(a));
        out
    }

    /// The best-first walk both searches share: `nav` bounds the frontier to the `ef` best
    /// nodes seen; with `accept`, results are only the present nodes it accepts (the others
    /// still guide the walk), else the frontier itself. Unsorted.
    #[allow(clippy::too_many_arguments)] // one private walk; a struct would only rename them
    fn walk(
        &self,
        sc: &impl Score,
        eps: &[Scored],
        ef: usize,
        level: usize,
        slots: usize,
        skip: Option<u32>,
        accept: Option<&dyn Fn(u32) -> bool>,
    ) -> Vec<Scored> {
        with_visited(slots, |visited| {
            if let Some(s) = skip {
                visited.insert(s);
            }
            let mut cand: BinaryHeap<Scored> = BinaryHeap::with_capacity(ef * 2);
            let mut nav: BinaryHeap<Reverse<Scored>> = BinaryHeap::with_capacity(ef + 1);
            let mut found: BinaryHeap<Reverse<Scored>> = BinaryHeap::new();
            let keep = |found: &mut BinaryHeap<Reverse<Scored>>, s: Scored| {
                if let Some(acc) = accept
                    && self.present[s.id as usize]
                    && acc(s.id)
                {
                    found.push(Reverse(s));
                    if found.len() > ef {
                        found.pop();
                    }
                }
            };
            for &e in eps {
                if visited.insert(e.id) {
                    cand.push(e);
                    nav.push(Reverse(e));
                    keep(&mut found, e);
                }
            }
            let mut fresh: Vec<u32> = Vec::with_capacity(M0);
            while let Some(c) = cand.pop() {
                if nav.len() >= ef && c.sim < nav.peek().expect("non-empty").0.sim {
                    break;
                }
                fresh.clear();
                for &(n, _) in self.links(c.id, level) {
                    if visited.insert(n) {
                        sc.prefetch(n);
                        fresh.push(n);
                    }
                }
                for &n in &fresh {
                    let s = Scored {
                        sim: sc.score(n),
                        id: n,
                    };
                    if nav.len() < ef || s.sim > nav.peek().expect("non-empty").0.sim {
                        // Its links are read if it is expanded: start loading them now, so
                        // that the expansion does not begin with a cache miss.
                        self.prefetch_links(n, level);
                        cand.push(s);
                        nav.push(Reverse(s));
                        if nav.len() > ef {
                            nav.pop();
                        }
                        keep(&mut found, s);
                    }
                }
            }
            let heap = if accept.is_some() { found } else { nav };
            heap.into_iter().map(|r| r.0).collect()
        })
    }

    /// Accepted nodes nearest to unit query `q` with their exact cosines, best first: at least
    /// the `limit` best the walk found, usually a few more (see [`rescore`]). `accept` says
    /// whether a present node's record passes the filters; every node is still used to
    /// navigate. The walk keeps `ef` candidates; when the vectors have codes it ranks them by
    /// the codes' estimates (see [`crate::codes`]), reading only codes, and only its best
    /// candidates are then read in full.
    pub fn search(
        &self,
        vectors: &Vectors,
        q: &[f32],
        ef: usize,
        limit: usize,
        accept: &dyn Fn(u32) -> bool,
    ) -> Vec<Scored> {
        let mut out = if vectors.coded() {
            let qc = QueryCode::new(q);
            let mut out = self.walk_from_top(&Estimated { vectors, q: &qc }, ef, accept);
            rescore(vectors, q, &mut out, limit);
            out
        } else {
            self.walk_from_top(&Exact { vectors, q }, ef, accept)
        };
        out.sort_unstable_by(|a, b| b.cmp(a));
        out
    }

    /// Descend from the entry point, then walk level 0 keeping `ef` candidates (unsorted).
    fn walk_from_top(
        &self,
        sc: &impl Score,
        ef: usize,
        accept: &dyn Fn(u32) -> bool,
    ) -> Vec<Scored> {
        let Some(mut ep) = self.entry else {
            return Vec::new();
        };
        let mut sim = sc.score(ep);
        let top = self.levels[ep as usize] as usize - 1;
        for l in (2..=top).rev() {
            (ep, sim) = self.greedy(sc, ep, sim, l);
        }
        let mut start = vec![Scored { sim, id: ep }];
        if top >= 1 {
            // A beam rather than a single greedy path on level 1 (a sixteenth of the nodes,
            // so it is cheap): level 0 then starts from several nearby clusters, which keeps a
            // narrow walk from settling in a neighbouring cluster of clustered embeddings.
            start = self.search_layer(sc, &start, UPPER_BEAM, 1, None);
        }
        self.walk(sc, &start, ef, 0, self.levels.len(), None, Some(accept))
    }
}

/// How many candidates ahead of the one being re-scored to start loading, whole (96 lines at
/// dim 1536): their loads then overlap instead of each candidate waiting for its own
/// vector from DRAM.
const RESCORE_AHEAD: usize = 8;
/// Candidates always re-scored exactly, best estimates first (or `2 x limit` if more); the
/// rest only while the estimate error measured on them says they may still enter the top.
/// On the benchmark's clustered data (dim 1536, `limit` 10), this rule re-scores ~29 vectors
/// at 10k and ~39 at 100k for recall@10 1.000 and 0.999; the former fixed best 32 plus a slack
/// of 2 errors re-scored ~44 at both for the same recall (each is a 6 KB read from DRAM).
/// A slack of 1 error would re-score ~23 at 10k and ~31 at 100k, but recall@10 at 100k falls
/// to 0.994.
const RESCORED: usize = 16;
/// How far below the `limit`-th exact score a further candidate's estimate may lie and still
/// be re-scored, in multiples of the largest estimate error seen on this query's re-scored
/// candidates.
const ERROR_SLACK: f32 = 1.5;

/// Replace the candidates' estimates by exact cosines with unit query `q`, best estimates first,
/// and drop the candidates never re-scored. After the first `RESCORED`, a candidate is
/// re-scored only while its estimate plus `ERROR_SLACK` times the largest error measured so far
/// reaches the current `limit`-th exact score: the codes' error is measured on the query itself,
/// so coarse estimates (few dimensions, tight clusters) re-score more and fine ones (1536
/// dimensions) stop early. The worst-case error bound ([`QueryCode::error_bound`], which the
/// filtered scans use) would prove almost nothing here: ~0.23 in cosine at dim 1536, far wider
/// than the spread of a walk's candidates (it could skip 1.2% of the re-scorings at 10k).
fn rescore(vectors: &Vectors, q: &[f32], found: &mut Vec<Scored>, limit: usize) {
    found.sort_unstable_by(|a, b| b.cmp(a));
    let first = RESCORED.max(limit.saturating_mul(2));
    let mut best: BinaryHeap<Reverse<OrdF32>> = BinaryHeap::with_capacity(limit + 1);
    let mut max_err = 0.0f32;
    for f in found.iter().take(RESCORE_AHEAD) {
        vectors.prefetch_whole(f.id as usize);
    }
    let mut kept = found.len();
    for i in 0..found.len() {
        let est = found[i].sim;
        if i >= first
            && best.len() >= limit
            && est + ERROR_SLACK * max_err < best.peek().map_or(f32::NEG_INFINITY, |b| b.0.0)
        {
            // Sorted by estimate: every later candidate is further below.
            kept = i;
            break;
        }
        if let Some(next) = found.get(i + RESCORE_AHEAD) {
            vectors.prefetch_whole(next.id as usize);
        }
        let exact = vectors.cosine(found[i].id as usize, q);
        found[i].sim = exact;
        max_err = max_err.max((est - exact).abs());
        best.push(Reverse(OrdF32(exact)));
        if best.len() > limit {
            best.pop();
        }
    }
    found.truncate(kept);
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
