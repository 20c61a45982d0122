"""Search after the stores grew the way a crew's memory grows: one `save([record])` per memory.

`bench_memory` fills both stores in batches of 1,000 and then runs `LanceDBStorage.optimize()`,
LanceDB's best case. A crew's `Memory.remember` saves one record at a time instead, and
`LanceDBStorage` compacts in the background every 100 saves, so a real store is searched in
whatever state that leaves. This one-off measurement (not part of `nox -s bench`: growing
LanceDB by 10,000 single saves takes minutes) fills `RustStorage` and `LanceDBStorage` with the
benchmark's records one save at a time, waits for LanceDB's background compaction to settle,
and times top-10 searches of both, interleaved sample by sample.

Run: `python -m benchmarks.lancedb_growth [--n 10000]` in the `bench` nox environment.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks import bench_memory as bm
from benchmarks import harness


def _grow(store: Any, recs: list[Any], label: str) -> list[float]:
    took = []
    for i, rec in enumerate(recs):
        start = time.perf_counter()
        store.save([rec])
        took.append(time.perf_counter() - start)
        if (i + 1) % 2000 == 0:
            harness.progress(f"{label}: {i + 1:,} single saves")
    return took


def _searches(store: Any, queries: list[list[float]]) -> Callable[[], Any]:
    nxt = bm._cycle(queries)
    return lambda: store.search(nxt(), limit=10)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000, help="records to save one by one")
    args = parser.parse_args(argv)
    centres = bm.centres_for(bm.DIM)
    recs = bm.records(bm.clustered(args.n, 11, centres))
    queries = [q.tolist() for q in bm.clustered(200, 99, centres)]
    with tempfile.TemporaryDirectory() as tmp:
        rust, lance = bm._rust(Path(tmp) / "rust"), bm._lancedb(Path(tmp) / "lancedb")
        rust_saves = harness.Timing(tuple(_grow(rust, recs, "RustStorage")))
        lance_saves = harness.Timing(tuple(_grow(lance, recs, "LanceDBStorage")))
        rust.engine.wait_for_index()
        time.sleep(10)  # LanceDB's last background compaction, if one is running
        rt, lt = harness.compare(_searches(rust, queries), _searches(lance, queries))
        size = f"N={args.n:,} dim={bm.DIM}, grown by single saves"
        print(
            f"single save p50 / p99: RustStorage {rust_saves.median * 1e6:.1f} / "
            f"{rust_saves.p99 * 1e6:.1f} µs, LanceDBStorage {lance_saves.median * 1e3:.2f} / "
            f"{lance_saves.p99 * 1e3:.1f} ms"
        )
        print(
            f"search top-10 p50 ({size}): RustStorage {rt.median * 1e6:.0f} µs, "
            f"LanceDBStorage {lt.median * 1e3:.1f} ms, ratio {lt.median / rt.median:.1f}x"
        )
        rust.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
