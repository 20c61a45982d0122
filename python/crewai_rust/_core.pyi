# Stubs for the compiled extension crewai_rust._core; checked with mypy.stubtest in `nox -s lint`.
# Users import crewai_rust, never _core. One section per area keeps parallel work mergeable.

__version__: str
BUILD_PROFILE: str

def _debug_panic(message: str, detach: bool = False) -> None: ...
def _noop() -> None: ...

# --- serialization ---------------------------------------------------------------------------

# --- end serialization -----------------------------------------------------------------------

# --- memory store ----------------------------------------------------------------------------

# --- end memory store ------------------------------------------------------------------------

# --- tools -----------------------------------------------------------------------------------

# --- end tools -------------------------------------------------------------------------------
