"""Memory store benchmark: `RustStorage` against crewai's `LanceDBStorage` (and `QdrantEdgeStorage`
when `qdrant_edge` imports, and the pure-Python reference), on the same records in one run.

Workload: N = 10,000 records of dimension 1536 (2,000 with `--quick`), vectors drawn around 64
cluster centres (as real embeddings cluster by topic), scopes/categories/metadata shaped like a
crew's (`/crew/<crew>/agent/<role>`, a few categories per record, task metadata). Every row is
the median of interleaved samples; `extra` holds p99, recall@10 against exact search, and sizes.
Without `--quick`, a second part loads N = 100,000 x 1536 into the Rust store and measures, in a
fresh process, reopen, search p50, recall@10 and resident memory against the raw vector bytes.

Run: `python -m benchmarks.bench_memory [--quick]` (prints the rows; `nox -s bench` runs it too).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
import warnings
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks import harness
from benchmarks.harness import Result, Timing

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from crewai.memory.types import MemoryRecord

AREA = "memory"
DIM = 1536
CENTRES = 64
CREWS = ["research", "writing", "support", "ops"]
ROLES = ["lead", "analyst", "writer", "reviewer", "planner"]
CATEGORIES = [
    "decision",
    "fact",
    "preference",
    "task",
    "result",
    "lesson",
    "person",
    "tool",
    "plan",
    "risk",
    "customer",
    "deadline",
]


# -- the workload ---------------------------------------------------------------------------


def clustered(n: int, seed: int, centres: np.ndarray) -> np.ndarray:
    """Unit vectors around topics and sub-topics (64 x 32), float32, made in bounded chunks:
    records of one sub-topic are near neighbours, one topic loosely related, the rest unrelated."""
    rng = np.random.default_rng(seed)
    dim = centres.shape[1]
    out = np.empty((n, dim), dtype=np.float32)
    for start in range(0, n, 4096):
        m = min(4096, n - start)
        which = rng.integers(0, len(centres), m)
        chunk = centres[which] + rng.normal(0.0, 0.5 / np.sqrt(dim), (m, dim))
        chunk /= np.linalg.norm(chunk, axis=1, keepdims=True)
        out[start : start + m] = chunk.astype(np.float32)
    return out


def centres_for(dim: int, seed: int = 7) -> np.ndarray:
    """64 topic directions, each split into 32 sub-topic directions (2,048 rows)."""
    rng = np.random.default_rng(seed)
    topics = rng.normal(size=(CENTRES, dim))
    topics /= np.linalg.norm(topics, axis=1, keepdims=True)
    subs = rng.normal(size=(CENTRES, 32, dim))
    subs /= np.linalg.norm(subs, axis=2, keepdims=True)
    rows = topics[:, None, :] + 0.8 * subs
    rows /= np.linalg.norm(rows, axis=2, keepdims=True)
    return rows.reshape(-1, dim)


def records(vectors: np.ndarray, seed: int = 1) -> list[MemoryRecord]:
    rng = np.random.default_rng(seed)
    base = datetime(2025, 1, 1)
    out = []
    for i, vec in enumerate(vectors):
        crew, role = CREWS[i % len(CREWS)], ROLES[(i // 4) % len(ROLES)]
        cats = list(rng.choice(CATEGORIES, size=int(rng.integers(1, 4)), replace=False))
        out.append(
            MemoryRecord.model_construct(
                # UUID-shaped, as crewai's own ids (uuid4): QdrantEdgeStorage turns a non-UUID
                # id into a point id from its first 8 bytes only, so "mem-0000001" and
                # "mem-0000002" would overwrite each other there.
                id=str(uuid.UUID(int=i)),
                content=f"Memory {i}: what the {role} of the {crew} crew noted about topic {i % 97}.",
                scope=f"/crew/{crew}/agent/{role}",
                categories=cats,
                metadata={"task": f"task-{i % 50}", "agent": role, "round": i % 10},
                importance=float(round(rng.random(), 2)),
                created_at=base + timedelta(seconds=i * 37),
                last_accessed=base + timedelta(seconds=i * 37),
                embedding=vec.tolist(),
                source=f"run-{i % 3}",
                private=False,
            )
        )
    return out


def exact_top(
    matrix: np.ndarray, ids: list[str], queries: np.ndarray, k: int, mask: np.ndarray | None = None
) -> list[list[str]]:
    scores = queries @ matrix.T
    if mask is not None:
        scores[:, ~mask] = -np.inf
    top = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    return [[ids[j] for j in row if np.isfinite(scores[qi, j])] for qi, row in enumerate(top)]


def recall(found: list[list[str]], truth: list[list[str]]) -> float:
    hit = sum(len(set(f) & set(t)) for f, t in zip(found, truth, strict=True))
    total = sum(len(t) for t in truth)
    return hit / total if total else 1.0


# -- the stores -----------------------------------------------------------------------------


def _lancedb(path: Path) -> Any:
    from crewai.memory.storage.lancedb_storage import LanceDBStorage

    return LanceDBStorage(path=path, vector_dim=DIM)


def _qdrant_edge(path: Path) -> Any | None:
    try:
        from crewai.memory.storage.qdrant_edge_storage import QdrantEdgeStorage
    except Exception as exc:  # qdrant_edge is an optional crewai extra
        harness.progress(f"QdrantEdgeStorage unavailable ({type(exc).__name__}: {exc}); no Qdrant rows")
        return None
    return QdrantEdgeStorage(path=path, vector_dim=DIM)


def _rust(path: Path, impl: str = "rust") -> Any:
    from crewai_rust.memory import RustStorage

    return RustStorage(path, impl=impl)


def _fill(store: Any, recs: list[MemoryRecord], batch: int = 1000) -> float:
    start = time.perf_counter()
    for i in range(0, len(recs), batch):
        store.save(recs[i : i + batch])
    return time.perf_counter() - start


def _cycle(items: list[Any]) -> Callable[[], Any]:
    state = {"i": 0}

    def nxt() -> Any:
        state["i"] += 1
        return items[state["i"] % len(items)]

    return nxt


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    import gc

    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _per_call(fn: Callable[[], Any], n: int) -> Timing:
    """n single calls, each timed alone (for p99 of operations with long tails, like saves)."""
    out = []
    with _gc_paused():
        for _ in range(n):
            t = time.perf_counter()
            fn()
            out.append(time.perf_counter() - t)
    return Timing(tuple(out))


def _row(op: str, size: str, rust: Timing, base: Timing, baseline: str, **extra: float | str) -> Result:
    extra = {"rust_p99_s": rust.p99, "baseline_p99_s": base.p99, **extra}
    return Result(AREA, op, size, rust.median, base.median, baseline, extra)


def _list_floor(storage: Any, samples: int) -> Timing:
    """The floor of `list_records(limit=200)`: creating the 200 embedding lists of 1,536 Python
    floats each (`ndarray.tolist()`, one C call per float) that crewai's `MemoryRecord.embedding`
    must hold, before any other field or the records themselves."""
    vectors = [row["embedding"] for row in storage.engine.list_records(None, limit=200)]
    return harness.measure(lambda: [v.tolist() for v in vectors], samples=samples, target_s=0.01)


def _search_split(
    storage: Any, qlists: list[list[float]], samples: int, **kw: Any
) -> tuple[dict[str, float], Any]:
    """Where a `search` top-10 goes: the engine alone (`engine.search`, the binding included,
    records returned as engine dicts with numpy vectors), and the floor of the Python objects
    crewai needs: the ten 1,536-float embedding lists (a callable making them with
    `ndarray.tolist()` from ten hits, timed interleaved with the searches it bounds)."""
    nxt = _cycle(qlists)
    engine = storage.engine
    eng = harness.measure(lambda: engine.search(nxt(), limit=10, **kw), samples=samples, target_s=0.01)
    vectors = [row["embedding"] for row, _ in engine.search(qlists[0], limit=10, **kw)]
    return {"engine_p50_s": eng.median}, lambda: [v.tolist() for v in vectors]


def _floor_ratios(rust: Timing, base: Timing, floor: Timing) -> dict[str, float]:
    """The search ratio set against the float lists every backend must build for crewai's
    `MemoryRecord.embedding` (LanceDB's `to_list()` creates the same 15,360 floats):
    `floor_ratio_bound` is the most any backend could reach (baseline / floor: an engine and
    records that cost nothing), `ratio_beyond_floor` the ratio of what is left of each call
    once that shared floor is taken out of both."""
    beyond = rust.median - floor.median
    return {
        "float_lists_floor_s": floor.median,
        "floor_ratio_bound": base.median / floor.median,
        "ratio_beyond_floor": (base.median - floor.median) / beyond if beyond > 0 else math.nan,
    }


# -- part 1: N = 10,000 (2,000 quick) against LanceDB and the others --------------------------


def bench_against_baselines(n: int, quick: bool, workdir: Path) -> list[Result]:
    harness.progress(f"memory: generating {n} x {DIM} clustered records")
    centres = centres_for(DIM)
    matrix = clustered(n, 11, centres)
    recs = records(matrix)
    ids = [r.id for r in recs]
    queries = clustered(100 if quick else 200, 99, centres)
    qlists = [q.tolist() for q in queries]
    size = f"N={n:,} dim={DIM}"

    stores: dict[str, Any] = {}
    harness.progress("memory: loading RustStorage")
    stores["rust"] = _rust(workdir / "rust")
    load_rust = _fill(stores["rust"], recs)
    stores["rust"].engine.wait_for_index()
    harness.progress(f"memory: loading LanceDBStorage (RustStorage took {load_rust:.1f} s)")
    stores["lancedb"] = _lancedb(workdir / "lancedb")
    load_lance = _fill(stores["lancedb"], recs)
    stores["lancedb"].optimize()
    harness.progress(f"memory: LanceDBStorage load took {load_lance:.1f} s; loading the Python reference")
    stores["python"] = _rust(workdir / "python", impl="python")
    _fill(stores["python"], recs)
    qdrant = _qdrant_edge(workdir / "qdrant")
    if qdrant is not None:
        stores["qdrant"] = qdrant
        _fill(qdrant, recs)

    samples = 10 if quick else 30
    out: list[Result] = []
    truth = exact_top(matrix, ids, queries, 10)
    cat = "decision"
    cat_mask = np.array(["decision" in r.categories for r in recs])
    truth_cat = exact_top(matrix, ids, queries, 10, cat_mask)

    def search_fn(store: Any, **kw: Any) -> Callable[[], Any]:
        nxt = _cycle(qlists)
        return lambda: store.search(nxt(), limit=10, **kw)

    def found(store: Any, **kw: Any) -> list[list[str]]:
        return [[r.id for r, _ in store.search(q, limit=10, **kw)] for q in qlists]

    rust = stores["rust"]
    r_recall = recall(found(rust), truth)
    r_recall_cat = recall(found(rust, categories=[cat]), truth_cat)
    split, floor_fn = _search_split(rust, qlists, samples)
    split_cat, floor_cat_fn = _search_split(rust, qlists, samples, categories=[cat])
    split_cat["matching_rows"] = float(cat_mask.sum())
    for name, label in (
        ("lancedb", "LanceDBStorage"),
        ("qdrant", "QdrantEdgeStorage"),
        ("python", "Python reference"),
    ):
        if name not in stores:
            continue
        harness.progress(f"memory: search vs {label}")
        base = stores[name]
        rt, bt, ft = harness.interleave(
            search_fn(rust), search_fn(base), floor_fn, samples=samples, target_s=0.01
        )
        out.append(
            _row(
                "search top-10",
                size,
                rt,
                bt,
                label,
                recall_at_10=r_recall,
                baseline_recall_at_10=recall(found(base), truth),
                **split,
                **_floor_ratios(rt, bt, ft),
            )
        )
        rt, bt, ft = harness.interleave(
            search_fn(rust, categories=[cat]),
            search_fn(base, categories=[cat]),
            floor_cat_fn,
            samples=samples,
            target_s=0.01,
        )
        out.append(
            _row(
                "search top-10, category filter",
                size,
                rt,
                bt,
                label,
                recall_at_10=r_recall_cat,
                baseline_recall_at_10=recall(found(base, categories=[cat]), truth_cat),
                **split_cat,
                **_floor_ratios(rt, bt, ft),
            )
        )

    lance = stores["lancedb"]
    some_ids = _cycle(ids[:: max(1, n // 200)])
    harness.progress("memory: point reads and listings vs LanceDBStorage")
    reads: list[tuple[str, Callable[[Any], Callable[[], Any]]]] = [
        ("get_record", lambda s: lambda: s.get_record(some_ids())),
        ("list_records (limit 200)", lambda s: lambda: s.list_records()),
        ("list_records (scope, limit 20)", lambda s: lambda: s.list_records("/crew/research", limit=20)),
        ("get_scope_info /crew", lambda s: lambda: s.get_scope_info("/crew")),
        ("count /crew/support", lambda s: lambda: s.count("/crew/support")),
        ("list_categories", lambda s: lambda: s.list_categories()),
        ("list_scopes /crew", lambda s: lambda: s.list_scopes("/crew")),
    ]
    floor = _list_floor(rust, samples)
    for op, make in reads:
        rt, bt = harness.compare(make(rust), make(lance), samples=samples, target_s=0.01)
        extra: dict[str, float | str] = {}
        if op == "list_records (limit 200)":
            # What any backend must spend to hand crewai 200 records with 1,536-float lists.
            extra = {"floor_s": floor.median, "floor_ratio_bound": bt.median / floor.median}
        out.append(_row(op, size, rt, bt, "LanceDBStorage", **extra))

    harness.progress("memory: single-record saves vs LanceDBStorage")
    extra_vecs = clustered(400, 5, centres)
    new = records(extra_vecs, seed=3)
    for i, r in enumerate(new):
        r.id = f"new-{i:05d}"
    saves = 60 if quick else 300
    it_r, it_l = iter(new[:saves]), iter(new[saves : 2 * saves] if 2 * saves <= len(new) else new[:saves])
    rt = _per_call(lambda: rust.save([next(it_r)]), saves)
    lt = _per_call(lambda: lance.save([next(it_l)]), min(saves, 200))
    out.append(_row("save 1 record", size, rt, lt, "LanceDBStorage"))

    harness.progress("memory: reopen + first search")
    for s in stores.values():
        s.close() if hasattr(s, "close") else None
    q0 = qlists[0]

    def reopen(kind: str) -> float:
        start = time.perf_counter()
        s = _rust(workdir / "rust") if kind == "rust" else _lancedb(workdir / "lancedb")
        s.search(q0, limit=10)
        took = time.perf_counter() - start
        s.close() if hasattr(s, "close") else None
        return took

    # Collector paused as in every other row (`harness.measure`, `_per_call`): a collection
    # landing in the timed region would walk this benchmark's own 10k records' float lists
    # (15M objects), which is not the cost of reopening a store.
    with _gc_paused():
        rt = Timing(tuple(reopen("rust") for _ in range(3 if quick else 5)))
        lt = Timing(tuple(reopen("lancedb") for _ in range(3 if quick else 5)))
    out.append(_row("reopen + first search", size, rt, lt, "LanceDBStorage"))
    out.append(
        Result(
            AREA,
            "bulk load (batches of 1,000)",
            size,
            load_rust,
            load_lance,
            "LanceDBStorage",
            {"records": n},
        )
    )
    return out


# -- part 2: N = 100,000 in the Rust store, measured in a fresh process ---------------------

_PROBE = """
import json, os, sys, time
import numpy as np

def rss():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024

path, qfile = sys.argv[1], sys.argv[2]
queries = np.load(qfile)
from crewai_rust.memory import RustStorage
before = rss()
t = time.perf_counter()
s = RustStorage(path, impl="rust")
first = s.search(queries[0].tolist(), limit=10)
reopen = time.perf_counter() - t
s.engine.wait_for_index()
lat, found = [], []
for q in queries:
    ql = q.tolist()
    t = time.perf_counter()
    hits = s.search(ql, limit=10)
    lat.append(time.perf_counter() - t)
    found.append([r.id for r, _ in hits])
engine = []
for q in queries:
    ql = q.tolist()
    t = time.perf_counter()
    s.engine.search(ql, limit=10, min_score=0.0)
    engine.append(time.perf_counter() - t)
after = rss()
print(json.dumps({"reopen_s": reopen, "latencies": lat, "engine_latencies": engine, "found": found,
                  "rss_delta": after - before, "stats": s.engine.stats()}))
"""


def _exact_scan_timing(matrix: np.ndarray, queries: np.ndarray) -> Timing:
    nxt = _cycle(list(queries))
    return harness.measure(lambda: np.argpartition(-(matrix @ nxt()), 10)[:10], samples=30, target_s=0.01)


def bench_100k(workdir: Path) -> list[Result]:
    n = 100_000
    size = f"N={n:,} dim={DIM}"
    harness.progress(f"memory: generating {n} x {DIM} vectors")
    centres = centres_for(DIM)
    matrix = clustered(n, 21, centres)
    ids = [f"big-{i:07d}" for i in range(n)]
    queries = clustered(200, 77, centres)
    truth = exact_top(matrix, ids, queries, 10)
    harness.progress("memory: numpy exact-scan baseline")
    base = _exact_scan_timing(matrix, queries)

    harness.progress("memory: loading the Rust store (100k)")
    from crewai_rust import _native

    store = _native.core().MemoryStore(str(workdir / "big"), None)
    start = time.perf_counter()
    for lo in range(0, n, 5000):
        store.upsert(
            [
                {
                    "id": ids[i],
                    "content": f"record {i}",
                    "scope": f"/crew/{CREWS[i % 4]}",
                    "categories": [CATEGORIES[i % len(CATEGORIES)]],
                    "metadata": "{}",
                    "importance": 0.5,
                    "created_at": "2025-01-01T00:00:00",
                    "created_us": 1_735_689_600_000_000 + i,
                    "last_accessed": "2025-01-01T00:00:00",
                    "source": None,
                    "private": False,
                    "embedding": matrix[i],
                }
                for i in range(lo, min(n, lo + 5000))
            ]
        )
    load_s = time.perf_counter() - start
    harness.progress(f"memory: loaded in {load_s:.1f} s; building the index")
    store.wait_for_index()
    store.close()
    raw_bytes = matrix.nbytes
    del matrix
    qfile = workdir / "queries.npy"
    np.save(qfile, queries)
    harness.progress("memory: measuring search, recall and RSS in a fresh process")
    proc = subprocess.run(
        [sys.executable, "-c", _PROBE, str(workdir / "big"), str(qfile)],
        capture_output=True,
        text=True,
        check=True,
        env=dict(os.environ),
    )
    probe = json.loads(proc.stdout.strip().splitlines()[-1])
    rust = Timing(tuple(probe["latencies"]))
    rec = recall(probe["found"], truth)
    return [
        _row(
            "search top-10 (ANN)",
            size,
            rust,
            base,
            "numpy exact scan",
            recall_at_10=rec,
            engine_search_p50_s=Timing(tuple(probe["engine_latencies"])).median,
            rss_over_raw_vectors=probe["rss_delta"] / raw_bytes,
            store_heap_over_raw_vectors=(probe["stats"]["vectors"] + probe["stats"]["index"]) / raw_bytes,
            file_over_raw_vectors=probe["stats"]["file"] / raw_bytes,
            reopen_and_first_search_s=probe["reopen_s"],
            load_s=load_s,
        )
    ]


def run(quick: bool, emit: Callable[[Result], None] | None = None) -> list[Result]:
    """All rows; `emit` sees each part's rows as soon as they are measured."""
    from crewai_rust.memory.storage import _rust_engine

    if _rust_engine() is None:
        raise RuntimeError("the Rust memory store is not available in this build; nothing to compare")
    os.environ.setdefault("CREWAI_TRACING_ENABLED", "false")
    workdir = Path(tempfile.mkdtemp(prefix="bench-memory-"))
    results: list[Result] = []
    try:
        from benchmarks.memory_durability import bench_durability

        n = 2_000 if quick else 10_000
        parts: list[Callable[[], list[Result]]] = [
            lambda: bench_against_baselines(n, quick, workdir),
            lambda: bench_durability(n, quick, workdir),
        ]
        if not quick:
            parts.append(lambda: bench_100k(workdir))
        for part in parts:
            rows = part()
            for r in rows:
                if emit is not None:
                    emit(r)
            results += rows
        return results
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _fmt(seconds: float) -> str:
    if seconds >= 1:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds * 1e6:.1f} µs"


def _print(r: Result) -> None:
    extra = ", ".join(f"{k}={v:.3g}" if isinstance(v, float) else f"{k}={v}" for k, v in r.extra.items())
    print(
        f"{r.operation:<34} {r.size:<20} rust {_fmt(r.rust_s):>10}  "
        f"{r.baseline:<18} {_fmt(r.baseline_s):>10}  {r.ratio:8.1f}x  {extra}",
        flush=True,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="N=2,000 and no 100k part")
    args = parser.parse_args(argv)
    run(args.quick, emit=_print)
    return 0


if __name__ == "__main__":
    sys.exit(main())
