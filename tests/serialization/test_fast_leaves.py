"""Dates, datetimes, UUIDs and enums that the Rust encoder formats without Python calls.

Exact `date`/`datetime` objects are read from memory (their offset too, for a
`datetime.timezone`), UUIDs from their int, `Enum.__str__` members from their class name and
member name; subclasses and other tzinfo types go through Python. Every case is compared with
crewai's encoder on both implementations.
"""

from __future__ import annotations

import enum
import json
import uuid
from datetime import date, datetime, timedelta, timezone, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from crewai.utilities.crew_json_encoder import CrewJSONEncoder
from hypothesis import given, settings
from hypothesis import strategies as st

from crewai_rust.serialization import JSONImplementation


class HalfHour(tzinfo):
    """A tzinfo that is not a datetime.timezone: its utcoffset() is called."""

    def utcoffset(self, dt: datetime | None) -> timedelta:
        return timedelta(minutes=-30, microseconds=5)

    def dst(self, dt: datetime | None) -> None:
        return None


class MyUUID(uuid.UUID):
    def __str__(self) -> str:
        return "mine"


class Plain(enum.Enum):
    A = 1
    LONG_NAME_É = "x"


class Mixed(str, enum.Enum):
    A = "ä"


class Flags(enum.Flag):
    R = 4
    W = 2


Renamed = enum.Enum("Renamed", ["ONE", "TWO"])
Renamed.__name__ = "AfterRename"


CASES: list[Any] = [
    date.min,
    date.max,
    date(2024, 2, 29),
    datetime.min,
    datetime.max,
    datetime(2024, 1, 1),
    datetime(2024, 1, 1, 0, 0, 0, 1),
    datetime(2024, 11, 3, 1, 30, fold=1),
    datetime(2024, 5, 6, 7, 8, 9, 10, tzinfo=timezone.utc),
    datetime(2024, 5, 6, 7, 8, 9, tzinfo=timezone(timedelta(hours=-3, minutes=-30, seconds=-15))),
    datetime(2024, 5, 6, 7, 8, 9, tzinfo=timezone(timedelta(microseconds=-1))),
    datetime(2024, 5, 6, 7, 8, 9, tzinfo=timezone(timedelta(hours=23, minutes=59), "named")),
    datetime(2024, 3, 31, 2, 30, tzinfo=ZoneInfo("Europe/Paris")),
    datetime(2024, 10, 27, 2, 30, fold=1, tzinfo=ZoneInfo("Europe/Paris")),
    datetime(2024, 5, 6, tzinfo=HalfHour()),
    uuid.UUID(int=0),
    uuid.UUID(int=2**128 - 1),
    uuid.UUID("12345678-9abc-def0-1234-56789abcdef0"),
    MyUUID(int=5),
    Plain.A,
    Plain.LONG_NAME_É,
    Mixed.A,
    Flags.R,
    Flags.R | Flags.W,
    Renamed.ONE,
]


@pytest.mark.parametrize("obj", CASES, ids=repr)
@pytest.mark.parametrize("ensure_ascii", [True, False])
def test_leaf_matches_crewai_encoder(js: JSONImplementation, obj: Any, ensure_ascii: bool) -> None:
    doc = {"v": obj, "list": [obj, obj]}
    expected = json.dumps(doc, cls=CrewJSONEncoder, ensure_ascii=ensure_ascii)
    assert js.dumps(doc, ensure_ascii=ensure_ascii) == expected


@given(
    when=st.datetimes(
        timezones=st.none()
        | st.builds(timezone, st.timedeltas(min_value=timedelta(hours=-23), max_value=timedelta(hours=23)))
    ),
    day=st.dates(),
    ident=st.uuids(),
)
@settings(max_examples=300, deadline=None)
def test_property_leaves_match_crewai_encoder(impl: str, when: datetime, day: date, ident: uuid.UUID) -> None:
    from crewai_rust.serialization import implementation

    doc = [when, day, ident]
    assert implementation(impl).dumps(doc) == json.dumps(doc, cls=CrewJSONEncoder)
