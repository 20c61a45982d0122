//! The in-memory image of a store: records by slot, vectors, and the scope / category / time
//! indexes every query reads. Mutated only by applying log entries, so every process that
//! replays the same log reaches the same state.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, HashMap};

use crewai_rust_serialization::record::{Entry, Record, encoded_record_len};
use serde_json::{Map, Value};

use crate::error::{MemoryError, Result};
use crate::scope::in_scope;
use crate::vector::Vectors;

/// A live record; its embedding lives in [`Vectors`] (the record's own field stays `None`).
#[derive(Debug)]
pub(crate) struct Stored {
    pub rec: Record,
    pub meta: Map<String, Value>,
    pub has_vec: bool,
    bytes: usize,
}

#[derive(Debug)]
pub struct State {
    ctor_dim: Option<usize>,
    pub(crate) vectors: Option<Vectors>,
    pub(crate) slots: Vec<Option<Stored>>,
    free: Vec<u32>,
    by_id: HashMap<String, u32>,
    pub(crate) scopes: BTreeMap<String, BTreeSet<u32>>,
    pub(crate) categories: BTreeMap<String, BTreeSet<u32>>,
    pub(crate) order: BTreeSet<(Reverse<i64>, String)>,
    live_bytes: usize,
}

impl State {
    pub fn new(ctor_dim: Option<usize>) -> Self {
        Self {
            ctor_dim,
            vectors: ctor_dim.map(Vectors::new),
            slots: Vec::new(),
            free: Vec::new(),
            by_id: HashMap::new(),
            scopes: BTreeMap::new(),
            categories: BTreeMap::new(),
            order: BTreeSet::new(),
            live_bytes: 0,
        }
    }

