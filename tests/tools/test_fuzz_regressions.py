"""Replays every input the fuzzer (`nox -s fuzz`) ever flagged, plus seeds that once broke the
Rust port during development, against crewai's own functions."""

from __future__ import annotations

from pathlib import Path

import json_repair
import pytest
from tests.tools.conftest import crewai_parse, crewai_validate_tool_input, outcome

from crewai_rust.tools import helpers

CRASHERS = sorted((Path(__file__).parent / "corpus" / "fuzz_crashers").glob("*"))
SEEDS = [
    b'Action: t\nAction Input: {"a": """b"""',  # strip('"') eats the closing quotes first
    b"Action Input Action: x Action Input: y",
    b"{'a': 1.e5, 'b': .5, 'c': 00}",
    b'{"a": 1E400, "b": -0, "c": "\\ud800"}',
    b"\xed\xa0\x80 Action: x\nAction Input: {}",
]
INPUTS = [p.read_bytes() for p in CRASHERS if p.is_file() and p.name != ".gitkeep"] + SEEDS


@pytest.mark.parametrize("data", INPUTS)
def test_fuzz_input_matches_crewai(impl, data):
    text = data.decode("utf-8", "surrogateescape")
    h = helpers(impl)
    assert outcome(h.parse_agent_output, text) == outcome(crewai_parse, text)
    assert outcome(h.parse_tool_input, text) == outcome(crewai_validate_tool_input, text)
    assert outcome(h.repair_json, text) == outcome(json_repair.repair_json, text)
