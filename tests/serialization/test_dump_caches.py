"""Per-call shortcuts of the Rust `dumps` against the stdlib: model fields read in `__dict__`
order (a rearranged dict falls back to `model_dump()`), plain field names written as they are,
enum members' text remembered within one call, UUIDs formatted from their int, dict keys
remembered by object with their written text."""

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


def test_dict_keys_repeated_across_dicts_in_every_layout(js: JSONImplementation) -> None:
    # The same key objects in every dict (remembered after the first), keys needing escapes,
    # non-ASCII, long keys (too long to remember), and more distinct keys than slots.
    long_key = "k" * 40
    keys = ["role", "content", "turn", 'q"uote', "back\\slash", "tab\t", "\u00e9t\u00e9", long_key]
    keys += [f"field_{i}" for i in range(40)]
    rows = [{k: i for k in keys[: 3 + i % len(keys)]} for i in range(120)]
    doc = {"rows": rows, "first": {"role": "x"}, "role": [{"role": 1}]}
    for kw in (
        {},
        {"ensure_ascii": False},
        {"indent": 2},
        {"indent": "\t", "separators": (";", "=")},
        {"separators": (",", ":")},
    ):
        assert js.dumps(doc, **kw) == crew(doc, **kw)


def test_key_objects_made_and_freed_during_a_call(js: JSONImplementation) -> None:
    # `default` returns dicts with fresh key objects that are freed right after they are
    # written, so later keys may be allocated at the same address with other text: a key
    # is only recognised by address while the call holds it.
    class Made:
        def __init__(self, i: int) -> None:
            self.i = i

    def default(o: object) -> object:
        assert isinstance(o, Made)
        return {"".join(["key", str(o.i)]): o.i, "".join(["other", str(o.i * 7)]): 0}

    doc = [Made(i) for i in range(300)]
    assert js.dumps(doc, default=default) == json.dumps(doc, default=default)
