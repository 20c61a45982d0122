"""`ToolResultCache` / the result stores: crewai's contract, the optional bounds, threads."""

from __future__ import annotations

import threading
import time

import pytest
from crewai.agents.cache.cache_handler import CacheHandler
from crewai.tools.tool_failure import ToolFailure, ToolFailureReason

from crewai_rust.errors import InvalidInputError
from crewai_rust.tools import ToolResultCache, make_store


def _failure() -> ToolFailure:
    return ToolFailure(reason=ToolFailureReason.EXCEPTION, message="boom")


def test_is_a_cache_handler_with_crewais_contract(impl):
    cache = ToolResultCache(implementation=impl)
    crewai = CacheHandler()
    assert isinstance(cache, CacheHandler)
    calls = [
        ("search", '{"q": "a"}', "result a"),
        ("search", '{"q": "b"}', {"n": 1}),
        ("a-b", "c", 1),
        ("a", "b-c", 2),
    ]
    for tool, inp, out in calls:
        cache.add(tool, inp, out)
        crewai.add(tool, inp, out)
    probes = [
        ("search", '{"q": "a"}'),
        ("search", '{"q": "b"}'),
        ("a-b", "c"),
        ("missing", "x"),
        ("a", "b-c"),
    ]
    assert [cache.read(t, i) for t, i in probes] == [crewai.read(t, i) for t, i in probes]


def test_returns_the_very_object_stored(impl):
    cache = ToolResultCache(implementation=impl)
    value = {"mutable": [1, 2]}
    cache.add("t", "i", value)
    assert cache.read("t", "i") is value


def test_never_stores_a_tool_failure(impl):
    cache = ToolResultCache(implementation=impl)
    cache.add("t", "i", "ok")
    cache.add("t", "i", _failure())
    assert cache.read("t", "i") == "ok"
    cache.add("t", "j", _failure())
    assert cache.read("t", "j") is None


def test_non_string_keys_format_like_crewai(impl):
    cache = ToolResultCache(implementation=impl)
    crewai = CacheHandler()
    for c in (cache, crewai):
        c.add(None, 3, "x")  # type: ignore[arg-type]
    assert cache.read("None", "3") == crewai.read("None", "3") == "x"


def test_surrogate_keys_stay_distinct(impl):
    cache = ToolResultCache(implementation=impl)
    cache.add("t", "\ud800", 1)
    cache.add("t", "\ufffd", 2)
    assert (cache.read("t", "\ud800"), cache.read("t", "\ufffd")) == (1, 2)


def test_max_entries_evicts_oldest(impl):
    cache = ToolResultCache(max_entries=2, implementation=impl)
    cache.add("t", "1", 1)
    cache.add("t", "2", 2)
    cache.add("t", "3", 3)
    assert [cache.read("t", k) for k in "123"] == [None, 2, 3]
    assert len(cache) == 2


def test_max_bytes_bounds_the_total(impl):
    cache = ToolResultCache(max_bytes=100, implementation=impl)
    cache.add("t", "a", "x" * 60)
    cache.add("t", "b", "y" * 60)
    assert cache.read("t", "a") is None
    assert cache.read("t", "b") == "y" * 60
    cache.add("t", "b", "z" * 500)  # heavier than the bound alone: not kept, nor the old value
    assert cache.read("t", "b") is None


def test_ttl_expires_entries(impl):
    cache = ToolResultCache(ttl=0.05, implementation=impl)
    cache.add("t", "i", "v")
    assert cache.read("t", "i") == "v"
    time.sleep(0.08)
    assert cache.read("t", "i") is None


@pytest.mark.parametrize("kwargs", [{"max_entries": 0}, {"ttl": 0.0}, {"ttl": -1.0}, {"ttl": float("nan")}])
def test_bad_bounds_are_rejected(impl, kwargs):
    with pytest.raises(InvalidInputError, match="invalid configuration"):
        make_store(impl, **kwargs)


@pytest.mark.parametrize("ttl", [1e300, 2.0**64])
def test_ttl_beyond_a_duration_is_rejected_not_a_panic(impl, ttl):
    # Regression: the Rust store panicked (pyo3 PanicException) converting such a ttl.
    with pytest.raises(InvalidInputError, match="ttl must be below 2\\*\\*64 seconds"):
        make_store(impl, ttl=ttl)


def test_largest_representable_ttl_is_accepted(impl):
    store = make_store(impl, ttl=2.0**63)
    store.add("t", "i", "out")
    assert store.read("t", "i") == "out"


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"max_entries": -1}, OverflowError),
        ({"max_weight": -1}, OverflowError),
        ({"max_entries": 2**64}, OverflowError),
        ({"max_entries": 2.5}, TypeError),
        ({"max_weight": "10"}, TypeError),
        ({"ttl": "10"}, TypeError),
    ],
)
def test_both_stores_refuse_bounds_of_the_wrong_type_or_range(impl, kwargs, error):
    with pytest.raises(error):
        make_store(impl, **kwargs)


@pytest.mark.parametrize(
    ("args", "error"),
    [(("t", "i", "o", -1), OverflowError), ((1, "i", "o"), TypeError), (("t", None, "o"), TypeError)],
)
def test_both_stores_refuse_bad_add_arguments_and_store_nothing(impl, args, error):
    store = make_store(impl)
    with pytest.raises(error):
        store.add(*args)
    assert len(store) == 0


@pytest.mark.parametrize("kwargs", [{"max_entries": -1}, {"max_bytes": -5}])
def test_cache_names_a_negative_bound(impl, kwargs):
    (name,) = kwargs
    with pytest.raises(InvalidInputError, match=f"{name} must not be negative"):
        ToolResultCache(implementation=impl, **kwargs)


def test_stats_count_hits_and_misses(impl):
    store = make_store(impl)
    store.add("t", "i", 1, 0)
    store.read("t", "i")
    store.read("t", "j")
    assert store.stats() == {"entries": 1, "weight": 0, "hits": 1, "misses": 1}
    assert store.remove("t", "i") is True
    store.clear()
    assert len(store) == 0


def test_concurrent_writers_and_readers_lose_nothing(impl):
    cache = ToolResultCache(implementation=impl)
    errors: list[str] = []

    def work(n: int) -> None:
        for i in range(300):
            cache.add(f"tool{n}", str(i), (n, i))
            if cache.read(f"tool{n}", str(i)) != (n, i):
                errors.append(f"{n}/{i}")

    threads = [threading.Thread(target=work, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(cache) == 1800
