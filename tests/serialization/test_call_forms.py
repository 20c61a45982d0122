"""Every form of calling `dumps` / `dumps_compact` / `loads`, against the stdlib.

The Rust implementation handles the common forms in the extension itself (no Python frame)
and hands the others to its Python functions; these tests pin both routes to the stdlib's
results and exception types, on both implementations.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from crewai.utilities.crew_json_encoder import CrewJSONEncoder

from crewai_rust import _native
from crewai_rust.serialization import JSONImplementation, RustJSON

DOC = {"b": [1, 2.5, None, True], "a": {"é": "会议 😀", "n": -3}, "c": 'tab\tquote"'}


def stdlib_dumps(obj: Any, **kwargs: Any) -> str:
    return json.dumps(obj, cls=CrewJSONEncoder, **kwargs)


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"indent": None, "separators": None, "default": None},
        {"sort_keys": 1},
        {"sort_keys": []},
        {"ensure_ascii": None},
        {"ensure_ascii": 0},
        {"ensure_ascii": "yes"},
        {"allow_nan": 1},
        {"separators": (",", ":")},
        {"separators": [",", ":"]},
        {"separators": (", ", ": "), "ensure_ascii": False},
        {"indent": 2},
        {"indent": "\t", "separators": (";", "=")},
        {"indent": 0, "sort_keys": True},
        {"indent": -1},
    ],
)
def test_dumps_keyword_forms_match_the_stdlib(js: JSONImplementation, kwargs: dict[str, Any]) -> None:
    assert js.dumps(DOC, **kwargs) == stdlib_dumps(DOC, **kwargs)


class Truthless:
    def __bool__(self) -> bool:
        raise ZeroDivisionError("no truth value")


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"separators": (",",)}, ValueError),
        ({"separators": (",", ":", "!")}, ValueError),
        ({"separators": 5}, TypeError),
        ({"indent": 1.5}, TypeError),
        ({"sort_keys": Truthless()}, ZeroDivisionError),
        ({"ensure_ascii": Truthless()}, ZeroDivisionError),
        ({"allow_nan": False, "indent": 1}, ValueError),
    ],
)
def test_dumps_bad_keyword_values_raise_as_the_stdlib(
    js: JSONImplementation, kwargs: dict[str, Any], error: type[Exception]
) -> None:
    obj = [float("nan")] if kwargs.get("allow_nan") is False else DOC
    with pytest.raises(error):
        stdlib_dumps(obj, **kwargs)
    with pytest.raises(error):
        js.dumps(obj, **kwargs)


def test_an_unknown_keyword_is_a_type_error(js: JSONImplementation) -> None:
    with pytest.raises(TypeError, match="colour"):
        js.dumps(DOC, colour="blue")  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="colour"):
        js.dumps_compact(DOC, colour="blue")  # type: ignore[call-arg]


def test_dumps_compact_default_keyword(js: JSONImplementation) -> None:
    class Odd:
        pass

    assert json.loads(js.dumps_compact([Odd()], default=lambda o: "odd")) == ["odd"]
    assert js.dumps_compact(DOC, default=None) == js.dumps_compact(DOC)
    with pytest.raises(TypeError):
        js.dumps_compact([Odd()])


@pytest.mark.parametrize(
    "doc",
    [
        '{"a": [1, 2]}',
        "",
        "\ufeff[1]",
        '"\ud800"',
        b'{"a": "\xc3\xa9"}',
        b"",
        b"\x00",
        b"[1]",
        b"\xef\xbb\xbf[1]",
        '{"a": 1}'.encode("utf-16"),
        '{"a": 1}'.encode("utf-16-le"),
        '{"a": 1}'.encode("utf-32"),
        '["\ud83d"]'.encode("utf-16-be", "surrogatepass"),
        b'["\xff"]',
        bytearray(b'{"x": [true]}'),
        bytearray(b""),
        bytearray('["é"]'.encode("utf-16-le")),
    ],
)
def test_loads_input_forms_match_the_stdlib(js: JSONImplementation, doc: str | bytes | bytearray) -> None:
    assert outcome(js.loads, doc) == outcome(json.loads, doc)


def outcome(loads: Any, doc: str | bytes | bytearray) -> tuple[str, Any]:
    """What `loads(doc)` returns, or the type and message of what it raises."""
    try:
        return ("value", loads(doc))
    except (ValueError, TypeError) as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        return (type(exc).__name__, str(exc))


@pytest.mark.parametrize("doc", [1, None, ["[]"], memoryview(b"[]")])
def test_loads_of_a_non_text_is_the_stdlib_type_error(js: JSONImplementation, doc: Any) -> None:
    with pytest.raises(TypeError, match="must be str, bytes or bytearray"):
        js.loads(doc)


@pytest.mark.requires_extension
def test_rust_instances_call_the_extension_directly() -> None:
    # The point of the instance attributes: no Python frame between the caller and Rust.
    core = _native.core()
    js = RustJSON()
    assert js.dumps is core.json_dumps_call
    assert js.dumps_compact is core.json_dumps_compact_call
    assert js.loads is core.json_loads_call
    # The class's own functions (the documented signatures, and the route of the rare
    # forms) give the same results.
    assert RustJSON.dumps(DOC, indent=1) == js.dumps(DOC, indent=1)
    assert RustJSON.loads(b"[1]") == js.loads(b"[1]") == [1]
    assert RustJSON.dumps_compact(DOC) == js.dumps_compact(DOC)
