"""Engine records for the pure-Python store: validation, the stored form, filters and scopes.

The engine contract (a plain dict per record, every key present) is checked here once, so the
Python reference raises the same `InvalidInputError` for the same bad input as the Rust engine:
a missing key, a wrong type, NaN or infinity, metadata that is not a JSON object, an empty id.
Everything after validation works on `StoredRecord`, which keeps the parsed metadata next to its
original text so filters never re-parse it and outputs return the text verbatim.
"""

from __future__ import annotations

import json
import math
import operator
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import numpy as np

from crewai_rust.errors import InvalidInputError

__all__ = [
    "RECORD_KEYS",
    "StoredRecord",
    "check_str_list",
    "construct",
    "in_scope",
    "json_equal",
    "metadata_matches",
    "normalise_prefix",
    "parse_filter",
    "record_fields",
    "to_vector",
    "validate_record",
]

RECORD_KEYS: tuple[str, ...] = (
    "id",
    "content",
    "scope",
    "categories",
    "metadata",
    "importance",
    "created_at",
    "created_us",
    "last_accessed",
    "source",
    "private",
    "embedding",
)


class StoredRecord:
    """One validated record as the reference store keeps it (the vector lives in the matrix)."""

    __slots__ = (
        "categories",
        "content",
        "created_at",
        "created_us",
        "id",
        "importance",
        "last_accessed",
        "metadata",
        "metadata_text",
        "private",
        "scope",
        "slot",
        "source",
        "vector",
    )

    def __init__(
        self,
        *,
        id: str,
        content: str,
        scope: str,
        categories: list[str],
        metadata_text: str,
        metadata: dict[str, Any],
        importance: float,
        created_at: str,
        created_us: int,
        last_accessed: str,
        source: str | None,
        private: bool,
        vector: np.ndarray | None,
    ) -> None:
        self.id = id
        self.content = content
        self.scope = scope
        self.categories = categories
        self.metadata_text = metadata_text
        self.metadata = metadata
        self.importance = importance
        self.created_at = created_at
        self.created_us = created_us
        self.last_accessed = last_accessed
        self.source = source
        self.private = private
        # Only set between validation and insertion; afterwards the row in the store's matrix
        # (`slot`) is the single copy.
        self.vector = vector
        self.slot = -1

    def fields(self) -> dict[str, Any]:
        """Every field except the embedding, as JSON-ready values (for the log)."""
        return {
            "id": self.id,
            "content": self.content,
            "scope": self.scope,
            "categories": list(self.categories),
            "metadata": self.metadata_text,
            "importance": self.importance,
            "created_at": self.created_at,
            "created_us": self.created_us,
            "last_accessed": self.last_accessed,
            "source": self.source,
            "private": self.private,
        }


def _fail(record_id: object, field: str, problem: str) -> InvalidInputError:
    who = f"record {record_id!r}" if isinstance(record_id, str) and record_id else "record"
    return InvalidInputError(f"{who}: field {field!r} {problem}")


def _type_name(value: object) -> str:
    return type(value).__name__


def to_vector(value: object, *, what: str) -> np.ndarray:
    """A finite, non-empty 1-D float32 vector from a list, tuple or numpy array.

    float32 C-contiguous arrays are used as they are; anything else is converted once.
    """
    if isinstance(value, np.ndarray):
        if value.ndim != 1:
            raise InvalidInputError(f"{what} must be a 1-D vector, got an array of shape {value.shape}")
        if value.dtype.kind not in "fiu":
            raise InvalidInputError(f"{what} must hold numbers, got dtype {value.dtype}")
        vec = np.ascontiguousarray(value, dtype=np.float32)
    elif isinstance(value, (list, tuple)):
        for x in value:
            if isinstance(x, bool) or not isinstance(x, (int, float, np.integer, np.floating)):
                raise InvalidInputError(f"{what} must hold numbers, got an element of type {_type_name(x)}")
        try:
            vec = np.asarray(value, dtype=np.float32)
        except OverflowError:
            raise InvalidInputError(f"{what} holds a number too large for float32") from None
    else:
        raise InvalidInputError(f"{what} must be a list of floats or a numpy array, got {_type_name(value)}")
    if vec.size == 0:
        raise InvalidInputError(f"{what} must not be empty")
    if not np.isfinite(vec).all():
        raise InvalidInputError(f"{what} contains NaN or infinity")
    return vec


