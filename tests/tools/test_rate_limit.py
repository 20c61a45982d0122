"""`RateLimiter` / the limits: RPMController's observable behaviour on short periods."""

from __future__ import annotations

import threading
import time

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
