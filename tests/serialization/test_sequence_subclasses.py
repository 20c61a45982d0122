"""A list or tuple subclass is written as what iterating it yields, as the stdlib's encoders do
(an overridden `__iter__` wins over the stored items), on both implementations."""

from __future__ import annotations

import json
from typing import Any

import pytest
from crewai.utilities.crew_json_encoder import CrewJSONEncoder

from crewai_rust.serialization import JSONImplementation


class Shown(list):
    def __iter__(self):
        return iter([9, "nine", [9]])


class ShownTuple(tuple):
    def __iter__(self):
        return iter(["t", 9.5])


class Plain(list):
    pass


class Empty(list):
    def __iter__(self):
        return iter([])


CASES: list[Any] = [
    Shown([1, 2]),
    ShownTuple((1, 2)),
    Plain([1, "a", None]),
    Empty([]),
    {"k": Shown([1]), "t": ShownTuple(()), "nested": [Plain([Shown([0])])]},
]


@pytest.mark.parametrize("value", CASES, ids=range(len(CASES)))
@pytest.mark.parametrize("indent", [None, 2])
def test_dumps_writes_what_iteration_yields(js: JSONImplementation, value: Any, indent: int | None):
    assert js.dumps(value, indent=indent) == json.dumps(value, cls=CrewJSONEncoder, indent=indent)


@pytest.mark.parametrize("value", CASES, ids=range(len(CASES)))
def test_dumps_compact_holds_the_same_values(js: JSONImplementation, value: Any):
    assert json.loads(js.dumps_compact(value)) == json.loads(json.dumps(value, cls=CrewJSONEncoder))


def test_a_subclass_that_contains_itself_through_iteration_is_circular(js: JSONImplementation):
    class Loop(list):
        def __iter__(self):
            return iter([self])

    with pytest.raises(ValueError, match=r"[Cc]ircular"):
        json.dumps(Loop(), cls=CrewJSONEncoder)
    with pytest.raises(ValueError, match=r"[Cc]ircular"):
        js.dumps(Loop())


class EmptyShown(tuple):
    """Stores nothing but iterates to items: `indent` (the stdlib's Python encoder) tests the
    truth of the sequence first and writes `[]`, the C encoder (no `indent`) iterates."""

    def __iter__(self):
        return iter([1])


@pytest.mark.parametrize("indent", [None, 2])
def test_an_empty_subclass_that_iterates_to_items(js: JSONImplementation, indent: int | None):
    value = {"e": EmptyShown()}
    assert js.dumps(value, indent=indent) == json.dumps(value, cls=CrewJSONEncoder, indent=indent)
