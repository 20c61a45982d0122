"""The guide's Option A code, verbatim from docs/migration-guide.md, runs against crewai-rust.

The block marked `<!-- guide-code: option-a -->` is executed unchanged, followed by a driver that
uses the class it defines exactly as the guide's reader would: flag on (the Rust storage, i.e.
`crewai_rust.RustMemoryStorage`) and flag off (the guide's own Python fallback). It runs once per
implementation: "python" disables the extension, so `RustMemoryStorage` runs on the reference
engine, which must give the same answers.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

DRIVER = """

# --- driver (tests/docs/test_guide_option_a.py) -------------------------------------------------
import os as _os

import crewai_rust as _cr

assert RUST_AVAILABLE, "from crewai_rust import RustMemoryStorage failed"

_os.environ["CREWAI_USE_RUST_MEMORY"] = "true"
rust = MemoryStorageWrapper()
assert rust.use_rust and isinstance(rust._storage, _cr.RustMemoryStorage), rust._storage

facts = [
    ("The team chose Postgres as the primary database", {"source": "meeting", "n": 1}),
    ("Deploys happen every Tuesday afternoon", {"source": "ops"}),
    ("Alice prefers short status reports", None),
] + [(f"release note {i}: version 1.{i} shipped", {"i": i}) for i in range(5)]
for value, metadata in facts:
    rust.save(value, metadata)

hits = rust.search("Postgres database", limit=3, score_threshold=0.0)
assert hits[0] == {"value": "The team chose Postgres as the primary database",
                   "metadata": {"source": "meeting", "n": 1}}, hits
assert all(isinstance(h, dict) and set(h) == {"value", "metadata"} for h in hits), hits

# The guide's defaults (limit=3, score_threshold=0.35) on a one-word query.
tuesday = rust.search("Tuesday")
assert [h["value"] for h in tuesday] == ["Deploys happen every Tuesday afternoon"], tuesday

notes = rust.search("release note shipped", limit=2, score_threshold=0.0)
assert len(notes) == 2 and all(h["value"].startswith("release note") for h in notes), notes
assert rust.search("Alice status reports", limit=1, score_threshold=0.0)[0]["metadata"] == {}

_os.environ["CREWAI_USE_RUST_MEMORY"] = "false"
python = MemoryStorageWrapper()
assert not python.use_rust and python._storage == []
for value, metadata in facts:
    python.save(value, metadata)
assert python.search("tuesday") == [
    {"value": "Deploys happen every Tuesday afternoon", "metadata": {"source": "ops"}}
]
assert len(python.search("release note", limit=2)) == 2

explicit = MemoryStorageWrapper(use_rust=True)
assert explicit.use_rust and explicit.search("Postgres", score_threshold=0.0) == []  # its own empty store
print("option A ok")
"""


def test_option_a_verbatim_against_rust_memory_storage(docs: Any, impl: str, tmp_path: Path) -> None:
    block = docs.guide_code("option-a")
    assert "RustMemoryStorage" in block.code  # the right block, not a stray marker
    script = tmp_path / "option_a.py"
    script.write_text(block.code + DRIVER, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CREWAI_USE_RUST_", "CREWAI_RUST_"))}
    env.update(CREWAI_STORAGE_DIR=str(tmp_path / "storage"), CREWAI_TRACING_ENABLED="false")
    if impl == "python":
        env["CREWAI_RUST_DISABLE_EXTENSION"] = "1"
    proc = subprocess.run(
        [sys.executable, str(script)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, f"--- stdout\n{proc.stdout}\n--- stderr\n{proc.stderr[-6000:]}"
    assert proc.stdout.strip().endswith("option A ok")


def test_option_a_block_is_the_guides_shape(docs: Any) -> None:
    """The quoted code keeps the guide's API: a flag-driven wrapper around RustMemoryStorage."""
    code = docs.guide_code("option-a").code
    for needle in (
        "from crewai_rust import RustMemoryStorage",
        "except ImportError",
        "CREWAI_USE_RUST_MEMORY",
        "self._storage.save(serialized)",
        "self._storage.search(query, limit=limit, score_threshold=score_threshold)",
        "json.loads",
    ):
        assert needle in code, needle


def test_crewai_1x_has_no_short_term_memory_any_more() -> None:
    """What the guide says about Option B: its base class is gone from crewai 1.x."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Cannot set an attribute on", category=ImportWarning)
        import crewai.memory

        assert importlib.util.find_spec("crewai.memory.short_term") is None
        assert not hasattr(crewai.memory, "ShortTermMemory")
