"""HybridMemory and `install(hybrid=True)`: crewai's recall (shallow, and RecallFlow's searches in
deep recall) passes its query text to a store's ``search_hybrid`` and returns that ranking; stores
without it, and every search outside recall, keep crewai's behaviour.

The store here is a small in-test backend (records in a list, BM25 and fusion from the reference
`crewai_rust.memory.text`) that records which search crewai called, so the seam is tested on its
own; RustStorage provides the same ``search_hybrid`` over the Rust or Python engine.
"""

from __future__ import annotations

import os
import warnings

# crewai's tracing handler stalls Memory calls made outside a crew; tests run offline.
os.environ.setdefault("CREWAI_TRACING_ENABLED", "false")
os.environ.setdefault("CREWAI_DISABLE_TELEMETRY", "true")
os.environ.setdefault("OTEL_SDK_DISABLED", "true")
from typing import Any

import numpy as np
import pytest

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", category=ImportWarning)
    from crewai.memory.types import MemoryRecord
    from crewai.memory.unified_memory import Memory

    from crewai_rust.memory import text as ref
    from crewai_rust.memory.hybrid import HybridMemory, HybridSearchStorage

DOCS = [
    ("Caroline went to the LGBTQ support group on 7 May", "/conv/a"),
    ("Melanie painted a sunrise over the lake", "/conv/a"),
    ("Caroline is researching adoption agencies", "/conv/b"),
    ("The weather was nice and everyone felt good", "/conv/a"),
    ("Support groups help people feel accepted", "/conv/b"),
    ("Melanie took the kids camping in the mountains", "/conv/b"),
]


def embed(texts: list[str]) -> list[list[float]]:
    """A deterministic toy embedder: letter frequencies (so vectors and text disagree sometimes)."""
    out = []
    for t in texts:
        v = np.zeros(26)
        for ch in t.lower():
            if "a" <= ch <= "z":
                v[ord(ch) - 97] += 1
        out.append((v / (np.linalg.norm(v) or 1.0)).tolist())
    return out


class Store:
    """Just enough of a StorageBackend for recall, with a reference hybrid search."""

    def __init__(self, hybrid: bool = True) -> None:
        self.records = [
            MemoryRecord(id=f"m{i}", content=c, scope=s, embedding=embed([c])[0])
            for i, (c, s) in enumerate(DOCS)
        ]
        self.index = ref.TextIndex()
        self.index.add_many([(i, r.content) for i, r in enumerate(self.records)])
        self.calls: list[tuple[str, str | None]] = []
        if not hybrid:
            self.search_hybrid = None  # type: ignore[assignment]

    def _allowed(self, scope_prefix: str | None) -> list[int]:
        p = (scope_prefix or "/").rstrip("/")
        return [i for i, r in enumerate(self.records) if not p or r.scope == p or r.scope.startswith(p + "/")]

    def search(self, query_embedding: list[float], scope_prefix: str | None = None, **kw: Any) -> list:
        self.calls.append(("search", None))
        q = np.asarray(query_embedding)
        scored = [
            (self.records[i], float(np.dot(self.records[i].embedding, q)))
            for i in self._allowed(scope_prefix)
        ]
        scored.sort(key=lambda h: (-h[1], h[0].id))
        return scored[: kw.get("limit", 10)]

    def search_hybrid(
        self, query_text: str, query_embedding: list[float], scope_prefix: str | None = None, **kw: Any
    ) -> list:
        self.calls.append(("search_hybrid", query_text))
        q = np.asarray(query_embedding)
        docs = self._allowed(scope_prefix)
        raw = self.index.scores(query_text, docs)
        cands = [(d, raw[k], float(np.dot(self.records[d].embedding, q))) for k, d in enumerate(docs)]
        fused = ref.fuse(cands, kw.get("weight", ref.DEFAULT_TEXT_WEIGHT), kw.get("limit", 10))
        return [(self.records[d], s) for d, s in fused]

    def touch_records(self, record_ids: list[str]) -> None:
        pass

    def list_scopes(self, parent: str = "/") -> list[str]:
        return ["/conv/a", "/conv/b"]


def _memory(cls: type = HybridMemory, store: Store | None = None, **kw: Any) -> Any:
    return cls(storage=store or Store(), embedder=embed, exploration_budget=0, **kw)


def _expected(store: Store, query: str, scope: str | None = None, limit: int = 3) -> list[str]:
    return [r.id for r, _ in store.search_hybrid(query, embed([query])[0], scope_prefix=scope, limit=limit)]


