"""The Rust-backed implementation: argument handling as the stdlib does it, work in `_core`.

Inputs the Rust path cannot represent are handed to the stdlib so behaviour stays identical:
a `str` document containing lone surrogates (not UTF-8) and `bytes` that are not valid UTF-8
(which the stdlib decodes with `surrogatepass`, or rejects with its own UnicodeDecodeError).
"""

from __future__ import annotations

import json
from typing import Any

from crewai_rust import _native
from crewai_rust.serialization.api import layout, max_depth

__all__ = ["RustJSON"]


class RustJSON:
    """`dumps` / `dumps_compact` / `loads` running in the compiled extension."""

    name = "rust"

    def __init__(self) -> None:
        core = _native.core()  # raises ExtensionUnavailableError when the extension is absent
        self._dumps = core.json_dumps
        self._compact = core.json_dumps_compact
        self._loads = core.json_loads

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
    ) -> str:
        # Arguments go positionally (keywords cost a name match each in the binding), and
        # the default layout skips `layout()`: together about 1 µs of a ~40 µs dump.
        if indent is None and separators is None:
            ind, item, key = None, ", ", ": "
        else:
            ind, item, key = layout(indent, separators)
        return self._dumps(
            obj, ind, item, key, bool(ensure_ascii), bool(allow_nan), bool(sort_keys), default, max_depth()
        )

    def dumps_compact(self, obj: Any, *, default: Any = None) -> bytes:
        return self._compact(obj, default, max_depth())

    def loads(self, s: str | bytes | bytearray) -> Any:
        if isinstance(s, str):
            if s.startswith("\ufeff"):
                raise json.JSONDecodeError("Unexpected UTF-8 BOM (decode using utf-8-sig)", s, 0)
            try:
                return self._loads(s, max_depth=max_depth())
            except UnicodeEncodeError:
                return json.loads(s)
        if isinstance(s, (bytes, bytearray)):
            encoding = json.detect_encoding(s)
            if encoding != "utf-8":
                text = s.decode(encoding, "surrogatepass")
                try:
                    return self._loads(text, max_depth=max_depth())
                except UnicodeEncodeError:
                    return json.loads(s)
            try:
                return self._loads(s, max_depth=max_depth())
            except UnicodeDecodeError:
                return json.loads(s)
        raise TypeError(f"the JSON object must be str, bytes or bytearray, not {s.__class__.__name__}")

    def __repr__(self) -> str:
        return "RustJSON()"
