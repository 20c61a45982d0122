"""Wiring of the tools component into crewai: the reversible patches `install()` applies.

- `crewai.agents.parser.parse`, and every crewai module that imported it by name (crewai's
  executors call it through `crewai.utilities.agent_utils.parse`), become the Rust parser.
- `ToolUsage._validate_tool_input` returns the Rust-decoded dict when Rust decides the input;
  otherwise crewai's own method runs (json5, json_repair, its events and messages).
- `ToolUsage._select_tool` takes the Rust choice; when there is none, crewai's method runs and
  raises its own error with its events.
- `CacheHandler.add/read` use a Rust store per handler, without crewai's Python lock.
- `RPMController` counts in Rust: no timer thread, the wait happens with the GIL released.
"""

from __future__ import annotations

import importlib
import sys
import threading
from typing import Any

from crewai_rust.integration.patcher import Patch

__all__ = ["patches"]

COMPONENT = "tools"

# Modules known to import `parse` by name; any other crewai module already imported that holds
# the same function object is patched too.
_PARSE_IMPORTERS = ("crewai.agents.parser", "crewai.agents", "crewai.utilities.agent_utils")

_STORE_KEY = "_crewai_rust_store"
_LIMIT_KEY = "_crewai_rust_limit"
_attach_lock = threading.Lock()


def _parse_patches(rust_parse: Any) -> list[Patch]:
    for name in _PARSE_IMPORTERS:
        importlib.import_module(name)
    from crewai.agents import parser

    original = parser.parse
    out = []
    for name, module in list(sys.modules.items()):
        if (name == "crewai" or name.startswith("crewai.")) and getattr(module, "parse", None) is original:
            out.append(Patch(module, "parse", rust_parse, COMPONENT, ab_name="parse"))
    return out


def _tool_usage_patches(core: Any) -> list[Patch]:
    from crewai.tools.tool_usage import ToolUsage

    original_validate = ToolUsage._validate_tool_input
    original_select = ToolUsage._select_tool

    def _validate_tool_input(self: Any, tool_input: str | None) -> dict[str, Any]:
        # A verbose agent gets crewai's own method: it prints the repaired JSON to the console.
        if type(tool_input) is str and not getattr(getattr(self, "agent", None), "verbose", False):
            decided = core.parse_tool_input(tool_input)
            if type(decided) is dict:
                return decided
        # Undecided, blank or not a str: crewai's own chain, events and messages.
        return original_validate(self, tool_input)

    def _select_tool(self: Any, tool_name: str) -> Any:
        tools = self.tools
        if type(tool_name) is str:
            names = [getattr(t, "name", None) for t in tools]
            if all(type(n) is str for n in names):
                index = core.select_tool(tool_name, names)
                if index is not None:
                    return tools[index]
        return original_select(self, tool_name)

    _validate_tool_input.__wrapped__ = original_validate  # type: ignore[attr-defined]
    _select_tool.__wrapped__ = original_select  # type: ignore[attr-defined]
    return [
        Patch(ToolUsage, "_validate_tool_input", _validate_tool_input, COMPONENT),
        Patch(ToolUsage, "_select_tool", _select_tool, COMPONENT),
    ]


def _private(model: Any) -> dict[str, Any]:
    private = model.__pydantic_private__
    if private is None:
        object.__setattr__(model, "__pydantic_private__", {})
        private = model.__pydantic_private__
    return private


def _cache_patches(core: Any) -> list[Patch]:
    from crewai.agents.cache.cache_handler import CacheHandler
    from crewai.tools.tool_failure import ToolFailure

    def _store(handler: Any) -> Any:
        private = _private(handler)
        store = private.get(_STORE_KEY)
        if store is None:
            with _attach_lock:
                store = private.get(_STORE_KEY)
                if store is None:
                    store = core.ResultStore()
                    # Results cached before install() stay readable.
                    for key, value in list(private.get("_cache", {}).items()):
                        # crewai's keys are "{tool}-{input}": split anywhere on "-" rebuilds it.
                        tool, _, rest = key.partition("-")
                        store.add(tool, rest, value)
                    private[_STORE_KEY] = store
        return store

    def add(self: Any, tool: str, input: str, output: Any) -> None:
        if isinstance(output, ToolFailure):
            return
        _store(self).add(_part(tool), _part(input), output)

    def read(self: Any, tool: str, input: str) -> Any:
        return _store(self).read(_part(tool), _part(input))

    return [Patch(CacheHandler, "add", add, COMPONENT), Patch(CacheHandler, "read", read, COMPONENT)]


def _part(value: Any) -> str:
    return value if type(value) is str else f"{value}"


def _rpm_patches(core: Any) -> list[Patch]:
    from crewai.utilities.rpm_controller import RPMController

    from crewai_rust.tools.rate_limit import WAIT_MESSAGE

    def _limit(self: Any) -> Any:
        private = _private(self)
        limit = private.get(_LIMIT_KEY)
        if limit is None or limit.max_requests != self.max_rpm:
            with _attach_lock:
                limit = private.get(_LIMIT_KEY)
                if limit is None or limit.max_requests != self.max_rpm:
                    limit = core.RateLimit(self.max_rpm, 60.0)
                    if private.get("_shutdown_flag"):
                        limit.stop()
                    private[_LIMIT_KEY] = limit
        return limit

    def check_or_wait(self: Any) -> bool:
        if self.max_rpm is None:
            return True
        limit = _limit(self)
        if not limit.try_acquire():
            self.logger.log("info", WAIT_MESSAGE)
            limit.wait_and_acquire()
        return True

    def _reset_request_count(self: Any) -> None:
        # Called by crewai's validator when max_rpm is set: the window starts now, no timer.
        if self.max_rpm is not None:
            _limit(self)

    def stop_rpm_counter(self: Any) -> None:
        private = _private(self)
        private["_shutdown_flag"] = True
        timer = private.get("_timer")
        if timer is not None:  # a controller created before install() has a live timer
            timer.cancel()
            private["_timer"] = None
        limit = private.get(_LIMIT_KEY)
        if limit is not None:
            limit.stop()

    return [
        Patch(RPMController, "check_or_wait", check_or_wait, COMPONENT),
        Patch(RPMController, "_reset_request_count", _reset_request_count, COMPONENT),
        Patch(RPMController, "stop_rpm_counter", stop_rpm_counter, COMPONENT),
    ]


def patches(**_: object) -> list[Patch]:
    """Every tools patch; `install()` only asks when the extension loaded."""
    from crewai_rust import _native
    from crewai_rust.tools import native  # noqa: F401  (its import hands crewai's classes to the extension)

    core = _native.core()
    return [
        *_parse_patches(core.agent_output),
        *_tool_usage_patches(core),
        *_cache_patches(core),
        *_rpm_patches(core),
    ]
