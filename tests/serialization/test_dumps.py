"""`dumps` against `json.dumps(obj, cls=CrewJSONEncoder, ...)` itself, on both implementations."""

from __future__ import annotations

import enum
import json
import math
import uuid
from datetime import date, datetime, timedelta, timezone, tzinfo
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel
from serialization_strategies import (
    Color,
    Inner,
    MyFloat,
    MyInt,
    MyStr,
    Outer,
    Priority,
    Status,
    crew,
    values,
)

from crewai_rust.serialization import JSONImplementation


def outcome(fn: Any, *args: Any, **kw: Any) -> tuple[str, str]:
    """("ok", text) or ("raise", exception type name): what a call did."""
    try:
        return ("ok", fn(*args, **kw))
    except (TypeError, ValueError, RecursionError) as exc:
        return ("raise", type(exc).__name__)


WHEN = datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=timezone.utc)


class Perm(enum.Flag):
    R = 4
    W = 2


class Stamp(datetime):
    def isoformat(self, sep: str = "T", timespec: str = "auto") -> str:
        return "stamp:" + super().isoformat(sep, timespec)


class NoOffset(tzinfo):
    def utcoffset(self, dt: datetime | None) -> None:
        return None


class Loud(enum.Enum):
    A = "a"

    def __str__(self) -> str:
        return f"LOUD-{self.value}"


CASES: list[Any] = [
    None,
    True,
    False,
    0,
    -1,
    2**64,
    -(10**30),
    0.0,
    -0.0,
    1e16,
    1e-05,
    1.5e300,
    0.1,
    float("nan"),
    float("inf"),
    float("-inf"),
    "",
    'a"b\\c\n\t\x00\x7f',
    "é€😀",
    "\ud800 lone",
    "\udc00\ud83d",
    MyStr("sub"),
    MyInt(7),
    MyFloat(2.5),
    Color.RED,
    Color.BLUE,
    Status.DONE,
    Priority.HIGH,
    Perm.R | Perm.W,
    Loud.A,
    [Color.RED, Loud.A, Perm.W, Color.BLUE],
    uuid.UUID("12345678-1234-5678-1234-567812345678"),
    Decimal("1.10"),
    WHEN,
    WHEN.replace(tzinfo=None, microsecond=0),
    WHEN.replace(tzinfo=NoOffset()),
    Stamp(2020, 1, 2, 3, 4, 5),
    date(2020, 1, 2),
    date(1, 1, 1),
    datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=timezone(-timedelta(hours=23, minutes=59))),
    b"\x00\xffbytes",
    (1, "two", [3.0]),
    [],
    {},
    [[], {}, [{}]],
    {"b": 1, "a": [1, 2, {"c": None}]},
    {1: "int", 2.5: "float", False: "bool", None: "none", "s": "str"},
    {float("nan"): 1, float("inf"): 2, 2**70: 3, -0.0: 4},
    {"\ud800": "lone key", "é": "ü"},
    Inner(x=1, when=WHEN, note="n"),
    Outer(name="o", inner=Inner(x=2, when=WHEN), tags=["t"], extra={"k": [1, 2]}),
    [Outer(name="é", inner=Inner(x=3, when=WHEN))] * 3,
]


@pytest.mark.parametrize("obj", CASES, ids=lambda o: type(o).__name__)
@pytest.mark.parametrize(
    "kw",
    [
        {},
        {"indent": 2},
        {"indent": "\t", "sort_keys": False},
        {"indent": 0},
        {"separators": (",", ":")},
        {"ensure_ascii": False},
        {"indent": 1, "separators": (", ", " = "), "ensure_ascii": False},
    ],
    ids=lambda kw: ",".join(f"{k}={v!r}" for k, v in kw.items()) or "defaults",
)
def test_matches_crewai_encoder(js: JSONImplementation, obj: Any, kw: dict[str, Any]) -> None:
    assert js.dumps(obj, **kw) == crew(obj, **kw)


