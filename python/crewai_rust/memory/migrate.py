"""Copy a crewai LanceDB memory store into a crewai-rust store (`crewai-rust migrate-memory`).

Reads the LanceDB table the way `LanceDBStorage` writes it (ids, every field, vectors), turns
LanceDB's zero-vector placeholder back into "no embedding", writes the records in batches, then
checks that every row LanceDB counts was read and that the target holds exactly the source's
distinct ids. A target that already holds records is
refused, so a migration never mixes two stores or overwrites one.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from crewai.memory.types import MemoryRecord

from crewai_rust.errors import CrewaiRustError
from crewai_rust.memory.storage import RustStorage

__all__ = ["MigrationError", "MigrationResult", "migrate_from_lancedb"]

_PLACEHOLDER_ID = "__schema_placeholder__"  # LanceDBStorage's schema row, never a memory


class MigrationError(CrewaiRustError):
    """The migration could not run or did not verify; the message says why."""


@dataclass(frozen=True)
class MigrationResult:
    source: str
    target: str
    source_rows: int
    records: int
    with_embedding: int
    vector_dim: int | None


def _parse_dt(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def _row_to_record(row: dict[str, Any]) -> MemoryRecord:
    vector = row.get("vector")
    embedding = None
    if vector is not None and any(v != 0.0 for v in vector):
        embedding = [float(v) for v in vector]
    return MemoryRecord(
        id=str(row["id"]),
        content=str(row["content"]),
        scope=str(row["scope"]),
        categories=json.loads(row["categories_str"]) if row.get("categories_str") else [],
        metadata=json.loads(row["metadata_str"]) if row.get("metadata_str") else {},
        importance=float(row.get("importance", 0.5)),
        created_at=_parse_dt(row["created_at"]),
        last_accessed=_parse_dt(row["last_accessed"]),
        embedding=embedding,
        source=row.get("source") or None,
        private=bool(row.get("private", False)),
    )


def _batches(table: Any, size: int) -> Iterator[list[dict[str, Any]]]:
    data = table.to_arrow()
    for start in range(0, data.num_rows, size):
        yield data.slice(start, size).to_pylist()


def migrate_from_lancedb(
    source: str | Path,
    target: str | Path,
    *,
    table: str = "memories",
    batch_size: int = 1000,
    impl: str = "auto",
) -> MigrationResult:
    """Copy every record of the LanceDB memory table at `source` into a RustStorage at `target`."""
    import lancedb

    source, target = Path(source), Path(target)
    if batch_size <= 0:
        raise MigrationError(f"batch size must be positive, got {batch_size}")
    if not source.is_dir():
        raise MigrationError(f"no LanceDB store at {source} (not a directory)")
    try:
        src = lancedb.connect(str(source)).open_table(table)
    except Exception as exc:
        raise MigrationError(f"no LanceDB memory table {table!r} at {source}: {exc}") from exc
    storage = RustStorage(target, impl=impl)
    try:
        existing = storage.count()
        if existing:
            raise MigrationError(
                f"the target {target} already holds {existing} records; migrate into an empty store "
                "(an interrupted migration leaves part of the records there: delete the target "
                "directory and run it again)"
            )
        # LanceDB's own count, taken before reading: the read must account for every row.
        expected_rows = src.count_rows()
        ids: set[str] = set()
        with_embedding = 0
        source_rows = 0
        rows_read = 0
        for rows in _batches(src, batch_size):
            rows_read += len(rows)
            records = [_row_to_record(r) for r in rows if r.get("id") != _PLACEHOLDER_ID]
            source_rows += len(records)
            storage.save(records)
            ids.update(r.id for r in records)
            with_embedding += sum(1 for r in records if r.embedding is not None)
        if rows_read != expected_rows:
            raise MigrationError(
                f"verification failed: LanceDB counts {expected_rows} rows in {source}, {rows_read} were read"
            )
        copied = storage.count()
        if copied != len(ids):
            raise MigrationError(
                f"verification failed: {len(ids)} records read from {source}, {copied} in {target}"
            )
        # LanceDB appends on every save, so one id can have several rows (the last one wins,
        # as in LanceDB's own reads of the newest fragment); the check is on distinct ids.
        missing = [rid for rid in ids if storage.get_record(rid) is None]
        if missing:
            raise MigrationError(
                f"verification failed: {len(missing)} ids missing in {target}, e.g. {missing[0]!r}"
            )
        return MigrationResult(
            source=str(source),
            target=str(target),
            source_rows=source_rows,
            records=copied,
            with_embedding=with_embedding,
            vector_dim=storage.vector_dim,
        )
    finally:
        storage.close()
