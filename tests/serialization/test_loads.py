"""`loads` against `json.loads`: values, and `JSONDecodeError` msg/pos/lineno/colno."""

from __future__ import annotations

import json
import sys
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from serialization_strategies import canon, json_values

from crewai_rust.serialization import JSONImplementation, implementation


def outcome(fn: Any, s: Any) -> Any:
    try:
        return ("ok", canon(fn(s)))
    except json.JSONDecodeError as exc:
        return ("JSONDecodeError", exc.msg, exc.pos, exc.lineno, exc.colno, exc.doc)
    except (ValueError, TypeError, RecursionError) as exc:
        return (type(exc).__name__,)


VALID = [
    "null",
    " true ",
    "[false, 0, -0, 1.5, -2.5e-3, 1E400, -1e400]",
    "123456789012345678901234567890123",
    "-0.0",
    "[NaN, Infinity, -Infinity]",
    '"a\\"b\\\\c\\/\\b\\f\\n\\r\\t\\u00e9\\ud83d\\ude00"',
    '"\\ud800"',
    '"\\udc00\\ud800x"',
    '"\\ud800\\u0041"',
    '"é😀 raw"',
    '{"a": 1, "b": 2, "a": 3}',
    '{"x": {"y": [1, {"z": []}]}, "": {}}',
    "\n\t[ 1 ,\r 2 ]\n",
]

INVALID = [
    "",
    " ",
    '{"a":1,}',
    "[1,]",
    "{",
    "[",
    '"abc',
    '"a\\x"',
    '"\\u12"',
    '"\\u12zz"',
    '"a\nb"',
    "1.",
    "1e",
    "1e+",
    "01",
    "-",
    "--1",
    "[1 2]",
    '{"a" 1}',
    '{"a":}',
    "{1: 2}",
    "nul",
    "tru",
    "NaNa",
    "-Inf",
    '"\\ud800\\u12"',
    '["é", x]',
    '"ab\\',
    "[1]\n\n  x",
    "\ufeff[]",
    '{"a": [1, 2}',
]


@pytest.mark.parametrize("text", VALID)
def test_valid_documents(js: JSONImplementation, text: str) -> None:
    assert outcome(js.loads, text) == outcome(json.loads, text)
    assert outcome(js.loads, text.encode("utf-8", "surrogatepass")) == outcome(
        json.loads, text.encode("utf-8", "surrogatepass")
    )


@pytest.mark.parametrize("text", INVALID)
def test_decode_errors_match(js: JSONImplementation, text: str) -> None:
    expected = outcome(json.loads, text)
    assert expected[0] == "JSONDecodeError"
    assert outcome(js.loads, text) == expected


def test_duplicate_keys_last_wins_at_first_position(js: JSONImplementation) -> None:
    got = js.loads('{"a": 1, "b": 2, "a": 3}')
    assert list(got.items()) == [("a", 3), ("b", 2)]


def test_bytes_in_other_encodings_and_bom(js: JSONImplementation) -> None:
    doc = '{"k": "é😀", "n": [1, 2.5]}'
    for data in (
        doc.encode("utf-16"),
        doc.encode("utf-16-le"),
        doc.encode("utf-32"),
        doc.encode("utf-8-sig"),
        bytearray(doc.encode()),
    ):
        assert outcome(js.loads, data) == outcome(json.loads, data)


def test_invalid_utf8_bytes_behave_like_the_stdlib(js: JSONImplementation) -> None:
    with pytest.raises(UnicodeDecodeError):
        json.loads(b'"\xff"')
    with pytest.raises(UnicodeDecodeError):
        js.loads(b'"\xff"')
    surrogate = b'"\xed\xa0\x80"'  # the stdlib decodes bytes with surrogatepass
    assert js.loads(surrogate) == json.loads(surrogate)


def test_str_document_holding_a_lone_surrogate(js: JSONImplementation) -> None:
    assert js.loads('["\ud800"]') == json.loads('["\ud800"]')


def test_wrong_type_is_a_type_error(js: JSONImplementation) -> None:
    with pytest.raises(TypeError, match="the JSON object must be str, bytes or bytearray, not int"):
        js.loads(3)  # type: ignore[arg-type]


def test_deep_nesting_is_a_recursion_error(js: JSONImplementation) -> None:
    deep = "[" * 100_000 + "]" * 100_000
    with pytest.raises(RecursionError):
        json.loads(deep)
    with pytest.raises(RecursionError):
        js.loads(deep)


def test_huge_integer_hits_the_interpreter_digit_limit(js: JSONImplementation) -> None:
    if not hasattr(sys, "get_int_max_str_digits"):
        pytest.fail("Python without the int digit limit is not supported by this test")
    text = "1" * (sys.get_int_max_str_digits() + 1)
    with pytest.raises(ValueError, match="Exceeds the limit"):
        json.loads(text)
    with pytest.raises(ValueError, match="Exceeds the limit"):
        js.loads(text)


@given(value=json_values, indent=st.none() | st.integers(0, 3), ensure_ascii=st.booleans())
@settings(max_examples=300, deadline=None)
def test_property_round_trip_equals_stdlib(impl: str, value: Any, indent: Any, ensure_ascii: bool) -> None:
    text = json.dumps(value, indent=indent, ensure_ascii=ensure_ascii)
    assert outcome(implementation(impl).loads, text) == outcome(json.loads, text)


_JSONISH = st.text(
    alphabet=st.sampled_from(list('{}[],:"\\ \n\t0123456789.eE+-truefalsnNIinfyu\x01éab')), max_size=30
)


@given(text=_JSONISH)
@settings(max_examples=1000, deadline=None)
def test_property_arbitrary_text_same_result_or_error(impl: str, text: str) -> None:
    assert outcome(implementation(impl).loads, text) == outcome(json.loads, text)


@given(
    value=json_values,
    cut=st.integers(0, 200),
    junk=st.sampled_from(["", "x", ",", "]", "}", '"', "\\", "é"]),
)
@settings(max_examples=500, deadline=None)
def test_property_damaged_documents(impl: str, value: Any, cut: int, junk: str) -> None:
    text = json.dumps(value, ensure_ascii=False)
    cut = min(cut, len(text))
    damaged = text[:cut] + junk + text[cut + 1 :]
    assert outcome(implementation(impl).loads, damaged) == outcome(json.loads, damaged)
