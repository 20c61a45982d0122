"""asv suite: the Rust memory engine (`crewai_rust._core.MemoryStore`) on its own.

Search (plain and filtered, exact scan and ANN graph), single-record upsert, point reads and
listing, and recall@10 against brute force, on clustered vectors. Sizes are kept small so the
history stays cheap to build; the LanceDB comparison lives in the memory benchmark.
"""

from __future__ import annotations

import json
import tempfile
from typing import Any

import numpy as np

from crewai_rust import _native

DIM = 384
SCOPES = ("/crew/research", "/crew/research/papers", "/crew/writer", "/agent/a", "/agent/b")
CATEGORIES = ("fact", "plan", "tool", "pref")


def _vectors(n: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((32, DIM)).astype(np.float32)
    picks = rng.integers(0, len(centres), n)
    return (centres[picks] + 0.6 * rng.standard_normal((n, DIM))).astype(np.float32)


def _record(i: int, vec: np.ndarray) -> dict[str, Any]:
    return {
        "id": f"r{i:07d}",
        "content": f"memory {i}: what the crew learned",
        "scope": SCOPES[i % len(SCOPES)],
        "categories": [CATEGORIES[i % len(CATEGORIES)]],
        "metadata": json.dumps({"agent": f"a{i % 3}", "n": i % 7}, sort_keys=True, separators=(",", ":")),
        "importance": 0.5,
        "created_at": f"2026-01-01T00:00:{i % 60:02d}",
        "created_us": 1_767_225_600_000_000 + i,
        "last_accessed": "2026-01-01T00:00:00",
        "source": None,
        "private": False,
        "embedding": vec,
    }


class _Loaded:
    params: tuple[int, ...] = (2_000, 20_000)
    param_names = ("n",)

    def setup(self, n: int) -> None:
        if not _native.rust_available():
            raise NotImplementedError("extension not loaded")  # asv records this as skipped
        self.dir = tempfile.TemporaryDirectory()
        vecs = _vectors(n + 50)
        self.base, self.queries = vecs[:n], vecs[n:]
        self.store = _native.core().MemoryStore(self.dir.name)
        for start in range(0, n, 1000):
            self.store.upsert([_record(i, self.base[i]) for i in range(start, min(n, start + 1000))])
        self.store.wait_for_index()
        self.q = self.queries[0]
        self.i = 0

    def teardown(self, n: int) -> None:
        self.store.close()
        self.dir.cleanup()


class Search(_Loaded):
    """Top-10 search: at 2k the exact scan answers, at 20k the ANN graph."""

    def time_search(self, n: int) -> None:
        self.store.search(self.q, limit=10)

    def time_search_scope(self, n: int) -> None:
        self.store.search(self.q, scope_prefix="/crew", limit=10)

    def time_search_category(self, n: int) -> None:
        self.store.search(self.q, categories=["plan"], limit=10)

    def time_search_metadata(self, n: int) -> None:
        self.store.search(self.q, metadata_filter='{"agent":"a1"}', limit=10)

    def track_recall_at_10(self, n: int) -> float:
        unit = self.base / np.linalg.norm(self.base, axis=1, keepdims=True)
        found = 0
        for q in self.queries:
            truth = {f"r{i:07d}" for i in np.argsort(-(unit @ (q / np.linalg.norm(q))))[:10]}
            found += len(truth & {rec["id"] for rec, _ in self.store.search(q, limit=10)})
        return found / (10 * len(self.queries))

    track_recall_at_10.unit = "fraction"  # type: ignore[attr-defined]


class Reads(_Loaded):
    """Point reads and listings."""

    params = (20_000,)

    def time_get(self, n: int) -> None:
        self.store.get("r0000042")

    def time_list_records(self, n: int) -> None:
        self.store.list_records(scope_prefix="/crew", limit=50)

    def time_count(self, n: int) -> None:
        self.store.count("/crew")

    def time_scope_info(self, n: int) -> None:
        self.store.scope_info("/crew")

    def time_list_categories(self, n: int) -> None:
        self.store.list_categories()


class Writes(_Loaded):
    """One record per upsert, durable when it returns (kill -9 safe)."""

    params = (2_000,)

    def time_upsert_one(self, n: int) -> None:
        self.i += 1
        self.store.upsert([_record(n + self.i, self.q)])


class Memory:
    """Peak memory of loading vectors into a store (compare with the raw float32 bytes)."""

    def setup(self) -> None:
        if not _native.rust_available():
            raise NotImplementedError("extension not loaded")
        self.vecs = _vectors(20_000)

    def peakmem_load_20k(self) -> None:
        with tempfile.TemporaryDirectory() as d:
            store = _native.core().MemoryStore(d)
            for start in range(0, len(self.vecs), 1000):
                store.upsert([_record(i, self.vecs[i]) for i in range(start, start + 1000)])
            store.close()
