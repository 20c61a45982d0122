"""asv suite for the memory store: small and fast, tracks history of the main operations.

2,000 records of dimension 384 in a `RustStorage` on the Rust engine (the Python reference when
the extension is unavailable), with crew-like scopes and categories. The full comparison against
LanceDB lives in `bench_memory.py`.
"""

from __future__ import annotations

import shutil
import tempfile
import warnings
from datetime import datetime, timedelta
from typing import Any

import numpy as np

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from crewai.memory.types import MemoryRecord

N = 2_000
DIM = 384


def _vectors(n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(32, DIM))
    v = centres[rng.integers(0, 32, n)] + rng.normal(0, 0.5, (n, DIM))
    return (v / np.linalg.norm(v, axis=1, keepdims=True)).astype(np.float32)


def _records(vectors: np.ndarray, prefix: str) -> list[MemoryRecord]:
    base = datetime(2025, 1, 1)
    return [
        MemoryRecord(
            id=f"{prefix}{i}",
            content=f"memory {i}",
            scope=f"/crew/c{i % 4}/agent/a{i % 5}",
            categories=[f"cat{i % 7}"],
            metadata={"round": i % 10},
            created_at=base + timedelta(seconds=i),
            embedding=v.tolist(),
        )
        for i, v in enumerate(vectors)
    ]


class MemoryStoreSuite:
    """Timings of RustStorage operations at N=2,000 x 384."""

    def setup(self) -> None:
        from crewai_rust.memory import RustStorage

        self.dir = tempfile.mkdtemp(prefix="asv-memory-")
        self.storage: Any = RustStorage(self.dir)
        self.storage.save(_records(_vectors(N, 1), "r"))
        self.storage.engine.wait_for_index()
        self.queries = [q.tolist() for q in _vectors(32, 2)]
        self.new = _records(_vectors(64, 3), "n")
        self.i = 0

    def teardown(self) -> None:
        self.storage.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def _q(self) -> list[float]:
        self.i += 1
        return self.queries[self.i % len(self.queries)]

    def time_search(self) -> None:
        self.storage.search(self._q(), limit=10)

    def time_search_category(self) -> None:
        self.storage.search(self._q(), categories=["cat3"], limit=10)

    def time_save_one(self) -> None:
        self.i += 1
        self.storage.save([self.new[self.i % len(self.new)]])

    def time_get_record(self) -> None:
        self.storage.get_record("r17")

    def time_list_records(self) -> None:
        self.storage.list_records(limit=20)

    def time_scope_info(self) -> None:
        self.storage.get_scope_info("/crew")

    def time_count(self) -> None:
        self.storage.count("/crew/c1")

    def peakmem_open_and_search(self) -> None:
        from crewai_rust.memory import RustStorage

        s = RustStorage(self.dir)
        s.search(self.queries[0], limit=10)
        s.close()

    def track_recall_at_10(self) -> float:
        from crewai_rust.memory import RustStorage

        s = RustStorage(self.dir)
        rows = s.list_records(limit=N + 1000)
        ids = [r.id for r in rows]
        matrix = np.asarray([r.embedding for r in rows], dtype=np.float32)
        hit = 0
        for q in self.queries:
            exact = {ids[j] for j in np.argsort(-(matrix @ np.asarray(q, np.float32)))[:10]}
            hit += len(exact & {r.id for r, _ in s.search(q, limit=10)})
        s.close()
        return hit / (10 * len(self.queries))

    track_recall_at_10.unit = "fraction"  # type: ignore[attr-defined]
