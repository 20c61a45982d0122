"""The store's files under failure, for both engines: a compaction that cannot write its copy
(disk full), a writer killed in the middle of a compaction, and a directory that holds the other
engine's store (each engine reads only its own file, so opening it must be refused, not shown
as empty)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from crewai_rust.errors import CorruptStoreError, StorageError
from crewai_rust.memory import reference
from crewai_rust.memory._reference_log import LOG_NAME as PY_LOG
from crewai_rust.memory.reference import PyMemoryStore

from .conftest import engine_for, make_record

RUST_LOG = "memory.crlog"
RUST_COPY = "memory.crlog.compact"


def _copy_path(impl: str, directory: Path, pid: int) -> Path:
    """Where the engine writes its compaction copy."""
    return directory / (RUST_COPY if impl == "rust" else f"{PY_LOG}.{pid}.tmp")


def _round(i: int, n: int) -> dict[str, Any]:
    vec = np.full(8, float(i % 7 + 1), dtype=np.float32)
    return make_record(f"r{i}", vec, content=f"{n}:" + "x" * 3000)


def test_a_failed_compaction_fails_no_save_and_loses_nothing(
    impl: str, open_store: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The Python engine compacts past 8 MiB of garbage; a smaller floor keeps the test small.
    monkeypatch.setattr(reference, "_COMPACT_MIN_GARBAGE", 64 << 10)
    store = open_store(tmp_path / "s")
    store.upsert([_round(i, 0) for i in range(100)])
    # A directory where the copy goes: writing it fails, as on a full disk.
    blocker = _copy_path(impl, tmp_path / "s", os.getpid())
    blocker.mkdir()
    for n in range(1, 4):
        for i in range(100):
            store.upsert([_round(i, n)])  # on file, so it must not raise
    grown = store.stats()["file"]
    blocker.rmdir()
    store.upsert([_round(0, 4)])  # the next due compaction runs
    assert store.stats()["file"] < grown / 2, "no compaction was due: the test shows nothing"
    store.close()
    again = open_store(tmp_path / "s")
    assert [again.get(f"r{i}")["content"][:2] for i in (0, 1, 99)] == ["4:", "3:", "3:"]
    assert again.count() == 100


def _start_writer(script: str, path: Path) -> subprocess.Popen[str]:
    """`script` run on the store at `path` in a child interpreter, its output piped as text."""
    proc = subprocess.Popen(
        [sys.executable, "-c", script, str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    assert proc.stderr is not None
    return proc


# What both killed writers run: 100 records rewritten round after round (each round makes the
# last one garbage, so compactions keep coming), every save acknowledged on stdout.
_REWRITE_FOREVER = textwrap.dedent(
    """
    n = 0
    while True:
        for i in range(100):
            store.upsert([{
                "id": f"r{i}", "content": f"{n}:" + "x" * 3000, "scope": "/", "categories": [],
                "metadata": "{}", "importance": 0.5, "created_at": "t", "created_us": 1,
                "last_accessed": "t", "source": None, "private": False,
                "embedding": np.ones(8, dtype=np.float32),
            }])
            print(f"{i} {n}", flush=True)
        n += 1
    """
)


KILLED_IN_COMPACTION = (
    textwrap.dedent(
        """
    import os, sys, time
    import numpy as np
    from crewai_rust.memory import reference, _reference_log
    reference._COMPACT_MIN_GARBAGE = 64 << 10
    real_replace = os.replace
    def replace(src, dst):
        if str(src).endswith(".tmp") and os.path.exists(dst):  # not the log's creation
            print("compacting", flush=True)  # the copy is written and synced, not renamed
            time.sleep(60)
        real_replace(src, dst)
    _reference_log.os.replace = replace
    store = reference.PyMemoryStore(sys.argv[1])
    """
    )
    + _REWRITE_FOREVER
)


def test_python_engine_killed_mid_compaction_loses_no_acknowledged_write(tmp_path: Path) -> None:
    path = tmp_path / "s"
    proc = _start_writer(KILLED_IN_COMPACTION, path)
    acked: dict[int, int] = {}
    for line in proc.stdout:
        if line.strip() == "compacting":
            break
        i, n = map(int, line.split())
        acked[i] = n
    proc.kill()  # SIGKILL on POSIX: the copy stays behind, the rename never happens
    proc.wait(timeout=30)
    proc.stdout.close()
    err = proc.stderr.read()
    proc.stderr.close()
    assert acked, err
    assert list(path.glob(f"{PY_LOG}.*.tmp")), "the child was not killed inside a compaction"
    store = PyMemoryStore(str(path))
    try:
        assert not list(path.glob(f"{PY_LOG}.*.tmp")), "opening left the dead compaction's copy"
        for i, n in acked.items():
            got = int(store.get(f"r{i}")["content"].split(":")[0])
            assert got >= n, f"r{i}: acknowledged round {n} lost (has {got})"
        store.upsert([{**store.get("r0"), "id": "after"}])
        assert store.count() == len(acked) + 1
    finally:
        store.close()


@pytest.mark.requires_extension
@pytest.mark.parametrize("holder", ["rust", "python"])
def test_a_store_of_the_other_engine_is_refused_not_shown_empty(holder: str, tmp_path: Path) -> None:
    other = "python" if holder == "rust" else "rust"
    path = str(tmp_path / "s")
    first = engine_for(holder)(path)
    first.upsert([make_record("kept", (1.0, 0.0, 0.0))])
    first.close()
    with pytest.raises(StorageError, match=RUST_LOG if holder == "rust" else PY_LOG):
        engine_for(other)(path)
    # Nothing was written beside it, and the holder's records are intact.
    assert not (tmp_path / "s" / (PY_LOG if holder == "rust" else RUST_LOG)).exists()
    again = engine_for(holder)(path)
    try:
        assert [r["id"] for r in again.list_records()] == ["kept"]
    finally:
        again.close()


@pytest.mark.requires_extension
@pytest.mark.parametrize("holder", ["rust", "python"])
def test_an_empty_store_of_the_other_engine_is_no_obstacle(holder: str, tmp_path: Path) -> None:
    other = "python" if holder == "rust" else "rust"
    path = str(tmp_path / "s")
    engine_for(holder)(path).close()  # created, never written
    store = engine_for(other)(path)
    try:
        store.upsert([make_record("a", (1.0, 0.0, 0.0))])
        assert store.count() == 1
    finally:
        store.close()


@pytest.mark.parametrize("damage", ["empty", "header cut", "header damaged"])
def test_a_log_without_its_header_is_refused_and_left_as_it_is(
    impl: str, open_store: Any, tmp_path: Path, damage: str
) -> None:
    """No crash leaves a log without its whole header (it is created under a temporary name and
    renamed into place), so such a file is damage: refused, never written to (the Python
    engine appended to an empty log, and the next open refused the file with the record)."""
    path = tmp_path / "s"
    store = open_store(path)
    store.upsert([make_record("a", (1.0, 0.0, 0.0))])
    store.close()
    log = path / (RUST_LOG if impl == "rust" else PY_LOG)
    data = log.read_bytes()
    header = 24 if impl == "rust" else data.index(b"\n") + 1
    if damage == "empty":
        data = b""
    elif damage == "header cut":
        data = data[: header // 2]
    else:  # the header alone, one byte changed: nothing after it to tell it from a torn tail
        data = data[: header - 3] + bytes([data[header - 3] ^ 1]) + data[header - 2 : header]
    log.write_bytes(data)
    with pytest.raises(CorruptStoreError):
        open_store(path).upsert([make_record("b", (1.0, 0.0, 0.0))])
    assert log.read_bytes() == data


KILLED_RUST_WRITER = (
    textwrap.dedent(
        """
    import sys
    import numpy as np
    from crewai_rust import _native
    store = _native.core().MemoryStore(sys.argv[1])
    """
    )
    + _REWRITE_FOREVER
)


@pytest.mark.requires_extension
def test_rust_engine_killed_during_compactions_loses_no_acknowledged_write(tmp_path: Path) -> None:
    """~300 KB of live records rewritten one by one compact every ~20 saves, so a kill at a
    random point often lands inside a compaction (its copy is then on disk); killed until one
    did, each time checking every acknowledged write and that opening removed the copy."""
    rng = np.random.default_rng(7)
    for attempt in range(20):
        path = tmp_path / str(attempt)
        proc = _start_writer(KILLED_RUST_WRITER, path)
        acked: dict[int, int] = {}
        stop = 300 + int(rng.integers(0, 400))
        for k, line in enumerate(proc.stdout):
            i, n = map(int, line.split())
            acked[i] = n
            if k >= stop:
                break
        proc.kill()
        proc.wait(timeout=30)
        for line in proc.stdout.read().split("\n"):
            if line:
                i, n = map(int, line.split())
                acked[i] = n
        proc.stdout.close()
        err = proc.stderr.read()
        proc.stderr.close()
        assert len(acked) == 100, err
        killed_in_compaction = (path / RUST_COPY).exists()
        store = engine_for("rust")(str(path))
        try:
            assert not (path / RUST_COPY).exists(), "opening left the dead compaction's copy"
            for i, n in acked.items():
                got = int(store.get(f"r{i}")["content"].split(":")[0])
                assert got >= n, f"r{i}: acknowledged round {n} lost (has {got})"
        finally:
            store.close()
        if killed_in_compaction:
            return
    pytest.fail("no kill landed inside a compaction in 20 attempts: the test showed nothing")
