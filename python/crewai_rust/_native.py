"""Loads the compiled extension once, or records why it could not be loaded.

The import is attempted exactly once per process. A failure is logged as a single warning
through `logging` (a library must not print) and every component falls back to its Python
reference, so `import crewai_rust` never fails because of the extension.
"""

from __future__ import annotations

import importlib
import logging
import os
from types import ModuleType

from crewai_rust.errors import ExtensionUnavailableError

__all__ = ["DISABLE_ENV", "core", "load_error", "rust_available"]

logger = logging.getLogger("crewai_rust")

# Lets an operator force the pure-Python path (e.g. to bisect a suspected extension bug)
# without uninstalling anything.
DISABLE_ENV = "CREWAI_RUST_DISABLE_EXTENSION"

_core: ModuleType | None = None
_error: str | None = None


def _load() -> None:
    global _core, _error
    if os.environ.get(DISABLE_ENV, "").strip().lower() in {"1", "true", "yes", "on"}:
        _error = f"disabled by {DISABLE_ENV}"
        logger.warning(
            "crewai_rust: Rust extension disabled by %s; using the Python implementations", DISABLE_ENV
        )
        return
    try:
        # import_module, not `from crewai_rust import _core`: during the package's own import the
        # latter reports a missing file as "cannot import name '_core' from partially initialized
        # module ... (most likely due to a circular import)", which sends users the wrong way.
        module = importlib.import_module("crewai_rust._core")
    except ImportError as exc:  # no wheel for this platform, a broken build, a missing symbol
        _error = f"{type(exc).__name__}: {exc}"
        logger.warning(
            "crewai_rust: Rust extension could not be loaded (%s); using the Python implementations",
            _error,
        )
        return
    _core = module


_load()


def rust_available() -> bool:
    return _core is not None


def load_error() -> str | None:
    """Why the extension is not in use, or None when it is."""
    return _error


def core() -> ModuleType:
    """The extension module; raises ExtensionUnavailableError when it did not load."""
    if _core is None:
        raise ExtensionUnavailableError(f"the crewai_rust Rust extension is not available ({_error})")
    return _core
