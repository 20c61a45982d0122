"""asv suites for the tool helpers: small, fast, one operation each (history, not ratios)."""

from __future__ import annotations

import warnings

WELL_FORMED = 'Thought: t\nAction: Search the internet\nAction Input: {"query": "crewai", "n": 5}\n'
PY_DICT = "{'query': 'crewai release notes', 'max_results': 5, 'recent': True}"
TOOL_NAMES = [f"Tool number {i} for things" for i in range(19)] + ["Delegate work to coworker"]


def _helpers():  # imported lazily: asv imports suites before the build is installed
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from crewai_rust.tools import ToolResultCache, helpers
    return helpers("rust"), ToolResultCache


class ToolHelpers:
    def setup(self) -> None:
        self.rust, cache_cls = _helpers()
        self.cache = cache_cls()
        self.cache.add("search", "q", "result")

    def time_parse_agent_output(self) -> None:
        self.rust.parse_agent_output(WELL_FORMED)

    def time_parse_tool_input_python_literal(self) -> None:
        self.rust.parse_tool_input(PY_DICT)

    def time_select_tool_20(self) -> None:
        self.rust.select_tool("delegate_work_to_coworker", TOOL_NAMES)

    def time_cache_read(self) -> None:
        self.cache.read("search", "q")

    def peakmem_cache_10k_entries(self) -> None:
        _, cache_cls = _helpers()
        cache = cache_cls()
        for i in range(10_000):
            cache.add("search", str(i), "x" * 100)
