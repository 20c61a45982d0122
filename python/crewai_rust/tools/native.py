"""The Rust-backed tool helpers, with the same interface as `reference`.

`parse_agent_output` and `parse_tool_input` are the extension's functions themselves (crewai's
classes and the reference's fallbacks are handed to it when this module loads), so a call has
no Python frame on its way; the other helpers hand the text over here. Where the extension
does not decide an input (json5 or Python syntax beyond the subsets Rust models, the few
json_repair paths not ported, strings holding lone surrogates), the reference runs instead, so
answers are identical either way.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from crewai.agents.parser import AgentAction, AgentFinish, OutputParserError

from crewai_rust import _native
from crewai_rust.tools import reference
from crewai_rust.tools.reference import TOOL_INPUT_ERROR, ToolInputError

__all__ = ["parse_agent_output", "parse_tool_input", "repair_json", "sanitize_tool_name", "select_tool"]


def _core() -> Any:
    return _native.core()


def fills_directly(cls: type, names: tuple[str, ...], probe: tuple[Any, ...]) -> bool:
    """Whether `cls.__new__(cls)` with `names` set by `object.__setattr__` is the object
    `cls(*probe)` builds: a plain (not frozen, slot-less) dataclass whose generated `__init__`
    stores exactly these fields, in this order, and nothing else. crewai's classes are checked
    when this module loads; a crewai that changes them gets its class called instead."""
    if not dataclasses.is_dataclass(cls) or type(cls) is not type:
        return False
    fields = dataclasses.fields(cls)
    if tuple(f.name for f in fields) != names or not all(f.init for f in fields):
        return False
    if any("__slots__" in vars(base) for base in cls.__mro__[:-1]):
        return False
    plain = (
        cls.__new__ is object.__new__
        and cls.__setattr__ is object.__setattr__
        and not hasattr(cls, "__post_init__")
        and not hasattr(cls, "__getattr__")
    )
    if not plain:
        return False
    built = cls(*probe)
    expected = dict(zip(names, [*probe, *(f.default for f in fields[len(probe) :])], strict=True))
    return type(built) is cls and list(vars(built).items()) == list(expected.items())


def setup(fill_directly: bool | None = None) -> bool:
    """Hand crewai's parser classes to the extension; `fill_directly=None` decides by
    `fills_directly`, then checks one directly built result of each kind against the same
    fields passed to the class. Returns the mode in use."""
    if fill_directly is None:
        fill_directly = fills_directly(
            AgentAction, ("thought", "tool", "tool_input", "text", "result"), ("t", "a", "{}", "x")
        ) and fills_directly(AgentFinish, ("thought", "output", "text"), ("t", "o", "x"))
        if fill_directly:
            _configure(True)
            fill_directly = all(_same_as_constructed(text) for text in _PROBES)
    _configure(fill_directly)
    return fill_directly


_PROBES = (
    'Thought: look\nAction: **Search**\nAction Input: {"q": "x"\n',
    "Thought: done\nFinal Answer: 42",
)


def _configure(fill_directly: bool) -> None:
    _core().setup_agent_output(
        AgentAction,
        AgentFinish,
        OutputParserError,
        reference.finish_repair,
        reference.format_problem_message,
        reference.parse_agent_output,
        fill_directly,
    )


def _same_as_constructed(text: str) -> bool:
    ours = _core().agent_output(text)
    cls = type(ours)
    theirs = cls(*(getattr(ours, f.name) for f in dataclasses.fields(cls)))
    return type(theirs) is cls and list(vars(ours).items()) == list(vars(theirs).items())


def _unavailable(text: Any) -> Any:
    """Raises ExtensionUnavailableError: the extension did not load."""
    return _core()  # raises


parse_agent_output: Any = _unavailable
parse_tool_input: Any = _unavailable
if _native.rust_available():
    setup()
    # The extension functions themselves: no Python frame between crewai's executor and Rust.
    parse_agent_output = _core().agent_output
    _core().setup_tool_input(ToolInputError, TOOL_INPUT_ERROR, reference.parse_tool_input)
    # `_validate_tool_input`'s decoding; the reference chain runs where Rust does not decide.
    parse_tool_input = _core().tool_input


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
