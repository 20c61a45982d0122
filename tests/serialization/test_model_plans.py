"""Pydantic models written without `model_dump()` must still match crewai's encoder exactly.

The Rust encoder writes a model's fields straight from its `__dict__` when the class's schema
proves `model_dump()` would return the same values, and calls `model_dump()` otherwise. These
cases sit on both sides of that line: every one is compared with
`json.dumps(obj, cls=CrewJSONEncoder)` (and the warnings pydantic emits) on both
implementations.
"""

from __future__ import annotations

import dataclasses
import enum
import json
import uuid
import warnings
from collections import OrderedDict
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Any, Literal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    RootModel,
    computed_field,
    field_serializer,
    field_validator,
    model_serializer,
    model_validator,
)
from serialization_strategies import Color, MyFloat, MyInt, MyStr, Priority, Status, crew, values

from crewai_rust.serialization import JSONImplementation

WHEN = datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=timezone.utc)


class Mood(str, enum.Enum):
    HAPPY = "häppy"


class Leaf(BaseModel):
    n: int = 1
    label: str = "leaf"


class Plain(BaseModel):
    text: str = "t"
    count: int = 0
    ratio: float = 0.5
    flag: bool = False
    when: datetime = WHEN
    day: date = date(2024, 1, 2)
    ident: uuid.UUID = uuid.UUID(int=7)
    cost: Decimal = Decimal("1.50")
    color: Color = Color.RED
    mood: Mood = Mood.HAPPY
    prio: Priority = Priority.HIGH
    maybe: str | None = None
    tags: list[str] = []
    meta: dict[str, Any] = {}
    anything: Any = None
    leaf: Leaf = Leaf()
    leaves: list[Leaf] = []
    hidden: str = Field(default="secret", exclude=True)


@dataclasses.dataclass
class Point:
    x: int
    y: int


class WithAlias(BaseModel):
    model_config = ConfigDict(serialize_by_alias=True)
    value: int = Field(default=1, serialization_alias="theValue")


class AliasNotUsed(BaseModel):
    value: int = Field(default=1, serialization_alias="theValue")


class Extra(BaseModel):
    model_config = ConfigDict(extra="allow")
    a: int = 1


class FieldSer(BaseModel):
    when: datetime = WHEN

    @field_serializer("when")
    def _when(self, v: datetime) -> str:
        return "custom:" + v.isoformat()


class ModelSer(BaseModel):
    a: int = 1

    @model_serializer
    def _ser(self) -> dict[str, Any]:
        return {"replaced": self.a}


class Computed(BaseModel):
    a: int = 2

    @computed_field  # type: ignore[prop-decorator]
    @property
    def double(self) -> int:
        return self.a * 2


class Validated(BaseModel):
    a: int = 1
    name: str = "x"

    @field_validator("name")
    @classmethod
    def _strip(cls, v: str) -> str:
        return v.strip()

    @model_validator(mode="after")
    def _check(self) -> Validated:
        return self


class OwnDump(BaseModel):
    a: int = 1

    def model_dump(self, **kw: Any) -> dict[str, Any]:  # type: ignore[override]
        return {"own": True}


class Root(RootModel[list[int]]):
    pass


class WithLiteral(BaseModel):
    kind: Literal["a", "b"] = "a"
    either: int | str = 1


class Tree(BaseModel):
    name: str = "n"
    children: list[Tree] = []


class LeafChild(Leaf):
    extra_field: str = "only in the subclass"


