"""crewai-rust: Rust components that make CrewAI faster without changing what it does.

`import crewai_rust` never fails because of the compiled extension: when it cannot be loaded,
every component runs its pure-Python reference (same behaviour) and one warning is logged.
Nothing in crewai changes until you call `install()`.
"""

from __future__ import annotations

from importlib import metadata as _metadata
from typing import Any

from crewai_rust import _native, flags
from crewai_rust.errors import (
    CorruptStoreError,
    CrewaiRustError,
    ExtensionUnavailableError,
    InvalidInputError,
    RustPanicError,
    StorageError,
    StoreLockedError,
)
from crewai_rust.flags import configure
from crewai_rust.integration import install, uninstall

try:
    __version__ = _metadata.version("crewai-rust")
except _metadata.PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"

RUST_AVAILABLE: bool = _native.rust_available()
"""True when the compiled extension loaded; False means every component runs in Python."""

__all__ = [
    "RUST_AVAILABLE",
    "CorruptStoreError",
    "CrewaiRustError",
    "ExtensionUnavailableError",
    "InvalidInputError",
    "RustMemoryStorage",
    "RustPanicError",
    "StorageError",
    "StoreLockedError",
    "__version__",
    "configure",
    "install",
    "status",
    "uninstall",
]


def status() -> dict[str, Any]:
    """What is really running: the extension, each component's implementation, flags, patches.

    A component's `implementation` is "rust" when its flag allows Rust and the extension loaded,
    else "python"; `installed` says whether `install()` has wired it into crewai.
    """
    from crewai_rust import integration

    available = _native.rust_available()
    core = _native.core() if available else None
    current = flags.current()
    wired = integration.installed_components()
    components = {
        name: {
            "flag": getattr(current, name),
            "implementation": "rust" if flags.is_enabled(name, rust_available=available) else "python",
            "installed": name in wired,
        }
        for name in flags.COMPONENTS
    }
    return {
        "version": __version__,
        "rust_available": available,
        "extension": {
            "loaded": available,
            "version": getattr(core, "__version__", None),
            "build_profile": getattr(core, "BUILD_PROFILE", None),
            "path": getattr(core, "__file__", None),
            "error": _native.load_error(),
        },
        "components": components,
        "flags": {
            "memory": current.memory,
            "tools": current.tools,
            "serialization": current.serialization,
            "hybrid": current.hybrid,
            "ab_sample": current.ab_sample,
        },
        "patched": integration.patched_attributes(),
    }


# --- hybrid recall (issue 4): the seed's text API, imported on first use -----------------------
def __getattr__(name: str) -> Any:
    if name == "RustMemoryStorage":
        from crewai_rust.memory.text_storage import RustMemoryStorage

        return RustMemoryStorage
    raise AttributeError(f"module 'crewai_rust' has no attribute {name!r}")
