"""`loads` object keys against `json.loads`: the reader's key numbering and prediction.

The Rust reader numbers each distinct plain key of a document and guesses the next key from
the last object of the same nesting level (the key that followed the previous one, or the
level's first key), comparing the guess in place. These documents are built to make the
guess wrong in every way it can be: a key that is a prefix or an extension of the guess, the
same length with other bytes, escapes, keys too long to number, more distinct keys than the
table holds, duplicates, and shapes that change from one object to the next. Results (and the
identity of repeated keys, which `json.loads` shares through its memo) must match the stdlib.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_loads_fast_paths import same_as_stdlib

from crewai_rust.serialization import JSONImplementation, implementation


def records(keys_per_record: list[list[str]]) -> str:
    return json.dumps([{k: n for n, k in enumerate(ks)} for ks in keys_per_record])


# Each document repeats a shape, then breaks the guess somewhere.
DOCUMENTS = [
    records([["id", "name"], ["id", "name"], ["idx", "name"], ["id", "nam"], ["i", "names"]]),
    records([["ab", "cd"], ["ab", "ce"], ["ac", "cd"], ["ab", "cd", "ef"], ["ab"], []]),
    records([["k" * n for n in (1, 7, 8, 9, 15, 16, 17)]] * 3),
    records([["k" * 64, "k" * 65, "k" * 200]] * 3),  # around the longest numbered key
    '[{"a": 1, "b": 2}, {"a": 3, "a": 4, "b": 5}, {"b": 6, "a": 7, "b": 8}]',  # duplicates
    '[{"k\\u00e9y": 1, "b": 2}, {"k\\u00e9y": 3, "b": 4}, {"k\u00e9y": 5, "b": 6}]',  # escaped / raw
    '[{"a\\"b": 1}, {"a\\"b": 2}, {"a": 3}, {"a\\\\": 4}]',
    '[{"x": {"y": 1}}, {"x": {"y": 2}}, {"x": {"z": 3}}, {"y": {"x": 4}}]',  # levels
    '[{"id": 1}, {"id" : 2}, {"id"\n: 3}, {"id":4}, { "id": 5}]',  # whitespace around keys
    '[{"id": 1}, {"id": 2}, {"id',  # cut inside a predicted key
    '[{"id": 1}, {"id": 2}, {"id": 3',
    '[{"id": 1}, {"id": 2}, {"id"}',
    '[{"id": 1}, {"id": 2}, {"id\x01": 3}]',  # a control character where the quote was expected
    '[{"": 1}, {"": 2}, {"a": 3, "": 4}]',  # the empty key
    '[{"\u00e9t\u00e9": 1, "b": 2}, {"\u00e9t\u00e9": 3, "b": 4}]',  # non-ASCII document
    '[{"\U0001f600": 1}, {"\U0001f600": 2, "\U0001f601": 3}]',
]


@pytest.mark.parametrize("text", DOCUMENTS)
def test_guessed_keys_match_the_stdlib(js: JSONImplementation, text: str) -> None:
    same_as_stdlib(js, text)


def test_more_distinct_keys_than_the_table_numbers(js: JSONImplementation) -> None:
    """Past the numbered keys, keys are still read (and equal) as plain strings."""
    doc = json.dumps([{f"key{n}": n, "shared": n} for n in range(6000)])
    assert js.loads(doc) == json.loads(doc)
    same_as_stdlib(js, doc)


def test_repeated_keys_are_one_object_as_in_the_stdlib(js: JSONImplementation) -> None:
    """`json.loads` memoises keys, so the same key in two objects is the same str."""
    doc = json.dumps([{"id": 1, "name": "a"}, {"id": 2, "name": "b"}, {"name": "c", "id": 3}])
    ours, theirs = js.loads(doc), json.loads(doc)
    assert ours == theirs
    for result in (ours, theirs):
        keys = [k for obj in result for k in obj]
        by_text: dict[str, Any] = {}
        for k in keys:
            assert by_text.setdefault(k, k) is k


_KEY = st.text(alphabet=st.sampled_from(["a", "b", "\u00e9", "\\", '"', "\n", "\U0001f600"]), max_size=6)


@given(
    shapes=st.lists(st.lists(_KEY, max_size=5), min_size=1, max_size=6),
    repeat=st.integers(1, 4),
    nested=st.booleans(),
    ensure_ascii=st.booleans(),
)
@settings(max_examples=150, deadline=None)
def test_property_changing_shapes_equal_stdlib(
    impl: str, shapes: list[list[str]], repeat: int, nested: bool, ensure_ascii: bool
) -> None:
    """Objects whose key sequences repeat, change and nest (so guesses hit and miss in every
    order) read as the stdlib reads them."""
    objs: list[Any] = []
    for _ in range(repeat):
        for ks in shapes:
            obj: dict[str, Any] = {k: n for n, k in enumerate(ks)}
            objs.append({"inner": obj, **obj} if nested else obj)
    text = json.dumps(objs, ensure_ascii=ensure_ascii)
    same_as_stdlib(implementation(impl), text)
