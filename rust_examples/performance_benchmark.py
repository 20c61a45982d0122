#!/usr/bin/env python3
"""The guide's benchmark command: the quick side-by-side benchmark and its ratio table.

    python rust_examples/performance_benchmark.py [--only AREA ...] [--out DIR]

Exactly `nox -s bench -- --quick` without nox: it calls the same `benchmarks.report.main` with
`--quick` in the already-built environment (so build with `maturin develop --profile fast` or
`--release` first: a debug build measures debug code), which runs every area's benchmark with
each baseline (crewai's LanceDB store, crewai's own helper functions, the stdlib and orjson, the
Python reference) measured in the same run, prints one table (operation, workload size,
crewai-rust, baseline, ratio = baseline / crewai-rust, quality columns such as recall), and
writes `bench-report/` (report.json, report.md, PNG charts). Exit status non-zero if an area failed.
Needs the bench extras (`maturin develop --extras test,bench`).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str]) -> int:
    # `benchmarks` is a directory of the repository, not part of the installed package.
    sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)
    os.environ.setdefault("CREWAI_TRACING_ENABLED", "false")
    try:
        from benchmarks.report import main as report_main
    except ImportError as exc:
        print(
            f"cannot run the benchmark: {exc}\ninstall the package with its bench extras first, "
            "e.g. `maturin develop --profile fast --extras test,bench`",
            file=sys.stderr,
        )
        return 2
    args = list(argv)
    if "--quick" not in args:
        args.insert(0, "--quick")
    return report_main(args)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
