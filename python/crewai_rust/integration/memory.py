"""Wiring of the memory component into crewai: the reversible patches `install()` applies."""

from __future__ import annotations

from crewai_rust.integration.patcher import Patch

__all__ = ["patches"]


def patches(*, hybrid: bool = False, **_: object) -> list[Patch]:
    """The patches for this component; crewai call sites are added as the component lands."""
    out: list[Patch] = []
    if hybrid:
        out += hybrid_patches()
    return out


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
