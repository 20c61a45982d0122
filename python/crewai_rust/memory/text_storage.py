"""`RustMemoryStorage`: the text API of the migration guide the project comes from.

``save(serialized: str)`` stores a string (the guide saves ``json.dumps(...)`` values) and
``search(query: str, limit=10, score_threshold=0.0) -> list[str]`` returns the saved strings best
first by full-text (BM25) relevance, which the guide turns back with ``json.loads``. It is backed
by the same engine as `RustStorage` (`crewai_rust._core.MemoryStore`, records without embeddings),
in memory by default and durable on disk with a ``path``. Without the extension, an in-memory
instance runs on the pure-Python reference index (`crewai_rust.memory.text`), with the same
ranking; an on-disk one needs an engine that can search text and raises
`ExtensionUnavailableError` otherwise.
"""

from __future__ import annotations

import os
import threading
import uuid
from datetime import datetime, timezone
from typing import Any

from crewai_rust import _native
from crewai_rust.errors import ExtensionUnavailableError, StorageError
from crewai_rust.memory import text as _text

__all__ = ["RustMemoryStorage"]


class _ReferenceTextStore:
    """In-memory records searched with the reference index: the fallback engine of this API."""

    def __init__(self, text_language: str) -> None:
        self._index = _text.TextIndex(language=text_language)
        self._docs: dict[int, dict[str, Any]] = {}
        self._ids: dict[str, int] = {}
        self._lock = threading.Lock()
        self._closed = False

    def _check(self) -> None:
        if self._closed:
            raise StorageError("store is closed")

    def upsert(self, records: list[dict[str, Any]]) -> None:
        with self._lock:
            self._check()
            for rec in records:
                doc = self._ids.setdefault(rec["id"], len(self._ids))
                self._index.add(doc, rec["content"])
                self._docs[doc] = rec

    def search_text(self, query: str, *, limit: int = 10, min_score: float = 0.0) -> list[tuple[dict, float]]:
        with self._lock:
            self._check()
            q = self._index.query(query)
            ids = {doc: rec["id"] for doc, rec in self._docs.items()}
            hits = self._index.raw_search(
                q,
                limit,
                lambda d: q.normalize(self._index.raw_score(q, d)) >= min_score,
                tie=ids.__getitem__,
            )
            return [(self._docs[d], q.normalize(s)) for d, s in hits]

    def reset(self) -> None:
        with self._lock:
            self._check()
            self._index.clear()
            self._docs.clear()
            self._ids.clear()

    def close(self) -> None:
        self._closed = True

    def __len__(self) -> int:
        return len(self._docs)


class RustMemoryStorage:
    """Save strings, search them by text: ``save(serialized)``, ``search(query) -> list[str]``.

    ``path=None`` keeps everything in memory; with a path the strings are stored durably (a
    returned ``save`` survives the process being killed) and shared with other instances and
    processes on that path. ``text_language`` ("english" or "none") sets stemming and stop words.
    """

    def __init__(
        self,
        path: str | os.PathLike[str] | None = None,
        *,
        text_language: str = "english",
        durability: str = "flush",
    ) -> None:
        _text.parse_language(text_language)
        self._path = None if path is None else os.fspath(path)
        if _native.rust_available():
            self._engine: Any = _native.core().MemoryStore(
                self._path, durability=durability, text_language=text_language
            )
        elif self._path is None:
            self._engine = _ReferenceTextStore(text_language)
        else:
            raise ExtensionUnavailableError(
                "RustMemoryStorage(path=...) needs the crewai_rust extension, which did not load "
                f"({_native.load_error()}); use RustMemoryStorage() for an in-memory store"
            )

    @property
    def path(self) -> str | None:
        """The directory holding the strings, or None in memory."""
        return self._path

    def save(self, serialized: str) -> str:
        """Store one string; returns the id it was stored under."""
        if not isinstance(serialized, str):
            raise TypeError(
                f"serialized must be a str (e.g. json.dumps(value)), got {type(serialized).__name__}"
            )
        now = datetime.now(timezone.utc)
        record_id = uuid.uuid4().hex
        self._engine.upsert(
            [
                {
                    "id": record_id,
                    "content": serialized,
                    "scope": "/",
                    "categories": [],
                    "metadata": "{}",
                    "importance": 0.5,
                    "created_at": now.isoformat(),
                    "created_us": int(now.timestamp() * 1_000_000),
                    "last_accessed": now.isoformat(),
                    "source": None,
                    "private": False,
                    "embedding": None,
                }
            ]
        )
        return record_id

    def search(self, query: str, limit: int = 10, score_threshold: float = 0.0) -> list[str]:
        """The saved strings most relevant to `query` (BM25, scores in [0, 1]), best first.

        `query` is plain text: quotes, dashes, `*`, colons and empty strings are just text.
        """
        if not isinstance(query, str):
            raise TypeError(f"query must be a str, got {type(query).__name__}")
        hits = self._engine.search_text(query, limit=limit, min_score=score_threshold)
        return [rec["content"] for rec, _ in hits]

    def reset(self) -> None:
        """Forget every saved string."""
        self._engine.reset()

    def close(self) -> None:
        """Release the files; later calls raise StorageError."""
        self._engine.close()

    def __len__(self) -> int:
        return len(self._engine)

    def __repr__(self) -> str:
        return f"RustMemoryStorage(path={self._path!r})"
