# Stubs for the compiled extension crewai_rust._core; checked with mypy.stubtest in `nox -s lint`.
# Users import crewai_rust, never _core. One section per area keeps parallel work mergeable.

import os
from collections.abc import Iterable, Sequence
from typing import Any, Literal, final

import numpy as np
import numpy.typing as npt

__all__ = [
    "BUILD_PROFILE",
    "DEFAULT_TEXT_WEIGHT",
    "ENGLISH_STOP_WORDS",
    "MemoryStore",
    "RateLimit",
    "ResultStore",
    "TEXT_UNICODE_VERSION",
    "TextIndex",
    "__version__",
    "_debug_panic",
    "_noop",
    "agent_output",
    "candidate_pool",
    "fuse",
    "json_dict_tables",
    "json_dumps",
    "json_dumps_call",
    "json_dumps_compact",
    "json_dumps_compact_call",
    "json_loads",
    "json_loads_call",
    "parse_agent_output",
    "parse_tool_input",
    "repair_json",
    "sanitize_tool_name",
    "select_tool",
    "setup_agent_output",
    "setup_tool_input",
    "tokenize",
    "tool_input",
]
__version__: str
BUILD_PROFILE: str

def _debug_panic(message: str, detach: bool = False) -> None: ...
def _noop() -> None: ...

# --- serialization ---------------------------------------------------------------------------

def json_dumps(
    obj: object,
    indent: str | None,
    item_separator: str,
    key_separator: str,
    ensure_ascii: bool,
    allow_nan: bool,
    sort_keys: bool,
    default: object,
    max_depth: int,
) -> str: ...
def json_dumps_compact(obj: object, default: object, max_depth: int) -> bytes: ...
def json_loads(s: str | bytes | bytearray, *, max_depth: int) -> object: ...
def json_dict_tables() -> bool: ...

# `RustJSON`'s methods: the common argument forms in Rust, the rest handed to `_rust`'s functions.
def json_dumps_call(obj: object, **kwargs: Any) -> str: ...
def json_dumps_compact_call(obj: object, **kwargs: Any) -> bytes: ...
def json_loads_call(s: str | bytes | bytearray) -> object: ...

# --- end serialization -----------------------------------------------------------------------

# --- memory store ----------------------------------------------------------------------------

@final
class MemoryStore:
    def __new__(
        cls,
        path: str | os.PathLike[str] | None = None,
        vector_dim: int | None = None,
        *,
        durability: str = "flush",
        text_language: str = "english",
    ) -> MemoryStore: ...
    @property
    def vector_dim(self) -> int | None: ...
    @property
    def path(self) -> str | None: ...
    def upsert(self, records: list[dict[str, Any]]) -> None: ...
    # `model=MemoryRecord` returns finished records instead of dicts (see RustStorage).
    def get(self, record_id: str, *, fields: bool = False, model: type | None = None) -> Any: ...
    def search(
        self,
        query: Sequence[float] | npt.NDArray[np.floating[Any]],
        scope_prefix: str | None = None,
        categories: Sequence[str] | None = None,
        metadata_filter: str | None = None,
        limit: int = 10,
        min_score: float = 0.0,
        *,
        fields: bool = False,
        model: type | None = None,
    ) -> list[tuple[Any, float]]: ...
    # hybrid recall (issue 4): full-text and hybrid search
    def search_text(
        self,
        query: str,
        scope_prefix: str | None = None,
        categories: Sequence[str] | None = None,
        metadata_filter: str | None = None,
        limit: int = 10,
        min_score: float = 0.0,
        *,
        fields: bool = False,
        model: type | None = None,
    ) -> list[tuple[Any, float]]: ...
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
        *,
        fields: bool = False,
        model: type | None = None,
    ) -> list[tuple[Any, float]]: ...
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
        self,
        scope_prefix: str | None = None,
        limit: int = 200,
        offset: int = 0,
        *,
        fields: bool = False,
        model: type | None = None,
    ) -> list[Any]: ...
    def scope_info(self, scope: str) -> dict[str, Any]: ...
    def list_scopes(self, parent: str = "/") -> list[str]: ...
    def list_categories(self, scope_prefix: str | None = None) -> dict[str, int]: ...
    def count(self, scope_prefix: str | None = None) -> int: ...
    def reset(self, scope_prefix: str | None = None) -> None: ...
    def touch(self, record_ids: Sequence[str], last_accessed: str) -> int: ...
    def refresh(self) -> None: ...
    def close(self) -> None: ...
    def wait_for_index(self) -> bool: ...
    def stats(self) -> dict[str, int]: ...
    def __len__(self) -> int: ...

# --- end memory store ------------------------------------------------------------------------

# --- text (hybrid recall) -------------------------------------------------------------------

TEXT_UNICODE_VERSION: str
DEFAULT_TEXT_WEIGHT: float
ENGLISH_STOP_WORDS: list[str]

@final
class TextIndex:
    def __new__(cls, language: str = "english", k1: float = 0.9, b: float = 0.4) -> TextIndex: ...
    @property
    def language(self) -> str: ...
    def __len__(self) -> int: ...
    def __contains__(self, doc: object, /) -> bool: ...
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

def sanitize_tool_name(name: str) -> str: ...
def select_tool(name: str, tool_names: list[str]) -> int | None: ...
def parse_agent_output(text: str) -> tuple[Any, ...]: ...
def setup_agent_output(
    action: type,
    finish: type,
    error: type,
    finish_repair: Any,
    problem_message: Any,
    fallback: Any,
    fill_directly: bool,
) -> None: ...
def agent_output(text: Any) -> Any: ...
def parse_tool_input(text: str) -> dict[str, Any] | Literal[False] | None: ...
def setup_tool_input(error: type, message: str, fallback: Any) -> None: ...
def tool_input(text: Any) -> dict[str, Any]: ...
def repair_json(text: str) -> str | None: ...

@final
class ResultStore:
    def __new__(
        cls, max_entries: int | None = None, max_weight: int | None = None, ttl: float | None = None
    ) -> ResultStore: ...
    def add(self, tool: str, input: str, output: Any, weight: int = 0) -> None: ...
    def read(self, tool: str, input: str) -> Any: ...
    def remove(self, tool: str, input: str) -> bool: ...
    def clear(self) -> None: ...
    def __len__(self) -> int: ...
    def stats(self) -> dict[str, int]: ...

@final
class RateLimit:
    def __new__(cls, max_requests: int, period: float = 60.0) -> RateLimit: ...
    def try_acquire(self) -> bool: ...
    def wait_and_acquire(self) -> None: ...
    def current(self) -> int: ...
    def stop(self) -> None: ...
    @property
    def max_requests(self) -> int: ...
    @property
    def period(self) -> float: ...

# --- end tools -------------------------------------------------------------------------------
