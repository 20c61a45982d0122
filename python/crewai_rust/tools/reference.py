"""The pure-Python reference of every tool helper: crewai 1.15's own rules, written plainly.

It answers exactly what crewai answers (it uses crewai's regexes, messages and its
`sanitize_tool_name`, `json_repair`, `json5`, `difflib`) and is what runs when the extension is
missing, or when the Rust fast path reports an input it will not decide.
"""

from __future__ import annotations

import ast
import json
from difflib import SequenceMatcher
from json import JSONDecodeError
from typing import Any

import json5
from crewai.agents.constants import (
    ACTION_INPUT_ONLY_REGEX,
    ACTION_INPUT_REGEX,
    ACTION_REGEX,
    FINAL_ANSWER_ACTION,
    MISSING_ACTION_AFTER_THOUGHT_ERROR_MESSAGE,
    MISSING_ACTION_INPUT_AFTER_ACTION_ERROR_MESSAGE,
    UNABLE_TO_REPAIR_JSON_RESULTS,
)
from crewai.agents.parser import AgentAction, AgentFinish, OutputParserError
from crewai.utilities.string_utils import sanitize_tool_name as _sanitize
from json_repair import repair_json as _json_repair

__all__ = [
    "TOOL_INPUT_ERROR",
    "ToolInputError",
    "finish_repair",
    "format_problem_message",
    "parse_agent_output",
    "parse_tool_input",
    "repair_json",
    "sanitize_tool_name",
    "select_tool",
]

TOOL_INPUT_ERROR = "Tool input must be a valid dictionary in JSON or Python literal format"


class ToolInputError(Exception):
    """The tool input is not a dictionary (crewai raises a bare Exception with this text)."""


def format_problem_message(problem: str) -> str:
    """crewai's OutputParserError message for a format problem, in its configured language."""
    from crewai.utilities.i18n import I18N_DEFAULT

    if problem == "missing_action":
        return f"{MISSING_ACTION_AFTER_THOUGHT_ERROR_MESSAGE}\n{I18N_DEFAULT.slice('final_answer_format')}"
    if problem == "missing_action_input":
        return MISSING_ACTION_INPUT_AFTER_ACTION_ERROR_MESSAGE
    return f"{I18N_DEFAULT.slice('format_without_tools')}"


def parse_agent_output(text: str) -> AgentAction | AgentFinish:
    """`crewai.agents.parser.parse`."""
    thought = _extract_thought(text)
    if FINAL_ANSWER_ACTION in text:
        final_answer = text.split(FINAL_ANSWER_ACTION)[-1].strip()
        if final_answer.endswith("```") and final_answer.count("```") % 2 != 0:
            final_answer = final_answer[:-3].rstrip()
        return AgentFinish(thought=thought, output=final_answer, text=text)
    match = ACTION_INPUT_REGEX.search(text)
    if match:
        tool = match.group(1).strip().strip("*").strip()
        tool_input = match.group(2).strip().strip(" ").strip('"')
        return AgentAction(thought=thought, tool=tool, tool_input=_safe_repair_json(tool_input), text=text)
    if not ACTION_REGEX.search(text):
        raise OutputParserError(format_problem_message("missing_action"))
    if not ACTION_INPUT_ONLY_REGEX.search(text):
        raise OutputParserError(format_problem_message("missing_action_input"))
    raise OutputParserError(format_problem_message("format_without_tools"))


def _extract_thought(text: str) -> str:
    index = text.find("\nAction")
    if index == -1:
        index = text.find("\nFinal Answer")
    if index == -1:
        return ""
    return text[:index].strip().replace("```", "").strip()


def _safe_repair_json(tool_input: str) -> str:
    if tool_input.startswith("[") and tool_input.endswith("]"):
        return tool_input
    return finish_repair(tool_input.replace('"""', '"'))


def finish_repair(tool_input: str) -> str:
    """The json_repair half of crewai's `_safe_repair_json` (triple quotes already replaced)."""
    result = _json_repair(tool_input)
    if not result or result in UNABLE_TO_REPAIR_JSON_RESULTS:
        return tool_input
    if result.startswith("[") and not tool_input.lstrip().startswith("["):
        return tool_input
    return str(result)


def repair_json(text: str) -> str:
    """`json_repair.repair_json(text)` with default arguments."""
    return str(_json_repair(text))


def parse_tool_input(tool_input: str | None) -> dict[str, Any]:
    """`ToolUsage._validate_tool_input` without its event and console side effects."""
    if tool_input is None:
        return {}
    if not isinstance(tool_input, str) or not tool_input.strip():
        raise ToolInputError(TOOL_INPUT_ERROR)
    try:
        arguments = json.loads(tool_input)
        if isinstance(arguments, dict):
            return arguments
    except (JSONDecodeError, TypeError):
        pass
    try:
        arguments = ast.literal_eval(tool_input)
        if isinstance(arguments, dict):
            return arguments
    except (ValueError, SyntaxError):
        _json_repair(tool_input)  # crewai calls it here; only its exceptions matter
    try:
        arguments = json5.loads(tool_input)
        if isinstance(arguments, dict):
            return arguments
    except (JSONDecodeError, ValueError, TypeError):
        pass
    try:
        arguments = json.loads(str(_json_repair(tool_input, skip_json_loads=True)))
        if isinstance(arguments, dict):
            return arguments
    except Exception:  # crewai swallows every repair failure here
        pass
    raise ToolInputError(TOOL_INPUT_ERROR)


def sanitize_tool_name(name: str) -> str:
    """crewai's `sanitize_tool_name`."""
    return _sanitize(name)


def select_tool(name: str, tool_names: list[str]) -> int | None:
    """The index `ToolUsage._select_tool` picks, or None where it raises."""
    wanted = _sanitize(name)
    order = sorted(
        range(len(tool_names)),
        key=lambda i: SequenceMatcher(None, _sanitize(tool_names[i]), wanted).ratio(),
        reverse=True,
    )
    for i in order:
        candidate = _sanitize(tool_names[i])
        if candidate == wanted or SequenceMatcher(None, candidate, wanted).ratio() > 0.85:
            return i
    return None