def run(fn: Any, obj: Any, **kw: Any) -> tuple[Any, list[str]]:
    """(text or exception type name, warning messages) of one dumps call."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            out: Any = fn(obj, **kw)
        except (TypeError, ValueError, RecursionError, AttributeError) as exc:
            out = type(exc).__name__  # AttributeError: crewai calls .items() on a RootModel's dump
    return out, [str(w.message) for w in caught]


def same(js: JSONImplementation, obj: Any, **kw: Any) -> None:
    assert run(js.dumps, obj, **kw) == run(crew, obj, **kw)


CASES: dict[str, Any] = {
    "defaults": Plain(),
    "filled": Plain(
        text="é€😀 \ud800",
        count=2**70,
        ratio=float("nan"),
        maybe="m",
        tags=["a", "ü"],
        meta={"x": [1, 2.5, None, True], "nested": {"k": Color.BLUE}, "when": WHEN},
        anything=(1, "two", Leaf(n=3)),
        leaf=Leaf(n=-1, label="\n"),
        leaves=[Leaf(n=i) for i in range(3)],
    ),
    "inf": Plain(ratio=float("inf")),
    "any holding a dataclass": Plain(anything=Point(1, 2)),
    "any holding a set": Plain(anything={1}),
    "any holding an unknown type": Plain(anything=object()),
    "any holding subclasses": Plain(anything=[MyStr("s"), MyInt(5), MyFloat(1.5), Status.DONE, Priority.LOW]),
    "any holding a dict subclass": Plain(anything=OrderedDict([("b", 1), ("a", 2)])),
    "any holding non-str keys": Plain(anything={1: "one", None: 2, 2.5: 3, False: 4}),
    "any holding a model with its own dump": Plain(anything=OwnDump()),
    "any holding a model with a model serializer": Plain(anything=ModelSer()),
    "any holding bytes": Plain(anything=b"\x00\xffbytes"),
    "meta with non-str key": Plain.model_construct(meta={1: "x"}),
    "subclass in a model field": Plain(leaf=LeafChild()),
    "subclass in a list of models": Plain(leaves=[LeafChild()]),
    "str subclass in a str field": Plain.model_construct(text=MyStr("sub")),
    "enum in a str field": Plain.model_construct(text=Status.OPEN),
    "bool in an int field": Plain.model_construct(count=True),
    "int in a float field": Plain.model_construct(ratio=3),
    "wrong type in a field": Plain.model_construct(count="not an int"),
    "missing field": Plain.model_construct(),
    "alias used for dumping": WithAlias(),
    "alias not used": AliasNotUsed(),
    "extra allowed": Extra(a=2, b=[1, 2]),  # type: ignore[call-arg]
    "field serializer": FieldSer(),
    "model serializer": ModelSer(),
    "computed field": Computed(),
    "validators": Validated(name="  padded  "),
    "own model_dump": OwnDump(),
    "root model": Root([1, 2]),
    "literal and union": WithLiteral(kind="b", either="s"),
    "recursive model": Tree(children=[Tree(name="c", children=[Tree(name="g")])]),
    "models in a dict and a list": {"a": [Leaf(), Plain()], "b": (Leaf(n=5),)},
}


@pytest.mark.parametrize("obj", CASES.values(), ids=list(CASES))
@pytest.mark.parametrize(
    "kw",
    [{}, {"indent": 2}, {"sort_keys": True}, {"ensure_ascii": False}, {"separators": (",", ":")}],
    ids=["default", "indent", "sort_keys", "utf8", "compact"],
)
def test_model_matches_crewai_encoder(js: JSONImplementation, obj: Any, kw: dict[str, Any]) -> None:
    same(js, obj, **kw)


def test_value_mutated_after_a_first_dump(js: JSONImplementation) -> None:
    obj = Plain()
    same(js, obj)
    obj.count = 2**80
    obj.tags.append("late")
    obj.meta["added"] = Point(0, 0)
    same(js, obj)


def test_circular_any_field(js: JSONImplementation) -> None:
    obj = Plain()
    loop: list[Any] = []
    loop.append(loop)
    obj.anything = loop
    same(js, obj)


def test_model_holding_itself(js: JSONImplementation) -> None:
    obj = Plain()
    obj.anything = obj
    same(js, obj)


def test_class_rebuilt_between_dumps(js: JSONImplementation) -> None:
    class Late(BaseModel):
        a: int = 1

    same(js, Late())
    Late.model_rebuild(force=True)
    same(js, Late())


def test_dumps_compact_loads_back_to_crewai_values(js: JSONImplementation) -> None:
    obj = CASES["filled"].model_copy(update={"ratio": 0.25})
    assert json.loads(js.dumps_compact(obj)) == json.loads(crew(obj))


@given(obj=values, indent=st.none() | st.just(2), ensure_ascii=st.booleans())
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_property_any_fields_match_crewai_encoder(
    impl: str, obj: Any, indent: int | None, ensure_ascii: bool
) -> None:
    from crewai_rust.serialization import implementation

    model = Plain(anything=obj, meta={"v": obj})
    js = implementation(impl)
    assert run(js.dumps, model, indent=indent, ensure_ascii=ensure_ascii) == run(
        crew, model, indent=indent, ensure_ascii=ensure_ascii
    )
