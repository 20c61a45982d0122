"""`crewai_rust.RustMemoryStorage`, the seed's text API: save JSON strings, search them by text,
get the strings back best first; the migration guide's Option A runs against it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import crewai_rust
from crewai_rust import _native
from crewai_rust.errors import StorageError
from crewai_rust.memory import text as ref
from crewai_rust.memory.reference import PyMemoryStore
from crewai_rust.memory.text_storage import RustMemoryStorage

FACTS = [
    {"content": "Caroline went to the LGBTQ support group on 7 May 2023", "agent": "researcher"},
    {"content": "Melanie painted a sunrise over the lake in 2022", "agent": "writer"},
    {"content": "Caroline is researching adoption agencies", "agent": "researcher"},
    {"content": "Melanie took her kids camping in the mountains", "agent": "writer"},
]


@pytest.fixture
def storage(impl: str) -> Any:
    """The public class on the Rust engine, or on the reference engine it falls back to."""
    s = RustMemoryStorage()
    if impl == "python":
        s._engine = PyMemoryStore()
    return s


def test_save_and_search_round_trip_json_strings(storage: Any) -> None:
    saved = [json.dumps(f) for f in FACTS]
    for s in saved:
        storage.save(s)
    assert len(storage) == 4
    results = storage.search("When did Caroline go to the support group?")
    assert results[0] == saved[0]
    assert set(results) == {saved[0], saved[2]}  # only strings sharing a query term
    assert [json.loads(r) for r in storage.search("Melanie camping", limit=1)] == [FACTS[3]]


def test_ranking_is_bm25_of_the_reference_index(storage: Any) -> None:
    saved = [json.dumps(f) for f in FACTS]
    for s in saved:
        storage.save(s)
    index = ref.TextIndex()
    index.add_many(list(enumerate(saved)))
    for query in ["Caroline", "Melanie lake sunrise", "kids"]:
        assert storage.search(query) == [saved[d] for d, _ in index.search(query)]


def test_limit_threshold_and_hostile_queries(storage: Any) -> None:
    for f in FACTS:
        storage.save(json.dumps(f))
    assert len(storage.search("Caroline Melanie", limit=2)) == 2
    assert storage.search("Caroline Melanie", limit=0) == []
    assert storage.search("Caroline", score_threshold=1.0) == []
    for query in ["", '"', "*", "a:b", "--", "\x00", "caroline " * 100_000]:
        assert isinstance(storage.search(query), list)
    with pytest.raises(TypeError, match="str"):
        storage.save({"not": "serialized"})
    with pytest.raises(TypeError, match="str"):
        storage.search(None)
    storage.reset()
    assert storage.search("Caroline") == []
    storage.close()
    with pytest.raises(StorageError, match="closed"):
        storage.search("Caroline")


def test_on_disk_survives_reopen(impl: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if impl == "python":
        monkeypatch.setattr(_native, "rust_available", lambda: False)
    first = RustMemoryStorage(tmp_path / "mem")
    first.save(json.dumps(FACTS[1]))
    second = RustMemoryStorage(str(tmp_path / "mem"))
    assert [json.loads(r) for r in second.search("sunrise")] == [FACTS[1]]
    second.save(json.dumps(FACTS[3]))
    assert len(first.search("Melanie")) == 2
    assert second.path == str(tmp_path / "mem")


def test_option_a_of_the_migration_guide_runs_as_written(impl: str, monkeypatch: pytest.MonkeyPatch) -> None:
    if impl == "python":
        monkeypatch.setattr(_native, "rust_available", lambda: False)

    # The guide's Option A: a feature-flag class wrapping RustMemoryStorage with a Python fallback.
    class MemoryStorage:
        def __init__(self) -> None:
            try:
                from crewai_rust import RustMemoryStorage

                self._storage = RustMemoryStorage()
                self._use_rust = True
            except ImportError:
                self._storage = []
                self._use_rust = False

        def save(self, data: dict) -> None:
            if self._use_rust:
                self._storage.save(json.dumps(data))
            else:
                self._storage.append(data)

        def search(self, query: str) -> list[dict]:
            if self._use_rust:
                return [json.loads(r) for r in self._storage.search(query)]
            return [d for d in self._storage if query.lower() in json.dumps(d).lower()]

    memory = MemoryStorage()
    assert memory._use_rust
    for fact in FACTS:
        memory.save(fact)
    assert memory.search("adoption agencies") == [FACTS[2]]
    assert crewai_rust.RustMemoryStorage is RustMemoryStorage


def test_an_empty_path_is_refused_not_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ValueError, match="path must not be empty"):
        crewai_rust.RustMemoryStorage("")
    assert list(tmp_path.iterdir()) == []
