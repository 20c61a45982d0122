"""Full-text and hybrid search of the Rust engine `crewai_rust._core.MemoryStore`: rankings equal
the reference index and fusion (`crewai_rust.memory.text`) on the same records, filters are exact,
the index follows writes and reopen, hostile queries are plain text.

Each behavioural test runs on both engines (`impl`): the Rust `MemoryStore` and the pure-Python
`PyMemoryStore`.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from crewai_rust import _native
from crewai_rust.errors import InvalidInputError
from crewai_rust.memory import text as ref


def _engine(impl: str, *args: Any, **kwargs: Any) -> Any:
    if impl == "rust":
        return _native.core().MemoryStore(*args, **kwargs)
    from crewai_rust.memory.reference import PyMemoryStore

    return PyMemoryStore(*args, **kwargs)


WORDS = ["caroline", "melanie", "support", "group", "painting", "sunrise", "lake", "camping", "pottery"]
SCOPES = ["/", "/crew", "/crew/a", "/crew/a/x", "/crew/ab", "/other"]


def _records(n: int, seed: int, dim: int = 8) -> list[dict[str, Any]]:
    rnd = random.Random(seed)
    out = []
    for i in range(n):
        out.append(
            {
                "id": f"r{i:04d}",
                "content": " ".join(rnd.choice(WORDS) for _ in range(rnd.randint(1, 8))),
                "scope": rnd.choice(SCOPES),
                "categories": [rnd.choice("abc")],
                "metadata": json.dumps({"k": rnd.randint(0, 2)}, separators=(",", ":")),
                "importance": 0.5,
                "created_at": "2026-01-01T00:00:00",
                "created_us": i,
                "last_accessed": "2026-01-01T00:00:00",
                "source": None,
                "private": False,
                "embedding": [rnd.gauss(0, 1) for _ in range(dim)] if rnd.random() < 0.8 else None,
            }
        )
    return out


def _in_scope(scope: str, prefix: str | None) -> bool:
    return prefix in (None, "/") or scope == prefix or scope.startswith(prefix + "/")


def _matching(
    recs: list[dict[str, Any]], scope: str | None, cats: list[str] | None, meta: dict | None
) -> list[int]:
    return [
        i
        for i, r in enumerate(recs)
        if _in_scope(r["scope"], scope)
        and (not cats or set(cats) & set(r["categories"]))
        and (meta is None or all(json.loads(r["metadata"]).get(k) == v for k, v in meta.items()))
    ]


FILTERS = [
    (None, None, None),
    ("/crew", None, None),
    ("/crew/a", ["b"], None),
    (None, ["a", "c"], {"k": 1}),
]


@pytest.mark.parametrize(("scope", "cats", "meta"), FILTERS)
def test_text_search_equals_reference_index_under_filters(
    impl: str, scope: Any, cats: Any, meta: Any
) -> None:
    recs = _records(300, 1)
    store = _engine(impl)
    store.upsert(recs)
    # The filters' records are searched as if stored alone: an index of just those records.
    index = ref.TextIndex()
    index.add_many([(i, recs[i]["content"]) for i in _matching(recs, scope, cats, meta)])
    for query in ["caroline support group", "pottery", "lake sunrise painting"]:
        got = store.search_text(query, scope, cats, None if meta is None else json.dumps(meta), limit=7)
        want = index.search(query, 1000)
        # The store breaks ties by record id; ids sort like indexes here ("r0001" < "r0002").
        assert [(r["id"], s) for r, s in got] == [(recs[d]["id"], s) for d, s in want[:7]]
        assert len(got) == min(7, len(want))


def test_hybrid_equals_reference_fusion(impl: str) -> None:
    recs = _records(40, 2)  # fewer records than the candidate pool: pool fusion is exact fusion
    store = _engine(impl)
    store.upsert(recs)
    index = ref.TextIndex()
    index.add_many([(i, r["content"]) for i, r in enumerate(recs)])
    q = np.random.default_rng(3).normal(size=8).astype(np.float32)
    raw = index.scores("pottery camping", range(len(recs)))
    cands = []
    for i, r in enumerate(recs):
        e = r["embedding"]
        cos = 0.0 if e is None else float(np.dot(e, q) / (np.linalg.norm(e) * np.linalg.norm(q)))
        cands.append((i, raw[i], cos))
    for weight in (0.0, 0.3, ref.DEFAULT_TEXT_WEIGHT, 1.0):
        want = ref.fuse(cands, weight, 10)
        got = store.search_hybrid("pottery camping", q, limit=10, weight=weight)
        assert [r["id"] for r, _ in got] == [recs[d]["id"] for d, _ in want]
        assert [s for _, s in got] == pytest.approx([s for _, s in want], abs=1e-5)
    # Records without an embedding are still found through their text.
    no_vec = {r["id"] for r in recs if r["embedding"] is None and "pottery" in r["content"]}
    found = {r["id"] for r, _ in store.search_hybrid("pottery", q, limit=40, weight=0.7)}
    assert no_vec
    assert no_vec <= found


def test_text_index_follows_writes_and_reopen(impl: str, tmp_path: Path) -> None:
    store = _engine(impl, str(tmp_path))
    recs = _records(30, 4)
    store.upsert(recs)
    store.update({**recs[0], "content": "zebra crossing"})
    assert [r["id"] for r, _ in store.search_text("zebra")] == ["r0000"]
    other = _engine(impl, str(tmp_path))
    assert [r["id"] for r, _ in other.search_text("Zebras")] == ["r0000"]
    store.delete(record_ids=["r0000"])
    assert other.search_text("zebra") == []
    mine = [(r["id"], s) for r, s in store.search_text("caroline")]
    assert mine == [(r["id"], s) for r, s in other.search_text("caroline")]
    assert mine
    store.reset()
    assert other.search_text("caroline") == []


def test_language_is_configurable_per_store(impl: str) -> None:
    english = _engine(impl)
    plain = _engine(impl, text_language="none")
    for s in (english, plain):
        s.upsert([{**_records(1, 5)[0], "content": "The runners were running"}])
    assert len(english.search_text("run")) == 1
    assert plain.search_text("run") == []
    assert len(plain.search_text("the")) == 1
    with pytest.raises(InvalidInputError, match="language"):
        _engine(impl, text_language="klingon")


@pytest.mark.parametrize(
    "query", ["", '"', "*", "a*", ":", "x:y", "-", "--", "NOT (", "\x00", "caroline" * 10]
)
def test_hostile_queries_are_plain_text(impl: str, query: str) -> None:
    store = _engine(impl)
    store.upsert(_records(20, 6))
    assert store.search_text(query) == []
    hits = store.search_hybrid(query, [0.1] * 8, limit=5)
    assert len(hits) == 5
    assert all(0.0 <= s <= 1.0 for _, s in hits)


def test_one_megabyte_query(impl: str) -> None:
    store = _engine(impl)
    store.upsert(_records(50, 7))
    hits = store.search_text("pottery " * 130_000, limit=5)
    assert len(hits) == 5
    assert all("pottery" in r["content"] for r, _ in hits)


def test_bad_arguments(impl: str) -> None:
    store = _engine(impl)
    store.upsert(_records(5, 8))
    with pytest.raises(InvalidInputError, match="weight"):
        store.search_hybrid("x", [0.1] * 8, weight=2.0)
    with pytest.raises(TypeError, match="query must be a str"):
        store.search_text(None)
    with pytest.raises(InvalidInputError):
        store.search_hybrid("x", [float("nan")] * 8)


@pytest.mark.requires_extension
def test_reference_search_functions_equal_the_rust_engine() -> None:
    """`text.search_text` / `text.search_hybrid` (what the Python engine runs) against the Rust
    engine on more records than the candidate pool, so the pool definition itself is compared."""
    recs = _records(400, 9)
    store = _native.core().MemoryStore()
    store.upsert(recs)
    index = ref.TextIndex()
    index.add_many([(i, r["content"]) for i, r in enumerate(recs)])
    vecs = {
        i: np.asarray(r["embedding"], dtype=np.float32)
        for i, r in enumerate(recs)
        if r["embedding"] is not None
    }
    q = np.random.default_rng(5).normal(size=8).astype(np.float32)

    def cosine(d: int) -> float:
        v = vecs.get(d)
        return 0.0 if v is None else float(np.dot(v, q) / (np.linalg.norm(v) * np.linalg.norm(q)))

    for scope in (None, "/crew"):
        allowed = set(_matching(recs, scope, None, None))

        def vector_top(k: int, allowed: set[int] = allowed) -> list[tuple[int, float]]:
            scored = sorted(((d, cosine(d)) for d in allowed if d in vecs), key=lambda h: (-h[1], h[0]))
            return scored[:k]

        got = store.search_text("pottery lake", scope, limit=10, min_score=0.05)
        want = ref.search_text(index, "pottery lake", allowed.__contains__, 10, 0.05)
        assert [(r["id"], s) for r, s in got] == [(recs[d]["id"], s) for d, s in want]
        got_h = store.search_hybrid("pottery lake", q, scope, limit=10)
        want_h = ref.search_hybrid(index, "pottery lake", vector_top, cosine, allowed.__contains__, 10)
        assert [r["id"] for r, _ in got_h] == [recs[d]["id"] for d, _ in want_h]
        assert [s for _, s in got_h] == pytest.approx([s for _, s in want_h], abs=1e-5)
