"""The single entry point for building, testing and benchmarking crewai-rust.

CI runs exactly these sessions (`.ci/run`, `.github/workflows/ci.yml`). Sessions build the
extension once per virtualenv with `maturin develop` into the shared `target/` directory, so
a second run is incremental. Extra arguments after `--` go to the underlying tool.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

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
    # Builds before the switch to per-version wheels left a stable-ABI _core.abi3.so in the tree;
    # it would sit beside the new _core.cpython-*.so as a second, stale copy of the extension.
    for stale in (ROOT / "python" / "crewai_rust").glob("_core.abi3.*"):
        stale.unlink()
    session.install(
        *refresh,
        "-e",
        spec,
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
            "pytest",
            *session.posargs,
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
    session.run("ruff", "check", "python", "tests", "benchmarks", "rust_examples", "noxfile.py")
    session.run("ruff", "format", "--check", "python", "tests", "benchmarks", "rust_examples", "noxfile.py")
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
    env = {"CREWAI_RUST_BENCH_PROFILE": BUILD_PROFILE}
    session.run("python", "-m", "benchmarks.report", *session.posargs, env=env)


@nox.session(python=PYTHON)
def demo(session: nox.Session) -> None:
    """A real crew run twice (crewai alone, then with crewai-rust installed), compared."""
    _develop(session, "test")
    session.run("python", "-m", "crewai_rust.demo", *session.posargs)


@nox.session(python=PYTHON)
def asv(session: nox.Session) -> None:
    """asv history of the current commit, or of a range (`-- HEAD~5..HEAD`), then the static site.

    `-- preview` serves the published site on localhost. Each commit is built once, by maturin
    through pip (asv.conf.json), with the `fast` profile into a target dir shared across commits.
    """
    session.install("asv>=0.6.4", "virtualenv>=20")
    args = list(session.posargs)
    if args[:1] == ["preview"]:
        session.run("asv", "preview", *args[1:])
        return
    env = {
        "MATURIN_PEP517_ARGS": f"--profile {BUILD_PROFILE}",
        "CARGO_TARGET_DIR": str(ROOT / "target" / "asv"),
    }
    session.run("asv", "machine", "--yes")
    session.run("asv", "run", *(args or ["HEAD^!"]), "--skip-existing-commits", "--show-stderr", env=env)
    session.run("asv", "publish")
    # asv 0.6 pages load their scripts from CDNs; vendored copies make the site work offline.
    session.run("python", "-m", "benchmarks.asv_offline", ".asv/html")
    session.log("site: .asv/html/index.html (serve it with `nox -s asv -- preview`)")


@nox.session(python=PYTHON)
def asv_site(session: nox.Session) -> None:
    """Build an asv site from two commits' results and check its graphs render in headless Chromium.

    Needs Debian's `chromium` on PATH (`apt-get install -y chromium`); installs no browser itself.
    """
    _develop(session, "test", "bench")
    session.run("pytest", "-m", "asv_site", "tests/bench/test_asv_site.py", *session.posargs)


# --- wheel: the release artefacts, installed the way a user installs them -----------------------


def _extra(name: str) -> list[str]:
    """One optional-dependency list from pyproject.toml, for sessions that need only the tools."""
    import tomllib

    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"][name]


def _venv_python(venv: Path) -> Path:
    return venv / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")


def _without_rust() -> dict[str, str | None]:
    """The environment a user without a Rust toolchain has: no cargo/rustc on PATH, no Rust vars."""
    exe = ".exe" if sys.platform == "win32" else ""
    path = os.pathsep.join(
        entry
        for entry in os.environ.get("PATH", "").split(os.pathsep)
        if entry and not any((Path(entry) / f"{tool}{exe}").exists() for tool in ("cargo", "rustc"))
    )
    # nox drops variables mapped to None, so the child sees them unset (`env -u`).
    unset: dict[str, str | None] = dict.fromkeys(
        ("CARGO", "CARGO_HOME", "RUSTUP_HOME", "RUSTUP_TOOLCHAIN", "RUSTC", "CARGO_TARGET_DIR"), None
    )
    return {**unset, "PATH": path}


# Printed as JSON by the fresh venv's interpreter, run from outside the source tree.
_WHERE = (
    "import json, shutil, crewai_rust; from crewai_rust import _native; "
    "print(json.dumps({'package': crewai_rust.__file__, 'rust': crewai_rust.RUST_AVAILABLE, "
    "'extension': getattr(_native._core, '__file__', None), 'error': _native.load_error(), "
    "'cargo': shutil.which('cargo')}))"
)


def _installed_copy(session: nox.Session, py: Path, cwd: Path, env: dict[str, str | None]) -> dict[str, Any]:
    """Where the venv's `crewai_rust` (and its extension) really come from; fails if not the venv's."""
    with session.chdir(cwd):
        out = session.run(str(py), "-c", _WHERE, env=env, silent=True, external=True)
    info = json.loads(str(out).strip().splitlines()[-1])
    if not info["rust"]:
        session.error(f"the installed extension did not load: {info['error']}")
    venv = py.parent.parent.resolve()
    for key in ("package", "extension"):
        if not Path(info[key]).resolve().is_relative_to(venv):
            session.error(f"crewai_rust {key} came from {info[key]!r}, not the fresh venv {venv}: {info}")
    session.log(f"installed copy in use: {info['package']}")
    return info


@nox.session(python=PYTHON)
def fuzz(session: nox.Session) -> None:
    """Bounded differential fuzzing of the tool helpers, then of the json_repair port seeded with
    the broken-JSON corpus (atheris, each run bounded); crashers go to the test corpus."""
    _develop(session, "test")
    session.install("atheris>=2.3")
    args = session.posargs or ["-max_total_time=120"]
    session.run("python", "tests/tools/fuzz_tools.py", *args)
    session.run("python", "tests/tools/fuzz_repair.py", *args)


@nox.session(python=PYTHON)
def wheel(session: nox.Session) -> None:
    """Release wheel + sdist for this machine, each installed into a fresh venv and exercised there.

    The wheel (fat LTO, audited manylinux tag on Linux, built for this session's CPython) goes
    into a venv built with no Rust on PATH, together with crewai from the index; the whole test
    suite then runs against it from a directory outside the source tree. The sdist is built from
    source into a second venv and imported. Extra arguments go to pytest.
    """
    session.install(*_extra("wheel"))
    dist = ROOT / "dist"
    shutil.rmtree(dist, ignore_errors=True)
    # --auditwheel check: maturin's own manylinux audit fails the build instead of mislabelling it.
    # One interpreter: the extension is built per CPython version (no abi3), for the session's own.
    session.run(
        "maturin",
        "build",
        "--release",
        "--interpreter",
        "python",
        "--auditwheel",
        "check",
        "--out",
        str(dist),
    )
    session.run("maturin", "sdist", "--out", str(dist))
    (whl,) = dist.glob("crewai_rust-*.whl")
    (sdist,) = dist.glob("crewai_rust-*.tar.gz")
    session.log(f"wheel: {whl.name} ({whl.stat().st_size / 1024:.0f} KiB), sdist: {sdist.name}")
    tag = "cp" + PYTHON.replace(".", "")
    if f"-{tag}-{tag}-" not in whl.name:
        session.error(f"{whl.name} is not a {tag} wheel")
    if sys.platform.startswith("linux"):
        platform_tag = whl.stem.rsplit("-", 1)[1]
        if not platform_tag.startswith("manylinux_"):
            session.error(f"{whl.name} has no manylinux tag")
        # A second opinion from pypa's auditor: the symbols must allow exactly the tag we ship.
        shown = str(session.run("auditwheel", "show", str(whl), silent=True))
        if f'"{platform_tag}"' not in " ".join(shown.split()):
            session.error(f"auditwheel does not agree with {platform_tag}:\n{shown}")

    tmp = Path(session.create_tmp()).resolve() / "wheel-check"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    no_rust = _without_rust()

    venv = tmp / "venv-wheel"
    session.run("uv", "venv", "--python", PYTHON, str(venv), external=True)
    py = _venv_python(venv)
    # Never a source build of this package; and with no cargo/rustc reachable, nothing that needs
    # Rust could be compiled for a dependency either.
    session.run(
        "uv",
        "pip",
        "install",
        "--python",
        str(py),
        "--only-binary",
        "crewai-rust",
        f"{whl}[test]",
        env=no_rust,
        external=True,
    )
    outside = tmp / "cwd"
    outside.mkdir()
    info = _installed_copy(session, py, outside, no_rust)
    if info["cargo"] is not None:
        session.error(f"cargo is still reachable in the no-Rust environment: {info['cargo']}")
    with session.chdir(outside):
        # --import-mode=importlib (pyproject) puts no test or source directory on sys.path, and
        # python/ is not in this venv, so every import of crewai_rust resolves to the wheel.
        session.run(
            str(py),
            "-m",
            "pytest",
            str(ROOT / "tests"),
            "-c",
            str(ROOT / "pyproject.toml"),
            "-p",
            "no:cacheprovider",
            *session.posargs,
            env={**no_rust, "CREWAI_RUST_EXPECT_EXTENSION": "1"},
            external=True,
        )

    venv_src = tmp / "venv-sdist"
    session.run("uv", "venv", "--python", PYTHON, str(venv_src), external=True)
    py_src = _venv_python(venv_src)
    requirements = tmp / "requirements.txt"
    requirements.write_text("\n".join(_project_dependencies()) + "\n")
    session.run("uv", "pip", "install", "--python", str(py_src), "-r", str(requirements), external=True)
    # --no-cache forces a real build from the sdist; the shared target dir keeps the compiled
    # third-party crates, so only this project's crates are rebuilt (release profile, as pip would).
    session.run(
        "uv",
        "pip",
        "install",
        "--python",
        str(py_src),
        "--no-deps",
        "--no-cache",
        str(sdist),
        env={"CARGO_TARGET_DIR": str(ROOT / "target")},
        external=True,
    )
    _installed_copy(session, py_src, outside, {})


def _project_dependencies() -> list[str]:
    import tomllib

    return list(tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"])
