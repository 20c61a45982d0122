"""What every side-by-side benchmark shares: timing, percentiles and the result row.

A comparison is always measured in one process run: the Rust operation and its baseline
(crewai's own function, the Python reference, or a peer such as orjson) on the same input,
interleaved, so a noisy neighbour slows both alike. Figures are medians; the ratio is
baseline / rust, so "30x" means Rust took 1/30 of the baseline's time.
"""

from __future__ import annotations

import gc
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Result", "Timing", "compare", "measure", "progress"]


@dataclass(frozen=True)
class Timing:
    """Per-call seconds of one operation, from `samples` timed repetitions."""

    samples: tuple[float, ...]

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    def percentile(self, q: float) -> float:
        data = sorted(self.samples)
        if len(data) == 1:
            return data[0]
        pos = (len(data) - 1) * q / 100.0
        lo = int(pos)
        hi = min(lo + 1, len(data) - 1)
        return data[lo] + (data[hi] - data[lo]) * (pos - lo)

    @property
    def p99(self) -> float:
        return self.percentile(99)


def _calls_per_sample(fn: Callable[[], Any], target_s: float) -> int:
    """How many calls make one sample last about `target_s` (timer resolution for µs calls)."""
    start = time.perf_counter()
    fn()
    once = max(time.perf_counter() - start, 1e-7)
    return max(1, min(100_000, int(target_s / once)))


def measure(
    fn: Callable[[], Any], *, samples: int = 30, target_s: float = 0.002, number: int | None = None
) -> Timing:
    """Time `fn`: `samples` samples of `number` calls each (auto-sized to ~target_s per sample)."""
    n = number or _calls_per_sample(fn, target_s)
    out = []
    gc_was = gc.isenabled()
    gc.disable()
    try:
        for _ in range(samples):
            start = time.perf_counter()
            for _ in range(n):
                fn()
            out.append((time.perf_counter() - start) / n)
    finally:
        if gc_was:
            gc.enable()
    return Timing(tuple(out))


def compare(
    rust: Callable[[], Any], baseline: Callable[[], Any], *, samples: int = 30, target_s: float = 0.002
) -> tuple[Timing, Timing]:
    """Time two callables interleaved sample by sample, so machine noise hits both alike."""
    r, b = interleave(rust, baseline, samples=samples, target_s=target_s)
    return r, b


def interleave(*fns: Callable[[], Any], samples: int = 30, target_s: float = 0.002) -> tuple[Timing, ...]:
    """Time any number of callables interleaved sample by sample (one Timing each, in order)."""
    numbers = [_calls_per_sample(fn, target_s) for fn in fns]
    out: list[list[float]] = [[] for _ in fns]
    for _ in range(samples):
        for fn, n, times in zip(fns, numbers, out, strict=True):
            times.extend(measure(fn, samples=1, number=n).samples)
    return tuple(Timing(tuple(t)) for t in out)


@dataclass
class Result:
    """One row of the report: an operation, its size, Rust vs a named baseline."""

    area: str
    operation: str
    size: str
    rust_s: float
    baseline_s: float
    baseline: str
    extra: dict[str, float | str] = field(default_factory=dict)

    @property
    def ratio(self) -> float:
        return self.baseline_s / self.rust_s if self.rust_s > 0 else float("inf")

    def to_dict(self) -> dict[str, Any]:
        return {
            "area": self.area,
            "operation": self.operation,
            "size": self.size,
            "rust_s": self.rust_s,
            "baseline_s": self.baseline_s,
            "baseline": self.baseline,
            "ratio": self.ratio,
            "extra": dict(self.extra),
        }


def progress(message: str) -> None:
    """Progress for long benchmark runs goes to stderr so the report on stdout stays clean."""
    print(f"[bench] {message}", file=sys.stderr, flush=True)
