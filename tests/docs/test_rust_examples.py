"""The guide's two scripts in rust_examples/ do what docs/migration-guide.md says.

`test_rust_integration.py` is run on a small slice of its own selection (extra arguments go to
pytest) to check its output contract: one `PASS`/`FAIL name` line per check, a final
`N passed, N failed` line, exit status non-zero when nothing passed or something failed. The full
run is the guide's command itself. `performance_benchmark.py` is checked to reach the benchmark
report's own argument handling (a full quick benchmark takes minutes; `nox -s bench` runs it).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

TIMEOUT_S = 600


def _run(repo_root: Path, script: str, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CREWAI_TRACING_ENABLED": "false"}
    return subprocess.run(
        [sys.executable, str(repo_root / "rust_examples" / script), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        check=False,
    )


def test_integration_script_prints_one_line_per_check(repo_root: Path, tmp_path: Path) -> None:
    # An impl-parametrised check: its [python] case runs with and without the extension.
    proc = _run(repo_root, "test_rust_integration.py", "-k", "test_update_and_forget", cwd=tmp_path)
    lines = proc.stdout.strip().splitlines()
    checks = [line for line in lines if re.match(r"^(PASS|FAIL) ", line)]
    assert proc.returncode == 0, proc.stdout + proc.stderr[-4000:]
    assert checks, proc.stdout
    assert all(line.startswith("PASS tests/") for line in checks), checks
    assert "PASS tests/memory/test_crewai_memory.py::test_update_and_forget[python]" in checks, checks
    assert lines[-1] == f"{len(checks)} passed, 0 failed"
    # pytest's own progress output is replaced by the one-line-per-check report.
    assert not any(line.startswith(("=====", "collected")) for line in lines), lines


def test_integration_script_fails_when_nothing_passes(repo_root: Path, tmp_path: Path) -> None:
    proc = _run(repo_root, "test_rust_integration.py", "-k", "no_such_check_anywhere", cwd=tmp_path)
    assert proc.returncode != 0
    assert re.fullmatch(r"0 passed, \d+ failed", proc.stdout.strip().splitlines()[-1]), proc.stdout


def test_benchmark_script_runs_the_bench_report(repo_root: Path, tmp_path: Path) -> None:
    proc = _run(repo_root, "performance_benchmark.py", "--only", "no_such_area", cwd=tmp_path)
    assert proc.returncode == 2  # argparse error of benchmarks.report: it was reached, with --quick
    assert "unknown area(s) no_such_area; available:" in proc.stderr
    assert "python -m benchmarks.report" in proc.stderr
