"""crewai-rust memory: `RustStorage`, a crewai `StorageBackend` on the Rust engine, and
`PyMemoryStore`, the pure-Python engine with the same behaviour (the fallback)."""

from __future__ import annotations

from crewai_rust.memory.reference import PyMemoryStore
from crewai_rust.memory.storage import RustStorage, default_path, engine_class

__all__ = ["PyMemoryStore", "RustStorage", "default_path", "engine_class"]
