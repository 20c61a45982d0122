# Stubs for the compiled extension crewai_rust._core; checked with mypy.stubtest in `nox -s lint`.
# Users import crewai_rust, never _core. One section per area keeps parallel work mergeable.

__version__: str
BUILD_PROFILE: str

def _debug_panic(message: str, detach: bool = False) -> None: ...

# --- serialization ---------------------------------------------------------------------------

# --- end serialization -----------------------------------------------------------------------

# --- memory store ----------------------------------------------------------------------------

import os  # noqa: E402
from collections.abc import Sequence  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402
import numpy.typing as npt  # noqa: E402

class MemoryStore:
    def __init__(
        self,
        path: str | os.PathLike[str] | None = None,
        vector_dim: int | None = None,
        *,
        durability: str = "flush",
        text_language: str = "english",
    ) -> None: ...
    @property
    def vector_dim(self) -> int | None: ...
    @property
    def path(self) -> str | None: ...
    def upsert(self, records: list[dict[str, Any]]) -> None: ...
    def get(self, record_id: str) -> dict[str, Any] | None: ...
    def search(
        self,
        query: Sequence[float] | npt.NDArray[np.floating[Any]],
        scope_prefix: str | None = None,
        categories: Sequence[str] | None = None,
        metadata_filter: str | None = None,
        limit: int = 10,
        min_score: float = 0.0,
    ) -> list[tuple[dict[str, Any], float]]: ...
    # hybrid recall (issue 4): full-text and hybrid search
    def search_text(
        self,
        query: str,
        scope_prefix: str | None = None,
        categories: Sequence[str] | None = None,
        metadata_filter: str | None = None,
        limit: int = 10,
        min_score: float = 0.0,
    ) -> list[tuple[dict[str, Any], float]]: ...
    def search_hybrid(
        self,
        query_text: str,
        query_embedding: Sequence[float] | npt.NDArray[np.floating[Any]],
        scope_prefix: str | None = None,
        categories: Sequence[str] | None = None,
        metadata_filter: str | None = None,
        limit: int = 10,
        min_score: float = 0.0,
        weight: float = 0.7,
    ) -> list[tuple[dict[str, Any], float]]: ...
    def delete(
        self,
        scope_prefix: str | None = None,
        categories: Sequence[str] | None = None,
        record_ids: Sequence[str] | None = None,
        older_than_us: int | None = None,
        metadata_filter: str | None = None,
    ) -> int: ...
    def update(self, record: dict[str, Any]) -> bool: ...
    def list_records(
        self, scope_prefix: str | None = None, limit: int = 200, offset: int = 0
    ) -> list[dict[str, Any]]: ...
    def scope_info(self, scope: str) -> dict[str, Any]: ...
    def list_scopes(self, parent: str = "/") -> list[str]: ...
    def list_categories(self, scope_prefix: str | None = None) -> dict[str, int]: ...
    def count(self, scope_prefix: str | None = None) -> int: ...
    def reset(self, scope_prefix: str | None = None) -> None: ...
    def touch(self, record_ids: Sequence[str], last_accessed: str) -> int: ...
    def refresh(self) -> None: ...
    def close(self) -> None: ...
    def __len__(self) -> int: ...

# --- end memory store ------------------------------------------------------------------------

# --- text (hybrid recall) -------------------------------------------------------------------

from collections.abc import Iterable  # noqa: E402 - kept inside this area's section

TEXT_UNICODE_VERSION: str
DEFAULT_TEXT_WEIGHT: float
ENGLISH_STOP_WORDS: list[str]

class TextIndex:
    def __init__(self, language: str = "english", k1: float = 1.2, b: float = 0.75) -> None: ...
    @property
    def language(self) -> str: ...
    def __len__(self) -> int: ...
    def __contains__(self, doc: object) -> bool: ...
    def term_count(self) -> int: ...
    def df(self, term: str) -> int: ...
    def doc_len(self, doc: object) -> int | None: ...
    def avg_doc_len(self) -> float: ...
    def add(self, doc: int, text: str) -> None: ...
    def add_many(self, docs: Iterable[tuple[int, str]]) -> None: ...
    def remove(self, doc: int) -> bool: ...
    def clear(self) -> None: ...
    def search(
        self, query: str, limit: int = 10, allowed: Iterable[int] | None = None
    ) -> list[tuple[int, float]]: ...
    def scores(self, query: str, docs: Iterable[int]) -> list[float]: ...

def tokenize(text: str, language: str = "english") -> list[str]: ...
def fuse(
    candidates: list[tuple[int, float, float]], weight: float = 0.7, limit: int = 10
) -> list[tuple[int, float]]: ...
def candidate_pool(limit: int) -> int: ...

# --- end text (hybrid recall) ---------------------------------------------------------------

# --- tools -----------------------------------------------------------------------------------

# --- end tools -------------------------------------------------------------------------------
