"""crewai-rust tools component: the helpers crewai runs on every agent step, in Rust.

`parse_agent_output` (crewai's ReAct parser), `parse_tool_input` (`_validate_tool_input`'s
decoding chain), `repair_json`, `sanitize_tool_name`, `select_tool` (the fuzzy tool choice),
`ToolResultCache` (a bounded `CacheHandler`) and `RateLimiter` (`RPMController` without a timer
thread). Each runs in Rust when the extension loaded and in the pure-Python `reference`
otherwise; `helpers("rust" | "python")` picks one explicitly.
"""

from __future__ import annotations

from types import ModuleType

from crewai_rust import _native
from crewai_rust.tools import reference
from crewai_rust.tools.cache import PythonResultStore, ToolResultCache, make_store
from crewai_rust.tools.rate_limit import PythonRateLimit, RateLimiter, make_limit
from crewai_rust.tools.reference import TOOL_INPUT_ERROR, ToolInputError

__all__ = [
    "TOOL_INPUT_ERROR",
    "PythonRateLimit",
    "PythonResultStore",
    "RateLimiter",
    "ToolInputError",
    "ToolResultCache",
    "helpers",
    "make_limit",
    "make_store",
    "parse_agent_output",
    "parse_tool_input",
    "repair_json",
    "sanitize_tool_name",
    "select_tool",
]


def helpers(implementation: str | None = None) -> ModuleType:
    """The module of helper functions: "rust", "python", or None for the best available."""
    impl = implementation or ("rust" if _native.rust_available() else "python")
    if impl == "rust":
        _native.core()  # raises ExtensionUnavailableError when it did not load
        from crewai_rust.tools import native

        return native
    if impl == "python":
        return reference
    raise ValueError(f"implementation must be 'rust' or 'python', got {implementation!r}")


_best = helpers()
parse_agent_output = _best.parse_agent_output
parse_tool_input = _best.parse_tool_input
repair_json = _best.repair_json
sanitize_tool_name = _best.sanitize_tool_name
select_tool = _best.select_tool