    pub fn dim(&self) -> Option<usize> {
        self.vectors.as_ref().map(Vectors::dim)
    }

    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }

    /// Encoded bytes of the live records: what a compacted file would hold.
    pub fn live_bytes(&self) -> usize {
        self.live_bytes
    }

    pub(crate) fn slot_of(&self, id: &str) -> Option<u32> {
        self.by_id.get(id).copied()
    }

    pub(crate) fn stored(&self, slot: u32) -> &Stored {
        self.slots[slot as usize].as_ref().expect("live slot")
    }

    /// A full copy of a live record, embedding included.
    pub fn record_at(&self, slot: u32) -> Record {
        let s = self.stored(slot);
        let mut rec = s.rec.clone();
        if s.has_vec {
            rec.embedding = self.vectors.as_ref().map(|v| v.get(slot as usize).to_vec());
        }
        rec
    }

    pub fn get(&self, id: &str) -> Option<Record> {
        self.slot_of(id).map(|s| self.record_at(s))
    }

    /// Apply one log entry. Entries were validated before they were written, so a failure
    /// here means the log disagrees with this handle's constructor dimension.
    pub fn apply(&mut self, entry: Entry) -> Result<()> {
        match entry {
            Entry::Upsert(records) => {
                for r in records {
                    self.upsert(r)?;
                }
            }
            Entry::Delete(ids) => {
                for id in ids {
                    self.remove(&id);
                }
            }
            Entry::Touch { ids, last_accessed } => {
                for id in ids {
                    if let Some(slot) = self.slot_of(&id)
                        && let Some(s) = self.slots[slot as usize].as_mut()
                    {
                        s.bytes = s.bytes + last_accessed.len() - s.rec.last_accessed.len();
                        self.live_bytes =
                            self.live_bytes + last_accessed.len() - s.rec.last_accessed.len();
                        s.rec.last_accessed.clone_from(&last_accessed);
                    }
                }
            }
            Entry::Clear => *self = State::new(self.ctor_dim),
        }
        Ok(())
    }

    fn upsert(&mut self, mut rec: Record) -> Result<()> {
        let embedding = rec.embedding.take();
        if let Some(e) = &embedding {
            match self.dim() {
                None => {
                    let mut v = Vectors::new(e.len());
                    v.ensure_slots(self.slots.len());
                    self.vectors = Some(v);
                }
                Some(d) if d != e.len() => {
                    return Err(MemoryError::DimensionMismatch {
                        stored: d,
                        got: e.len(),
                    });
                }
                Some(_) => {}
            }
        }
        self.remove(&rec.id);
        let meta = match serde_json::from_str::<Value>(&rec.metadata) {
            Ok(Value::Object(m)) => m,
            _ => Map::new(),
        };
        let slot = match self.free.pop() {
            Some(s) => s,
            None => {
                self.slots.push(None);
                (self.slots.len() - 1) as u32
            }
        };
        let mut bytes = encoded_record_len(&rec);
        if let (Some(e), Some(v)) = (&embedding, self.vectors.as_mut()) {
            bytes += 4 + 4 * e.len();
            v.set(slot as usize, e);
        }
        self.live_bytes += bytes;
        self.by_id.insert(rec.id.clone(), slot);
        self.scopes
            .entry(rec.scope.clone())
            .or_default()
            .insert(slot);
        for c in &rec.categories {
            self.categories.entry(c.clone()).or_default().insert(slot);
        }
        self.order.insert((Reverse(rec.created_us), rec.id.clone()));
        let has_vec = embedding.is_some();
        self.slots[slot as usize] = Some(Stored {
            rec,
            meta,
            has_vec,
            bytes,
        });
        Ok(())
    }

    fn remove(&mut self, id: &str) -> bool {
        let Some(slot) = self.by_id.remove(id) else {
            return false;
        };
        let s = self.slots[slot as usize]
            .take()
            .expect("indexed slot is live");
        self.live_bytes -= s.bytes;
        remove_from(&mut self.scopes, &s.rec.scope, slot);
        for c in &s.rec.categories {
            remove_from(&mut self.categories, c, slot);
        }
        self.order.remove(&(Reverse(s.rec.created_us), s.rec.id));
        if s.has_vec
            && let Some(v) = self.vectors.as_mut()
        {
            v.clear_slot(slot as usize);
        }
        self.free.push(slot);
        true
    }

    /// Every live record as upsert batches of about `batch_bytes`, for compaction.
    pub fn snapshot_entries(&self, batch_bytes: usize) -> impl Iterator<Item = Entry> + '_ {
        let mut slots = self.by_id.values().copied().collect::<Vec<_>>();
        slots.sort_unstable();
        let mut it = slots.into_iter().peekable();
        std::iter::from_fn(move || {
            it.peek()?;
            let mut batch = Vec::new();
            let mut size = 0;
            while size < batch_bytes
                && let Some(slot) = it.next()
            {
                size += self.stored(slot).bytes;
                batch.push(self.record_at(slot));
            }
            Some(Entry::Upsert(batch))
        })
    }

    /// Live slots in `scope_prefix` (canonical; `None` = all) and having any of `categories`
    /// (empty = no category filter). `None` = every live slot.
    pub(crate) fn candidates(
        &self,
        scope: Option<&str>,
        categories: &[String],
    ) -> Option<Vec<u32>> {
        let by_cat = || {
            let mut v: Vec<u32> = categories
                .iter()
                .filter_map(|c| self.categories.get(c))
                .flatten()
                .copied()
                .collect();
            v.sort_unstable();
            v.dedup();
            v
        };
        match (scope, categories.is_empty()) {
            (None, true) => None,
            (None, false) => Some(by_cat()),
            (Some(p), true) => Some(self.scope_slots(p).collect()),
            (Some(p), false) => Some(
                by_cat()
                    .into_iter()
                    .filter(|&s| in_scope(&self.stored(s).rec.scope, Some(p)))
                    .collect(),
            ),
        }
    }

    /// Distinct stored scopes at or under `prefix` (canonical, `None` = all).
    pub(crate) fn scopes_under<'a>(
        &'a self,
        prefix: Option<&'a str>,
    ) -> impl Iterator<Item = (&'a String, &'a BTreeSet<u32>)> + 'a {
        let start = prefix.unwrap_or("").to_owned();
        self.scopes
            .range(start..)
            .take_while(move |(s, _)| prefix.is_none_or(|p| s.starts_with(p)))
            .filter(move |(s, _)| in_scope(s, prefix))
    }

    fn scope_slots<'a>(&'a self, prefix: &'a str) -> impl Iterator<Item = u32> + 'a {
        self.scopes_under(Some(prefix))
            .flat_map(|(_, set)| set.iter().copied())
    }
}

fn remove_from(index: &mut BTreeMap<String, BTreeSet<u32>>, key: &str, slot: u32) {
    if let Some(set) = index.get_mut(key) {
        set.remove(&slot);
        if set.is_empty() {
            index.remove(key);
        }
    }
}
