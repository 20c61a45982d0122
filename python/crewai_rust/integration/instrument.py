"""Times crewai's own call sites, whatever implementation sits behind them, into a monitor.

`install()` replaces what runs at crewai's call sites; `instrument()` wraps those same sites
(the parser, tool-input handling, tool selection, the JSON of task-output storage and flow
persistence) with timers, so a run before `install()` and a run after it are measured at the
same points and `PerformanceMonitor.get_performance_comparison()` gives the ratio. Memory
storage is timed by wrapping a backend instance (`TimedStorage`), since crewai holds it per
`Memory` object rather than at a module attribute.
"""

from __future__ import annotations

import sys
import time
from typing import Any

from crewai_rust.integration.patcher import Patch, PatchSet
from crewai_rust.monitor import PerformanceMonitor

__all__ = ["OPERATIONS", "TimedStorage", "instrument"]

OPERATIONS = {
    "parse": "agent output parsing (crewai.agents.parser.parse)",
    "tool_input": "tool input handling (ToolUsage._validate_tool_input)",
    "tool_select": "tool selection (ToolUsage._select_tool)",
    "serialization": "JSON of task outputs and flow state",
    "memory": "memory storage operations",
}

_JSON_MODULES = (
    "crewai.memory.storage.kickoff_task_outputs_storage",
    "crewai.flow.persistence.sqlite",
)


def _timed(fn: Any, name: str, implementation: str, monitor: PerformanceMonitor) -> Any:
    def timed(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            monitor.record_operation(name, time.perf_counter() - start, implementation)

    timed.__wrapped__ = fn  # type: ignore[attr-defined]
    return timed


class _TimedJSON:
    """A stand-in for the `json` global of one crewai module that times dumps and loads."""

    def __init__(self, inner: Any, implementation: str, monitor: PerformanceMonitor) -> None:
        self._inner = inner
        self.dumps = _timed(inner.dumps, "serialization", implementation, monitor)
        self.loads = _timed(inner.loads, "serialization", implementation, monitor)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


class TimedStorage:
    """Forwards to a memory storage backend, timing each public method as "memory.<method>"."""

    def __init__(self, inner: Any, implementation: str, monitor: PerformanceMonitor) -> None:
        self._inner = inner
        self._implementation = implementation
        self._monitor = monitor

    @property
    def inner(self) -> Any:
        return self._inner

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._inner, name)
        if name.startswith("_") or not callable(attr):
            return attr
        return _timed(attr, f"memory.{name}", self._implementation, self._monitor)


def instrument(monitor: PerformanceMonitor, implementation: str) -> PatchSet:
    """Wrap crewai's parser, tool-input, tool-selection and JSON call sites with timers.

    Call it after `install()` (or without it, for the crewai baseline); `implementation` labels
    the timings ("rust" or "python"). Returns the applied `PatchSet`; `.restore()` undoes it.
    """
    from crewai.agents import parser
    from crewai.tools.tool_usage import ToolUsage

    current_parse = parser.parse
    patches = [
        Patch(module, "parse", _timed(current_parse, "parse", implementation, monitor), "monitor")
        for name, module in list(sys.modules.items())
        if (name == "crewai" or name.startswith("crewai."))
        and getattr(module, "parse", None) is current_parse
    ]
    for attr, op in (("_validate_tool_input", "tool_input"), ("_select_tool", "tool_select")):
        patches.append(
            Patch(ToolUsage, attr, _timed(getattr(ToolUsage, attr), op, implementation, monitor), "monitor")
        )
    for name in _JSON_MODULES:
        module = sys.modules.get(name) or __import__(name, fromlist=["json"])
        patches.append(Patch(module, "json", _TimedJSON(module.json, implementation, monitor), "monitor"))
    applied = PatchSet()
    applied.apply(patches)
    return applied
