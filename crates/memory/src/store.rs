//! `Store`: the thread-safe, multi-process memory store every binding call goes through.
//!
//! Writes are serialised by a mutex (threads) and the file lock (processes); each first
//! catches up on the log, validates against the caught-up state, appends, then applies.
//! Reads catch up without the file lock and run under a shared state lock, so searches from
//! many threads proceed in parallel. A read first compares the file with the position this
//! handle published ([`Applied`]) and takes the log's mutex only when another handle or
//! process wrote, so it never waits for this handle's append, fsync or compaction; a
//! compaction reads the state batch by batch, never holding it while it writes.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::JoinHandle;

use crewai_rust_serialization::record::{Entry, Record};
use parking_lot::{Mutex, RwLock};

use crate::error::{MemoryError, Result};
use crate::hybrid::{HybridQuery, TextSearchQuery};
use crate::queries::{DeleteCriteria, ScopeInfo};
use crate::search::SearchQuery;
use crate::state::State;
use crate::text::Language;
use crate::validate::{check_dims, check_record};
use crate::wal::{Applied, Event, Wal};

/// Records per compacted frame, in bytes: large frames read fast, small ones bound memory.
const SNAPSHOT_FRAME_BYTES: usize = 4 << 20;
/// Don't compact tiny files: rewriting them costs more than the bytes they waste.
const COMPACT_MIN_BYTES: u64 = 256 << 10;
/// Compact when the log plus the saved graph exceed the live records' encoded bytes by this
/// factor. The encoding adds a few length prefixes per record (~50 bytes, about 3% of a
/// 384-float record and less for bigger ones), so this keeps disk ≤ 1.3× the raw vector and
/// payload bytes with room to spare; each byte is rewritten about 1 / 0.2 = 5 times.
const COMPACT_RATIO: f64 = 1.2;

/// How often a read re-checks the file while this handle's writer holds the log's mutex.
const REFRESH_POLL: std::time::Duration = std::time::Duration::from_millis(1);

/// When an upsert is durable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    /// Written to the OS before returning: survives the process being killed.
    Flush,
    /// Also `fsync`ed: survives power loss, at the cost of a disk flush per write.
    Fsync,
}

impl Durability {
    pub fn parse(s: &str) -> Result<Self> {
        match s {
            "flush" => Ok(Self::Flush),
            "fsync" => Ok(Self::Fsync),
            other => Err(MemoryError::InvalidInput(format!(
                "durability must be 'flush' or 'fsync', got {other:?}"
            ))),
        }
    }
}

#[derive(Debug)]
pub struct Store {
    path: Option<PathBuf>,
    ctor_dim: Option<usize>,
    wal: Mutex<Option<Wal>>,
    /// What the state holds of the file, readable without `wal`'s mutex (`None` in memory).
    applied: Option<Arc<Applied>>,
    state: Arc<RwLock<State>>,
    closed: AtomicBool,
    /// The background ANN build, if one was started (see `index_build`).
    builder: Mutex<Option<JoinHandle<()>>>,
    cancel: Arc<AtomicBool>,
    /// Counts requests to index (every [`Store::maybe_index`]); a running indexer that finds
    /// the count changed during its round runs another instead of stopping.
    index_asks: Arc<AtomicU64>,
    /// Whether an indexer thread is running and will still look at `index_asks`.
    indexer_alive: Arc<AtomicBool>,
    /// Upserts on file but not yet applied: see [`Store::upsert`].
    unapplied: Mutex<Unapplied>,
}

/// Upserts a save appended to the log while the state was busy (the background indexer holds
/// a shared lock while it plans a graph insert, which takes milliseconds). The save returns at
/// once; the next call that needs the state (any read, any other write) applies them first,
/// in log order, so every caller still sees its own and everyone's earlier writes.
#[derive(Debug, Default)]
struct Unapplied {
    entries: Vec<Entry>,
    /// The state's dimension after its last apply, for validating upserts without the state.
    dim: Option<usize>,
    /// The state's live bytes after its last apply: a save only defers while the file stays
    /// within the compaction bound of these (else it waits, applies and compacts).
    live: usize,
}

