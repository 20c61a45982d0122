"""The crewai wiring: `Memory(storage=<spec>)` resolves to `RustStorage` through crewai's storage
factory while installed, chains to a factory registered before, and uninstall restores it."""

from __future__ import annotations

import logging

import pytest
from crewai.memory.storage import factory as factory_module
from crewai.memory.storage.lancedb_storage import LanceDBStorage
from crewai.memory.unified_memory import Memory

import crewai_rust
from crewai_rust import flags
from crewai_rust.integration import installed_components
from crewai_rust.integration import memory as wiring
from crewai_rust.integration.patcher import PatchSet
from crewai_rust.memory import RustStorage


@pytest.fixture(autouse=True)
def storage_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("CREWAI_STORAGE_DIR", str(tmp_path / "crew"))
    return tmp_path / "crew"


@pytest.fixture
def wired():
    patches = PatchSet()
    patches.apply(wiring.patches(hybrid=False))
    yield patches
    patches.restore()


def _memory(spec: str, embedder) -> Memory:
    return Memory(storage=spec, llm=object(), embedder=embedder)


def _close(m: Memory) -> None:
    m._storage.close() if isinstance(m._storage, RustStorage) else None
    m._save_pool.shutdown(wait=True)


def test_rust_spec_uses_the_default_path(wired, embedder, storage_dir):
    m = _memory("rust", embedder)
    assert isinstance(m._storage, RustStorage)
    assert m._storage.path == storage_dir / "memory_rust"
    rec = m.remember("wired through the factory", scope="/w", categories=[], importance=0.5)
    assert m.recall("wired factory", depth="shallow")[0].record.id == rec.id
    _close(m)


def test_rust_spec_with_a_path(wired, embedder, tmp_path):
    m = _memory(f"rust:{tmp_path / 'elsewhere'}", embedder)
    assert m._storage.path == tmp_path / "elsewhere"
    _close(m)


def test_lancedb_and_paths_stay_on_lancedb_unless_the_flag_is_true(wired, embedder, tmp_path):
    m = _memory("lancedb", embedder)
    assert isinstance(m._storage, LanceDBStorage)
    m._save_pool.shutdown(wait=True)
    p = _memory(str(tmp_path / "plain"), embedder)
    assert isinstance(p._storage, LanceDBStorage)
    p._save_pool.shutdown(wait=True)


def test_flag_true_routes_lancedb_and_bare_paths(wired, embedder, tmp_path, storage_dir, monkeypatch):
    monkeypatch.setenv("CREWAI_USE_RUST_MEMORY", "true")
    m = _memory("lancedb", embedder)
    assert isinstance(m._storage, RustStorage)
    assert m._storage.path == storage_dir / "memory_rust"
    _close(m)
    p = _memory(str(tmp_path / "bare"), embedder)
    assert isinstance(p._storage, RustStorage)
    assert p._storage.path == tmp_path / "bare"
    _close(p)


def test_routing_default_warns_about_unmigrated_lancedb(wired, embedder, storage_dir, caplog):
    lance = LanceDBStorage(path=storage_dir / "memory", vector_dim=4)
    assert lance.count() == 0
    flags.configure(memory=True)
    with caplog.at_level(logging.WARNING, logger="crewai_rust"):
        m = _memory("lancedb", embedder)
    assert "migrate-memory" in caplog.text
    _close(m)


def test_other_specs_go_to_the_previous_factory(embedder, monkeypatch):
    seen: list[str] = []
    sentinel = object()

    def previous(spec: str):
        seen.append(spec)
        return sentinel if spec == "mine" else None

    factory_module.set_memory_storage_factory(previous)
    patches = PatchSet()
    try:
        patches.apply(wiring.patches())
        assert factory_module.resolve_memory_storage("mine") is sentinel
        assert factory_module.resolve_memory_storage("qdrant-edge") is None
        monkeypatch.setenv("CREWAI_USE_RUST_MEMORY", "true")
        assert factory_module.resolve_memory_storage("qdrant-edge") is None
        assert seen == ["mine", "qdrant-edge", "qdrant-edge"]
        rust = factory_module.resolve_memory_storage("rust")
        assert isinstance(rust, RustStorage)
        rust.close()
        patches.restore()
        assert factory_module._factory is previous
    finally:
        patches.restore()
        factory_module.set_memory_storage_factory(None)


def test_explicit_instance_always_works(embedder, tmp_path):
    storage = RustStorage(tmp_path / "explicit")
    m = Memory(storage=storage, llm=object(), embedder=embedder)
    assert m._storage is storage
    _close(m)


@pytest.mark.requires_extension
def test_install_and_uninstall(embedder):
    before = factory_module._factory
    assert "memory" in crewai_rust.install(memory=True)
    assert "crewai.memory.storage.factory._factory" in crewai_rust.status()["patched"]
    m = _memory("rust", embedder)
    assert isinstance(m._storage, RustStorage)
    _close(m)
    crewai_rust.uninstall()
    assert factory_module._factory is before
    m2 = _memory("lancedb", embedder)
    assert isinstance(m2._storage, LanceDBStorage)
    m2._save_pool.shutdown(wait=True)


@pytest.mark.requires_extension
def test_a_later_install_turns_off_what_it_no_longer_enables():
    recall, factory = Memory.__dict__["recall"], factory_module._factory
    try:
        crewai_rust.install(memory=True, hybrid=True)
        assert Memory.__dict__["recall"] is not recall
        # hybrid=False now: recall is crewai's again, the storage factory stays wired.
        assert "memory" in crewai_rust.install(memory=True, hybrid=False)
        assert Memory.__dict__["recall"] is recall
        assert factory_module._factory is not factory
        assert "memory" in installed_components()
        crewai_rust.install(memory=True, hybrid=True)
        assert Memory.__dict__["recall"] is not recall
        # memory=False now: everything the memory component patched is restored.
        assert "memory" not in crewai_rust.install(memory=False, tools=False, serialization=False)
        assert Memory.__dict__["recall"] is recall
        assert factory_module._factory is factory
        assert installed_components() == set()
    finally:
        crewai_rust.uninstall()
    assert Memory.__dict__["recall"] is recall
