"""Differential tests on generated workloads (hypothesis).

1. The Rust engine and the Python reference run the same random operation sequences; every
   result, error and the whole stored state must agree, and every search must be the exact top
   of the matching records by cosine (checked against float64 numpy, tolerant only of rounding).
2. Each engine (through `RustStorage`) against crewai's `LanceDBStorage` where LanceDB is right:
   unfiltered search order and scores (LanceDB scores 1/(1+squared L2); for unit vectors that is
   cosine = 1 - d/2), record round trips, listing order, counts, scopes and categories on scope
   names where LanceDB's string-prefix matching cannot go wrong.
"""

from __future__ import annotations

import itertools
import json
import tempfile
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import pytest
from crewai.memory.storage.backend import EmbeddingDimensionMismatchError
from crewai.memory.storage.lancedb_storage import LanceDBStorage
from crewai.memory.types import MemoryRecord
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crewai_rust.errors import InvalidInputError
from crewai_rust.memory import RustStorage
from crewai_rust.memory.reference import PyMemoryStore

TOL = 1e-5
SCOPES = ["/", "/a", "/a/b", "/a/b/c", "/ab", "/b", "/b/a"]
CATS = ["x", "y", "z"]
META_VALUES = [0, 1, 1.0, 2.5, True, False, "1", "x", None, [1, 2], {"k": 1}]
FILTER_VALUES = [v for v in META_VALUES if v is not None]  # a null filter value is left to crewai
IDS = [f"r{i}" for i in range(10)]

ids = st.sampled_from(IDS)
vectors = st.one_of(
    st.none(),
    st.lists(st.integers(-2, 2).map(float), min_size=4, max_size=4),
    st.lists(st.integers(-2, 2).map(float), min_size=3, max_size=3),  # a wrong dimension, now and then
)
records = st.fixed_dictionaries(
    {
        "id": ids,
        "content": st.sampled_from(["", "alpha", "béta ✓"]),
        "scope": st.sampled_from(SCOPES),
        "categories": st.lists(st.sampled_from(CATS), unique=True, max_size=2),
        "metadata": st.dictionaries(
            st.sampled_from(["k", "m"]), st.sampled_from(META_VALUES), max_size=2
        ).map(json.dumps),
        "importance": st.sampled_from([0.0, 0.5, 1.0]),
        "created_at": st.sampled_from(["2024-01-01T00:00:00", "2024-01-02T00:00:00+02:00"]),
        "created_us": st.integers(0, 4),
        "last_accessed": st.just("2024-01-03T00:00:00"),
        "source": st.sampled_from([None, "u1"]),
        "private": st.booleans(),
        "embedding": vectors,
    }
)
prefixes = st.sampled_from([None, *SCOPES])
cat_filters = st.one_of(st.none(), st.lists(st.sampled_from([*CATS, "w"]), max_size=2))
meta_filters = st.one_of(
    st.none(),
    st.dictionaries(st.sampled_from(["k", "m"]), st.sampled_from(FILTER_VALUES), max_size=2).map(json.dumps),
)
queries = st.lists(st.integers(-2, 2).map(float), min_size=4, max_size=4)

write_operations = st.one_of(
    st.tuples(st.just("upsert"), st.lists(records, max_size=4)),
    st.tuples(st.just("update"), records),
    st.tuples(
        st.just("delete"),
        st.fixed_dictionaries(
            {},
            optional={
                "scope_prefix": prefixes,
                "categories": st.one_of(
                    st.none(), st.lists(st.sampled_from([*CATS, "w"]), min_size=1, max_size=2)
                ),
                "record_ids": st.lists(ids, max_size=3),
                "older_than_us": st.integers(0, 5),
                "metadata_filter": meta_filters,
            },
        ),
    ),
    st.tuples(st.just("touch"), st.lists(ids, max_size=3, unique=True)),
    st.tuples(st.just("reset"), prefixes),
)
operations = st.one_of(
    write_operations,
    st.tuples(
        st.just("search"),
        st.fixed_dictionaries(
            {"query": queries},
            optional={
                "scope_prefix": prefixes,
                "categories": cat_filters,
                "metadata_filter": meta_filters,
                "limit": st.integers(-1, 6),
                "min_score": st.sampled_from([-1.0, 0.0, 0.5, 0.9]),
            },
        ),
    ),
    st.tuples(st.just("list_records"), st.tuples(prefixes, st.integers(0, 5), st.integers(0, 4))),
    st.tuples(st.just("scope_info"), st.sampled_from([*SCOPES, "/zz"])),
    st.tuples(st.just("list_scopes"), st.sampled_from(SCOPES)),
    st.tuples(st.just("list_categories"), prefixes),
    st.tuples(st.just("count"), prefixes),
)


