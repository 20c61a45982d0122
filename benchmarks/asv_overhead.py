"""asv suite: the fixed per-call costs of the monitor and of a call into the extension."""

from __future__ import annotations

from crewai_rust import _native
from crewai_rust.monitor import PerformanceMonitor


def _noop(*_: object) -> None:
    return None


class MonitorOverhead:
    """What wrapping a call in the monitor costs, off and on (no A/B sampling)."""

    def setup(self) -> None:
        self.off = PerformanceMonitor(enabled=False, ab_sample=0.0)
        self.on = PerformanceMonitor(enabled=True, ab_sample=0.0)

    def time_ab_call_monitor_off(self) -> None:
        self.off.ab_call("noop", _noop, _noop, 1)

    def time_ab_call_monitor_on(self) -> None:
        self.on.ab_call("noop", _noop, _noop, 1)

    def time_record_operation_on(self) -> None:
        self.on.record_operation("noop", 1e-6, "rust")


class ExtensionCall:
    """The fixed cost of one call into `_core` through the guarded binding path."""

    def setup(self) -> None:
        if not _native.rust_available():
            raise NotImplementedError("extension not loaded")  # asv records this as skipped
        self.noop = _native.core()._noop

    def time_noop(self) -> None:
        self.noop()


def peakmem_monitor_100k_records() -> None:
    """The histogram keeps memory bounded however many calls are recorded."""
    m = PerformanceMonitor()
    for i in range(100_000):
        m.record_operation("op", (i % 5000 + 1) * 1e-6, "rust")


def track_histogram_buckets() -> int:
    """Buckets used for durations spread over 12 decades: bounded by design (<= 1,633)."""
    m = PerformanceMonitor()
    for i in range(20_000):
        m.record_operation("op", 10 ** (-9 + 12 * i / 20_000), "rust")
    return len(m._stats[("op", "rust")].buckets)


track_histogram_buckets.unit = "buckets"  # type: ignore[attr-defined]
