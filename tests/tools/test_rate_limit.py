"""`RateLimiter` / the limits: RPMController's observable behaviour on short periods."""

from __future__ import annotations

import threading
import time
from typing import Any, ClassVar

import pytest

from crewai_rust.errors import InvalidInputError
from crewai_rust.tools import RateLimiter, make_limit
from crewai_rust.tools.rate_limit import WAIT_MESSAGE


class _Log:
    def __init__(self) -> None:
        self.lines: list[tuple[str, str]] = []

    def log(self, level: str, message: str) -> None:
        self.lines.append((level, message))


def test_no_limit_never_waits(impl):
    limiter = RateLimiter(None, implementation=impl)
    assert all(limiter.check_or_wait() for _ in range(1000))


def test_within_the_limit_no_wait(impl):
    log = _Log()
    limiter = RateLimiter(3, period=5.0, logger=log, implementation=impl)
    start = time.monotonic()
    assert [limiter.check_or_wait() for _ in range(3)] == [True, True, True]
    assert time.monotonic() - start < 1.0
    assert log.lines == []
    assert limiter.current() == 3


def test_over_the_limit_logs_and_waits_a_period(impl):
    log = _Log()
    limiter = RateLimiter(1, period=0.2, logger=log, implementation=impl)
    limiter.check_or_wait()
    start = time.monotonic()
    assert limiter.check_or_wait() is True
    assert time.monotonic() - start >= 0.2
    assert log.lines == [("info", WAIT_MESSAGE)]
    assert limiter.current() == 1  # the waiting request is the first of the new window


def test_window_resets_after_a_period(impl):
    limit = make_limit(2, 0.1, impl)
    assert [limit.try_acquire() for _ in range(3)] == [True, True, False]
    time.sleep(0.12)
    assert limit.try_acquire() is True


def test_stop_freezes_the_count(impl):
    limit = make_limit(1, 0.05, impl)
    limit.try_acquire()
    limit.stop()
    time.sleep(0.07)
    assert limit.try_acquire() is False


def test_waiters_queue_other_threads_keep_running(impl):
    limit = make_limit(1, 0.3, impl)
    limit.try_acquire()
    ticks: list[int] = []
    stop = threading.Event()

    def ticker() -> None:
        while not stop.is_set():
            ticks.append(1)
            time.sleep(0.01)

    t = threading.Thread(target=ticker)
    t.start()
    limit.wait_and_acquire()
    stop.set()
    t.join()
    assert len(ticks) >= 10  # the wait released the interpreter


@pytest.mark.parametrize("period", [0.0, -1.0, float("inf"), float("nan")])
def test_bad_period_is_rejected(impl, period):
    with pytest.raises(InvalidInputError, match="period must be a positive"):
        make_limit(1, period, impl)


@pytest.mark.parametrize("period", [1e300, 2.0**64])
def test_period_beyond_a_duration_is_rejected_not_a_panic(impl, period):
    # Regression: the Rust limiter panicked (pyo3 PanicException) converting such a period.
    with pytest.raises(InvalidInputError, match="period must be below 2\\*\\*64 seconds"):
        make_limit(1, period, impl)


@pytest.mark.parametrize(
    ("max_requests", "error"),
    [(-1, OverflowError), (2**64, OverflowError), (2.5, TypeError), (None, TypeError)],
)
def test_both_limits_refuse_a_bad_max_requests(impl, max_requests, error):
    with pytest.raises(error):
        make_limit(max_requests, 1.0, impl)


class _HeldTimer:
    """Stands in for crewai's `threading.Timer`: never starts; the test fires it by hand, at
    the moment the real one would get crewai's lock (right after the sleeping caller)."""

    armed: ClassVar[list[_HeldTimer]] = []

    def __init__(self, interval: float, function: Any) -> None:
        self.function = function
        self.daemon = False
        _HeldTimer.armed.append(self)

    def start(self) -> None:
        pass

    def cancel(self) -> None:
        pass


def test_post_wait_window_differs_from_crewai_as_documented(impl, monkeypatch):
    # docs/tools.md: crewai's timer, blocked on the lock during the 60 s sleep, resets the count
    # right after it, so the waiting request is not counted in the next window; here the new
    # window starts at the end of the wait and the waiting request is its first grant.
    from crewai.utilities import rpm_controller

    _HeldTimer.armed = []
    # `rpm_controller.time` / `.threading` are the global modules: patched only for crewai's part.
    with monkeypatch.context() as patch:
        patch.setattr(rpm_controller.threading, "Timer", _HeldTimer)
        patch.setattr(rpm_controller.time, "sleep", lambda seconds: None)
        crewai_rpm = rpm_controller.RPMController(max_rpm=2)
        assert [crewai_rpm.check_or_wait() for _ in range(3)] == [True, True, True]
        assert crewai_rpm._current_rpm == 1  # the waiting request, until the blocked timer runs
        _HeldTimer.armed[0].function()
        crewai_grants_after_wait = 0
        while crewai_rpm._current_rpm < 2:
            crewai_rpm.check_or_wait()
            crewai_grants_after_wait += 1
        assert crewai_grants_after_wait == 2

    period = 0.4
    limit = make_limit(2, period, impl)
    assert [limit.try_acquire(), limit.try_acquire(), limit.try_acquire()] == [True, True, False]
    window_start = time.monotonic()
    limit.wait_and_acquire()
    wait_end = time.monotonic()
    assert wait_end - window_start >= period
    assert limit.current() == 1  # counted in the new window, unlike crewai after its timer
    grants_after_wait = 0
    while limit.try_acquire():
        grants_after_wait += 1
    assert grants_after_wait == crewai_grants_after_wait - 1
    # The new window is anchored at the end of the wait, not at the old window's boundaries:
    # half a period after the wait (past the old window's next boundary) it is still full...
    time.sleep(max(0.0, wait_end + period / 2 - time.monotonic()))
    still_in_new_window = time.monotonic() - wait_end < period
    assert limit.try_acquire() is False or not still_in_new_window
    # ...and it resets one full period after the wait.
    time.sleep(max(0.0, wait_end + period * 1.05 - time.monotonic()))
    assert limit.try_acquire() is True