impl Store {
    /// Open the store in directory `path` (created if missing), or an in-memory one.
    pub fn open(
        path: Option<&Path>,
        vector_dim: Option<usize>,
        durability: Durability,
    ) -> Result<Self> {
        Self::open_with_language(path, vector_dim, durability, Language::default())
    }

    /// `open`, with the full-text index analysing content for `language` (see [`crate::text`]).
    pub fn open_with_language(
        path: Option<&Path>,
        vector_dim: Option<usize>,
        durability: Durability,
        language: Language,
    ) -> Result<Self> {
        if vector_dim == Some(0) {
            return Err(MemoryError::InvalidInput(
                "vector_dim must be positive".into(),
            ));
        }
        let mut state = State::with_language(vector_dim, language);
        let wal = match path {
            None => None,
            Some(p) => {
                let mut saved = crate::index_file::load(p);
                let mut sink = |ev: Event| {
                    if let Event::Mark { generation, offset } = ev {
                        // The replay has reached the point the saved graph was made at.
                        if saved
                            .as_ref()
                            .is_some_and(|x| (x.generation, x.offset) == (generation, offset))
                            && let Some(x) = saved.take()
                        {
                            state.attach_index(x.graph, x.pending);
                        }
                        return Ok(());
                    }
                    apply_event(&mut state, vector_dim, ev)
                };
                Some(Wal::open(p, durability == Durability::Fsync, &mut sink)?)
            }
        };
        let unapplied = Unapplied {
            entries: Vec::new(),
            dim: state.dim(),
            live: state.live_bytes(),
        };
        let store = Self {
            path: path.map(Path::to_owned),
            ctor_dim: vector_dim,
            applied: wal.as_ref().map(Wal::applied),
            wal: Mutex::new(wal),
            state: Arc::new(RwLock::new(state)),
            closed: AtomicBool::new(false),
            builder: Mutex::new(None),
            cancel: Arc::new(AtomicBool::new(false)),
            index_asks: Arc::new(AtomicU64::new(0)),
            indexer_alive: Arc::new(AtomicBool::new(false)),
            unapplied: Mutex::new(unapplied),
        };
        store.maybe_index();
        Ok(store)
    }

    /// Switch the ANN graph on once the collection is big enough, and keep the background
    /// indexer running while vectors are pending.
    ///
    /// Never waits for the state: it runs after every write, and a write must not wait for the
    /// indexer. A running indexer picks up new pending vectors itself; if the state is busy (a
    /// search or the indexer holds it), the check is handed to a new indexer thread, which
    /// waits for the state, so the graph is always built after the last write (pending vectors
    /// are scanned exactly meanwhile).
    fn maybe_index(&self) {
        self.start_indexer(false);
    }

    /// [`Store::maybe_index`]; with `wait`, makes the check in the calling thread even when it
    /// has to wait for the state (for [`Store::wait_for_index`]).
    fn start_indexer(&self, wait: bool) {
        // Counted before looking at `indexer_alive`: an indexer about to stop clears that flag
        // before reading the count, so either it sees this request or we see it gone.
        self.index_asks.fetch_add(1, Ordering::SeqCst);
        let mut builder = self.builder.lock();
        // Taken, not just read: an indexer finishing a round re-takes the flag the same way, so
        // at most one of us runs an indexer, and only the flag's holder clears it.
        if self
            .indexer_alive
            .compare_exchange(false, true, Ordering::SeqCst, Ordering::SeqCst)
            .is_err()
        {
            return;
        }
        // `None`: the state is busy; the thread decides once it has the lock.
        if self.index_work(wait) == Some(false) {
            self.indexer_alive.store(false, Ordering::SeqCst);
            return;
        }
        let (state, cancel) = (Arc::clone(&self.state), Arc::clone(&self.cancel));
        let (asks, alive) = (
            Arc::clone(&self.index_asks),
            Arc::clone(&self.indexer_alive),
        );
        let handle = std::thread::Builder::new()
            .name("crewai-rust-ann".into())
            .spawn(move || {
                background_priority();
                // Cleared if a round panics (a later write restarts it); a normal exit has
                // cleared it already, and clearing again could wipe a successor's claim.
                let alive = AliveFlag(alive);
                loop {
                    let seen = asks.load(Ordering::SeqCst);
                    if prepare_index(&mut state.write()) {
                        crate::index_build::run(&state, &cancel);
                    }
                    alive.0.store(false, Ordering::SeqCst);
                    if cancel.load(Ordering::SeqCst) || asks.load(Ordering::SeqCst) == seen {
                        break;
                    }
                    // A request came during the round; if a writer saw the flag clear and
                    // started a new indexer meanwhile, that one serves it.
                    if alive
                        .0
                        .compare_exchange(false, true, Ordering::SeqCst, Ordering::SeqCst)
                        .is_err()
                    {
                        break;
                    }
                }
            });
        // Without a thread the store still answers every search exactly (pending = scanned).
        match handle {
            Ok(h) => *builder = Some(h),
            Err(_) => self.indexer_alive.store(false, Ordering::SeqCst),
        }
    }

