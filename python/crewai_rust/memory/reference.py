"""`PyMemoryStore`: the pure-Python memory engine, same contract and semantics as the Rust one.

It is the fallback when the extension cannot load and the other half of every dual-implementation
test. Records live in a dict; embeddings in one float32 matrix (a row per record, rows reused
after deletes), so an unfiltered search is a single matrix-vector product and a filtered one a
product over the matching rows only: exact top-`limit` under any filter. On disk it keeps an
append-only JSON-lines log guarded by a lock file (see `_reference_log`); every call first
catches up with what other store objects or processes appended, and writers do that while
holding the lock, so concurrent writers lose nothing.
"""

from __future__ import annotations

import base64
import json
import os
import threading
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from crewai.memory.storage.backend import EmbeddingDimensionMismatchError

from crewai_rust.errors import InvalidInputError, StorageError
from crewai_rust.memory import text as _text
from crewai_rust.memory._records import (
    StoredRecord,
    check_str_list,
    check_utf8,
    construct,
    in_scope,
    metadata_matches,
    normalise_prefix,
    parse_filter,
    record_fields,
    to_vector,
    validate_record,
)
from crewai_rust.memory._reference_log import ReferenceLog

__all__ = ["PyMemoryStore"]

DURABILITY = ("flush", "fsync")
# Compact when the log holds this many bytes more than a fresh snapshot would (and at least
# twice as many): replaced records, deletes and touches otherwise grow it without bound.
_COMPACT_MIN_GARBAGE = 8 << 20
_SNAPSHOT_BATCH = 256


class _Vectors:
    """Embeddings as rows of one float32 matrix, with norms; deleted rows are reused."""

    def __init__(self, dim: int) -> None:
        self.dim = dim
        self.matrix = np.zeros((16, dim), dtype=np.float32)
        self.norms = np.zeros(16, dtype=np.float64)
        self.live = np.zeros(16, dtype=bool)
        self.ids: list[str | None] = [None] * 16
        self.top = 0
        self._free: list[int] = []

    def add(self, record_id: str, vector: np.ndarray) -> int:
        if self._free:
            slot = self._free.pop()
        else:
            if self.top == len(self.ids):
                self._grow()
            slot = self.top
            self.top += 1
        self.matrix[slot] = vector
        self.norms[slot] = float(np.linalg.norm(self.matrix[slot].astype(np.float64)))
        self.live[slot] = True
        self.ids[slot] = record_id
        return slot

    def remove(self, slot: int) -> None:
        self.live[slot] = False
        self.ids[slot] = None
        self._free.append(slot)

    def _grow(self) -> None:
        cap = len(self.ids) * 2
        matrix = np.zeros((cap, self.dim), dtype=np.float32)
        matrix[: self.top] = self.matrix[: self.top]
        norms = np.zeros(cap, dtype=np.float64)
        norms[: self.top] = self.norms[: self.top]
        live = np.zeros(cap, dtype=bool)
        live[: self.top] = self.live[: self.top]
        self.matrix, self.norms, self.live = matrix, norms, live
        self.ids.extend([None] * (cap - len(self.ids)))


def _encode_vector(vector: np.ndarray | None) -> str | None:
    if vector is None:
        return None
    return base64.b64encode(np.ascontiguousarray(vector, dtype="<f4").tobytes()).decode("ascii")


def _decode_vector(text: str | None) -> np.ndarray | None:
    if text is None:
        return None
    return np.frombuffer(base64.b64decode(text), dtype="<f4").astype(np.float32)


