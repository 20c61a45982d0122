"""crewai-rust memory component: the Rust-backed implementation and its pure-Python reference."""

from __future__ import annotations

__all__: list[str] = []


# --- hybrid recall (issue 4): imported lazily, since it imports crewai's Memory ------------------
def __getattr__(name: str) -> object:
    if name in ("HybridMemory", "HybridSearchStorage"):
        from crewai_rust.memory import hybrid

        return getattr(hybrid, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
