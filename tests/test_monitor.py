"""PerformanceMonitor: statistics, bounds, thread safety, and the A/B mode's comparisons."""

from __future__ import annotations

import json
import logging
import math
import random
import threading

import numpy as np
import pytest

from crewai_rust import flags, monitor
from crewai_rust.monitor import LatencyHistogram, PerformanceMonitor, get_monitor, results_equal


def test_comparison_gives_both_averages_and_their_ratio():
    m = PerformanceMonitor()
    rust, python = [0.001, 0.002, 0.003], [0.004, 0.005, 0.009]
    for d in rust:
        m.record_operation("search", d, "rust")
    for d in python:
        m.record_operation("search", d, "python")
    c = m.get_performance_comparison("search")
    assert c["rust_avg"] == pytest.approx(sum(rust) / 3)
    assert c["python_avg"] == pytest.approx(sum(python) / 3)
    assert c["improvement"] == pytest.approx(sum(python) / sum(rust))
    assert c["rust"]["count"] == 3
    assert c["python"]["count"] == 3
    assert c["rust"]["min_s"] == 0.001
    assert c["python"]["max_s"] == 0.009


def test_comparison_with_one_side_missing_has_no_ratio():
    m = PerformanceMonitor()
    m.record_operation("parse", 0.5, "rust")
    c = m.get_performance_comparison("parse")
    assert c["rust_avg"] == 0.5
    assert c["python_avg"] is None
    assert c["improvement"] is None
    assert m.get_performance_comparison("never")["rust_avg"] is None


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_percentiles_are_within_bucket_error_of_exact_ones(seed):
    rng = random.Random(seed)
    samples = [rng.lognormvariate(math.log(1e-4), 1.5) for _ in range(5000)]
    m = PerformanceMonitor()
    for d in samples:
        m.record_operation("op", d, "rust")
    s = m.stats("op", "rust")
    for q in (50, 95, 99):
        # "inverted_cdf" is the order statistic the histogram approximates (rank = ceil(q n))
        exact = float(np.percentile(samples, q, method="inverted_cdf"))
        assert s[f"p{q}_s"] == pytest.approx(exact, rel=1 / 32)
    assert s["min_s"] == min(samples)
    assert s["max_s"] == max(samples)
    assert s["mean_s"] == pytest.approx(sum(samples) / len(samples))


def test_extreme_percentiles_are_the_exact_min_and_max():
    h = LatencyHistogram()
    for d in (3e-6, 7e-3, 0.0, 2.5):
        h.add(d)
    assert h.percentile(0) == 0.0
    assert h.percentile(100) == 2.5
    with pytest.raises(ValueError, match="percentile"):
        h.percentile(101)


def test_memory_is_bounded_whatever_the_durations():
    m = PerformanceMonitor()
    rng = random.Random(0)
    for _ in range(50_000):
        m.record_operation("op", 10 ** rng.uniform(-15, 12), "rust")
    hist = m._stats[("op", "rust")]
    assert hist.count == 50_000
    # 1 ns .. 1e6 s spans 50 octaves of 32 buckets, plus the zero bucket.
    assert len(hist.buckets) <= 51 * 32 + 1


@pytest.mark.parametrize("bad", [-1.0, math.nan, math.inf, "1s", None])
def test_invalid_durations_are_rejected_with_a_clear_error(bad):
    m = PerformanceMonitor()
    with pytest.raises(ValueError, match="duration must be a finite number"):
        m.record_operation("op", bad, "rust")
    assert m.operations() == []


def test_disabled_monitor_records_nothing_until_enabled():
    m = PerformanceMonitor(enabled=False)
    m.record_operation("op", 0.1, "rust")
    with m.time("op", "rust"):
        pass
    assert m.stats("op", "rust")["count"] == 0
    m.enable()
    m.record_operation("op", 0.1, "rust")
    with m.time("op", "python"):
        pass
    assert m.stats("op", "rust")["count"] == 1
    assert m.stats("op", "python")["count"] == 1
    m.disable()
    m.record_operation("op", 0.1, "rust")
    assert m.stats("op", "rust")["count"] == 1


def test_time_and_timed_record_even_when_the_call_raises():
    m = PerformanceMonitor()

    @m.timed("boom", "python")
    def boom() -> None:
        raise KeyError("x")

    with pytest.raises(KeyError):
        boom()
    with pytest.raises(ZeroDivisionError), m.time("div", "rust"):
        _ = 1 / 0
    assert m.stats("boom", "python")["count"] == 1
    assert m.stats("div", "rust")["count"] == 1
    assert boom.__name__ == "boom"


