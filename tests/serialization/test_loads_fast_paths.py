"""`loads` fast paths against `json.loads`: strings of every width, numbers, nesting, errors.

The Rust reader writes each string straight into a str of its final width (1, 2 or 4 bytes
a character) and reads an ASCII `str` in place. CPython compares two strs of different
widths as unequal, so equality with the stdlib's result already proves the width was chosen
right; `str.isascii()` (which reads the str's ASCII flag, not its characters) is compared as
well, since pure-ASCII text stored as Latin-1 would still compare equal.
"""

from __future__ import annotations

import itertools
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from serialization_strategies import canon

from crewai_rust.serialization import JSONImplementation, implementation


def shape(x: Any) -> Any:
    """`canon` plus every str's ASCII flag, so ASCII text stored as Latin-1 differs."""
    if isinstance(x, str):
        return ("str", x, x.isascii())
    if isinstance(x, list):
        return ("list", [shape(v) for v in x])
    if isinstance(x, dict):
        return ("dict", [(shape(k), shape(v)) for k, v in x.items()])
    return canon(x)


def outcome(fn: Any, s: Any) -> Any:
    try:
        return ("ok", shape(fn(s)))
    except json.JSONDecodeError as exc:
        return ("JSONDecodeError", exc.msg, exc.pos, exc.lineno, exc.colno)
    except (ValueError, TypeError, RecursionError) as exc:
        return (type(exc).__name__,)


def same_as_stdlib(js: JSONImplementation, text: str) -> None:
    """The document as `str` and as UTF-8 `bytes` (surrogates passed through, as the stdlib
    reads bytes) gives what `json.loads` gives."""
    assert outcome(js.loads, text) == outcome(json.loads, text)
    data = text.encode("utf-8", "surrogatepass")
    assert outcome(js.loads, data) == outcome(json.loads, data)


# One string per width class, reached through escapes, raw characters, or both.
WIDTHS = [
    '""',
    '"plain ascii"',
    '"tab\\tand\\u0041"',
    '"\\u00e9t\\u00e9"',  # Latin-1 through escapes
    '"été"',  # Latin-1 raw
    '"été\\n"',  # Latin-1 raw plus an escape
    '"\\u00ff"',
    '"\\u0100"',  # the first UCS-2 character
    '"Ā\\n"',
    '"会议\\u987a\\u5229"',
    '"\\uffff"',
    '"\\ud83d\\ude00"',  # astral through a surrogate pair
    '"😀\\n"',  # astral raw plus an escape
    '"a\\u00e9\\u4f1a\\ud83d\\ude00z"',  # every width in one string
    '"\\ud800"',  # lone high surrogate
    '"\\udfff"',  # lone low surrogate
    '"\\ud800\\ud800"',
    '"\\udc00\\ud800"',  # a low then a high: two lone surrogates
    '"\\ud800x\\udc00"',
    '"\\ud83d\\ude00\\ud800"',  # a pair and a lone one: UCS-4 holding a surrogate
    '"\\u00e9\\ud800"',
    '{"k\\u00e9y": "v", "k\\u00e9y": "w", "\\ud83d\\ude00": 1}',
    '["\\u00e9", "\\u00e9", "x\\"y", "caf\\u00e9 \\u2014 \\ud83d\\ude00"]',
]


@pytest.mark.parametrize("text", WIDTHS)
def test_strings_of_every_width(js: JSONImplementation, text: str) -> None:
    same_as_stdlib(js, text)


