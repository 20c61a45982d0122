"""Every engine method refuses an argument of the wrong type with `InvalidInputError` naming
the argument, on both engines (the Rust binding raised pyo3's bare `TypeError` for most of
them, so `except InvalidInputError` caught a bad argument from the Python engine only)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from crewai_rust.errors import InvalidInputError

from .conftest import make_record

VEC = [1.0, 0.0, 0.0]

CALLS: list[tuple[str, str, Any]] = [
    ("get", "record_id", lambda s: s.get(1)),
    ("get", "fields", lambda s: s.get("a", fields=1)),
    ("search", "limit", lambda s: s.search(VEC, None, None, None, "3")),
    ("search", "limit", lambda s: s.search(VEC, None, None, None, 3.0)),
    ("search", "limit", lambda s: s.search(VEC, None, None, None, True)),
    ("search", "min_score", lambda s: s.search(VEC, None, None, None, 3, "0.5")),
    ("search", "min_score", lambda s: s.search(VEC, None, None, None, 3, True)),
    ("search", "scope_prefix", lambda s: s.search(VEC, 5)),
    ("search", "metadata_filter", lambda s: s.search(VEC, None, None, {"a": 1})),
    ("search", "fields", lambda s: s.search(VEC, fields="yes")),
    ("search_text", "limit", lambda s: s.search_text("x", None, None, None, "3")),
    ("search_text", "min_score", lambda s: s.search_text("x", None, None, None, 3, "x")),
    ("search_text", "scope_prefix", lambda s: s.search_text("x", 5)),
    ("search_hybrid", "weight", lambda s: s.search_hybrid("x", VEC, weight="w")),
    ("search_hybrid", "min_score", lambda s: s.search_hybrid("x", VEC, min_score=b"1")),
    ("delete", "older_than_us", lambda s: s.delete(older_than_us="5")),
    ("delete", "older_than_us", lambda s: s.delete(older_than_us=5.0)),
    ("delete", "scope_prefix", lambda s: s.delete(scope_prefix=5)),
    ("delete", "metadata_filter", lambda s: s.delete(metadata_filter={"a": 1})),
    ("touch", "last_accessed", lambda s: s.touch(["a"], 5)),
    ("list_records", "limit", lambda s: s.list_records(None, "3", 0)),
    ("list_records", "offset", lambda s: s.list_records(None, 3, 1.5)),
    ("list_records", "offset", lambda s: s.list_records(None, 3, -1)),
    ("list_records", "scope_prefix", lambda s: s.list_records(5)),
    ("scope_info", "scope", lambda s: s.scope_info(5)),
    ("list_scopes", "parent", lambda s: s.list_scopes(5)),
    ("list_categories", "scope_prefix", lambda s: s.list_categories(5)),
    ("count", "scope_prefix", lambda s: s.count(5)),
    ("reset", "scope_prefix", lambda s: s.reset(5)),
]


@pytest.mark.parametrize(
    ("method", "argument", "call"), CALLS, ids=[f"{m}-{a}-{i}" for i, (m, a, _) in enumerate(CALLS)]
)
def test_a_wrong_argument_type_raises_invalid_input_naming_it(
    open_store: Any, method: str, argument: str, call: Any
) -> None:
    store = open_store()
    store.upsert([make_record("a", VEC, categories=["k"])])
    with pytest.raises(InvalidInputError, match=argument):
        call(store)
    # Nothing changed.
    assert [r["id"] for r in store.list_records()] == ["a"]


@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [
        ({"vector_dim": "3"}, "vector_dim"),
        ({"vector_dim": 1.5}, "vector_dim"),
        ({"vector_dim": True}, "vector_dim"),
        ({"durability": 1}, "durability"),
        ({"path": 5}, "path"),
        ({"path": b"/tmp/x"}, "path"),
    ],
)
def test_a_wrong_constructor_argument_raises_invalid_input(
    engine_cls: type, kwargs: dict, argument: str
) -> None:
    args = {"path": None, **kwargs}
    with pytest.raises(InvalidInputError, match=argument):
        engine_cls(args.pop("path"), args.pop("vector_dim", None), **args)


def test_numbers_of_other_types_are_taken_as_the_rust_binding_takes_them(
    open_store: Any, tmp_path: Path
) -> None:
    store = open_store(tmp_path / "s")  # a pathlib.Path is a path
    store.upsert([make_record("a", VEC), make_record("b", [0.0, 1.0, 0.0])])
    # numpy scalars and Decimal convert with float() / __index__, as in the Rust binding.
    hits = store.search(VEC, None, None, None, np.int64(5), np.float32(0.5))
    assert [r["id"] for r, _ in hits] == ["a"]
    assert [r["id"] for r, _ in store.search(VEC, limit=2, min_score=Decimal("-1"))] == ["a", "b"]
    # Equal creation times: ordered by id, so the second record is "b".
    assert [r["id"] for r in store.list_records(None, np.int32(1), np.int8(1))] == ["b"]


LONE = "\ud800"
SURROGATE_CALLS: list[tuple[str, Any]] = [
    ("scope_prefix", lambda s: s.search(VEC, LONE)),
    ("categories", lambda s: s.search(VEC, None, [LONE])),
    ("metadata_filter", lambda s: s.search(VEC, None, None, '{"k": "' + LONE + '"}')),
    ("record_ids", lambda s: s.delete(record_ids=[LONE])),
    ("categories", lambda s: s.delete(categories=["k", LONE])),
    ("record_ids", lambda s: s.touch([LONE], "t")),
    ("last_accessed", lambda s: s.touch(["a"], LONE)),
    ("record_id", lambda s: s.get(LONE)),
    ("scope", lambda s: s.scope_info(LONE)),
    ("parent", lambda s: s.list_scopes(LONE)),
    ("scope_prefix", lambda s: s.count("/a" + LONE)),
]


@pytest.mark.parametrize(
    ("argument", "call"), SURROGATE_CALLS, ids=[f"{a}-{i}" for i, (a, _) in enumerate(SURROGATE_CALLS)]
)
def test_a_lone_surrogate_in_a_text_argument_is_refused_naming_it(
    open_store: Any, argument: str, call: Any
) -> None:
    """No stored text can hold one (records refuse it), and the Rust engine cannot take it:
    both refuse it by name (the Python engine answered "nothing matches", and stored it in
    `last_accessed` through `touch`; the Rust one raised UnicodeEncodeError for lists)."""
    store = open_store()
    store.upsert([make_record("a", VEC, categories=["k"])])
    with pytest.raises(InvalidInputError, match=f"{argument} holds a lone surrogate"):
        call(store)
    assert store.get("a")["last_accessed"] == make_record("a", VEC)["last_accessed"]