class PyMemoryStore:
    """The memory engine in pure Python (see the engine contract); `path=None` keeps it in memory."""

    def __init__(
        self,
        path: str | None = None,
        vector_dim: int | None = None,
        *,
        durability: str = "flush",
        text_language: str = "english",
    ) -> None:
        if durability not in DURABILITY:
            raise InvalidInputError(f"durability must be one of {', '.join(DURABILITY)}; got {durability!r}")
        if vector_dim is not None and (isinstance(vector_dim, bool) or not isinstance(vector_dim, int)):
            raise InvalidInputError(
                f"vector_dim must be a positive int or None, got {type(vector_dim).__name__}"
            )
        if vector_dim is not None and vector_dim <= 0:
            raise InvalidInputError(f"vector_dim must be a positive int, got {vector_dim}")
        if isinstance(path, os.PathLike):
            path = os.fspath(path)
        if path is not None and not isinstance(path, str):
            raise InvalidInputError(f"path must be a str or None, got {type(path).__name__}")
        if isinstance(path, str) and not path:
            # As the Rust engine: "" would put the store's files in the working directory.
            raise InvalidInputError("path must not be empty (None keeps the store in memory)")
        self._mutex = threading.RLock()
        self._fixed_dim = vector_dim
        self._path = None if path is None else str(path)
        self._records: dict[str, StoredRecord] = {}
        # hybrid recall: full-text index of `content`, kept in step by _insert/_remove/_clear.
        self._text = _text.TextIndex(language=text_language)
        self._text_doc: dict[str, int] = {}
        self._text_id: dict[int, str] = {}
        self._next_doc = 0
        self._vectors: _Vectors | None = None
        self._logged_dim: int | None = None  # the dimension the log has fixed (None after a reset)
        self._live_bytes = 0  # what a snapshot of the current records would take, roughly
        self._closed = False
        self._log: ReferenceLog | None = None
        if path is None:
            if vector_dim is not None:
                self._vectors = _Vectors(vector_dim)
            return
        self._log = ReferenceLog(Path(path), fsync=durability == "fsync")
        try:
            with self._mutex:
                self._catch_up()
                if vector_dim is not None:
                    if self._logged_dim is not None and self._logged_dim != vector_dim:
                        raise EmbeddingDimensionMismatchError(self._logged_dim, vector_dim)
                    if self._logged_dim is None:
                        self._write({"op": "dim", "dim": vector_dim})
                    if self._vectors is None:
                        self._vectors = _Vectors(vector_dim)
        except BaseException:
            self._closed = True
            self._log.close()
            raise

    # -- properties ------------------------------------------------------------------------

    @property
    def vector_dim(self) -> int | None:
        """The embedding dimension: fixed by the first stored embedding or the constructor."""
        with self._mutex:
            self._check_open()
            self._catch_up()
            return self._dim()

    @property
    def path(self) -> str | None:
        return self._path

    def __len__(self) -> int:
        with self._mutex:
            self._check_open()
            self._catch_up()
            return len(self._records)

    # -- writes ----------------------------------------------------------------------------

    def upsert(self, records: list[dict[str, Any]]) -> None:
        """Insert or replace records by id; the whole batch or nothing."""
        if not isinstance(records, (list, tuple)):
            raise InvalidInputError(f"records must be a list of dicts, got {type(records).__name__}")
        stored = [validate_record(r) for r in records]
        if not stored:
            return
        with self._mutex:
            self._check_open()
            self._locked_write(lambda: self._upsert_op(stored))

    def update(self, record: dict[str, Any]) -> bool:
        """Replace the record with this id; False (and nothing stored) when there is none."""
        stored = validate_record(record)
        with self._mutex:
            self._check_open()
            result: list[bool] = []

            def op() -> Iterable[dict[str, Any]]:
                if stored.id not in self._records:
                    result.append(False)
                    return []
                result.append(True)
                return self._upsert_op([stored])

            self._locked_write(op)
            return result[0]

    def delete(
        self,
        scope_prefix: str | None = None,
        categories: list[str] | None = None,
        record_ids: list[str] | None = None,
        older_than_us: int | None = None,
        metadata_filter: str | None = None,
    ) -> int:
        """Delete records matching every given criterion; none given deletes nothing. An empty
        list (categories, record_ids) and the root scope are no criterion, as in `search`."""
        cats = check_str_list(categories, what="categories")
        ids = check_str_list(record_ids, what="record_ids") or None
        wanted = parse_filter(metadata_filter)
        if older_than_us is not None and (
            isinstance(older_than_us, bool) or not isinstance(older_than_us, int)
        ):
            raise InvalidInputError(
                f"older_than_us must be an int or None, got {type(older_than_us).__name__}"
            )
        prefix = normalise_prefix(scope_prefix)
        if prefix is None and not cats and ids is None and older_than_us is None and wanted is None:
            return 0
        with self._mutex:
            self._check_open()
            deleted: list[int] = []

            def op() -> Iterable[dict[str, Any]]:
                pool: Iterable[StoredRecord]
                if ids is not None:
                    pool = (self._records[i] for i in dict.fromkeys(ids) if i in self._records)
                else:
                    pool = self._records.values()
                doomed = [
                    r.id
                    for r in pool
                    if in_scope(r.scope, prefix)
                    and (not cats or any(c in r.categories for c in cats))
                    and (older_than_us is None or r.created_us < older_than_us)
                    and metadata_matches(r.metadata, wanted)
                ]
                deleted.append(len(doomed))
                return [{"op": "delete", "ids": doomed}] if doomed else []

            self._locked_write(op)
            return deleted[0]

    def touch(self, record_ids: list[str], last_accessed: str) -> int:
        """Set `last_accessed` on the records that exist; returns how many."""
        ids = check_str_list(record_ids, what="record_ids") or []
        if not isinstance(last_accessed, str):
            raise InvalidInputError(f"last_accessed must be a str, got {type(last_accessed).__name__}")
        check_utf8(last_accessed, "last_accessed")
        with self._mutex:
            self._check_open()
            touched: list[int] = []

            def op() -> Iterable[dict[str, Any]]:
                present = [i for i in dict.fromkeys(ids) if i in self._records]
                touched.append(len(present))
                return [{"op": "touch", "ids": present, "last_accessed": last_accessed}] if present else []

            self._locked_write(op)
            return touched[0]

    def reset(self, scope_prefix: str | None = None) -> None:
        """Delete everything under the scope; None or "/" also forgets the vector dimension
        (unless the constructor fixed it)."""
        prefix = normalise_prefix(scope_prefix)
        with self._mutex:
            self._check_open()
            if prefix is not None:
                self.delete(scope_prefix=prefix)
                return

            def op() -> Iterable[dict[str, Any]]:
                ops: list[dict[str, Any]] = [{"op": "reset"}]
                if self._fixed_dim is not None:
                    ops.append({"op": "dim", "dim": self._fixed_dim})
                return ops

            self._locked_write(op)

    # -- reads -----------------------------------------------------------------------------

    def get(self, record_id: str, *, fields: bool = False, model: type | None = None) -> Any:
        _check_read(fields, model)
        if not isinstance(record_id, str):
            raise InvalidInputError(f"record_id must be a str, got {type(record_id).__name__}")
        check_utf8(record_id, "record_id")
        with self._mutex:
            self._read()
            rec = self._records.get(record_id)
            return None if rec is None else self._out(rec, fields, model)

    def search(
        self,
        query: Any,
        scope_prefix: str | None = None,
        categories: list[str] | None = None,
        metadata_filter: str | None = None,
        limit: int = 10,
        min_score: float = 0.0,
        *,
        fields: bool = False,
        model: type | None = None,
    ) -> list[tuple[Any, float]]:
        """Exact cosine top-`limit` among the records matching every filter, best first."""
        _check_read(fields, model)
        q = to_vector(query, what="query")
        prefix = normalise_prefix(scope_prefix)
        cats = check_str_list(categories, what="categories")
        wanted = parse_filter(metadata_filter)
        limit = _check_int(limit, "limit")
        min_score = _check_real(min_score, "min_score")
        with self._mutex:
            self._read()
            vectors = self._vectors
            dim = self._dim()
            if dim is None or vectors is None:
                return []
            if q.shape[0] != dim:
                raise EmbeddingDimensionMismatchError(dim, q.shape[0])
            if limit <= 0:
                return []
            if prefix is None and not cats and wanted is None:
                rows = np.flatnonzero(vectors.live[: vectors.top])
                dots = vectors.matrix[: vectors.top] @ q
                dots = dots[rows]
            else:
                rows = np.fromiter(
                    (
                        r.slot
                        for r in self._records.values()
                        if r.slot >= 0
                        and in_scope(r.scope, prefix)
                        and (not cats or any(c in r.categories for c in cats))
                        and metadata_matches(r.metadata, wanted)
                    ),
                    dtype=np.int64,
                )
                dots = vectors.matrix[rows] @ q if rows.size else np.zeros(0, dtype=np.float32)
            if rows.size == 0:
                return []
            qnorm = float(np.linalg.norm(q.astype(np.float64)))
            denom = vectors.norms[rows] * qnorm
            scores = np.divide(
                dots.astype(np.float64), denom, out=np.zeros(rows.size, dtype=np.float64), where=denom > 0
            )
            keep = scores >= float(min_score)
            rows, scores = rows[keep], scores[keep]
            if rows.size > limit:
                # Everything tied with the limit-th best stays a candidate so ties break by id.
                kth = np.partition(scores, rows.size - limit)[rows.size - limit]
                keep = scores >= kth
                rows, scores = rows[keep], scores[keep]
            ranked = sorted(
                ((float(s), vectors.ids[int(slot)]) for slot, s in zip(rows, scores, strict=True)),
                key=lambda p: (-p[0], p[1]),
            )[:limit]
            return [
                (self._out(self._records[rid], fields, model), score)
                for score, rid in ranked
                if rid is not None
            ]

    # -- hybrid recall (issue 4): full-text and hybrid search ------------------------------------

    def _text_filter(
        self, scope_prefix: str | None, categories: list[str] | None, metadata_filter: str | None
    ) -> Any:
        prefix = normalise_prefix(scope_prefix)
        cats = check_str_list(categories, what="categories")
        wanted = parse_filter(metadata_filter)
        if prefix is None and not cats and not wanted:
            return None  # every record: the index's own statistics, no per-doc check

        def allowed(doc: int) -> bool:
            r = self._records[self._text_id[doc]]
            return (
                in_scope(r.scope, prefix)
                and (not cats or any(c in r.categories for c in cats))
                and metadata_matches(r.metadata, wanted)
            )

        return allowed

    def search_text(
        self,
        query: str,
        scope_prefix: str | None = None,
        categories: list[str] | None = None,
        metadata_filter: str | None = None,
        limit: int = 10,
        min_score: float = 0.0,
        *,
        fields: bool = False,
        model: type | None = None,
    ) -> list[tuple[Any, float]]:
        """Exact top-`limit` by BM25 over `content` among records matching every filter."""
        _check_read(fields, model)
        allowed = self._text_filter(scope_prefix, categories, metadata_filter)
        limit = _check_int(limit, "limit")
        min_score = _check_real(min_score, "min_score")
        with self._mutex:
            self._read()
            hits = _text.search_text(
                self._text, query, allowed, limit, float(min_score), tie=self._text_id.__getitem__
            )
            return [(self._out(self._records[self._text_id[d]], fields, model), s) for d, s in hits]

    def search_hybrid(
        self,
        query_text: str,
        query_embedding: Any,
        scope_prefix: str | None = None,
        categories: list[str] | None = None,
        metadata_filter: str | None = None,
        limit: int = 10,
        min_score: float = 0.0,
        weight: float = _text.DEFAULT_TEXT_WEIGHT,
        *,
        fields: bool = False,
        model: type | None = None,
    ) -> list[tuple[Any, float]]:
        """BM25 and cosine fused (see `crewai_rust.memory.text.search_hybrid`), exact filters."""
        _check_read(fields, model)
        weight = _text.check_weight(_check_real(weight, "weight"))
        q = to_vector(query_embedding, what="query_embedding")
        allowed = self._text_filter(scope_prefix, categories, metadata_filter)
        limit = _check_int(limit, "limit")
        min_score = _check_real(min_score, "min_score")
        with self._mutex:
            self._read()
            dim = self._dim()
            if dim is not None and q.shape[0] != dim:
                raise EmbeddingDimensionMismatchError(dim, q.shape[0])
            if limit <= 0 or not self._records:
                return []
            qnorm = float(np.linalg.norm(q.astype(np.float64)))

            def cosine(doc: int) -> float:
                rec = self._records[self._text_id[doc]]
                if rec.slot < 0 or self._vectors is None:
                    return 0.0
                denom = float(self._vectors.norms[rec.slot]) * qnorm
                dot = float(self._vectors.matrix[rec.slot].astype(np.float64) @ q.astype(np.float64))
                return dot / denom if denom > 0 else 0.0

            def vector_top(k: int) -> list[tuple[int, float]]:
                hits = self.search(q, scope_prefix, categories, metadata_filter, k, float("-inf"))
                return [(self._text_doc[r["id"]], s) for r, s in hits]

            hits = _text.search_hybrid(
                self._text,
                query_text,
                vector_top,
                cosine,
                allowed,
                limit,
                weight,
                float(min_score),
                tie=self._text_id.__getitem__,
            )
            return [(self._out(self._records[self._text_id[d]], fields, model), s) for d, s in hits]

    def list_records(
        self,
        scope_prefix: str | None = None,
        limit: int = 200,
        offset: int = 0,
        *,
        fields: bool = False,
        model: type | None = None,
    ) -> list[Any]:
        """Records in the scope, newest first (ties by id), from `offset`, at most `limit`."""
        _check_read(fields, model)
        prefix = normalise_prefix(scope_prefix)
        limit = _check_int(limit, "limit")
        offset = _check_int(offset, "offset")
        if offset < 0:
            raise InvalidInputError(f"offset must not be negative, got {offset}")
        with self._mutex:
            self._read()
            if limit <= 0:
                return []
            chosen = sorted(self._in(prefix), key=lambda r: (-r.created_us, r.id))
            return [self._out(r, fields, model) for r in chosen[offset : offset + limit]]

    def scope_info(self, scope: str) -> dict[str, Any]:
        if not isinstance(scope, str):
            raise InvalidInputError(f"scope must be a str, got {type(scope).__name__}")
        prefix = normalise_prefix(scope, "scope")
        with self._mutex:
            self._read()
            records = list(self._in(prefix))
            categories: set[str] = set()
            for r in records:
                categories.update(r.categories)
            oldest = min(records, key=lambda r: (r.created_us, r.id), default=None)
            # Ties resolve to the smaller id at both ends.
            newest = min(records, key=lambda r: (-r.created_us, r.id), default=None)
            return {
                "path": scope,
                "record_count": len(records),
                "categories": sorted(categories),
                "oldest_created_at": None if oldest is None else oldest.created_at,
                "newest_created_at": None if newest is None else newest.created_at,
                "child_scopes": self._children(prefix, records),
            }

    def list_scopes(self, parent: str = "/") -> list[str]:
        if not isinstance(parent, str):
            raise InvalidInputError(f"parent must be a str, got {type(parent).__name__}")
        prefix = normalise_prefix(parent, "parent")
        with self._mutex:
            self._read()
            return self._children(prefix, self._in(prefix))

    def list_categories(self, scope_prefix: str | None = None) -> dict[str, int]:
        """How many records of the scope carry each category."""
        prefix = normalise_prefix(scope_prefix)
        with self._mutex:
            self._read()
            counts: dict[str, int] = {}
            for r in self._in(prefix):
                for c in dict.fromkeys(r.categories):
                    counts[c] = counts.get(c, 0) + 1
            return counts

    def count(self, scope_prefix: str | None = None) -> int:
        prefix = normalise_prefix(scope_prefix)
        with self._mutex:
            self._read()
            if prefix is None:
                return len(self._records)
            return sum(1 for _ in self._in(prefix))

    def refresh(self) -> None:
        """Catch up with other store objects' and processes' writes now."""
        with self._mutex:
            self._read()

    def wait_for_index(self) -> bool:
        """Same interface as the Rust engine; the reference has no ANN index (always exact)."""
        return False

    def stats(self) -> dict[str, int]:
        """Bytes: `vectors` held in memory, `index` (none here), `file` on disk."""
        with self._mutex:
            self._read()
            vectors = 0 if self._vectors is None else self._vectors.matrix.nbytes
            size = 0 if self._log is None else self._log.size
            return {"vectors": vectors, "index": 0, "file": size}

    def __del__(self) -> None:
        # The log's descriptors are plain ints: nothing else would release them.
        if not getattr(self, "_closed", True):
            self.close()

    def close(self) -> None:
        with self._mutex:
            if self._closed:
                return
            self._closed = True
            if self._log is not None:
                self._log.close()

    # -- internals -------------------------------------------------------------------------

    def _dim(self) -> int | None:
        return self._fixed_dim if self._fixed_dim is not None else self._logged_dim

    def _check_open(self) -> None:
        if self._closed:
            raise StorageError("store is closed")

    def _read(self) -> None:
        self._check_open()
        self._catch_up()

    def _in(self, prefix: str | None) -> Iterator[StoredRecord]:
        return (r for r in self._records.values() if in_scope(r.scope, prefix))

    @staticmethod
    def _children(prefix: str | None, records: Iterable[StoredRecord]) -> list[str]:
        base = "/" if prefix is None else prefix + "/"
        children: set[str] = set()
        for r in records:
            if r.scope.startswith(base):
                head = r.scope[len(base) :].split("/", 1)[0]
                if head:
                    children.add(base + head)
        return sorted(children)

    def _out(self, rec: StoredRecord, fields: bool, model: type | None = None) -> Any:
        """The engine dict, or with `fields` crewai's `MemoryRecord` field values, or with `model`
        the record itself (an instance of `model` holding those values)."""
        row = self._output(rec)
        if model is not None:
            return construct(model, record_fields(row))
        return record_fields(row) if fields else row

    def _output(self, rec: StoredRecord) -> dict[str, Any]:
        embedding = None
        if rec.slot >= 0 and self._vectors is not None:
            embedding = self._vectors.matrix[rec.slot].copy()
        return {
            "id": rec.id,
            "content": rec.content,
            "scope": rec.scope,
            "categories": list(rec.categories),
            "metadata": rec.metadata_text,
            "importance": rec.importance,
            "created_at": rec.created_at,
            "created_us": rec.created_us,
            "last_accessed": rec.last_accessed,
            "source": rec.source,
            "private": rec.private,
            "embedding": embedding,
        }

    def _upsert_op(self, stored: Sequence[StoredRecord]) -> list[dict[str, Any]]:
        """Check the batch's dimensions against the store and describe it as a log op."""
        dim = self._dim()
        for r in stored:
            if r.vector is None:
                continue
            if dim is None:
                dim = r.vector.shape[0]
            elif r.vector.shape[0] != dim:
                raise EmbeddingDimensionMismatchError(dim, r.vector.shape[0])
        return [{"op": "upsert", "records": [_log_record(r) for r in stored], "_stored": stored}]

    def _locked_write(self, build: Any) -> None:
        """Catch up under the writer lock, build the ops from the fresh state, log, apply."""
        if self._log is None:
            for op in build():
                self._apply(op)
            return
        with self._log.locked():
            self._catch_up()
            ops = list(build())
            for op in ops:
                self._write_locked(op)
            self._maybe_compact()

    def _write(self, op: dict[str, Any]) -> None:
        assert self._log is not None
        with self._log.locked():
            self._catch_up()
            self._write_locked(op)

    def _write_locked(self, op: dict[str, Any]) -> None:
        assert self._log is not None
        if not self._log.is_open:
            self._log.create()
            self._catch_up()
        stored = op.pop("_stored", None)
        self._log.append(op)
        if stored is not None:
            op["_stored"] = stored
        self._apply(op)

    def _catch_up(self) -> None:
        if self._log is None:
            return
        reloaded, ops = self._log.read_new()
        if reloaded:
            self._clear(keep_fixed=True)
        for op in ops:
            self._apply(op)

    def _clear(self, *, keep_fixed: bool) -> None:
        self._records.clear()
        self._text.clear()
        self._text_doc.clear()
        self._text_id.clear()
        self._logged_dim = None
        self._live_bytes = 0
        dim = self._fixed_dim if keep_fixed else None
        self._vectors = None if dim is None else _Vectors(dim)

    def _apply(self, op: dict[str, Any]) -> None:
        kind = op.get("op")
        if kind == "upsert":
            stored = op.get("_stored")
            if stored is None:
                stored = [_from_log(r) for r in op["records"]]
            for rec in stored:
                self._insert(rec)
        elif kind == "delete":
            for rid in op["ids"]:
                self._remove(rid)
        elif kind == "touch":
            for rid in op["ids"]:
                rec = self._records.get(rid)
                if rec is not None:
                    rec.last_accessed = op["last_accessed"]
        elif kind == "reset":
            self._clear(keep_fixed=True)
        elif kind == "dim":
            self._set_dim(int(op["dim"]))
        else:
            raise StorageError(
                f"unknown operation {kind!r} in the memory store log (written by a newer version?)"
            )

    def _set_dim(self, dim: int) -> None:
        if self._logged_dim is None:
            self._logged_dim = dim
        if self._vectors is None:
            self._vectors = _Vectors(dim)

    def _insert(self, rec: StoredRecord) -> None:
        self._remove(rec.id)
        if rec.vector is not None:
            self._set_dim(rec.vector.shape[0])
            assert self._vectors is not None
            if rec.vector.shape[0] != self._vectors.dim:
                # Only reachable when another process reset the store and refilled it with
                # another dimension while this object was opened with a fixed `vector_dim`.
                raise EmbeddingDimensionMismatchError(self._vectors.dim, rec.vector.shape[0])
            rec.slot = self._vectors.add(rec.id, rec.vector)
            rec.vector = None
        self._records[rec.id] = rec
        self._live_bytes += _approx_bytes(rec, self._vectors)
        doc = self._next_doc
        self._next_doc += 1
        self._text.add(doc, rec.content)
        self._text_doc[rec.id] = doc
        self._text_id[doc] = rec.id

    def _remove(self, record_id: str) -> None:
        old = self._records.pop(record_id, None)
        if old is None:
            return
        doc = self._text_doc.pop(record_id)
        del self._text_id[doc]
        self._text.remove(doc)
        self._live_bytes -= _approx_bytes(old, self._vectors)
        if old.slot >= 0 and self._vectors is not None:
            self._vectors.remove(old.slot)
            old.slot = -1

    def _maybe_compact(self) -> None:
        assert self._log is not None
        garbage = self._log.size - self._live_bytes
        if garbage < _COMPACT_MIN_GARBAGE or self._log.size < 2 * self._live_bytes:
            return
        self._log.rewrite(self._snapshot_ops())

    def _snapshot_ops(self) -> Iterator[dict[str, Any]]:
        if self._logged_dim is not None:
            yield {"op": "dim", "dim": self._logged_dim}
        batch: list[dict[str, Any]] = []
        for rec in self._records.values():
            entry = rec.fields()
            entry["embedding"] = _encode_vector(self._vector_of(rec))
            batch.append(entry)
            if len(batch) == _SNAPSHOT_BATCH:
                yield {"op": "upsert", "records": batch}
                batch = []
        if batch:
            yield {"op": "upsert", "records": batch}

    def _vector_of(self, rec: StoredRecord) -> np.ndarray | None:
        if rec.slot < 0 or self._vectors is None:
            return None
        return self._vectors.matrix[rec.slot]


