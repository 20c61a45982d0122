"""docs/api.md lists exactly the public names: each module's `__all__`, and the `_core` stubs.

A module section is a heading ``## `module` `` followed by a table whose first column holds the
names.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
import re
import warnings
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

import crewai_rust
from crewai_rust import _native

SECTION = re.compile(r"^## `(crewai_rust[\w.]*)`", re.MULTILINE)
ROW = re.compile(r"^\| `(\w+)` \|", re.MULTILINE)


def documented(repo_root: Path) -> dict[str, set[str]]:
    text = (repo_root / "docs" / "api.md").read_text(encoding="utf-8")
    heads = list(SECTION.finditer(text))
    out: dict[str, set[str]] = {}
    for i, head in enumerate(heads):
        end = heads[i + 1].start() if i + 1 < len(heads) else len(text)
        out[head.group(1)] = set(ROW.findall(text, head.end(), end))
    return out


def implementation_modules(repo_root: Path) -> set[str]:
    text = (repo_root / "docs" / "api.md").read_text(encoding="utf-8")
    para = text.split("Implementation modules", 1)[1].split("\n\n", 1)[0]
    return set(re.findall(r"`(crewai_rust[\w.]+)`", para))


def _import(name: str) -> ModuleType:
    with warnings.catch_warnings():
        # crewai's own import graph emits this ImportWarning; the suite turns warnings into errors.
        warnings.filterwarnings("ignore", message="Cannot set an attribute on", category=ImportWarning)
        return importlib.import_module(name)


def public_modules() -> dict[str, list[str]]:
    """Every importable non-private module of the package that declares `__all__`."""
    found: dict[str, list[str]] = {"crewai_rust": list(crewai_rust.__all__)}
    for info in pkgutil.walk_packages(crewai_rust.__path__, "crewai_rust."):
        if any(part.startswith("_") for part in info.name.split(".")[1:]):
            continue
        if info.name.endswith("__main__"):
            continue
        module = _import(info.name)
        names = getattr(module, "__all__", None)
        if names is not None:
            found[info.name] = list(names)
    return found


def stub_names(repo_root: Path) -> set[str]:
    tree = ast.parse((repo_root / "python" / "crewai_rust" / "_core.pyi").read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
    return {n for n in names if not n.startswith("_")}


def test_every_public_module_is_documented_or_declared_internal(repo_root: Path) -> None:
    documented_modules = set(documented(repo_root))
    internal = implementation_modules(repo_root)
    modules = set(public_modules())
    undocumented = modules - documented_modules - internal
    assert not undocumented, f"modules with __all__ missing from docs/api.md: {sorted(undocumented)}"
    unknown = internal - modules
    assert not unknown, f"docs/api.md names implementation modules that do not exist: {sorted(unknown)}"
    assert not documented_modules & internal


@pytest.mark.parametrize(
    "module",
    sorted(
        m
        for m in (
            "crewai_rust",
            "crewai_rust.errors",
            "crewai_rust.flags",
            "crewai_rust.memory",
            "crewai_rust.memory.hybrid",
            "crewai_rust.memory.migrate",
            "crewai_rust.memory.text",
            "crewai_rust.serialization",
            "crewai_rust.tools",
            "crewai_rust.monitor",
            "crewai_rust.testing",
            "crewai_rust.integration",
            "crewai_rust.integration.instrument",
            "crewai_rust.cli",
        )
    ),
)
def test_section_matches_the_modules_all(module: str, repo_root: Path) -> None:
    docs = documented(repo_root)
    assert module in docs, f"docs/api.md has no section for {module}"
    listed = docs[module]
    actual = set(public_modules()[module])
    assert listed == actual, (
        f"{module}: documented but not in __all__: {sorted(listed - actual)}; "
        f"in __all__ but not documented: {sorted(actual - listed)}"
    )


def test_core_section_matches_the_stubs(repo_root: Path) -> None:
    listed = documented(repo_root)["crewai_rust._core"]
    stubs = stub_names(repo_root)
    assert listed == stubs, (
        f"in the stubs but not documented: {sorted(stubs - listed)}; "
        f"documented but not in the stubs: {sorted(listed - stubs)}"
    )


@pytest.mark.requires_extension
def test_core_stub_names_exist_in_the_extension(repo_root: Path) -> None:
    core = _native.core()
    missing = sorted(n for n in stub_names(repo_root) if not hasattr(core, n))
    assert not missing, f"stubbed but not in the built extension: {missing}"


def test_documented_names_are_importable(repo_root: Path) -> None:
    problems: list[str] = []
    for module, names in documented(repo_root).items():
        if module == "crewai_rust._core":
            continue
        mod: Any = _import(module)
        problems += [f"{module}.{n}" for n in sorted(names) if not hasattr(mod, n)]
    assert not problems, f"documented but not importable: {problems}"
