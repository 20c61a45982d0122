"""An installed package whose compiled extension is damaged still imports and runs in Python.

This is what a user gets when the wheel's `_core` library is unloadable on their machine (a
truncated download, a wrong-architecture file, a missing system library): one warning, then every
component on its Python reference. The test damages a copy, never the installed package itself.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import crewai_rust
from crewai_rust import _native

REPORT = textwrap.dedent(
    """
    import json, crewai_rust
    from crewai_rust import _native
    import crewai_rust.memory, crewai_rust.serialization, crewai_rust.tools
    status = crewai_rust.status()
    print(json.dumps({"package": crewai_rust.__file__, "available": crewai_rust.RUST_AVAILABLE,
                      "error": _native.load_error(), "status": status}))
    """
)


def _copy_with_corrupted_extension(dest: Path) -> Path:
    """Copies the imported package into `dest` and overwrites the start of its `_core` library."""
    package = Path(crewai_rust.__file__).parent
    copy = dest / "crewai_rust"
    shutil.copytree(package, copy, ignore=shutil.ignore_patterns("__pycache__"))
    libraries = [p for p in copy.glob("_core.*") if p.suffix in {".so", ".pyd"}]
    assert len(libraries) == 1, f"expected one compiled _core in {package}: {libraries}"
    data = bytearray(libraries[0].read_bytes())
    # The object-file header (ELF / Mach-O / PE magic and tables) becomes garbage: the loader
    # rejects the file the way it rejects a truncated or foreign-platform download.
    data[:512] = b"corrupted by crewai-rust test " * 17 + b"\x00" * 2
    libraries[0].write_bytes(bytes(data))
    return libraries[0]


def _report_from(site: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run REPORT in a fresh interpreter that imports crewai_rust from `site` first."""
    env = {k: v for k, v in os.environ.items() if k != _native.DISABLE_ENV}
    env["PYTHONPATH"] = os.pathsep.join([str(site), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    return subprocess.run(
        [sys.executable, "-c", REPORT],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.requires_extension
def test_corrupted_extension_falls_back_with_exactly_one_warning(tmp_path: Path) -> None:
    site = tmp_path / "site"
    damaged = _copy_with_corrupted_extension(site)
    proc = _report_from(site, tmp_path)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)  # stdout holds only the report: the library printed nothing
    imported = Path(out["package"]).resolve()
    assert imported.is_relative_to(site.resolve()), f"imported {imported}, not the damaged copy"
    assert out["available"] is False
    assert out["error"].startswith("ImportError"), out["error"]
    # What the user sees on stderr (logging's last-resort handler): one line from us, no traceback.
    # Lines from crewai's own dependencies, if any, are not ours to count; a `warnings.warn` from
    # our package would name a crewai_rust file and be counted.
    assert "Traceback" not in proc.stderr, proc.stderr
    ours = [line for line in proc.stderr.splitlines() if "crewai_rust" in line or "crewai-rust" in line]
    assert len(ours) == 1, proc.stderr
    assert "crewai_rust: Rust extension could not be loaded" in ours[0]
    assert "using the Python implementations" in ours[0]
    status = out["status"]
    assert status["rust_available"] is False
    assert status["extension"]["loaded"] is False
    assert {c["implementation"] for c in status["components"].values()} == {"python"}
    # The damage was real: the copied library is not what the working installation loads.
    assert damaged.read_bytes() != Path(_native.core().__file__).read_bytes()


def test_missing_extension_is_reported_as_missing(tmp_path: Path) -> None:
    # Regression: the reason read "cannot import name '_core' from partially initialized module
    # 'crewai_rust' (most likely due to a circular import)" when the library was simply absent.
    package = Path(crewai_rust.__file__).parent
    site = tmp_path / "site"
    shutil.copytree(
        package, site / "crewai_rust", ignore=shutil.ignore_patterns("__pycache__", "*.so", "*.pyd")
    )
    proc = _report_from(site, tmp_path)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert Path(out["package"]).resolve().is_relative_to(site.resolve())
    assert out["available"] is False
    assert out["error"] == "ModuleNotFoundError: No module named 'crewai_rust._core'", out["error"]
