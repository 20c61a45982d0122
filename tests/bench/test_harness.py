"""The timing harness: callables compared in one run are timed interleaved, sample by sample."""

from __future__ import annotations

import time

from benchmarks import harness


def test_interleave_times_each_callable_in_turn_with_its_own_samples():
    calls: list[str] = []

    def sleeper(name: str, seconds: float):
        def fn() -> None:
            calls.append(name)
            time.sleep(seconds)

        return fn

    # Each call outlasts target_s, so every sample is one call and the call order is visible.
    a, b, c = harness.interleave(
        sleeper("a", 0.003), sleeper("b", 0.004), sleeper("c", 0.006), samples=3, target_s=0.002
    )
    assert calls == ["a", "b", "c"] + ["a", "b", "c"] * 3
    assert [len(t.samples) for t in (a, b, c)] == [3, 3, 3]
    # time.sleep never returns early, so each Timing holds its own callable's time.
    assert [min(t.samples) >= s for t, s in ((a, 0.003), (b, 0.004), (c, 0.006))] == [True] * 3


def test_compare_is_the_two_callable_interleave():
    calls: list[str] = []
    r, b = harness.compare(lambda: calls.append("r"), lambda: calls.append("b"), samples=5, target_s=0)
    assert calls == ["r", "b"] + ["r", "b"] * 5
    assert len(r.samples) == len(b.samples) == 5
