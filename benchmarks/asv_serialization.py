"""asv suite: crewai_rust.serialization dumps / dumps_compact / loads on small crewai-like data.

Deliberately light (no crewai import, sub-millisecond calls) so history stays cheap to build;
`benchmarks/bench_serialization.py` has the full payloads and the comparisons.
"""

from __future__ import annotations

import enum
import json
import uuid
from datetime import datetime, timedelta
from typing import Any

from crewai_rust import _native


class _Stage(enum.Enum):
    RUNNING = "running"
    DONE = "done"


def _flow_state() -> dict[str, Any]:
    t0 = datetime(2025, 1, 2, 3, 4, 5)
    return {
        "id": str(uuid.UUID(int=1)),
        "steps": [
            {"step": i, "run": uuid.UUID(int=i), "stage": _Stage.DONE, "at": t0 + timedelta(seconds=i)}
            for i in range(100)
        ],
    }


def _records() -> list[dict[str, Any]]:
    return [
        {"id": i, "content": f"memory {i}: résumé of the meeting", "scope": "/crew/a", "importance": i / 100}
        for i in range(100)
    ]


class Serialization:
    """The Rust implementation on a flow state (datetimes, UUIDs, enums) and plain records."""

    def setup(self) -> None:
        if not _native.rust_available():
            raise NotImplementedError("extension not loaded")  # asv records this as skipped
        from crewai_rust.serialization import implementation

        self.js = implementation("rust")
        self.state = _flow_state()
        self.records = _records()
        self.text = json.dumps(self.records)
        self.transcript = "Réunion : 会议顺利 😀 next step. " * 3000

    def time_dumps_flow_state(self) -> None:
        self.js.dumps(self.state)

    def time_dumps_records(self) -> None:
        self.js.dumps(self.records)

    def time_dumps_compact_records(self) -> None:
        self.js.dumps_compact(self.records)

    def time_dumps_non_ascii_text(self) -> None:
        self.js.dumps(self.transcript)

    def time_loads_records(self) -> None:
        self.js.loads(self.text)

    def peakmem_dumps_records(self) -> None:
        self.js.dumps(self.records)


def track_dumps_speedup_vs_stdlib_records() -> float:
    """json.dumps time / Rust dumps time on the records (a ratio, machine-independent-ish)."""
    import timeit

    if not _native.rust_available():
        raise NotImplementedError("extension not loaded")
    from crewai_rust.serialization import implementation

    js = implementation("rust")
    records = _records()
    ours = min(timeit.repeat(lambda: js.dumps(records), number=200, repeat=5))
    base = min(timeit.repeat(lambda: json.dumps(records), number=200, repeat=5))
    return base / ours


track_dumps_speedup_vs_stdlib_records.unit = "x"  # type: ignore[attr-defined]
