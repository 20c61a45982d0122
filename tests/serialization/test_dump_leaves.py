"""The Rust `dumps` writes a dict member whose key was written before in the call and whose
value is an exact compact ASCII `str` or an `i64`-sized exact `int` from the dict's own
references, without a call; every other value (subclasses, bools, big ints, wide strs,
containers, objects for crewai's rules or a `default=` hook) takes the general path with a
reference of its own. Both kinds, mixed under the same remembered keys, against the stdlib."""

from __future__ import annotations

import json
from typing import Any

import pytest
from crewai.utilities.crew_json_encoder import CrewJSONEncoder
from serialization_strategies import MyInt, MyStr

from crewai_rust.serialization import JSONImplementation

MIXED: list[Any] = [
    "plain",
    "",
    "x" * 40,
    "caf\u00e9",
    "\u4f1a\u8bae \U0001f600",
    'q"uote\\',
    "tab\there",
    0,
    -7,
    2**63 - 1,
    -(2**63),
    2**63,
    -(2**70),
    True,
    False,
    None,
    1.5,
    MyInt(5),
    MyStr("sub"),
    [1, "a"],
    {"inner": 1},
]


@pytest.mark.parametrize("ensure_ascii", [True, False])
def test_leaf_and_general_values_under_remembered_keys(js: JSONImplementation, ensure_ascii: bool) -> None:
    # The same key objects in every dict, so from the second dict on every key is remembered.
    keys = ["role", "content", "turn"]
    rows = [{k: MIXED[(i + j) % len(MIXED)] for j, k in enumerate(keys)} for i in range(2 * len(MIXED))]
    doc = {"agent": "a", "messages": rows}
    want = json.dumps(doc, cls=CrewJSONEncoder, ensure_ascii=ensure_ascii)
    assert js.dumps(doc, ensure_ascii=ensure_ascii) == want
    assert json.loads(js.dumps_compact(doc)) == json.loads(want)


class Token:
    """No JSON rule: the `default=` hook decides."""


def test_default_hook_replacing_the_value_being_written(js: JSONImplementation) -> None:
    # The hook drops the dict's reference to the very object being encoded (and to the next
    # member's value): the encoder must hold its own references, and write what the stdlib
    # writes (the hook's result, then the member values as the stdlib saw them).
    rows: list[dict[str, Any]] = [{"k": 1, "v": "a"} for _ in range(3)]
    rows.append({"k": Token(), "v": "b" * 30})

    def hook(obj: object) -> Any:
        last = rows[-1]
        last["k"] = 0
        last["v"] = "c" * 30
        return {"replaced": type(obj).__name__}

    got = js.dumps(rows, default=hook)
    rows[-1] = {"k": Token(), "v": "b" * 30}
    want = json.dumps(rows, default=hook)
    # The stdlib iterates a snapshot of the items; ours the live dict: the member after the
    # hook's one shows the new value there. Either way the text is valid and the hook's result
    # is in place; never a crash or freed memory.
    assert json.loads(got)[:3] == json.loads(want)[:3]
    assert json.loads(got)[3]["k"] == {"replaced": "Token"}
    assert json.loads(got)[3]["v"] in ("b" * 30, "c" * 30)


def test_key_equal_in_text_but_another_object(js: JSONImplementation) -> None:
    # Only the same key object is remembered; an equal str made at run time, a str subclass
    # and non-str keys are written the general way, in the same call.
    made = "".join(["ro", "le"])
    rows: list[dict[Any, Any]] = [
        {"role": 1, "turn": "x"},
        {made: 2, "turn": "y"},
        {MyStr("role"): 3, "turn": "z"},
        {7: 4, None: 5, 2.5: 6, False: 7, "turn": 8},
        {"turn": 9, "role": 10},
        {"role": 11},
        {"role": 12, "turn": 13, "extra": 14},
    ]
    assert js.dumps(rows) == json.dumps(rows, cls=CrewJSONEncoder)
    assert js.dumps(rows, ensure_ascii=False) == json.dumps(rows, cls=CrewJSONEncoder, ensure_ascii=False)
