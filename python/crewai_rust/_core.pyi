# Stubs for the compiled extension crewai_rust._core; checked with mypy.stubtest in `nox -s lint`.
# Users import crewai_rust, never _core.

__version__: str
BUILD_PROFILE: str

def _debug_panic(message: str, detach: bool = False) -> None: ...
