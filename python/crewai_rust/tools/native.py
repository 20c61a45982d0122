"""The Rust-backed tool helpers, with the same interface as `reference`.

Each function hands the text to the extension; when the extension reports an input it will
not decide (json5 or Python syntax beyond the subsets Rust models, the few json_repair paths
not ported, strings holding lone surrogates), the reference runs instead, so answers are
identical either way.
"""

from __future__ import annotations

from typing import Any

from crewai.agents.parser import AgentAction, AgentFinish, OutputParserError

from crewai_rust import _native
from crewai_rust.tools import reference
from crewai_rust.tools.reference import TOOL_INPUT_ERROR, ToolInputError

__all__ = ["parse_agent_output", "parse_tool_input", "repair_json", "sanitize_tool_name", "select_tool"]


def _core() -> Any:
    return _native.core()


def parse_agent_output(text: str) -> AgentAction | AgentFinish:
    """`crewai.agents.parser.parse`, in Rust."""
    if not isinstance(text, str):
        return reference.parse_agent_output(text)
    out = _core().parse_agent_output(text)
    kind = out[0]
    if kind == "action":
        _, thought, tool, tool_input, needs_repair = out
        if needs_repair:
            tool_input = reference.finish_repair(tool_input)
        # Positional arguments, in the dataclasses' field order: half the cost of keywords on
        # a path where building the result is a large share of the whole call.
        return AgentAction(thought, tool, tool_input, text)
    if kind == "finish":
        return AgentFinish(out[1], out[2], text)
    if kind == "invalid":
        raise OutputParserError(reference.format_problem_message(out[1]))
    return reference.parse_agent_output(text)


def parse_tool_input(tool_input: str | None) -> dict[str, Any]:
    """`ToolUsage._validate_tool_input`'s decoding, in Rust where it can be decided."""
    if tool_input is None:
        return {}
    if not isinstance(tool_input, str):
        raise ToolInputError(TOOL_INPUT_ERROR)
    out = _core().parse_tool_input(tool_input)
    if out is None:
        return reference.parse_tool_input(tool_input)
    if out is False:
        raise ToolInputError(TOOL_INPUT_ERROR)
    return out


def repair_json(text: str) -> str:
    """`json_repair.repair_json(text)`: Rust (valid JSON and the json_repair port), else json_repair."""
    out = _core().repair_json(text) if isinstance(text, str) else None
    return reference.repair_json(text) if out is None else out


def sanitize_tool_name(name: str) -> str:
    """crewai's `sanitize_tool_name`, in Rust."""
    if not isinstance(name, str):
        return reference.sanitize_tool_name(name)
    return _core().sanitize_tool_name(name)


def select_tool(name: str, tool_names: list[str]) -> int | None:
    """The index `ToolUsage._select_tool` picks, or None where it raises; in Rust."""
    if not isinstance(name, str) or not all(isinstance(n, str) for n in tool_names):
        return reference.select_tool(name, tool_names)
    return _core().select_tool(name, list(tool_names))
