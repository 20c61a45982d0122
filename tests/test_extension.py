"""The extension's presence, the fallback when it is missing, status() and panic safety."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

import crewai_rust
from crewai_rust import _native

# Blocks the extension the way a missing wheel or broken build would: the import raises.
BLOCKER = textwrap.dedent(
    """
    import importlib.abc, sys
    class _Block(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name == "crewai_rust._core":
                raise ImportError("blocked by test: no compiled module for this platform")
            return None
    sys.meta_path.insert(0, _Block())
    """
)


def _run(code: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=full_env, timeout=120, check=False
    )


def test_extension_presence_matches_expectation():
    expected = os.environ.get("CREWAI_RUST_EXPECT_EXTENSION")
    if expected == "1":
        assert crewai_rust.RUST_AVAILABLE, f"extension expected but not loaded: {_native.load_error()}"
    elif expected == "0":
        assert not crewai_rust.RUST_AVAILABLE
    assert crewai_rust.status()["rust_available"] is crewai_rust.RUST_AVAILABLE
    assert (_native.load_error() is None) is crewai_rust.RUST_AVAILABLE


def test_import_falls_back_with_one_logged_warning_when_extension_is_blocked():
    code = BLOCKER + textwrap.dedent(
        """
        import json, logging
        records = []
        class H(logging.Handler):
            def emit(self, r): records.append((r.levelname, r.getMessage()))
        logging.getLogger("crewai_rust").addHandler(H())
        import crewai_rust
        import crewai_rust.memory, crewai_rust.tools, crewai_rust.serialization
        s = crewai_rust.status()
        print(json.dumps({"records": records, "available": crewai_rust.RUST_AVAILABLE, "status": s}))
        """
    )
    proc = _run(code)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)  # stdout holds only our JSON: the library printed nothing
    assert out["available"] is False
    warnings = [msg for level, msg in out["records"] if level == "WARNING"]
    assert len(warnings) == 1, out["records"]
    assert "could not be loaded" in warnings[0]
    assert "blocked by test" in warnings[0]
    status = out["status"]
    assert status["extension"]["loaded"] is False
    assert "blocked by test" in status["extension"]["error"]
    assert {c["implementation"] for c in status["components"].values()} == {"python"}


def test_disable_env_forces_python():
    proc = _run(
        "import json, crewai_rust; print(json.dumps(crewai_rust.status()))",
        env={"CREWAI_RUST_DISABLE_EXTENSION": "1"},
    )
    assert proc.returncode == 0, proc.stderr
    status = json.loads(proc.stdout.strip().splitlines()[-1])
    assert status["rust_available"] is False
    assert "CREWAI_RUST_DISABLE_EXTENSION" in status["extension"]["error"]


def test_status_reports_flags_and_implementations(monkeypatch):
    monkeypatch.setenv("CREWAI_USE_RUST_TOOLS", "false")
    crewai_rust.configure(serialization=True)
    status = crewai_rust.status()
    assert set(status["components"]) == {"memory", "tools", "serialization"}
    assert status["flags"]["tools"] == "false"
    assert status["components"]["tools"]["implementation"] == "python"
    expected = "rust" if crewai_rust.RUST_AVAILABLE else "python"
    assert status["components"]["serialization"]["implementation"] == expected
    assert status["components"]["memory"]["flag"] == "auto"
    json.dumps(status)  # serialisable, for the CLI and bug reports


@pytest.mark.requires_extension
def test_status_names_extension_version():
    status = crewai_rust.status()
    core = _native.core()
    assert status["extension"]["version"] == core.__version__
    assert status["extension"]["path"].endswith((".so", ".pyd"))


@pytest.mark.requires_extension
@pytest.mark.parametrize("detach", [False, True])
def test_rust_panic_is_a_python_exception(detach):
    core = _native.core()
    with pytest.raises(crewai_rust.RustPanicError, match="boom from test") as info:
        core._debug_panic("boom from test", detach)
    assert isinstance(info.value, RuntimeError)
    assert isinstance(info.value, crewai_rust.CrewaiRustError)
    # The interpreter is alive and the extension still works after the panic.
    with pytest.raises(crewai_rust.RustPanicError):
        core._debug_panic("again", detach)


def test_core_raises_clear_error_when_unavailable(monkeypatch):
    monkeypatch.setattr(_native, "_core", None)
    monkeypatch.setattr(_native, "_error", "ImportError: test")
    with pytest.raises(crewai_rust.ExtensionUnavailableError, match="not available"):
        _native.core()


def test_status_from_the_command_line():
    proc = _run("import crewai_rust; print(crewai_rust.status())")
    assert proc.returncode == 0, proc.stderr
    assert "'rust_available': " + str(crewai_rust.RUST_AVAILABLE) in proc.stdout
