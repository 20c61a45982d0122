"""Performance monitoring and A/B comparison of the Rust and Python implementations.

`PerformanceMonitor` keeps, per operation and implementation, a count, sum, min, max and a
fixed log-bucket histogram (bounded memory, percentiles within 1.6%) for p50/p95/p99. It is cheap
when disabled: `record_operation` returns after one attribute test. Its A/B mode serves a
rollout: with `CREWAI_RUST_AB_SAMPLE=0.01` (or `configure(ab_sample=0.01)`) one call in a hundred
made through `ab_call` also runs the Python reference on a copy of the same input, records both
timings and records (and logs) any difference of results with enough detail to reproduce it.
The monitor subscribes to nothing in crewai: it sees only calls routed through it.
"""

from __future__ import annotations

import copy
import functools
import json
import logging
import math
import os
import pickle
import random
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from crewai_rust import flags
from crewai_rust._abcompare import Mismatch, outcome_repr, qualname, results_equal, short_repr
from crewai_rust._histogram import LatencyHistogram

__all__ = [
    "MONITOR_ENV",
    "LatencyHistogram",
    "Mismatch",
    "PerformanceMonitor",
    "ab_call",
    "ab_checked",
    "get_monitor",
    "results_equal",
]

logger = logging.getLogger("crewai_rust.monitor")

MONITOR_ENV = "CREWAI_RUST_MONITOR"
"""Set to 1/true to have the global monitor (`get_monitor()`) record timings from the start."""

T = TypeVar("T")

# How long an A/B rate read from the environment is trusted; configure() acts at once.
_ENV_RATE_TTL_S = 1.0
_MAX_REPR = 4096


def _fmt_s(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g}{unit}"
    return f"{seconds / 1e-9:.3g}ns"


