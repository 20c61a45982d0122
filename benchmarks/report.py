"""`nox -s bench`: run every area's side-by-side benchmark and write one report.

Discovers each `benchmarks/bench_<area>.py`, calls its `run(quick)` (a list of
`benchmarks.harness.Result`), and prints ONE table: area, operation, workload size, crewai-rust,
the baseline measured in the same run (name and time), the ratio baseline / crewai-rust, and
the areas' extra columns (recall, p99...). An area that raises is reported as failed (with its
traceback) and the others still run; an area whose optional baseline package is not installed
is reported as skipped with the missing module's name. Writes `report.json`, `report.md` and
PNG charts (ratios per operation; latency vs N where an area measured several sizes) to --out.

    python -m benchmarks.report [--quick] [--only AREA ...] [--out DIR]

Exit status: 0 when every area ran or was skipped for a missing baseline, 1 if one failed.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import importlib
import json
import math
import os
import platform
import re
import sys
import time
import traceback
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.harness import Result, progress

__all__ = ["AreaRun", "discover", "format_table", "main", "parse_size", "run_area", "write_report"]

BENCH_DIR = Path(__file__).resolve().parent
PACKAGE = "benchmarks"
PROFILE_ENV = "CREWAI_RUST_BENCH_PROFILE"
# Top-level packages whose absence is a broken checkout, not a missing optional baseline.
_OWN_PACKAGES = frozenset({"benchmarks", "crewai_rust"})


@dataclass
class AreaRun:
    """What happened to one area: "ok", "failed" or "skipped" (optional baseline missing)."""

    area: str
    status: str
    seconds: float
    results: list[Result] = field(default_factory=list)
    detail: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "area": self.area,
            "status": self.status,
            "seconds": self.seconds,
            "rows": len(self.results),
            "detail": self.detail,
        }


def discover() -> list[str]:
    """Every area with a `bench_<area>.py` next to this file, sorted."""
    return sorted(p.stem.removeprefix("bench_") for p in BENCH_DIR.glob("bench_*.py"))


def _missing_baseline(exc: ModuleNotFoundError) -> str | None:
    top = (exc.name or "").split(".")[0]
    return top if top and top not in _OWN_PACKAGES and top != PACKAGE else None


def run_area(area: str, quick: bool) -> AreaRun:
    """Import `benchmarks.bench_<area>` and run it, turning every failure into a report entry."""
    start = time.perf_counter()

    def done(status: str, results: list[Result] | None = None, detail: str = "") -> AreaRun:
        return AreaRun(area, status, time.perf_counter() - start, results or [], detail)

    progress(f"area {area}: starting ({'quick' if quick else 'full'})")
    try:
        module = importlib.import_module(f"{PACKAGE}.bench_{area}")
        runner = getattr(module, "run", None)
        if not callable(runner):
            return done("failed", detail=f"benchmarks/bench_{area}.py has no run(quick) function")
        results = list(runner(quick))
    except ModuleNotFoundError as exc:
        missing = _missing_baseline(exc)
        if missing is None:
            return done("failed", detail=traceback.format_exc())
        return done("skipped", detail=f"optional baseline not installed: {missing} ({exc})")
    except (Exception, SystemExit):  # SystemExit: an area calling argparse or sys.exit inside run()
        return done("failed", detail=traceback.format_exc())
    wrong = [r for r in results if not isinstance(r, Result)]
    if wrong:
        return done(
            "failed", detail=f"run() returned {type(wrong[0]).__name__}, not benchmarks.harness.Result"
        )
    if not results:
        return done("failed", detail="run() returned no results")
    return done("ok", results)


# -- formatting ---------------------------------------------------------------------------------


def _fmt_time(seconds: float) -> str:
    if not math.isfinite(seconds):
        return str(seconds)
    sign, s = ("-", -seconds) if seconds < 0 else ("", seconds)
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if s >= scale:
            return f"{sign}{s / scale:.3g} {unit}"
    return f"{sign}{s / 1e-9:.3g} ns"


def _fmt_ratio(ratio: float) -> str:
    return f"{ratio:.3g}x" if math.isfinite(ratio) else "inf"


def _fmt_extra(key: str, value: float | str | None) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if key.endswith("_s"):  # the convention for durations in Result.extra
        return _fmt_time(float(value))
    return f"{value:.3g}" if isinstance(value, float) else str(value)


def _extra_keys(results: Sequence[Result]) -> list[str]:
    keys: dict[str, None] = {}
    for r in results:
        keys.update(dict.fromkeys(r.extra))
    return list(keys)


def _rows(results: Sequence[Result]) -> tuple[list[str], list[list[str]]]:
    extras = _extra_keys(results)
    header = ["area", "operation", "size", "crewai-rust", "baseline", "baseline time", "ratio", *extras]
    rows = [
        [
            r.area,
            r.operation,
            r.size,
            _fmt_time(r.rust_s),
            r.baseline,
            _fmt_time(r.baseline_s),
            _fmt_ratio(r.ratio),
            *(_fmt_extra(k, r.extra.get(k)) for k in extras),
        ]
        for r in results
    ]
    return header, rows


def format_table(results: Sequence[Result]) -> str:
    """The plain-text table every area and the report print (ratio = baseline / crewai-rust)."""
    if not results:
        return "(no results)"
    header, rows = _rows(results)
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    numeric = {3, 5, 6}

    def line(cells: list[str]) -> str:
        return "  ".join(
            c.rjust(w) if i in numeric else c.ljust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        )

    return "\n".join(line(cells).rstrip() for cells in [header, ["-" * w for w in widths], *rows])


def _markdown_table(results: Sequence[Result]) -> str:
    header, rows = _rows(results)
    cells = [header, ["---"] * len(header), *rows]
    return "\n".join("| " + " | ".join(c.replace("|", "\\|") for c in row) + " |" for row in cells)


# -- charts ---------------------------------------------------------------------------------------

_N_EXPLICIT = re.compile(r"\b[nN]\s*=\s*([\d_,]*\d(?:\.\d+)?)\s*([kKmM]?)\b")
_N_FIRST = re.compile(r"([\d_,]*\d(?:\.\d+)?)\s*([kKmM]?)\b")


def parse_size(size: str) -> float | None:
    """The workload size N of a size label: an explicit `n=...`, else its first number.

    "10k records" -> 10000, "dim=384, n=2000" -> 2000, "1 call" -> 1, "tiny" -> None.
    """
    match = _N_EXPLICIT.search(size) or _N_FIRST.search(size)
    if match is None:
        return None
    number = float(match.group(1).replace("_", "").replace(",", ""))
    return number * {"": 1, "k": 1e3, "m": 1e6}[match.group(2).lower()]


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_").lower() or "area"


def _series_by_n(results: Sequence[Result]) -> dict[tuple[str, str], list[tuple[float, Result]]]:
    """(operation, baseline) -> [(N, result)] for the operations measured at 2+ sizes."""
    groups: dict[tuple[str, str], dict[float, Result]] = {}
    for r in results:
        n = parse_size(r.size)
        if n is not None:
            groups.setdefault((r.operation, r.baseline), {})[n] = r
    return {key: sorted(points.items()) for key, points in groups.items() if len(points) >= 2}


def write_charts(results: Sequence[Result], out: Path) -> list[Path]:
    """PNG charts per area: ratio per operation, and latency vs N where there are several N."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    written: list[Path] = []
    areas = list(dict.fromkeys(r.area for r in results))
    for area in areas:
        rows = [r for r in results if r.area == area]
        labels = [f"{r.operation} [{r.size}] vs {r.baseline}" for r in rows]
        ratios = [r.ratio if math.isfinite(r.ratio) and r.ratio > 0 else float("nan") for r in rows]
        fig, ax = plt.subplots(figsize=(10, 1.2 + 0.38 * len(rows)))
        colors = ["#2a9d8f" if x >= 1 else "#e76f51" for x in ratios]
        ax.barh(range(len(rows)), ratios, color=colors)
        ax.set_yticks(range(len(rows)), labels, fontsize=8)
        ax.invert_yaxis()
        ax.set_xscale("log")
        ax.axvline(1.0, color="black", linewidth=0.8)
        for i, x in enumerate(ratios):
            if math.isfinite(x):
                ax.annotate(
                    _fmt_ratio(x), (x, i), xytext=(3, 0), textcoords="offset points", va="center", fontsize=7
                )
        ax.set_xlabel("baseline time / crewai-rust time (log scale; > 1 means crewai-rust is faster)")
        ax.set_title(f"{area}: speed-up per operation")
        fig.tight_layout()
        path = out / f"ratios_{_slug(area)}.png"
        fig.savefig(path, dpi=110)
        plt.close(fig)
        written.append(path)

        series = _series_by_n(rows)
        if not series:
            continue
        cols = min(2, len(series))
        nrows = math.ceil(len(series) / cols)
        fig, axes = plt.subplots(nrows, cols, figsize=(6.2 * cols, 4.2 * nrows), squeeze=False)
        for ax, ((operation, baseline), points) in zip(axes.flat, series.items(), strict=False):
            ns = [n for n, _ in points]
            ax.plot(ns, [r.rust_s for _, r in points], "o-", label="crewai-rust")
            ax.plot(ns, [r.baseline_s for _, r in points], "s--", label=baseline)
            ax.set_xscale("log")
            ax.set_yscale("log")
            ax.set_xlabel("workload size N")
            ax.set_ylabel("seconds per operation")
            ax.set_title(operation, fontsize=9)
            ax.grid(True, which="both", alpha=0.3)
            ax.legend(fontsize=8)
        for ax in list(axes.flat)[len(series) :]:
            ax.set_visible(False)
        fig.suptitle(f"{area}: latency vs N")
        fig.tight_layout()
        path = out / f"latency_{_slug(area)}.png"
        fig.savefig(path, dpi=110)
        plt.close(fig)
        written.append(path)
    return written


