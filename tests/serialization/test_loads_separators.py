"""`loads` separators and objects against `json.loads`: the reader's one-compare `", "`/`": "`.

The Rust reader settles `json.dumps`'s separators (`", "` and `": "` followed by a non-space
byte) with one two-byte compare and one byte, and reads anything else (no space, several
spaces, tabs, newlines, a separator at the document's end) the general way; it fills each
dict as its members are read, and compares a predicted key of up to 15 bytes as one or two
8-byte words. These documents put every kind of whitespace after every separator, cut
documents at every offset (so each test meets the end of the input at every position class:
inside a key, on the quote, on the separator, on the space after it, on the value), and
repeat keys of 7 to 17 bytes that differ from the prediction in any byte, so results and
`JSONDecodeError` messages and positions must match the stdlib's.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_loads_fast_paths import same_as_stdlib

from crewai_rust.serialization import JSONImplementation, implementation

# What may follow a separator: nothing, one space (the fast path), a space then other
# whitespace (the fast path's third byte is not a value), and the other whitespace bytes.
_AFTER = ["", " ", "  ", " \n", " \t", "\n", "\t", "\r\n  ", " \r"]
# What may come before one (the fast path requires the separator right after the value).
_BEFORE = ["", " ", "\n", "\t "]


@pytest.mark.parametrize("after", _AFTER)
@pytest.mark.parametrize("before", _BEFORE)
def test_whitespace_around_every_separator(js: JSONImplementation, before: str, after: str) -> None:
    item = f'{{"id"{before}:{after}1{before},{after}"name"{before}:{after}"x"}}'
    for text in (
        f"[{item}{before},{after}{item}{before},{after}{item}]",
        f'{{"a"{before}:{after}[1{before},{after}2{before},{after}"s"]{before},{after}"b"{before}:{after}null}}',
        f"[{after}1{before},{after}[{after}]{before},{after}{{{after}}}{before},{after}true]",
    ):
        same_as_stdlib(js, text)


# Separators followed by something that is not a value or a key, and separators where the
# document ends (fewer than the three bytes the fast path reads).
BAD = [
    "[1, ]",
    "[1, ,2]",
    "[1, ]]",
    '{"a": }',
    '{"a": 1, }',
    '{"a": 1, 2}',
    '{"a":  , "b": 1}',
    '{"a", 1}',
    '{"a" , 1}',
    '[{"id": 1}, {"id", 2}]',  # a predicted key followed by the wrong separator
    '[{"id": 1}, {"id"  2}]',
    '[{"id": 1}, {"id": 2,}]',
    "[1, ",
    "[1,",
    "[1, 2",
    '{"a": ',
    '{"a":',
    '{"a": 1, ',
    '{"a": 1,',
    '{"a": 1, "',
]


@pytest.mark.parametrize("text", BAD)
def test_separators_before_bad_input_or_the_end(js: JSONImplementation, text: str) -> None:
    same_as_stdlib(js, text)


def records(keys: list[str], n: int = 4) -> list[dict[str, Any]]:
    return [{k: f"v{r}-{c}" if c % 2 else r for c, k in enumerate(keys)} for r in range(n)]


_KEYS = ["k" * n for n in range(1, 18)] + ["created_at", "last_accessed", "categories", "importance"]


@pytest.mark.parametrize("separators", [(", ", ": "), (",", ":"), (" , ", " : ")])
def test_every_prefix_of_records(js: JSONImplementation, separators: tuple[str, str]) -> None:
    """Every cut of a list of records (predicted keys of 1 to 17 bytes, near the end too)."""
    text = json.dumps(records(_KEYS, 3), separators=separators)
    for cut in range(len(text) + 1):
        same_as_stdlib(js, text[:cut])


@pytest.mark.parametrize("length", [7, 8, 9, 12, 15, 16, 17])
def test_a_predicted_key_differing_in_any_byte(js: JSONImplementation, length: int) -> None:
    """Keys of 8 to 15 bytes are compared as two words (the second ending at the quote):
    a key that differs from the prediction in any one byte, or that is the prediction
    extended or cut by a byte, must be read as itself."""
    key = "".join(chr(ord("a") + k % 26) for k in range(length))
    variants = [key[:k] + key[k].upper() + key[k + 1 :] for k in range(length)]
    variants += [key + "x", key[:-1], key[:-1] + '"']
    for other in variants:
        rows = [{key: 1, "b": 2}, {key: 3, "b": 4}, {other: 5, "b": 6}, {key: 7, "b": 8}]
        text = json.dumps(rows)
        same_as_stdlib(js, text)
        # The same near the document's end, where the word compares cannot be used.
        same_as_stdlib(js, text[: text.rindex("{")] + json.dumps({other: 9})[:-1] + "}]")


def test_duplicate_keys_inserted_as_read(js: JSONImplementation) -> None:
    """Members go into the dict as they are read: a repeated key keeps its first position
    and its last value, predicted or not, with the other members around it in order."""
    text = '[{"a": 1, "b": 2, "a": 3}, {"a": 4, "b": 5, "a": 6, "c": 7, "b": 8}, {"b": 9, "a": 0}]'
    assert js.loads(text) == json.loads(text)
    assert [list(d) for d in js.loads(text)] == [list(d) for d in json.loads(text)]
    same_as_stdlib(js, text)


_WS = st.sampled_from(["", " ", "  ", "\n", "\t", " \n "])
_KEY = st.sampled_from(_KEYS) | st.text(st.sampled_from('ab\u00e9"\\'), max_size=10)
_VALUES = st.recursive(
    st.integers() | st.text(max_size=12) | st.booleans() | st.none() | st.floats(allow_nan=False),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(_KEY, inner, max_size=6),
    max_leaves=25,
)


@given(value=_VALUES, item=_WS, key=_WS, before=_WS, cut=st.none() | st.integers(0, 400))
@settings(max_examples=400, deadline=None)
def test_property_any_separators_equal_stdlib(
    impl: str, value: Any, item: str, key: str, before: str, cut: int | None
) -> None:
    text = json.dumps(value, separators=(f"{before},{item}", f"{before}:{key}"))
    same_as_stdlib(implementation(impl), text if cut is None else text[:cut])
