"""Shared pieces of the tools tests: the corpus, crewai's own functions as the oracle, and a
normalisation of outcomes (value or exception) so two implementations compare exactly."""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from types import SimpleNamespace
from typing import Any

# crewai's own import raises an ImportWarning (a submodule assigned onto a lazy package),
# which the suite's `filterwarnings = error` would turn into a collection error.
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ImportWarning)
    import crewai
    import crewai.tools.tool_usage  # noqa: F401

from crewai.agents import parser as crewai_parser
from crewai.tools.tool_usage import ToolUsage

from crewai_rust.tools.reference import ToolInputError

CORPUS = Path(__file__).parent / "corpus"


def corpus(name: str) -> list[Any]:
    with (CORPUS / f"{name}.jsonl").open(encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def outcome(fn: Any, *args: Any) -> tuple[str, str]:
    """("ok", repr of the result) or ("raise", exception type and message): repr tells 1 from
    1.0 from True, tuples from lists, and shows key order; messages are what the agent sees, and
    the type decides which of crewai's `except` clauses catches it. `ToolInputError` stands for
    the bare `Exception` crewai's tool-input validation raises (it subclasses it, documented)."""
    try:
        return ("ok", repr(fn(*args)))
    except Exception as exc:  # comparing whatever either side raises
        kind = Exception if type(exc) is ToolInputError else type(exc)
        return ("raise", f"{kind.__module__}.{kind.__qualname__}: {exc}")


def crewai_validate_tool_input(text: Any) -> Any:
    """crewai's `ToolUsage._validate_tool_input`, run on a stand-in `self` without an agent."""
    stand_in = SimpleNamespace(agent=None, _emit_validate_input_error=lambda error: None)
    return ToolUsage._validate_tool_input(stand_in, text)  # type: ignore[arg-type]


def crewai_parse(text: str) -> Any:
    return crewai_parser.parse(text)
