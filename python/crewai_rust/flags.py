"""Feature flags: which components run in Rust, read from the environment and `configure()`.

Environment variables are read once per lookup so a test or an operator can change them at
run time; values set through `configure()` win over the environment. Every value is validated:
an unknown spelling raises `ValueError` naming the variable and the accepted values, because a
typo in a rollout flag must never silently mean "off".
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

__all__ = [
    "COMPONENTS",
    "ENV_VARS",
    "FlagValue",
    "Flags",
    "configure",
    "current",
    "is_enabled",
    "parse_flag",
    "reset",
]

FlagValue = Literal["true", "false", "auto"]

COMPONENTS: tuple[str, ...] = ("memory", "tools", "serialization")

ENV_VARS: Mapping[str, str] = {
    "memory": "CREWAI_USE_RUST_MEMORY",
    "tools": "CREWAI_USE_RUST_TOOLS",
    "serialization": "CREWAI_USE_RUST_SERIALIZATION",
}
HYBRID_ENV = "CREWAI_RUST_HYBRID_RECALL"
AB_SAMPLE_ENV = "CREWAI_RUST_AB_SAMPLE"

_TRUE = frozenset({"true", "1", "yes", "on"})
_FALSE = frozenset({"false", "0", "no", "off"})
_AUTO = frozenset({"auto", ""})
ACCEPTED = "true, false, 1, 0, yes, no, on, off, auto (case-insensitive)"

_lock = threading.Lock()
_overrides: dict[str, FlagValue] = {}
_ab_sample: float | None = None


def parse_flag(value: object, *, name: str) -> FlagValue:
    """Normalise a flag value (str or bool) to "true", "false" or "auto"; `name` is used in errors."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "auto"
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a bool or one of: {ACCEPTED}; got {type(value).__name__}")
    v = value.strip().lower()
    if v in _TRUE:
        return "true"
    if v in _FALSE:
        return "false"
    if v in _AUTO:
        return "auto"
    raise ValueError(f"{name}={value!r} is not a valid flag value; accepted values: {ACCEPTED}")


def _from_env(component: str) -> FlagValue:
    var = ENV_VARS[component]
    return parse_flag(os.environ.get(var, "auto"), name=var)


def check_component(component: str) -> None:
    """Raise `ValueError` unless `component` is one of `COMPONENTS`."""
    if component not in COMPONENTS:
        raise ValueError(f"unknown component {component!r}; components are: {', '.join(COMPONENTS)}")


def value(component: str) -> FlagValue:
    """The effective flag value of a component: `configure()` override, else the environment."""
    check_component(component)
    with _lock:
        override = _overrides.get(component)
    return override if override is not None else _from_env(component)


def is_enabled(component: str, *, rust_available: bool) -> bool:
    """Whether the component should run in Rust. "auto" means: in Rust when the extension loaded.

    "true" without the extension still answers False: the fallback keeps behaviour identical,
    and `status()` reports the reason.
    """
    return value(component) != "false" and rust_available


def hybrid_recall() -> bool:
    """Whether `install()` should wire hybrid (BM25 + vector) recall; off unless asked for."""
    with _lock:
        override = _overrides.get("hybrid")
    if override is not None:
        return override == "true"
    return parse_flag(os.environ.get(HYBRID_ENV, "false"), name=HYBRID_ENV) == "true"


def ab_sample() -> float:
    """Fraction of calls that also run the Python reference for A/B comparison (0 = off)."""
    with _lock:
        if _ab_sample is not None:
            return _ab_sample
    raw = os.environ.get(AB_SAMPLE_ENV, "0").strip() or "0"
    try:
        rate = float(raw)
    except ValueError:
        raise ValueError(f"{AB_SAMPLE_ENV}={raw!r} is not a number between 0 and 1") from None
    return _check_rate(rate, AB_SAMPLE_ENV)


def _check_rate(rate: object, name: str) -> float:
    """A sampling rate: a real number (not a bool, not a str) in [0, 1]; NaN is refused."""
    if isinstance(rate, bool) or not isinstance(rate, (int, float)):
        raise TypeError(f"{name} must be a number between 0 and 1, got {type(rate).__name__}")
    if not 0.0 <= rate <= 1.0:
        raise ValueError(f"{name} must be between 0 and 1, got {rate!r}")
    return float(rate)


def configure(
    *,
    memory: bool | str | None = None,
    tools: bool | str | None = None,
    serialization: bool | str | None = None,
    hybrid: bool | str | None = None,
    ab_sample: float | None = None,
) -> None:
    """Override flags programmatically; an argument left as None keeps its current setting."""
    global _ab_sample
    given = {"memory": memory, "tools": tools, "serialization": serialization, "hybrid": hybrid}
    parsed = {k: parse_flag(v, name=k) for k, v in given.items() if v is not None}
    rate = None if ab_sample is None else _check_rate(ab_sample, "ab_sample")
    with _lock:
        _overrides.update(parsed)
        if rate is not None:
            _ab_sample = rate


def reset() -> None:
    """Forget every `configure()` override (the environment applies again)."""
    global _ab_sample
    with _lock:
        _overrides.clear()
        _ab_sample = None


@dataclass(frozen=True)
class Flags:
    """A snapshot of every flag, as `status()` reports it."""

    memory: FlagValue
    tools: FlagValue
    serialization: FlagValue
    hybrid: bool
    ab_sample: float


def current() -> Flags:
    return Flags(
        memory=value("memory"),
        tools=value("tools"),
        serialization=value("serialization"),
        hybrid=hybrid_recall(),
        ab_sample=ab_sample(),
    )
