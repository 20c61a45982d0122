"""Differential fuzzing of the Rust json_repair port with atheris (`nox -s fuzz`).

libFuzzer starts from the broken-JSON corpus (`corpus/broken_json.jsonl`, one seed file per
entry) and mutates it, so most inputs stay JSON-shaped and reach the repair heuristics rather
than failing at the first byte. Each input, decoded to a str, goes through `repair_json`,
`parse_tool_input` and the ReAct parser (as an Action Input), Rust-backed and crewai's own
(json_repair, `_validate_tool_input`, `parse`); any difference is a crash. Crashers are written
to tests/tools/corpus/fuzz_crashers/ and replayed by `test_fuzz_regressions.py`.
"""

from __future__ import annotations

import json
import sys
import tempfile
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))  # the repository root, for `tests.tools`

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import atheris
    import crewai.tools.tool_usage  # noqa: F401
    from tests.tools.conftest import crewai_parse, crewai_validate_tool_input, outcome

    for name in [m for m in sys.modules if m.startswith(("json_repair", "crewai_rust"))]:
        del sys.modules[name]
    with atheris.instrument_imports(include=["json_repair", "crewai_rust"]):
        import json_repair

        from crewai_rust.tools import helpers

RUST = helpers("rust")


def check(data: bytes) -> None:
    """Raises AssertionError when the Rust repair path and crewai disagree on `data`."""
    text = data.decode("utf-8", "surrogateescape")
    assert outcome(RUST.repair_json, text) == outcome(json_repair.repair_json, text), text
    assert outcome(RUST.parse_tool_input, text) == outcome(crewai_validate_tool_input, text), text
    react = f"Thought: t\nAction: search\nAction Input: {text}"
    assert outcome(RUST.parse_agent_output, react) == outcome(crewai_parse, react), text


def main() -> None:
    crashers = HERE / "corpus" / "fuzz_crashers"
    crashers.mkdir(parents=True, exist_ok=True)
    seeds = Path(tempfile.mkdtemp(prefix="crewai-rust-repair-seeds-"))
    lines = (HERE / "corpus" / "broken_json.jsonl").read_text(encoding="utf-8").splitlines()
    for i, line in enumerate(lines):
        (seeds / f"seed{i:04d}").write_text(json.loads(line)["text"], encoding="utf-8")
    args = [*sys.argv, f"-artifact_prefix={crashers}/"]
    if not any(a.startswith("-max_len") for a in args):
        args.append("-max_len=1024")
    args.append(str(seeds))

    def one_input(data: bytes) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            check(data)

    atheris.Setup(args, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