SURROGATE = "holds a lone surrogate, which UTF-8 text cannot store"


def _utf8(value: str, rid: object, key: str) -> None:
    # The Rust engine keeps UTF-8 text, which a lone surrogate cannot be: both engines refuse it.
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise _fail(rid, key, SURROGATE) from None


def check_utf8(value: str, name: str) -> str:
    """An argument's text as the Rust binding takes it: a lone surrogate is refused by name."""
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise InvalidInputError(f"{name} {SURROGATE}") from None
    return value


def _str(record: Mapping[str, Any], rid: object, key: str) -> str:
    value = record[key]
    if not isinstance(value, str):
        raise _fail(rid, key, f"must be a str, got {_type_name(value)}")
    _utf8(value, rid, key)
    return value


def validate_record(record: object) -> StoredRecord:
    """Check one engine input dict against the contract and return its stored form."""
    if not isinstance(record, Mapping):
        raise InvalidInputError(f"a record must be a dict, got {_type_name(record)}")
    rid = record.get("id")
    for key in RECORD_KEYS:
        if key not in record:
            raise _fail(rid, key, "is missing")
    if not isinstance(rid, str):
        raise _fail(None, "id", f"must be a str, got {_type_name(rid)}")
    if not rid:
        raise _fail(None, "id", "must not be empty")
    _utf8(rid, None, "id")
    content = _str(record, rid, "content")
    scope = _str(record, rid, "scope")
    categories = record["categories"]
    if not isinstance(categories, (list, tuple)) or not all(isinstance(c, str) for c in categories):
        raise _fail(rid, "categories", "must be a list of str")
    for category in categories:
        _utf8(category, rid, "categories")
    metadata_text = _str(record, rid, "metadata")
    try:
        metadata = json.loads(metadata_text)
    except ValueError as exc:
        raise _fail(rid, "metadata", f"is not valid JSON ({exc})") from None
    if not isinstance(metadata, dict):
        raise _fail(rid, "metadata", f"must be the JSON text of an object, got {_type_name(metadata)}")
    importance = record["importance"]
    if isinstance(importance, bool) or not isinstance(importance, (int, float, np.integer, np.floating)):
        raise _fail(rid, "importance", f"must be a float, got {_type_name(importance)}")
    importance = float(importance)
    if not math.isfinite(importance):
        raise _fail(rid, "importance", "must be finite")
    created_at = _str(record, rid, "created_at")
    created_us_raw = record["created_us"]
    if isinstance(created_us_raw, bool):
        raise _fail(rid, "created_us", "must be an int, got bool")
    try:
        created_us = operator.index(created_us_raw)
    except TypeError:
        raise _fail(rid, "created_us", f"must be an int, got {_type_name(created_us_raw)}") from None
    last_accessed = _str(record, rid, "last_accessed")
    source = record["source"]
    if source is not None and not isinstance(source, str):
        raise _fail(rid, "source", f"must be a str or None, got {_type_name(source)}")
    if source is not None:
        _utf8(source, rid, "source")
    private = record["private"]
    if not isinstance(private, (bool, np.bool_)):
        raise _fail(rid, "private", f"must be a bool, got {_type_name(private)}")
    embedding = record["embedding"]
    vector = None
    if embedding is not None:
        try:
            vector = to_vector(embedding, what="embedding")
        except InvalidInputError as exc:
            raise _fail(rid, "embedding", str(exc).removeprefix("embedding ")) from None
    return StoredRecord(
        id=rid,
        content=content,
        scope=scope,
        categories=list(categories),
        metadata_text=metadata_text,
        metadata=metadata,
        importance=importance,
        created_at=created_at,
        created_us=created_us,
        last_accessed=last_accessed,
        source=source,
        private=bool(private),
        vector=vector,
    )


