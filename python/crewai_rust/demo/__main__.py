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
    cmd = [
        sys.executable,
        "-m",
        "crewai_rust.demo.run",
        "--variant",
        variant,
        "--workdir",
        str(root / variant),
    ]
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


def _rust_paths_missing(rust: dict[str, Any]) -> list[str]:
    """What should have run in Rust in the crewai-rust variant but did not."""
    problems = []
    if rust["storage"] != "RustStorage":
        problems.append(f"memory stayed on {rust['storage']}")
    missing = {"memory", "tools", "serialization"} - set(rust["wired"])
    if missing:
        problems.append(f"components not installed: {', '.join(sorted(missing))}")
    return problems


def timing_table(title: str, baseline: dict[str, Any], rust: dict[str, Any]) -> str:
    """Seconds spent per operation (from the PerformanceMonitor), crewai vs crewai-rust."""
    from crewai_rust.integration.instrument import OPERATIONS

    lines = [
        f"{title}: time at crewai's call sites (PerformanceMonitor)",
        f"  {'operation':<52} {'calls':>6} {'crewai':>10} {'crewai-rust':>12} {'ratio':>8}",
    ]
    for name, label in OPERATIONS.items():
        b = baseline.get(name, {"count": 0, "total_s": 0.0})
        r = rust.get(name, {"count": 0, "total_s": 0.0})
        ratio = f"{b['total_s'] / r['total_s']:.1f}x" if r["total_s"] > 0 and b["total_s"] > 0 else "-"
        lines.append(
            f"  {label:<52} {r['count']:>6} {_ms(b['total_s']):>10} {_ms(r['total_s']):>12} {ratio:>8}"
        )
    return "\n".join(lines)


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms" if seconds < 1 else f"{seconds:.2f} s"


def _run_scaled_child(variant: str, root: Path, records: int, cycles: int) -> dict[str, Any]:
    out = root / f"scaled-{variant}.json"
    cmd = [
        sys.executable,
        "-m",
        "crewai_rust.demo.scale",
        "--variant",
        variant,
        "--workdir",
        str(root / f"scaled-{variant}"),
        "--out",
        str(out),
        "--records",
        str(records),
        "--cycles",
        str(cycles),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"scaled demo variant {variant!r} failed:\n{proc.stderr[-4000:]}")
    return json.loads(out.read_text())


def scaled_report(baseline: dict[str, Any], rust: dict[str, Any]) -> str:
    n, cycles = baseline["records"], baseline["cycles"]
    lines = [
        f"scaled run: crewai Memory with {n:,} preloaded records, {cycles} recall/remember cycles",
        f"  memory on {baseline['storage']} (crewai) vs {rust['storage']} (crewai-rust)",
        f"  {'phase':<40} {'crewai':>10} {'crewai-rust':>12} {'ratio':>8}",
    ]
    rows = [
        ("preload (storage.save in batches of 5,000)", "preload_seconds"),
        ("recall/remember cycles, total", "cycle_seconds"),
    ]
    for label, key in rows:
        lines.append(
            f"  {label:<40} {_ms(baseline[key]):>10} {_ms(rust[key]):>12} {baseline[key] / rust[key]:>7.1f}x"
        )
    for method in sorted(set(baseline["storage_seconds"]) | set(rust["storage_seconds"])):
        b = baseline["storage_seconds"].get(method, 0.0)
        r = rust["storage_seconds"].get(method, 0.0)
        calls = rust["storage_calls"].get(method, 0)
        ratio = f"{b / r:.1f}x" if b and r else "-"
        lines.append(
            f"  {'  storage.' + method + f' ({calls} calls)':<40} {_ms(b):>10} {_ms(r):>12} {ratio:>8}"
        )
    same = sum(a == b for a, b in zip(baseline["recalled"], rust["recalled"], strict=True))
    lines.append(
        f"  recalls returning the same records in the same order: {same}/{cycles} (LanceDBStorage scores "
        "1/(1+L2 distance), crewai-rust cosine similarity; crewai's recall mixes that score with recency "
        "and importance, so the order can differ where scores are close)"
    )
    lines.append(
        f"  records at the end: {baseline['final_count']:,} (crewai), {rust['final_count']:,} (crewai-rust)"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m crewai_rust.demo", description=__doc__)
    parser.add_argument("--keep", type=Path, help="keep the run directories here instead of a temp dir")
    parser.add_argument("--records", type=int, default=50_000, help="records preloaded in the scaled run")
    parser.add_argument("--cycles", type=int, default=200, help="recall/remember cycles in the scaled run")
    parser.add_argument("--skip-scaled", action="store_true", help="run only the crew comparison")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        root = args.keep or Path(tmp)
        root.mkdir(parents=True, exist_ok=True)
        baseline = _run_child("crewai", root)
        rust = _run_child("rust", root)
        print("crewai-rust demo: 2 agents, 3 tasks, 4 tools (2 on memory), scripted LLM, offline")
        print(f"  crewai alone: memory on {baseline['storage']}, crew ran in {baseline['seconds']:.3f} s")
        print(
            f"  crewai-rust : memory on {rust['storage']}, installed: {', '.join(rust['wired']) or 'none'}, "
            f"crew ran in {rust['seconds']:.3f} s"
        )
        failures = 0
        for name, diff in compare(baseline, rust):
            failures += diff is not None
            print(
                f"  {'identical' if diff is None else 'DIFFERENT'}: {name}" + (f"  ({diff})" if diff else "")
            )
        problems = _rust_paths_missing(rust)
        for problem in problems:
            print(f"  NOT ON THE RUST PATH: {problem}")
        verdict = "PASSED" if not failures and not problems else "FAILED"
        print(f"identical-output check: {verdict}")
        print()
        print(timing_table("crew run", baseline["timings"], rust["timings"]))
        if not args.skip_scaled:
            print()
            print(
                scaled_report(
                    _run_scaled_child("crewai", root, args.records, args.cycles),
                    _run_scaled_child("rust", root, args.records, args.cycles),
                )
            )
    return 0 if verdict == "PASSED" else 1


if __name__ == "__main__":
    sys.exit(main())
