"""`RustStorage`: crewai's memory `StorageBackend` on the crewai-rust engine.

A drop-in for `LanceDBStorage` (`Memory(storage=RustStorage(path))`), with the semantics crewai's
own backends only approximate: cosine scores, exact top-`limit` under every filter, scope prefixes
matched by path segment, counts exact at any size. The work is done by an engine with one small
interface: the Rust `crewai_rust._core.MemoryStore`, or the pure-Python `PyMemoryStore` when the
extension is unavailable (`impl="auto"`) or asked for (`impl="python"`). This class only converts
crewai's types and applies crewai's conventions (what an empty filter or a missing record means).
"""

from __future__ import annotations

import asyncio
import os
from datetime import datetime
from pathlib import Path
from typing import Any

from crewai.memory.types import MemoryRecord, ScopeInfo

from crewai_rust import _native, flags
from crewai_rust.errors import ExtensionUnavailableError, InvalidInputError
from crewai_rust.memory._convert import (
    engine_builds_records,
    epoch_us,
    from_fields,
    metadata_filter_text,
    normalise_scope,
    scope_info_from_engine,
    to_engine,
    utc_now_naive,
)
from crewai_rust.memory._convert import scope_prefix as _prefix
from crewai_rust.memory.reference import PyMemoryStore

__all__ = ["DEFAULT_DIR_NAME", "IMPLS", "RustStorage", "default_path", "engine_class"]

DEFAULT_DIR_NAME = "memory_rust"
IMPLS = ("auto", "rust", "python")
_END_OF_TIME_US = 2**63 - 1


def default_path() -> Path:
    """`$CREWAI_STORAGE_DIR/memory_rust`, else crewai's `db_storage_path()/memory_rust` (next to
    the `memory` directory crewai's LanceDB store uses)."""
    storage_dir = os.environ.get("CREWAI_STORAGE_DIR")
    if storage_dir:
        return Path(storage_dir) / DEFAULT_DIR_NAME
    from crewai_core.paths import db_storage_path

    return Path(db_storage_path()) / DEFAULT_DIR_NAME


def _rust_engine() -> type | None:
    if not _native.rust_available():
        return None
    return getattr(_native.core(), "MemoryStore", None)


def engine_class(impl: str = "auto") -> type:
    """The engine class for `impl`: "rust", "python", or "auto" (Rust when the extension has the
    store and the memory flag does not say false)."""
    if impl not in IMPLS:
        raise InvalidInputError(f"impl must be one of {', '.join(IMPLS)}; got {impl!r}")
    if impl == "python":
        return PyMemoryStore
    rust = _rust_engine()
    if impl == "rust":
        if rust is None:
            reason = _native.load_error() or "this build of the extension has no MemoryStore"
            raise ExtensionUnavailableError(f"the Rust memory store is not available ({reason})")
        return rust
    if rust is not None and flags.is_enabled("memory", rust_available=True):
        return rust
    return PyMemoryStore


def _search_filters(
    scope_prefix: str | None, categories: list[str] | None, metadata_filter: dict[str, Any] | None
) -> tuple[str | None, list[str] | None, str | None]:
    """The engine's form of the three filters every search takes, in its argument order
    (`scope_prefix`, `categories`, `metadata_filter`: passed by position, which the binding
    parses faster than keywords)."""
    return (
        _prefix(scope_prefix),
        _str_list("categories", categories) if categories else None,
        metadata_filter_text(metadata_filter),
    )


def _str_list(name: str, values: Any) -> list[str]:
    """`values` as a list; a bare str (or bytes) is refused, since iterating it would select by
    its single characters (`record_ids="abc"` deleting the records "a", "b" and "c")."""
    if isinstance(values, (str, bytes)):
        raise InvalidInputError(f"{name} must be a list of str, got a single {type(values).__name__}")
    return list(values)


