"""`loads` short string values against `json.loads`: the reader's value memo.

The Rust reader remembers short plain string values (1 to 32 bytes) of a document of at least
1 KiB in a small table keyed by their bytes, and hands out the str it already made when the
same text comes again. These documents hit and miss that table in every way it can: repeats,
near misses (same length, one byte different, in the first, middle or last 8 bytes), values
around the length limit in ASCII and multi-byte text, escaped and raw forms of the same text,
values also used as keys, more distinct values than the table holds, and errors after cached
values. Results (types, values, the ASCII flag of every str) and errors must match the stdlib.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_loads_fast_paths import same_as_stdlib

from crewai_rust.serialization import JSONImplementation, implementation

# The reader only uses the memo for documents of at least this many bytes.
PAD = " " * 1100


def padded(text: str) -> str:
    """The document with trailing whitespace, so it is large enough for the memo."""
    return text + PAD


def near_misses(n: int) -> list[str]:
    """Strings of `n` characters equal to a base string but for one character, at each
    position (so the first, middle and last 8 bytes each differ somewhere)."""
    base = "".join(chr(ord("a") + k % 26) for k in range(n))
    return [base] + [base[:k] + "Z" + base[k + 1 :] for k in range(n)]


DOCUMENTS = [
    # Repeats of a few short values, as in crewai's records.
    json.dumps([{"scope": f"/crew/agent-{i % 4}", "source": "agent", "tags": ["a", "b"]} for i in range(40)]),
    # A value that is also a key, in both orders.
    json.dumps([{"a": "a", "id": "id"}, "id", "a", {"id": "a", "a": "id"}, ["a", "id"]] * 5),
    # The same text raw and escaped, ASCII and not.
    '["\u00e9t\u00e9", "\\u00e9t\\u00e9", "\u00e9t\u00e9", "ab", "\\u0061b", "ab", "\\u0061b"]',
    json.dumps(["\u00e9", "\u65e5\u672c", "\U0001f600", "\u00e9", "\u65e5\u672c", "\U0001f600"] * 4),
    json.dumps(
        ["\u00e9", "\u65e5\u672c", "\U0001f600", "\u00e9", "\u65e5\u672c", "\U0001f600"] * 4,
        ensure_ascii=False,
    ),
    # Escapes inside short repeated values.
    json.dumps(['a"b', "a\\b", "a\nb", 'a"b', "a\\b", "a\nb", "\t", "\t"]),
    # The empty string, and strings of only spaces.
    json.dumps(["", "", " ", " ", "  ", ""]),
    # Other value types between repeated strings.
    json.dumps(["x", 1, "x", 1.5, "x", None, "x", True, "x", False, "x", [], "x", {}]),
]

# Around the length limit: ASCII and multi-byte text of 31-33 bytes, repeated.
for n in (1, 7, 8, 9, 15, 16, 17, 24, 31, 32, 33, 40):
    DOCUMENTS.append(json.dumps(near_misses(n) * 2))
    DOCUMENTS.append(json.dumps(near_misses(n)[::-1] + near_misses(n)))
for text in ("\u00e9" * 15, "\u00e9" * 16, "\u00e9" * 17, "\u65e5" * 10, "\u65e5" * 11, "\U0001f600" * 8):
    # 30-34 bytes of UTF-8: raw in a non-ASCII document, escaped in an ASCII one.
    DOCUMENTS.append(json.dumps([text, text + "x", text, text[:-1] + "x", text], ensure_ascii=False))
    DOCUMENTS.append(json.dumps([text, text + "x", text, text[:-1] + "x", text]))


@pytest.mark.parametrize("text", DOCUMENTS)
def test_short_values_match_the_stdlib(js: JSONImplementation, text: str) -> None:
    same_as_stdlib(js, padded(text))
    # Small documents (no memo) and the document right at the end of the input.
    same_as_stdlib(js, text)
    same_as_stdlib(js, PAD + text)


def test_more_distinct_values_than_the_table_holds(js: JSONImplementation) -> None:
    """Thousands of distinct short values, each repeated at growing distances, interleaved
    with values that repeat all the time: collisions and evictions, never a wrong value."""
    values = [f"v{k}" for k in range(3000)]
    doc: list[Any] = []
    for k, v in enumerate(values):
        doc += [v, "hot", values[k // 2], values[(k * 7) % 3000], "other"]
    same_as_stdlib(js, json.dumps(doc))
    same_as_stdlib(js, json.dumps([{"k": v, "stage": "s" + str(k % 50)} for k, v in enumerate(doc)]))


def test_keys_that_repeat_unique_values_then_repeated_ones(js: JSONImplementation) -> None:
    """A field whose values are first all distinct, then repeat (the memo stops looking up a
    field that keeps missing): the values are the stdlib's either way."""
    rows = [{"id": f"id-{k}", "day": f"d{k % 40}"} for k in range(200)]
    rows += [{"id": "same", "day": "d1"} for _ in range(100)]
    same_as_stdlib(js, json.dumps(rows))


@pytest.mark.parametrize(
    "text",
    [
        padded('["abc", "abc", "abc"'),
        padded('["abc", "abc", "ab\x01c"]'),
        padded('["abc", "abc", "abc]'),
        '["abc", "abc", "abc", "abc"' + PAD,
        '{"k": "abc", "k": "abc", "k": "abd"}' + PAD,
        '{"k": "abc", "j": "abc"} "abc"' + PAD,
    ],
)
def test_errors_and_duplicates_after_cached_values(js: JSONImplementation, text: str) -> None:
    same_as_stdlib(js, text)


_SHORT = st.text(
    alphabet=st.sampled_from(["a", "b", "\u00e9", "\u65e5", "\U0001f600", '"', "\\", "\n"]), max_size=12
)


@given(
    pool=st.lists(_SHORT, min_size=1, max_size=8),
    picks=st.lists(st.integers(0, 7), min_size=1, max_size=60),
    ensure_ascii=st.booleans(),
    as_keys=st.booleans(),
)
@settings(max_examples=150, deadline=None)
def test_property_repeated_short_values_equal_stdlib(
    impl: str, pool: list[str], picks: list[int], ensure_ascii: bool, as_keys: bool
) -> None:
    """Values drawn with repetition from a small pool of short strings (any width, with
    characters that need escapes), as list items or as object values keyed by themselves."""
    values = [pool[p % len(pool)] for p in picks]
    doc: Any = [{v: v} for v in values] if as_keys else values
    same_as_stdlib(implementation(impl), padded(json.dumps(doc, ensure_ascii=ensure_ascii)))


@pytest.mark.requires_extension
def test_repeated_short_values_share_one_str_in_rust() -> None:
    """The fast path is taken: a repeated short value is one str in the Rust result (str
    identity is not part of `json.loads`' contract; equality and type are, checked above)."""
    doc = json.dumps([{"category": "finance", "q": f"q{k % 4}", "id": f"unique-{k}"} for k in range(100)])
    ours = implementation("rust").loads(doc)
    assert ours == json.loads(doc)
    assert len({id(r["category"]) for r in ours}) == 1
    assert len({id(r["q"]) for r in ours}) == 4
    assert len({id(r["id"]) for r in ours}) == 100
    # Long values are never shared.
    long = "x" * 33
    ours = implementation("rust").loads(json.dumps([long] * 50))
    assert len({id(v) for v in ours}) == 50
