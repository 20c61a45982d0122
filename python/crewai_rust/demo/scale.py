"""The demo's scaled variant: crewai memory with 50,000 records, then recall/remember cycles.

Here storage dominates, so this is where the memory store's speed shows in a real crewai run.
Records are preloaded through the storage backend (the embedder is deterministic, so the same
records and vectors land in both variants); the cycles then go through crewai's own
`Memory.recall` (shallow) and `Memory.remember` with explicit scope, categories and importance,
which never calls the LLM because the synthetic texts are never near-duplicates.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

__all__ = ["run_scaled"]

WORDS = (  # noqa: SIM905 - a word list reads best as prose
    "alpha amber anchor apple archive atlas beacon birch bridge cable canyon carbon cedar cipher "
    "comet coral cosmos delta desert ember falcon fjord forest galaxy garnet glacier granite harbor "
    "helium horizon indigo island jasper kernel lantern lattice lemon lunar magnet maple meadow "
    "meteor nebula nickel oasis onyx orbit pepper pixel plasma prism quartz quasar raven reef ripple "
    "saffron signal silver summit tundra velvet violet vortex willow zenith"
).split()
SCOPES = [f"/crew/team{t}/agent{a}" for t in range(5) for a in range(4)]
CATEGORIES = ["decision", "fact", "preference", "task", "lesson", "contact", "risk"]


def _text(rng: random.Random, i: int) -> str:
    return f"note {i}: " + " ".join(rng.sample(WORDS, 8))


def run_scaled(variant: str, workdir: Path, records: int, cycles: int) -> dict[str, Any]:
    os.environ["CREWAI_STORAGE_DIR"] = str(workdir)
    os.environ.setdefault("CREWAI_DISABLE_TELEMETRY", "true")
    os.environ.setdefault("OTEL_SDK_DISABLED", "true")
    os.environ.setdefault("CREWAI_TRACING_ENABLED", "false")  # its handler stalls remember() 5 s
    import crewai_rust

    if variant == "rust":
        os.environ["CREWAI_USE_RUST_MEMORY"] = "true"
        crewai_rust.install(memory=True, tools=True, serialization=True)
    from crewai.memory.types import MemoryRecord
    from crewai.memory.unified_memory import Memory

    from crewai_rust.demo.run import timings
    from crewai_rust.integration.instrument import TimedStorage
    from crewai_rust.monitor import PerformanceMonitor
    from crewai_rust.testing import HashEmbedder, ScriptedLLM

    implementation = "rust" if variant == "rust" else "python"
    embedder = HashEmbedder(384)
    memory = Memory(storage=str(workdir / "memory"), embedder=embedder, llm=ScriptedLLM(responses=[]))
    backend = type(memory._storage).__name__
    raw_storage = memory._storage
    monitor = PerformanceMonitor(enabled=True)
    storage = TimedStorage(raw_storage, implementation, monitor)
    memory._storage = storage

    rng = random.Random(7)
    base = datetime(2026, 1, 1)
    # Records and their vectors are built first: only the storage's own work is timed below.
    prepared: list[MemoryRecord] = []
    for i in range(records):
        text = _text(rng, i)
        prepared.append(
            MemoryRecord(
                id=f"pre-{i}",
                content=text,
                scope=SCOPES[i % len(SCOPES)],
                categories=[CATEGORIES[i % len(CATEGORIES)]],
                importance=round(rng.random(), 3),
                created_at=base + timedelta(seconds=i),
                last_accessed=base + timedelta(seconds=i),
                embedding=embedder.embed(text),
            )
        )
    start = time.perf_counter()
    for offset in range(0, records, 5000):
        storage.save(prepared[offset : offset + 5000])
    preload = time.perf_counter() - start
    monitor.reset()

    recalled: list[list[str]] = []
    start = time.perf_counter()
    for c in range(cycles):
        query = " ".join(rng.sample(WORDS, 3))
        scope = SCOPES[c % len(SCOPES)]
        matches = memory.recall(query, scope=scope, limit=5, depth="shallow")
        recalled.append([m.record.content for m in matches])
        memory.remember(
            f"cycle {c}: " + " ".join(rng.sample(WORDS, 8)),
            scope=scope,
            categories=[CATEGORIES[c % len(CATEGORIES)]],
            importance=0.6,
        )
    cycle_seconds = time.perf_counter() - start
    memory.drain_writes()
    measured = timings(monitor, implementation)
    count = raw_storage.count()
    memory.close()
    return {
        "variant": variant,
        "storage": backend,
        "records": records,
        "cycles": cycles,
        "preload_seconds": preload,
        "cycle_seconds": cycle_seconds,
        "storage_seconds": {k[7:]: v["total_s"] for k, v in measured.items() if k.startswith("memory.")},
        "storage_calls": {k[7:]: v["count"] for k, v in measured.items() if k.startswith("memory.")},
        "final_count": count,
        "recalled": recalled,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--variant", required=True, choices=["crewai", "rust"])
    parser.add_argument("--workdir", required=True, type=Path)
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--records", type=int, default=50_000)
    parser.add_argument("--cycles", type=int, default=200)
    args = parser.parse_args(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)
    report = run_scaled(args.variant, args.workdir, args.records, args.cycles)
    args.out.write_text(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