class RustStorage:
    """crewai memory storage backed by the crewai-rust engine (see the module docstring).

    Args:
        path: directory of the store, created if missing; None = the default path.
        vector_dim: embedding dimension, else fixed by the first saved embedding.
        impl: "auto", "rust" or "python" (which engine; both have the same behaviour but their
            own files: a directory holding one engine's records is refused by the other).
        durability: "flush" (a returned save survives the process being killed) or "fsync"
            (also survives power loss; every write waits for the disk).
        text_language: "english" (stemming and stop words) or "none", for full-text and hybrid
            search (`search_text`, `search_hybrid`).
    """

    def __init__(
        self,
        path: str | os.PathLike[str] | None = None,
        vector_dim: int | None = None,
        *,
        impl: str = "auto",
        durability: str = "flush",
        text_language: str = "english",
    ) -> None:
        cls = engine_class(impl)
        if path is not None and not os.fspath(path):
            # Path("") is the working directory: the store's files would land wherever the
            # process happens to run. An empty path is almost always an unset setting.
            raise InvalidInputError("path must not be empty (None selects the default path)")
        resolved = Path(path) if path is not None else default_path()
        self._path = resolved
        self._engine: Any = cls(str(resolved), vector_dim, durability=durability, text_language=text_language)
        self.implementation: str = "python" if cls is PyMemoryStore else "rust"
        # Reads return finished `MemoryRecord`s from the engine when it makes them exactly as
        # `model_construct` would (checked once per engine class); else field dicts, finished here.
        self._built = engine_builds_records(cls)
        self._read: dict[str, Any] = {"model": MemoryRecord} if self._built else {"fields": True}

    def _scored(self, hits: list[tuple[Any, float]]) -> list[tuple[MemoryRecord, float]]:
        return hits if self._built else [(from_fields(row), score) for row, score in hits]

    def __repr__(self) -> str:
        return f"RustStorage(path={str(self._path)!r}, implementation={self.implementation!r})"

    # The store is a handle on files shared by every object that opens them: copies (crewai
    # deep-copies agents and their memory) must share it rather than fail or duplicate it.
    def __copy__(self) -> RustStorage:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> RustStorage:
        return self

    @property
    def path(self) -> Path:
        return self._path

    @property
    def vector_dim(self) -> int | None:
        return self._engine.vector_dim

    @property
    def engine(self) -> Any:
        """The engine object (`MemoryStore` or `PyMemoryStore`), for tools and tests."""
        return self._engine

    # -- the StorageBackend protocol -------------------------------------------------------

    def save(self, records: list[MemoryRecord]) -> None:
        """Insert or replace records by id; an invalid record rejects the whole batch."""
        if not records:
            return
        self._engine.upsert([to_engine(r) for r in records])

    def search(
        self,
        query_embedding: list[float],
        scope_prefix: str | None = None,
        categories: list[str] | None = None,
        metadata_filter: dict[str, Any] | None = None,
        limit: int = 10,
        min_score: float = 0.0,
    ) -> list[tuple[MemoryRecord, float]]:
        """The `limit` records most cosine-similar to the query among those matching every
        filter, best first, each with its score (>= `min_score`)."""
        hits = self._engine.search(
            query_embedding,
            *_search_filters(scope_prefix, categories, metadata_filter),
            limit,
            min_score,
            **self._read,
        )
        return self._scored(hits)

    # -- hybrid recall (issue 4) ---------------------------------------------------------------

    def search_text(
        self,
        query: str,
        scope_prefix: str | None = None,
        categories: list[str] | None = None,
        metadata_filter: dict[str, Any] | None = None,
        limit: int = 10,
        min_score: float = 0.0,
    ) -> list[tuple[MemoryRecord, float]]:
        """The `limit` records whose content best matches `query` (BM25, scores in [0, 1]) among
        those matching every filter, best first. `query` is plain text, never a query language."""
        hits = self._engine.search_text(
            query,
            *_search_filters(scope_prefix, categories, metadata_filter),
            limit,
            min_score,
            **self._read,
        )
        return self._scored(hits)

    def search_hybrid(
        self,
        query_text: str,
        query_embedding: list[float],
        scope_prefix: str | None = None,
        categories: list[str] | None = None,
        metadata_filter: dict[str, Any] | None = None,
        limit: int = 10,
        min_score: float = 0.0,
        weight: float = 0.7,
    ) -> list[tuple[MemoryRecord, float]]:
        """BM25 of `query_text` and cosine of `query_embedding` fused into one score in [0, 1]
        (`weight` = the text share; see docs/hybrid.md), exact filters, best first."""
        hits = self._engine.search_hybrid(
            query_text,
            query_embedding,
            *_search_filters(scope_prefix, categories, metadata_filter),
            limit,
            min_score,
            weight,
            **self._read,
        )
        return self._scored(hits)

    def delete(
        self,
        scope_prefix: str | None = None,
        categories: list[str] | None = None,
        record_ids: list[str] | None = None,
        older_than: datetime | None = None,
        metadata_filter: dict[str, Any] | None = None,
    ) -> int:
        """Delete the records matching every given criterion; returns how many.

        As with crewai's own backends, no criterion at all deletes every record (that is what
        `Memory.forget()` without arguments does) and keeps the embedding dimension (unlike
        `reset()`); an explicit empty `record_ids` selects no record and deletes none.
        """
        if record_ids is not None and len(_str_list("record_ids", record_ids)) == 0:
            return 0
        prefix = _prefix(scope_prefix)
        if older_than is not None and not isinstance(older_than, datetime):
            raise InvalidInputError(f"older_than must be a datetime, got {type(older_than).__name__}")
        cutoff = None if older_than is None else epoch_us(older_than)
        wanted = metadata_filter_text(metadata_filter)
        cats = _str_list("categories", categories) if categories else None
        ids = None if record_ids is None else _str_list("record_ids", record_ids)
        if prefix is None and cats is None and ids is None and cutoff is None and wanted is None:
            # The engines delete nothing without a criterion; "created before the end of time"
            # is every record.
            cutoff = _END_OF_TIME_US
        return int(
            self._engine.delete(
                scope_prefix=prefix,
                categories=cats,
                record_ids=ids,
                older_than_us=cutoff,
                metadata_filter=wanted,
            )
        )

    def update(self, record: MemoryRecord) -> None:
        """Replace the record with the same id (inserted if absent, as crewai's backends do)."""
        row = to_engine(record)
        if not self._engine.update(row):
            self._engine.upsert([row])

    def get_record(self, record_id: str) -> MemoryRecord | None:
        row = self._engine.get(record_id, **self._read)
        return row if row is None or self._built else from_fields(row)

    def list_records(
        self, scope_prefix: str | None = None, limit: int = 200, offset: int = 0
    ) -> list[MemoryRecord]:
        """Records of the scope (and its subscopes), newest first, paginated."""
        if limit <= 0 or offset < 0:
            return []
        rows = self._engine.list_records(_prefix(scope_prefix), limit, offset, **self._read)
        return rows if self._built else [from_fields(row) for row in rows]

    def get_scope_info(self, scope: str) -> ScopeInfo:
        path = normalise_scope(scope)
        return scope_info_from_engine(self._engine.scope_info(path), path)

    def list_scopes(self, parent: str = "/") -> list[str]:
        return list(self._engine.list_scopes(normalise_scope(parent)))

    def list_categories(self, scope_prefix: str | None = None) -> dict[str, int]:
        """How many records of the scope carry each category."""
        return dict(self._engine.list_categories(_prefix(scope_prefix)))

    def count(self, scope_prefix: str | None = None) -> int:
        return int(self._engine.count(_prefix(scope_prefix)))

    def reset(self, scope_prefix: str | None = None) -> None:
        """Delete the scope's records; the whole store (None or "/") also forgets the embedding
        dimension, so a new embedder can be used afterwards."""
        self._engine.reset(_prefix(scope_prefix))

    def touch_records(self, record_ids: list[str]) -> None:
        """Set `last_accessed` to now (naive UTC, as crewai does) on the given records."""
        if not record_ids:
            return
        self._engine.touch(_str_list("record_ids", record_ids), utc_now_naive().isoformat())

    def refresh(self) -> None:
        """See other processes' writes now (every call also does it on its own)."""
        self._engine.refresh()

    def close(self) -> None:
        """Release the store's files; idempotent. Later calls raise `StorageError`."""
        self._engine.close()

    async def asave(self, records: list[MemoryRecord]) -> None:
        await asyncio.to_thread(self.save, records)

    async def asearch(
        self,
        query_embedding: list[float],
        scope_prefix: str | None = None,
        categories: list[str] | None = None,
        metadata_filter: dict[str, Any] | None = None,
        limit: int = 10,
        min_score: float = 0.0,
    ) -> list[tuple[MemoryRecord, float]]:
        return await asyncio.to_thread(
            self.search,
            query_embedding,
            scope_prefix=scope_prefix,
            categories=categories,
            metadata_filter=metadata_filter,
            limit=limit,
            min_score=min_score,
        )

    async def adelete(
        self,
        scope_prefix: str | None = None,
        categories: list[str] | None = None,
        record_ids: list[str] | None = None,
        older_than: datetime | None = None,
        metadata_filter: dict[str, Any] | None = None,
    ) -> int:
        return await asyncio.to_thread(
            self.delete,
            scope_prefix=scope_prefix,
            categories=categories,
            record_ids=record_ids,
            older_than=older_than,
            metadata_filter=metadata_filter,
        )
