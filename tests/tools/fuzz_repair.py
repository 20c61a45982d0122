"""Differential fuzzing of the Rust json_repair port with atheris (`nox -s fuzz`).

libFuzzer starts from the broken-JSON corpus (`corpus/broken_json.jsonl`, one seed file per
entry) and mutates it, so most inputs stay JSON-shaped and reach the repair heuristics rather
than failing at the first byte. Each input, decoded to a str, goes through `repair_json`,
`parse_tool_input` and the ReAct parser (as an Action Input), Rust-backed and crewai's own
(json_repair, `_validate_tool_input`, `parse`); any difference is a crash. Crashers are written
to tests/tools/corpus/fuzz_crashers/ and replayed by `test_fuzz_regressions.py`; the bootstrap
is `fuzz_common`.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from fuzz_common import HERE, RUST, crewai_parse, crewai_validate_tool_input, fuzz, json_repair, outcome


def check(data: bytes) -> None:
    """Raises AssertionError when the Rust repair path and crewai disagree on `data`."""
    text = data.decode("utf-8", "surrogateescape")
    assert outcome(RUST.repair_json, text) == outcome(json_repair.repair_json, text), text
    assert outcome(RUST.parse_tool_input, text) == outcome(crewai_validate_tool_input, text), text
    react = f"Thought: t\nAction: search\nAction Input: {text}"
    assert outcome(RUST.parse_agent_output, react) == outcome(crewai_parse, react), text


def main() -> None:
    seeds = Path(tempfile.mkdtemp(prefix="crewai-rust-repair-seeds-"))
    lines = (HERE / "corpus" / "broken_json.jsonl").read_text(encoding="utf-8").splitlines()
    for i, line in enumerate(lines):
        (seeds / f"seed{i:04d}").write_text(json.loads(line)["text"], encoding="utf-8")
    fuzz(check, max_len=1024, seeds=seeds)


if __name__ == "__main__":
    main()
