"""`dumps_compact`: UTF-8 bytes without spaces that load back to what `dumps` writes."""

from __future__ import annotations

import json
from typing import Any

from crewai.utilities.crew_json_encoder import CrewJSONEncoder
from hypothesis import given, settings
from serialization_strategies import canon, values

from crewai_rust.serialization import JSONImplementation, implementation


def test_compact_layout_and_utf8(js: JSONImplementation) -> None:
    out = js.dumps_compact({"a": [1, 2.5, None], "é": "😀", "t": True})
    assert isinstance(out, bytes)
    assert out == '{"a":[1,2.5,null],"é":"😀","t":true}'.encode()


def test_lone_surrogates_are_escaped_and_round_trip(js: JSONImplementation) -> None:
    obj = {"\ud800k": "x\udfffy", "pair": "\ud83d\ude00"}
    out = js.dumps_compact(obj)
    out.decode("utf-8")  # valid UTF-8
    # What the stdlib's own ASCII output loads back to (an escaped pair loads as one character).
    assert json.loads(out) == json.loads(json.dumps(obj))
    assert json.loads(out)["\ud800k"] == "x\udfffy"


def test_implementations_agree_byte_for_byte() -> None:
    obj = {"when": [1, "é", {"n": None}], "b": b"\x00\x01"}
    assert implementation("python").dumps_compact(obj) == json.dumps(
        obj, cls=CrewJSONEncoder, ensure_ascii=False, separators=(",", ":")
    ).encode("utf-8")


@given(obj=values)
@settings(max_examples=300, deadline=None)
def test_property_same_as_compact_stdlib_output(impl: str, obj: Any) -> None:
    try:
        expected: Any = json.dumps(obj, cls=CrewJSONEncoder, ensure_ascii=False, separators=(",", ":"))
    except (TypeError, ValueError) as exc:
        expected = type(exc)
    try:
        got: Any = implementation(impl).dumps_compact(obj)
    except (TypeError, ValueError) as exc:
        got = type(exc)
    if isinstance(expected, str):
        assert isinstance(got, bytes)
        # Same text, except that lone surrogates are escaped (as the stdlib's ASCII output
        # escapes them) so the bytes are UTF-8.
        assert canon(json.loads(got)) == canon(json.loads(json.dumps(obj, cls=CrewJSONEncoder)))
        if not any(0xD800 <= ord(c) <= 0xDFFF for c in expected):
            assert got == expected.encode("utf-8")
    else:
        assert got is expected
