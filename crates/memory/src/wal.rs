//! The store's file: one append-only log of codec frames, replaced atomically by a compacted
//! copy, shared between processes through an exclusive lock on a separate lock file.
//!
//! Writers append under the lock after catching up; readers catch up without the lock (every
//! byte below the file's length was written before the length grew, so a reader sees whole
//! frames and at worst an in-progress tail it leaves alone). Only a lock holder truncates a
//! torn tail, so a reader never discards another process's write in progress.
//!
//! Each handle publishes where its state stands in the file ([`Applied`]) outside its own
//! mutex, so a read on the same handle checks the file against it without waiting for a write
//! that holds the mutex through an append, an fsync or a whole compaction.

use std::fs::{self, File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crewai_rust_serialization::record::{
    Entry, FileHeader, FrameRead, HEADER_LEN, decode_entry_each, encode_entry, encode_frame,
    read_frame,
};

use crate::error::{MemoryError, Result};

const LOG_NAME: &str = "memory.crlog";
const LOCK_NAME: &str = "memory.lock";
const COMPACT_NAME: &str = "memory.crlog.compact";
/// The log of the Python reference engine (`python/crewai_rust/memory/_reference_log.py`),
/// whose records this engine cannot read.
const REFERENCE_LOG_NAME: &str = "reference-log.jsonl";

/// Tails at least this long are mapped rather than read when replayed under the lock.
const MAP_MIN_BYTES: usize = 1 << 20;
/// Buffer size of an unlocked tail read (grown only for a single frame larger than it).
#[cfg(not(debug_assertions))]
const READ_CHUNK_BYTES: usize = 8 << 20;
/// Tiny in debug builds (`cargo test`) so that every durability and multi-process test reads
/// frames straddling chunk boundaries.
#[cfg(debug_assertions)]
const READ_CHUNK_BYTES: usize = 64;

/// How long a writer waits for another process's lock before `StoreLockedError`.
const LOCK_TIMEOUT: Duration = Duration::from_secs(60);

/// What a catch-up found in the file.
#[derive(Debug)]
pub enum Event {
    /// The file was replaced by a compacted copy: drop everything, then apply what follows.
    Replaced,
    Entry(Entry),
    /// While opening: the file's generation and the offset everything before has been applied
    /// up to (sent before the first entry and after each one), so a saved index made at that
    /// point can be attached.
    Mark {
        generation: u64,
        offset: u64,
    },
}

/// Identity of the file currently at the log path (changes when compaction renames over it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct FileId(u64, u64);

#[cfg(unix)]
fn file_id(meta: &fs::Metadata, _path: &Path) -> Result<FileId> {
    use std::os::unix::fs::MetadataExt;
    Ok(FileId(meta.dev(), meta.ino()))
}

#[cfg(not(unix))]
fn file_id(_meta: &fs::Metadata, path: &Path) -> Result<FileId> {
    // Without inode numbers the header's generation identifies the file.
    let mut h = [0u8; HEADER_LEN];
    File::open(path)
        .and_then(|mut f| f.read_exact(&mut h))
        .map_err(MemoryError::io("reading the store header"))?;
    let header = FileHeader::decode(&h).map_err(|e| corrupt(path, e.0))?;
    Ok(FileId(header.generation, 0))
}

fn corrupt(path: &Path, detail: impl Into<String>) -> MemoryError {
    MemoryError::Corrupt {
        path: path.display().to_string(),
        detail: detail.into(),
    }
}

fn new_generation() -> u64 {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    nanos ^ (u64::from(std::process::id()) << 40)
}

/// What a handle's state holds of the file, readable without the handle's `Wal` mutex.
///
/// Published by the store only once the frames up to `offset` are in its state (or queued to
/// it), so "the file is no longer than this" proves a reader has nothing to catch up on.
#[derive(Debug)]
pub struct Applied {
    log_path: PathBuf,
    /// `None` while a full reload is pending (nothing may be assumed about the file).
    pos: parking_lot::Mutex<Option<Position>>,
}

#[derive(Debug, Clone, Copy)]
struct Position {
    id: FileId,
    offset: u64,
    /// End of the frame this handle is appending right now (= `offset` when none): those
    /// bytes are not acknowledged to anyone yet, so a reader may leave them out.
    writing_to: u64,
}

impl Applied {
    /// Whether the file at the log path holds nothing acknowledged that this handle's state
    /// lacks: the same file, no longer than what was applied plus this handle's own write in
    /// progress. Nobody else can append meanwhile: that write holds the file lock.
    pub fn is_current(&self) -> Result<bool> {
        // Read before the file: whatever was acknowledged before this call began is already
        // in this position (published before the acknowledgement), so a longer file is caught.
        let Some(pos) = *self.pos.lock() else {
            return Ok(false);
        };
        let meta =
            fs::metadata(&self.log_path).map_err(MemoryError::io("checking the store log"))?;
        let len = meta.len();
        Ok(file_id(&meta, &self.log_path)? == pos.id && pos.offset <= len && len <= pos.writing_to)
    }

    fn set(&self, pos: Option<Position>) {
        *self.pos.lock() = pos;
    }
}

/// An exclusive hold on the store's lock file; released on drop.
#[derive(Debug)]
pub struct LockGuard(Arc<File>);

impl Drop for LockGuard {
    fn drop(&mut self) {
        let _ = self.0.unlock();
    }
}

#[derive(Debug)]
pub struct Wal {
    dir: PathBuf,
    log_path: PathBuf,
    lock: Arc<File>,
    file: File,
    id: FileId,
    /// Every byte before this offset has been applied by this handle.
    offset: u64,
    generation: u64,
    /// Opening: send `Event::Mark`s.
    marks: bool,
    /// The next catch-up replays the whole file (see [`Wal::force_reload`]).
    reload: bool,
    fsync: bool,
    applied: Arc<Applied>,
    /// Tests: the next compaction stops here after writing its first frame.
    #[cfg(test)]
    pub(crate) compaction_pause: Option<Pause>,
    /// Tests: the next append stops here after writing its frame, before syncing it.
    #[cfg(test)]
    pub(crate) append_pause: Option<Pause>,
    /// Tests: the next compaction fails after writing its first frame (as a full disk would).
    #[cfg(test)]
    pub(crate) compaction_fault: bool,
}

/// A step paused midway (tests): `reached` is signalled, then the step waits for `resume`
/// (or for its sender to be dropped, so a failing test never leaves it hanging).
#[cfg(test)]
pub(crate) struct Pause {
    pub reached: std::sync::mpsc::Sender<()>,
    pub resume: std::sync::mpsc::Receiver<()>,
}

#[cfg(test)]
impl Pause {
    fn wait(self) {
        let _ = self.reached.send(());
        let _ = self.resume.recv();
    }
}

#[cfg(test)]
impl std::fmt::Debug for Pause {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Pause")
    }
}

