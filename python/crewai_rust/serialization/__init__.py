"""crewai-exact JSON: `dumps`, `dumps_compact` and `loads`, in Rust with a pure-Python reference.

`dumps(obj, ...)` returns exactly what `json.dumps(obj, cls=CrewJSONEncoder, ...)` returns
(crewai's encoder: pydantic models, UUID/Decimal/Enum, datetime/date, bytes) and raises the
same exception types; `loads` returns what `json.loads` returns and raises the same
`json.JSONDecodeError`. `dumps_compact` is a UTF-8 `bytes` form without spaces for storage.
The module-level functions run in Rust when the extension is loaded and the `serialization`
flag allows it, else in the Python reference; `implementation(name)` picks one explicitly.
"""

from __future__ import annotations

from json import JSONDecodeError
from typing import Any

from crewai_rust import _native, flags
from crewai_rust.serialization._reference import PythonJSON
from crewai_rust.serialization._rust import RustJSON
from crewai_rust.serialization.api import JSONImplementation

__all__ = [
    "JSONDecodeError",
    "JSONImplementation",
    "PythonJSON",
    "RustJSON",
    "dumps",
    "dumps_compact",
    "implementation",
    "loads",
]

_PYTHON = PythonJSON()
_RUST: RustJSON | None = None


def implementation(name: str | None = None) -> JSONImplementation:
    """The implementation called `name` ("rust" or "python"), or the one the flags select."""
    global _RUST
    if name is None:
        rust = flags.is_enabled("serialization", rust_available=_native.rust_available())
        name = "rust" if rust else "python"
    if name == "python":
        return _PYTHON
    if name == "rust":
        if _RUST is None:
            _RUST = RustJSON()
        return _RUST
    raise ValueError(f"unknown implementation {name!r}; expected 'rust' or 'python'")


def dumps(
    obj: Any,
    *,
    indent: int | str | None = None,
    sort_keys: bool = False,
    ensure_ascii: bool = True,
    separators: tuple[str, str] | None = None,
    allow_nan: bool = True,
    default: Any = None,
) -> str:
    """`json.dumps(obj, cls=CrewJSONEncoder, ...)`, byte for byte."""
    return implementation().dumps(
        obj,
        indent=indent,
        sort_keys=sort_keys,
        ensure_ascii=ensure_ascii,
        separators=separators,
        allow_nan=allow_nan,
        default=default,
    )


def dumps_compact(obj: Any, *, default: Any = None) -> bytes:
    """Compact UTF-8 JSON bytes (no spaces, non-ASCII kept) with crewai's type rules."""
    return implementation().dumps_compact(obj, default=default)


def loads(s: str | bytes | bytearray) -> Any:
    """`json.loads(s)`: the same values, and the same `JSONDecodeError` on bad input."""
    return implementation().loads(s)
