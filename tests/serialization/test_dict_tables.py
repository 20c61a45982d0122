"""Dicts of every table shape the Rust `dumps` walks, against the stdlib, on both implementations.

On CPython 3.11-3.13 the Rust encoder reads an exact dict's combined table in place (entries
after the index array, skipping deleted ones) instead of calling `PyDict_Next` per entry; split
tables (instance `__dict__`s sharing their class's keys) and other versions take `PyDict_Next`.
These cases give it tables with deleted entries at either end and in the middle, general tables
(non-str keys, with the hash in each entry), index arrays of 1, 2 and 4 bytes, split tables, and
dicts that a `default=` hook changes while they are written (same size, or grown and shrunk back
so the table is replaced): the text must be the stdlib's, or for a dict changed under the
walk, valid JSON holding the hook's result, never a crash or freed memory.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from crewai.utilities.crew_json_encoder import CrewJSONEncoder

from crewai_rust.serialization import JSONImplementation, implementation


def _same(js: JSONImplementation, obj: Any) -> None:
    assert js.dumps(obj) == json.dumps(obj, cls=CrewJSONEncoder)
    assert js.dumps(obj, ensure_ascii=False) == json.dumps(obj, cls=CrewJSONEncoder, ensure_ascii=False)
    assert json.loads(js.dumps_compact(obj)) == json.loads(json.dumps(obj, cls=CrewJSONEncoder))


def _with_deleted(n: int, deleted: list[int]) -> dict[str, Any]:
    d: dict[str, Any] = {f"k{i}": i for i in range(n)}
    for i in deleted:
        del d[f"k{i}"]
    return d


@pytest.mark.parametrize(
    "deleted",
    [[0], [4], [2], [0, 1, 2, 3], [1, 2, 3, 4], [0, 2, 4], [0, 1, 3, 4]],
    ids=["first", "last", "middle", "all-but-last", "all-but-first", "alternate", "all-but-middle"],
)
def test_deleted_entries_are_skipped(js: JSONImplementation, deleted: list[int]) -> None:
    rows = [_with_deleted(5, deleted) for _ in range(3)]
    _same(js, {"rows": rows, "one": rows[0]})


def test_emptied_and_refilled(js: JSONImplementation) -> None:
    d: dict[str, Any] = {"a": 1, "b": 2}
    del d["a"], d["b"]
    empty = dict(d)
    d["c"] = 3
    d["a"] = 4
    _same(js, [d, empty, {}])


def test_general_tables(js: JSONImplementation) -> None:
    # Any non-str key makes the table general: entries hold the hash before key and value.
    d: dict[Any, Any] = {7: "seven", "two": 2, 3.5: [3], None: {"n": None}, True: "t", False: "f"}
    del d["two"]
    ints = {i: i * i for i in range(40)}
    for i in range(0, 40, 3):
        del ints[i]
    _same(js, {"mixed": d, "ints": ints, "nested": [ints, d]})


@pytest.mark.parametrize("n", [1, 8, 127, 128, 200, 40_000], ids=lambda n: f"{n}-entries")
def test_index_widths(js: JSONImplementation, n: int) -> None:
    # Up to 128 slots the indices are one byte, to 2**15 two, beyond that four: the entries
    # start after the index array, whose size the table records.
    d = {f"key{i}": i for i in range(n)}
    if n > 2:
        del d["key1"]
    _same(js, d)


class Attrs:
    """Instances share their class's keys: their `__dict__`s are split tables."""

    def __init__(self, i: int) -> None:
        self.name = f"n{i}"
        self.value = i
        self.extra = [i]


def test_split_tables(js: JSONImplementation) -> None:
    objs = [Attrs(i) for i in range(4)]
    del objs[1].value
    objs[2].more = "added after"
    _same(js, [o.__dict__ for o in objs])


class Marker:
    """No JSON rule: the `default=` hook decides."""


def test_hook_changing_the_dict_keeps_its_size(js: JSONImplementation) -> None:
    d: dict[str, Any] = {"a": 1, "m": Marker(), "z": "last"}

    def hook(obj: object) -> Any:
        # Same size afterwards: the walk is not stopped, and must not read a freed table.
        if "a" in d:
            del d["a"]
            d["b"] = 2
        return "hooked"

    got = json.loads(js.dumps(d, default=hook))
    assert got["m"] == "hooked"
    assert set(got) <= {"a", "m", "z", "b"}


def test_hook_growing_then_shrinking_the_dict(js: JSONImplementation) -> None:
    # Growing the dict past its table's room makes CPython build a new table and free the
    # old one; shrinking back leaves the size unchanged, so the walk goes on in the new table.
    d: dict[str, Any] = {"a": 1, "m": Marker(), "z": "last", "y": 5}

    def hook(obj: object) -> Any:
        for i in range(200):
            d[f"tmp{i}"] = i
        for i in range(200):
            del d[f"tmp{i}"]
        return {"hooked": True}

    got = json.loads(js.dumps(d, default=hook))
    assert got["m"] == {"hooked": True}
    assert got["a"] == 1


@pytest.mark.requires_extension
def test_hook_growing_the_dict_stops_the_rust_walk() -> None:
    # The stdlib writes a snapshot of the items; the Rust walk reads the live dict and stops
    # with the error Python's own dict iteration raises, as before the tables were read in place.
    d: dict[str, Any] = {"m": Marker(), "z": 1}

    def hook(obj: object) -> Any:
        d["new"] = 0
        return None

    with pytest.raises(RuntimeError, match="changed size during iteration"):
        implementation("rust").dumps(d, default=hook)