def test_shallow_recall_uses_the_hybrid_ranking() -> None:
    store = Store()
    mem = _memory(store=store)
    query = "sunrise lake painting"
    got = mem.recall(query, limit=3, depth="shallow")
    assert store.calls == [("search_hybrid", query)]
    want = _expected(store, query)
    # crewai re-sorts by its composite score (recency, importance): same records here, same top.
    assert {m.record.id for m in got} == set(want)
    assert got[0].record.id == want[0] == "m1"
    # Plain vector search ranks another record first on this data: the hybrid seam matters.
    vector = [r.id for r, _ in Store().search(embed([query])[0], limit=3)]
    assert vector[0] != want[0]


def test_deep_recall_searches_are_hybrid_in_every_scope() -> None:
    store = Store()
    mem = _memory(store=store)
    got = mem.recall("Caroline support group", limit=3, depth="deep")
    assert store.calls
    assert all(c == ("search_hybrid", "Caroline support group") for c in store.calls)
    assert len(store.calls) == 2  # one per scope, run in RecallFlow's worker threads
    assert "m0" in {m.record.id for m in got}


def test_weight_is_passed_to_the_store() -> None:
    store = Store()
    mem = _memory(store=store, hybrid_weight=1.0)
    got = mem.recall("adoption", limit=1, depth="shallow")
    assert [m.record.id for m in got] == ["m2"]
    with pytest.raises(ValueError, match="hybrid_weight"):
        _memory(hybrid_weight=1.5)


def test_store_without_hybrid_keeps_crewai_behaviour() -> None:
    store = Store(hybrid=False)
    mem = _memory(store=store)
    assert not isinstance(mem._storage, HybridSearchStorage)
    mem.recall("Caroline support group", limit=3, depth="shallow")
    assert store.calls == [("search", None)]


def test_searches_outside_recall_stay_vector_searches() -> None:
    store = Store()
    mem = _memory(store=store)
    assert isinstance(mem._storage, HybridSearchStorage)
    # e.g. remember()'s consolidation search: no query text is in play.
    mem._storage.search(embed(["Caroline support group"])[0], limit=2)
    assert store.calls == [("search", None)]
    assert mem._storage.list_scopes() == ["/conv/a", "/conv/b"]


@pytest.mark.requires_extension
def test_install_hybrid_patches_crewai_memory_and_uninstall_restores() -> None:
    import crewai_rust

    original = Memory.recall
    crewai_rust.install(memory=True, hybrid=True)
    try:
        assert Memory.recall is not original
        store = Store()
        mem = _memory(Memory, store=store)
        mem.recall("Caroline support group", limit=3, depth="shallow")
        assert store.calls == [("search_hybrid", "Caroline support group")]
    finally:
        crewai_rust.uninstall()
    assert Memory.recall is original
    store = Store()
    _memory(Memory, store=store).recall("Caroline support group", limit=3, depth="shallow")
    assert store.calls == [("search", None)]


@pytest.mark.requires_extension
def test_environment_flag_turns_hybrid_recall_on(monkeypatch: pytest.MonkeyPatch) -> None:
    import crewai_rust

    original = Memory.recall
    monkeypatch.setenv("CREWAI_RUST_HYBRID_RECALL", "true")
    crewai_rust.install(memory=True)
    try:
        store = Store()
        _memory(Memory, store=store).recall("adoption", limit=2, depth="shallow")
        assert store.calls == [("search_hybrid", "adoption")]
    finally:
        crewai_rust.uninstall()
    assert Memory.recall is original
    monkeypatch.setenv("CREWAI_RUST_HYBRID_RECALL", "false")
    crewai_rust.install(memory=True)
    assert Memory.recall is original


def test_hybrid_memory_on_rust_storage_end_to_end(impl: str, tmp_path: Any) -> None:
    """HybridMemory over RustStorage (either engine): recall returns the store's hybrid ranking."""
    from crewai_rust.memory.storage import RustStorage

    storage = RustStorage(tmp_path / "mem", impl=impl)
    storage.save(
        [
            MemoryRecord(id=f"m{i}", content=c, scope=s, embedding=embed([c])[0])
            for i, (c, s) in enumerate(DOCS)
        ]
    )
    mem = HybridMemory(storage=storage, embedder=embed, exploration_budget=0)
    query = "sunrise lake painting"
    want = [r.id for r, _ in storage.search_hybrid(query, embed([query])[0], limit=3)]
    vector = [r.id for r, _ in storage.search(embed([query])[0], limit=3)]
    assert want[0] != vector[0]
    shallow = mem.recall(query, limit=3, depth="shallow")
    assert {m.record.id for m in shallow} == set(want)
    deep = mem.recall(query, limit=3, depth="deep")
    assert want[0] in {m.record.id for m in deep}
    text_hits = storage.search_text("Caroline", scope_prefix="/conv/b")
    assert [r.id for r, _ in text_hits] == ["m2"]
