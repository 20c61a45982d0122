"""The pure-Python reference: the stdlib `json` module with crewai's `CrewJSONEncoder`.

It *is* the behaviour the Rust implementation must reproduce, so it doubles as the fallback
when the extension is unavailable.
"""

from __future__ import annotations

import json
import re
from functools import cache
from typing import Any

__all__ = ["PythonJSON"]

_SURROGATE = re.compile("[\ud800-\udfff]")


@cache
def _crew_encoder() -> type[json.JSONEncoder]:
    from crewai.utilities.crew_json_encoder import CrewJSONEncoder

    return CrewJSONEncoder


class PythonJSON:
    """`json.dumps(cls=CrewJSONEncoder)` / `json.loads`."""

    name = "python"

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
        return json.dumps(
            obj,
            cls=_crew_encoder(),
            indent=indent,
            sort_keys=sort_keys,
            ensure_ascii=ensure_ascii,
            separators=separators,
            allow_nan=allow_nan,
            default=default,
        )

    def dumps_compact(self, obj: Any, *, default: Any = None) -> bytes:
        text = json.dumps(
            obj, cls=_crew_encoder(), ensure_ascii=False, separators=(",", ":"), default=default
        )
        # A lone surrogate can only sit inside a string literal: escaping it there keeps the
        # output valid UTF-8 that loads back to the same str.
        if _SURROGATE.search(text):
            text = _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
        return text.encode("utf-8")

    def loads(self, s: str | bytes | bytearray) -> Any:
        return json.loads(s)

    def __repr__(self) -> str:
        return "PythonJSON()"
