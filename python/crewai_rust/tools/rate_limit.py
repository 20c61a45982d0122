"""A requests-per-minute limiter with `RPMController`'s observable behaviour, no timer thread.

crewai's controller counts requests and re-arms a `threading.Timer` every 60 s to reset the
count; a caller over the limit logs "Max RPM reached, waiting for next minute to start.",
sleeps 60 s holding the lock, and counts as the first request afterwards. Here the window
resets lazily when a call notices a period has passed, and the wait happens in Rust with the
interpreter released. `PythonRateLimit` is the reference with the same interface.
"""

from __future__ import annotations

import math
import operator
import threading
import time
from typing import Any

from crewai_rust import _native
from crewai_rust.errors import InvalidInputError

__all__ = ["WAIT_MESSAGE", "PythonRateLimit", "RateLimiter", "check_seconds", "make_limit", "unsigned"]

WAIT_MESSAGE = "Max RPM reached, waiting for next minute to start."


_U64_END = 2**64


def unsigned(name: str, value: object) -> None:
    """Refuse what the Rust side cannot take as an unsigned 64-bit count, with the exception
    types its argument conversion raises."""
    try:
        number = operator.index(value)  # type: ignore[arg-type]
    except TypeError:
        raise TypeError(
            f"argument {name!r}: {type(value).__name__!r} object cannot be interpreted as an integer"
        ) from None
    if number < 0:
        raise OverflowError(f"argument {name!r}: can't convert negative int to unsigned")
    if number >= _U64_END:
        raise OverflowError(f"argument {name!r}: int too big to convert")


def check_seconds(name: str, value: float) -> None:
    """A duration in seconds must be positive, finite and below 2**64 s (what a Rust `Duration`
    holds), as the Rust side checks."""
    if not (math.isfinite(value) and value > 0):
        raise InvalidInputError(
            f"invalid configuration: {name} must be a positive number of seconds, got {value}"
        )
    if value >= _U64_END:
        raise InvalidInputError(f"invalid configuration: {name} must be below 2**64 seconds, got {value:e}")


class PythonRateLimit:
    """The reference limiter: same fixed windows as the Rust `RateLimit`."""

    def __init__(self, max_requests: int, period: float = 60.0) -> None:
        unsigned("max_requests", max_requests)
        check_seconds("period", period)
        self.max_requests = max_requests
        self.period = float(period)
        self._start = time.monotonic()
        self._count = 0
        self._stopped = False
        self._lock = threading.Lock()

    def _roll(self) -> None:
        if self._stopped:
            return
        elapsed = time.monotonic() - self._start
        if elapsed >= self.period:
            self._start += self.period * (elapsed // self.period)
            self._count = 0

    def try_acquire(self) -> bool:
        with self._lock:
            self._roll()
            if self._count < self.max_requests:
                self._count += 1
                return True
            return False

    def wait_and_acquire(self) -> None:
        with self._lock:
            time.sleep(self.period)
            self._start = time.monotonic()
            self._count = 1

    def current(self) -> int:
        with self._lock:
            self._roll()
            return self._count

    def stop(self) -> None:
        with self._lock:
            self._stopped = True


def make_limit(max_requests: int, period: float = 60.0, implementation: str | None = None) -> Any:
    """A limiter: "rust", "python", or None for Rust when the extension loaded."""
    impl = implementation or ("rust" if _native.rust_available() else "python")
    if impl == "rust":
        return _native.core().RateLimit(max_requests, period)
    if impl == "python":
        return PythonRateLimit(max_requests, period)
    raise ValueError(f"implementation must be 'rust' or 'python', got {implementation!r}")


class RateLimiter:
    """`RPMController`'s interface (`check_or_wait`, `stop_rpm_counter`) on a fixed window."""

    def __init__(
        self,
        max_rpm: int | None = None,
        *,
        period: float = 60.0,
        logger: Any = None,
        implementation: str | None = None,
    ) -> None:
        self.max_rpm = max_rpm
        self.logger = logger
        self._limit = None if max_rpm is None else make_limit(max_rpm, period, implementation)

    def check_or_wait(self) -> bool:
        """True once the request may go ahead (after waiting a period if the window is full)."""
        if self._limit is None:
            return True
        if not self._limit.try_acquire():
            if self.logger is not None:
                self.logger.log("info", WAIT_MESSAGE)
            self._limit.wait_and_acquire()
        return True

    def current(self) -> int:
        return 0 if self._limit is None else int(self._limit.current())

    def stop_rpm_counter(self) -> None:
        if self._limit is not None:
            self._limit.stop()