def _plain(value: Any) -> Any:
    """Engine output as comparable plain data (numpy embeddings as lists)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return value.tolist()
    return value


def _json_eq(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_json_eq(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_json_eq(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and a == b


def _matches(rec: dict, scope_prefix=None, categories=None, metadata_filter=None, **_: Any) -> bool:
    if scope_prefix not in (None, "/") and not (
        rec["scope"] == scope_prefix or rec["scope"].startswith(scope_prefix + "/")
    ):
        return False
    if categories and not set(categories) & set(rec["categories"]):
        return False
    if metadata_filter:
        meta = json.loads(rec["metadata"])
        for k, v in json.loads(metadata_filter).items():
            if k not in meta or not _json_eq(meta[k], v):
                return False
    return True


def _exact_cos(a: list[float], b: list[float]) -> float:
    a64, b64 = np.asarray(a, np.float64), np.asarray(b, np.float64)
    na, nb = np.linalg.norm(a64), np.linalg.norm(b64)
    return 0.0 if na == 0 or nb == 0 else float(a64 @ b64 / (na * nb))


def check_search(state: dict[str, dict], hits: list, args: dict) -> None:
    """`hits` must be the exact cosine top-`limit` of the records matching every filter."""
    q = args["query"]
    limit, min_score = args.get("limit", 10), args.get("min_score", 0.0)
    exact = {
        rid: _exact_cos(rec["embedding"], q)
        for rid, rec in state.items()
        if rec["embedding"] is not None and len(rec["embedding"]) == len(q) and _matches(rec, **args)
    }
    got = [(r["id"], s) for r, s in hits]
    if limit <= 0:
        assert got == []
        return
    assert len(got) <= limit
    for rid, score in got:
        assert rid in exact, f"{rid} does not match the filters"
        assert score == pytest.approx(exact[rid], abs=TOL)
        assert exact[rid] >= min_score - TOL
    for (a, sa), (b, sb) in itertools.pairwise(got):
        assert sa >= sb - TOL, "not best first"
        if state[a]["embedding"] == state[b]["embedding"]:
            assert a < b, "equal scores must break ties by id"
    returned = {rid for rid, _ in got}
    floor = got[-1][1] if len(got) == limit else -np.inf
    missed = [
        rid for rid, s in exact.items() if rid not in returned and s >= min_score + TOL and s > floor + TOL
    ]
    assert missed == [], f"better matching records left out: {missed}"


def _run(store: Any, op: str, arg: Any) -> Any:
    if op == "upsert":
        return store.upsert(arg)
    if op == "update":
        return store.update(arg)
    if op == "delete":
        return store.delete(**arg)
    if op == "touch":
        return store.touch(arg, "2030-01-01T00:00:00")
    if op == "reset":
        return store.reset(arg)
    if op == "search":
        args = dict(arg)
        return store.search(args.pop("query"), **args)
    if op == "list_records":
        prefix, limit, offset = arg
        return store.list_records(prefix, limit=limit, offset=offset)
    return getattr(store, op)(arg)


def _outcome(store: Any, op: str, arg: Any) -> tuple[str, Any]:
    try:
        return "ok", _run(store, op, arg)
    except (EmbeddingDimensionMismatchError, InvalidInputError) as exc:
        return type(exc).__name__, None


def _state(store: Any) -> dict[str, dict]:
    return {r["id"]: _plain(r) for r in store.list_records(limit=10_000)}


@pytest.mark.requires_extension
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops=st.lists(operations, max_size=25))
def test_rust_and_python_engines_agree(helpers, ops):
    rust = helpers.engine_for("rust")(None, None)
    python = PyMemoryStore(None, None)
    try:
        for op, arg in ops:
            before = _state(python)
            r_kind, r_out = _outcome(rust, op, arg)
            p_kind, p_out = _outcome(python, op, arg)
            assert r_kind == p_kind, (op, arg)
            if op == "search" and r_kind == "ok":
                check_search(before, p_out, arg)
                check_search(before, r_out, arg)
            else:
                assert _plain(r_out) == _plain(p_out), (op, arg)
            assert _state(rust) == _state(python)
            assert rust.vector_dim == python.vector_dim
            assert len(rust) == len(python)
    finally:
        rust.close()


@pytest.mark.requires_extension
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops=st.lists(write_operations, max_size=10))
def test_engines_reopen_a_workload_to_the_same_state(helpers, ops):
    """The same workload persisted by each engine reopens to the same state."""
    with tempfile.TemporaryDirectory() as tmp:
        stores = {"rust": helpers.engine_for("rust"), "python": PyMemoryStore}
        states = {}
        for name, cls in stores.items():
            store = cls(f"{tmp}/{name}", None)
            for op, arg in ops:
                _outcome(store, op, arg)
            store.close()
            again = cls(f"{tmp}/{name}", None)
            states[name] = (_state(again), again.vector_dim)
            again.close()
        assert states["rust"] == states["python"]


# -- against LanceDB ------------------------------------------------------------------------

LANCE_SCOPES = ["/", "/alpha", "/alpha/one", "/alpha/two/deep", "/beta", "/beta/three"]


@st.composite
def lance_workloads(draw):
    n = draw(st.integers(1, 30))
    dim = 8
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    vecs = rng.normal(size=(n, dim))
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    base = datetime(2024, 1, 1)
    recs = [
        MemoryRecord(
            id=f"id-{i:03d}",
            content=f"record {i}",
            scope=draw(st.sampled_from(LANCE_SCOPES)),
            categories=draw(st.lists(st.sampled_from(CATS), unique=True, max_size=2)),
            metadata={"i": i},
            importance=0.5,
            created_at=base + timedelta(seconds=int(rng.integers(0, 10**6)) * 1000 + i),
            last_accessed=base,
            embedding=vecs[i].astype(np.float32).tolist(),
            source=None,
            private=False,
        )
        for i in range(n)
    ]
    query = rng.normal(size=dim)
    query /= np.linalg.norm(query)
    deletions = draw(st.lists(st.sampled_from([r.id for r in recs]), max_size=3, unique=True))
    return recs, query.astype(np.float32).tolist(), deletions


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(workload=lance_workloads())
def test_agrees_with_lancedb_where_lancedb_is_right(impl, workload):
    recs, query, deletions = workload
    with tempfile.TemporaryDirectory() as tmp:
        lance = LanceDBStorage(path=f"{tmp}/lance", compact_every=0)
        ours = RustStorage(f"{tmp}/ours", impl=impl)
        try:
            lance.save(recs)
            ours.save(recs)
            n = len(recs)
            l_hits = lance.search(query, limit=n)
            o_hits = ours.search(query, limit=n, min_score=-1.0)
            assert [r.id for r, _ in o_hits] == [r.id for r, _ in l_hits]
            for (_, so), (_, sl) in zip(o_hits, l_hits, strict=True):
                assert so == pytest.approx(1.0 - (1.0 / sl - 1.0) / 2.0, abs=1e-4)
            k = min(5, n)
            assert [r.id for r, _ in ours.search(query, limit=k, min_score=-1.0)] == [
                r.id for r, _ in l_hits[:k]
            ]
            for rec in recs:
                mine, theirs = ours.get_record(rec.id), lance.get_record(rec.id)
                assert mine.model_dump() == theirs.model_dump()
                assert mine.embedding == pytest.approx(theirs.embedding)
            for offset, limit in [(0, n), (1, 3), (n // 2, 5)]:
                assert [r.id for r in ours.list_records(limit=limit, offset=offset)] == [
                    r.id for r in lance.list_records(limit=limit, offset=offset)
                ]
            for scope in LANCE_SCOPES:
                assert ours.count(scope) == lance.count(scope)
                assert ours.list_scopes(scope) == lance.list_scopes(scope)
                assert ours.list_categories(scope) == lance.list_categories(scope)
                assert ours.get_scope_info(scope) == lance.get_scope_info(scope)
            if deletions:
                assert ours.delete(record_ids=deletions) == lance.delete(record_ids=deletions)
                assert {r.id for r in ours.list_records(limit=100)} == {
                    r.id for r in lance.list_records(limit=100)
                }
        finally:
            ours.close()
