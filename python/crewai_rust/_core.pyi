# Stubs for the compiled extension crewai_rust._core; checked with mypy.stubtest in `nox -s lint`.
# Users import crewai_rust, never _core. One section per area keeps parallel work mergeable.

__version__: str
BUILD_PROFILE: str

def _debug_panic(message: str, detach: bool = False) -> None: ...

# --- serialization ---------------------------------------------------------------------------

def json_dumps(
    obj: object,
    *,
    indent: str | None,
    item_separator: str,
    key_separator: str,
    ensure_ascii: bool,
    allow_nan: bool,
    sort_keys: bool,
    default: object,
    max_depth: int,
) -> str: ...
def json_dumps_compact(obj: object, *, default: object, max_depth: int) -> bytes: ...
def json_loads(s: str | bytes | bytearray, *, max_depth: int) -> object: ...

# --- end serialization -----------------------------------------------------------------------

# --- memory store ----------------------------------------------------------------------------

# --- end memory store ------------------------------------------------------------------------

# --- tools -----------------------------------------------------------------------------------

# --- end tools -------------------------------------------------------------------------------
