"""The interface both JSON implementations provide, and the argument handling they share.

Arguments are normalised exactly as `json.dumps` normalises them (`indent=2` becomes two
spaces, `separators` default to `(", ", ": ")`, or `(",", ": ")` when indenting) so the Rust
side receives plain strings and flags.
"""

from __future__ import annotations

import sys
from typing import Any, NamedTuple, Protocol

__all__ = ["JSONImplementation", "Layout", "layout", "max_depth"]

# Rust recursion is bounded by the interpreter's limit (what makes the stdlib raise
# RecursionError), capped so an enormous limit cannot exhaust a thread's native stack.
_DEPTH_CAP = 10_000


class JSONImplementation(Protocol):
    name: str

    def dumps(
        self,
        obj: Any,
        *,
        indent: int | str | None = None,
        sort_keys: bool = False,
        ensure_ascii: bool = True,
        separators: tuple[str, str] | None = None,
        allow_nan: bool = True,
        default: Any = None,
    ) -> str: ...

    def dumps_compact(self, obj: Any, *, default: Any = None) -> bytes: ...

    def loads(self, s: str | bytes | bytearray) -> Any: ...


class Layout(NamedTuple):
    indent: str | None
    item_separator: str
    key_separator: str


def layout(indent: int | str | None, separators: tuple[str, str] | None) -> Layout:
    """`json.JSONEncoder`'s handling of `indent` and `separators`."""
    if indent is not None and not isinstance(indent, str):
        indent = " " * indent
    if separators is not None:
        item_separator, key_separator = separators
    elif indent is not None:
        item_separator, key_separator = ",", ": "
    else:
        item_separator, key_separator = ", ", ": "
    return Layout(indent, item_separator, key_separator)


def max_depth() -> int:
    return min(sys.getrecursionlimit(), _DEPTH_CAP)
