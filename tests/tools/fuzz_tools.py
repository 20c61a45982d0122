"""Differential fuzzing of the tool helpers with atheris (`nox -s fuzz`).

Every input is decoded to a str (lone surrogates included) and run through the Rust-backed
helpers and crewai's own functions; any difference, or any exception other than the ones crewai
raises too, is a crash. Crashing inputs are written to tests/tools/corpus/fuzz_crashers/, where
`test_fuzz_regressions.py` replays them on every test run.
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))  # the repository root, for `tests.tools`

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import atheris

    # crewai is imported (uninstrumented) first: instrumenting all of it takes minutes. What
    # is instrumented is the code under test on the Python side: the wrappers and json_repair.
    import crewai.tools.tool_usage  # noqa: F401
    from tests.tools.conftest import crewai_parse, crewai_validate_tool_input, outcome
    from tests.tools.test_selection import crewai_choice

    for name in [m for m in sys.modules if m.startswith(("json_repair", "crewai_rust"))]:
        del sys.modules[name]
    with atheris.instrument_imports(include=["json_repair", "crewai_rust"]):
        import json_repair

        from crewai_rust.tools import helpers

RUST = helpers("rust")


def check(data: bytes) -> None:
    """Raises AssertionError when the Rust helpers and crewai disagree on `data`."""
    text = data.decode("utf-8", "surrogateescape")
    assert outcome(RUST.parse_agent_output, text) == outcome(crewai_parse, text), text
    assert outcome(RUST.parse_tool_input, text) == outcome(crewai_validate_tool_input, text), text
    assert outcome(RUST.repair_json, text) == outcome(json_repair.repair_json, text), text
    name, *tools = text.split("\n")
    assert RUST.select_tool(name, tools) == crewai_choice(name, tools), text


def main() -> None:
    crashers = HERE / "corpus" / "fuzz_crashers"
    crashers.mkdir(parents=True, exist_ok=True)
    args = [*sys.argv, f"-artifact_prefix={crashers}/"]
    if not any(a.startswith("-max_len") for a in args):
        args.append("-max_len=2048")

    def one_input(data: bytes) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            check(data)

    atheris.Setup(args, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