def record_fields(row: Mapping[str, Any]) -> dict[str, Any]:
    """The field values of crewai's `MemoryRecord` for an engine output dict, in the model's
    field order: what the engines return with `fields=True` (the Rust one builds them itself)."""
    embedding = row["embedding"]
    return {
        "id": row["id"],
        "content": row["content"],
        "scope": row["scope"],
        "categories": list(row["categories"]),
        "metadata": json.loads(row["metadata"]),
        "importance": row["importance"],
        "created_at": datetime.fromisoformat(row["created_at"]),
        "last_accessed": datetime.fromisoformat(row["last_accessed"]),
        "embedding": None if embedding is None else embedding.tolist(),
        "source": row["source"],
        "private": row["private"],
    }


def construct(model: Any, fields: dict[str, Any]) -> Any:
    """What `model.model_construct(**fields)` makes when `fields` holds every field of the pydantic
    `model` (and it has no extra or private attributes), without its per-call overhead: what the
    engines return for `model=`. The Rust engine does the same four steps in C
    (`crates/python/src/store/model.rs`); `_convert` checks both against `model_construct`."""
    rec = model.__new__(model)
    object.__setattr__(rec, "__dict__", fields)
    object.__setattr__(rec, "__pydantic_fields_set__", set(fields))
    object.__setattr__(rec, "__pydantic_extra__", None)
    object.__setattr__(rec, "__pydantic_private__", None)
    return rec


def normalise_prefix(prefix: str | None, name: str = "scope_prefix") -> str | None:
    """None for "everything" ("/", "" or None), else the prefix without a trailing slash."""
    if prefix is None:
        return None
    if not isinstance(prefix, str):
        raise InvalidInputError(f"{name} must be a str or None, got {_type_name(prefix)}")
    check_utf8(prefix, name)
    trimmed = prefix.rstrip("/")
    if not trimmed:
        return None
    return trimmed if trimmed.startswith("/") else "/" + trimmed


def in_scope(scope: str, prefix: str | None) -> bool:
    """Segment match: "/a" holds "/a" and "/a/x", never "/ab"."""
    if prefix is None:
        return True
    return scope == prefix or scope.startswith(prefix + "/")


def parse_filter(metadata_filter: str | None) -> dict[str, Any] | None:
    """The metadata filter's JSON text as a dict (None or an empty object: no filter)."""
    if metadata_filter is None:
        return None
    if not isinstance(metadata_filter, str):
        raise InvalidInputError(
            f"metadata_filter must be JSON text or None, got {_type_name(metadata_filter)}"
        )
    check_utf8(metadata_filter, "metadata_filter")
    try:
        parsed = json.loads(metadata_filter)
    except ValueError as exc:
        raise InvalidInputError(f"metadata_filter is not valid JSON ({exc})") from None
    if not isinstance(parsed, dict):
        raise InvalidInputError(f"metadata_filter must be a JSON object, got {_type_name(parsed)}")
    return parsed or None


def json_equal(a: Any, b: Any) -> bool:
    """JSON equality: numbers by value (1 == 1.0), booleans never equal numbers, deep containers."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(json_equal(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(json_equal(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and a == b


_ABSENT = object()


def metadata_matches(metadata: Mapping[str, Any], wanted: Mapping[str, Any] | None) -> bool:
    """Every key of the filter equals the record's value; a null filter value also matches a
    missing key, as crewai's own `metadata.get(k) == v` does."""
    if not wanted:
        return True
    for key, value in wanted.items():
        have = metadata.get(key, _ABSENT)
        if have is _ABSENT:
            if value is not None:
                return False
        elif not json_equal(have, value):
            return False
    return True


def check_str_list(value: Sequence[str] | None, *, what: str) -> list[str] | None:
    """None, or a list of str (a tuple is accepted); anything else is a clear error."""
    if value is None:
        return None
    if isinstance(value, str) or not isinstance(value, (list, tuple)):
        raise InvalidInputError(f"{what} must be a list of str or None, got {_type_name(value)}")
    if not all(isinstance(v, str) for v in value):
        raise InvalidInputError(f"{what} must hold only str")
    for v in value:
        check_utf8(v, what)
    return list(value)
