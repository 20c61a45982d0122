"""What the imported package ships, however it was installed (wheel, sdist, editable, source copy)."""

from __future__ import annotations

import importlib
import json
import pkgutil
from importlib import metadata
from pathlib import Path
from urllib.parse import urlparse
from urllib.request import url2pathname

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


def test_the_imported_package_is_the_installed_one() -> None:
    """A test run against a wheel or sdist must exercise that install, not a nearby source tree."""
    try:
        dist = metadata.distribution("crewai-rust")
    except metadata.PackageNotFoundError:
        # A bare source copy on PYTHONPATH (`nox -s tests_python`): nothing installed to compare with.
        assert crewai_rust.__version__ == "0+unknown"
        return
    direct = json.loads(dist.read_text("direct_url.json") or "{}")
    if direct.get("dir_info", {}).get("editable"):
        # `pip install -e`: maturin points a .pth file at the checkout's python/ directory.
        source = Path(url2pathname(urlparse(direct["url"]).path)) / "python"
        assert PACKAGE.resolve().is_relative_to(source.resolve()), (PACKAGE, source)
    else:
        installed = Path(str(dist.locate_file("crewai_rust/__init__.py")))
        assert installed.resolve() == Path(crewai_rust.__file__).resolve()