def _copy_input(value: T) -> T | None:
    """A deep copy of a call's input, or None when it cannot be copied.

    A pickle round trip first: for plain data (dicts, lists, strings, numpy arrays, pydantic
    models) it is ~4x faster than `copy.deepcopy`, which is the fallback for what pickle refuses.
    """
    try:
        return pickle.loads(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
    except Exception:
        pass
    try:
        return copy.deepcopy(value)
    except Exception:
        return None


class PerformanceMonitor:
    """Timings of operations per implementation ("rust", "python", or any label), thread-safe.

    `enabled=False` makes `record_operation`, `time` and unsampled `ab_call`s record nothing.
    Sampled A/B calls always record: asking for A/B sampling is asking to measure.
    `ab_sample=None` follows `crewai_rust.flags.ab_sample()`; a number fixes this monitor's rate.
    """

    def __init__(
        self,
        *,
        enabled: bool = True,
        ab_sample: float | None = None,
        max_mismatches: int = 100,
        max_repr: int = _MAX_REPR,
        seed: int | None = None,
    ) -> None:
        if ab_sample is not None:
            ab_sample = flags._check_rate(ab_sample, "ab_sample")
        for name, bound in (("max_mismatches", max_mismatches), ("max_repr", max_repr)):
            if isinstance(bound, bool) or not isinstance(bound, int):
                raise TypeError(f"{name} must be an int, got {type(bound).__name__}")
            if bound < 1:
                raise ValueError(f"{name} must be at least 1, got {bound!r}")
        self._enabled = bool(enabled)
        self._fixed_rate = ab_sample
        self._max_repr = max_repr
        self._lock = threading.Lock()
        self._stats: dict[tuple[str, str], LatencyHistogram] = {}
        self._ab_counts: dict[str, list[int]] = {}  # operation -> [compared, mismatched]
        self._mismatches: deque[Mismatch] = deque(maxlen=max_mismatches)
        self._rng = random.Random(seed)
        self._env_rate = 0.0
        self._env_rate_expiry = -math.inf

    # -- switches ---------------------------------------------------------------------------

    @property
    def enabled(self) -> bool:
        return self._enabled

    def enable(self) -> None:
        self._enabled = True

    def disable(self) -> None:
        self._enabled = False

    def reset(self) -> None:
        """Forget every timing, A/B count and mismatch, and re-read the A/B rate's environment
        variable on the next call (switches are kept)."""
        with self._lock:
            self._stats.clear()
            self._ab_counts.clear()
            self._mismatches.clear()
            self._env_rate_expiry = -math.inf

    def ab_rate(self) -> float:
        """The fraction of `ab_call`s that also run the reference right now."""
        if self._fixed_rate is not None:
            return self._fixed_rate
        # configure(ab_sample=...) must act at once; the environment is re-read at most once a
        # second because reading os.environ costs ~1 µs, more than the rest of a disabled call.
        override = flags._ab_sample
        if override is not None:
            return override
        now = time.monotonic()
        if now >= self._env_rate_expiry:
            self._env_rate = flags.ab_sample()
            self._env_rate_expiry = now + _ENV_RATE_TTL_S
        return self._env_rate

    # -- recording --------------------------------------------------------------------------

    def record_operation(self, name: str, duration: float, implementation: str) -> None:
        """Record one call of `name` that took `duration` seconds in `implementation`."""
        if self._enabled:
            self._record(name, duration, implementation)

    def _record(self, name: str, duration: float, implementation: str) -> None:
        try:
            valid = 0.0 <= duration < math.inf
        except TypeError:
            valid = False
        if not valid:
            raise ValueError(f"duration must be a finite number of seconds >= 0, got {duration!r}")
        key = (name, implementation)
        with self._lock:
            stats = self._stats.get(key)
            if stats is None:
                # Checked once per series, not per call: the hot path stays a dict lookup.
                if not isinstance(name, str) or not isinstance(implementation, str):
                    raise TypeError(
                        f"operation name and implementation must be str, got {type(name).__name__} "
                        f"and {type(implementation).__name__}"
                    )
                stats = self._stats[key] = LatencyHistogram()
            stats.add(float(duration))

    @contextmanager
    def time(self, name: str, implementation: str) -> Iterator[None]:
        """Time the block (recorded even if it raises, since failed calls cost time too)."""
        if not self._enabled:
            yield
            return
        start = time.perf_counter()
        try:
            yield
        finally:
            self._record(name, time.perf_counter() - start, implementation)

    def timed(self, name: str, implementation: str) -> Callable[[Callable[..., T]], Callable[..., T]]:
        """Decorator form of `time`."""

        def decorate(fn: Callable[..., T]) -> Callable[..., T]:
            @functools.wraps(fn)
            def wrapper(*args: Any, **kwargs: Any) -> T:
                if not self._enabled:
                    return fn(*args, **kwargs)
                start = time.perf_counter()
                try:
                    return fn(*args, **kwargs)
                finally:
                    self._record(name, time.perf_counter() - start, implementation)

            return wrapper

        return decorate

    # -- A/B ---------------------------------------------------------------------------------

    def ab_call(
        self,
        name: str,
        rust_fn: Callable[..., T] | None,
        python_fn: Callable[..., T],
        /,
        *args: Any,
        **kwargs: Any,
    ) -> T:
        """Call `rust_fn(*args, **kwargs)` and return (or raise) what it does.

        With probability `ab_rate()` also run `python_fn` on a deep copy of the same input,
        record both timings and compare the outcomes with `results_equal`. `rust_fn=None`
        (extension unavailable) runs `python_fn` alone. The reference never changes what the
        caller gets: its result is only compared, its exceptions only compared.
        """
        return self._dispatch(name, rust_fn, python_fn, args, kwargs, results_equal)

    def ab(
        self,
        name: str,
        rust_fn: Callable[..., T] | None,
        python_fn: Callable[..., T],
        *,
        compare: Callable[[Any, Any], bool] = results_equal,
    ) -> Callable[..., T]:
        """`ab_call` bound into a function, e.g. the replacement an `install()` patch applies."""
        primary = rust_fn if rust_fn is not None else python_fn

        @functools.wraps(primary)
        def wrapper(*args: Any, **kwargs: Any) -> T:
            return self._dispatch(name, rust_fn, python_fn, args, kwargs, compare)

        return wrapper

    def _dispatch(
        self,
        name: str,
        rust_fn: Callable[..., T] | None,
        python_fn: Callable[..., T],
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        compare: Callable[[Any, Any], bool],
    ) -> T:
        if rust_fn is None:
            return self._timed_call(name, "python", python_fn, args, kwargs)
        rate = self.ab_rate()
        if rate and self._rng.random() < rate:
            return self._compare_call(name, rust_fn, python_fn, args, kwargs, compare)
        if not self._enabled:  # the common production path: one call, nothing recorded
            return rust_fn(*args, **kwargs)
        return self._timed_call(name, "rust", rust_fn, args, kwargs)

    def _timed_call(
        self, name: str, impl: str, fn: Callable[..., T], args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> T:
        if not self._enabled:
            return fn(*args, **kwargs)
        start = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            self._record(name, time.perf_counter() - start, impl)

    def _compare_call(
        self,
        name: str,
        rust_fn: Callable[..., T],
        python_fn: Callable[..., T],
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        compare: Callable[[Any, Any], bool],
    ) -> T:
        # The copy is taken before the Rust call so an implementation that mutates its input
        # cannot hand the reference a different input.
        copied = _copy_input((args, kwargs))
        ref_args, ref_kwargs = copied if copied is not None else (args, kwargs)
        rust_out: Any = None
        rust_exc: Exception | None = None
        start = time.perf_counter()
        try:
            rust_out = rust_fn(*args, **kwargs)
        except Exception as exc:
            rust_exc = exc
        rust_s = time.perf_counter() - start
        py_out: Any = None
        py_exc: Exception | None = None
        start = time.perf_counter()
        try:
            py_out = python_fn(*ref_args, **ref_kwargs)
        except Exception as exc:
            py_exc = exc
        py_s = time.perf_counter() - start

        if rust_exc is not None or py_exc is not None:
            same = type(rust_exc) is type(py_exc)
            kind = "exception"
        else:
            try:
                same = bool(compare(rust_out, py_out))
            except Exception:
                same = False
            kind = "result"
        self._record(name, rust_s, "rust")
        self._record(name, py_s, "python")
        with self._lock:
            counts = self._ab_counts.setdefault(name, [0, 0])
            counts[0] += 1
            if not same:
                counts[1] += 1
        if not same:
            self._report_mismatch(
                Mismatch(
                    operation=name,
                    kind=kind,
                    rust=outcome_repr(rust_out, rust_exc, self._max_repr),
                    python=outcome_repr(py_out, py_exc, self._max_repr),
                    rust_function=qualname(rust_fn),
                    python_function=qualname(python_fn),
                    args=short_repr(ref_args, self._max_repr),
                    kwargs=short_repr(ref_kwargs, self._max_repr),
                    input_copied=copied is not None,
                    rust_s=rust_s,
                    python_s=py_s,
                    timestamp=time.time(),
                )
            )
        if rust_exc is not None:
            raise rust_exc
        return rust_out

    def _report_mismatch(self, mismatch: Mismatch) -> None:
        with self._lock:
            self._mismatches.append(mismatch)
        logger.warning(
            "crewai_rust A/B mismatch in %s (%s): rust %s returned %s; python %s returned %s; "
            "reproduce with args=%s kwargs=%s",
            mismatch.operation,
            mismatch.kind,
            mismatch.rust_function,
            mismatch.rust,
            mismatch.python_function,
            mismatch.python,
            mismatch.args,
            mismatch.kwargs,
        )

    # -- reading -----------------------------------------------------------------------------

    def operations(self) -> list[str]:
        with self._lock:
            return sorted({name for name, _ in self._stats})

    def stats(self, name: str, implementation: str) -> dict[str, float | int | None]:
        """count, total_s, mean_s, min_s, max_s, p50_s, p95_s, p99_s (None where no data)."""
        with self._lock:
            stats = self._stats.get((name, implementation))
            return (stats or LatencyHistogram()).snapshot()

    def mismatches(self, name: str | None = None) -> list[Mismatch]:
        """The most recent mismatches (bounded by `max_mismatches`), oldest first."""
        with self._lock:
            return [m for m in self._mismatches if name is None or m.operation == name]

    def ab_counts(self, name: str) -> tuple[int, int]:
        """(compared, mismatched) A/B calls of `name` since the last reset."""
        with self._lock:
            compared, mismatched = self._ab_counts.get(name, (0, 0))
            return compared, mismatched

    def get_performance_comparison(self, name: str) -> dict[str, Any]:
        """Rust average, Python average and improvement (python_avg / rust_avg) of `name`.

        Averages are None for an implementation with no recorded call, and the improvement is
        None unless both have one. Counts and p50/p95/p99 of both sides come along.
        """
        rust = self.stats(name, "rust")
        python = self.stats(name, "python")
        rust_avg, python_avg = rust["mean_s"], python["mean_s"]
        improvement = python_avg / rust_avg if rust_avg and python_avg is not None else None
        compared, mismatched = self.ab_counts(name)
        return {
            "operation": name,
            "rust_avg": rust_avg,
            "python_avg": python_avg,
            "improvement": improvement,
            "rust": rust,
            "python": python,
            "ab_compared": compared,
            "ab_mismatches": mismatched,
        }

    def to_dict(self) -> dict[str, Any]:
        with self._lock:
            keys = sorted(self._stats)
        operations: dict[str, Any] = {}
        for name, impl in keys:
            entry = operations.setdefault(name, {"implementations": {}})
            entry["implementations"][impl] = self.stats(name, impl)
        for name, entry in operations.items():
            comparison = self.get_performance_comparison(name)
            entry["improvement"] = comparison["improvement"]
            entry["ab_compared"] = comparison["ab_compared"]
            entry["ab_mismatches"] = comparison["ab_mismatches"]
        return {
            "enabled": self._enabled,
            "ab_sample": self.ab_rate(),
            "operations": operations,
            "mismatches": [m.to_dict() for m in self.mismatches()],
        }

    def to_json(self, **kwargs: Any) -> str:
        return json.dumps(self.to_dict(), **kwargs)

    def report(self) -> str:
        """A plain-text table: one row per operation and implementation, then the comparisons."""
        header = ("operation", "impl", "count", "mean", "p50", "p95", "p99", "max", "vs python", "A/B diff")
        rows = [header]
        data = self.to_dict()["operations"]
        for name, entry in data.items():
            for impl, s in entry["implementations"].items():
                ratio = entry["improvement"] if impl == "rust" else None
                ab = f"{entry['ab_mismatches']}/{entry['ab_compared']}" if entry["ab_compared"] else "-"
                rows.append(
                    (
                        name,
                        impl,
                        str(s["count"]),
                        _fmt_s(s["mean_s"]),
                        _fmt_s(s["p50_s"]),
                        _fmt_s(s["p95_s"]),
                        _fmt_s(s["p99_s"]),
                        _fmt_s(s["max_s"]),
                        f"{ratio:.2f}x" if ratio is not None else "-",
                        ab if impl == "rust" else "-",
                    )
                )
        if len(rows) == 1:
            return "no operations recorded"
        widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
        lines = [
            "  ".join(
                c.ljust(w) if i < 2 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True))
            )
            for r in rows
        ]
        lines.insert(1, "-" * len(lines[0]))
        return "\n".join(lines)


