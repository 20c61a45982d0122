"""`RustMemoryStorage`: the text API of the migration guide the project comes from.

``save(serialized: str)`` stores a string (the guide saves ``json.dumps(...)`` values) and
``search(query: str, limit=10, score_threshold=0.0) -> list[str]`` returns the saved strings best
first by full-text (BM25) relevance, which the guide turns back with ``json.loads``. It is backed
by the same engine as `RustStorage` (`crewai_rust._core.MemoryStore`, records without embeddings),
in memory by default and durable on disk with a ``path``. Without the extension it runs on the
pure-Python reference engine (`PyMemoryStore`), with the same ranking.
"""

from __future__ import annotations

import os
import uuid
from datetime import datetime, timezone
from typing import Any

from crewai_rust import _native
from crewai_rust.memory import text as _text

__all__ = ["RustMemoryStorage"]


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
            engine: Any = _native.core().MemoryStore
        else:
            from crewai_rust.memory.reference import PyMemoryStore

            engine = PyMemoryStore
        self._engine: Any = engine(self._path, durability=durability, text_language=text_language)

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
