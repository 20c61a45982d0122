"""`parse_tool_input` / `repair_json` against crewai's `_validate_tool_input` and json_repair."""

from __future__ import annotations

import json

import json_repair
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.tools.conftest import corpus, crewai_validate_tool_input, outcome

from crewai_rust.tools import TOOL_INPUT_ERROR, ToolInputError, helpers

TOOL_INPUTS = corpus("tool_inputs")

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=10),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4)
    ),
    max_leaves=12,
)
dicts = st.dictionaries(st.text(max_size=8), json_values, max_size=5)


def _mutate(text: str, cut: int, junk: str) -> str:
    cut = cut % (len(text) + 1)
    return text[:cut] + junk


spellings = st.one_of(
    dicts.map(json.dumps),
    dicts.map(lambda d: json.dumps(d, separators=(",", ":"), ensure_ascii=False)),
    dicts.map(repr),
    st.builds(
        _mutate, dicts.map(json.dumps), st.integers(0, 400), st.sampled_from(["", "}", '"', ",", " x", "]"])
    ),
    st.builds(_mutate, dicts.map(repr), st.integers(0, 400), st.sampled_from(["", "}", "'", ",", "#"])),
    st.text(max_size=30),
)


def test_corpus_is_large_enough():
    assert len(TOOL_INPUTS) >= 300


def test_corpus_matches_crewai(impl):
    parse = helpers(impl).parse_tool_input
    mismatches = [t for t in TOOL_INPUTS if outcome(parse, t) != outcome(crewai_validate_tool_input, t)]
    assert mismatches == []


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spellings)
def test_generated_inputs_match_crewai(impl, text):
    assert outcome(helpers(impl).parse_tool_input, text) == outcome(crewai_validate_tool_input, text)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spellings)
def test_repair_json_matches_json_repair(impl, text):
    assert outcome(helpers(impl).repair_json, text) == outcome(json_repair.repair_json, text)


def test_repair_json_corpus(impl):
    repair = helpers(impl).repair_json
    assert [outcome(repair, t) for t in TOOL_INPUTS] == [
        outcome(json_repair.repair_json, t) for t in TOOL_INPUTS
    ]


def test_python_literals_keep_their_types(impl):
    out = helpers(impl).parse_tool_input("{'a': (1,), 'b': True, 'c': None, 'd': 1.0, 'e': -0}")
    assert repr(out) == "{'a': (1,), 'b': True, 'c': None, 'd': 1.0, 'e': 0}"


def test_json_big_numbers_and_specials(impl):
    out = helpers(impl).parse_tool_input('{"big": 123456789012345678901234567890, "x": 1E400, "n": NaN}')
    assert out["big"] == 123456789012345678901234567890
    assert out["x"] == float("inf")
    assert out["n"] != out["n"]


@pytest.mark.parametrize("text", ["", "   ", "\u3000\x1c", "[1, 2]", "not a dict at all"])
def test_non_dicts_raise_crewais_message(impl, text):
    with pytest.raises(ToolInputError) as ours:
        helpers(impl).parse_tool_input(text)
    assert str(ours.value) == TOOL_INPUT_ERROR
    assert outcome(crewai_validate_tool_input, text) == ("raise", f"builtins.Exception: {TOOL_INPUT_ERROR}")


def test_none_is_an_empty_dict(impl):
    assert helpers(impl).parse_tool_input(None) == {}


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(dicts, st.booleans())
def test_every_truncation_matches_crewai(impl, value, compact):
    # LLM answers cut off mid-JSON: every prefix of a dict's JSON, through both functions.
    text = json.dumps(value, separators=(",", ":") if compact else None)[:120]
    h = helpers(impl)
    for cut in range(1, len(text) + 1):
        prefix = text[:cut]
        assert outcome(h.repair_json, prefix) == outcome(json_repair.repair_json, prefix), prefix
        assert outcome(h.parse_tool_input, prefix) == outcome(crewai_validate_tool_input, prefix), prefix
