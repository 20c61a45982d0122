"""Differential fuzzing of the tool helpers with atheris (`nox -s fuzz`).

Every input is decoded to a str (lone surrogates included) and run through the Rust-backed
helpers and crewai's own functions; any difference, or any exception other than the ones crewai
raises too, is a crash. The bootstrap (instrumentation, crasher directory) is `fuzz_common`.
"""

from __future__ import annotations

from fuzz_common import (
    RUST,
    crewai_choice,
    crewai_parse,
    crewai_validate_tool_input,
    fuzz,
    json_repair,
    outcome,
)


def check(data: bytes) -> None:
    """Raises AssertionError when the Rust helpers and crewai disagree on `data`."""
    text = data.decode("utf-8", "surrogateescape")
    assert outcome(RUST.parse_agent_output, text) == outcome(crewai_parse, text), text
    assert outcome(RUST.parse_tool_input, text) == outcome(crewai_validate_tool_input, text), text
    assert outcome(RUST.repair_json, text) == outcome(json_repair.repair_json, text), text
    name, *tools = text.split("\n")
    assert RUST.select_tool(name, tools) == crewai_choice(name, tools), text


if __name__ == "__main__":
    fuzz(check, max_len=2048)