def _check_int(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise InvalidInputError(f"{name} must be an int, got {type(value).__name__}")
    return int(value)


def _check_real(value: object, name: str) -> float:
    """A number as the Rust binding takes it: anything `float()` converts except a bool or
    text (numpy scalars and `Decimal` included)."""
    if not isinstance(value, (bool, str, bytes, bytearray)):
        try:
            return float(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            pass
    raise InvalidInputError(f"{name} must be a float, got {type(value).__name__}")


def _log_record(rec: StoredRecord) -> dict[str, Any]:
    entry = rec.fields()
    entry["embedding"] = _encode_vector(rec.vector)
    return entry


def _from_log(entry: dict[str, Any]) -> StoredRecord:
    return StoredRecord(
        id=entry["id"],
        content=entry["content"],
        scope=entry["scope"],
        categories=list(entry["categories"]),
        metadata_text=entry["metadata"],
        metadata=_json_object(entry["metadata"]),
        importance=float(entry["importance"]),
        created_at=entry["created_at"],
        created_us=int(entry["created_us"]),
        last_accessed=entry["last_accessed"],
        source=entry["source"],
        private=bool(entry["private"]),
        vector=_decode_vector(entry["embedding"]),
    )


def _json_object(text: str) -> dict[str, Any]:
    value = json.loads(text)
    return value if isinstance(value, dict) else {}


def _approx_bytes(rec: StoredRecord, vectors: _Vectors | None) -> int:
    """Roughly what the record takes in a snapshot line (base64 vector + the text fields)."""
    vec = 0 if rec.slot < 0 or vectors is None else vectors.dim * 4 * 4 // 3
    return 200 + vec + len(rec.content) + len(rec.metadata_text) + len(rec.scope) + 16 * len(rec.categories)


def _check_read(fields: object, model: object) -> None:
    """The `fields=` (a bool) and `model=` (None or a class) of a read, refused as the Rust
    binding refuses them."""
    if not isinstance(fields, bool):
        raise InvalidInputError(f"fields must be a bool, got {type(fields).__name__}")
    if model is not None and not isinstance(model, type):
        raise TypeError(f"argument 'model': '{type(model).__name__}' object is not an instance of 'type'")