def test_sort_keys(js: JSONImplementation) -> None:
    obj = {"b": {"z": 1, "y": 2}, "a": [{"d": 1, "c": 2}], "c": Outer(name="x", inner=Inner(x=1, when=WHEN))}
    assert js.dumps(obj, sort_keys=True) == crew(obj, sort_keys=True)
    assert js.dumps(obj, sort_keys=True, indent=3) == crew(obj, sort_keys=True, indent=3)
    numeric = {3: "c", 1: "a", 2: "b"}
    assert js.dumps(numeric, sort_keys=True) == crew(numeric, sort_keys=True)


def test_sort_keys_incomparable_keys_raise_type_error(js: JSONImplementation) -> None:
    with pytest.raises(TypeError):
        crew({"a": 1, 2: 3}, sort_keys=True)
    with pytest.raises(TypeError):
        js.dumps({"a": 1, 2: 3}, sort_keys=True)


def test_unknown_type_is_a_type_error_naming_it(js: JSONImplementation) -> None:
    class Widget:
        pass

    with pytest.raises(TypeError, match="Object of type Widget is not JSON serializable"):
        js.dumps({"w": [Widget()]})
    with pytest.raises(TypeError, match="Object of type set is not JSON serializable"):
        js.dumps({1, 2})


def test_bad_key_is_a_type_error(js: JSONImplementation) -> None:
    with pytest.raises(TypeError, match="keys must be str, int, float, bool or None, not tuple"):
        js.dumps({(1, 2): 3})


def test_circular_references_raise_value_error(js: JSONImplementation) -> None:
    loop: list[Any] = [1]
    loop.append(loop)
    with pytest.raises(ValueError, match="Circular reference detected"):
        js.dumps(loop)
    d: dict[str, Any] = {}
    d["self"] = d
    with pytest.raises(ValueError, match="Circular reference detected"):
        js.dumps(d, indent=2)


def test_shared_non_circular_references_are_fine(js: JSONImplementation) -> None:
    shared = [1, 2]
    obj = {"a": shared, "b": shared, "c": [shared, shared]}
    assert js.dumps(obj) == crew(obj)


def test_circular_via_default_raises_value_error(js: JSONImplementation) -> None:
    class Node:
        pass

    node = Node()
    with pytest.raises(ValueError, match="Circular reference detected"):
        js.dumps(node, default=lambda o: [o])


def test_deep_nesting_raises_recursion_error(js: JSONImplementation) -> None:
    deep: list[Any] = []
    for _ in range(100_000):
        deep = [deep]
    with pytest.raises(RecursionError):
        crew(deep)
    with pytest.raises(RecursionError):
        js.dumps(deep)


def test_nan_rejected_when_allow_nan_is_false(js: JSONImplementation) -> None:
    for bad in (float("nan"), [float("inf")], {float("-inf"): 1}):
        with pytest.raises(ValueError, match="Out of range float values are not JSON compliant"):
            js.dumps(bad, allow_nan=False)
    assert js.dumps([1.5], allow_nan=False) == "[1.5]"


def test_default_hook_replaces_crewai_rules_like_the_stdlib(js: JSONImplementation) -> None:
    def default(o: Any) -> Any:
        return {"type": type(o).__name__, "repr": repr(o)}

    obj = {"id": uuid.UUID(int=5), "when": WHEN, "set": {1}, "model": Inner(x=1, when=WHEN)}
    assert js.dumps(obj, default=default) == crew(obj, default=default)


def test_default_hook_exceptions_propagate(js: JSONImplementation) -> None:
    class Boom(Exception):
        pass

    def default(o: Any) -> Any:
        raise Boom("no")

    with pytest.raises(Boom):
        js.dumps([object()], default=default)


def test_model_whose_dump_recurses_is_written_as_its_str(js: JSONImplementation) -> None:
    class Loopy(Inner):
        def model_dump(self, **kw: Any) -> dict[str, Any]:
            raise RecursionError("deep")

    obj = {"m": Loopy(x=1, when=WHEN)}
    assert js.dumps(obj) == crew(obj)


