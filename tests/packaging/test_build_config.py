"""The release configuration in the repository: cibuildwheel's build matrix and the CI workflows.

These read the source tree (pyproject.toml, noxfile.py, .github/workflows), not the installed
package, so cibuildwheel's own test run leaves them out; `nox -s tests` and `nox -s wheel` run them.
"""

from __future__ import annotations

import ast
import itertools
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))

# The support matrix: CPython 3.10-3.13, one wheel per version and platform, each tested.
PYTHONS = ("cp310", "cp311", "cp312", "cp313")
PLATFORMS = {
    "linux": ("manylinux_x86_64", "manylinux_aarch64", "musllinux_x86_64"),
    "macos": ("macosx_x86_64", "macosx_arm64"),
    "windows": ("win_amd64",),
}


def _identifiers(platform: str) -> list[str]:
    # CIBW_* variables would override pyproject.toml; the test is about the file.
    env = {k: v for k, v in os.environ.items() if not k.startswith("CIBW_")}
    command = ["cibuildwheel", "--platform", platform, "--print-build-identifiers", str(ROOT)]
    proc = subprocess.run(
        [sys.executable, "-m", *command],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.split()


@pytest.mark.parametrize("platform", sorted(PLATFORMS))
def test_cibuildwheel_builds_exactly_the_support_matrix(platform: str) -> None:
    found = _identifiers(platform)
    expected = {f"{py}-{plat}" for py, plat in itertools.product(PYTHONS, PLATFORMS[platform])}
    assert len(found) == len(set(found)), found
    assert set(found) == expected


# crewai has no wheels for its own dependencies there (see test-skip in pyproject.toml).
UNTESTABLE = {"macosx_x86_64", "musllinux_x86_64"}


def test_cibuildwheel_tests_every_wheel_crewai_can_be_installed_next_to() -> None:
    import tomllib
    from cibuildwheel.selector import TestSelector

    skip = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["cibuildwheel"]["test-skip"]
    tested = TestSelector(skip_config=" ".join(skip))
    for platform in PLATFORMS:
        for ident in _identifiers(platform):
            assert tested(ident) is (ident.split("-", 1)[1] not in UNTESTABLE), ident


def _load(path: Path) -> dict[Any, Any]:
    doc = yaml.safe_load(path.read_text())
    assert isinstance(doc, dict), path
    return doc


def _triggers(doc: dict[Any, Any]) -> Any:
    # YAML 1.1 reads the bare key `on` as the boolean True.
    return doc.get("on", doc.get(True))


def _steps(doc: dict[Any, Any]) -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    return [(name, job, step) for name, job in doc["jobs"].items() for step in job.get("steps", [])]


def _nox_sessions() -> set[str]:
    """Session names declared in noxfile.py, read without importing nox."""
    tree = ast.parse((ROOT / "noxfile.py").read_text())
    names = set()
    for node in tree.body:
        if not isinstance(node, ast.FunctionDef):
            continue
        for deco in node.decorator_list:
            call = deco if isinstance(deco, ast.Call) else None
            target = call.func if call else deco
            if ast.unparse(target) != "nox.session":
                continue
            named = [kw.value for kw in (call.keywords if call else []) if kw.arg == "name"]
            names.add(named[0].value if named and isinstance(named[0], ast.Constant) else node.name)
    return names


def _matrix_values(job: dict[str, Any], key: str) -> set[str]:
    matrix = job.get("strategy", {}).get("matrix", {})
    values = set(matrix.get(key, []))
    values |= {entry[key] for entry in matrix.get("include", []) if key in entry}
    return values


def _sessions_called(job: dict[str, Any], command: str) -> set[str]:
    called = set()
    session = r"\$\{\{\s*matrix\.(\w+)\s*\}\}|([\w-]+)"
    for match in re.finditer(rf"\bnox\b[^\n]*?\s(?:-s|--session|--sessions)\s+(?:{session})", command):
        key, name = match.groups()
        if key:
            values = _matrix_values(job, key)
            assert values, f"matrix.{key} has no values in {command!r}"
            called |= values
        else:
            called.add(name)
    return called


def test_there_are_ci_and_wheel_workflows() -> None:
    assert {p.name for p in WORKFLOWS} >= {"ci.yml", "wheels.yml"}


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_workflow_parses_into_jobs_with_steps(path: Path) -> None:
    doc = _load(path)
    assert _triggers(doc), f"{path.name} has no `on:` triggers"
    assert doc["jobs"], path.name
    for name, job in doc["jobs"].items():
        assert "runs-on" in job, f"{path.name}: job {name} has no runs-on"
        assert job.get("steps"), f"{path.name}: job {name} has no steps"


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_workflow_actions_are_pinned_to_a_version(path: Path) -> None:
    for job_name, _job, step in _steps(_load(path)):
        uses = step.get("uses")
        if uses is None:
            continue
        action, _, ref = uses.partition("@")
        # A release tag (v1.2.3 / 1.89.0) or a full commit hash; never a moving branch or major tag.
        assert re.fullmatch(r"v?\d+\.\d+\.\d+|[0-9a-f]{40}", ref), f"{path.name}/{job_name}: {uses}"
        assert action, uses


def test_every_nox_session_the_workflows_call_exists() -> None:
    sessions = _nox_sessions()
    called = {}
    for path in WORKFLOWS:
        doc = _load(path)
        for job_name, job, step in _steps(doc):
            for session in _sessions_called(job, step.get("run", "")):
                called[session] = f"{path.name}/{job_name}"
    assert "tests" in called, "ci.yml does not run the test session"
    missing = {session: where for session, where in called.items() if session not in sessions}
    assert not missing, f"workflows call nox sessions that noxfile.py lacks: {missing}"


def test_ci_runs_the_standard_sessions() -> None:
    doc = _load(ROOT / ".github" / "workflows" / "ci.yml")
    called = set()
    for _name, job, step in _steps(doc):
        called |= _sessions_called(job, step.get("run", ""))
    assert called >= {"tests", "tests_python", "rust", "lint", "wheel"}


def test_wheels_publish_only_tags_through_trusted_publishing() -> None:
    doc = _load(ROOT / ".github" / "workflows" / "wheels.yml")
    publishers = {
        name: job
        for name, job in doc["jobs"].items()
        if any(str(step.get("uses", "")).startswith("pypa/gh-action-pypi-publish@") for step in job["steps"])
    }
    assert len(publishers) == 1, sorted(publishers)
    ((name, job),) = publishers.items()
    assert "refs/tags/v" in job.get("if", ""), f"{name} must run only for version tags"
    assert job.get("permissions", {}).get("id-token") == "write", "trusted publishing needs an OIDC token"
    assert doc.get("permissions", {}).get("id-token") in (None, "none"), "only the publish job gets a token"
    for step in job["steps"]:
        # Trusted publishing: no API token anywhere in the job.
        assert "password" not in step.get("with", {}), step
    needs = set(job.get("needs", []))
    builders = {n for n, j in doc["jobs"].items() if "cibuildwheel" in str(j)}
    assert builders, "no job runs cibuildwheel"
    assert builders <= needs, f"publish must wait for {builders}, waits for {needs}"


def test_cibuildwheel_tests_the_installed_wheel_not_the_source_tree() -> None:
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["cibuildwheel"]
    sources = set(config["test-sources"])
    assert "tests" in sources
    # python/ (or the whole project) next to the test run would shadow the installed package.
    assert not sources & {"python", "python/crewai_rust", "."}, sources
    assert "{project}" not in config["test-command"]
    # Per-version wheels: an abi3 audit would reject the non-limited API the extension uses on purpose.
    assert "audit-command" not in config
