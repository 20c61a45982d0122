"""What an A/B comparison keeps: the equality it uses and the record of a mismatch.

`results_equal` is the default comparison of a Rust result with the Python reference's;
`Mismatch` holds enough to call both functions again on the same input.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

__all__ = ["Mismatch", "outcome_repr", "qualname", "results_equal", "short_repr"]


@dataclass(frozen=True)
class Mismatch:
    """One A/B comparison whose results differed; enough to call both functions again."""

    operation: str
    kind: str  # "result": both returned, values differ; "exception": one raised, or different types
    rust: str
    python: str
    rust_function: str
    python_function: str
    args: str
    kwargs: str
    input_copied: bool  # False: the input could not be deep-copied, both ran on the same objects
    rust_s: float
    python_s: float
    timestamp: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def qualname(fn: Callable[..., Any]) -> str:
    module = getattr(fn, "__module__", None) or "?"
    name = getattr(fn, "__qualname__", None) or getattr(fn, "__name__", None) or repr(fn)
    return f"{module}.{name}"


def short_repr(value: object, limit: int) -> str:
    try:
        text = repr(value)
    except Exception as exc:  # a broken __repr__ must not break the call being compared
        text = f"<unrepresentable {type(value).__name__}: {exc!r}>"
    if len(text) > limit:
        return f"{text[:limit]}... [{len(text) - limit} more chars]"
    return text


def outcome_repr(value: object, exc: BaseException | None, limit: int) -> str:
    if exc is not None:
        return f"raised {type(exc).__module__}.{type(exc).__qualname__}: {short_repr(str(exc), limit)}"
    return short_repr(value, limit)


def results_equal(a: object, b: object) -> bool:
    """Structural equality for A/B results: NaN equals NaN, numpy arrays compare element-wise,
    list vs tuple differ, dict key order is ignored (as `==` does)."""
    if a is b:
        return True
    if isinstance(a, float) and isinstance(b, float):
        return a == b or (math.isnan(a) and math.isnan(b))
    if type(a).__module__ == "numpy" or type(b).__module__ == "numpy":
        import numpy as np

        try:
            return bool(np.array_equal(np.asarray(a), np.asarray(b), equal_nan=True))
        except TypeError:  # equal_nan on a non-numeric dtype
            return bool(np.array_equal(np.asarray(a), np.asarray(b)))
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(map(results_equal, a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(results_equal(a[k], b[k]) for k in a)
    try:
        return bool(a == b)
    except Exception:
        return False
