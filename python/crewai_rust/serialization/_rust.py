"""The Rust-backed implementation: argument handling as the stdlib does it, work in `_core`.

Inputs the Rust path cannot represent are handed to the stdlib so behaviour stays identical:
a `str` document containing lone surrogates (not UTF-8) and `bytes` that are not valid UTF-8
(which the stdlib decodes with `surrogatepass`, or rejects with its own UnicodeDecodeError).
"""

from __future__ import annotations

import json
from typing import Any

from crewai_rust import _native
from crewai_rust.serialization.api import max_depth

__all__ = ["RustJSON"]


def _dumps(
    obj: Any,
    *,
    indent: int | str | None = None,
    sort_keys: bool = False,
    ensure_ascii: bool = True,
    separators: tuple[str, str] | None = None,
    allow_nan: bool = True,
    default: Any = None,
) -> str:
    """`json.dumps(obj, cls=CrewJSONEncoder, ...)`: the extension reads these known keywords."""
    return _native.core().json_dumps_call(
        obj,
        indent=indent,
        sort_keys=sort_keys,
        ensure_ascii=ensure_ascii,
        separators=separators,
        allow_nan=allow_nan,
        default=default,
    )


def _dumps_compact(obj: Any, *, default: Any = None) -> bytes:
    """Compact UTF-8 JSON bytes."""
    return _native.core().json_dumps_compact_call(obj, default=default)


def _loads(s: str | bytes | bytearray) -> Any:
    """`json.loads(s)`: the BOM, encoding and lone-surrogate cases, then the extension."""
    core = _native.core()
    if isinstance(s, str):
        if s.startswith("\ufeff"):
            raise json.JSONDecodeError("Unexpected UTF-8 BOM (decode using utf-8-sig)", s, 0)
        try:
            return core.json_loads(s, max_depth=max_depth())
        except UnicodeEncodeError:
            return json.loads(s)
    if isinstance(s, (bytes, bytearray)):
        encoding = json.detect_encoding(s)
        if encoding != "utf-8":
            text = s.decode(encoding, "surrogatepass")
            try:
                return core.json_loads(text, max_depth=max_depth())
            except UnicodeEncodeError:
                return json.loads(s)
        try:
            return core.json_loads(s, max_depth=max_depth())
        except UnicodeDecodeError:
            return json.loads(s)
    raise TypeError(f"the JSON object must be str, bytes or bytearray, not {s.__class__.__name__}")


class RustJSON:
    """`dumps` / `dumps_compact` / `loads` running in the compiled extension.

    An instance's three methods are the extension's functions themselves: they handle the
    argument forms nearly every call uses and hand every other one to the functions above
    (which are also the class's own attributes), so a small document pays no Python frame in
    front of the Rust work.
    """

    name = "rust"
    dumps = staticmethod(_dumps)
    dumps_compact = staticmethod(_dumps_compact)
    loads = staticmethod(_loads)

    def __init__(self) -> None:
        core = _native.core()  # raises ExtensionUnavailableError when the extension is absent
        vars(self).update(
            dumps=core.json_dumps_call,
            dumps_compact=core.json_dumps_compact_call,
            loads=core.json_loads_call,
        )

    def __repr__(self) -> str:
        return "RustJSON()"
