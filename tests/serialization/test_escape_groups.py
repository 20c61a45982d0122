"""Block layouts of the `ensure_ascii` escaper against the stdlib, on both implementations.

With AVX-512 VBMI the Rust encoder lays out each half of a 16-unit block in one permutation
chosen by which of its 8 units need `\\uXXXX`, a half holding an astral character per 4
units, and a half holding a two-letter escape or a control character one escape at a time;
the last units of a str are one short block. These cases put every pattern of escaped units
in either half, astral characters in every slot, two-letter escapes beside `\\uXXXX` ones,
lone surrogates and strs of every length below a few blocks, in every storage width (the
widest character decides whether CPython stores a str as Latin-1, UCS-2 or UCS-4), and
compare `dumps` with `json.dumps(cls=CrewJSONEncoder)` byte for byte.
"""

from __future__ import annotations

import random

import pytest
from serialization_strategies import crew

from crewai_rust.serialization import JSONImplementation

# An escaped character of each storage width (the str takes that width), and a lone surrogate.
ESCAPED = {"latin1": "\u00e9", "ucs2": "\u4f1a", "ucs4": "\U0001f600", "surrogate": "\ud83d"}


def check(js: JSONImplementation, s: str) -> None:
    assert js.dumps(s) == crew(s), repr(s)


@pytest.mark.parametrize("width", list(ESCAPED))
def test_every_mask_of_each_half_of_a_block(js: JSONImplementation, width: str) -> None:
    esc = ESCAPED[width]
    for mask in range(256):
        half = "".join(esc if mask >> k & 1 else chr(0x61 + k) for k in range(8))
        for s in (half + "ABCDEFGH", "ABCDEFGH" + half, half + half, half, half[:5]):
            check(js, s)
            # The same after a UCS-4 character elsewhere, so the str is stored 4 bytes a unit.
            check(js, s + "." * 16 + "\U0001f600")


def test_astral_characters_in_every_slot(js: JSONImplementation) -> None:
    for length in range(1, 41):
        for at in range(length):
            for other in ("a", "\u00e9", "\u4f1a", "\U00010000", "\ud83d"):
                units = [other if k % 3 == 0 else chr(0x41 + k % 26) for k in range(length)]
                units[at] = "\U0001f600"
                check(js, "".join(units))
    for length in range(41):
        check(js, "\U0010ffff" * length)


@pytest.mark.parametrize("fill", ["\u00e9", "\u4f1a", "\U0001f600", "\ud800", "a"])
def test_two_letter_escapes_beside_unicode_escapes(js: JSONImplementation, fill: str) -> None:
    for special in ('"', "\\", "\n", "\t", "\b", "\f", "\r", "\x00", "\x1f", "\x7f"):
        for at in range(24):
            units = [fill if k % 2 == 0 else chr(0x30 + k) for k in range(24)]
            units[at] = special
            s = "".join(units)
            check(js, s)
            check(js, s[: at + 1])
            check(js, s[at:])


def test_strs_of_every_short_length_over_mixed_characters(js: JSONImplementation) -> None:
    alphabet = ["a", '"', "\n", "\u00e9", "\u4f1a", "\U0001f600", "\udc00", "~", " ", "\x7f"]
    rng = random.Random(6)
    for length in range(50):
        for _ in range(40):
            check(js, "".join(rng.choice(alphabet) for _ in range(length)))