impl Wal {
    /// Open (creating if needed) the store in `dir`; `sink` receives every entry on file.
    pub fn open(
        dir: &Path,
        fsync: bool,
        sink: &mut dyn FnMut(Event) -> Result<()>,
    ) -> Result<Self> {
        fs::create_dir_all(dir).map_err(MemoryError::io(format!(
            "creating the store directory {}",
            dir.display()
        )))?;
        let lock = Arc::new(
            OpenOptions::new()
                .create(true)
                .truncate(false)
                .read(true)
                .write(true)
                .open(dir.join(LOCK_NAME))
                .map_err(MemoryError::io("opening the store lock file"))?,
        );
        let log_path = dir.join(LOG_NAME);
        let guard = lock_exclusive(&lock, &log_path)?;
        // A compaction's copy only exists while its writer holds the lock: one found now was
        // left by a writer killed mid-compaction (or an old failed one), and may be as large
        // as the whole store.
        let _ = fs::remove_file(dir.join(COMPACT_NAME));
        refuse_other_engine(dir)?;
        if !log_path.exists() {
            // Created whole under a temporary name, so nobody ever sees a file without header.
            let tmp = dir.join(COMPACT_NAME);
            let mut f = File::create(&tmp).map_err(MemoryError::io("creating the store log"))?;
            f.write_all(&FileHeader::new(new_generation()).encode())
                .and_then(|()| f.sync_all())
                .map_err(MemoryError::io("writing the store log header"))?;
            fs::rename(&tmp, &log_path).map_err(MemoryError::io("creating the store log"))?;
            sync_dir(dir)?;
        }
        let (file, id, generation) = open_log(&log_path)?;
        let applied = Arc::new(Applied {
            log_path: log_path.clone(),
            pos: parking_lot::Mutex::new(None),
        });
        let mut wal = Wal {
            dir: dir.to_owned(),
            log_path,
            lock,
            file,
            id,
            offset: HEADER_LEN as u64,
            generation,
            marks: true,
            reload: false,
            fsync,
            applied,
            #[cfg(test)]
            compaction_pause: None,
            #[cfg(test)]
            append_pause: None,
            #[cfg(test)]
            compaction_fault: false,
        };
        sink(Event::Mark {
            generation,
            offset: wal.offset,
        })?;
        wal.read_tail(true, sink)?;
        wal.marks = false;
        // Everything read went through `sink` into the state being opened.
        wal.publish();
        drop(guard);
        Ok(wal)
    }

