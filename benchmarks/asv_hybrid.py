"""asv suite: full-text index build and text / hybrid search on the Rust engine (small, synthetic)."""

from __future__ import annotations

import random

import numpy as np

from crewai_rust import _native

WORDS = [
    "caroline",
    "melanie",
    "support",
    "group",
    "painting",
    "sunrise",
    "lake",
    "camping",
    "beach",
    "pottery",
    "adoption",
    "agency",
    "kids",
    "mountains",
    "concert",
    "guitar",
    "book",
    "festival",
    "friend",
    "family",
    "school",
    "job",
    "interview",
    "paris",
]


def _texts(n: int, seed: int = 1) -> list[str]:
    rnd = random.Random(seed)
    return [" ".join(rnd.choice(WORDS) for _ in range(rnd.randint(5, 20))) for _ in range(n)]


class TextIndexBuild:
    """Indexing 10,000 short records with the English analyser."""

    def setup(self) -> None:
        self.items = list(enumerate(_texts(10_000)))

    def time_build_10k(self) -> None:
        _native.core().TextIndex().add_many(self.items)


class StoreSearch:
    """Text and hybrid search over 20,000 records (dim 64) in the Rust engine."""

    def setup(self) -> None:
        rng = np.random.default_rng(2)
        texts = _texts(20_000, 2)
        self.store = _native.core().MemoryStore()
        vecs = rng.normal(size=(len(texts), 64)).astype(np.float32)
        self.store.upsert(
            [
                {
                    "id": f"r{i}",
                    "content": t,
                    "scope": f"/crew/{i % 8}",
                    "categories": [],
                    "metadata": "{}",
                    "importance": 0.5,
                    "created_at": "2026-01-01T00:00:00",
                    "created_us": i,
                    "last_accessed": "2026-01-01T00:00:00",
                    "source": None,
                    "private": False,
                    "embedding": vecs[i],
                }
                for i, t in enumerate(texts)
            ]
        )
        self.store.wait_for_index()
        self.query = rng.normal(size=64).astype(np.float32)

    def time_search_text(self) -> None:
        self.store.search_text("caroline support group", limit=10)

    def time_search_hybrid(self) -> None:
        self.store.search_hybrid("caroline support group", self.query, limit=10)

    def time_search_hybrid_scoped(self) -> None:
        self.store.search_hybrid("caroline support group", self.query, "/crew/3", limit=10)
