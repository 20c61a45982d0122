"""Shared fixtures: every behavioural test takes `impl` and runs once per implementation.

`impl` is parametrised over the implementations that can run here: ("rust", "python") with
the extension, ("python",) without it. Tests that need the extension itself carry the
`requires_extension` marker and are deselected (not skipped) when it is absent; a separate
test fails if the extension was expected (`CREWAI_RUST_EXPECT_EXTENSION=1`) but did not load,
so a broken build can never pass as a Python-only run.
"""

from __future__ import annotations

import os
import shutil

# crewai's tracing handler waits 5 s for a parent span on every Memory.remember() made outside a
# crew (crewai 1.15, telemetry/tracing/handlers.py) and may prompt for trace consent; tests run
# offline and must not stall or read stdin. Set before anything imports crewai.
os.environ.setdefault("CREWAI_TRACING_ENABLED", "false")
os.environ.setdefault("CREWAI_DISABLE_TELEMETRY", "true")
os.environ.setdefault("OTEL_SDK_DISABLED", "true")

import pytest

import crewai_rust
from crewai_rust import _native, flags

IMPLS: tuple[str, ...] = ("rust", "python") if _native.rust_available() else ("python",)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "requires_extension: needs the compiled extension itself")
    config.addinivalue_line("markers", "requires_toolchain: builds the extension, so needs cargo on PATH")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "impl" in metafunc.fixturenames:
        metafunc.parametrize("impl", IMPLS)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # Deselected, not skipped: an environment without the extension (tests_python) or without a
    # Rust toolchain (the installed-wheel run of `nox -s wheel`) cannot run these at all.
    missing = set()
    if not _native.rust_available():
        missing.add("requires_extension")
    if shutil.which("cargo") is None:
        missing.add("requires_toolchain")
    if not missing:
        return
    keep, dropped = [], []
    for item in items:
        (dropped if any(item.get_closest_marker(m) for m in missing) else keep).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep


@pytest.fixture(autouse=True)
def _clean_global_state():
    """No test leaks flag overrides or crewai patches into the next one."""
    yield
    crewai_rust.uninstall()
    flags.reset()
