"""Serialization benchmark: crewai_rust.serialization vs `json` + CrewJSONEncoder, and orjson.

Four crewai-shaped payloads: 100 `MemoryRecord`s, a `CrewOutput` with `TaskOutput`s (20 KB raw
string, JSON dict), a flow state of datetimes/UUIDs/enums, and a 1 MB agent transcript with
non-ASCII text. For each: `dumps` against `json.dumps(cls=CrewJSONEncoder)`, `dumps_compact`
against `orjson.dumps(default=...)`, `loads` against `json.loads`, each timed interleaved with
its baseline and with orjson in the same run (orjson's time and ratio go in `extra`).
"""

from __future__ import annotations

import argparse
import enum
import json
import uuid
import warnings
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
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


def run(quick: bool = False) -> list[Result]:
    import orjson
    from crewai.utilities.crew_json_encoder import CrewJSONEncoder

    from crewai_rust.serialization import implementation

    rust = implementation("rust")
    crew_default = CrewJSONEncoder().default
    samples = 5 if quick else 25
    results: list[Result] = []
    for name, obj in payloads().items():
        harness.progress(f"serialization: {name}")
        text = json.dumps(obj, cls=CrewJSONEncoder)
        assert rust.dumps(obj) == text, f"{name}: dumps differs from the stdlib"
        size = f"{name} ({len(text) / 1024:.0f} KiB JSON)"

        ours, base, peer = _timed(
            [
                lambda o=obj: rust.dumps(o),
                lambda o=obj: json.dumps(o, cls=CrewJSONEncoder),
                lambda o=obj: orjson.dumps(o, default=crew_default),
            ],
            samples,
        )
        results.append(_row("dumps", size, ours, base, "json.dumps(cls=CrewJSONEncoder)", peer))

        ours, peer = _timed(
            [lambda o=obj: rust.dumps_compact(o), lambda o=obj: orjson.dumps(o, default=crew_default)],
            samples,
        )
        results.append(_row("dumps_compact", size, ours, peer, "orjson.dumps(default=crew)", peer))

        ours, base, peer = _timed(
            [lambda t=text: rust.loads(t), lambda t=text: json.loads(t), lambda t=text: orjson.loads(t)],
            samples,
        )
        results.append(_row("loads", size, ours, base, "json.loads", peer))
    return results


def _row(op: str, size: str, ours: Timing, base: Timing, baseline: str, peer: Timing) -> Result:
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


if __name__ == "__main__":
    main()
