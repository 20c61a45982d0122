#!/usr/bin/env python3
"""The guide's integration check: every component, wired into crewai, on both implementations.

    python rust_examples/test_rust_integration.py [extra pytest arguments]

Runs the project's own pytest integration tests (no second copy of them) through `pytest.main`
with a small plugin that prints one line per check, `PASS name` or `FAIL name`, and a final
`N passed, N failed` line; the exit status is non-zero when any check failed or could not run.
Each behavioural test runs once per implementation (`[rust]` and `[python]` in its name, from the
suite's `impl` fixture); without the compiled extension only `[python]` runs and the header
says so. The subset, chosen to cover each component where it meets crewai and to finish in about
a minute (tests marked `slow` are left out):

- memory: crewai's `Memory` end to end on `RustStorage` (remember, recall shallow and deep,
  forget, update, scope and slice views, reset, two memories on one path) and the storage
  factory behind `Memory(storage="rust")` / the memory flag;
- hybrid recall: `HybridMemory` / `install(hybrid=True)` (when that test module is present);
- tools: `install()` routing crewai's parser, tool input, tool selection, cache and rate limiter,
  and a real agent step through the patched paths;
- serialization: crewai's task-output and flow-state persistence byte for byte through the
  patched paths;
- end to end: the demo crew with and without crewai-rust, install/uninstall restoring crewai;
- the monitor: timings, percentiles and A/B comparison.

Needs the test dependencies (`pip install -e '.[test]'`, or `maturin develop --extras test`).
"""

from __future__ import annotations

import os
import sys
import traceback
from pathlib import Path
from typing import Any

INSTALL_HINT = (
    "install the package and its test extras first, e.g. `maturin develop --extras test` "
    "or `pip install -e '.[test]'`"
)
try:
    import pytest
except ImportError as exc:
    sys.exit(f"cannot run the integration checks: {exc}\n{INSTALL_HINT}")

ROOT = Path(__file__).resolve().parents[1]

CHECKS: tuple[str, ...] = (
    "tests/memory/test_crewai_memory.py",
    "tests/memory/test_wiring.py",
    "tests/memory/test_hybrid_memory.py",
    "tests/tools/test_wiring.py",
    "tests/serialization/test_crewai_wiring.py",
    "tests/integration/test_demo_crew.py",
    "tests/integration/test_patcher.py",
    "tests/test_monitor.py",
)
# Present once the hybrid-recall work is merged; until then there is nothing of it to check.
OPTIONAL = frozenset({"tests/memory/test_hybrid_memory.py"})
MARKERS = "not slow and not asv_site"


class LinePerCheck:
    """pytest plugin: one PASS/FAIL line per test, failures' details at the end."""

    def __init__(self) -> None:
        self.outcome: dict[str, str] = {}
        self.details: dict[str, str] = {}

    @pytest.hookimpl(trylast=True)
    def pytest_configure(self, config: Any) -> None:
        # This plugin is the output: pytest's own progress and summary would interleave with it.
        # trylast: after the terminal plugin has registered its reporter.
        reporter = config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            config.pluginmanager.unregister(reporter)

    def _fail(self, nodeid: str, report: Any) -> None:
        self.outcome[nodeid] = "FAIL"
        self.details.setdefault(nodeid, str(report.longrepr))

    def pytest_runtest_logreport(self, report: Any) -> None:
        nodeid = report.nodeid
        if report.when == "call":
            if report.passed:
                # keep a FAIL an earlier phase recorded
                self.outcome[nodeid] = self.outcome.get(nodeid, "PASS")
            elif report.failed:
                self._fail(nodeid, report)
            elif hasattr(report, "wasxfail"):  # a strict xfail failing as declared is its check passing
                self.outcome[nodeid] = self.outcome.get(nodeid, "PASS")
            else:  # skipped: not a pass
                self.outcome[nodeid] = "FAIL"
                self.details.setdefault(nodeid, f"not run: {report.longrepr}")
        elif report.failed:  # setup or teardown error
            self._fail(nodeid, report)
        elif report.when == "setup" and report.skipped:  # a skip is not a pass
            self.outcome[nodeid] = "FAIL"
            self.details.setdefault(nodeid, f"skipped: {report.longrepr}")
        if report.when == "teardown":
            print(f"{self.outcome.get(nodeid, 'FAIL')} {nodeid}", flush=True)

    def pytest_collectreport(self, report: Any) -> None:
        if report.failed:
            name = f"collect {report.nodeid or '<session>'}"
            self.outcome[name] = "FAIL"
            self.details[name] = str(report.longrepr)
            print(f"FAIL {name}", flush=True)


def main(argv: list[str]) -> int:
    os.environ.setdefault("CREWAI_TRACING_ENABLED", "false")
    try:
        import crewai_rust
    except ImportError as exc:
        print(f"cannot run the integration checks: {exc}\n{INSTALL_HINT}", file=sys.stderr)
        return 2

    impls = "rust, python" if crewai_rust.RUST_AVAILABLE else "python only"
    print(f"crewai-rust {crewai_rust.__version__}: implementations under test: {impls}")
    if not crewai_rust.RUST_AVAILABLE:
        print(f"  (extension not loaded: {crewai_rust.status()['extension']['error']})")
    paths = []
    for check in CHECKS:
        if (ROOT / check).is_file():
            paths.append(str(ROOT / check))
        elif check in OPTIONAL:
            print(f"  ({check} is not in this checkout: nothing of it to run)")
        else:
            print(f"FAIL missing {check}")
            return 1

    plugin = LinePerCheck()
    args = [
        *paths,
        "-c",
        str(ROOT / "pyproject.toml"),
        "--rootdir",
        str(ROOT),
        "-m",
        MARKERS,
        "-p",
        "no:cacheprovider",
        *argv,
    ]
    try:
        code = pytest.main(args, plugins=[plugin])
    except Exception:  # e.g. unraisable-exception warnings turned into errors while pytest shuts down
        plugin.outcome["pytest session"] = "FAIL"
        plugin.details["pytest session"] = traceback.format_exc()
        print("FAIL pytest session (pytest raised; details below)", flush=True)
        code = pytest.ExitCode.INTERNAL_ERROR
    passed = sum(1 for o in plugin.outcome.values() if o == "PASS")
    failed = len(plugin.outcome) - passed
    for name, detail in plugin.details.items():
        print(f"\n--- {name}\n{detail}", file=sys.stderr)
    print(f"{passed} passed, {failed} failed")
    if failed or passed == 0:
        return 1
    return 0 if code in (0, pytest.ExitCode.OK) else int(code)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
