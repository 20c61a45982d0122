"""The fixed costs crewai-rust adds to a call: the monitor (off, on, A/B-sampled) and the extension.

Each row compares the instrumented call with the same call made directly, so the ratio is
below 1 and `overhead_s` in the extra column is the absolute cost per call. The sampled A/B
rows show what `CREWAI_RUST_AB_SAMPLE=1` costs at several payload sizes (deep copy of the
input, a second run, the comparison); a real rollout samples a small fraction of calls.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from typing import Any

from benchmarks.harness import Result, compare, progress
from crewai_rust import _native
from crewai_rust.monitor import PerformanceMonitor

AREA = "overhead"


def _noop(_: Any) -> None:
    return None


def _noop3(_a: Any, _b: Any, _c: Any) -> None:
    """Same arity as record_operation, so the baseline pays the same argument passing."""
    return None


def _row(
    operation: str,
    size: str,
    instrumented: Callable[[], Any],
    direct: Callable[[], Any],
    baseline: str,
    quick: bool,
) -> Result:
    progress(f"{AREA}: {operation} ({size})")
    samples = 10 if quick else 30
    measured, base = compare(instrumented, direct, samples=samples, target_s=0.001 if quick else 0.002)
    return Result(
        area=AREA,
        operation=operation,
        size=size,
        rust_s=measured.median,
        baseline_s=base.median,
        baseline=baseline,
        extra={"overhead_s": measured.median - base.median, "p99_s": measured.p99},
    )


def run(quick: bool) -> list[Result]:
    off = PerformanceMonitor(enabled=False, ab_sample=0.0)
    on = PerformanceMonitor(enabled=True, ab_sample=0.0)
    results = [
        _row(
            "monitor off: ab_call",
            "1 call",
            lambda: off.ab_call("noop", _noop, _noop, 1),
            lambda: _noop(1),
            "direct call",
            quick,
        ),
        _row(
            "monitor off: record_operation",
            "1 call",
            lambda: off.record_operation("noop", 1e-6, "rust"),
            lambda: _noop3("noop", 1e-6, "rust"),
            "empty Python function",
            quick,
        ),
        _row(
            "monitor on: record_operation",
            "1 call",
            lambda: on.record_operation("noop", 1e-6, "rust"),
            lambda: _noop3("noop", 1e-6, "rust"),
            "empty Python function",
            quick,
        ),
        _row(
            "monitor on: ab_call",
            "1 call",
            lambda: on.ab_call("noop", _noop, _noop, 1),
            lambda: _noop(1),
            "direct call",
            quick,
        ),
    ]
    if _native.rust_available():
        core_noop = _native.core()._noop
        results.append(
            _row("extension call _core._noop()", "1 call", core_noop, lambda: None, "Python no-op", quick)
        )
    else:
        progress(f"{AREA}: extension not loaded ({_native.load_error()}); extension call row skipped")

    sampled = PerformanceMonitor(enabled=False, ab_sample=1.0)
    for n in (10, 1_000) if quick else (10, 100, 1_000, 10_000):
        payload = [{"id": i, "text": f"record {i}", "score": i / 7} for i in range(n)]
        results.append(
            _row(
                "A/B sampled call (rate 1.0): json.dumps",
                f"{n} records",
                lambda p=payload: sampled.ab_call("dumps", json.dumps, json.dumps, p),
                lambda p=payload: json.dumps(p),
                "direct json.dumps",
                quick,
            )
        )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    from benchmarks.report import format_table

    print(format_table(run(args.quick)))


if __name__ == "__main__":
    main()
