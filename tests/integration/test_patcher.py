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


def _fake_memory_site(monkeypatch) -> types.ModuleType:
    target = types.ModuleType("fake_crewai_memory_site")
    target.call_site = lambda: "crewai"
    from crewai_rust.integration import memory as wiring

    monkeypatch.setattr(wiring, "patches", lambda **_: [Patch(target, "call_site", lambda: "rust", "memory")])
    monkeypatch.setattr(crewai_rust._native, "_core", crewai_rust._native._core or types.ModuleType("_core"))
    return target


@pytest.mark.parametrize(
    ("kwargs", "env"),
    [({"memory": True, "tools": "bogus"}, {}), ({"memory": True}, {"CREWAI_USE_RUST_SERIALIZATION": "ture"})],
)
def test_a_bad_flag_value_installs_nothing(monkeypatch, kwargs, env):
    # Regression: memory (checked first) was patched before the bad value after it raised.
    target = _fake_memory_site(monkeypatch)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ValueError, match="not a valid flag value"):
        crewai_rust.install(**kwargs)
    assert target.call_site() == "crewai"
    assert crewai_rust.integration.installed_components() == set()


def test_uninstall_of_a_component_ignores_a_bad_flag_in_the_environment(monkeypatch):
    # Regression: uninstall("memory") validated the name by reading the flag, so a typo in
    # CREWAI_USE_RUST_MEMORY made an installed component impossible to remove.
    target = _fake_memory_site(monkeypatch)
    assert crewai_rust.install(memory=True, tools=False, serialization=False) == ["memory"]
    monkeypatch.setenv("CREWAI_USE_RUST_MEMORY", "bogus")
    crewai_rust.uninstall("memory")
    assert target.call_site() == "crewai"


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


def test_ab_sampling_compares_marked_call_sites_with_the_original():
    from crewai_rust.integration import with_ab_sampling
    from crewai_rust.monitor import PerformanceMonitor

    module = types.ModuleType("fake_site")
    module.square = lambda x: x * x
    module.stateful = lambda x: x
    original = module.square
    monitor = PerformanceMonitor(enabled=True, ab_sample=1.0)
    # A deliberately wrong "fast" square: every sampled call must be recorded as a mismatch.
    wrong = Patch(module, "square", lambda x: x * x + (1 if x == 3 else 0), "tools", ab_name="square")
    unmarked = Patch(module, "stateful", lambda x: -x, "tools")
    ps = PatchSet()
    ps.apply(with_ab_sampling([wrong, unmarked], monitor))
    assert module.square(2) == 4
    assert module.square(3) == 10  # the caller always gets the replacement's answer
    assert module.stateful(5) == -5
    mismatches = monitor.mismatches("square")
    assert len(mismatches) == 1
    detail = mismatches[0].to_dict()
    assert "10" in str(detail)
    assert "9" in str(detail)
    assert monitor.operations() == ["square"]  # the unmarked site was not wrapped
    ps.restore()
    assert module.square is original


def test_ab_sampling_off_leaves_replacements_untouched():
    from crewai_rust.integration import with_ab_sampling
    from crewai_rust.monitor import PerformanceMonitor

    replacement = lambda: 1  # noqa: E731
    patch = Patch(types.ModuleType("m"), "f", replacement, "tools", ab_name="f")
    with_ab_sampling([patch], PerformanceMonitor(enabled=False, ab_sample=0.0))
    assert patch.replacement is replacement
