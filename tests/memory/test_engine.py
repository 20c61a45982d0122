"""The engine contract, run against both engines (Rust `MemoryStore`, Python `PyMemoryStore`).

Every expectation here comes from the contract (docs in `prompts/engine_contract.md`, summarised
in `docs/memory.md`), computed independently (numpy cosine, sorted lists), never copied from an
engine's output.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from crewai.memory.storage.backend import EmbeddingDimensionMismatchError

from crewai_rust.errors import InvalidInputError, StorageError


def cosine(a, b) -> float:
    a = np.asarray(a, dtype=np.float32).astype(np.float64)
    b = np.asarray(b, dtype=np.float32).astype(np.float64)
    na, nb = np.linalg.norm(a), np.linalg.norm(b)
    return 0.0 if na == 0 or nb == 0 else float(a @ b / (na * nb))


# -- records in and out --------------------------------------------------------------------


def test_every_field_round_trips(open_store, rec):
    store = open_store()
    r = rec(
        "r1",
        [0.25, -1.5, 3.0],
        scope="/crew/a",
        categories=["b", "a", "b2"],
        metadata='{"z": 1, "a": [1, 2.5, {"x": null}], "t": "é"}',
        importance=0.75,
        created_us=1_700_000_000_123_456,
        created_at="2023-11-14T22:13:20.123456+02:00",
        last_accessed="2024-02-03T04:05:06",
        source="user-7",
        private=True,
        content="the content ✓",
    )
    store.upsert([r])
    out = store.get("r1")
    assert set(out) == set(r)
    for key in r:
        if key != "embedding":
            assert out[key] == r[key], key
    assert isinstance(out["embedding"], np.ndarray)
    assert out["embedding"].dtype == np.float32
    assert out["embedding"].shape == (3,)
    assert out["embedding"].tolist() == [0.25, -1.5, 3.0]


def test_metadata_text_is_returned_verbatim(open_store, rec):
    store = open_store()
    text = '{ "b" : 1,  "a":2 }'
    store.upsert([rec("m", metadata=text)])
    assert store.get("m")["metadata"] == text


def test_record_without_embedding_is_stored_and_listed(open_store, rec):
    store = open_store()
    store.upsert([rec("plain", None)])
    assert store.get("plain")["embedding"] is None
    assert [r["id"] for r in store.list_records()] == ["plain"]
    assert len(store) == 1
    assert store.vector_dim is None


def test_get_missing_is_none(open_store):
    assert open_store().get("nope") is None


def test_upsert_replaces_by_id(open_store, rec):
    store = open_store()
    store.upsert([rec("x", content="old", scope="/a")])
    store.upsert([rec("x", [0.0, 1.0, 0.0], content="new", scope="/b")])
    assert len(store) == 1
    got = store.get("x")
    assert (got["content"], got["scope"]) == ("new", "/b")
    assert got["embedding"].tolist() == [0.0, 1.0, 0.0]
    assert store.count("/a") == 0


@pytest.mark.parametrize(
    "embedding",
    [
        [0.5, 1.0, -2.0],
        (0.5, 1.0, -2.0),
        np.array([0.5, 1.0, -2.0], dtype=np.float32),
        np.array([0.5, 1.0, -2.0], dtype=np.float64),
    ],
    ids=["list", "tuple", "f32", "f64"],
)
def test_embedding_input_forms(open_store, rec, embedding):
    store = open_store()
    r = rec("v", None)
    r["embedding"] = embedding
    store.upsert([r])
    assert store.get("v")["embedding"].tolist() == [0.5, 1.0, -2.0]


def test_non_contiguous_numpy_embedding_is_accepted(open_store, rec):
    store = open_store()
    r = rec("v", None)
    r["embedding"] = np.arange(6, dtype=np.float32)[::2]
    store.upsert([r])
    assert store.get("v")["embedding"].tolist() == [0.0, 2.0, 4.0]


def test_returned_embedding_is_a_copy(open_store, rec):
    store = open_store()
    store.upsert([rec("v", [1.0, 2.0, 3.0])])
    first = store.get("v")["embedding"]
    first[0] = 99.0
    assert store.get("v")["embedding"].tolist() == [1.0, 2.0, 3.0]


def test_caller_array_is_not_aliased(open_store, rec):
    store = open_store()
    arr = np.array([1.0, 2.0, 3.0], dtype=np.float32)
    r = rec("v", None)
    r["embedding"] = arr
    store.upsert([r])
    arr[0] = 42.0
    assert store.get("v")["embedding"].tolist() == [1.0, 2.0, 3.0]


# -- bad input -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("embedding", [1.0, float("nan"), 0.0]),
        ("embedding", [1.0, float("inf"), 0.0]),
        ("embedding", np.array([1.0, np.nan, 0.0], dtype=np.float32)),
        ("importance", float("nan")),
        ("importance", float("inf")),
        ("metadata", "not json"),
        ("metadata", "[1, 2]"),
        ("id", ""),
        ("content", 5),
        ("categories", "abc"),
        ("created_us", "yesterday"),
    ],
)
def test_bad_field_is_rejected_with_its_name(open_store, rec, field, value):
    store = open_store()
    r = rec("bad-one")
    r[field] = value
    with pytest.raises(InvalidInputError) as info:
        store.upsert([r])
    assert field in str(info.value)
    assert len(store) == 0


def test_missing_key_is_rejected(open_store, rec):
    store = open_store()
    r = rec("k")
    del r["last_accessed"]
    with pytest.raises(InvalidInputError, match="last_accessed"):
        store.upsert([r])
    assert len(store) == 0


def test_error_names_the_record(open_store, rec):
    store = open_store()
    with pytest.raises(InvalidInputError, match="rec-17"):
        store.upsert([rec("rec-17", [1.0, float("nan"), 0.0])])


def test_bad_batch_stores_nothing(open_store, rec):
    store = open_store()
    store.upsert([rec("keep", content="kept")])
    bad = rec("b2", [float("nan"), 0.0, 0.0])
    with pytest.raises(InvalidInputError):
        store.upsert([rec("b1"), bad, rec("keep", content="changed")])
    assert len(store) == 1
    assert store.get("b1") is None
    assert store.get("keep")["content"] == "kept"


def test_bad_batch_on_disk_stores_nothing_after_reopen(open_store, rec, tmp_path):
    store = open_store(tmp_path / "s")
    with pytest.raises(InvalidInputError):
        store.upsert([rec("b1"), rec("b2", metadata="{")])
    store.close()
    assert len(open_store(tmp_path / "s")) == 0


def test_nan_query_is_rejected(open_store, rec):
    store = open_store()
    store.upsert([rec("a")])
    with pytest.raises(InvalidInputError):
        store.search([float("nan"), 0.0, 0.0])


def test_bad_durability_is_rejected(engine_cls, tmp_path):
    with pytest.raises(InvalidInputError):
        engine_cls(str(tmp_path / "d"), None, durability="sometimes")


def test_an_empty_path_is_refused_and_leaves_no_file(engine_cls, tmp_path, monkeypatch):
    # Regression: the Python engine opened a store in the working directory; the Rust one wrote
    # its files there and then failed syncing a directory named "".
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InvalidInputError, match="path must not be empty"):
        engine_cls("", None)
    assert list(tmp_path.iterdir()) == []


# -- vector dimension ----------------------------------------------------------------------


def test_dimension_is_fixed_by_first_embedding(open_store, rec):
    store = open_store()
    assert store.vector_dim is None
    store.upsert([rec("a", [1.0, 0.0, 0.0])])
    assert store.vector_dim == 3
    with pytest.raises(EmbeddingDimensionMismatchError) as info:
        store.upsert([rec("b", [1.0, 0.0])])
    assert (info.value.stored_dim, info.value.new_dim) == (3, 2)
    assert store.get("b") is None


def test_dimension_mismatch_inside_a_batch(open_store, rec):
    store = open_store()
    with pytest.raises(EmbeddingDimensionMismatchError):
        store.upsert([rec("a", [1.0, 0.0, 0.0]), rec("b", [1.0, 0.0])])
    assert len(store) == 0


def test_dimension_mismatch_on_update_and_search(open_store, rec):
    store = open_store()
    store.upsert([rec("a", [1.0, 0.0, 0.0])])
    with pytest.raises(EmbeddingDimensionMismatchError):
        store.update(rec("a", [1.0, 0.0, 0.0, 0.0]))
    with pytest.raises(EmbeddingDimensionMismatchError) as info:
        store.search([1.0, 0.0])
    assert (info.value.stored_dim, info.value.new_dim) == (3, 2)
    assert store.get("a")["embedding"].tolist() == [1.0, 0.0, 0.0]


def test_constructor_dimension(open_store, rec):
    store = open_store(vector_dim=4)
    assert store.vector_dim == 4
    with pytest.raises(EmbeddingDimensionMismatchError):
        store.upsert([rec("a", [1.0, 0.0, 0.0])])
    store.upsert([rec("a", [1.0, 0.0, 0.0, 0.0])])
    store.reset()
    assert store.vector_dim == 4


def test_full_reset_forgets_the_dimension(open_store, rec):
    store = open_store()
    store.upsert([rec("a", [1.0, 0.0, 0.0])])
    store.reset()
    assert store.vector_dim is None
    assert len(store) == 0
    store.upsert([rec("b", [1.0, 0.0])])
    assert store.vector_dim == 2


def test_deleting_every_record_keeps_the_dimension(open_store, rec):
    store = open_store()
    store.upsert([rec("a", [1.0, 0.0, 0.0])])
    assert store.delete(record_ids=["a"]) == 1
    assert store.vector_dim == 3
    with pytest.raises(EmbeddingDimensionMismatchError):
        store.upsert([rec("b", [1.0, 0.0])])


def test_search_on_a_store_without_dimension_is_empty(open_store, rec):
    store = open_store()
    store.upsert([rec("plain", None)])
    assert store.search([1.0, 2.0]) == []


# -- search --------------------------------------------------------------------------------


VECTORS = {
    "a": [1.0, 0.0, 0.0],
    "b": [0.8, 0.6, 0.0],
    "c": [0.0, 1.0, 0.0],
    "d": [-1.0, 0.1, 0.0],
    "e": [3.0, 1.0, 2.0],
}


@pytest.fixture
def five(open_store, rec):
    store = open_store()
    store.upsert([rec(k, v) for k, v in VECTORS.items()])
    return store


def test_search_scores_are_cosine_best_first(five):
    query = [2.0, 0.5, 0.1]
    hits = five.search(query, limit=10, min_score=-1.0)
    expected = sorted(VECTORS, key=lambda k: -cosine(VECTORS[k], query))
    assert [r["id"] for r, _ in hits] == expected
    for r, score in hits:
        assert score == pytest.approx(cosine(VECTORS[r["id"]], query), abs=1e-5)
    assert all(isinstance(s, float) for _, s in hits)


def test_min_score_filters_on_the_score(five):
    query = [1.0, 0.0, 0.0]
    ids = [r["id"] for r, _ in five.search(query, min_score=0.7)]
    assert ids == [
        k
        for k in sorted(VECTORS, key=lambda k: -cosine(VECTORS[k], query))
        if cosine(VECTORS[k], query) >= 0.7
    ]
    assert "d" not in [r["id"] for r, _ in five.search(query)]  # default min_score 0.0


def test_limit(five):
    assert len(five.search([1.0, 0.0, 0.0], limit=2)) == 2
    assert five.search([1.0, 0.0, 0.0], limit=0) == []
    assert five.search([1.0, 0.0, 0.0], limit=-3) == []


def test_search_returns_full_records(five):
    (record, _), *_ = five.search([1.0, 0.0, 0.0], limit=1)
    assert record["id"] == "a"
    assert record["embedding"].tolist() == VECTORS["a"]
    assert record["content"] == "content of a"


def test_query_need_not_be_normalised_and_numpy_works(five):
    a = [(r["id"], s) for r, s in five.search([10.0, 0.0, 0.0])]
    b = [(r["id"], s) for r, s in five.search(np.array([0.1, 0.0, 0.0], dtype=np.float32))]
    assert [i for i, _ in a] == [i for i, _ in b]
    assert [s for _, s in a] == pytest.approx([s for _, s in b], abs=1e-6)


def test_ties_break_by_id(open_store, rec):
    store = open_store()
    store.upsert([rec(i, [1.0, 1.0, 0.0]) for i in ["m", "c", "x", "a"]])
    hits = store.search([1.0, 1.0, 0.0], limit=3)
    assert [r["id"] for r, _ in hits] == ["a", "c", "m"]


def test_zero_vector_scores_zero(open_store, rec):
    store = open_store()
    store.upsert([rec("z", [0.0, 0.0, 0.0]), rec("a", [1.0, 0.0, 0.0])])
    hits = store.search([1.0, 0.0, 0.0])
    assert [(r["id"], s) for r, s in hits] == [("a", pytest.approx(1.0)), ("z", 0.0)]
    assert [r["id"] for r, _ in store.search([1.0, 0.0, 0.0], min_score=0.01)] == ["a"]
    assert [s for _, s in store.search([0.0, 0.0, 0.0])] == [0.0, 0.0]


def test_records_without_embedding_never_match(open_store, rec):
    store = open_store()
    store.upsert([rec("v", [1.0, 0.0, 0.0]), rec("plain", None)])
    assert [r["id"] for r, _ in store.search([1.0, 0.0, 0.0], min_score=-1.0)] == ["v"]


def test_scope_prefix_matches_whole_segments(open_store, rec):
    store = open_store()
    scopes = {
        "s0": "/crew/a",
        "s1": "/crew/a/x",
        "s2": "/crew/ab",
        "s3": "/crew",
        "s4": "/",
        "s5": "/crew/a/x/y",
    }
    store.upsert([rec(k, [1.0, float(i), 0.0], scope=s) for i, (k, s) in enumerate(scopes.items())])
    found = {r["id"] for r, _ in store.search([1.0, 0.0, 0.0], scope_prefix="/crew/a", min_score=-1.0)}
    assert found == {"s0", "s1", "s5"}
    everything = {r["id"] for r, _ in store.search([1.0, 0.0, 0.0], scope_prefix="/", min_score=-1.0)}
    assert everything == set(scopes)
    assert {r["id"] for r, _ in store.search([1.0, 0.0, 0.0], scope_prefix=None, min_score=-1.0)} == set(
        scopes
    )


def test_categories_are_any_of(open_store, rec):
    store = open_store()
    store.upsert(
        [
            rec("x", [1.0, 0.0, 0.0], categories=["red", "blue"]),
            rec("y", [1.0, 0.1, 0.0], categories=["green"]),
            rec("z", [1.0, 0.2, 0.0], categories=[]),
        ]
    )
    q = [1.0, 0.0, 0.0]
    assert {r["id"] for r, _ in store.search(q, categories=["blue", "green"])} == {"x", "y"}
    assert {r["id"] for r, _ in store.search(q, categories=["green"])} == {"y"}
    assert {r["id"] for r, _ in store.search(q, categories=[])} == {"x", "y", "z"}
    assert store.search(q, categories=["purple"]) == []


def test_metadata_filter_is_json_equality(open_store, rec):
    store = open_store()
    store.upsert(
        [
            rec("int", metadata='{"n": 1, "tag": "a"}'),
            rec("float", metadata='{"n": 1.0, "tag": "a"}'),
            rec("bool", metadata='{"n": true, "tag": "a"}'),
            rec("str", metadata='{"n": "1", "tag": "a"}'),
            rec("nested", metadata='{"n": {"k": [1, {"z": null}]}, "tag": "b"}'),
        ]
    )
    q = [1.0, 0.0, 0.0]

    def ids(flt: dict) -> set[str]:
        return {r["id"] for r, _ in store.search(q, metadata_filter=json.dumps(flt))}

    assert ids({"n": 1}) == {"int", "float"}
    assert ids({"n": 1.0}) == {"int", "float"}
    assert ids({"n": True}) == {"bool"}
    assert ids({"n": "1"}) == {"str"}
    assert ids({"n": {"k": [1, {"z": None}]}}) == {"nested"}
    assert ids({"n": {"k": [1]}}) == set()
    assert ids({"n": 1, "tag": "b"}) == set()
    assert ids({"tag": "a"}) == {"int", "float", "bool", "str"}


def test_null_in_a_metadata_filter_also_matches_a_missing_key(open_store, rec):
    """crewai's LanceDB store tests `metadata.get(key) == value`, so a null matches a record
    without the key as well as one holding null; both engines agree with that rule."""
    store = open_store()
    metadata = {"null": {"k": None}, "missing": {}, "zero": {"k": 0}, "false": {"k": False}}
    store.upsert([rec(name, metadata=json.dumps(m)) for name, m in metadata.items()])
    found = {r["id"] for r, _ in store.search([1.0, 0.0, 0.0], metadata_filter=json.dumps({"k": None}))}
    assert found == {name for name, m in metadata.items() if m.get("k") == None}  # noqa: E711
    assert found == {"null", "missing"}


def test_metadata_integers_beyond_64_bits_compare_exactly(open_store, rec):
    """Python compares ints of any size exactly, and an int with a float by exact value."""
    store = open_store()
    big = 2**70
    store.upsert(
        [rec("big", metadata=json.dumps({"n": big})), rec("next", metadata=json.dumps({"n": big + 1}))]
    )

    def ids(value: object) -> set[str]:
        return {r["id"] for r, _ in store.search([1.0, 0.0, 0.0], metadata_filter=json.dumps({"n": value}))}

    assert ids(big) == {"big"}
    assert ids(big + 1) == {"next"}
    assert ids(float(big)) == {"big"}
    assert ids(-big) == set()


def test_filters_apply_before_ranking(open_store, rec):
    """The exact top-limit of the matching records, however many closer ones do not match."""
    store = open_store()
    rng = np.random.default_rng(7)
    near = [
        rec(f"n{i:03d}", (np.array([1.0, 0.0, 0.0]) + rng.normal(0, 0.01, 3)).tolist()) for i in range(300)
    ]
    far = [
        rec(f"f{i}", v, categories=["wanted"], scope="/deep/x")
        for i, v in enumerate([[0.5, 0.5, 0.0], [0.4, 0.6, 0.0], [0.0, 1.0, 0.0], [0.3, 0.7, 0.1]])
    ]
    store.upsert(near + far)
    q = [1.0, 0.0, 0.0]
    expected = sorted(far, key=lambda r: -cosine(r["embedding"], q))[:3]
    for kwargs in ({"categories": ["wanted"]}, {"scope_prefix": "/deep"}):
        hits = store.search(q, limit=3, **kwargs)
        assert [r["id"] for r, _ in hits] == [r["id"] for r in expected]


def test_bad_metadata_filter_is_rejected(five):
    with pytest.raises(InvalidInputError):
        five.search([1.0, 0.0, 0.0], metadata_filter="{oops")
    with pytest.raises(InvalidInputError):
        five.search([1.0, 0.0, 0.0], metadata_filter="[1]")


# -- delete / update / touch ----------------------------------------------------------------


@pytest.fixture
def populated(open_store, rec):
    store = open_store()
    store.upsert(
        [
            rec("a1", scope="/a", categories=["x"], metadata='{"k": 1}', created_us=100),
            rec("a2", scope="/a/sub", categories=["y"], metadata='{"k": 2}', created_us=200),
            rec("ab", scope="/ab", categories=["x"], metadata='{"k": 1}', created_us=300),
            rec("root", scope="/", categories=["x", "y"], metadata="{}", created_us=400),
            rec("b1", scope="/b", categories=[], metadata='{"k": 1.0}', created_us=500),
        ]
    )
    return store


def _remaining(store) -> set[str]:
    return {r["id"] for r in store.list_records(limit=1000)}


def test_delete_without_criteria_deletes_nothing(populated):
    assert populated.delete() == 0
    assert len(populated) == 5


def test_delete_scope_is_segment_match(populated):
    assert populated.delete(scope_prefix="/a") == 2
    assert _remaining(populated) == {"ab", "root", "b1"}


def test_delete_root_scope_is_no_criterion(populated):
    assert populated.delete(scope_prefix="/") == 0
    assert populated.delete(scope_prefix="/", categories=["y"]) == 2
    assert _remaining(populated) == {"a1", "ab", "b1"}


def test_delete_everything_keeps_the_dimension(populated):
    assert populated.delete(older_than_us=2**63 - 1) == 5
    assert len(populated) == 0
    assert populated.vector_dim == 3


def test_delete_by_ids(populated):
    assert populated.delete(record_ids=["a1", "b1", "missing", "a1"]) == 2
    assert _remaining(populated) == {"a2", "ab", "root"}


def test_empty_lists_are_no_criterion(populated):
    assert populated.delete(record_ids=[]) == 0
    assert populated.delete(categories=[]) == 0
    assert len(populated) == 5
    assert populated.delete(scope_prefix="/a", record_ids=[], categories=[]) == 2
    assert _remaining(populated) == {"ab", "root", "b1"}


def test_delete_criteria_combine_with_and(populated):
    assert populated.delete(scope_prefix="/a", categories=["x"]) == 1
    assert _remaining(populated) == {"a2", "ab", "root", "b1"}
    assert populated.delete(categories=["x"], metadata_filter='{"k": 1}') == 1  # ab
    assert _remaining(populated) == {"a2", "root", "b1"}
    assert populated.delete(record_ids=["a2", "root"], scope_prefix="/b") == 0


def test_delete_older_than(populated):
    assert populated.delete(older_than_us=300) == 2
    assert _remaining(populated) == {"ab", "root", "b1"}


def test_delete_by_metadata_uses_json_equality(populated):
    assert populated.delete(metadata_filter='{"k": 1}') == 3
    assert _remaining(populated) == {"a2", "root"}


def test_update_replaces_existing_only(open_store, rec):
    store = open_store()
    store.upsert([rec("u", content="before")])
    assert store.update(rec("u", [0.0, 0.0, 1.0], content="after")) is True
    assert store.get("u")["content"] == "after"
    assert store.get("u")["embedding"].tolist() == [0.0, 0.0, 1.0]
    assert store.update(rec("ghost")) is False
    assert store.get("ghost") is None
    assert len(store) == 1


def test_touch(open_store, rec):
    store = open_store()
    store.upsert([rec("t1"), rec("t2"), rec("t3")])
    assert store.touch(["t1", "t3", "nope"], "2030-01-01T00:00:00") == 2
    assert [store.get(i)["last_accessed"] for i in ("t1", "t2", "t3")] == [
        "2030-01-01T00:00:00",
        "2024-01-01T00:00:00",
        "2030-01-01T00:00:00",
    ]
    assert store.touch([], "2031-01-01T00:00:00") == 0


# -- listing and scope views ----------------------------------------------------------------


def test_list_records_newest_first_ties_by_id(open_store, rec):
    store = open_store()
    items = [("c", 5), ("a", 5), ("b", 9), ("d", 1), ("e", 9)]
    store.upsert([rec(i, created_us=us) for i, us in items])
    expected = [i for i, _ in sorted(items, key=lambda p: (-p[1], p[0]))]
    assert [r["id"] for r in store.list_records()] == expected
    assert [r["id"] for r in store.list_records(limit=2, offset=1)] == expected[1:3]
    assert store.list_records(offset=10) == []
    assert store.list_records(limit=0) == []


def test_list_records_by_scope(populated):
    assert [r["id"] for r in populated.list_records("/a")] == ["a2", "a1"]
    assert [r["id"] for r in populated.list_records("/")] == ["b1", "root", "ab", "a2", "a1"]


def test_scope_info(open_store, rec):
    store = open_store()
    store.upsert(
        [
            rec("1", scope="/p", categories=["k", "c"], created_us=300, created_at="T300"),
            rec("2", scope="/p/q", categories=["a"], created_us=100, created_at="T100"),
            rec("3", scope="/p/q/r", categories=["c"], created_us=900, created_at="T900"),
            rec("4", scope="/p/s", categories=[], created_us=500, created_at="T500"),
            rec("5", scope="/pp", categories=["zz"], created_us=50, created_at="T50"),
        ]
    )
    assert store.scope_info("/p") == {
        "path": "/p",
        "record_count": 4,
        "categories": ["a", "c", "k"],
        "oldest_created_at": "T100",
        "newest_created_at": "T900",
        "child_scopes": ["/p/q", "/p/s"],
    }
    root = store.scope_info("/")
    assert root["record_count"] == 5
    assert root["child_scopes"] == ["/p", "/pp"]
    assert root["oldest_created_at"] == "T50"
    assert store.scope_info("/nothing") == {
        "path": "/nothing",
        "record_count": 0,
        "categories": [],
        "oldest_created_at": None,
        "newest_created_at": None,
        "child_scopes": [],
    }


def test_scope_info_time_ties_resolve_to_the_smaller_id(open_store, rec):
    store = open_store()
    store.upsert([rec(i, created_us=7, created_at=f"text-{i}") for i in ["m", "b", "x"]])
    info = store.scope_info("/")
    assert (info["oldest_created_at"], info["newest_created_at"]) == ("text-b", "text-b")


def test_list_scopes(populated, rec):
    populated.upsert([rec("deep", scope="/a/sub/deeper/x"), rec("a3", scope="/a/other")])
    assert populated.list_scopes("/") == ["/a", "/ab", "/b"]
    assert populated.list_scopes("/a") == ["/a/other", "/a/sub"]
    assert populated.list_scopes("/a/sub") == ["/a/sub/deeper"]
    assert populated.list_scopes("/b") == []


def test_list_categories_and_count(populated):
    assert populated.list_categories() == {"x": 3, "y": 2}
    assert populated.list_categories("/a") == {"x": 1, "y": 1}
    assert populated.count() == 5
    assert populated.count("/a") == 2
    assert populated.count("/a/sub") == 1
    assert populated.count("/zzz") == 0
    assert len(populated) == 5


def test_reset_scope_is_segment_match(populated):
    populated.reset("/a")
    assert _remaining(populated) == {"ab", "root", "b1"}
    assert populated.vector_dim == 3


# -- lifecycle ------------------------------------------------------------------------------


def test_close_is_idempotent_and_final(open_store, rec, tmp_path):
    store = open_store(tmp_path / "c")
    store.upsert([rec("a")])
    store.close()
    store.close()
    for call in (
        lambda: store.get("a"),
        lambda: store.upsert([rec("b")]),
        lambda: store.search([1.0, 0.0, 0.0]),
        lambda: store.count(),
        lambda: len(store),
        lambda: store.vector_dim,  # the Python engine returned the last value (the Rust one raised)
    ):
        with pytest.raises(StorageError, match="closed"):
            call()


def test_path_property(open_store, tmp_path):
    assert open_store().path is None
    assert open_store(tmp_path / "p").path == str(tmp_path / "p")
