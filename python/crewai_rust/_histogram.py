"""The bounded latency histogram behind `PerformanceMonitor`'s percentiles.

Count, sum, exact min/max and a log-bucket histogram: 32 linear buckets per power of two (an
HDR-histogram layout whose bucket is found with `math.frexp`, no `log()` on the hot path), so a
percentile is within 1/64 of the true value and memory stays bounded however many calls are
recorded.
"""

from __future__ import annotations

import math

__all__ = ["LatencyHistogram"]

# Sub-buckets per power of two. Buckets are linear inside an octave (HDR-histogram style), so
# the bucket of a value is found with frexp alone: no log() on the hot path.
_SUB = 32
# Durations are clamped into [1 ns, ~11.6 days] for bucketing only (min/max stay exact), which
# caps a histogram at ~50 octaves * 32 = 1,600 buckets whatever is recorded.
_FLOOR = 1e-9
_CEIL = 1e6
_ZERO_BUCKET = -(2**31)
_TWO_SUB = 2 * _SUB
_frexp = math.frexp


def _bucket(duration: float) -> int:
    if duration <= 0.0:
        return _ZERO_BUCKET
    mantissa, exponent = math.frexp(min(max(duration, _FLOOR), _CEIL))
    return exponent * _SUB + int((mantissa - 0.5) * 2 * _SUB)


def _bucket_mid(index: int) -> float:
    if index == _ZERO_BUCKET:
        return 0.0
    exponent, sub = divmod(index, _SUB)
    return math.ldexp(0.5 + (sub + 0.5) / (2 * _SUB), exponent)


class LatencyHistogram:
    """Count, sum, exact min/max and a log-bucket histogram of durations in seconds.

    Not thread-safe on its own: `PerformanceMonitor` guards it with its lock.
    """

    __slots__ = ("buckets", "count", "max", "min", "total")

    def __init__(self) -> None:
        self.count = 0
        self.total = 0.0
        self.min = math.inf
        self.max = 0.0
        self.buckets: dict[int, int] = {}

    def add(self, duration: float) -> None:
        self.count += 1
        self.total += duration
        if duration < self.min:
            self.min = duration
        if duration > self.max:
            self.max = duration
        # _bucket() inlined: this runs on every recorded call.
        if duration > 0.0:
            if not _FLOOR <= duration <= _CEIL:
                duration = min(max(duration, _FLOOR), _CEIL)
            mantissa, exponent = _frexp(duration)
            index = exponent * _SUB + int((mantissa - 0.5) * _TWO_SUB)
        else:
            index = _ZERO_BUCKET
        buckets = self.buckets
        buckets[index] = buckets.get(index, 0) + 1

    @property
    def mean(self) -> float | None:
        return self.total / self.count if self.count else None

    def percentile(self, q: float) -> float | None:
        """The q-th percentile (0-100): the middle of its bucket, clamped to the exact min/max."""
        if not 0.0 <= q <= 100.0:
            raise ValueError(f"percentile must be between 0 and 100, got {q!r}")
        if not self.count:
            return None
        rank = max(1, math.ceil(q / 100.0 * self.count))
        seen = 0
        for index in sorted(self.buckets):
            seen += self.buckets[index]
            if seen >= rank:
                return min(max(_bucket_mid(index), self.min), self.max)
        return self.max

    def snapshot(self) -> dict[str, float | int | None]:
        return {
            "count": self.count,
            "total_s": self.total,
            "mean_s": self.mean,
            "min_s": self.min if self.count else None,
            "max_s": self.max if self.count else None,
            "p50_s": self.percentile(50),
            "p95_s": self.percentile(95),
            "p99_s": self.percentile(99),
        }