class DumpsAModel(BaseModel):
    """A model whose model_dump() returns a model among its values (crewai str()s those)."""

    def model_dump(self, **kw: Any) -> dict[str, Any]:  # type: ignore[override]
        return {"nested": Inner(x=9, when=WHEN), "plain": 1}


def test_model_dump_top_level_models_become_str(js: JSONImplementation) -> None:
    obj = [DumpsAModel()]
    assert js.dumps(obj) == crew(obj)
    assert "Inner" not in js.dumps(Inner(x=1, when=WHEN))  # plain models are dicts, not str()


def test_dict_subclass_items_and_ordering(js: JSONImplementation) -> None:
    from collections import OrderedDict

    obj = OrderedDict([("z", 1), ("a", 2)])
    assert js.dumps(obj) == crew(obj)
    assert js.dumps(obj, sort_keys=True) == crew(obj, sort_keys=True)


def test_top_level_str_fast_path(js: JSONImplementation) -> None:
    for s in ["x", "é", "\ud800", MyStr("é")]:
        assert js.dumps(s) == crew(s)
        assert js.dumps(s, ensure_ascii=False) == crew(s, ensure_ascii=False)


@pytest.mark.parametrize("x", [1e16, 1e-05, 1.5e300, -0.0, 1e22, 1e-7, 9007199254740993.0, 0.3])
def test_float_repr(js: JSONImplementation, x: float) -> None:
    assert js.dumps(x) == repr(x)


def test_floats_with_few_decimals(js: JSONImplementation) -> None:
    # Values with up to six decimals take a shortcut past the shortest-digits search; around
    # its edges (1e-3, 1e9, seven decimals, neighbours one ulp away) and as dict keys.
    xs = [m / 10**k for k in range(1, 8) for m in (*range(0, 2000, 7), 999_999_999_999, 10**15 - 1)]
    xs += [0.001, 0.00099, 0.0010001, 999_999_999.5, 1e9 + 0.5, 0.1 + 0.2, 61.25, 1 / 3]
    xs += [math.nextafter(x, math.inf) for x in xs] + [math.nextafter(x, 0.0) for x in xs]
    xs += [-x for x in xs]
    assert js.dumps(xs) == crew(xs)
    keyed = {x: 0 for x in xs}
    assert js.dumps(keyed) == crew(keyed)
    assert json.loads(js.dumps_compact(xs)) == xs


@given(st.floats(allow_nan=False, allow_infinity=False))
@settings(max_examples=300, deadline=None)
def test_float_repr_property(impl: str, x: float) -> None:
    from crewai_rust.serialization import implementation

    assert implementation(impl).dumps([x]) == f"[{x!r}]"
    assert math.isfinite(x)


@given(st.integers(-(10**12), 10**12), st.integers(1, 7))
@settings(max_examples=300, deadline=None)
def test_decimal_fraction_repr_property(impl: str, m: int, k: int) -> None:
    from crewai_rust.serialization import implementation

    x = m / 10**k
    assert implementation(impl).dumps([x, -x]) == f"[{x!r}, {-x!r}]"


@given(
    obj=values,
    indent=st.none() | st.integers(0, 4) | st.sampled_from(["\t", "--"]),
    sort_keys=st.booleans(),
    ensure_ascii=st.booleans(),
    separators=st.none() | st.sampled_from([(",", ":"), (", ", ": "), (";", "=")]),
)
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_property_equals_crewai_encoder(
    impl: str, obj: Any, indent: Any, sort_keys: bool, ensure_ascii: bool, separators: Any
) -> None:
    from crewai_rust.serialization import implementation

    kw = {"indent": indent, "sort_keys": sort_keys, "ensure_ascii": ensure_ascii, "separators": separators}
    assert outcome(implementation(impl).dumps, obj, **kw) == outcome(crew, obj, **kw)
