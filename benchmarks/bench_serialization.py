"""Serialization benchmark: crewai_rust.serialization vs `json` + CrewJSONEncoder, and orjson.

Four crewai-shaped payloads: 100 `MemoryRecord`s, a `CrewOutput` with `TaskOutput`s (20 KB raw
string, JSON dict), a flow state of datetimes/UUIDs/enums, and a 1 MB agent transcript with
non-ASCII text. For each: `dumps` against `json.dumps(cls=CrewJSONEncoder)`, `dumps_compact`
against `orjson.dumps(default=...)`, `loads` against `json.loads`, each timed interleaved with
its baseline and with orjson in the same run (orjson's time and ratio go in `extra`).

`loads` rows also carry `cpu_marshal_ms`: CPython's `marshal.loads` rebuilding the same value
from its binary form, no text to parse, so nearly all of it is creating and freeing the
objects. It is a reference for how fast CPython itself makes that object graph; a text reader
that is near or under it has little left to cut but object creation, which `json.loads` pays
too (`marshal_bound` = json.loads CPU / marshal CPU).
"""

from __future__ import annotations

import argparse
import enum
import json
import marshal
import time
import uuid
import warnings
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from functools import partial
from typing import Any

from benchmarks import harness
from benchmarks.harness import Result, Timing

AREA = "serialization"


class Stage(enum.Enum):
    PLANNING = "planning"
    RUNNING = "running"
    DONE = "done"


def _crewai() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import crewai  # noqa: F401


def payloads() -> dict[str, Any]:
    """The issue's crewai-shaped payloads, deterministic."""
    _crewai()
    from crewai.crews.crew_output import CrewOutput
    from crewai.memory.types import MemoryRecord
    from crewai.tasks.task_output import TaskOutput
    from crewai.types.usage_metrics import UsageMetrics

    t0 = datetime(2025, 1, 2, 3, 4, 5, 678901)
    records = [
        MemoryRecord(
            id=str(uuid.UUID(int=i)),
            content=f"Memory {i}: the analyst found that revenue grew {i % 17}% — résumé noted.",
            scope=f"/crew/research/agent-{i % 4}",
            categories=["finding", "finance", f"q{i % 4 + 1}"],
            metadata={"task": f"task-{i}", "confidence": round(i / 101, 4), "tags": ["a", "b"], "n": i},
            importance=(i % 10) / 10,
            created_at=t0 + timedelta(minutes=i),
            last_accessed=t0 + timedelta(hours=i),
            source="agent",
        )
        for i in range(100)
    ]
    raw = ("The quarterly analysis shows steady growth across all regions. " * 320)[:20_000]
    json_dict = {
        "summary": raw[:500],
        "metrics": {f"m{i}": i * 1.25 for i in range(50)},
        "items": [{"id": i, "label": f"item {i}", "ok": i % 2 == 0} for i in range(50)],
    }
    tasks = [
        TaskOutput(
            description=f"Task {i}: analyse the report",
            expected_output="A structured analysis",
            raw=raw,
            json_dict=json_dict,
            agent="Analyst",
        )
        for i in range(3)
    ]
    crew_output = CrewOutput(raw=raw, json_dict=json_dict, tasks_output=tasks, token_usage=UsageMetrics())
    flow_state = {
        "id": str(uuid.UUID(int=1)),
        "started": t0.replace(tzinfo=timezone.utc),
        "steps": [
            {
                "step": i,
                "run_id": uuid.UUID(int=i * 7919),
                "stage": list(Stage)[i % 3],
                "at": t0 + timedelta(seconds=i),
                "day": date(2025, 1, 1 + i % 28),
                "cost": Decimal(f"{i}.25"),
                "ok": i % 5 != 0,
            }
            for i in range(300)
        ],
    }
    sentence = "L'agent a résumé la réunion : 会议顺利 😀 — next step, vérifier les données. "
    turns, size = [], 0
    i = 0
    while size < 1_000_000:
        content = f"[{i}] " + sentence * 12
        turns.append({"role": "assistant" if i % 2 else "user", "content": content, "turn": i})
        size += len(content.encode())
        i += 1
    transcript = {"agent": "Researcher", "messages": turns}
    return {
        "memory_records_x100": records,
        "crew_output_20kb": crew_output,
        "flow_state": flow_state,
        "transcript_1mb": transcript,
    }


def _timed(fns: list[Callable[[], Any]], samples: int) -> list[Timing]:
    """Interleave the callables sample by sample (machine noise hits each alike)."""
    numbers = [harness._calls_per_sample(fn, 0.002) for fn in fns]
    out: list[list[float]] = [[] for _ in fns]
    for _ in range(samples):
        for k, fn in enumerate(fns):
            out[k].extend(harness.measure(fn, samples=1, number=numbers[k]).samples)
    return [Timing(tuple(s)) for s in out]