def test_concurrent_recording_loses_nothing():
    m = PerformanceMonitor()
    per_thread = 5_000

    def work(i: int) -> None:
        for j in range(per_thread):
            m.record_operation(f"op{i % 2}", (j + 1) * 1e-6, "rust")

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    expected_total = 4 * sum((j + 1) * 1e-6 for j in range(per_thread))
    for name in ("op0", "op1"):
        s = m.stats(name, "rust")
        assert s["count"] == 4 * per_thread
        assert s["total_s"] == pytest.approx(expected_total)


def test_report_and_export_cover_every_operation():
    m = PerformanceMonitor()
    m.record_operation("memory.search", 0.002, "rust")
    m.record_operation("memory.search", 0.010, "python")
    m.record_operation("tools.parse", 0.001, "python")
    table = m.report()
    lines = table.splitlines()
    assert lines[0].split()[:2] == ["operation", "impl"]
    assert any(line.split()[:2] == ["memory.search", "rust"] and "5.00x" in line for line in lines)
    assert any(line.split()[:2] == ["tools.parse", "python"] for line in lines)
    exported = json.loads(m.to_json())
    assert exported == json.loads(json.dumps(m.to_dict()))
    ops = exported["operations"]
    assert set(ops) == {"memory.search", "tools.parse"}
    assert ops["memory.search"]["improvement"] == pytest.approx(5.0)
    assert ops["tools.parse"]["implementations"]["python"]["count"] == 1
    m.reset()
    assert m.operations() == []
    assert m.report() == "no operations recorded"


# -- A/B --------------------------------------------------------------------------------------


def _double(xs: list[int]) -> list[int]:
    return [2 * x for x in xs]


def _double_reference(xs: list[int]) -> list[int]:
    out = []
    for x in xs:
        out.append(x + x)
    return out


def _double_wrong(xs: list[int]) -> list[int]:
    """A deliberately broken 'reference': off by one on negative numbers."""
    return [2 * x + (1 if x < 0 else 0) for x in xs]


def test_unsampled_calls_time_only_what_ran():
    m = PerformanceMonitor(ab_sample=0.0)
    calls = []

    def reference(xs: list[int]) -> list[int]:
        calls.append(xs)
        return _double_reference(xs)

    assert m.ab_call("double", _double, reference, [1, 2]) == [2, 4]
    assert calls == []
    assert m.stats("double", "rust")["count"] == 1
    assert m.stats("double", "python")["count"] == 0
    assert m.ab_counts("double") == (0, 0)


def test_sampled_matching_calls_record_both_timings_and_no_mismatch():
    m = PerformanceMonitor(ab_sample=1.0)
    for n in range(20):
        assert m.ab_call("double", _double, _double_reference, list(range(n))) == _double(list(range(n)))
    assert m.ab_counts("double") == (20, 0)
    assert m.stats("double", "rust")["count"] == 20
    assert m.stats("double", "python")["count"] == 20
    assert m.mismatches() == []
    comparison = m.get_performance_comparison("double")
    assert comparison["improvement"] == pytest.approx(comparison["python_avg"] / comparison["rust_avg"])


def test_deliberate_mismatch_is_recorded_and_logged_with_the_input(caplog):
    m = PerformanceMonitor(ab_sample=1.0, enabled=False)
    with caplog.at_level(logging.WARNING, logger="crewai_rust.monitor"):
        assert m.ab_call("double", _double, _double_wrong, [3, 4]) == [6, 8]
        got = m.ab_call(
            "double",
            _double,
            _double_wrong,
            [5, -7],
        )
    assert got == [10, -14]  # the caller always gets the primary's result
    assert m.ab_counts("double") == (2, 1)
    (mm,) = m.mismatches("double")
    assert mm.kind == "result"
    assert mm.rust == "[10, -14]"
    assert mm.python == "[10, -13]"
    assert mm.args == "([5, -7],)"
    assert mm.kwargs == "{}"
    assert mm.input_copied
    assert mm.rust_function.endswith("_double")
    assert mm.python_function.endswith("_double_wrong")
    # Enough to reproduce: the logged args evaluate back to an input that shows the difference.
    (args,) = [r for r in caplog.records if "A/B mismatch" in r.getMessage()]
    assert "([5, -7],)" in args.getMessage()
    replay = eval(mm.args)
    assert _double(*replay) != _double_wrong(*replay)
    # A sampled call records timings even on a disabled monitor.
    assert m.stats("double", "python")["count"] == 2
    exported = m.to_dict()
    assert exported["operations"]["double"]["ab_mismatches"] == 1
    assert exported["mismatches"][0]["python"] == "[10, -13]"
    assert "1/2" in m.report()


