"""Wiring of the memory component into crewai: a storage factory for `Memory(storage=<spec>)`.

crewai 1.x resolves a string `storage` spec through the process-wide factory in
`crewai.memory.storage.factory` before its built-in LanceDB/Qdrant selection. `install()` puts a
factory there (a reversible `Patch` of the module attribute `_factory`, so `uninstall()` restores
whatever was registered before) that answers:

- `"rust"` and `"rust:<path>"`: a `RustStorage` (default path, or that path);
- `"lancedb"` (crewai's default) and bare paths: a `RustStorage` too, but only when the memory
  flag is explicitly true (`CREWAI_USE_RUST_MEMORY=true` or `configure(memory=True)`), read at
  the moment `Memory` is built. LanceDB data is not moved: `crewai-rust migrate-memory` does that;
- anything else (e.g. `"qdrant-edge"`): the factory registered before, else crewai's built-ins.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from crewai_rust import flags
from crewai_rust.integration.patcher import Patch

__all__ = ["RUST_SPEC", "patches", "storage_for_spec"]

logger = logging.getLogger("crewai_rust")

RUST_SPEC = "rust"
_BUILTIN_SPECS = frozenset({"qdrant-edge"})


def storage_for_spec(spec: str) -> Any | None:
    """The `RustStorage` crewai-rust provides for a `Memory(storage=spec)` string, or None to let
    the previous factory / crewai's built-ins handle it."""
    from crewai_rust.memory.storage import RustStorage

    if not isinstance(spec, str):
        return None
    if spec == RUST_SPEC:
        return RustStorage()
    if spec.startswith(RUST_SPEC + ":"):
        path = spec[len(RUST_SPEC) + 1 :]
        return RustStorage(path or None)
    if spec in _BUILTIN_SPECS or flags.value("memory") != "true":
        return None
    if spec == "lancedb":
        storage = RustStorage()
        _note_unmigrated_lancedb(_lancedb_default_path(), storage)
        return storage
    storage = RustStorage(spec)
    _note_unmigrated_lancedb(Path(spec), storage)
    return storage


def _lancedb_default_path() -> Path:
    storage_dir = os.environ.get("CREWAI_STORAGE_DIR")
    if storage_dir:
        return Path(storage_dir) / "memory"
    from crewai_core.paths import db_storage_path

    return Path(db_storage_path()) / "memory"


def _note_unmigrated_lancedb(lancedb_dir: Path, storage: Any) -> None:
    """Say so once per store when LanceDB memories exist that the Rust store does not hold."""
    if (lancedb_dir / "memories.lance").exists() and storage.count() == 0:
        logger.warning(
            "crewai_rust: memory now uses RustStorage at %s; the LanceDB memories at %s are not "
            "visible to it (copy them with: crewai-rust migrate-memory --from-lancedb %s --to %s)",
            storage.path,
            lancedb_dir,
            lancedb_dir,
            storage.path,
        )


def patches(*, hybrid: bool = False, **_: object) -> list[Patch]:
    """The storage factory (chained to the previous one) and, with `hybrid`, hybrid recall."""
    from crewai.memory.storage import factory as factory_module

    patch = Patch(target=factory_module, attribute="_factory", replacement=None, component="memory")

    def crewai_rust_memory_factory(spec: str) -> Any | None:
        storage = storage_for_spec(spec)
        if storage is not None:
            return storage
        previous: Callable[[str], Any] | None = patch.original if patch.applied else None
        return previous(spec) if previous is not None else None

    patch.replacement = crewai_rust_memory_factory
    return [patch, *hybrid_patches()] if hybrid else [patch]


# --- hybrid recall (issue 4) -------------------------------------------------------------------


def hybrid_patches() -> list[Patch]:
    """crewai's `Memory.recall` (shallow and deep) uses `search_hybrid` of a store that has it.

    Two attributes of `Memory` are replaced, exactly what `crewai_rust.memory.hybrid.HybridMemory`
    overrides: `recall` (marks the recall so its searches may become hybrid) and the `_embedder`
    property (remembers which query text each embedding came from). Stores without
    `search_hybrid`, and searches outside recall, are untouched.
    """
    import warnings

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=ImportWarning)
        from crewai.memory.unified_memory import Memory

        from crewai_rust.memory.hybrid import hybrid_embedder, hybrid_recall

    original_embedder = Memory.__dict__["_embedder"]
    return [
        Patch(Memory, "recall", hybrid_recall(Memory.recall), "memory"),
        Patch(Memory, "_embedder", property(hybrid_embedder(original_embedder.fget)), "memory"),
    ]


# --- end hybrid recall -------------------------------------------------------------------------
