"""Wiring of the serialization component into crewai: the reversible patches `install()` applies.

crewai's two JSON persistence paths call the `json` module by its global name:
`KickoffTaskOutputsSQLiteStorage` (`json.dumps(x, cls=CrewJSONEncoder)` / `json.loads`) and
`SQLiteFlowPersistence` (`json.dumps(x, default=_json_default)` / `json.loads`). The narrowest
seam is that global: each module's `json` is replaced by a `JSONShim` that sends exactly those
call shapes to crewai-rust and everything else (other keyword arguments, other encoder classes,
other attributes of `json`) to the real module, so the stored text is byte for byte the same.
"""

from __future__ import annotations

import importlib
import json
from types import ModuleType
from typing import Any

from crewai_rust.integration.patcher import Patch
from crewai_rust.serialization import JSONImplementation, implementation

__all__ = ["PATCHED_MODULES", "JSONShim", "patches"]

# The crewai modules whose `json` global is replaced.
PATCHED_MODULES: tuple[str, ...] = (
    "crewai.memory.storage.kickoff_task_outputs_storage",
    "crewai.flow.persistence.sqlite",
)

_DUMPS_OPTIONS = frozenset({"indent", "sort_keys", "ensure_ascii", "separators", "allow_nan", "default"})


def _plain_default(obj: Any) -> Any:
    """`json.JSONEncoder.default`: what `json.dumps` without `cls` does for an unknown type."""
    raise TypeError(f"Object of type {obj.__class__.__name__} is not JSON serializable")


class JSONShim:
    """Stands in for the `json` module inside one crewai module.

    `dumps(obj, cls=CrewJSONEncoder, ...)` and `dumps(obj, default=..., ...)` (no `cls`) and
    `loads(s)` run on `impl`; any other call and every other attribute is the real `json`'s.
    """

    def __init__(self, impl: JSONImplementation, real: ModuleType = json) -> None:
        self._impl = impl
        self._real = real
        from crewai.utilities.crew_json_encoder import CrewJSONEncoder

        self._crew_encoder = CrewJSONEncoder

    def dumps(self, obj: Any, *, cls: type[json.JSONEncoder] | None = None, **kw: Any) -> str:
        if not _DUMPS_OPTIONS.issuperset(kw) or cls not in (None, self._crew_encoder):
            return self._real.dumps(obj, cls=cls, **kw)
        if cls is None and kw.get("default") is None:
            # Plain json.dumps has no crewai rules: unknown types are a TypeError.
            kw["default"] = _plain_default
        return self._impl.dumps(obj, **kw)

    def loads(self, s: str | bytes | bytearray, **kw: Any) -> Any:
        if kw:
            return self._real.loads(s, **kw)
        return self._impl.loads(s)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    def __repr__(self) -> str:
        return f"JSONShim({self._impl!r})"


class _Sampled:
    """A JSON implementation whose dumps/loads are A/B-compared with the Python reference."""

    def __init__(self, impl: JSONImplementation, monitor: Any) -> None:
        reference = implementation("python")
        self.name = impl.name
        self.dumps = monitor.ab("serialization.dumps", impl.dumps, reference.dumps)
        self.loads = monitor.ab("serialization.loads", impl.loads, reference.loads)


def _with_ab_sampling(impl: JSONImplementation) -> Any:
    """`impl`, or with A/B sampling on (at install() time) a sampled wrapper around it."""
    from crewai_rust.monitor import get_monitor

    monitor = get_monitor()
    return _Sampled(impl, monitor) if monitor.ab_rate() > 0 or monitor.enabled else impl


def patches(*, impl: JSONImplementation | None = None, **_: object) -> list[Patch]:
    """Replace `json` in crewai's task-output storage and flow persistence modules.

    `impl` defaults to the Rust implementation (`install()` only asks when it is available).
    """
    impl = impl if impl is not None else implementation("rust")
    shim = JSONShim(_with_ab_sampling(impl))
    out = []
    for name in PATCHED_MODULES:
        module = importlib.import_module(name)
        out.append(Patch(module, "json", shim, "serialization"))
    return out
