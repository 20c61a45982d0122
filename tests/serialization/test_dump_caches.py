"""Per-call shortcuts of the Rust `dumps` against the stdlib: model fields read in `__dict__`
order (a rearranged dict falls back to `model_dump()`), plain field names written as they are,
enum members' text remembered within one call, UUIDs formatted from their int."""

from __future__ import annotations

import enum
import json
import uuid
from datetime import datetime

from pydantic import BaseModel, Field
from serialization_strategies import crew

from crewai_rust.serialization import JSONImplementation


class Point(BaseModel):
    x: int
    y: float
    label: str = ""
    when: datetime = datetime(2024, 1, 1)


class Odd(BaseModel):
    # Names that need escaping (or are not ASCII) are written through the escaper.
    quoted: int = Field(default=1, alias='a"b')
    accented: str = "\u00e9"


class Tone(enum.Enum):
    LOW = 1
    HIGH = 2


class Mood(enum.Enum):
    LOW = "low"  # the same member name in another enum


def test_fields_in_any_dict_order(js: JSONImplementation) -> None:
    points = [Point(x=i, y=i / 3, label=f"p{i}") for i in range(5)]
    # Reorder one instance's __dict__: pydantic writes __dict__ order, and so must we.
    d = points[2].__dict__
    d["x"] = d.pop("x")
    d["label"] = d.pop("label")
    assert list(d) != list(Point.model_fields)
    for kw in ({}, {"ensure_ascii": False}, {"indent": 2}):
        assert js.dumps(points, **kw) == crew(points, **kw)


def test_field_names_needing_escapes(js: JSONImplementation) -> None:
    doc = [Odd(), Odd(**{'a"b': 5}), {"nested": Odd()}]
    for kw in ({}, {"ensure_ascii": False}):
        assert js.dumps(doc, **kw) == crew(doc, **kw)


def test_enum_members_repeated_and_shared_names(js: JSONImplementation) -> None:
    doc = [Tone.LOW, Mood.LOW, Tone.HIGH] * 50 + [{"k": Tone.LOW, "m": Mood.LOW}]
    assert js.dumps(doc) == crew(doc)
    assert json.loads(js.dumps_compact(doc)) == json.loads(crew(doc))


def test_uuids_of_every_digit(js: JSONImplementation) -> None:
    ids = [uuid.UUID(int=0), uuid.UUID(int=(1 << 128) - 1), uuid.UUID("0123abcd-4567-89ef-fedc-ba9876543210")]
    ids += [uuid.UUID(int=0xF << (4 * k)) for k in range(32)]
    assert js.dumps(ids) == crew(ids)
