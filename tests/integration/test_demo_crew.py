"""The demo crew end to end: identical behaviour with crewai-rust, Rust paths really taken,
install()/uninstall() leaving crewai untouched, and no memory lost under concurrency."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

import crewai_rust
from crewai_rust import integration
from crewai_rust.demo.__main__ import compare

pytestmark = pytest.mark.crewai


def _variant(variant: str, root: Path) -> dict:
    out = root / f"{variant}.json"
    cmd = [sys.executable, "-m", "crewai_rust.demo.run", "--variant", variant]
    cmd += ["--workdir", str(root / variant), "--out", str(out)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(out.read_text())


@pytest.mark.requires_extension
def test_crew_behaves_identically_with_crewai_rust_installed(tmp_path):
    baseline = _variant("crewai", tmp_path)
    rust = _variant("rust", tmp_path)
    assert compare(baseline, rust) == [(name, None) for name, _ in compare(baseline, baseline)]
    assert baseline["storage"] == "LanceDBStorage"
    assert rust["storage"] == "RustStorage"
    assert set(rust["wired"]) == {"memory", "tools", "serialization"}
    # The monitor saw the crew go through every call site that crewai-rust replaces.
    for op in ("parse", "tool_input", "tool_select", "serialization", "memory"):
        assert rust["timings"][op]["count"] > 0, op
        assert rust["timings"][op]["count"] == baseline["timings"][op]["count"], op
    assert rust["tool_calls"][2][0] == "calculator"  # the misspelled "Calculater" was resolved
    assert rust["memory_records"][0]["categories"] == ["durability"]


def test_crew_on_each_storage_implementation_matches_crewai(impl, tmp_path, monkeypatch):
    """The crew with memory on crewai-rust's store (Rust engine or its Python reference)
    produces exactly what it produces on crewai's LanceDB store."""
    from crewai_rust.demo.crew import build_crew
    from crewai_rust.memory import RustStorage

    monkeypatch.setenv("CREWAI_STORAGE_DIR", str(tmp_path))

    def run(storage):
        demo = build_crew(storage)
        result = demo.crew.kickoff()
        demo.memory.drain_writes()
        records = [
            (r.content, r.scope, r.categories, r.importance, r.metadata) for r in demo.memory.list_records()
        ]
        prompts = json.loads(json.dumps([llm.calls for llm in demo.llms.values()], default=str))
        demo.memory.close()
        return result.raw, [t.raw for t in result.tasks_output], demo.tools.calls, records, prompts

    lance = run(str(tmp_path / "lance"))
    ours = run(RustStorage(str(tmp_path / "ours"), impl=impl))
    assert ours == lance
    assert len(ours[3]) == 1


def _patched_targets() -> list[tuple[object, str]]:
    return [(p.target, p.attribute) for p in integration._active._patches]


@pytest.mark.requires_extension
def test_install_then_uninstall_leaves_crewai_exactly_as_before():
    crewai_rust.install(memory=True, tools=True, serialization=True)
    targets = _patched_targets()
    assert len(targets) >= 6
    crewai_rust.uninstall()
    before = {(id(t), a): t.__dict__.get(a, "<absent>") for t, a in targets}
    crewai_rust.install(memory=True, tools=True, serialization=True)
    installed = {(id(t), a): t.__dict__.get(a, "<absent>") for t, a in targets}
    assert all(installed[k] is not before[k] for k in before), "install() changed every target"
    crewai_rust.uninstall()
    after = {(id(t), a): t.__dict__.get(a, "<absent>") for t, a in targets}
    assert all(after[k] is before[k] for k in before)
    assert crewai_rust.status()["patched"] == []


# Unrelated notes, so crewai never sees a near-duplicate (which would mean an LLM consolidation call).
NOTES = (
    "Alpha team verified torn tail recovery on Monday",
    "Beta crew measured fsync latency under heavy load",
    "Gamma group replayed the log after a power cut",
    "Delta squad checked two writer processes at once",
)


def _crew_writing_to(path: str, tag: int) -> int:
    from crewai_rust.demo.crew import build_crew

    demo = build_crew(path, note=NOTES[tag])
    demo.crew.kickoff()
    demo.memory.drain_writes()
    demo.memory.close()
    return tag


@pytest.mark.requires_extension
def test_concurrent_crews_on_one_memory_path_lose_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("CREWAI_STORAGE_DIR", str(tmp_path))
    monkeypatch.setenv("CREWAI_USE_RUST_MEMORY", "true")
    crewai_rust.install(memory=True)
    path = str(tmp_path / "shared-memory")
    errors: list[BaseException] = []

    def worker(tag: int) -> None:
        try:
            _crew_writing_to(path, tag)
        except BaseException as exc:  # surfaced by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in (0, 1)]
    for t in threads:
        t.start()
    script = textwrap.dedent(
        f"""
        import os, sys
        os.environ["CREWAI_USE_RUST_MEMORY"] = "true"
        import crewai_rust
        crewai_rust.install(memory=True)
        sys.path.insert(0, {str(Path(__file__).parent)!r})
        from test_demo_crew import _crew_writing_to
        _crew_writing_to({path!r}, int(sys.argv[1]))
        """
    )
    procs = [
        subprocess.Popen([sys.executable, "-c", script, str(i)], stderr=subprocess.PIPE, text=True)
        for i in (2, 3)
    ]
    for t in threads:
        t.join(timeout=300)
    for p in procs:
        _, err = p.communicate(timeout=300)
        assert p.returncode == 0, err[-3000:]
    assert errors == []
    from crewai_rust.memory import RustStorage

    store = RustStorage(path)
    try:
        assert store.count() == 4
        assert {r.content for r in store.list_records()} == set(NOTES)
    finally:
        store.close()
