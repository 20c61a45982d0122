"""The guide's first command: `maturin develop` from the repository root, in a fresh virtualenv.

A copy of the checkout (the files git tracks or would track: what a fresh clone holds, plus
uncommitted edits) gets a new virtual environment made with `python -m venv`, so pip is there as
maturin expects. The package's runtime dependencies are installed first with uv from its cache,
only to keep the test fast; `maturin develop` still resolves them itself. It builds with
`--profile fast` (the nox sessions' optimised non-LTO profile, reported as "release") into
this checkout's `target/`, so only this project's crates are compiled. The result must import
with the extension loaded, from the copy, in a process started outside the source tree, and the
`crewai-rust` command must run.

Slow (a Rust build) and deselected with the extension-less session, which has no build by design.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.requires_extension, pytest.mark.requires_toolchain]


def _tracked_files(root: Path) -> list[str]:
    out = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=root,
        capture_output=True,
        check=True,
    ).stdout
    return [p for p in out.decode().split("\0") if p and (root / p).is_file()]


def _venv_bin(venv: Path, name: str) -> Path:
    return (
        venv
        / ("Scripts" if sys.platform == "win32" else "bin")
        / (name + (".exe" if sys.platform == "win32" else ""))
    )


def test_maturin_develop_from_the_repository_root(repo_root: Path, tmp_path: Path) -> None:
    if shutil.which("uv") is None and not (Path(sys.executable).parent / "uv").exists():
        pytest.fail("uv is needed to prepare the virtualenv quickly (pip install uv)")
    uv = shutil.which("uv") or str(Path(sys.executable).parent / "uv")
    checkout = tmp_path / "crewai-rust"
    for rel in _tracked_files(repo_root):
        dest = checkout / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(repo_root / rel, dest)
    assert not list((checkout / "python").rglob("*.so")), "the copy must not carry a built extension"

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    py = _venv_bin(venv, "python")
    import tomllib  # Python >= 3.11, as in noxfile.py

    deps = tomllib.loads((repo_root / "pyproject.toml").read_text())["project"]["dependencies"]
    subprocess.run([uv, "pip", "install", "--python", str(py), "maturin>=1.8,<2", *deps], check=True)

    env = {
        **os.environ,
        "VIRTUAL_ENV": str(venv),
        "PATH": f"{py.parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "CARGO_TARGET_DIR": str(repo_root / "target"),
    }
    env.pop("PYTHONPATH", None)
    build = subprocess.run(
        [str(_venv_bin(venv, "maturin")), "develop", "--profile", "fast"],
        cwd=checkout,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    assert build.returncode == 0, f"maturin develop failed:\n{build.stdout[-3000:]}\n{build.stderr[-6000:]}"

    outside = tmp_path / "elsewhere"
    outside.mkdir()
    probe = (
        "import json, crewai_rust; from crewai_rust import _native; "
        "print(json.dumps({'rust': crewai_rust.RUST_AVAILABLE, 'error': _native.load_error(), "
        "'package': crewai_rust.__file__, 'core': getattr(_native._core, '__file__', None), "
        "'profile': crewai_rust.status()['extension']['build_profile']}))"
    )
    run = subprocess.run(
        [str(py), "-c", probe], cwd=outside, env=env, capture_output=True, text=True, check=False, timeout=300
    )
    assert run.returncode == 0, run.stderr
    info = json.loads(run.stdout.strip().splitlines()[-1])
    assert info["rust"], info
    assert Path(info["package"]).resolve().is_relative_to(checkout.resolve()), info
    assert Path(info["core"]).resolve().is_relative_to(checkout.resolve()), info
    assert info["profile"] == "release", info  # `fast` inherits release: optimised, no debug asserts

    cli = subprocess.run(
        [str(_venv_bin(venv, "crewai-rust")), "status"],
        cwd=outside,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert cli.returncode == 0, cli.stderr
    assert "Rust extension loaded" in cli.stdout, cli.stdout