    /// Whether there is graph work (switching the graph on, linking pending vectors); `None`
    /// when the state is busy and `wait` is false.
    fn index_work(&self, wait: bool) -> Option<bool> {
        {
            let state = if wait {
                Some(self.state.read())
            } else {
                self.state.try_read()
            };
            if !state?.has_index_work() {
                return Some(false);
            }
        }
        let state = if wait {
            Some(self.state.write())
        } else {
            self.state.try_write()
        };
        state.map(|mut s| prepare_index(&mut s))
    }

    /// Wait until the background indexer has linked every vector (benchmarks, tests); true if
    /// searches of large collections now use the graph.
    pub fn wait_for_index(&self) -> bool {
        if self.settle().is_err() {
            return false;
        }
        self.start_indexer(true);
        let mut left = usize::MAX;
        loop {
            let handle = self.builder.lock().take();
            // A panicked indexer leaves the graph as it was; searches stay exact for the
            // vectors it did not link, so stop waiting rather than respawn forever.
            if handle.is_none_or(|h| h.join().is_err()) {
                break;
            }
            let now = self.state.read().pending.len();
            if now >= left {
                break;
            }
            left = now;
            self.start_indexer(true);
        }
        let state = self.state.read();
        state.ann.is_some() && state.pending.is_empty()
    }

    /// Build the ANN graph now, whatever the collection's size (tests, benchmarks).
    pub fn build_index(&self) {
        let mut state = self.state.write();
        let _ = self.settle_into(&mut state, |_| Ok(()));
        state.start_index();
        state.index_step(usize::MAX);
    }

    /// Save a complete graph next to the log so the next open attaches it instead of rebuilding.
    /// Best effort: without the file the graph is simply rebuilt.
    fn save_index(&self) {
        if self.closed.load(Ordering::SeqCst) {
            return;
        }
        let wal = self.wal.lock();
        let Some(wal) = wal.as_ref() else { return };
        let mut state = self.state.write();
        // The graph is saved as of the log's end, so every write on file must be applied.
        if self.settle_into(&mut state, |_| Ok(())).is_err() {
            return;
        }
        if let Some(ann) = state.ann.as_ref()
            && state.pending.len() * 2 < state.vec_count()
        {
            let _ = crate::index_file::save(
                wal.dir(),
                wal.generation(),
                wal.file_len(),
                ann,
                &state.pending,
            );
        }
    }

    /// Scan exactly when a search's candidates need fewer than `floats` f32 reads, else use the
    /// ANN graph (once built). A tuning knob for tests and benchmarks; the default suits 2024-era
    /// CPUs (a few hundred microseconds of scanning).
    pub fn set_exact_budget(&self, floats: usize) {
        self.state.write().exact_budget = floats;
    }

