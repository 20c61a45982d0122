"""crewai `MemoryRecord` <-> engine record dicts, and the scope / filter / time conversions.

Both engines take and return the same plain dicts (see the engine contract); this module is the
one place that knows crewai's types. Datetimes travel as their `isoformat()` text (returned
verbatim, so a timezone round-trips exactly) plus microseconds since the epoch for ordering, with
naive datetimes read as UTC the way crewai writes them (`datetime.utcnow()`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from typing import Any

from crewai.memory.types import MemoryRecord, ScopeInfo

from crewai_rust.errors import InvalidInputError
from crewai_rust.memory._records import construct

__all__ = [
    "engine_builds_records",
    "epoch_us",
    "from_fields",
    "metadata_filter_text",
    "normalise_scope",
    "scope_info_from_engine",
    "scope_prefix",
    "to_engine",
    "utc_now_naive",
]

_EPOCH_NAIVE = datetime(1970, 1, 1)
_EPOCH_UTC = datetime(1970, 1, 1, tzinfo=timezone.utc)
_ONE_US = timedelta(microseconds=1)


def utc_now_naive() -> datetime:
    """crewai's clock (`datetime.utcnow()`), without the deprecation warning of Python 3.12."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def epoch_us(moment: datetime) -> int:
    """Microseconds since the Unix epoch; a naive datetime is taken as UTC."""
    if moment.tzinfo is None or moment.tzinfo.utcoffset(moment) is None:
        return (moment - _EPOCH_NAIVE) // _ONE_US
    return (moment - _EPOCH_UTC) // _ONE_US


def normalise_scope(scope: str) -> str:
    """A scope path as the engines expect it: leading "/", no empty segment, no trailing "/"."""
    if not isinstance(scope, str):
        raise InvalidInputError(f"a scope must be a str, got {type(scope).__name__}")
    parts = [p for p in scope.split("/") if p]
    return "/" + "/".join(parts)


def scope_prefix(prefix: str | None) -> str | None:
    """A scope filter: None when it selects everything (None, "", "/")."""
    if prefix is None:
        return None
    normalised = normalise_scope(prefix)
    return None if normalised == "/" else normalised


def metadata_filter_text(metadata_filter: Mapping[str, Any] | None) -> str | None:
    """The filter as JSON text for the engine; None or an empty dict means no filter."""
    if not metadata_filter:
        return None
    if not isinstance(metadata_filter, Mapping):
        raise InvalidInputError(f"metadata_filter must be a dict, got {type(metadata_filter).__name__}")
    return _dump_json(dict(metadata_filter), what="metadata_filter")


def _dump_json(value: dict[str, Any], *, what: str) -> str:
    try:
        # Key order is kept, so metadata comes back exactly as it was given (MemoryMatch.format
        # prints it in that order); NaN is rejected because it is not JSON.
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise InvalidInputError(f"{what} must be JSON-serialisable: {exc}") from None


def to_engine(record: MemoryRecord) -> dict[str, Any]:
    """The engine dict of a crewai record (the embedding is passed through, not copied)."""
    if not isinstance(record, MemoryRecord):
        raise InvalidInputError(f"expected a crewai MemoryRecord, got {type(record).__name__}")
    if not isinstance(record.metadata, dict):
        raise InvalidInputError(f"record {record.id!r}: metadata must be a dict")
    embedding = record.embedding
    if embedding is not None and len(embedding) == 0:
        embedding = None  # crewai's embedders return [] on failure: that is "no embedding"
    created_at = record.created_at
    return {
        "id": record.id,
        "content": record.content,
        "scope": normalise_scope(record.scope),
        "categories": list(record.categories),
        "metadata": _dump_json(record.metadata, what=f"record {record.id!r}: metadata"),
        "importance": record.importance,
        "created_at": created_at.isoformat(),
        "created_us": epoch_us(created_at),
        "last_accessed": record.last_accessed.isoformat(),
        "source": record.source,
        "private": record.private,
        "embedding": embedding,
    }


_FIELDS = frozenset(MemoryRecord.model_fields)


def _sample() -> dict[str, Any]:
    return {
        "id": "x",
        "content": "c",
        "scope": "/",
        "categories": ["a"],
        "metadata": {"k": [1, None]},
        "importance": 0.5,
        "created_at": datetime(2024, 1, 1),
        "last_accessed": datetime(2024, 1, 1, tzinfo=timezone.utc),
        "embedding": [1.0],
        "source": None,
        "private": False,
    }


def _same_as_constructed(rec: Any, fields: dict[str, Any]) -> bool:
    """Whether `rec` is what `MemoryRecord.model_construct(**fields)` gives, as far as anything
    crewai or a user can look at."""
    slow = MemoryRecord.model_construct(**fields)
    return (
        type(rec) is MemoryRecord
        and rec == slow
        and list(rec.__dict__) == list(slow.__dict__)
        and rec.model_fields_set == slow.model_fields_set
        and rec.model_dump() == slow.model_dump()
        and repr(rec) == repr(slow)
    )


def _fast_construct_works() -> bool:
    """Guard against a pydantic whose model internals differ: then use `model_construct`."""
    sample = _sample()
    if set(sample) != _FIELDS:
        return False
    try:
        return _same_as_constructed(construct(MemoryRecord, dict(sample)), sample)
    except Exception:
        return False


_FAST_CONSTRUCT = _fast_construct_works()
_construct = (
    (lambda fields: construct(MemoryRecord, fields))
    if _FAST_CONSTRUCT
    else (lambda fields: MemoryRecord.model_construct(**fields))
)


def from_fields(fields: dict[str, Any]) -> MemoryRecord:
    """The crewai record of an engine's `fields=True` output (see `_records.record_fields`). Every value
    was validated on the way in, so the pydantic model is built without validating 1,536 floats
    again; `tests/memory/test_record_build.py` proves the result equals a validated one."""
    return _construct(fields)


_ENGINE_BUILDS: dict[type, bool] = {}


def engine_builds_records(engine_cls: type) -> bool:
    """Whether reads of `engine_cls` may pass `model=MemoryRecord` and get finished records: the
    engine makes them itself the way `construct` does (the Rust one in C), so it is checked once
    per engine class, on an in-memory store, against `model_construct` like the import guard."""
    known = _ENGINE_BUILDS.get(engine_cls)
    if known is None:
        known = _ENGINE_BUILDS[engine_cls] = _FAST_CONSTRUCT and _engine_build_works(engine_cls)
    return known


def _engine_build_works(engine_cls: type) -> bool:
    sample = _sample()
    try:
        engine = engine_cls(None, None)
        try:
            engine.upsert([to_engine(MemoryRecord.model_construct(**sample))])
            rec = engine.get(sample["id"], model=MemoryRecord)
        finally:
            engine.close()
        return _same_as_constructed(rec, sample)
    except Exception:
        return False


def scope_info_from_engine(info: Mapping[str, Any], path: str) -> ScopeInfo:
    oldest = info["oldest_created_at"]
    newest = info["newest_created_at"]
    return ScopeInfo(
        path=path,
        record_count=info["record_count"],
        categories=list(info["categories"]),
        oldest_record=None if oldest is None else datetime.fromisoformat(oldest),
        newest_record=None if newest is None else datetime.fromisoformat(newest),
        child_scopes=list(info["child_scopes"]),
    )
