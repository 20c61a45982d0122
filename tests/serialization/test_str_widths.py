"""`dumps`/`dumps_compact` on strs of every CPython storage width, against the stdlib.

The Rust encoder reads a `str` in place (ASCII, Latin-1, UCS-2, UCS-4) and escapes the code
units directly; these cases put each kind of character that needs escaping at every offset of
the vector-scanned runs, as values and as keys, in `str` subclasses, and next to the other
fast paths (NaN/inf, int subclasses, big ints, nested models).
"""

from __future__ import annotations

import json
import math
from datetime import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from serialization_strategies import Inner, MyInt, MyStr, Outer, crew, crew_compact

from crewai_rust.serialization import JSONImplementation, implementation

# One filler per storage width: the str's widest character decides how CPython stores it.
FILLERS = {"latin1": "\u00e9", "ucs2": "\u4f1a", "ucs4": "\U0001f600"}
SPECIALS = [
    '"',
    "\\",
    "\n",
    "\x00",
    "\x1f",
    "\x7f",
    "\x80",
    "\xff",
    "\u2028",
    "\ud800",
    "\udfff",
    "\uffff",
    "\U0010ffff",
    "/",
]


def texts() -> list[str]:
    out = []
    for filler in FILLERS.values():
        for special in SPECIALS:
            for at in (0, 1, 7, 8, 9, 15, 16, 17):
                out.append("a" * at + special + "b" * (17 - at) + filler)
    return out


@pytest.mark.parametrize("ensure_ascii", [True, False])
def test_every_width_and_offset_matches_the_stdlib(js: JSONImplementation, ensure_ascii: bool) -> None:
    for s in texts():
        assert js.dumps(s, ensure_ascii=ensure_ascii) == crew(s, ensure_ascii=ensure_ascii), repr(s)
        doc = {s: [s, MyStr(s)]}
        assert js.dumps(doc, ensure_ascii=ensure_ascii) == crew(doc, ensure_ascii=ensure_ascii), repr(s)


def test_compact_escapes_lone_surrogates_of_every_width(js: JSONImplementation) -> None:
    for s in texts():
        got = js.dumps_compact({s: s})
        assert json.loads(got) == {s: s}, repr(s)
        if not any("\ud800" <= c <= "\udfff" for c in s):
            assert got == crew_compact({s: s}), repr(s)


def test_long_strings_of_each_width(js: JSONImplementation) -> None:
    # Longer than one reservation chunk of the escaper, with specials sprinkled through.
    for filler in [*FILLERS.values(), "x"]:
        s = ("plain text, " + filler + '"\\\n') * 3000
        assert js.dumps(s) == crew(s)
        assert js.dumps(s, ensure_ascii=False) == crew(s, ensure_ascii=False)
        assert js.dumps_compact(s) == crew_compact(s)


def test_str_output_is_a_plain_str(js: JSONImplementation) -> None:
    out = js.dumps(["\u00e9\U0001f600", {"k": 1}])
    assert type(out) is str
    assert out.isascii()
    assert out == crew(["\u00e9\U0001f600", {"k": 1}])


def test_non_ascii_separators_and_indent_with_ensure_ascii(js: JSONImplementation) -> None:
    doc = {"\u00e9": [1, "\u4f1a"]}
    for kw in ({"indent": "\u00b7"}, {"separators": (" \u2022 ", " \u2192 ")}):
        assert js.dumps(doc, **kw) == crew(doc, **kw)


def test_other_fast_paths_next_to_wide_strs(js: JSONImplementation) -> None:
    doc = {
        "\u4f1a": [math.nan, math.inf, -math.inf, MyInt(7), 2**100, -(2**70)],
        "m": Outer(
            name="\U0001f600 \u00e9",
            inner=Inner(x=MyInt(3), when=datetime(2024, 1, 2, 3, 4, 5), note="\u4f1a\ud800"),
            tags=["\u00ff", "\U0010ffff"],
            extra={"\u2028": 2**80},
        ),
    }
    for ensure_ascii in (True, False):
        assert js.dumps(doc, ensure_ascii=ensure_ascii) == crew(doc, ensure_ascii=ensure_ascii)


@given(
    st.text(alphabet=st.characters(codec=None), max_size=80),
    st.sampled_from(["", "\u00e9", "\u4f1a", "\U0001f600"]),
)
@settings(max_examples=400, deadline=None)
def test_property_any_text_matches_the_stdlib(impl: str, s: str, widen: str) -> None:
    js = implementation(impl)
    s += widen
    assert js.dumps(s) == crew(s)
    assert js.dumps({s: s}, ensure_ascii=False) == crew({s: s}, ensure_ascii=False)
    assert json.loads(js.dumps_compact(s)) == s