    /// Make the next catch-up start over from the file's beginning (with `Event::Replaced`):
    /// for a caller that could not apply what the last catch-up read.
    pub fn force_reload(&mut self) {
        self.reload = true;
        self.applied.set(None);
    }

    /// This handle's published position (see [`Applied`]).
    pub fn applied(&self) -> Arc<Applied> {
        Arc::clone(&self.applied)
    }

    /// Declare everything read or appended so far applied to the caller's state (readers on
    /// the same handle then trust it without the mutex; see [`Applied`]).
    pub fn publish(&self) {
        self.applied.set((!self.reload).then_some(Position {
            id: self.id,
            offset: self.offset,
            writing_to: self.offset,
        }));
    }

    /// Mark bytes up to `end` as this handle's append in progress (see [`Position`]).
    fn writing_to(&self, end: u64) {
        let mut pos = self.applied.pos.lock();
        if let Some(p) = pos.as_mut()
            && p.id == self.id
            && p.offset == self.offset
        {
            p.writing_to = end;
        }
    }

    pub fn file_len(&self) -> u64 {
        self.offset
    }

    pub fn generation(&self) -> u64 {
        self.generation
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Block until this handle holds the store's exclusive lock.
    pub fn lock(&self) -> Result<LockGuard> {
        lock_exclusive(&self.lock, &self.log_path)
    }

    /// Whether the file at the log path is still ours and no longer than what we applied.
    pub fn is_current(&self) -> Result<bool> {
        let meta =
            fs::metadata(&self.log_path).map_err(MemoryError::io("checking the store log"))?;
        Ok(!self.reload && file_id(&meta, &self.log_path)? == self.id && meta.len() == self.offset)
    }

    /// Apply whatever other handles appended (or a replacement file) through `sink`.
    /// `locked` = the caller holds the lock, so a torn tail is a crash's and is truncated.
    pub fn catch_up(
        &mut self,
        locked: bool,
        sink: &mut dyn FnMut(Event) -> Result<()>,
    ) -> Result<()> {
        let meta =
            fs::metadata(&self.log_path).map_err(MemoryError::io("checking the store log"))?;
        if self.reload || file_id(&meta, &self.log_path)? != self.id {
            let (file, id, generation) = open_log(&self.log_path)?;
            self.reload = false;
            self.file = file;
            self.id = id;
            self.generation = generation;
            self.offset = HEADER_LEN as u64;
            sink(Event::Replaced)?;
        }
        self.read_tail(locked, sink)
    }

    fn read_tail(&mut self, locked: bool, sink: &mut dyn FnMut(Event) -> Result<()>) -> Result<()> {
        let end = self
            .file
            .metadata()
            .map_err(MemoryError::io("checking the store log"))?
            .len();
        if end < self.offset {
            return Err(corrupt(
                &self.log_path,
                "the log shrank below what was already read",
            ));
        }
        if end == self.offset {
            return Ok(());
        }
        let len = usize::try_from(end - self.offset)
            .map_err(|_| corrupt(&self.log_path, "the log is larger than the address space"))?;
        let start = self.offset;
        let torn = if locked && len >= MAP_MIN_BYTES {
            // Opening replays the whole file: mapping it spares a copy of every byte through a
            // buffer (and the buffer's page faults).
            // SAFETY: the mapping covers bytes below the length we just read, and nothing
            // changes those bytes while we hold the lock: writers only append after catching
            // up under the lock, compaction renames a new file over the path (this inode is
            // left alone), and only a lock holder truncates a torn tail.
            let map = unsafe {
                memmap2::MmapOptions::new()
                    .offset(start)
                    .len(len)
                    .map(&self.file)
            }
            .map_err(MemoryError::io("mapping the store log"))?;
            self.frames(&map, start, sink)?
        } else {
            self.read_chunks(end, sink)?
        };
        if torn && locked {
            // Only the lock holder may decide a tail is a dead writer's and not one in progress.
            self.file
                .set_len(self.offset)
                .map_err(MemoryError::io("truncating the torn tail of the store log"))?;
            if self.fsync {
                self.file
                    .sync_data()
                    .map_err(MemoryError::io("syncing the store log"))?;
            }
        }
        Ok(())
    }

    /// Read `self.offset..end` through a bounded buffer: an unlocked refresh after another
    /// process compacted replays the whole new file, which must not cost its size in memory.
    /// A tail reported torn is only believed when the chunk reached `end`; otherwise the chunk
    /// merely cut a frame, so reading resumes at the last complete frame (doubling the chunk
    /// when not even one frame fit), which gives exactly the answer of one whole-tail buffer.
    fn read_chunks(&mut self, end: u64, sink: &mut dyn FnMut(Event) -> Result<()>) -> Result<bool> {
        let mut chunk = READ_CHUNK_BYTES;
        loop {
            let at = self.offset;
            let left = end - at;
            let want = usize::try_from(left).map_or(chunk, |l| l.min(chunk));
            let mut buf = vec![0u8; want];
            self.file
                .seek(SeekFrom::Start(at))
                .and_then(|_| self.file.read_exact(&mut buf))
                .map_err(MemoryError::io("reading the store log"))?;
            let torn = self.frames(&buf, at, sink)?;
            if want as u64 == left {
                return Ok(torn);
            }
            if self.offset == at {
                chunk = chunk.saturating_mul(2);
            }
        }
    }

    /// Apply the complete frames of `buf` (the file's bytes from offset `start` to its end),
    /// advancing `self.offset` past each; returns whether the rest is a torn tail. What counts
    /// as torn rather than corrupt is the codec's rule ([`read_frame`]), the one place it lives.
    fn frames(
        &mut self,
        buf: &[u8],
        start: u64,
        sink: &mut dyn FnMut(Event) -> Result<()>,
    ) -> Result<bool> {
        let mut at = 0usize;
        loop {
            let pos = start + at as u64;
            let (payload, next) = match read_frame(buf, at) {
                FrameRead::Frame { payload, next } => (payload, next),
                FrameRead::End => return Ok(false),
                FrameRead::Torn => return Ok(true),
                FrameRead::Corrupt(what) => {
                    return Err(corrupt(&self.log_path, format!("{what} at offset {pos}")));
                }
            };
            // Record by record: a replayed batch never holds all its embeddings at once.
            decode_entry_each(payload, |e| sink(Event::Entry(e)))
                .map_err(|e| corrupt(&self.log_path, format!("at offset {pos}: {e}")))??;
            at = next;
            self.offset = start + at as u64;
            if self.marks {
                sink(Event::Mark {
                    generation: self.generation,
                    offset: self.offset,
                })?;
            }
        }
    }

    /// Append one entry (caller holds the lock and has caught up). On failure the file is cut
    /// back so no partial frame stays behind.
    pub fn append(&mut self, entry: &Entry) -> Result<()> {
        let frame = encode_frame(&encode_entry(entry));
        self.writing_to(self.offset + frame.len() as u64);
        let res = (|| {
            self.file.seek(SeekFrom::Start(self.offset))?;
            self.file.write_all(&frame)?;
            #[cfg(test)]
            if let Some(p) = self.append_pause.take() {
                p.wait();
            }
            if self.fsync {
                self.file.sync_data()?;
            }
            Ok(())
        })();
        if let Err(e) = res {
            let _ = self.file.set_len(self.offset);
            self.writing_to(self.offset);
            return Err(MemoryError::Io {
                context: "appending to the store log".into(),
                source: e,
            });
        }
        self.offset += frame.len() as u64;
        Ok(())
    }

    /// Replace the log by a file holding only `entries` (caller holds the lock, has caught up
    /// and applied everything: the new file is published as applied). Written and synced under
    /// a temporary name, then renamed: a crash at any point leaves either the old file or the
    /// new one, and readers of the old file finish undisturbed.
    pub fn compact(&mut self, entries: impl Iterator<Item = Entry>) -> Result<()> {
        let tmp = self.dir.join(COMPACT_NAME);
        let err = MemoryError::io("writing the compacted store log");
        let written = (|| -> std::io::Result<u64> {
            let mut f = std::io::BufWriter::with_capacity(1 << 20, File::create(&tmp)?);
            f.write_all(&FileHeader::new(new_generation()).encode())?;
            let mut len = HEADER_LEN as u64;
            for e in entries {
                let frame = encode_frame(&encode_entry(&e));
                f.write_all(&frame)?;
                len += frame.len() as u64;
                #[cfg(test)]
                if let Some(p) = self.compaction_pause.take() {
                    p.wait();
                }
                #[cfg(test)]
                if std::mem::take(&mut self.compaction_fault) {
                    return Err(std::io::Error::other("injected fault"));
                }
            }
            let f = f.into_inner().map_err(|e| e.into_error())?;
            f.sync_all()?;
            Ok(len)
        })()
        .and_then(|len| fs::rename(&tmp, &self.log_path).map(|()| len))
        .map_err(|e| {
            // A partial copy left behind would hold disk space until the next compaction
            // (on a full disk, the space the log's own appends need).
            let _ = fs::remove_file(&tmp);
            err(e)
        })?;
        // Published before the directory sync, so readers stop taking the slow path at once.
        let (file, id, generation) = open_log(&self.log_path)?;
        self.file = file;
        self.id = id;
        self.generation = generation;
        self.offset = written;
        self.publish();
        sync_dir(&self.dir)
    }
}

/// Refuse a directory where the Python reference engine has written anything beyond its
/// log's header line: opening it here would show an empty store and start a second, separate
/// one beside it (each engine reads only its own file), silently splitting the records.
fn refuse_other_engine(dir: &Path) -> Result<()> {
    let path = dir.join(REFERENCE_LOG_NAME);
    let Ok(file) = File::open(&path) else {
        return Ok(());
    };
    let mut head = Vec::new();
    file.take(4096)
        .read_to_end(&mut head)
        .map_err(MemoryError::io("reading the Python engine's log"))?;
    let header_end = head
        .iter()
        .position(|&b| b == b'\n')
        .map_or(head.len(), |i| i + 1);
    if head.len() <= header_end {
        return Ok(());
    }
    Err(MemoryError::OtherEngine(format!(
        "the memory store at {} was written by the Python reference engine ({REFERENCE_LOG_NAME}), \
         whose records the Rust engine cannot read: open it with impl=\"python\", or use \
         another directory for the Rust engine",
        dir.display()
    )))
}

fn open_log(path: &Path) -> Result<(File, FileId, u64)> {
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
        .map_err(MemoryError::io(format!(
            "opening the store log {}",
            path.display()
        )))?;
    let mut h = [0u8; HEADER_LEN];
    file.read_exact(&mut h)
        .map_err(|_| corrupt(path, "the file is shorter than its header"))?;
    let header = FileHeader::decode(&h).map_err(|e| corrupt(path, e.0))?;
    let meta = file
        .metadata()
        .map_err(MemoryError::io("checking the store log"))?;
    let id = file_id(&meta, path)?;
    Ok((file, id, header.generation))
}

fn lock_exclusive(lock: &Arc<File>, path: &Path) -> Result<LockGuard> {
    let start = Instant::now();
    let mut pause = Duration::from_micros(50);
    loop {
        match lock.try_lock() {
            Ok(()) => return Ok(LockGuard(Arc::clone(lock))),
            Err(fs::TryLockError::WouldBlock) => {
                if start.elapsed() > LOCK_TIMEOUT {
                    return Err(MemoryError::Locked(path.display().to_string()));
                }
                std::thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_millis(5));
            }
            Err(fs::TryLockError::Error(e)) => {
                return Err(MemoryError::Io {
                    context: "locking the store".into(),
                    source: e,
                });
            }
        }
    }
}

#[cfg(unix)]
fn sync_dir(dir: &Path) -> Result<()> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(MemoryError::io("syncing the store directory"))
}

#[cfg(not(unix))]
fn sync_dir(_dir: &Path) -> Result<()> {
    Ok(())
}