NUMBERS = [
    "0",
    "-0",
    "-0.0",
    "0.0",
    "1e5",
    "1E5",
    "1e+5",
    "1E-5",
    "1.5e300",
    "1e400",
    "-1e400",
    "1e-400",
    "2.2250738585072011e-308",
    "4.9406564584124654e-324",
    "1.7976931348623157e308",
    "0.1",
    "0.30000000000000004",
    "123456789012345678901234567890",
    "-123456789012345678901234567890",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775808",
    "-9223372036854775809",
    "[1.0, 10, 1e1, 100e-2, -5E0]",
    # The edges of the exact fast paths (18-digit ints; 53-bit significands with a decimal
    # exponent within +-22) and the first numbers past them.
    "999999999999999999",
    "-999999999999999999",
    "1000000000000000000",
    "-1000000000000000000",
    "000",
    "-0e5",
    "-0.0e-30",
    "0e400",
    "9007199254740992.0",
    "9007199254740993.0",
    "9007199254740993e0",
    "-9007199254740993e-3",
    "1e22",
    "1e23",
    "1e-22",
    "1e-23",
    "123456789e-22",
    "4.35e-22",
    "8.5e22",
    "1234567890123456789.0",
    "12345678901234567890.0",
    "0.1234567890123456789",
    "0.12345678901234567890",
    "0.0000000000000000000001",
    "0.00000000000000000000001",
    "1.000000000000000000000000000001",
    "2.225073858507201e-308",
    "5e-324",
    "1e1000000",
    "1e-1000000",
    "[0.0099, 0.5, 0.1, 1.25, 61.25]",
]


@pytest.mark.parametrize("text", NUMBERS)
def test_numbers(js: JSONImplementation, text: str) -> None:
    same_as_stdlib(js, text)


BAD = [
    '"\\ud800\\udc00',
    '"\\ud800\\udc0',
    '"\\ud800\\udc0"',
    '"\\ud800\\u',
    '"\\ud800\\uzzzz"',
    '"é\\u12"',
    '"é\\q"',
    '"ā\\n\x01"',
    '"\\u00e9',
    '"\\ud83d\\ude00x',
    '"a\\"',
    '["é\\n", "\\u00e9", 1 2]',
    '{"\\u00e9": 1, "é" 2}',
    '[\n  "😀\\n",\n  x\n]',
]


@pytest.mark.parametrize("text", BAD)
def test_bad_input_positions(js: JSONImplementation, text: str) -> None:
    expected = outcome(json.loads, text)
    assert expected[0] == "JSONDecodeError"
    assert outcome(js.loads, text) == expected
    data = text.encode()
    assert outcome(js.loads, data) == outcome(json.loads, data)


@pytest.mark.parametrize("opener", ["[", '{"a":'])
def test_deep_nesting_of_either_kind_is_a_recursion_error(js: JSONImplementation, opener: str) -> None:
    closer = "]" if opener == "[" else "}"
    deep = opener * 100_000 + "1" + closer * 100_000
    with pytest.raises(RecursionError):
        json.loads(deep)
    with pytest.raises(RecursionError):
        js.loads(deep)
    shallow = opener * 50 + "1" + closer * 50
    assert outcome(js.loads, shallow) == outcome(json.loads, shallow)


_ANY_CHAR = st.characters(min_codepoint=0, max_codepoint=0x10FFFF)  # surrogates included
_EDGE_CHARS = st.sampled_from('aé\u0100会\ud800\udc00😀\n"\\')
_WIDE_TEXT = st.text(_ANY_CHAR, max_size=20) | st.text(_EDGE_CHARS, max_size=20)
_STRUCTURES = st.recursive(
    _WIDE_TEXT | st.integers() | st.floats(allow_nan=False) | st.booleans() | st.none(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_WIDE_TEXT, inner, max_size=4),
    max_leaves=12,
)


@given(value=_STRUCTURES, ensure_ascii=st.booleans())
@settings(max_examples=400, deadline=None)
def test_property_strings_of_any_width_equal_stdlib(impl: str, value: Any, ensure_ascii: bool) -> None:
    text = json.dumps(value, ensure_ascii=ensure_ascii)
    same_as_stdlib(implementation(impl), text)


_NUMBER_TEXT = st.from_regex(r"\A-?(0|[1-9][0-9]{0,25})(\.[0-9]{1,25})?([eE][-+]?[0-9]{1,3})?\Z")


@given(text=_NUMBER_TEXT)
@settings(max_examples=500, deadline=None)
def test_property_number_text_equals_stdlib(impl: str, text: str) -> None:
    same_as_stdlib(implementation(impl), text)


