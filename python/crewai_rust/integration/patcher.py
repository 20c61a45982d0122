"""Reversible attribute patches: the one mechanism `install()` uses to touch crewai.

A patch remembers whether the attribute lived in the target's own `__dict__` (and what it
was) or was inherited/absent, so `restore()` puts back the very same object, or deletes what
it added. Applying twice is a no-op, which makes `install()` idempotent.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Patch", "PatchSet"]

_MISSING = object()


@dataclass
class Patch:
    """Replace `target.attribute` with `replacement` for component `component`.

    `ab_name` marks a pure call site (same inputs -> same result, no side effects of its own)
    whose replacement may be A/B-compared with the original under that operation name.
    """

    target: Any
    attribute: str
    replacement: Any
    component: str
    ab_name: str | None = None
    _original: Any = field(default=_MISSING, init=False, repr=False)
    _applied: bool = field(default=False, init=False, repr=False)

    @property
    def applied(self) -> bool:
        return self._applied

    @property
    def original(self) -> Any:
        """What the attribute was before the patch (raises if it was absent or not applied)."""
        if self._original is _MISSING:
            raise AttributeError(f"{self.describe()} had no own original value")
        return self._original

    def describe(self) -> str:
        name = getattr(self.target, "__qualname__", None) or getattr(
            self.target, "__name__", repr(self.target)
        )
        return f"{name}.{self.attribute}"

    def apply(self) -> None:
        if self._applied:
            return
        # vars() sees only the target's own namespace: an inherited attribute must be restored
        # by deleting ours, not by pinning the parent's value onto the child.
        self._original = getattr(self.target, "__dict__", {}).get(self.attribute, _MISSING)
        setattr(self.target, self.attribute, self.replacement)
        self._applied = True

    def restore(self) -> None:
        if not self._applied:
            return
        if self._original is _MISSING:
            delattr(self.target, self.attribute)
        else:
            setattr(self.target, self.attribute, self._original)
        self._original = _MISSING
        self._applied = False


class PatchSet:
    """An ordered group of patches applied and restored together (restored in reverse)."""

    def __init__(self) -> None:
        self._patches: list[Patch] = []
        self._lock = threading.RLock()

    def __len__(self) -> int:
        return len(self._patches)

    def components(self) -> set[str]:
        with self._lock:
            return {p.component for p in self._patches if p.applied}

    def describe(self) -> list[str]:
        with self._lock:
            return [p.describe() for p in self._patches if p.applied]

    def apply(self, patches: Iterable[Patch]) -> None:
        """Apply patches not already applied for the same target attribute; all or nothing."""
        with self._lock:
            done: list[Patch] = []
            try:
                for patch in patches:
                    if self._find(patch.target, patch.attribute) is not None:
                        continue
                    patch.apply()
                    done.append(patch)
            except BaseException:
                for patch in reversed(done):
                    patch.restore()
                raise
            self._patches.extend(done)

    def restore(self, component: str | None = None) -> None:
        with self._lock:
            keep: list[Patch] = []
            for patch in reversed(self._patches):
                if component is None or patch.component == component:
                    patch.restore()
                else:
                    keep.append(patch)
            self._patches = list(reversed(keep))

    def retain(self, component: str, wanted: Iterable[tuple[Any, str]]) -> None:
        """Restore the component's patches whose (target, attribute) is not in `wanted`."""
        keep = [(target, attribute) for target, attribute in wanted]
        with self._lock:
            kept: list[Patch] = []
            for patch in reversed(self._patches):
                if patch.component == component and not any(
                    patch.target is t and patch.attribute == a for t, a in keep
                ):
                    patch.restore()
                else:
                    kept.append(patch)
            self._patches = list(reversed(kept))

    def _find(self, target: Any, attribute: str) -> Patch | None:
        for patch in self._patches:
            if patch.target is target and patch.attribute == attribute:
                return patch
        return None