def _cpu_ms(fn: Callable[[], Any], repeats: int) -> float:
    """Best per-call CPU time of this thread, in ms: unlike wall time it does not count the
    time the process waits for a core, which dominates on a shared, overloaded machine."""
    n = max(1, harness._calls_per_sample(fn, 0.01))
    best = float("inf")
    for _ in range(repeats):
        start = time.thread_time()
        for _ in range(n):
            fn()
        best = min(best, (time.thread_time() - start) / n)
    return best * 1e3


def run(quick: bool = False) -> list[Result]:
    import orjson
    from crewai.utilities.crew_json_encoder import CrewJSONEncoder

    from crewai_rust.serialization import implementation

    rust = implementation("rust")
    crew_default = CrewJSONEncoder().default
    samples = 5 if quick else 25
    repeats = 3 if quick else 7
    results: list[Result] = []
    for name, obj in payloads().items():
        harness.progress(f"serialization: {name}")
        text = json.dumps(obj, cls=CrewJSONEncoder)
        assert rust.dumps(obj) == text, f"{name}: dumps differs from the stdlib"
        size = f"{name} ({len(text) / 1024:.0f} KiB JSON)"
        peer_dumps = partial(orjson.dumps, obj, default=crew_default)
        ops: list[tuple[str, str, list[Callable[[], Any]]]] = [
            (
                "dumps",
                "json.dumps(cls=CrewJSONEncoder)",
                [partial(rust.dumps, obj), partial(json.dumps, obj, cls=CrewJSONEncoder), peer_dumps],
            ),
            ("dumps_compact", "orjson.dumps(default=crew)", [partial(rust.dumps_compact, obj), peer_dumps]),
            (
                "loads",
                "json.loads",
                [partial(rust.loads, text), partial(json.loads, text), partial(orjson.loads, text)],
            ),
        ]
        for op, baseline, fns in ops:
            timings = _timed(fns, samples)
            cpu = [_cpu_ms(fn, repeats) for fn in fns]
            # dumps_compact's baseline is orjson itself.
            base, peer = (timings[1], timings[1]) if len(fns) == 2 else (timings[1], timings[2])
            cpu = cpu if len(fns) == 3 else [cpu[0], cpu[1], cpu[1]]
            row = _row(op, size, timings[0], base, baseline, peer, cpu)
            if op == "loads":
                blob = marshal.dumps(json.loads(text))
                marshal_ms = _cpu_ms(partial(marshal.loads, blob), repeats)
                row.extra["cpu_marshal_ms"] = marshal_ms
                row.extra["marshal_bound"] = cpu[1] / marshal_ms
            results.append(row)
    return results


def _row(
    op: str, size: str, ours: Timing, base: Timing, baseline: str, peer: Timing, cpu: list[float]
) -> Result:
    return Result(
        area=AREA,
        operation=op,
        size=size,
        rust_s=ours.median,
        baseline_s=base.median,
        baseline=baseline,
        extra={
            "orjson_s": peer.median,
            "orjson_vs_rust": peer.median / ours.median,
            "rust_p99_s": ours.p99,
            "cpu_rust_ms": cpu[0],
            "cpu_baseline_ms": cpu[1],
            "cpu_orjson_ms": cpu[2],
            "cpu_ratio": cpu[1] / cpu[0],
            "cpu_orjson_vs_rust": cpu[2] / cpu[0],
        },
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer samples")
    args = parser.parse_args()
    rows = run(quick=args.quick)
    cols = ("operation", "payload", "rust", "baseline", "ratio", "orjson", "orjson/rust")
    print(f"{cols[0]:<14} {cols[1]:<40} {cols[2]:>10} {cols[3]:>10} {cols[4]:>7} {cols[5]:>10} {cols[6]:>11}")
    for r in rows:
        orj = float(r.extra["orjson_s"])
        print(
            f"{r.operation:<14} {r.size:<40} {r.rust_s * 1e3:>8.3f}ms {r.baseline_s * 1e3:>8.3f}ms"
            f" {r.ratio:>6.1f}x  {orj * 1e3:>8.3f}ms {orj / r.rust_s:>10.2f}x   vs {r.baseline}"
        )
    print("\nCPU time (thread_time, best of repeats; robust to a loaded machine):")
    for r in rows:
        e = r.extra
        print(
            f"{r.operation:<14} {r.size:<40} rust {float(e['cpu_rust_ms']):8.3f}ms"
            f"  baseline {float(e['cpu_baseline_ms']):8.3f}ms ({float(e['cpu_ratio']):5.1f}x)"
            f"  orjson {float(e['cpu_orjson_ms']):8.3f}ms (orjson/rust {float(e['cpu_orjson_vs_rust']):4.2f})"
            + (f"  marshal.loads {float(e['cpu_marshal_ms']):8.3f}ms" if "cpu_marshal_ms" in e else "")
        )


if __name__ == "__main__":
    main()
