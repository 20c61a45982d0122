"""Every runnable ```python block of README.md and docs/*.md runs, as written, in a fresh interpreter.

Each block runs in its own subprocess with a temporary `CREWAI_STORAGE_DIR` (and working
directory), crewai's tracing and telemetry off, no crewai-rust flag inherited from the caller,
and, for the "python" run, the extension disabled (`CREWAI_RUST_DISABLE_EXTENSION=1`), so the
fallback path is what a reader gets there. A block passes when it exits 0: blocks assert what
they claim. See tests/docs/conftest.py for the markers.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

TIMEOUT_S = 180
# Variables that would change what a block does; a block sets what it needs itself.
_INHERITED_FLAGS = re.compile(r"^CREWAI_(USE_RUST_|RUST_)")


def block_env(storage_dir: Path, impl: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not _INHERITED_FLAGS.match(k)}
    env.update(
        CREWAI_STORAGE_DIR=str(storage_dir),
        CREWAI_TRACING_ENABLED="false",
        CREWAI_DISABLE_TELEMETRY="true",
        OTEL_SDK_DISABLED="true",
        PYTHONUNBUFFERED="1",
    )
    if impl == "python":
        env["CREWAI_RUST_DISABLE_EXTENSION"] = "1"
    return env


def run_code(code: str, workdir: Path, impl: str) -> subprocess.CompletedProcess[str]:
    script = workdir / "block.py"
    script.write_text(code, encoding="utf-8")
    storage = workdir / "storage"
    storage.mkdir()
    return subprocess.run(
        [sys.executable, str(script)],
        cwd=workdir,
        env=block_env(storage, impl),
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        check=False,
    )


def test_runnable_block(runnable_block: Any, block_impl: str, tmp_path: Path) -> None:
    proc = run_code(runnable_block.code, tmp_path, block_impl)
    assert proc.returncode == 0, (
        f"{runnable_block.id} ({block_impl}) exited {proc.returncode}\n"
        f"--- stdout\n{proc.stdout[-4000:]}\n--- stderr\n{proc.stderr[-8000:]}"
    )


def test_the_runner_reports_a_failing_block(tmp_path: Path) -> None:
    """The harness itself: a block that fails an assertion must not pass."""
    proc = run_code(
        "import crewai_rust\nassert crewai_rust.status()['version'] == 'nope'\n", tmp_path, "python"
    )
    assert proc.returncode != 0
    assert "AssertionError" in proc.stderr


def test_blocks_see_a_private_storage_dir_and_no_inherited_flags(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setenv("CREWAI_USE_RUST_MEMORY", "false")
    code = (
        "import os, pathlib\n"
        "assert 'CREWAI_USE_RUST_MEMORY' not in os.environ\n"
        "from crewai_rust.memory import default_path\n"
        "print(default_path())\n"
    )
    proc = run_code(code, tmp_path, "python")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == str(tmp_path / "storage" / "memory_rust")


def test_markers_are_well_formed_and_blocks_exist(docs: Any, repo_root: Path) -> None:
    blocks = docs.all_blocks()  # raises MarkerError on a marker without a ```python fence
    files = {b.path.relative_to(repo_root).as_posix() for b in blocks if b.runnable}
    for required in ("docs/migration-guide.md", "docs/rollout.md", "docs/troubleshooting.md"):
        assert required in files, f"{required} has no runnable block"


def test_a_marker_without_a_python_fence_is_an_error(docs: Any, tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text("<!-- runnable -->\n\n```python\nprint(1)\n```\n")
    with pytest.raises(docs.MarkerError, match="not followed"):
        docs.extract(page)
    page.write_text("<!-- runable -->\n```python\nprint(1)\n```\n")
    with pytest.raises(docs.MarkerError, match="unrecognised"):
        docs.extract(page)


def test_every_guide_example_has_a_runnable_crewai_1x_equivalent(docs: Any, repo_root: Path) -> None:
    """In the migration guide, each section quoting the guide's 0.x code also runs 1.x code."""
    guide = repo_root / "docs" / "migration-guide.md"
    text = guide.read_text(encoding="utf-8")
    sections = re.split(r"^## ", text, flags=re.MULTILINE)[1:]
    quoted = [s for s in sections if "### As the guide wrote it" in s]
    assert len(quoted) == 3, [s.splitlines()[0] for s in quoted]  # Option A, Option B, monitoring
    for section in quoted:
        title = section.splitlines()[0]
        after = section.split("### As the guide wrote it", 1)[1]
        assert re.search(r"^<!-- runnable(: extension)? -->$", after, flags=re.MULTILINE), (
            f"section {title!r} quotes the guide but runs no crewai 1.x equivalent"
        )
