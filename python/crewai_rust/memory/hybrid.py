"""Hybrid recall for crewai's `Memory`: BM25 + vector search with the query text crewai already has.

crewai's recall (shallow, and RecallFlow's parallel searches in deep recall) calls
``storage.search(embedding, ...)`` with only the embedding; the text it embedded is known one
step earlier, when it calls the embedder. The narrowest seam is therefore two small wrappers,
active only inside ``recall``:

* the embedder is wrapped so that, while a recall runs (a context variable, which crewai copies
  into RecallFlow's worker threads), each text it embeds is remembered by its embedding;
* the storage is wrapped in `HybridSearchStorage`, whose ``search`` looks the embedding up and,
  when it came from the current recall's query texts, calls the store's
  ``search_hybrid(query_text, embedding, ...)`` instead. Everything else is delegated unchanged.

Outside recall (``remember``'s consolidation search, ``forget``, listing...) nothing changes, and a
store without ``search_hybrid`` keeps crewai's behaviour entirely. `HybridMemory` is the `Memory`
subclass doing this; ``crewai_rust.install(hybrid=True)`` applies the same two methods to crewai's
`Memory` class (see `crewai_rust.integration.memory`).
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Callable, Sequence
from contextvars import ContextVar
from typing import Any

from crewai.memory.unified_memory import Memory
from pydantic import Field

from crewai_rust.memory.text import DEFAULT_TEXT_WEIGHT, check_weight

__all__ = ["HybridMemory", "HybridSearchStorage", "hybrid_embedder", "hybrid_recall", "supports_hybrid"]

# Embedding (as a tuple of floats) -> the text it embeds, for the recall running in this context.
_RECALL_TEXTS: ContextVar[dict[tuple[float, ...], str] | None] = ContextVar(
    "crewai_rust_hybrid_recall_texts", default=None
)
# Bounds the map if an embedder is called many times within one recall (it never is in crewai).
_MAX_TEXTS = 256


def supports_hybrid(storage: object) -> bool:
    """Whether a storage backend offers ``search_hybrid`` (RustStorage does)."""
    return callable(getattr(storage, "search_hybrid", None))


def _key(embedding: Any) -> tuple[float, ...] | None:
    try:
        values = embedding.tolist() if hasattr(embedding, "tolist") else embedding
        return tuple(float(x) for x in values)
    except (TypeError, ValueError):
        return None


class _RecordingEmbedder:
    """Calls the real embedder; during a hybrid recall, remembers which text gave which embedding."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def __call__(self, texts: Sequence[str]) -> Any:
        out = self._inner(texts)
        recording = _RECALL_TEXTS.get()
        if recording is not None and out is not None:
            for text, embedding in zip(texts, out, strict=False):
                key = _key(embedding)
                if key is not None and len(recording) < _MAX_TEXTS:
                    recording[key] = text
        return out

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


class HybridSearchStorage:
    """A storage backend that turns the current recall's vector searches into hybrid searches.

    Every attribute except ``search``/``asearch`` is the wrapped storage's own, so it stays a
    complete crewai `StorageBackend`.
    """

    def __init__(self, storage: Any, weight: float = DEFAULT_TEXT_WEIGHT) -> None:
        self._storage = storage
        self._weight = check_weight(weight)

    @property
    def wrapped(self) -> Any:
        """The storage backend underneath."""
        return self._storage

    def __getattr__(self, name: str) -> Any:
        return getattr(self._storage, name)

    def __repr__(self) -> str:
        return f"HybridSearchStorage({self._storage!r}, weight={self._weight})"

    def _query_text(self, embedding: Any) -> str | None:
        recording = _RECALL_TEXTS.get()
        if not recording:
            return None
        key = _key(embedding)
        return None if key is None else recording.get(key)

    def search(
        self,
        query_embedding: list[float],
        scope_prefix: str | None = None,
        categories: list[str] | None = None,
        metadata_filter: dict[str, Any] | None = None,
        limit: int = 10,
        min_score: float = 0.0,
    ) -> list[tuple[Any, float]]:
        text = self._query_text(query_embedding)
        if text is None:
            return self._storage.search(
                query_embedding,
                scope_prefix=scope_prefix,
                categories=categories,
                metadata_filter=metadata_filter,
                limit=limit,
                min_score=min_score,
            )
        return self._storage.search_hybrid(
            text,
            query_embedding,
            scope_prefix=scope_prefix,
            categories=categories,
            metadata_filter=metadata_filter,
            limit=limit,
            min_score=min_score,
            weight=self._weight,
        )

    async def asearch(
        self,
        query_embedding: list[float],
        scope_prefix: str | None = None,
        categories: list[str] | None = None,
        metadata_filter: dict[str, Any] | None = None,
        limit: int = 10,
        min_score: float = 0.0,
    ) -> list[tuple[Any, float]]:
        if self._query_text(query_embedding) is None:
            return await self._storage.asearch(
                query_embedding,
                scope_prefix=scope_prefix,
                categories=categories,
                metadata_filter=metadata_filter,
                limit=limit,
                min_score=min_score,
            )
        ctx = contextvars.copy_context()
        return await asyncio.to_thread(
            ctx.run, self.search, query_embedding, scope_prefix, categories, metadata_filter, limit, min_score
        )


def _ensure_hybrid_storage(memory: Memory, weight: float) -> None:
    storage = memory._storage
    if not isinstance(storage, HybridSearchStorage) and supports_hybrid(storage):
        memory._storage = HybridSearchStorage(storage, weight)


def hybrid_embedder(original: Callable[[Memory], Any]) -> Callable[[Memory], Any]:
    """`Memory._embedder`'s getter, wrapped so recall can learn which text each embedding is."""

    def _embedder(self: Memory) -> Any:
        return _RecordingEmbedder(original(self))

    return _embedder


def hybrid_recall(original: Callable[..., Any], weight: float | None = None) -> Callable[..., Any]:
    """`Memory.recall`, wrapped: with a hybrid-capable store, its searches use the query text too."""

    def recall(self: Memory, query: str, *args: Any, **kwargs: Any) -> Any:
        w = getattr(self, "hybrid_weight", None) if weight is None else weight
        _ensure_hybrid_storage(self, DEFAULT_TEXT_WEIGHT if w is None else w)
        token = _RECALL_TEXTS.set({})
        try:
            return original(self, query, *args, **kwargs)
        finally:
            _RECALL_TEXTS.reset(token)

    recall.__doc__ = original.__doc__
    recall.__name__ = "recall"
    recall.__qualname__ = getattr(original, "__qualname__", "recall")
    recall.__wrapped__ = original  # type: ignore[attr-defined]
    return recall


_memory_embedder = Memory._embedder.fget  # type: ignore[attr-defined]


class HybridMemory(Memory):
    """crewai `Memory` whose recall (shallow and deep) ranks by BM25 + vector when its storage
    supports ``search_hybrid`` (e.g. `crewai_rust.memory.RustStorage`); with any other storage
    it behaves exactly like `Memory`.

    ``hybrid_weight`` is the share of the text (BM25) score in the fused score, in [0, 1].
    """

    hybrid_weight: float = Field(
        default=DEFAULT_TEXT_WEIGHT,
        ge=0.0,
        le=1.0,
        description="Share of the BM25 score in hybrid recall (the rest is cosine similarity).",
    )

    def model_post_init(self, __context: Any) -> None:
        super().model_post_init(__context)
        _ensure_hybrid_storage(self, self.hybrid_weight)

    @property
    def _embedder(self) -> Any:
        return _RecordingEmbedder(_memory_embedder(self))

    recall = hybrid_recall(Memory.recall)
