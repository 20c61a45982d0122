"""The pure-Python store's durable state: an append-only log of JSON lines plus a lock file.

Every change is one line `<crc32 hex> <json>\\n`, written with a single positioned write while
the writer holds an exclusive lock on a separate lock file (`fcntl.flock` on POSIX,
`msvcrt.locking` on Windows). A line that returned is in the OS page cache, so it survives the
writer being killed (`durability="flush"`); `"fsync"` also flushes it to the device. Readers take
no lock: they read complete lines past their offset, so a line being written is picked up at
the next call. A crash can only leave a torn last line; readers ignore it and the next writer cuts
it off before appending. Compaction writes a fresh file and renames it over the log; readers keep
the old file open until they notice the rename, so they never read half of either file. A copy
that cannot be written (disk full) is deleted and the log left as it was; opening, under the
lock, deletes copies left by writers killed mid-compaction and refuses a directory where the Rust
engine has written records (this engine cannot read them, and would start a second store).
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import time
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from crewai_rust.errors import CorruptStoreError, StorageError, StoreLockedError

__all__ = ["LOCK_NAME", "LOG_NAME", "ReferenceLog"]

LOG_NAME = "reference-log.jsonl"
LOCK_NAME = "reference.lock"
_FORMAT = "crewai-rust-memory-reference"
_VERSION = 1
_LOCK_TIMEOUT_S = 60.0
# The Rust engine's log (`crates/memory/src/wal.rs`) and its fixed header: a longer file holds
# records this engine cannot read.
_RUST_LOG_NAME = "memory.crlog"
_RUST_HEADER_LEN = 24
_BINARY = getattr(os, "O_BINARY", 0)

if sys.platform == "win32":  # pragma: no cover - exercised on the Windows CI runners
    import msvcrt

    def _try_lock(fd: int) -> bool:
        os.lseek(fd, 0, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

    def _pread(fd: int, size: int, offset: int) -> bytes:
        os.lseek(fd, offset, os.SEEK_SET)
        chunks = []
        while size > 0:
            chunk = os.read(fd, size)
            if not chunk:
                break
            chunks.append(chunk)
            size -= len(chunk)
        return b"".join(chunks)

    def _pwrite_all(fd: int, data: bytes, offset: int) -> None:
        os.lseek(fd, offset, os.SEEK_SET)
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]

    def _fsync_dir(path: Path) -> None:
        return None  # NTFS journals the rename itself; directories cannot be opened for fsync

else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)

    def _pread(fd: int, size: int, offset: int) -> bytes:
        chunks = []
        while size > 0:
            chunk = os.pread(fd, size, offset)
            if not chunk:
                break
            chunks.append(chunk)
            size -= len(chunk)
            offset += len(chunk)
        return b"".join(chunks)

    def _pwrite_all(fd: int, data: bytes, offset: int) -> None:
        view = memoryview(data)
        while view:
            written = os.pwrite(fd, view, offset)
            view = view[written:]
            offset += written

    def _fsync_dir(path: Path) -> None:
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def encode_line(op: dict[str, Any]) -> bytes:
    # ensure_ascii keeps lone surrogates (legal in a Python str) representable in the file.
    body = json.dumps(op, separators=(",", ":"), allow_nan=False).encode("ascii")
    return b"%08x %s\n" % (zlib.crc32(body), body)


def _decode_line(line: bytes) -> dict[str, Any] | None:
    """The op on a line, or None when the line is damaged (bad checksum or not JSON)."""
    if len(line) < 10 or line[8:9] != b" ":
        return None
    body = line[9:]
    try:
        if int(line[:8], 16) != zlib.crc32(body):
            return None
        op = json.loads(body)
    except ValueError:
        return None
    return op if isinstance(op, dict) else None


class ReferenceLog:
    """The log file of one store directory, seen by one store object."""

    def __init__(self, directory: Path, *, fsync: bool) -> None:
        self._dir = directory
        self._log = directory / LOG_NAME
        self._fsync = fsync
        try:
            directory.mkdir(parents=True, exist_ok=True)
            self._lock_fd = os.open(directory / LOCK_NAME, os.O_RDWR | os.O_CREAT | _BINARY, 0o644)
        except OSError as exc:
            raise StorageError(f"cannot open the memory store at {directory}: {exc}") from exc
        self._fd: int | None = None
        self._ident: tuple[int, int] | None = None
        self._offset = 0
        try:
            with self.locked():
                self._refuse_rust_store()
                self._remove_dead_copies()
        except BaseException:
            self.close()
            raise

    def _refuse_rust_store(self) -> None:
        """Refuse a directory where the Rust engine has written records: opened here it would
        look empty and a second, separate store would start beside it (each engine reads only
        its own file), silently splitting the records."""
        try:
            size = os.stat(self._dir / _RUST_LOG_NAME).st_size
        except FileNotFoundError:
            return
        except OSError as exc:
            raise StorageError(f"cannot open the memory store at {self._dir}: {exc}") from exc
        if size > _RUST_HEADER_LEN:
            raise StorageError(
                f"the memory store at {self._dir} was written by the Rust engine ({_RUST_LOG_NAME}), "
                'whose records the Python engine cannot read: open it with impl="rust" (the '
                "extension must load), or use another directory for the Python engine"
            )

    def _remove_dead_copies(self) -> None:
        """Delete compaction copies left by writers killed mid-compaction: a copy only exists
        while its writer holds the lock, so any found under the lock is dead (and may be as
        large as the whole store)."""
        for stale in self._dir.glob(f"{LOG_NAME}.*.tmp"):
            with contextlib.suppress(OSError):
                stale.unlink()

    @property
    def size(self) -> int:
        """Bytes of complete lines read so far (the log's length as this object knows it)."""
        return self._offset

    @contextlib.contextmanager
    def locked(self, timeout: float = _LOCK_TIMEOUT_S) -> Iterator[None]:
        """Hold the store's exclusive writer lock (between processes and between store objects)."""
        deadline = time.monotonic() + timeout
        delay = 0.0005
        while not _try_lock(self._lock_fd):
            if time.monotonic() >= deadline:
                raise StoreLockedError(f"the memory store at {self._dir} stayed locked for {timeout:.0f} s")
            time.sleep(delay)
            delay = min(delay * 2, 0.01)
        try:
            yield
        finally:
            _unlock(self._lock_fd)

    def read_new(self) -> tuple[bool, list[dict[str, Any]]]:
        """Ops appended since the last call. `True` first means: start from an empty state, the
        ops are the whole log (first read, the log was compacted/replaced, or it vanished)."""
        try:
            st = os.stat(self._log)
        except FileNotFoundError:
            if self._fd is None:
                return False, []
            self._close_fd()
            return True, []
        except OSError as exc:
            raise StorageError(f"cannot read the memory store at {self._dir}: {exc}") from exc
        reloaded = False
        if self._fd is None or (st.st_dev, st.st_ino) != self._ident:
            self._open()
            reloaded = True
        assert self._fd is not None
        size = os.fstat(self._fd).st_size
        data = _pread(self._fd, size - self._offset, self._offset) if size > self._offset else b""
        end = data.rfind(b"\n")
        if end < 0:
            if self._offset == 0:
                # The log is created whole (header written and synced, then renamed into
                # place), so no crash leaves it without a complete header line; appending to
                # it would make a file no open accepts.
                raise CorruptStoreError(f"the memory store log {self._log} is shorter than its header")
            return reloaded, []
        ops: list[dict[str, Any]] = []
        lines = data[: end + 1].splitlines(keepends=True)
        consumed = 0
        for i, line in enumerate(lines):
            op = _decode_line(line.rstrip(b"\n"))
            if op is None:
                if i == len(lines) - 1 and end + 1 == len(data) and self._offset + consumed > 0:
                    break  # a torn last line from a crash: ignored here, cut by the next writer
                raise CorruptStoreError(
                    f"the memory store log {self._log} is damaged at byte {self._offset + consumed}"
                )
            if self._offset == 0 and consumed == 0:
                self._check_header(op)
            else:
                ops.append(op)
            consumed += len(line)
        self._offset += consumed
        return reloaded, ops

    @property
    def is_open(self) -> bool:
        """Whether a log file exists and this object has it open."""
        return self._fd is not None

    def create(self) -> None:
        """Create an empty log (header only) if there is none; call with the lock held, then
        `read_new()` to open it."""
        if not self._log.exists():
            self._replace_with([])

    def append(self, op: dict[str, Any]) -> None:
        """Append one op; call with the lock held, right after `read_new()`."""
        line = encode_line(op)
        if self._fd is None:
            raise StorageError(f"the memory store log {self._log} is not open")
        try:
            if os.fstat(self._fd).st_size > self._offset:
                os.ftruncate(self._fd, self._offset)  # the torn tail a crashed writer left
            _pwrite_all(self._fd, line, self._offset)
            if self._fsync:
                os.fsync(self._fd)
        except OSError as exc:
            with contextlib.suppress(OSError):
                os.ftruncate(self._fd, self._offset)
            raise StorageError(f"cannot write to the memory store at {self._dir}: {exc}") from exc
        self._offset += len(line)

    def rewrite(self, ops: Iterable[dict[str, Any]]) -> bool:
        """Replace the log with `ops` (compaction); call with the lock held. False if it could
        not: the OS refused the rename (Windows while another process has the log open) or the
        copy could not be written (disk full); the log is left as it was."""
        try:
            self._replace_with(ops)
        except (PermissionError, StorageError):
            # A later read notices if the rename did happen (the file's identity changed).
            return False
        self._open()
        assert self._fd is not None
        self._offset = os.fstat(self._fd).st_size
        return True

    def close(self) -> None:
        """Idempotent: a descriptor number is never closed twice (it may belong to another file)."""
        self._close_fd()
        if self._lock_fd >= 0:
            with contextlib.suppress(OSError):
                os.close(self._lock_fd)
            self._lock_fd = -1

    # -- internals -------------------------------------------------------------------------

    @staticmethod
    def _header() -> dict[str, Any]:
        return {"op": "header", "format": _FORMAT, "version": _VERSION}

    def _check_header(self, op: dict[str, Any]) -> None:
        if op.get("op") != "header" or op.get("format") != _FORMAT:
            raise CorruptStoreError(f"{self._log} is not a crewai-rust reference memory log")
        if op.get("version") != _VERSION:
            raise CorruptStoreError(
                f"{self._log} has format version {op.get('version')}; expected {_VERSION}"
            )

    def _replace_with(self, ops: Iterable[dict[str, Any]]) -> None:
        tmp = self._dir / f"{LOG_NAME}.{os.getpid()}.tmp"
        try:
            with open(tmp, "wb") as f:
                f.write(encode_line(self._header()))
                for op in ops:
                    f.write(encode_line(op))
                f.flush()
                # Always synced: a rename that outlives its data would lose the whole store.
                os.fsync(f.fileno())
            os.replace(tmp, self._log)
            _fsync_dir(self._dir)
        except PermissionError:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise
        except OSError as exc:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise StorageError(f"cannot write the memory store at {self._dir}: {exc}") from exc

    def _open(self) -> None:
        self._close_fd()
        try:
            fd = os.open(self._log, os.O_RDWR | _BINARY)
        except FileNotFoundError:
            return
        except OSError as exc:
            raise StorageError(f"cannot open the memory store log {self._log}: {exc}") from exc
        st = os.fstat(fd)
        self._fd = fd
        self._ident = (st.st_dev, st.st_ino)
        self._offset = 0

    def _close_fd(self) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._fd)
        self._fd = None
        self._ident = None
        self._offset = 0