@given(
    significand=st.integers(0, 2**54 + 3)
    | st.sampled_from([2**53 - 1, 2**53, 2**53 + 1, 10**18, 10**19 - 1]),
    point=st.integers(0, 20),
    exponent=st.none() | st.integers(-26, 26),
    negative=st.booleans(),
)
@settings(max_examples=800, deadline=None)
def test_property_fast_path_edges_equal_stdlib(
    impl: str, significand: int, point: int, exponent: int | None, negative: bool
) -> None:
    """Numbers around the fast paths' limits (the significand's 53 bits, 18/19 digits, the
    exponent's +-22), with the decimal point anywhere in the digits."""
    digits = str(significand)
    point = min(point, len(digits) - 1)
    text = digits if point == 0 else f"{digits[:-point]}.{digits[-point:]}"
    if exponent is not None:
        text += f"e{exponent}"
    same_as_stdlib(implementation(impl), ("-" if negative else "") + text)


# Raw non-ASCII too: the scanners compare bytes unsigned, so a UTF-8 byte >= 0x80 must never
# read as a control character.
_SPECIALS = [
    "\\u00e9", "\\ud83d\\ude00", "\\ud800", "\\n", '\\"', "\\\\", "\x01", '"', "",
    "\u00e9", "\U0001f600", "\u2028",
]  # fmt: skip


@pytest.mark.parametrize("special", _SPECIALS)
def test_block_boundaries_of_the_string_scanners(js: JSONImplementation, special: str) -> None:
    """A special character (escape, control character, closing quote, none) at every
    offset around the 16-byte blocks the string scanners read, in strings that end at the
    document's end (the scalar tails) and far before it (the vector loops); after an escape
    too, where the decoder copies the plain run while it searches it."""
    for prefix, before, after in itertools.product(("", "\\t"), range(50), (0, 1, 15, 16, 17, 40)):
        body = prefix + "a" * before + special + "b" * after
        for text in (f'"{body}"', f'["{body}", "{"c" * 40}"]', f'"{body}', f'{{"{body}": 1}}'):
            same_as_stdlib(js, text)


_ESCAPES = ["\\u00e9", "\\ud83d\\ude00", "\\ud800", "\\n", '\\"', "\\\\", "\\u4f1a\\u8bae"]


@pytest.mark.parametrize("escape", _ESCAPES)
def test_escape_dense_strings_across_the_64_byte_windows(js: JSONImplementation, escape: str) -> None:
    """In an ASCII document, the decoder finds each stop after an escape from a mask of 64
    input bytes and widens the runs between escapes 16 bytes at a time: escapes every `gap`
    bytes put escapes, pairs and runs across every window and block boundary, and the string
    ends (closed, cut, or at a control character) at every offset of the last window."""
    for gap in range(0, 70):
        body = ("x" * gap + escape) * (200 // (gap + len(escape)) + 1)
        for tail in ("", "y" * 5, "y" * 63, "y" * 64, "y" * 65):
            for text in (f'"{body}{tail}"', f'["{body}{tail}", 1]', f'"{body}{tail}', f'"{body}{tail}\x01"'):
                same_as_stdlib(js, text)


def test_escape_cut_at_the_end_of_the_document(js: JSONImplementation) -> None:
    """Escapes and pairs cut anywhere near the end, after a long escaped run (the window
    search then falls back to the tail scan)."""
    head = '"' + "\\u00e9" * 30 + "abc"
    for cut in (
        "\\",
        "\\u",
        "\\u00",
        "\\u00e",
        "\\u00e9",
        "\\ud83d",
        "\\ud83d\\",
        "\\ud83d\\u",
        "\\ud83d\\ude0",
    ):
        for pad in range(0, 70, 7):
            same_as_stdlib(js, head + "z" * pad + cut)
            same_as_stdlib(js, head + "z" * pad + cut + '"')


@pytest.mark.parametrize("special", ['"', "\\n", "\\u00e9", "\x01", "\u00e9"])
def test_long_plain_strings_with_a_stop_anywhere(js: JSONImplementation, special: str) -> None:
    """Past a string's first 64 bytes the reader searches 64 bytes a step (AVX2 where the
    CPU has it) and hands the last 64 back to the 16-byte loop: a stop at every offset of a
    long string, with the document going on after it or ending soon after."""
    for at in range(0, 300):
        body = "a" * at + special + "b" * (300 - at)
        for text in (f'"{body}"', f'["{body}", "{"c" * 100}"]', f'"{body}'):
            same_as_stdlib(js, text)
