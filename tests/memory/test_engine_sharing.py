"""Durability and sharing, for both engines: reopen, several store objects and processes on one
path, writers killed with SIGKILL mid-write, threads."""

from __future__ import annotations

import random
import subprocess
import sys
import textwrap
import threading
import time

import numpy as np
import pytest

pytestmark = pytest.mark.slow

OPEN_ENGINE = textwrap.dedent(
    """
    import sys
    from crewai_rust import _native
    from crewai_rust.memory.reference import PyMemoryStore
    impl, path = sys.argv[1], sys.argv[2]
    cls = PyMemoryStore if impl == "python" else _native.core().MemoryStore
    store = cls(path, None)
    def rec(rid, vec):
        return {{"id": rid, "content": "c" + rid, "scope": "/w", "categories": ["k"], "metadata": "{{}}",
                "importance": 0.5, "created_at": "t", "created_us": 1, "last_accessed": "t",
                "source": None, "private": False, "embedding": vec}}
    """
)


def _script(body: str) -> str:
    return OPEN_ENGINE.format() + textwrap.dedent(body)


def test_reopen_keeps_everything(open_store, rec, tmp_path):
    path = tmp_path / "s"
    first = open_store(path)
    first.upsert(
        [rec(f"r{i}", [1.0, float(i), 0.5], scope=f"/s/{i % 3}", categories=[str(i)]) for i in range(50)]
    )
    first.update(rec("r7", [0.0, 0.0, 1.0], content="updated"))
    first.delete(record_ids=["r8"])
    first.touch(["r9"], "2030-01-01T00:00:00")
    expected = {r["id"]: r for r in first.list_records(limit=100)}
    first.close()
    again = open_store(path)
    got = {r["id"]: r for r in again.list_records(limit=100)}
    assert set(got) == set(expected)
    for rid, r in expected.items():
        for key in r:
            if key == "embedding":
                assert got[rid][key].tolist() == r[key].tolist()
            else:
                assert got[rid][key] == r[key]
    assert again.vector_dim == 3
    assert got["r7"]["content"] == "updated"
    assert got["r9"]["last_accessed"] == "2030-01-01T00:00:00"


def test_fsync_durability_round_trips(open_store, rec, tmp_path):
    store = open_store(tmp_path / "f", durability="fsync")
    store.upsert([rec("a"), rec("b")])
    store.close()
    assert len(open_store(tmp_path / "f")) == 2


def test_two_objects_on_one_path_see_each_other(open_store, rec, tmp_path):
    a = open_store(tmp_path / "s")
    b = open_store(tmp_path / "s")
    a.upsert([rec("x", [1.0, 0.0, 0.0], scope="/p")])
    assert b.get("x")["scope"] == "/p"
    assert [r["id"] for r, _ in b.search([1.0, 0.0, 0.0])] == ["x"]
    b.upsert([rec("y", [0.0, 1.0, 0.0])])
    assert a.count() == 2
    assert b.delete(record_ids=["x"]) == 1
    assert a.get("x") is None
    a.touch(["y"], "2031-01-01T00:00:00")
    assert b.get("y")["last_accessed"] == "2031-01-01T00:00:00"
    a.reset()
    assert len(b) == 0
    assert b.vector_dim is None
    b.upsert([rec("z", [1.0, 0.0])])
    assert a.vector_dim == 2


def test_refresh_picks_up_another_process(open_store, rec, tmp_path, impl):
    path = tmp_path / "s"
    mine = open_store(path)
    mine.upsert([rec("local")])
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            _script('store.upsert([rec("remote", [1.0, 0.0, 0.0])])\nstore.close()'),
            impl,
            str(path),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    mine.refresh()
    assert mine.get("remote")["content"] == "cremote"
    assert mine.count() == 2


def test_concurrent_writer_processes_lose_nothing(open_store, tmp_path, impl):
    path = tmp_path / "s"
    writers, per_writer = 4, 60
    body = f"""
    w = int(sys.argv[3])
    for i in range({per_writer}):
        store.upsert([rec(f"w{{w}}-{{i}}", [1.0, float(w), float(i)])])
        if i % 10 == 0:
            store.touch([f"w{{w}}-0"], f"{{w}}-{{i}}")
    store.close()
    """
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _script(body), impl, str(path), str(w)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for w in range(writers)
    ]
    for p in procs:
        _, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
    store = open_store(path)
    assert store.count() == writers * per_writer
    ids = {r["id"] for r in store.list_records(limit=10_000)}
    assert ids == {f"w{w}-{i}" for w in range(writers) for i in range(per_writer)}


@pytest.mark.parametrize("delay_ms", [5, 120])
def test_killed_mid_write_loses_no_acknowledged_batch(open_store, tmp_path, impl, delay_ms):
    path = tmp_path / "s"
    batch = 7
    body = f"""
    import numpy as np
    rng = np.random.default_rng(1)
    n = 0
    print("ready", flush=True)
    while True:
        store.upsert([rec(f"b{{n}}-{{j}}", rng.normal(size=256).astype("float32")) for j in range({batch})])
        print(n, flush=True)
        n += 1
    """
    proc = subprocess.Popen(
        [sys.executable, "-c", _script(body), impl, str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "ready"
    acked: list[int] = []
    while len(acked) < 20:
        line = proc.stdout.readline()
        assert line, proc.stderr.read() if proc.stderr else ""
        acked.append(int(line))
    time.sleep(delay_ms / 1000 * random.random())
    proc.kill()  # SIGKILL on POSIX, TerminateProcess on Windows: no cleanup runs
    proc.wait(timeout=30)
    acked.extend(int(x) for x in proc.stdout.read().split())
    proc.stdout.close()
    if proc.stderr:
        proc.stderr.close()

    store = open_store(path)
    present = {r["id"] for r in store.list_records(limit=1_000_000)}
    batches = {int(i.split("-")[0][1:]) for i in present}
    for n in acked:
        assert all(f"b{n}-{j}" in present for j in range(batch)), f"acknowledged batch {n} lost"
    for n in batches:  # atomic: a batch is there completely or not at all
        assert all(f"b{n}-{j}" in present for j in range(batch)), f"batch {n} torn"
    assert batches == set(range(len(batches)))
    store.upsert([{**next(iter(store.list_records(limit=1))), "id": "after-crash"}])
    assert store.get("after-crash") is not None


def test_threads_search_while_writing(open_store, rec):
    store = open_store()
    rng = np.random.default_rng(3)
    store.upsert([rec(f"s{i}", rng.normal(size=16).tolist()) for i in range(200)])
    errors: list[BaseException] = []
    stop = threading.Event()

    def searcher() -> None:
        rng = np.random.default_rng(threading.get_ident() % 1000)
        try:
            while not stop.is_set():
                hits = store.search(rng.normal(size=16).tolist(), limit=5, min_score=-1.0)
                assert len(hits) == 5
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=searcher) for _ in range(4)]
    for t in threads:
        t.start()
    for i in range(200):
        store.upsert([rec(f"w{i}", np.ones(16).tolist())])
    stop.set()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    assert store.count() == 400
