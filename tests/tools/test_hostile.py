"""Hostile input: huge, deeply nested, NUL bytes, lone surrogates. The Rust helpers answer or
raise a clean Python exception (never a panic, never a stack overflow), in linear time; the
timeouts only guard against a hang, they do not measure speed."""

from __future__ import annotations

import json

import json_repair
import pytest
from crewai.agents.parser import AgentAction, OutputParserError
from tests.tools.conftest import crewai_parse, crewai_validate_tool_input, outcome

from crewai_rust import _native
from crewai_rust.tools import helpers

pytestmark = pytest.mark.requires_extension

TEN_MB = 10 * 1024 * 1024


def rust() -> object:
    return helpers("rust")


@pytest.mark.timeout(60)
def test_ten_megabytes_of_actions_without_input_is_linear():
    # crewai's regex backtracks quadratically on this; the Rust scan reads it once.
    text = "Thought: loop\n" + "Action: search\n" * (TEN_MB // 15)
    with pytest.raises(OutputParserError) as info:
        rust().parse_agent_output(text)
    assert "Action Input:" in info.value.error


@pytest.mark.timeout(60)
def test_ten_megabyte_tool_input_is_decoded():
    payload = {"data": "x" * TEN_MB, "list": list(range(1000))}
    text = json.dumps(payload)
    assert rust().parse_tool_input(text) == payload
    action = rust().parse_agent_output(f"Action: t\nAction Input: {text}")
    assert isinstance(action, AgentAction)
    assert json.loads(action.tool_input) == payload


@pytest.mark.timeout(60)
@pytest.mark.parametrize("opener", ["[", "{", "(", '{"a":'])
def test_hundred_thousand_nested_brackets(opener):
    text = opener * 100_000
    core = _native.core()
    # The Rust parsers stop at their depth limit and hand the input over, without recursing.
    assert core.parse_tool_input(text) is None
    assert core.repair_json(text) is None
    kind, *_, needs_repair = core.parse_agent_output(f"Action: t\nAction Input: {text}")
    assert (kind, needs_repair) == ("action", True)


@pytest.mark.timeout(60)
@pytest.mark.parametrize("opener", ["[", "{", "(", '{"a":'])
def test_deep_nesting_ends_like_crewai(opener):
    # Python's own chain then raises (RecursionError, ValueError) or repairs exactly as crewai
    # does. json_repair is quadratic on such input, so the depth here is kept moderate.
    text = opener * 2_000
    assert outcome(rust().parse_tool_input, text) == outcome(crewai_validate_tool_input, text)
    assert outcome(rust().repair_json, text) == outcome(json_repair.repair_json, text)


@pytest.mark.timeout(60)
def test_deep_but_valid_json_is_left_to_python():
    text = '{"a": ' + "[" * 5000 + "]" * 5000 + "}"
    assert outcome(rust().parse_tool_input, text) == outcome(crewai_validate_tool_input, text)


@pytest.mark.parametrize(
    "text",
    [
        'Action: a\x00b\nAction Input: {"q": "\x00"}',
        'Action: a\nAction Input: {"q": "\\u0000"}',
        "\x00" * 1000,
        "Final Answer: \x00",
        'Action: \ud83d\nAction Input: {"q": "\udfff"}',
    ],
)
def test_nul_bytes_and_surrogates(text):
    assert outcome(rust().parse_agent_output, text) == outcome(crewai_parse, text)
    tail = text.split("Action Input: ")[-1]
    assert outcome(rust().parse_tool_input, tail) == outcome(crewai_validate_tool_input, tail)


def test_wrong_types_raise_type_errors_not_panics():
    core = _native.core()
    for fn in (core.parse_agent_output, core.parse_tool_input, core.repair_json, core.sanitize_tool_name):
        with pytest.raises(TypeError):
            fn(b"bytes")
    with pytest.raises(TypeError):
        core.select_tool("x", "not a list")