# -- report files ---------------------------------------------------------------------------------


def _environment(quick: bool) -> dict[str, Any]:
    env: dict[str, Any] = {
        "generated_at": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "quick": quick,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "build_profile": os.environ.get(PROFILE_ENV, "unknown (not run through nox -s bench)"),
    }
    try:
        import crewai_rust

        env["crewai_rust"] = crewai_rust.__version__
        env["rust_available"] = crewai_rust.RUST_AVAILABLE
    except Exception as exc:  # the report must still be written to say what failed
        env["crewai_rust"] = f"import failed: {exc}"
    return env


def write_report(runs: Sequence[AreaRun], out: Path, quick: bool) -> list[Path]:
    """report.json, report.md and the charts; returns every file written."""
    out.mkdir(parents=True, exist_ok=True)
    results = [r for run in runs for r in run.results]
    env = _environment(quick)
    charts: list[Path] = []
    chart_note = ""
    if results:
        try:
            charts = write_charts(results, out)
        except ModuleNotFoundError as exc:
            chart_note = f"charts not drawn: {exc.name} is not installed (pip install crewai-rust[bench])"
            progress(chart_note)
    data = {
        "environment": env,
        "areas": [run.to_dict() for run in runs],
        "results": [r.to_dict() for r in results],
        "charts": [p.name for p in charts],
    }
    json_path = out / "report.json"
    json_path.write_text(json.dumps(data, indent=2, allow_nan=True) + "\n")

    md = [
        "# crewai-rust benchmark report",
        "",
        f"Generated {env['generated_at']} ({'quick' if quick else 'full'} run) on {env['platform']}, "
        f"{env['cpus']} CPUs, Python {env['python']}, extension build profile: {env['build_profile']}.",
        "Ratio = baseline time / crewai-rust time, both measured in this run (medians).",
        "",
        "## Areas",
        "",
        "| area | status | rows | seconds | detail |",
        "| --- | --- | --- | --- | --- |",
        *(
            f"| {run.area} | {run.status} | {len(run.results)} | {run.seconds:.1f} | "
            f"{run.detail.strip().splitlines()[-1] if run.detail.strip() else ''} |"
            for run in runs
        ),
        "",
        "## Results",
        "",
        _markdown_table(results) if results else "(no results)",
        "",
    ]
    if charts or chart_note:
        md += ["## Charts", ""]
        md += [f"![{p.stem}]({p.name})" for p in charts] or [chart_note]
        md.append("")
    md_path = out / "report.md"
    md_path.write_text("\n".join(md))
    return [json_path, md_path, *charts]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.report", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes: about a minute per area")
    parser.add_argument("--only", action="append", metavar="AREA", help="run only this area (repeatable)")
    parser.add_argument("--out", type=Path, default=Path("bench-report"), help="output directory")
    args = parser.parse_args(argv)

    available = discover()
    wanted = available
    if args.only:
        names = [a for item in args.only for a in item.split(",") if a]
        unknown = sorted(set(names) - set(available))
        if unknown:
            parser.error(f"unknown area(s) {', '.join(unknown)}; available: {', '.join(available)}")
        wanted = [a for a in available if a in names]

    runs = [run_area(area, args.quick) for area in wanted]
    results = [r for run in runs for r in run.results]
    print(format_table(results))
    print()
    for run in runs:
        line = f"{run.area}: {run.status}, {len(run.results)} rows in {run.seconds:.1f} s"
        if run.status != "ok":
            line += f" -- {run.detail.strip().splitlines()[-1]}"
        print(line)
    for run in runs:
        if run.status == "failed":
            print(f"\n{run.area} failed:\n{run.detail.rstrip()}", file=sys.stderr)
    files = write_report(runs, args.out, args.quick)
    print(f"\nwrote {', '.join(str(p) for p in files)}")
    return 1 if any(run.status == "failed" for run in runs) or not results else 0


if __name__ == "__main__":
    sys.exit(main())
