"""Wiring of the tools component into crewai: the reversible patches `install()` applies."""

from __future__ import annotations

from crewai_rust.integration.patcher import Patch

__all__ = ["patches"]


def patches(**_: object) -> list[Patch]:
    """The patches for this component; crewai call sites are added as the component lands."""
    return []
