"""Durability and sharing of the Rust engine's files: kill -9 in the middle of writes, torn
tails, several processes writing one store at once, many threads on one handle.

Each scenario runs real interpreters (`subprocess`) against the same directory, because the
guarantees are about processes, not objects.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
from pathlib import Path
from typing import Any

import pytest

from crewai_rust import _native

pytestmark = pytest.mark.requires_extension

LOG_NAME = "memory.crlog"


def _store(path: Path, **kwargs: Any) -> Any:
    return _native.core().MemoryStore(str(path), **kwargs)


_RECORD = """
def rec(rid, i):
    return {
        "id": rid, "content": "c" * 200, "scope": "/w", "categories": ["x"], "metadata": "{}",
        "importance": 0.5, "created_at": "t", "created_us": i, "last_accessed": "t",
        "source": None, "private": False, "embedding": [float(i % 7), 1.0, 2.0, 3.0],
    }
"""


def _writer_script(path: Path, prefix: str, count: int, batch: int, durability: str = "flush") -> str:
    """A writer that prints each batch's first id once its upsert has returned."""
    return textwrap.dedent(
        f"""
        import sys
        from crewai_rust import _native
        {textwrap.indent(_RECORD, "        ").strip()}
        s = _native.core().MemoryStore({str(path)!r}, durability={durability!r})
        for b in range({count}):
            s.upsert([rec(f"{prefix}-{{b}}-{{k}}", b) for k in range({batch})])
            print(f"{prefix}-{{b}}", flush=True)
        """
    )


def _spawn(code: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


@pytest.mark.parametrize("durability", ["flush", "fsync"])
def test_kill_9_mid_writes_loses_no_acknowledged_batch(tmp_path: Path, durability: str) -> None:
    batch = 5
    acknowledged: list[str] = []
    for round_ in range(3):
        with _spawn(_writer_script(tmp_path, f"r{round_}", 100_000, batch, durability)) as proc:
            assert proc.stdout is not None
            for _ in range(40 + 25 * round_):
                line = proc.stdout.readline().strip()
                assert line, proc.stderr.read() if proc.stderr else "writer died"
                acknowledged.append(line)
            os.kill(proc.pid, signal.SIGKILL)
            proc.communicate()
        assert proc.returncode == -signal.SIGKILL
        store = _store(tmp_path)
        for b in acknowledged:
            for k in range(batch):
                assert store.get(f"{b}-{k}") is not None, f"acknowledged {b}-{k} lost"
        # Batches are atomic: every batch on file is whole, however the kill cut the log.
        assert store.count() % batch == 0
        assert store.count() >= len(acknowledged) * batch
        store.close()


def test_torn_tail_is_discarded_and_the_store_keeps_working(tmp_path: Path) -> None:
    s = _store(tmp_path)
    ns: dict[str, Any] = {}
    exec(_RECORD, ns)
    s.upsert([ns["rec"](f"a{i}", i) for i in range(10)])
    s.upsert([ns["rec"](f"b{i}", i) for i in range(3)])
    s.close()
    log = tmp_path / LOG_NAME
    size = log.stat().st_size
    with log.open("r+b") as f:
        f.truncate(size - 17)
    s = _store(tmp_path)
    assert s.count() == 10
    assert s.get("b0") is None
    assert log.stat().st_size < size - 17
    s.upsert([ns["rec"]("c", 1)])
    s.close()
    assert _store(tmp_path).count() == 11


def test_two_processes_writing_concurrently_lose_nothing(tmp_path: Path) -> None:
    watcher = _store(tmp_path)
    procs = [_spawn(_writer_script(tmp_path, name, 150, 2)) for name in ("p", "q", "r")]
    for p in procs:
        out, err = p.communicate(timeout=180)
        assert p.returncode == 0, err
        assert len(out.split()) == 150
    # A handle opened before the writers started sees everything on its next call.
    assert watcher.count() == 3 * 150 * 2
    for name in ("p", "q", "r"):
        for b in (0, 77, 149):
            assert watcher.get(f"{name}-{b}-1") is not None


def test_a_write_is_visible_to_another_process_at_its_next_call(tmp_path: Path) -> None:
    code = textwrap.dedent(
        f"""
        import sys
        from crewai_rust import _native
        s = _native.core().MemoryStore({str(tmp_path)!r})
        print(s.count(), flush=True)
        sys.stdin.readline()
        print(s.count(), s.get("late") is not None, flush=True)
        """
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    assert proc.stdin is not None
    assert proc.stdout.readline().strip() == "0"
    ns: dict[str, Any] = {}
    exec(_RECORD, ns)
    _store(tmp_path).upsert([ns["rec"]("late", 1)])
    proc.stdin.write("go\n")
    proc.stdin.flush()
    assert proc.stdout.readline().split() == ["1", "True"]
    proc.stdin.close()
    proc.wait(timeout=60)
    proc.stdout.close()
    if proc.stderr:
        proc.stderr.close()


def test_threads_writing_and_reading_one_handle(tmp_path: Path) -> None:
    s = _store(tmp_path)
    ns: dict[str, Any] = {}
    exec(_RECORD, ns)
    errors: list[BaseException] = []

    def writer(t: int) -> None:
        try:
            for i in range(100):
                s.upsert([ns["rec"](f"t{t}-{i}", i)])
                if i % 10 == 0:
                    s.search([1.0, 1.0, 1.0, 1.0], limit=3)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(t,)) for t in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert s.count() == 400
    s.close()
    assert _store(tmp_path).count() == 400
