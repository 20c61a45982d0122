"""Fixtures of the memory tests: engines by implementation, engine records, crewai records.

`engine_cls` follows the shared `impl` fixture: "rust" is `crewai_rust._core.MemoryStore`,
"python" the reference `PyMemoryStore`. Stores opened through `open_store` are closed at the end
of the test so no file handle or lock outlives it.
"""

from __future__ import annotations

import hashlib
import math
import os
import subprocess
import sys
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import pytest

# crewai's own import graph emits an ImportWarning ("Cannot set an attribute on 'crewai.rag' for
# child module 'embeddings'"), which the suite's `filterwarnings = error` would turn into a
# collection error. Importing it once here, with that one warning silenced, keeps it cached.
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Cannot set an attribute on", category=ImportWarning)
    import crewai.memory.unified_memory  # noqa: F401

from crewai_rust import _native
from crewai_rust.memory.reference import PyMemoryStore

BASE_US = 1_700_000_000_000_000


def engine_for(impl: str) -> type:
    return PyMemoryStore if impl == "python" else _native.core().MemoryStore


@pytest.fixture
def engine_cls(impl: str) -> type:
    return engine_for(impl)


@pytest.fixture
def open_store(engine_cls: type) -> Iterator[Callable[..., Any]]:
    opened: list[Any] = []

    def _open(path: Any = None, vector_dim: int | None = None, **kwargs: Any) -> Any:
        store = engine_cls(None if path is None else str(path), vector_dim, **kwargs)
        opened.append(store)
        return store

    yield _open
    for store in opened:
        store.close()


def make_record(
    rid: str,
    embedding: Any = (1.0, 0.0, 0.0),
    *,
    scope: str = "/",
    categories: list[str] | None = None,
    metadata: str = "{}",
    importance: float = 0.5,
    created_us: int | None = None,
    created_at: str | None = None,
    last_accessed: str = "2024-01-01T00:00:00",
    source: str | None = None,
    private: bool = False,
    content: str | None = None,
) -> dict[str, Any]:
    """A complete engine record; `created_us` defaults to one derived from the id's order."""
    us = BASE_US if created_us is None else created_us
    return {
        "id": rid,
        "content": content if content is not None else f"content of {rid}",
        "scope": scope,
        "categories": list(categories or []),
        "metadata": metadata,
        "importance": importance,
        "created_at": created_at if created_at is not None else f"us:{us}",
        "created_us": us,
        "last_accessed": last_accessed,
        "source": source,
        "private": private,
        "embedding": None if embedding is None else list(embedding),
    }


@pytest.fixture
def rec() -> Callable[..., dict[str, Any]]:
    return make_record


def text_vector(text: str, dim: int = 256) -> list[float]:
    """A deterministic bag-of-words embedding: texts sharing words point the same way, texts
    sharing none are close to orthogonal."""
    vec = [0.0] * dim
    for word in text.lower().split():
        word = word.strip(".,!?;:'\"")
        if not word:
            continue
        h = hashlib.sha256(word.encode()).digest()
        vec[int.from_bytes(h[:4], "big") % dim] += 1.0 if h[4] % 2 else -1.0
    norm = math.sqrt(sum(v * v for v in vec)) or 1.0
    return [v / norm for v in vec]


class StubEmbedder:
    """crewai's embedder protocol (`embedder(list[str]) -> list[list[float]]`), deterministic."""

    def __init__(self, dim: int = 256) -> None:
        self.dim = dim
        self.calls: list[list[str]] = []

    def __call__(self, texts: list[str]) -> list[list[float]]:
        self.calls.append(list(texts))
        return [text_vector(t, self.dim) for t in texts]


@pytest.fixture
def embedder() -> StubEmbedder:
    return StubEmbedder()


def run_python(code: str, *, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run code in a fresh interpreter that sees the same crewai_rust as this one."""
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=dict(os.environ),
        timeout=timeout,
        check=False,
    )


@pytest.fixture(scope="session")
def helpers() -> Any:
    """The plain helper functions, for tests (e.g. hypothesis ones) that cannot use fixtures."""
    import types

    return types.SimpleNamespace(
        rec=make_record,
        text_vector=text_vector,
        run_python=run_python,
        engine_for=engine_for,
        BASE_US=BASE_US,
    )


@pytest.fixture(autouse=True)
def _quiet_crewai(monkeypatch: pytest.MonkeyPatch) -> None:
    """No tracing or telemetry from crewai in these tests: its first-run trace collection makes
    every memory Flow wait 5 s for a parent span that a bare `Memory` never opens, and the
    machine may have no network."""
    monkeypatch.setenv("CREWAI_TRACING_ENABLED", "false")
    monkeypatch.setenv("CREWAI_DISABLE_TELEMETRY", "true")
    monkeypatch.setenv("OTEL_SDK_DISABLED", "true")
