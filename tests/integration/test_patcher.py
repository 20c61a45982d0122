from __future__ import annotations

import types

import pytest

import crewai_rust
from crewai_rust.integration import patcher
from crewai_rust.integration.patcher import Patch, PatchSet


class Base:
    def greet(self) -> str:
        return "base"


class Child(Base):
    def own(self) -> str:
        return "own"


def test_patch_restores_the_very_same_object():
    original = Child.__dict__["own"]
    ps = PatchSet()
    ps.apply([Patch(Child, "own", lambda self: "patched", "tools")])
    assert Child().own() == "patched"
    ps.restore()
    assert Child.__dict__["own"] is original
    assert len(ps) == 0


def test_inherited_attribute_is_deleted_not_pinned_on_restore():
    ps = PatchSet()
    ps.apply([Patch(Child, "greet", lambda self: "patched", "tools")])
    assert Child().greet() == "patched"
    ps.restore()
    assert "greet" not in vars(Child)
    assert Child().greet() == "base"


def test_applying_twice_patches_once():
    module = types.ModuleType("m")
    module.f = lambda: 1
    original = module.f
    ps = PatchSet()
    ps.apply([Patch(module, "f", lambda: 2, "serialization")])
    ps.apply([Patch(module, "f", lambda: 3, "serialization")])
    assert module.f() == 2
    assert len(ps) == 1
    ps.restore()
    assert module.f is original


def test_failed_apply_rolls_back_everything():
    module = types.ModuleType("m")
    module.f = lambda: 1
    original = module.f
    frozen = object()  # setattr on a plain object() fails
    ps = PatchSet()
    with pytest.raises(AttributeError):
        ps.apply([Patch(module, "f", lambda: 2, "tools"), Patch(frozen, "x", 1, "tools")])
    assert module.f is original
    assert len(ps) == 0


def test_restore_by_component_keeps_others():
    module = types.ModuleType("m")
    module.a, module.b = 1, 2
    ps = PatchSet()
    ps.apply([Patch(module, "a", 10, "tools"), Patch(module, "b", 20, "memory")])
    assert ps.components() == {"tools", "memory"}
    ps.restore("tools")
    assert (module.a, module.b) == (1, 20)
    assert ps.components() == {"memory"}
    ps.restore()
    assert module.b == 2


def test_uninstall_rejects_unknown_component():
    with pytest.raises(ValueError, match="unknown component"):
        crewai_rust.uninstall("gpu")


def test_install_is_idempotent_and_uninstall_restores(monkeypatch):
    target = types.ModuleType("fake_crewai_site")
    target.call_site = lambda: "crewai"
    original = target.call_site

    def fake_patches(**_: object) -> list[Patch]:
        return [Patch(target, "call_site", lambda: "rust", "tools")]

    from crewai_rust.integration import tools as wiring

    monkeypatch.setattr(wiring, "patches", fake_patches)
    monkeypatch.setattr(crewai_rust._native, "_core", crewai_rust._native._core or types.ModuleType("_core"))
    first = crewai_rust.install(tools=True, memory=False, serialization=False)
    second = crewai_rust.install(tools=True, memory=False, serialization=False)
    assert first == second == ["tools"]
    assert target.call_site() == "rust"
    assert crewai_rust.status()["components"]["tools"]["installed"] is True
    crewai_rust.uninstall()
    assert target.call_site is original
    assert crewai_rust.status()["patched"] == []


def test_install_respects_false_flag(monkeypatch):
    monkeypatch.setenv("CREWAI_USE_RUST_TOOLS", "false")
    calls = []
    from crewai_rust.integration import tools as wiring

    monkeypatch.setattr(wiring, "patches", lambda **_: calls.append(1) or [])
    crewai_rust.install()
    assert calls == []


def test_patch_describe_names_target():
    assert Patch(Child, "own", None, "tools").describe() == "Child.own"
    assert patcher.Patch(types, "X", None, "tools").describe() == "types.X"
