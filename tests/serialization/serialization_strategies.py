"""Hypothesis strategies for crewai-shaped JSON inputs: every type `CrewJSONEncoder` handles,
and the oracles the tests compare with (crewai's own encoder).

Shared by the dumps and loads property tests (imported as a sibling module).
"""

from __future__ import annotations

import enum
import json
import math
from datetime import datetime, timedelta, timezone
from typing import Any

from crewai.utilities.crew_json_encoder import CrewJSONEncoder
from hypothesis import strategies as st
from pydantic import BaseModel

__all__ = [
    "Color",
    "canon",
    "crew",
    "crew_compact",
    "Inner",
    "MyFloat",
    "MyInt",
    "MyStr",
    "Outer",
    "Priority",
    "Status",
    "json_values",
    "keys",
    "texts",
    "values",
]


def crew(obj: Any, **kw: Any) -> str:
    """What crewai writes: `json.dumps(obj, cls=CrewJSONEncoder, **kw)`."""
    return json.dumps(obj, cls=CrewJSONEncoder, **kw)


def crew_compact(obj: Any) -> bytes:
    """`dumps_compact`'s expected bytes: crewai's encoder without spaces or ASCII escaping, as
    UTF-8. Only for text without lone surrogates: `dumps_compact` escapes those as `\\udXXX`
    (valid UTF-8 output), which `test_compact.py` checks on its own."""
    return crew(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "surrogatepass")


class Color(enum.Enum):
    RED = "red"
    BLUE = 2


class Status(str, enum.Enum):
    OPEN = "open"
    DONE = "dône"


class Priority(enum.IntEnum):
    LOW = 1
    HIGH = 10


class MyStr(str):
    pass


class MyInt(int):
    def __repr__(self) -> str:  # the encoder must ignore a subclass's repr
        return "nope"


class MyFloat(float):
    def __repr__(self) -> str:
        return "nope"


class Inner(BaseModel):
    x: int
    when: datetime
    note: str = ""


class Outer(BaseModel):
    name: str
    inner: Inner
    tags: list[str] = []
    extra: dict[str, Any] = {}
    score: float = 0.5


# Surrogates included: a Python str may hold them and the stdlib escapes them.
texts = st.text(alphabet=st.characters(exclude_categories=()), max_size=12) | st.sampled_from(
    ["", "plain", 'q"uote\\', "\x00\x1f\x7f", "é€😀", "\ud83d\ude00", "\ud800", "line\nbreak\t"]
)

floats = st.floats(allow_nan=True, allow_infinity=True) | st.sampled_from(
    [0.0, -0.0, 1e16, 1e15, 1e-05, 0.0001, 1.5e300, 5e-324, 1.7976931348623157e308, 0.1, 123.456]
)
ints = st.one_of(
    st.integers(), st.integers(min_value=-(10**40), max_value=10**40), st.sampled_from([2**63, -(2**63) - 1])
)

datetimes = st.datetimes(
    timezones=st.sampled_from(
        [
            None,
            timezone.utc,
            timezone(timedelta(hours=5, minutes=30)),
            timezone(-timedelta(hours=3, minutes=30, seconds=15)),
            timezone(timedelta(microseconds=-1)),
        ]
    )
)

scalars = st.one_of(
    st.none(),
    st.booleans(),
    ints,
    floats,
    texts,
    texts.map(MyStr),
    st.integers(-(10**20), 10**20).map(MyInt),
    st.floats(allow_nan=False).map(MyFloat),
    st.sampled_from(list(Color) + list(Status) + list(Priority)),
    st.uuids(),
    st.decimals(allow_nan=False, places=4),
    datetimes,
    st.dates(),
    st.binary(max_size=20),
)

keys = st.one_of(texts, st.integers(), st.floats(), st.booleans(), st.none())

inners = st.builds(Inner, x=st.integers(-1000, 1000), when=datetimes, note=texts)


def _containers(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(
        st.lists(children, max_size=5),
        st.lists(children, max_size=5).map(tuple),
        st.dictionaries(keys, children, max_size=5),
        st.builds(
            Outer,
            name=texts,
            inner=inners,
            tags=st.lists(texts, max_size=3),
            extra=st.dictionaries(st.text(max_size=5), st.integers() | st.text(max_size=5), max_size=3),
            score=st.floats(allow_nan=False, allow_infinity=False),
        ),
    )


values = st.recursive(scalars | inners, _containers, max_leaves=25)

# Values that are JSON already (what loads must return), for round-trip tests.
json_values = st.recursive(
    st.none() | st.booleans() | ints | floats | texts,
    lambda c: st.lists(c, max_size=5) | st.dictionaries(texts, c, max_size=5),
    max_leaves=25,
)


def canon(x: Any) -> Any:
    """A comparable form that keeps types (1 vs 1.0 vs True) and treats NaN as equal to NaN."""
    if isinstance(x, float):
        return ("float", "nan" if math.isnan(x) else repr(x))
    if isinstance(x, list):
        return ("list", [canon(v) for v in x])
    if isinstance(x, dict):
        return ("dict", [(canon(k), canon(v)) for k, v in x.items()])
    return (type(x).__name__, x)