    /// Hold the state's shared lock, as the background indexer does while it plans (tests:
    /// saves meanwhile are deferred, never blocked). Reading from the same thread while holding
    /// it deadlocks.
    #[doc(hidden)]
    pub fn hold_state(&self) -> impl Sized + '_ {
        self.state.read()
    }

    /// Run the check every write ends with (start the indexer if there is graph work), as a
    /// write would (tests: with the state held elsewhere, the check must still lead to a build).
    #[doc(hidden)]
    pub fn request_index(&self) {
        self.maybe_index();
    }

    /// Bytes held by the ANN graph (0 without one).
    pub fn index_heap_bytes(&self) -> usize {
        self.state
            .read()
            .ann
            .as_ref()
            .map_or(0, crate::hnsw::Hnsw::heap_bytes)
    }

    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    pub fn close(&self) {
        self.save_index();
        self.closed.store(true, Ordering::SeqCst);
        self.cancel.store(true, Ordering::SeqCst);
        // Drop the file handles now; the state goes with the last reference.
        self.wal.lock().take();
    }

    fn check_open(&self) -> Result<()> {
        if self.closed.load(Ordering::SeqCst) {
            Err(MemoryError::Closed)
        } else {
            Ok(())
        }
    }

    /// Bring this handle up to date with the file (other handles' and processes' writes).
    ///
    /// Takes the log's mutex only when the file holds something this handle has not applied,
    /// which this handle's own writer (holding the mutex through append, fsync, compaction)
    /// never leaves there: such a write holds the file lock, so nobody else appends meanwhile.
    pub fn refresh(&self) -> Result<()> {
        self.check_open()?;
        let mut wal = match &self.applied {
            None => self.wal.lock(),
            Some(applied) => loop {
                if applied.is_current()? {
                    return Ok(());
                }
                // Another handle or process wrote. If this handle's writer holds the mutex, it
                // catches up on that first and publishes it, which a re-check notices: so poll
                // instead of waiting for the rest of its append or compaction.
                if let Some(w) = self.wal.try_lock_for(REFRESH_POLL) {
                    break w;
                }
            },
        };
        match wal.as_mut() {
            Some(w) if !w.is_current()? => self.catch_up(w, false),
            Some(_) => Ok(()),
            None if self.closed.load(Ordering::SeqCst) => Err(MemoryError::Closed),
            None => Ok(()),
        }
    }

    fn catch_up(&self, wal: &mut Wal, locked: bool) -> Result<()> {
        let mut events = Vec::new();
        let read = wal.catch_up(locked, &mut |ev| {
            events.push(ev);
            Ok(())
        });
        if let Err(e) = read {
            // The log's offset (and, after another process's compaction, its file identity) may
            // already be past frames that never reached the state: start over next time, or
            // this handle would skip them for good and a later compaction would persist that.
            wal.force_reload();
            return Err(e);
        }
        if events.is_empty() {
            wal.publish();
            return Ok(());
        }
        let mut state = self.state.write();
        // Our deferred upserts precede the frames just read; a replacement file includes them.
        let applied = self.settle_into(&mut state, |st| {
            events
                .into_iter()
                .try_for_each(|ev| apply_event(st, self.ctor_dim, ev))
        });
        if applied.is_err() {
            // The frames read are past `wal`'s offset but not (all) in the state: replay the
            // whole file at the next catch-up rather than skip them.
            wal.force_reload();
        }
        applied?;
        drop(state);
        wal.publish();
        self.maybe_index();
        Ok(())
    }

    /// Apply the deferred upserts, then `then`, under the state's write lock; records the
    /// resulting dimension for [`Store::upsert`].
    fn settle_into(
        &self,
        state: &mut State,
        then: impl FnOnce(&mut State) -> Result<()>,
    ) -> Result<()> {
        let mut unapplied = self.unapplied.lock();
        let mut queued = std::mem::take(&mut unapplied.entries).into_iter();
        let mut res = Ok(());
        while let Some(e) = queued.next() {
            // Checked before applying, so a refused entry changes nothing and can be kept: it
            // and everything after it are on file, acknowledged to their callers, and must be
            // retried (in order) rather than dropped.
            if let Err(err) = state.admits(&e) {
                unapplied.entries.push(e);
                unapplied.entries.extend(queued);
                res = Err(err);
                break;
            }
            if let Err(err) = state.apply(e) {
                unapplied.entries.extend(queued);
                res = Err(err);
                break;
            }
        }
        let res = res.and_then(|()| then(state));
        unapplied.dim = state.dim();
        unapplied.live = state.live_bytes();
        res
    }

    /// Apply the deferred upserts now (before reading the state or planning another write).
    fn settle(&self) -> Result<()> {
        if self.unapplied.lock().entries.is_empty() {
            return Ok(());
        }
        let mut state = self.state.write();
        self.settle_into(&mut state, |_| Ok(()))?;
        drop(state);
        self.maybe_index();
        Ok(())
    }

    /// Run a write: under the locks, after catching up, `plan` looks at the state and returns
    /// the entry to log (or none) plus the call's result; the entry is appended, then applied.
    fn write<R>(&self, plan: impl FnOnce(&State) -> Result<(Option<Entry>, R)>) -> Result<R> {
        self.check_open()?;
        let mut wal_slot = self.wal.lock();
        self.check_open()?;
        let Some(wal) = wal_slot.as_mut() else {
            let mut state = self.state.write();
            let (entry, out) = plan(&state)?;
            if let Some(e) = entry {
                state.apply(e)?;
            }
            drop(state);
            self.maybe_index();
            return Ok(out);
        };
        let _guard = wal.lock()?;
        self.catch_up(wal, true)?;
        self.settle()?;
        let (entry, out) = plan(&self.state.read())?;
        if let Some(e) = entry {
            wal.append(&e)?;
            self.apply_appended(wal, e, true)?;
        }
        Ok(out)
    }

    /// Apply an entry just appended to the log, then compact if the file holds enough garbage.
    /// With `wait` false and the state busy, the entry joins the deferred upserts instead.
    fn apply_appended(&self, wal: &mut Wal, entry: Entry, wait: bool) -> Result<()> {
        let state = if wait {
            Some(self.state.write())
        } else {
            self.state.try_write()
        };
        let Some(mut state) = state else {
            self.unapplied.lock().entries.push(entry);
            wal.publish();
            return Ok(());
        };
        let applied = self.settle_into(&mut state, |st| st.apply(entry));
        // The frame is on file whatever the apply's outcome (an error goes to the caller, and
        // a refused deferred entry stays queued for the next call: see `settle_into`).
        wal.publish();
        applied?;
        let live = state.live_bytes();
        drop(state);
        if compaction_due(wal, live) {
            // The entry is on file and applied: the write succeeded. A compaction that fails
            // (disk full while writing the copy) leaves the log as it was and is tried again
            // by a later write; an error here would tell the caller a stored write failed.
            let _ = self.compact_locked(wal);
        }
        self.maybe_index();
        Ok(())
    }

    /// Rewrite the log as the state's live records (caller holds the lock and has applied the
    /// whole file), and drop the saved graph, which names the old file and is now garbage.
    fn compact_locked(&self, wal: &mut Wal) -> Result<()> {
        wal.compact(self.snapshot())?;
        crate::index_file::remove(wal.dir());
        Ok(())
    }

    /// The live records as compacted frames, each batch read under its own brief shared lock:
    /// holding the state through the whole rewrite would queue every reader behind any writer
    /// waiting for it (the indexer's commits). Consistent across batches because records only
    /// change through this handle's log, whose mutex (and file lock) the compaction holds, and
    /// nothing is deferred then: every deferred save was applied before it started.
    fn snapshot(&self) -> impl Iterator<Item = Entry> + '_ {
        let slots: Vec<u32> = self.state.read().live_slots().collect();
        let mut slots = slots.into_iter().peekable();
        std::iter::from_fn(move || {
            slots.peek()?;
            Some(
                self.state
                    .read()
                    .snapshot_batch(&mut slots, SNAPSHOT_FRAME_BYTES),
            )
        })
    }

    /// Compact now regardless of garbage (tests and maintenance).
    pub fn compact(&self) -> Result<()> {
        self.write(|_| Ok((None, ())))?;
        let mut wal_slot = self.wal.lock();
        if let Some(wal) = wal_slot.as_mut() {
            let _guard = wal.lock()?;
            self.catch_up(wal, true)?;
            self.settle()?;
            self.compact_locked(wal)?;
        }
        Ok(())
    }

    /// Size of the log file in bytes (0 in memory).
    pub fn file_bytes(&self) -> u64 {
        self.wal.lock().as_ref().map_or(0, Wal::file_len)
    }

    /// Bytes held by vector storage (for memory figures).
    pub fn vector_heap_bytes(&self) -> usize {
        self.state
            .read()
            .vectors
            .as_ref()
            .map_or(0, crate::vector::Vectors::heap_bytes)
    }

    fn read<R>(&self, f: impl FnOnce(&State) -> Result<R>) -> Result<R> {
        self.refresh()?;
        self.settle()?;
        f(&self.state.read())
    }

    pub fn vector_dim(&self) -> Result<Option<usize>> {
        self.read(|s| Ok(s.dim()))
    }

    pub fn len(&self) -> Result<usize> {
        self.read(|s| Ok(s.len()))
    }

    pub fn is_empty(&self) -> Result<bool> {
        self.len().map(|n| n == 0)
    }

    /// Insert or replace records (one log frame, all or nothing).
    ///
    /// A save never waits for the background indexer: once the frame is on file, the batch is
    /// applied if the state is free, else deferred to the next call that needs the state (see
    /// [`Unapplied`]). Validation needs only the dimension, which is known without the state.
    pub fn upsert(&self, records: Vec<Record>) -> Result<()> {
        for r in &records {
            check_record(r)?;
        }
        if records.is_empty() {
            return self.refresh();
        }
        self.check_open()?;
        let mut wal_slot = self.wal.lock();
        self.check_open()?;
        let Some(wal) = wal_slot.as_mut() else {
            drop(wal_slot);
            return self.write(|state| {
                check_dims(&records, state.dim())?;
                Ok((Some(Entry::Upsert(records)), ()))
            });
        };
        let _guard = wal.lock()?;
        self.catch_up(wal, true)?;
        let live = {
            let unapplied = self.unapplied.lock();
            let deferred_dim = || {
                unapplied.entries.iter().find_map(|e| match e {
                    Entry::Upsert(rs) => rs.iter().find_map(|r| r.embedding.as_ref().map(Vec::len)),
                    _ => None,
                })
            };
            check_dims(&records, unapplied.dim.or_else(deferred_dim))?;
            unapplied.live
        };
        let entry = Entry::Upsert(records);
        wal.append(&entry)?;
        // Deferring while a compaction is due would let the file outgrow its bound for as long
        // as the indexer keeps the state busy: then wait for the state and compact.
        let wait = compaction_due(wal, live);
        self.apply_appended(wal, entry, wait)
    }

    pub fn update(&self, record: Record) -> Result<bool> {
        check_record(&record)?;
        self.write(|state| {
            if state.get(&record.id).is_none() {
                return Ok((None, false));
            }
            check_dims(std::slice::from_ref(&record), state.dim())?;
            Ok((Some(Entry::Upsert(vec![record])), true))
        })
    }

    pub fn get(&self, id: &str) -> Result<Option<Record>> {
        self.read(|s| Ok(s.get(id)))
    }

    pub fn search(&self, q: &SearchQuery) -> Result<Vec<(Record, f32)>> {
        if let Err(p) = crate::validate::check_vector(&q.vector) {
            return Err(MemoryError::InvalidInput(format!("query {p}")));
        }
        self.read(|s| s.search(q))
    }

    /// Full-text (BM25) search; see [`crate::hybrid`].
    pub fn search_text(&self, q: &TextSearchQuery) -> Result<Vec<(Record, f64)>> {
        self.read(|s| Ok(s.search_text(q)))
    }

    /// Hybrid (BM25 + cosine) search; see [`crate::hybrid`].
    pub fn search_hybrid(&self, q: &HybridQuery) -> Result<Vec<(Record, f64)>> {
        if let Err(p) = crate::validate::check_vector(&q.vector) {
            return Err(MemoryError::InvalidInput(format!("query {p}")));
        }
        self.read(|s| s.search_hybrid(q))
    }

    pub fn delete(&self, criteria: &DeleteCriteria) -> Result<usize> {
        self.write(|state| {
            let ids = state.select_for_delete(criteria);
            let n = ids.len();
            Ok(((n > 0).then_some(Entry::Delete(ids)), n))
        })
    }

    pub fn list_records(
        &self,
        scope: Option<&str>,
        limit: usize,
        offset: usize,
    ) -> Result<Vec<Record>> {
        self.read(|s| Ok(s.list_records(scope, limit, offset)))
    }

    pub fn scope_info(&self, path: &str, scope: Option<&str>) -> Result<ScopeInfo> {
        self.read(|s| Ok(s.scope_info(path, scope)))
    }

    pub fn list_scopes(&self, parent: Option<&str>) -> Result<Vec<String>> {
        self.read(|s| Ok(s.list_scopes(parent)))
    }

    pub fn list_categories(&self, scope: Option<&str>) -> Result<BTreeMap<String, usize>> {
        self.read(|s| Ok(s.list_categories(scope)))
    }

    pub fn count(&self, scope: Option<&str>) -> Result<usize> {
        self.read(|s| Ok(s.count(scope)))
    }

    /// `None` clears everything and forgets the dimension (unless given to the constructor).
    pub fn reset(&self, scope: Option<&str>) -> Result<()> {
        self.write(|state| match scope {
            None => Ok((Some(Entry::Clear), ())),
            Some(p) => {
                let ids = state.select_for_delete(&DeleteCriteria {
                    scope_prefix: Some(p.to_owned()),
                    ..Default::default()
                });
                Ok(((!ids.is_empty()).then_some(Entry::Delete(ids)), ()))
            }
        })
    }

    pub fn touch(&self, ids: &[String], last_accessed: &str) -> Result<usize> {
        self.write(|state| {
            let ids = state.existing_ids(ids);
            let n = ids.len();
            let entry = (n > 0).then(|| Entry::Touch {
                ids,
                last_accessed: last_accessed.to_owned(),
            });
            Ok((entry, n))
        })
    }
}

