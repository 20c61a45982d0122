"""crewai-rust memory component: the Rust-backed implementation and its pure-Python reference."""

from __future__ import annotations

__all__: list[str] = []
