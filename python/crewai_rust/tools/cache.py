"""`ToolResultCache`: a drop-in `CacheHandler` whose store lives in Rust, with optional bounds.

crewai's handler keeps every tool result forever in a dict behind a Python read-write lock.
This one keeps crewai's contract (`add`/`read`, the `"{tool}-{input}"` key, `ToolFailure`
results never stored) and adds `max_entries`, `max_bytes` (estimated size of the stored
results) and `ttl` seconds; the oldest entries leave first. `PythonResultStore` is the
reference store with the same interface as the Rust one.
"""

from __future__ import annotations

import sys
import threading
import time
from collections import OrderedDict
from typing import Any

from crewai.agents.cache.cache_handler import CacheHandler
from pydantic import PrivateAttr

from crewai_rust import _native
from crewai_rust.errors import InvalidInputError
from crewai_rust.tools.rate_limit import check_seconds, unsigned

__all__ = ["PythonResultStore", "ToolResultCache", "make_store", "weight_of"]


def weight_of(tool: str, input: str, output: Any) -> int:
    """The size estimate `max_bytes` counts: key length plus the result's length or size."""
    size = len(output) if isinstance(output, (str, bytes)) else sys.getsizeof(output)
    return len(tool) + len(input) + 1 + size


class PythonResultStore:
    """The reference store: same keys, bounds and eviction order as the Rust `ResultStore`."""

    def __init__(
        self, max_entries: int | None = None, max_weight: int | None = None, ttl: float | None = None
    ):
        for name, bound in (("max_entries", max_entries), ("max_weight", max_weight)):
            if bound is not None:
                unsigned(name, bound)
        if max_entries is not None and max_entries < 1:
            raise InvalidInputError("invalid configuration: max_entries must be at least 1")
        if ttl is not None:
            check_seconds("ttl", ttl)
        self._max_entries = max_entries
        self._max_weight = max_weight
        self._ttl = ttl
        self._items: OrderedDict[str, tuple[Any, int, float]] = OrderedDict()
        self._weight = 0
        self._hits = 0
        self._misses = 0
        self._lock = threading.Lock()

    def add(self, tool: str, input: str, output: Any, weight: int = 0) -> None:
        _check_str("tool", tool)
        _check_str("input", input)
        unsigned("weight", weight)
        key = f"{tool}-{input}"
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._weight -= old[1]
            if self._max_weight is not None and weight > self._max_weight:
                return
            self._items[key] = (output, weight, time.monotonic())
            self._weight += weight
            self._evict()

    def _evict(self) -> None:
        now = time.monotonic()
        while self._items:
            key, (_, weight, inserted) = next(iter(self._items.items()))
            over = (self._max_entries is not None and len(self._items) > self._max_entries) or (
                self._max_weight is not None and self._weight > self._max_weight
            )
            if not (over or self._expired(inserted, now)):
                break
            del self._items[key]
            self._weight -= weight

    def _expired(self, inserted: float, now: float) -> bool:
        return self._ttl is not None and now - inserted >= self._ttl

    def read(self, tool: str, input: str) -> Any:
        _check_str("tool", tool)
        _check_str("input", input)
        with self._lock:
            item = self._items.get(f"{tool}-{input}")
            if item is None or self._expired(item[2], time.monotonic()):
                self._misses += 1
                return None
            self._hits += 1
            return item[0]

    def remove(self, tool: str, input: str) -> bool:
        with self._lock:
            old = self._items.pop(f"{tool}-{input}", None)
            if old is not None:
                self._weight -= old[1]
            return old is not None

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._weight = 0

    def __len__(self) -> int:
        return len(self._items)

    def stats(self) -> dict[str, int]:
        with self._lock:
            return {
                "entries": len(self._items),
                "weight": self._weight,
                "hits": self._hits,
                "misses": self._misses,
            }


def _check_str(name: str, value: object) -> None:
    # The Rust store takes str only (its keys are UTF-8 bytes); the reference refuses the same.
    if not isinstance(value, str):
        raise TypeError(f"argument {name!r}: {type(value).__name__!r} object is not an instance of 'str'")


def make_store(
    implementation: str | None = None,
    *,
    max_entries: int | None = None,
    max_weight: int | None = None,
    ttl: float | None = None,
) -> Any:
    """A result store: "rust", "python", or None for Rust when the extension loaded."""
    impl = implementation or ("rust" if _native.rust_available() else "python")
    if impl == "rust":
        return _native.core().ResultStore(max_entries=max_entries, max_weight=max_weight, ttl=ttl)
    if impl == "python":
        return PythonResultStore(max_entries=max_entries, max_weight=max_weight, ttl=ttl)
    raise ValueError(f"implementation must be 'rust' or 'python', got {implementation!r}")


def _key_part(value: Any) -> str:
    # crewai builds its key with an f-string, which formats any object.
    return value if type(value) is str else f"{value}"


class ToolResultCache(CacheHandler):
    """A `CacheHandler` (accepted wherever crewai expects one) backed by a bounded store."""

    _store: Any = PrivateAttr(default=None)
    _weighted: bool = PrivateAttr(default=False)

    def __init__(
        self,
        *,
        max_entries: int | None = None,
        max_bytes: int | None = None,
        ttl: float | None = None,
        implementation: str | None = None,
        **data: Any,
    ) -> None:
        for name, bound in (("max_entries", max_entries), ("max_bytes", max_bytes)):
            if isinstance(bound, int) and bound < 0:
                raise InvalidInputError(f"{name} must not be negative, got {bound}")
        super().__init__(**data)
        self._store = make_store(implementation, max_entries=max_entries, max_weight=max_bytes, ttl=ttl)
        self._weighted = max_bytes is not None

    def add(self, tool: str, input: str, output: Any) -> None:
        from crewai.tools.tool_failure import ToolFailure

        if isinstance(output, ToolFailure):
            return
        tool, input = _key_part(tool), _key_part(input)
        weight = weight_of(tool, input, output) if self._weighted else 0
        self._store.add(tool, input, output, weight)

    def read(self, tool: str, input: str) -> Any | None:
        # The private dict directly: pydantic's private-attribute lookup costs more than the read.
        store = self.__pydantic_private__["_store"]  # type: ignore[index]
        if type(tool) is str and type(input) is str:
            return store.read(tool, input)
        return store.read(_key_part(tool), _key_part(input))

    def __len__(self) -> int:
        return len(self._store)

    def stats(self) -> dict[str, int]:
        """Entries, total weight, hits and misses."""
        return dict(self._store.stats())
