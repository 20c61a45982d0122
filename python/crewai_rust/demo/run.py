"""Runs one variant of the demo crew in this process and reports what it did as JSON.

Variants: "crewai" (crewai alone: LanceDB memory, crewai's parser, tool input handling and JSON)
and "rust" (the same after `crewai_rust.install()` with every component enabled). Each variant
runs in its own process (see `__main__`), so patches and crewai's global state never leak.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import sys
import time
from pathlib import Path
from typing import Any

__all__ = ["run_variant", "timings"]


def _quiet_environment(workdir: Path) -> None:
    os.environ["CREWAI_STORAGE_DIR"] = str(workdir)  # an absolute path: crewai stores under it
    os.environ.setdefault("CREWAI_DISABLE_TELEMETRY", "true")
    os.environ.setdefault("OTEL_SDK_DISABLED", "true")
    os.environ.setdefault("CREWAI_TRACING_ENABLED", "false")


def _task_output_rows(workdir: Path) -> list[dict[str, Any]]:
    """The rows crewai's own KickoffTaskOutputsSQLiteStorage wrote, minus wall-clock fields."""
    db = workdir / "latest_kickoff_task_outputs.db"
    if not db.exists():
        return []
    with sqlite3.connect(db) as conn:
        conn.row_factory = sqlite3.Row
        rows = [
            dict(r) for r in conn.execute("SELECT * FROM latest_kickoff_task_outputs ORDER BY task_index")
        ]
    for row in rows:
        row.pop("timestamp", None)
        row.pop("task_id", None)  # a fresh uuid per Task object
        for key in ("output", "inputs"):
            if isinstance(row.get(key), str):
                row[key] = json.loads(row[key])
        if isinstance(row.get("output"), dict):
            row["output"].pop("id", None)
    return rows


def _memory_records(memory: Any) -> list[dict[str, Any]]:
    memory.drain_writes()
    records = memory.list_records(limit=10_000)
    out = [
        {
            "content": r.content,
            "scope": r.scope,
            "categories": list(r.categories),
            "metadata": r.metadata,
            "importance": r.importance,
            "source": r.source,
            "private": r.private,
        }
        for r in records
    ]
    return sorted(out, key=lambda r: (r["scope"], r["content"]))


def _messages_text(calls: list[Any]) -> list[Any]:
    # Task and agent ids are fresh uuids per run; everything else the LLM saw must be identical.
    return json.loads(json.dumps(calls, default=str))


def timings(monitor: Any, implementation: str) -> dict[str, dict[str, float]]:
    """Per operation: calls and total seconds measured at crewai's call sites; storage methods
    ("memory.<method>") are also summed under "memory"."""
    out: dict[str, dict[str, float]] = {}
    for name in monitor.operations():
        stats = monitor.stats(name, implementation)
        if not stats.get("count"):
            continue
        out[name] = {"count": stats["count"], "total_s": stats["total_s"]}
        if name.startswith("memory."):
            total = out.setdefault("memory", {"count": 0, "total_s": 0.0})
            total["count"] += stats["count"]
            total["total_s"] += stats["total_s"]
    return out


def run_variant(variant: str, workdir: Path) -> dict[str, Any]:
    _quiet_environment(workdir)
    import crewai_rust
    from crewai_rust.demo.crew import build_crew

    wired: list[str] = []
    if variant == "rust":
        crewai_rust.configure(memory=True, tools=True, serialization=True)
        os.environ["CREWAI_USE_RUST_MEMORY"] = "true"
        wired = crewai_rust.install()
    elif variant != "crewai":
        raise ValueError(f"unknown variant {variant!r}; expected 'crewai' or 'rust'")

    from crewai_rust.integration.instrument import TimedStorage, instrument
    from crewai_rust.monitor import PerformanceMonitor

    implementation = "rust" if variant == "rust" else "python"
    monitor = PerformanceMonitor(enabled=True)
    instrument(monitor, implementation)
    demo = build_crew(str(workdir / "memory"))
    backend = type(demo.memory._storage).__name__
    demo.memory._storage = TimedStorage(demo.memory._storage, implementation, monitor)
    start = time.perf_counter()
    result: Any = demo.crew.kickoff()  # a CrewOutput: the crew does not stream
    elapsed = time.perf_counter() - start
    report = {
        "variant": variant,
        "wired": wired,
        "storage": backend,
        "final_output": result.raw,
        "task_outputs": [t.raw for t in result.tasks_output],
        "tool_calls": [list(c) for c in demo.tools.calls],
        "prompts": {name: _messages_text(llm.calls) for name, llm in demo.llms.items()},
        "memory_records": _memory_records(demo.memory),
        "stored_task_outputs": _task_output_rows(workdir),
        "seconds": elapsed,
        "timings": timings(monitor, implementation),
    }
    demo.memory.close()
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--variant", required=True, choices=["crewai", "rust"])
    parser.add_argument("--workdir", required=True, type=Path)
    parser.add_argument("--out", required=True, type=Path)
    args = parser.parse_args(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)
    report = run_variant(args.variant, args.workdir)
    args.out.write_text(json.dumps(report, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
