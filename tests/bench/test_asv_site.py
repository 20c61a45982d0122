"""The asv history site: built from two commits' results, it renders its graphs in Chromium.

Runs only in `nox -s asv_site` (marker `asv_site`, deselected by default): it needs asv (the
`bench` extra) and Debian's `chromium` on PATH, and installs neither. The results come from
`asv run --environment existing` on two commits of a scratch repository holding this checkout's
`asv.conf.json` and benchmarks, so no package build is involved; `nox -s asv` is what builds
each commit. The site is served on 127.0.0.1 because its pages load their JSON over HTTP.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import matplotlib.image
import numpy as np
import pytest
from benchmarks.asv_offline import make_offline

pytestmark = [pytest.mark.asv_site, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
SUITE = "asv_overhead"
BENCHMARKS = (
    "asv_overhead.MonitorOverhead.time_ab_call_monitor_off",
    "asv_overhead.MonitorOverhead.time_record_operation_on",
    "asv_overhead.peakmem_monitor_100k_records",
    "asv_overhead.track_histogram_buckets",
)
SERIES_RGB = np.array([36, 122, 173])  # the colour asv's flot draws the first series in


def _git(repo: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@t",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@t",
    }
    return subprocess.run(
        ["git", *args], cwd=repo, env=env, check=True, capture_output=True, text=True
    ).stdout


def _asv(repo: Path, home: Path, *args: str) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "asv", *args],
        cwd=repo,
        env={**os.environ, "HOME": str(home)},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, f"asv {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Publish a site from results of two commits of a scratch copy of this checkout."""
    repo = tmp_path_factory.mktemp("asv-project")
    home = tmp_path_factory.mktemp("home")  # asv keeps its machine file in $HOME
    shutil.copy2(ROOT / "asv.conf.json", repo)
    shutil.copytree(ROOT / "benchmarks", repo / "benchmarks", ignore=shutil.ignore_patterns("__pycache__"))
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "first")
    (repo / "CHANGES").write_text("second\n")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "second")
    commits = _git(repo, "rev-list", "HEAD").split()
    assert len(commits) == 2
    _asv(repo, home, "machine", "--yes", "--machine", "sitetest")
    for commit in commits:
        _asv(
            repo,
            home,
            "run",
            "--environment",
            f"existing:{sys.executable}",
            "--set-commit-hash",
            commit,
            "--quick",
            "--bench",
            SUITE,
            "--machine",
            "sitetest",
            "--show-stderr",
        )
    _asv(repo, home, "publish")
    html = repo / ".asv" / "html"
    make_offline(html)
    return html


@pytest.fixture(scope="module")
def base_url(site: Path) -> Iterator[str]:
    handler = functools.partial(_QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def _chromium(tmp_path: Path, url: str, *, screenshot: Path | None = None, height: int = 900) -> str:
    browser = shutil.which("chromium")
    assert browser, "Debian's chromium is required (apt-get install -y chromium); this test installs nothing"
    mode = [f"--screenshot={screenshot}"] if screenshot else ["--dump-dom"]
    proc = subprocess.run(
        [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--no-first-run",
            f"--user-data-dir={tmp_path / 'chromium-profile'}",
            f"--window-size=1280,{height}",
            "--virtual-time-budget=10000",
            *mode,
            url,
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


def _series_pixels(png: Path, top: int = 0, left: int = 0) -> int:
    image = matplotlib.image.imread(png)[..., :3] * 255
    region = image[top:, left:]
    return int((np.abs(region - SERIES_RGB).max(axis=-1) < 40).sum())


def test_site_has_results_of_both_commits(site: Path):
    graphs = sorted((site / "graphs" / "summary").glob(f"{SUITE}.*.json"))
    assert {g.stem for g in graphs} >= set(BENCHMARKS)
    for graph in graphs:
        points = json.loads(graph.read_text())
        assert len([p for p in points if p[1] is not None]) == 2, graph.name


# Tall enough that every thumbnail of the grid is on screen: asv draws only the visible ones, and
# the grid lists every benchmark in the repository, the suite under test among them.
GRID_HEIGHT = 6000


def test_grid_page_draws_a_thumbnail_graph_per_benchmark(base_url: str, tmp_path: Path):
    dom = _chromium(tmp_path, base_url, height=GRID_HEIGHT)
    assert "Can not determine continental origin" not in dom  # the scripts loaded
    for name in BENCHMARKS:
        assert f'href="#{name}"' in dom
    assert dom.count('class="flot-base"') >= len(BENCHMARKS)
    shot = tmp_path / "grid.png"
    _chromium(tmp_path, base_url, screenshot=shot, height=GRID_HEIGHT)
    assert shot.stat().st_size > 5_000
    # Below the header, the thumbnails' lines are drawn in the series colour.
    assert _series_pixels(shot, top=120) > 500


def test_benchmark_page_plots_the_history_with_axes(base_url: str, tmp_path: Path):
    url = f"{base_url}#{BENCHMARKS[0]}"
    dom = _chromium(tmp_path, url)
    assert 'class="flot-base"' in dom
    assert dom.count("flot-tick-label") >= 4  # numbered y axis
    assert "commits" in dom
    shot = tmp_path / "graph.png"
    _chromium(tmp_path, url, screenshot=shot)
    image = matplotlib.image.imread(shot)[..., :3]
    assert image.std() > 0.05
    # The plot area (right of the side menu) holds the line joining the two results.
    assert _series_pixels(shot, left=220) > 300
