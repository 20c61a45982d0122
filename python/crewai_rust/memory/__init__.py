"""crewai-rust memory: `RustStorage`, a crewai `StorageBackend` on the Rust engine, and
`PyMemoryStore`, the pure-Python engine with the same behaviour (the fallback)."""

from __future__ import annotations

from crewai_rust.memory.reference import PyMemoryStore
from crewai_rust.memory.storage import RustStorage, default_path, engine_class

__all__ = [
    "HybridMemory",
    "HybridSearchStorage",
    "PyMemoryStore",
    "RustStorage",
    "default_path",
    "engine_class",
]


# --- hybrid recall (issue 4): imported lazily, since it imports crewai's Memory ------------------
def __getattr__(name: str) -> object:
    if name in ("HybridMemory", "HybridSearchStorage"):
        from crewai_rust.memory import hybrid

        return getattr(hybrid, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