def test_exceptions_are_compared_by_type_and_the_primarys_is_raised():
    m = PerformanceMonitor(ab_sample=1.0)

    def strict(text: str) -> int:
        return int(text)

    def lenient(text: str) -> int:
        return int(text) if text.strip().lstrip("-").isdigit() else 0

    def also_strict(text: str) -> int:
        raise ValueError(f"bad literal {text!r}")

    with pytest.raises(ValueError, match="invalid literal"):
        m.ab_call("to_int", strict, also_strict, "x1")
    assert m.mismatches() == []
    with pytest.raises(ValueError, match="invalid literal"):
        m.ab_call("to_int", strict, lenient, "x1")
    (mm,) = m.mismatches()
    assert mm.kind == "exception"
    assert mm.rust.startswith("raised builtins.ValueError")
    assert mm.python == "0"
    assert m.ab_call("to_int", lenient, strict, "x1") == 0  # reference errors never reach the caller
    assert m.ab_counts("to_int") == (3, 2)


def test_reference_runs_on_a_copy_the_primary_cannot_mutate():
    m = PerformanceMonitor(ab_sample=1.0)
    seen: list[list[int]] = []

    def sort_in_place(xs: list[int]) -> int:
        xs.sort()
        xs.append(99)
        return xs[0]

    def first(xs: list[int]) -> int:
        seen.append(list(xs))
        return min(xs)

    data = [3, 1, 2]
    assert m.ab_call("first", sort_in_place, first, data) == 1
    assert seen == [[3, 1, 2]]
    assert data == [1, 2, 3, 99]
    assert m.mismatches() == []


def test_uncopyable_input_is_shared_and_flagged():
    m = PerformanceMonitor(ab_sample=1.0)
    lock = threading.Lock()
    m.ab_call("locked", lambda lk: lk.locked(), lambda lk: not lk.locked(), lock)
    (mm,) = m.mismatches()
    assert not mm.input_copied


def test_custom_compare_and_wrapper_keep_the_primary_signature():
    m = PerformanceMonitor(ab_sample=1.0)
    wrapped = m.ab("round", lambda x: round(x, 6), lambda x: x, compare=lambda a, b: math.isclose(a, b))
    assert wrapped(0.1 + 0.2) == 0.3
    assert m.mismatches() == []
    strict = m.ab("round", lambda x: round(x, 6), lambda x: x)
    assert strict(0.1 + 0.2) == 0.3
    assert len(m.mismatches()) == 1


def test_without_rust_the_reference_runs_and_is_timed_as_python():
    m = PerformanceMonitor(ab_sample=1.0)
    assert m.ab_call("double", None, _double_reference, [1]) == [2]
    assert m.stats("double", "python")["count"] == 1
    assert m.stats("double", "rust")["count"] == 0
    assert m.ab_counts("double") == (0, 0)


def test_sample_rate_is_the_fraction_of_calls_compared():
    m = PerformanceMonitor(ab_sample=0.25, seed=7, enabled=False)
    n = 4000
    for i in range(n):
        m.ab_call("id", int, int, i)
    compared, mismatched = m.ab_counts("id")
    # Binomial(4000, 0.25): mean 1000, sd ~27; 6 sd either side.
    assert 840 < compared < 1160
    assert mismatched == 0


def test_rate_follows_configure_at_once_and_the_environment(monkeypatch):
    monkeypatch.delenv(flags.AB_SAMPLE_ENV, raising=False)
    m = PerformanceMonitor()
    m.ab_call("id", int, int, 1)
    assert m.ab_counts("id") == (0, 0)
    flags.configure(ab_sample=1.0)
    m.ab_call("id", int, int, 1)
    assert m.ab_counts("id") == (1, 0)
    flags.configure(ab_sample=0.0)
    m.ab_call("id", int, int, 1)
    assert m.ab_counts("id") == (1, 0)
    flags.reset()
    monkeypatch.setenv(flags.AB_SAMPLE_ENV, "1")
    fresh = PerformanceMonitor()
    fresh.ab_call("id", int, int, 1)
    assert fresh.ab_counts("id") == (1, 0)
    assert fresh.to_dict()["ab_sample"] == 1.0


def test_invalid_rates_are_rejected():
    with pytest.raises(ValueError, match="ab_sample"):
        PerformanceMonitor(ab_sample=1.5)
    with pytest.raises(ValueError, match="max_mismatches"):
        PerformanceMonitor(max_mismatches=0)


def test_mismatch_log_is_bounded_and_long_inputs_truncated():
    m = PerformanceMonitor(ab_sample=1.0, max_mismatches=3, max_repr=50)
    for i in range(10):
        m.ab_call("len", len, lambda s: len(s) + 1, "x" * (100 + i))
    kept = m.mismatches()
    assert len(kept) == 3
    assert m.ab_counts("len") == (10, 10)
    assert kept[-1].args.startswith("('xxxx")
    assert kept[-1].args.endswith("more chars]")


