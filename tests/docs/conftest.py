"""Extraction of the documentation's code blocks, shared by the docs tests.

A fenced ```python block is *runnable* when the line before its fence is an HTML comment
`<!-- runnable -->` (runs on every implementation) or `<!-- runnable: extension -->` (needs the
compiled extension, e.g. it asserts what `install()` wired). A block the migration guide quotes
from the original guide carries `<!-- guide-code: <name> -->` instead. The comments are invisible
when the Markdown is rendered.

These tests read README.md and docs/ from the repository; where only `tests/` was copied next to
an installed wheel (cibuildwheel's test step), there is nothing to check and the directory is not
collected.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOC_FILES = ("README.md", "docs/*.md")

if not (ROOT / "docs").is_dir() or not (ROOT / "Cargo.toml").is_file():
    collect_ignore_glob = ["test_*.py"]

MARKER = re.compile(r"^<!--\s*(runnable(?::\s*extension)?|guide-code:\s*[\w-]+)\s*-->\s*$")
FENCE_OPEN = re.compile(r"^```python\s*$")
FENCE_CLOSE = re.compile(r"^```\s*$")


@dataclass(frozen=True)
class Block:
    path: Path
    line: int  # 1-based line of the opening fence
    marker: str  # "runnable", "runnable: extension" or "guide-code: <name>"
    code: str

    @property
    def id(self) -> str:
        return f"{self.path.relative_to(ROOT).as_posix()}:{self.line}"

    @property
    def needs_extension(self) -> bool:
        return self.marker.replace(" ", "") == "runnable:extension"

    @property
    def runnable(self) -> bool:
        return self.marker.startswith("runnable")


class MarkerError(ValueError):
    """A marker comment not followed by a ```python fence, or an unterminated block."""


def doc_paths() -> list[Path]:
    paths: list[Path] = []
    for pattern in DOC_FILES:
        paths += sorted(ROOT.glob(pattern))
    return [p for p in paths if p.is_file()]


def extract(path: Path) -> list[Block]:
    """Every marked ```python block of one Markdown file, in order."""
    lines = path.read_text(encoding="utf-8").splitlines()
    blocks: list[Block] = []
    i = 0
    while i < len(lines):
        stripped = lines[i].strip()
        before_fence = i + 1 < len(lines) and FENCE_OPEN.match(lines[i + 1].strip()) is not None
        # A comment right above a python fence is meant as a marker: a typo must not hide a block.
        if stripped.startswith("<!--") and (
            before_fence or "runnable" in stripped or "guide-code" in stripped
        ):
            match = MARKER.match(stripped)
            if match is None:
                raise MarkerError(f"{path}:{i + 1}: unrecognised marker {stripped!r}")
            if i + 1 >= len(lines) or not FENCE_OPEN.match(lines[i + 1].strip()):
                raise MarkerError(f"{path}:{i + 1}: {stripped} is not followed by a ```python fence")
            start = i + 2
            end = start
            while end < len(lines) and not FENCE_CLOSE.match(lines[end].strip()):
                end += 1
            if end >= len(lines):
                raise MarkerError(f"{path}:{i + 2}: the ```python block never closes")
            code = "\n".join(lines[start:end]) + "\n"
            blocks.append(Block(path, i + 2, " ".join(match.group(1).split()), code))
            i = end + 1
            continue
        i += 1
    return blocks


def all_blocks() -> list[Block]:
    return [block for path in doc_paths() for block in extract(path)]


def guide_code(name: str) -> Block:
    """The block marked `<!-- guide-code: name -->` (exactly one must exist)."""
    found = [b for b in all_blocks() if b.marker == f"guide-code: {name}"]
    if len(found) != 1:
        raise LookupError(f"expected one block marked guide-code: {name}, found {len(found)}")
    return found[0]


# Test modules cannot import this file under --import-mode=importlib: they get it by fixtures.


def pytest_generate_tests(metafunc):
    # (block, implementation) pairs: every runnable block on each implementation that can run
    # here, except that extension-only blocks never run on the fallback. The root conftest's
    # `impl` is not reused because its product with the blocks would include those pairs.
    if "runnable_block" in metafunc.fixturenames:
        from crewai_rust import _native

        impls = ("rust", "python") if _native.rust_available() else ("python",)
        pairs = [
            (block, impl)
            for block in all_blocks()
            if block.runnable
            for impl in impls
            if impl == "rust" or not block.needs_extension
        ]
        metafunc.parametrize(
            ("runnable_block", "block_impl"), pairs, ids=[f"{b.id}-{impl}" for b, impl in pairs]
        )


@pytest.fixture
def repo_root() -> Path:
    return ROOT


@pytest.fixture
def docs() -> SimpleNamespace:
    """The extraction helpers of this module, for the tests."""
    return SimpleNamespace(
        all_blocks=all_blocks,
        extract=extract,
        doc_paths=doc_paths,
        guide_code=guide_code,
        MarkerError=MarkerError,
    )
