"""Serialization tests: the `js` fixture, the strategies module on the path, crewai imported."""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import pytest

from crewai_rust.serialization import JSONImplementation, implementation

sys.path.insert(0, str(Path(__file__).parent))

# crewai's import graph emits an ImportWarning ("Cannot set an attribute on 'crewai.rag' for
# child module 'embeddings'") that filterwarnings=error would turn into a collection error;
# import it once here with only that warning silenced.
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Cannot set an attribute on", category=ImportWarning)
    import crewai  # noqa: F401


@pytest.fixture
def js(impl: str) -> JSONImplementation:
    """The JSON implementation under test (rust or python)."""
    return implementation(impl)
