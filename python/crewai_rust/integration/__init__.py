"""The crewai wiring: the only package that knows which crewai attributes crewai-rust replaces.

Each component module here (`memory`, `tools`, `serialization`) exposes `patches(...)`, the
list of reversible patches that route crewai's own call sites to crewai-rust. `install()`
applies those of the enabled components; `uninstall()` restores every original object.
"""

from __future__ import annotations

import importlib
import logging
import threading
from typing import Any

from crewai_rust import _native, flags
from crewai_rust.integration.patcher import Patch, PatchSet

__all__ = [
    "Patch",
    "PatchSet",
    "install",
    "installed_components",
    "patched_attributes",
    "uninstall",
    "with_ab_sampling",
]

logger = logging.getLogger("crewai_rust")

_active = PatchSet()
_lock = threading.Lock()


def _wiring(component: str):
    return importlib.import_module(f"crewai_rust.integration.{component}")


def install(
    *,
    memory: bool | str | None = None,
    tools: bool | str | None = None,
    serialization: bool | str | None = None,
    hybrid: bool | str | None = None,
) -> list[str]:
    """Route the enabled components of crewai through crewai-rust; returns the components wired.

    Arguments override the flags for this call only (None = use the flag). Each call makes the
    wiring match what it resolved: a component that is off now (or hybrid recall, with
    `hybrid` false) is restored to crewai's own code if an earlier call wired it, and nothing is
    patched twice. Components whose Rust side is unavailable stay on crewai's own code, since
    the point of install() is speed and the Python reference would only add overhead.
    """
    requested = {"memory": memory, "tools": tools, "serialization": serialization}
    use_hybrid = (
        flags.hybrid_recall() if hybrid is None else flags.parse_flag(hybrid, name="hybrid") == "true"
    )
    # Every value is validated before anything is patched: a bad one must not leave the
    # components before it installed.
    values = {
        component: flags.value(component) if override is None else flags.parse_flag(override, name=component)
        for component, override in requested.items()
    }
    wired: list[str] = []
    with _lock:
        for component, value in values.items():
            if value == "false":
                _active.restore(component)
                continue
            if not _native.rust_available():
                logger.info("crewai_rust: %s stays on crewai's code (extension unavailable)", component)
                continue
            module = _wiring(component)
            patches: list[Patch] = (
                module.patches(hybrid=use_hybrid) if component == "memory" else module.patches()
            )
            # What an earlier call wired and this one does not want (hybrid recall turned off).
            _active.retain(component, [(p.target, p.attribute) for p in patches])
            if patches:
                _active.apply(with_ab_sampling(patches))
                wired.append(component)
    return wired


def with_ab_sampling(patches: list[Patch], monitor: Any = None) -> list[Patch]:
    """Route pure call sites (`Patch.ab_name`) through the monitor's A/B comparison.

    Only when sampling or the monitor is on at install() time, so a production install pays
    nothing; the reference each replacement is compared with is crewai's own original.
    """
    from crewai_rust.monitor import get_monitor

    monitor = monitor if monitor is not None else get_monitor()
    if not (monitor.ab_rate() > 0 or monitor.enabled):
        return patches
    for patch in patches:
        original = getattr(patch.target, patch.attribute, None)
        if patch.ab_name and callable(patch.replacement) and callable(original):
            patch.replacement = monitor.ab(patch.ab_name, patch.replacement, original)
    return patches


def uninstall(component: str | None = None) -> None:
    """Restore crewai exactly as it was (every patched attribute is the original object again)."""
    if component is not None:
        # The name only: a bad flag in the environment must not prevent undoing an install.
        flags.check_component(component)
    with _lock:
        _active.restore(component)


def installed_components() -> set[str]:
    return _active.components()


def patched_attributes() -> list[str]:
    """Human-readable names of every attribute currently patched, for status() and debugging."""
    return _active.describe()
