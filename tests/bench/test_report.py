"""benchmarks/report.py: discovery, failure isolation, the table and the report files."""

from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path

import matplotlib.image
import pytest
from benchmarks import bench_overhead, report
from benchmarks.harness import Result

GOOD = """
from benchmarks.harness import Result

def run(quick):
    sizes = (10, 1000) if quick else (10, 100, 1000)
    rows = [Result("good", "search", f"{n} records", 1e-6 * n, 5e-6 * n, "crewai", {"recall": 0.9})
            for n in sizes]
    rows.append(Result("good", "parse", "1 call", 2e-6, 1e-6, "stdlib", {"p99_s": 3e-6}))
    return rows
"""
BROKEN = """
def run(quick):
    raise RuntimeError("index corrupted on purpose")
"""
NO_BASELINE = """
import qdrant_edge_not_installed_here  # an optional peer the area compares against

def run(quick):
    return []
"""
WRONG_TYPE = """
def run(quick):
    return [{"operation": "x"}]
"""
EXITS = """
import sys

def run(quick):
    sys.exit("usage: bench_exits [--size N]")
"""


@pytest.fixture
def fake_benchmarks(tmp_path, monkeypatch):
    """A benchmarks package with one good area and three that fail in different ways."""
    pkg = tmp_path / "fakebench"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    for name, body in {
        "good": GOOD,
        "broken": BROKEN,
        "nobaseline": NO_BASELINE,
        "wrongtype": WRONG_TYPE,
        "exits": EXITS,
    }.items():
        (pkg / f"bench_{name}.py").write_text(textwrap.dedent(body))
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(report, "BENCH_DIR", pkg)
    monkeypatch.setattr(report, "PACKAGE", "fakebench")
    yield tmp_path
    for name in [m for m in sys.modules if m.startswith("fakebench")]:
        del sys.modules[name]


def test_discovers_every_bench_module_of_the_repository():
    root = Path(report.__file__).parent
    expected = sorted(p.stem[len("bench_") :] for p in root.glob("bench_*.py"))
    assert report.discover() == expected
    assert "overhead" in expected


def test_one_table_and_every_failure_reported_while_the_rest_runs(fake_benchmarks, capsys):
    out = fake_benchmarks / "out"
    status = report.main(["--quick", "--out", str(out)])
    assert status == 1  # an area failed
    stdout = capsys.readouterr().out
    table = stdout.split("\n\n")[0].splitlines()
    assert table[0].split()[:4] == ["area", "operation", "size", "crewai-rust"]
    assert "recall" in table[0]
    assert "p99_s" in table[0]
    search_rows = [line for line in table if line.startswith("good") and "search" in line]
    assert len(search_rows) == 2
    assert all("5x" in line and "crewai" in line for line in search_rows)
    assert any("parse" in line and "0.5x" in line and "3 µs" in line for line in table)
    assert "broken: failed, 0 rows" in stdout
    assert "RuntimeError: index corrupted on purpose" in stdout
    assert "nobaseline: skipped, 0 rows" in stdout
    assert "qdrant_edge_not_installed_here" in stdout
    assert "wrongtype: failed" in stdout
    assert "exits: failed" in stdout
    assert "SystemExit: usage: bench_exits" in stdout

    data = json.loads((out / "report.json").read_text())
    statuses = {a["area"]: a["status"] for a in data["areas"]}
    assert statuses == {
        "broken": "failed",
        "exits": "failed",
        "good": "ok",
        "nobaseline": "skipped",
        "wrongtype": "failed",
    }
    assert data["environment"]["quick"] is True
    assert [r["size"] for r in data["results"]] == ["10 records", "1000 records", "1 call"]
    assert data["results"][0]["ratio"] == pytest.approx(5.0)
    md = (out / "report.md").read_text()
    assert "| good | search | 10 records |" in md
    assert "| broken | failed |" in md
    assert sorted(data["charts"]) == ["latency_good.png", "ratios_good.png"]
    for chart in data["charts"]:
        image = matplotlib.image.imread(out / chart)
        assert image.shape[0] > 100
        assert image.shape[1] > 100
        assert image[..., :3].std() > 0.05  # something was drawn, not a blank canvas
        assert f"![{Path(chart).stem}]({chart})" in md


def test_only_runs_the_named_areas(fake_benchmarks, capsys):
    out = fake_benchmarks / "out"
    assert report.main(["--quick", "--only", "good", "--out", str(out)]) == 0
    data = json.loads((out / "report.json").read_text())
    assert [a["area"] for a in data["areas"]] == ["good"]
    with pytest.raises(SystemExit):
        report.main(["--only", "nosuch", "--out", str(out)])
    assert "unknown area(s) nosuch" in capsys.readouterr().err


def test_full_size_runs_the_larger_workload(fake_benchmarks):
    out = fake_benchmarks / "out"
    assert report.main(["--only", "good", "--out", str(out)]) == 0
    sizes = [r["size"] for r in json.loads((out / "report.json").read_text())["results"]]
    assert sizes == ["10 records", "100 records", "1000 records", "1 call"]


def test_report_without_matplotlib_says_why_there_are_no_charts(tmp_path, monkeypatch):
    def no_matplotlib(results, out):
        raise ModuleNotFoundError("No module named 'matplotlib'", name="matplotlib")

    monkeypatch.setattr(report, "write_charts", no_matplotlib)
    run = report.AreaRun("a", "ok", 0.1, [Result("a", "op", "1", 1.0, 2.0, "base")])
    files = report.write_report([run], tmp_path, quick=True)
    assert [f.name for f in files] == ["report.json", "report.md"]
    assert "charts not drawn: matplotlib is not installed" in (tmp_path / "report.md").read_text()


@pytest.mark.parametrize(
    ("label", "n"),
    [
        ("10k records", 10_000),
        ("dim=384, n=2000", 2000),
        ("1 call", 1),
        ("1,000 docs", 1000),
        ("2M vectors", 2e6),
        ("tiny", None),
    ],
)
def test_parse_size(label, n):
    assert report.parse_size(label) == n


def test_overhead_bench_measures_each_cost_against_a_direct_call():
    rows = bench_overhead.run(quick=True)
    assert all(isinstance(r, Result) and r.area == "overhead" for r in rows)
    ops = {r.operation for r in rows}
    assert {"monitor off: ab_call", "monitor on: record_operation"} <= ops
    assert ("extension call _core._noop()" in ops) is bench_overhead._native.rust_available()
    for r in rows:
        assert r.rust_s > 0
        assert r.baseline_s > 0
        assert r.extra["overhead_s"] == pytest.approx(r.rust_s - r.baseline_s)
    sampled = [r for r in rows if r.operation.startswith("A/B sampled")]
    assert [report.parse_size(r.size) for r in sampled] == [10, 1000]
