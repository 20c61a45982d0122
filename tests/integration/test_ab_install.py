"""A/B sampling through install(): the installed call sites are compared with crewai's own."""

from __future__ import annotations

import pytest

import crewai_rust
from crewai_rust.monitor import get_monitor

pytestmark = [pytest.mark.crewai, pytest.mark.requires_extension]

REACT = 'Thought: look it up\nAction: search\nAction Input: {"query": "torn tail", "limit": 3'


@pytest.fixture
def sampled_monitor():
    monitor = get_monitor()
    monitor.reset()
    crewai_rust.configure(ab_sample=1.0)
    yield monitor
    crewai_rust.uninstall()
    crewai_rust.configure(ab_sample=0.0)
    monitor.reset()


def test_installed_parser_and_json_are_compared_with_crewai(sampled_monitor):
    from crewai.agents import parser
    from crewai.memory.storage import kickoff_task_outputs_storage as storage_module
    from crewai.utilities.crew_json_encoder import CrewJSONEncoder

    original_parse = parser.parse
    crewai_rust.install(tools=True, serialization=True, memory=False)
    assert parser.parse is not original_parse
    action = parser.parse(REACT)
    assert action.tool == "search"
    text = storage_module.json.dumps({"when": "2026-11-23", "n": [1, 2.5]}, cls=CrewJSONEncoder)
    assert storage_module.json.loads(text) == {"when": "2026-11-23", "n": [1, 2.5]}
    for name in ("parse", "serialization.dumps", "serialization.loads"):
        compared, mismatched = sampled_monitor.ab_counts(name)
        assert compared >= 1, name
        assert mismatched == 0, sampled_monitor.mismatches(name)