/// Lower the calling thread's CPU priority (the planning threads it starts inherit it): on a
/// busy machine the application's own threads, saving and searching, run first and the
/// indexer takes what is left (measured on 2 loaded cores: bulk load 2.8 -> 1.4 s, single
/// save p99 22 -> 6 ms). Saves never wait for it (see [`Store::upsert`]); a read right after a
/// deferred save waits for at most one graph-insert plan. Best effort, Linux only.
fn background_priority() {
    #[cfg(target_os = "linux")]
    // SAFETY: `gettid` and `setpriority` on the calling thread only change its scheduling
    // priority; neither touches memory.
    unsafe {
        let tid = libc::gettid();
        libc::setpriority(libc::PRIO_PROCESS, tid as libc::id_t, 10);
    }
}

/// Clears an indexer's "alive" flag when its thread ends, however it ends.
struct AliveFlag(Arc<AtomicBool>);

impl Drop for AliveFlag {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.0.store(false, Ordering::SeqCst);
        }
    }
}

/// Whether the log and the saved graph together outgrow `live` encoded bytes by more than
/// [`COMPACT_RATIO`] (small logs excepted: rewriting them costs more than they waste).
fn compaction_due(wal: &Wal, live: usize) -> bool {
    let len = wal.file_len();
    len >= COMPACT_MIN_BYTES
        && (len + crate::index_file::file_len(wal.dir())) as f64 > live as f64 * COMPACT_RATIO
}

/// Switch the graph on if the collection wants one; whether vectors are waiting to be linked.
fn prepare_index(state: &mut State) -> bool {
    if state.wants_index() {
        state.start_index();
    }
    !state.pending.is_empty()
}

fn apply_event(state: &mut State, ctor_dim: Option<usize>, ev: Event) -> Result<()> {
    match ev {
        Event::Replaced => {
            let budget = state.exact_budget;
            *state = State::with_language(ctor_dim, state.text_language());
            state.exact_budget = budget;
            Ok(())
        }
        Event::Entry(e) => state.apply(e),
        Event::Mark { .. } => Ok(()),
    }
}

impl Drop for Store {
    fn drop(&mut self) {
        self.save_index();
        // A running build holds its own reference to the state; tell it to stop early.
        self.cancel.store(true, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests;