@pytest.mark.parametrize(
    ("a", "b", "equal"),
    [
        (math.nan, math.nan, True),
        (1.0, 1.0000001, False),
        ([1, (2, 3)], [1, (2, 3)], True),
        ([1, 2], (1, 2), False),
        ({"a": [math.nan]}, {"a": [math.nan]}, True),
        ({"a": 1}, {"a": 1, "b": 2}, False),
        (np.array([1.0, np.nan]), np.array([1.0, np.nan]), True),
        (np.array([1.0, 2.0]), np.array([1.0, 2.5]), False),
        (np.array(["a"]), np.array(["a"]), True),
        ("x", "x", True),
    ],
)
def test_results_equal(a, b, equal):
    assert results_equal(a, b) is equal


def test_global_monitor_is_shared_and_off_by_default(monkeypatch):
    monkeypatch.setattr(monitor, "_global", None)
    monkeypatch.delenv(monitor.MONITOR_ENV, raising=False)
    m = get_monitor()
    assert m is get_monitor()
    assert not m.enabled
    flags.configure(ab_sample=1.0)
    assert monitor.ab_call("double", _double, _double_wrong, [-1]) == [-2]
    assert m.ab_counts("double") == (1, 1)
    monkeypatch.setattr(monitor, "_global", None)
    monkeypatch.setenv(monitor.MONITOR_ENV, "1")
    assert get_monitor().enabled


def test_ab_checked_decorator_reports_to_the_global_monitor(monkeypatch):
    monkeypatch.setattr(monitor, "_global", None)
    flags.configure(ab_sample=1.0)

    @monitor.ab_checked("double", reference=_double_wrong)
    def double(xs: list[int]) -> list[int]:
        return _double(xs)

    assert double.__name__ == "double"
    assert double([1, 2]) == [2, 4]
    assert double(xs=[-3]) == [-6]
    assert get_monitor().ab_counts("double") == (2, 1)
    (mm,) = get_monitor().mismatches()
    assert mm.kwargs == "{'xs': [-3]}"


def test_non_string_names_are_rejected():
    m = PerformanceMonitor()
    with pytest.raises(TypeError, match="must be str, got int and str"):
        m.record_operation(1, 0.1, "rust")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="must be str, got str and NoneType"):
        m.record_operation("op", 0.1, None)  # type: ignore[arg-type]
    assert m.operations() == []


@pytest.mark.requires_extension
def test_a_rust_panic_is_an_exception_mismatch_and_still_reaches_the_caller():
    from crewai_rust import _native
    from crewai_rust.errors import RustPanicError

    m = PerformanceMonitor(ab_sample=1.0)
    with pytest.raises(RustPanicError, match="ab probe"):
        m.ab_call("probe", _native.core()._debug_panic, lambda message: None, "ab probe")
    (mm,) = m.mismatches()
    assert mm.kind == "exception"
    assert mm.rust.startswith("raised crewai_rust.errors.RustPanicError")
    assert mm.python == "None"
    assert mm.args == "('ab probe',)"


def test_environment_rate_is_cached_until_reset_and_a_bad_value_is_an_error(monkeypatch):
    monkeypatch.setenv(flags.AB_SAMPLE_ENV, "0")
    m = PerformanceMonitor()
    m.ab_call("id", int, int, 1)
    monkeypatch.setenv(flags.AB_SAMPLE_ENV, "1")
    m.reset()
    m.ab_call("id", int, int, 1)
    assert m.ab_counts("id") == (1, 0)
    monkeypatch.setenv(flags.AB_SAMPLE_ENV, "lots")
    m.reset()
    with pytest.raises(ValueError, match="CREWAI_RUST_AB_SAMPLE='lots' is not a number"):
        m.ab_call("id", int, int, 1)


def test_input_pickle_refuses_is_deep_copied_instead():
    m = PerformanceMonitor(ab_sample=1.0)
    seen = []

    def rust(box: dict) -> int:
        box["items"].append(0)  # mutates its input
        return box["key"](box["items"])

    def reference(box: dict) -> int:
        seen.append(list(box["items"]))
        return box["key"](box["items"]) * 10  # deliberately different, to get a Mismatch record

    box = {"key": lambda xs: len(xs), "items": [1, 2]}  # a lambda: pickle refuses, deepcopy shares it
    assert m.ab_call("count", rust, reference, box) == 3
    assert seen == [[1, 2]]  # the reference got the input as it was before the Rust call
    (mm,) = m.mismatches()
    assert mm.input_copied


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"ab_sample": "0.5"}, TypeError, "ab_sample must be a number"),
        ({"ab_sample": float("nan")}, ValueError, "ab_sample must be between 0 and 1"),
        ({"max_mismatches": "10"}, TypeError, "max_mismatches must be an int"),
        ({"max_repr": 0}, ValueError, "max_repr must be at least 1"),
        ({"max_repr": -1}, ValueError, "max_repr must be at least 1"),
    ],
)
def test_bad_settings_name_the_argument(kwargs, error, message):
    with pytest.raises(error, match=message):
        PerformanceMonitor(**kwargs)