_global: PerformanceMonitor | None = None
_global_lock = threading.Lock()


def get_monitor() -> PerformanceMonitor:
    """The process-wide monitor that crewai-rust's components and `install()` report to.

    It records timings only when `CREWAI_RUST_MONITOR` is set to a true value or after
    `get_monitor().enable()`; A/B sampling works either way.
    """
    global _global
    if _global is None:
        with _global_lock:
            if _global is None:
                on = flags.parse_flag(os.environ.get(MONITOR_ENV, "false"), name=MONITOR_ENV) == "true"
                _global = PerformanceMonitor(enabled=on)
    return _global


def ab_call(
    name: str, rust_fn: Callable[..., T] | None, python_fn: Callable[..., T], /, *args: Any, **kwargs: Any
) -> T:
    """`get_monitor().ab_call(...)`: what components' public functions call."""
    return get_monitor()._dispatch(name, rust_fn, python_fn, args, kwargs, results_equal)


def ab_checked(
    name: str, reference: Callable[..., Any], *, compare: Callable[[Any, Any], bool] = results_equal
) -> Callable[[Callable[..., T]], Callable[..., T]]:
    """Decorator for a Rust-backed public function: each call goes through the global monitor's
    A/B dispatch against `reference` (looked up at call time, so `get_monitor()` settings apply).

        @ab_checked("tools.parse", reference=python_parse)
        def parse(text: str) -> AgentAction: ...
    """

    def decorate(fn: Callable[..., T]) -> Callable[..., T]:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> T:
            return get_monitor()._dispatch(name, fn, reference, args, kwargs, compare)

        return wrapper

    return decorate
