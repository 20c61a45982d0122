"""The single entry point for building, testing and benchmarking crewai-rust.

CI runs exactly these sessions (`.ci/run`, `.github/workflows/ci.yml`). Sessions build the
extension once per virtualenv with `maturin develop` into the shared `target/` directory, so
a second run is incremental. Extra arguments after `--` go to the underlying tool.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

import nox

nox.options.default_venv_backend = "uv|virtualenv"
nox.options.reuse_existing_virtualenvs = True
nox.options.sessions = ["tests", "rust"]

ROOT = Path(__file__).parent
PYTHON = f"{sys.version_info.major}.{sys.version_info.minor}"
# `fast` = release optimisations without fat LTO: tests and benchmarks measure optimised code
# while a rebuild stays incremental. Wheels use the real release profile.
BUILD_PROFILE = os.environ.get("CREWAI_RUST_PROFILE", "fast")


def _develop(session: nox.Session, *extras: str) -> None:
    """Editable install of the package with its extras; builds the extension incrementally."""
    spec = f".[{','.join(extras)}]" if extras else "."
    # uv would otherwise reuse a cached build of the editable package and miss Rust changes.
    refresh = ("--reinstall-package", "crewai-rust") if _uses_uv(session) else ("--force-reinstall",)
    session.install(
        *refresh, "-e", spec,
        env={"MATURIN_PEP517_ARGS": f"--profile {BUILD_PROFILE}"},
    )


def _uses_uv(session: nox.Session) -> bool:
    return getattr(session.virtualenv, "venv_backend", "") == "uv"


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """Build the extension and run the whole pytest suite against both implementations."""
    _develop(session, "test")
    session.run("pytest", *session.posargs, env={"CREWAI_RUST_EXPECT_EXTENSION": "1"})


@nox.session(python=PYTHON)
def tests_python(session: nox.Session) -> None:
    """The fallback path: the same suite with the extension truly absent (never built)."""
    session.install("-r", str(_requirements(session, "test")))
    with tempfile.TemporaryDirectory() as tmp:
        # A copy of the sources without any compiled module a previous build left in python/.
        src = Path(tmp) / "python"
        shutil.copytree(ROOT / "python", src, ignore=shutil.ignore_patterns("*.so", "*.pyd", "__pycache__"))
        session.run(
            "pytest", *session.posargs,
            env={"PYTHONPATH": str(src), "CREWAI_RUST_EXPECT_EXTENSION": "0"},
        )


def _requirements(session: nox.Session, *extras: str) -> Path:
    """The project's runtime dependencies plus extras, as a requirements file (no build needed)."""
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = list(project["dependencies"])
    for extra in extras:
        reqs += project["optional-dependencies"][extra]
    path = Path(session.create_tmp()) / f"requirements-{'-'.join(extras) or 'base'}.txt"
    path.write_text("\n".join(reqs) + "\n")
    return path


@nox.session(python=False)
def rust(session: nox.Session) -> None:
    """Format check, clippy with warnings as errors, and the pure crates' tests."""
    session.run("cargo", "fmt", "--all", "--", "--check", external=True)
    session.run("cargo", "clippy", "--workspace", "--all-targets", "--", "-D", "warnings", external=True)
    session.run("cargo", "test", "--workspace", *session.posargs, external=True)


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """ruff, mypy, and mypy.stubtest of the hand-written _core stubs against the built module."""
    _develop(session, "lint")
    session.run("ruff", "check", "python", "tests", "benchmarks", "noxfile.py")
    session.run("ruff", "format", "--check", "python", "tests", "benchmarks", "noxfile.py")
    session.run("mypy")
    session.run("python", "-m", "mypy.stubtest", "crewai_rust._core", "--concise")
    if shutil.which("actionlint"):
        session.run("actionlint", external=True)
    else:
        session.log("actionlint not on PATH: workflow lint skipped (CI installs it)")


@nox.session(python=PYTHON)
def bench(session: nox.Session) -> None:
    """Side-by-side benchmarks: Rust vs crewai / Python / peers, as ratios measured in one run."""
    _develop(session, "test", "bench")
    session.run("python", "-m", "benchmarks.report", *session.posargs)


@nox.session(python=PYTHON)
def demo(session: nox.Session) -> None:
    """A real crew run twice (crewai alone, then with crewai-rust installed), compared."""
    _develop(session, "test")
    session.run("python", "-m", "crewai_rust.demo", *session.posargs)


@nox.session(python=PYTHON)
def asv(session: nox.Session) -> None:
    """asv history for the current commit (or a range in posargs), then the static site."""
    session.install("asv>=0.6.4", "virtualenv>=20")
    args = list(session.posargs)
    if args[:1] == ["preview"]:
        session.run("asv", "preview")
        return
    session.run("asv", "machine", "--yes")
    session.run("asv", "run", *(args or ["HEAD^!"]), "--show-stderr")
    session.run("asv", "publish")


@nox.session(python=PYTHON)
def fuzz(session: nox.Session) -> None:
    """Bounded differential fuzzing of the tool helpers (atheris); crashers go to the test corpus."""
    _develop(session, "test")
    session.install("atheris>=2.3")
    args = session.posargs or ["-max_total_time=120"]
    session.run("python", "tests/tools/fuzz_tools.py", *args)


@nox.session(python=PYTHON)
def wheel(session: nox.Session) -> None:
    """Build a release wheel, install it in a fresh venv with no Rust on PATH, test it there."""
    session.install("maturin>=1.8,<2")
    dist = ROOT / "dist"
    shutil.rmtree(dist, ignore_errors=True)
    session.run("maturin", "build", "--release", "--out", str(dist))
    wheels = sorted(dist.glob("crewai_rust-*.whl"))
    session.log(f"wheel: {wheels[0].name} ({wheels[0].stat().st_size / 1e6:.1f} MB)")
    with tempfile.TemporaryDirectory() as tmp:
        venv = Path(tmp) / "venv"
        session.run("uv", "venv", "--python", sys.executable, str(venv), external=True)
        py = venv / "bin" / "python"
        session.run("uv", "pip", "install", "--python", str(py), f"{wheels[0]}[test]", external=True)
        no_rust_path = os.pathsep.join(
            p for p in os.environ.get("PATH", "").split(os.pathsep) if not (Path(p) / "cargo").exists()
        )
        # From outside the source tree, so python/ cannot shadow the installed wheel.
        session.run(
            str(py), "-m", "pytest", str(ROOT / "tests"), "-p", "no:cacheprovider", "--rootdir", tmp,
            "-c", str(ROOT / "pyproject.toml"), *session.posargs,
            env={"PATH": no_rust_path, "CREWAI_RUST_EXPECT_EXTENSION": "1"}, external=True,
        )
