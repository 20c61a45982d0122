"""Where the per-record time of `RustStorage` reads goes: a layer-by-layer timing script.

Not a side-by-side benchmark (no baseline, so `report.py` does not run it): it prints medians of
each layer of a search top-10 and of a 200-record listing, measured in one process, so their
differences say what the records' fields cost besides the embedding floats (the floor every
backend returning crewai records pays). Records are the benchmark's (`bench_memory.records`:
crew-like scopes, categories, task metadata, naive datetimes); a second store holds the same
records without embeddings, so a listing there is the per-record cost of everything else.

    python -m benchmarks.memory_record_layers [--n 2000] [--dim 1536]
"""

from __future__ import annotations

import argparse
import json
import tempfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
from crewai.memory.types import MemoryRecord

from benchmarks import harness
from benchmarks.bench_memory import centres_for, clustered, records
from crewai_rust.memory import RustStorage
from crewai_rust.memory._convert import from_fields


def _us(fn: Callable[[], Any], samples: int = 41) -> tuple[float, float]:
    """Median and minimum µs a call (the minimum is the steadier figure on a loaded machine)."""
    t = harness.measure(fn, samples=samples, target_s=0.01)
    return t.median * 1e6, min(t.samples) * 1e6


def _record_kw(engine: Any) -> dict[str, Any]:
    """How this build's engine returns finished records, if it can (else field dicts)."""
    try:
        engine.get("", model=MemoryRecord)
    except TypeError:
        return {"fields": True}
    return {"model": MemoryRecord}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--dim", type=int, default=1536)
    args = ap.parse_args(argv)
    vectors = clustered(args.n, 3, centres_for(args.dim)).astype(np.float32)
    recs = records(vectors)
    bare = [r.model_copy(update={"embedding": None}) for r in recs]
    rows: list[tuple[str, tuple[float, float]]] = []
    with tempfile.TemporaryDirectory() as tmp:
        full = RustStorage(Path(tmp) / "full", impl="rust")
        plain = RustStorage(Path(tmp) / "plain", impl="rust")
        for i in range(0, len(recs), 1000):
            full.save(recs[i : i + 1000])
            plain.save(bare[i : i + 1000])
        full.engine.wait_for_index()
        kw = _record_kw(full.engine)
        queries = [v.tolist() for v in clustered(64, 11, centres_for(args.dim))]
        it = iter(range(10**12))

        def q() -> list[float]:
            return queries[next(it) % len(queries)]

        eng, peng = full.engine, plain.engine

        def add(name: str, fn: Callable[[], Any], samples: int = 41) -> None:
            rows.append((name, _us(fn, samples)))

        add("search top-10: RustStorage.search", lambda: full.search(q(), limit=10))
        add(f"search top-10: engine.search({next(iter(kw))}=...)", lambda: eng.search(q(), limit=10, **kw))
        add("search top-10: engine.search (engine dicts, numpy)", lambda: eng.search(q(), limit=10))
        add("search top-1: engine.search (engine dicts, numpy)", lambda: eng.search(q(), limit=1))
        vecs = [row["embedding"] for row, _ in eng.search(queries[0], limit=10)]
        add("10 embedding lists alone (tolist, the floor)", lambda: [v.tolist() for v in vecs])

        add("list_records(200): RustStorage", lambda: full.list_records(limit=200), 15)
        lvecs = [row["embedding"] for row in eng.list_records(None, limit=200)]
        add("200 embedding lists alone (the floor)", lambda: [v.tolist() for v in lvecs], 15)
        add("no embeddings, list_records(200): RustStorage", lambda: plain.list_records(limit=200))
        add("no embeddings, engine.list_records(200, records)", lambda: peng.list_records(None, 200, **kw))
        add("no embeddings, engine.list_records(200) dicts", lambda: peng.list_records(None, limit=200))
        add("no embeddings, engine.count() (a call's fixed cost)", lambda: peng.count())
        rid = bare[7].id
        add("get_record: RustStorage", lambda: full.get_record(rid))
        add("get_record, no embedding: RustStorage", lambda: plain.get_record(rid))

        # The pieces of one record done in Python, for scale.
        row = peng.get(rid)
        text, meta = row["created_at"], row["metadata"]
        add("piece: datetime.fromisoformat (one)", lambda: datetime.fromisoformat(text))
        add("piece: json.loads of the metadata", lambda: json.loads(meta))
        fields = peng.get(rid, fields=True)
        add("piece: _convert.from_fields (one)", lambda: from_fields(dict(fields)))
        full.close()
        plain.close()

    width = max(len(name) for name, _ in rows)
    print(f"{'layer':<{width}}  {'median':>10}  {'min':>10}")
    for name, (med, low) in rows:
        print(f"{name:<{width}}  {med:10.2f}  {low:10.2f} us")
    d = dict(rows)
    for i, what in enumerate(("median", "min")):
        per = d["no embeddings, list_records(200): RustStorage"][i] / 200
        beyond = d["list_records(200): RustStorage"][i] - d["200 embedding lists alone (the floor)"][i]
        print(
            f"per record ({what}s): without embeddings {per:.2f} us (listing / 200); "
            f"beyond the floats {beyond / 200:.2f} us ((listing - floor) / 200)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
