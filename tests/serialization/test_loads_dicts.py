"""`loads` dicts against `json.loads`: the dict a JSON object becomes, beyond equality.

On CPython 3.11-3.13 the Rust binding writes each object's dict table in one pass, at the size
the stdlib's inserts grow it to, unless two of its keys have the same hash (a repeated key,
numbered twice by the reader or too long to number, escaped or not) or it is huge; those are
inserted member by member as before. These tests hold both paths to what `json.loads`
returns: equal items in the same order, the same `sys.getsizeof` (the same table size), the
same GC tracking, lookups of every key, and a table that keeps working when it is then grown
and shrunk. Member counts cover every table growth (5/6, 10/11, 21/22, 42/43, 85/86, 170/171,
... members) and the switch from one-byte to two-byte index slots (more than 170 members)."""

from __future__ import annotations

import gc
import json
import sys
import tracemalloc
from typing import Any

import pytest
from test_loads_fast_paths import same_as_stdlib

from crewai_rust.serialization import JSONImplementation

SIZES = [
    *range(50),
    *(84, 85, 86, 87, 169, 170, 171, 172, 340, 341, 342, 682, 683, 1365, 1366, 2730, 2731),
]


def table(x: Any) -> Any:
    """What a dict shows of its table, recursively: items in order, size, GC tracking."""
    if isinstance(x, dict):
        return ("dict", sys.getsizeof(x), gc.is_tracked(x), [(k, table(v)) for k, v in x.items()])
    if isinstance(x, list):
        return ("list", gc.is_tracked(x), [table(v) for v in x])
    return (type(x).__name__, x)


def same_dicts(js: JSONImplementation, text: str) -> None:
    ours, theirs = js.loads(text), json.loads(text)
    assert table(ours) == table(theirs)
    same_as_stdlib(js, text)


def exercise(d: dict[str, Any], n: int) -> None:
    """Every key looked up, then the table grown, shrunk and refilled as a caller might."""
    for k in list(d):
        assert k in d
        assert d[k] is d.get(k)
    assert "no such key" not in d
    for j in range(40):
        d[f"added {j}"] = j
    for k in list(d)[::2]:
        del d[k]
    d.pop("not there", None)
    d.update({f"again {j}": j for j in range(n % 7 + 1)})


@pytest.mark.parametrize("n", SIZES)
def test_one_object_of_every_size(js: JSONImplementation, n: int) -> None:
    text = json.dumps({f"key{j}": j for j in range(n)})
    same_dicts(js, text)
    ours, theirs = js.loads(text), json.loads(text)
    exercise(ours, n)
    exercise(theirs, n)
    assert table(ours) == table(theirs)


@pytest.mark.parametrize("n", [0, 1, 4, 5, 6, 7, 10, 11, 21, 22, 42, 43, 85, 86, 171])
def test_records_of_every_size(js: JSONImplementation, n: int) -> None:
    """Repeated records: their keys are found by the reader's prediction, the flow state's
    path (about 300 dicts of seven members)."""
    records = [{f"field{j}": [i, j] if j % 3 == 0 else f"v{i}" for j in range(n)} for i in range(30)]
    same_dicts(js, json.dumps(records))
    same_dicts(js, json.dumps({"steps": records, "n": n}))


def members(pairs: list[tuple[str, Any]]) -> str:
    return "{" + ", ".join(f"{json.dumps(k)}: {json.dumps(v)}" for k, v in pairs) + "}"


@pytest.mark.parametrize("n", [1, 2, 5, 6, 7, 10, 11, 22, 43, 171])
@pytest.mark.parametrize("at", [0, 1, -2, -1])
def test_repeated_key_last_value_wins_at_first_position(js: JSONImplementation, n: int, at: int) -> None:
    pairs: list[tuple[str, Any]] = [(f"k{j}", j) for j in range(n)]
    again = pairs[at % n][0]
    same_dicts(js, members([*pairs, (again, "last")]))
    same_dicts(js, members([(again, "first"), *pairs]))
    same_dicts(js, "[" + ", ".join([members([*pairs, (again, "last")])] * 3) + "]")


