"""What the imported package ships, however it was installed (wheel, sdist, editable, source copy)."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import crewai_rust

PACKAGE = Path(crewai_rust.__file__).parent


def test_package_is_marked_typed_and_ships_the_extension_stubs() -> None:
    # PEP 561: without py.typed, type checkers ignore the annotations of an installed package.
    assert (PACKAGE / "py.typed").is_file()
    assert "__version__: str" in (PACKAGE / "_core.pyi").read_text()


def test_every_module_of_the_package_imports() -> None:
    names = [
        info.name
        for info in pkgutil.walk_packages([str(PACKAGE)], prefix="crewai_rust.")
        if not info.name.endswith("__main__")  # running it is the CLI's job, not an import's
    ]
    # The walk reached the subpackages, so a module missing from a wheel would show up here.
    assert {"crewai_rust.integration.patcher", "crewai_rust.memory", "crewai_rust.tools"} <= set(names)
    for name in names:
        importlib.import_module(name)
