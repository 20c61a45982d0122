"""The atheris bootstrap the fuzz targets share (`fuzz_tools.py`, `fuzz_repair.py`).

crewai and the test oracles are imported uninstrumented first (instrumenting all of crewai
takes minutes); then json_repair and crewai_rust are re-imported under instrumentation, so
coverage guides libFuzzer through the code under test on the Python side. `fuzz()` runs a
target with crashers written to tests/tools/corpus/fuzz_crashers/, which
`test_fuzz_regressions.py` replays on every test run.
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))  # the repository root, for `tests.tools`

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import atheris
    import crewai.tools.tool_usage  # noqa: F401
    from tests.tools.conftest import crewai_parse, crewai_validate_tool_input, outcome
    from tests.tools.test_selection import crewai_choice

    for name in [m for m in sys.modules if m.startswith(("json_repair", "crewai_rust"))]:
        del sys.modules[name]
    with atheris.instrument_imports(include=["json_repair", "crewai_rust"]):
        import json_repair

        from crewai_rust.tools import helpers

RUST = helpers("rust")
CRASHERS = HERE / "corpus" / "fuzz_crashers"

__all__ = [
    "RUST",
    "crewai_choice",
    "crewai_parse",
    "crewai_validate_tool_input",
    "fuzz",
    "json_repair",
    "outcome",
]


def fuzz(check: Callable[[bytes], None], max_len: int, seeds: Path | None = None) -> None:
    """Run libFuzzer on `check` with this process's arguments (a `-max_len` there wins)."""
    CRASHERS.mkdir(parents=True, exist_ok=True)
    args = [*sys.argv, f"-artifact_prefix={CRASHERS}/"]
    if not any(a.startswith("-max_len") for a in args):
        args.append(f"-max_len={max_len}")
    if seeds is not None:
        args.append(str(seeds))

    def one_input(data: bytes) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            check(data)

    atheris.Setup(args, one_input)
    atheris.Fuzz()