def test_one_key_repeated_more_often_than_a_table_holds(js: JSONImplementation) -> None:
    """More members than the widest table written whole, all one numbered key."""
    same_dicts(js, members([("k", j) for j in range(30_000)]))
    same_dicts(js, members([(f"k{j % 3}", j) for j in range(30_000)]))


LONG = "k" * 80  # longer than the reader numbers


@pytest.mark.parametrize(
    "pairs",
    [
        [(LONG, 1), ("a", 2), (LONG, 3)],  # a repeated key that is a new str each time
        [("a", 1), (LONG, 2), ("b", 3), ("c", 4), ("d", 5), ("e", 6), (LONG, 7)],
        [("ab", 1), ("a\u00e9", 2), ("x", 3)],
    ],
)
def test_unnumbered_keys(js: JSONImplementation, pairs: list[tuple[str, Any]]) -> None:
    same_dicts(js, members(pairs))
    same_dicts(js, "[" + ", ".join([members(pairs)] * 4) + "]")


@pytest.mark.parametrize(
    "text",
    [
        '{"a\\u0062": 1, "ab": 2}',  # an escaped key equal to a plain one
        '{"ab": 1, "a\\u0062": 2, "c": 3}',
        '{"x": 0, "a\\u0062": 1, "b": 2, "c": 3, "d": 4, "e": 5, "ab": 6}',
        '[{"ab": 1, "c": 2}, {"a\\u0062": 3, "c": 4, "ab": 5}]',
        '{"outer": {"a\\u0062": 1, "ab": 2}, "ab": 3, "outer": 4}',  # odd keys nested
    ],
)
def test_escaped_keys_equal_to_plain_ones(js: JSONImplementation, text: str) -> None:
    same_dicts(js, text)


@pytest.mark.parametrize(
    "value",
    [1, 1.5, "s", None, True, 10**30, [], [1], {}, {"b": 1}, [{}], {"b": []}],
)
@pytest.mark.parametrize("n", [1, 6, 11])
def test_gc_tracking_follows_the_values(js: JSONImplementation, value: Any, n: int) -> None:
    """An insert starts tracking a dict when a value is a container, even an empty one."""
    for at in (0, n - 1):
        pairs: list[tuple[str, Any]] = [(f"k{j}", j) for j in range(n)]
        pairs[at] = (pairs[at][0], value)
        same_dicts(js, members(pairs))


def test_non_ascii_documents(js: JSONImplementation) -> None:
    records = [{"r\u00f4le": "\u00e9t\u00e9", "n": i, "\u4f1a": [i], "x": {"y": i}} for i in range(20)]
    same_dicts(js, json.dumps(records, ensure_ascii=False))
    same_dicts(js, json.dumps(records))


def test_objects_cut_at_every_position(js: JSONImplementation) -> None:
    """An error inside or after members already read: the same error, and nothing held."""
    text = json.dumps([{"a": 1, "b": [2, {"c": "d", "e": None}], "f": {"g": 1.5}}] * 2)
    for end in range(len(text)):
        same_as_stdlib(js, text[:end])
        same_as_stdlib(js, text[:end] + "}")
        same_as_stdlib(js, text[:end] + ", ")


def test_no_memory_kept_across_calls(js: JSONImplementation) -> None:
    """Tables written whole are freed with their dicts (a lost table or member would add
    up to megabytes over these calls)."""
    records = [
        {"step": i, "id": f"id-{i}", "stage": "s", "ok": True, "tags": ["a"], "x": {}, "y": i}
        for i in range(300)
    ]
    text = json.dumps({"steps": records, "long": {LONG: 1, "k": 2}})
    js.loads(text)
    tracemalloc.start()
    try:
        for _ in range(20):
            js.loads(text)
        first, _ = tracemalloc.get_traced_memory()
        for _ in range(100):
            js.loads(text)
        second, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert second - first < 64 * 1024


@pytest.mark.requires_extension
def test_tables_are_written_whole_on_3_11_to_3_13() -> None:
    """The layout check passes on the interpreters it was written for (else every dict would
    silently take the inserting path, and the tests above would not cover the other one)."""
    from crewai_rust._native import core

    assert core().json_dict_tables() is ((3, 11) <= sys.version_info[:2] <= (3, 13))
