"""`parse_agent_output` against `crewai.agents.parser.parse`: corpus, hypothesis, edge cases."""

from __future__ import annotations

import json

import pytest
from crewai.agents.parser import AgentAction, AgentFinish, OutputParserError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.tools.conftest import corpus, crewai_parse, outcome

from crewai_rust.tools import helpers

AGENT_OUTPUTS = corpus("agent_outputs")

FRAGMENTS = [
    "Thought:",
    "Action:",
    "Action Input:",
    "Final Answer:",
    "Action 2:",
    "Action 2 Input:",
    "\n",
    " ",
    "```",
    '"""',
    '"',
    "**",
    "{",
    "}",
    "[",
    "]",
    '{"q": "x"}',
    "{'q': 'x'}",
    "Search",
    "Input",
    ":",
    "\u3000",
    "\x1c",
    "٣",
    "é",
    "🚀",
    "\nAction",
    "\nFinal Answer",
    "Observation:",
    "null",
    "1e400",
]


def test_corpus_is_large_enough():
    assert len(AGENT_OUTPUTS) >= 300


def test_corpus_matches_crewai(impl):
    parse = helpers(impl).parse_agent_output
    mismatches = [t for t in AGENT_OUTPUTS if outcome(parse, t) != outcome(crewai_parse, t)]
    assert mismatches == []


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=8)), max_size=25).map("".join))
def test_generated_text_matches_crewai(impl, text):
    assert outcome(helpers(impl).parse_agent_output, text) == outcome(crewai_parse, text)


def test_fields_of_an_action(impl):
    text = 'Thought: look it up\nAction: **Search**\nAction Input: {"q":"rust","n":1}\n'
    action = helpers(impl).parse_agent_output(text)
    assert isinstance(action, AgentAction)
    assert (action.thought, action.tool, action.tool_input, action.text) == (
        "Thought: look it up",
        "Search",
        '{"q": "rust", "n": 1}',
        text,
    )


def test_final_answer_drops_an_unbalanced_fence(impl):
    finish = helpers(impl).parse_agent_output("Thought: ok\nFinal Answer: done\n```")
    assert isinstance(finish, AgentFinish)
    assert finish.output == "done"


@pytest.mark.parametrize(
    ("text", "starts"),
    [
        ("no structure", "I did it wrong. Invalid Format: I missed the 'Action:'"),
        ("Action: x", "I did it wrong. Invalid Format: I missed the 'Action Input:'"),
        ("Action Input: {}\nAction: x", "\nSorry, I didn't use the right format."),
    ],
)
def test_format_errors_are_crewais(impl, text, starts):
    with pytest.raises(OutputParserError) as info:
        helpers(impl).parse_agent_output(text)
    assert info.value.error.startswith(starts)


def test_broken_json_input_is_repaired_like_crewai(impl):
    text = 'Thought: t\nAction: Search\nAction Input: {"query": "how to'
    assert helpers(impl).parse_agent_output(text).tool_input == crewai_parse(text).tool_input
    assert helpers(impl).parse_agent_output(text).tool_input == '{"query": "how to"}'


def test_lone_surrogates_fall_back_exactly(impl):
    text = 'Action: Search\nAction Input: {"q": "\ud800"}'
    assert outcome(helpers(impl).parse_agent_output, text) == outcome(crewai_parse, text)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.dictionaries(
        st.text(max_size=6),
        st.recursive(
            st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
            lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=4), c, max_size=3),
            max_leaves=8,
        ),
        max_size=4,
    )
)
def test_truncated_action_inputs_match_crewai(impl, value):
    text = "Thought: t\nAction: Search\nAction Input: " + json.dumps(value)
    for cut in range(len(text) - len(json.dumps(value)), len(text) + 1):
        prefix = text[:cut]
        assert outcome(helpers(impl).parse_agent_output, prefix) == outcome(crewai_parse, prefix), prefix
