"""`python -m crewai_rust.demo`: run the demo crew with crewai alone, then with crewai-rust.

Each variant runs in a child process; this parent checks that final outputs, tool calls,
every prompt the LLMs saw, task outputs stored by crewai, and memory records are identical,
and prints where the time went. Exit status 1 when anything differs.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

COMPARED = ("final_output", "task_outputs", "tool_calls", "prompts", "stored_task_outputs", "memory_records")


def _run_child(variant: str, root: Path) -> dict[str, Any]:
    out = root / f"{variant}.json"
    cmd = [sys.executable, "-m", "crewai_rust.demo.run", "--variant", variant, "--workdir", str(root / variant)]
    proc = subprocess.run([*cmd, "--out", str(out)], capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"demo variant {variant!r} failed:\n{proc.stderr[-4000:]}")
    return json.loads(out.read_text())


def _first_difference(a: Any, b: Any, path: str = "") -> str | None:
    if type(a) is not type(b):
        return f"{path}: {type(a).__name__} != {type(b).__name__}"
    if isinstance(a, dict):
        for key in sorted(set(a) | set(b), key=str):
            if key not in a or key not in b:
                return f"{path}.{key}: present in only one run"
            diff = _first_difference(a[key], b[key], f"{path}.{key}")
            if diff:
                return diff
        return None
    if isinstance(a, list):
        if len(a) != len(b):
            return f"{path}: {len(a)} items != {len(b)} items"
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            diff = _first_difference(x, y, f"{path}[{i}]")
            if diff:
                return diff
        return None
    return None if a == b else f"{path}: {a!r:.200} != {b!r:.200}"


def compare(baseline: dict[str, Any], rust: dict[str, Any]) -> list[tuple[str, str | None]]:
    """(field, first difference or None) for every compared field."""
    return [(name, _first_difference(baseline[name], rust[name], name)) for name in COMPARED]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m crewai_rust.demo", description=__doc__)
    parser.add_argument("--keep", type=Path, help="keep the run directories here instead of a temp dir")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        root = args.keep or Path(tmp)
        root.mkdir(parents=True, exist_ok=True)
        baseline = _run_child("crewai", root)
        rust = _run_child("rust", root)
    print("crewai-rust demo: 2 agents, 3 tasks, 2 tools + memory tools, scripted LLM (offline)")
    print(f"  crewai alone: memory on {baseline['storage']}, {baseline['seconds']:.3f} s")
    print(f"  crewai-rust : memory on {rust['storage']}, components wired: {', '.join(rust['wired']) or 'none'}, "
          f"{rust['seconds']:.3f} s")
    failures = 0
    for name, diff in compare(baseline, rust):
        failures += diff is not None
        print(f"  {'identical' if diff is None else 'DIFFERENT'}: {name}" + (f"  ({diff})" if diff else ""))
    print("identical-output check:", "PASSED" if failures == 0 else f"FAILED ({failures} fields differ)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
