"""The block-wise string escapers against the stdlib, on both implementations.

The Rust encoder escapes long non-ASCII strs sixteen code units per block (narrowed, stored
whole, escapes spliced in at their places) and copies long plain UTF-8/ASCII runs 64 bytes per
step with AVX2 where the CPU has it. These cases put every kind of character that needs
escaping at every offset of several blocks, in every storage width, alone and densely packed
(escape after escape, escapes every few units, a block ending or starting with one), and
check `dumps` (both `ensure_ascii` modes) and `dumps_compact` byte for byte.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from serialization_strategies import crew, crew_compact

from crewai_rust.serialization import JSONImplementation, implementation

# The widest character decides how CPython stores a str: Latin-1, UCS-2 or UCS-4.
WIDTHS = {"ascii": "", "latin1": "\u00e9", "ucs2": "\u4f1a", "ucs4": "\U0001f600"}
SPECIALS = [
    '"',
    "\\",
    "\n",
    "\t",
    "\x00",
    "\x1f",
    "\x7f",
    "\x80",
    "\xe9",
    "\u4f1a",
    "\ud800",
    "\U0001f600",
    "\U0010ffff",
    "\u2028",
    "\u2029",
]


def check(js: JSONImplementation, s: str) -> None:
    assert js.dumps(s) == crew(s), repr(s)
    assert js.dumps(s, ensure_ascii=False) == crew(s, ensure_ascii=False), repr(s)
    got = js.dumps_compact(s)
    assert json.loads(got) == s, repr(s)
    if not any("\ud800" <= c <= "\udfff" for c in s):
        assert got == crew_compact(s), repr(s)


@pytest.mark.parametrize("width", list(WIDTHS))
def test_one_special_at_every_offset_of_long_runs(js: JSONImplementation, width: str) -> None:
    # 150 units: past two 64-byte steps and several 16-unit blocks, plus a tail.
    for special in SPECIALS:
        for at in range(150):
            s = "a" * at + special + "b" * (149 - at) + WIDTHS[width]
            check(js, s)


@pytest.mark.parametrize("width", list(WIDTHS))
def test_dense_escapes_with_every_spacing(js: JSONImplementation, width: str) -> None:
    for special in SPECIALS:
        for gap in range(0, 19):
            for lead in (0, 1, 15, 16, 17):
                s = "x" * lead + ("p" * gap + special) * (100 // (gap + 1) + 3) + WIDTHS[width]
                check(js, s)


@pytest.mark.parametrize("width", list(WIDTHS))
def test_all_escapes_and_mixed_specials(js: JSONImplementation, width: str) -> None:
    every = "".join(SPECIALS)
    for n in (1, 2, 3, 5, 40):
        check(js, every * n + WIDTHS[width])
        check(js, (WIDTHS[width] or "\u00ff") * (n * 17))
    check(js, "")
    check(js, WIDTHS[width])


@pytest.mark.parametrize("width", list(WIDTHS))
def test_long_plain_runs_and_lone_surrogates(js: JSONImplementation, width: str) -> None:
    for n in (31, 32, 33, 63, 64, 65, 127, 128, 129, 5000, 70_000):
        check(js, "r" * n + WIDTHS[width])
        check(js, WIDTHS[width] + "r" * n)
        check(js, "r" * n + "\udc00" + "s" * n + WIDTHS[width])
    # Values, keys and many strs in one document share one output buffer.
    doc = {("k" * 40 + w): ["v" * 70 + w + '"', w * 33] for w in WIDTHS.values()}
    assert js.dumps(doc) == crew(doc)
    assert js.dumps(doc, ensure_ascii=False, indent=2) == crew(doc, ensure_ascii=False, indent=2)
    assert js.dumps_compact(doc) == crew_compact(doc)


@given(
    st.lists(
        st.one_of(
            st.text(alphabet=st.characters(max_codepoint=0x7F), min_size=1, max_size=40),
            st.sampled_from(SPECIALS),
            st.sampled_from(["\u00e9", "\u4f1a", "\U0001f600"]),
        ),
        max_size=40,
    ),
    st.sampled_from(list(WIDTHS.values())),
)
@settings(max_examples=300, deadline=None)
def test_property_runs_and_escapes_match_the_stdlib(impl: str, parts: list[str], widen: str) -> None:
    check(implementation(impl), "".join(parts) + widen)


@pytest.mark.parametrize("width", ["latin1", "ucs2", "ucs4"])
def test_every_bmp_code_point_and_every_surrogate_half(js: JSONImplementation, width: str) -> None:
    # Each `\uXXXX` is looked up in a table of the 65,536 four-digit forms: every BMP code
    # point (lone surrogates included), in each storage width that can hold it, and astral
    # characters whose pairs cover every lead and every trail surrogate.
    top = {"latin1": 0x100, "ucs2": 0x1_0000, "ucs4": 0x1_0000}[width]
    # Trail surrogates before leads: no lead is followed by a trail, which would load back as
    # one astral character.
    order = [*range(0xD800), *range(0xDC00, 0xE000), *range(0xD800, 0xDC00), *range(0xE000, 0x1_0000)]
    every = "".join(chr(c) for c in order if c < top) + WIDTHS[width]
    check(js, every)
    # One per block position as well as run together: x + char, 17 units apart.
    check(js, "".join("x" * 16 + chr(c) for c in range(0, top, 7)) + WIDTHS[width])
    if width == "ucs4":
        leads = "".join(chr(0x1_0000 + (k << 10) + (k & 0x3FF)) for k in range(1024))
        trails = "".join(chr(0x1_0000 + t) for t in range(1024))
        check(js, leads + "a" + trails)
