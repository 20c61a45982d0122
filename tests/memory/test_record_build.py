"""The crewai records `RustStorage` hands back are indistinguishable from validated ones.

Reads skip pydantic validation (the engine builds the field values and `_convert.from_fields`
sets them as the model's `__dict__`), so every read path is compared with
`MemoryRecord.model_validate` of the same data: equality, the exact type of every field value
(tz-aware datetimes keep their offset, embeddings are lists of `float`), `model_dump()` in both
modes, `model_fields_set`, `repr`, and the `__dict__` order pydantic itself produces.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any

import numpy as np
import pytest
from crewai.memory.types import MemoryRecord
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crewai_rust.memory import RustStorage

DIM = 8


def _f32(values: list[float]) -> list[float]:
    """What a stored embedding reads back as: each value rounded to float32."""
    return np.asarray(values, dtype=np.float32).astype(np.float64).tolist()


def _data(i: int, **over: Any) -> dict[str, Any]:
    rng = np.random.default_rng(i)
    data: dict[str, Any] = {
        "id": f"rec-{i}",
        "content": f"content {i} ✓",
        "scope": "/crew/a",
        "categories": ["fact", "décision"][: i % 3],
        "metadata": {"task": f"t{i}", "n": i, "x": 0.1 * i, "ok": i % 2 == 0, "none": None, "l": [1, "a"]},
        "importance": 0.25,
        "created_at": datetime(2025, 3, 1, 12, 0, 0, 123456) + timedelta(seconds=i),
        "last_accessed": datetime(2025, 3, 2, tzinfo=timezone(timedelta(hours=5, minutes=30))),
        "embedding": rng.normal(size=DIM).tolist(),
        "source": None if i % 2 else f"run-{i}",
        "private": i % 3 == 0,
    }
    data.update(over)
    return data


def _expected(data: dict[str, Any]) -> MemoryRecord:
    """`model_validate` of the data as the store keeps it: float32 embedding values, and
    datetimes as their `isoformat()` text (a named zone comes back as its fixed offset)."""
    fields = dict(data)
    for key in ("created_at", "last_accessed"):
        fields[key] = datetime.fromisoformat(fields[key].isoformat())
    if fields["embedding"] is not None:
        fields["embedding"] = _f32(fields["embedding"])
    return MemoryRecord.model_validate(fields)


def _assert_same(got: MemoryRecord, want: MemoryRecord) -> None:
    assert type(got) is MemoryRecord
    assert got == want
    assert list(got.__dict__) == list(want.__dict__)
    for name, value in want.__dict__.items():
        have = got.__dict__[name]
        assert type(have) is type(value), name
        if isinstance(value, datetime):
            assert have.tzinfo == value.tzinfo, name
            assert have.utcoffset() == value.utcoffset(), name
        if isinstance(value, list):
            assert [type(x) for x in have] == [type(x) for x in value], name
    assert got.model_dump() == want.model_dump()
    assert got.model_dump(mode="json") == want.model_dump(mode="json")
    assert got.model_dump_json() == want.model_dump_json()
    assert got.model_fields_set == want.model_fields_set
    assert got.__pydantic_extra__ == want.__pydantic_extra__
    assert got.__pydantic_private__ == want.__pydantic_private__
    assert repr(got) == repr(want)
    # A copy with an update behaves as on a validated record (crewai's touch/update paths).
    assert got.model_copy(update={"importance": 0.9}) == want.model_copy(update={"importance": 0.9})


@pytest.fixture
def storage(impl, tmp_path):
    s = RustStorage(tmp_path / "store", impl=impl)
    yield s
    s.close()


def test_every_read_path_builds_validated_equal_records(storage):
    datas = [_data(i) for i in range(6)]
    datas.append(_data(6, embedding=None, metadata={}, categories=[]))
    storage.save([MemoryRecord.model_validate(d) for d in datas])
    want = {d["id"]: _expected(d) for d in datas}

    for d in datas:
        got = storage.get_record(d["id"])
        assert got is not None
        _assert_same(got, want[d["id"]])

    listed = storage.list_records(limit=100)
    assert sorted(r.id for r in listed) == sorted(want)
    for rec in listed:
        _assert_same(rec, want[rec.id])

    query = datas[2]["embedding"]
    hits = storage.search(query, limit=10, min_score=-1.0)
    # The record without an embedding is never a vector hit; all others are.
    assert sorted(r.id for r, _ in hits) == sorted(d["id"] for d in datas if d["embedding"] is not None)
    for rec, _ in hits:
        _assert_same(rec, want[rec.id])

    for rec, _ in storage.search_text("content", limit=10):
        _assert_same(rec, want[rec.id])
    for rec, _ in storage.search_hybrid("content", query, limit=10, min_score=-1.0):
        _assert_same(rec, want[rec.id])


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**80), max_value=2**80)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=8,
)
moments = st.datetimes(
    min_value=datetime(1900, 1, 1),
    max_value=datetime(2200, 1, 1),
    timezones=st.none() | st.timezones() | st.just(timezone(timedelta(hours=-3, minutes=-15))),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    metadata=st.dictionaries(st.text(max_size=6), json_values, max_size=4),
    created=moments,
    accessed=moments,
    embedding=st.lists(st.floats(-1e3, 1e3, allow_nan=False, width=32), min_size=DIM, max_size=DIM),
    importance=st.floats(0.0, 1.0),
    source=st.none() | st.text(max_size=10),
)
def test_generated_records_read_back_as_validated(
    storage, metadata, created, accessed, embedding, importance, source
):
    data = _data(
        0,
        metadata=metadata,
        created_at=created,
        last_accessed=accessed,
        embedding=embedding,
        importance=importance,
        source=source,
    )
    # Metadata goes through JSON text: compare with what JSON gives back (tuples/ints stay).
    data["metadata"] = json.loads(json.dumps(metadata))
    storage.save([MemoryRecord.model_validate(data)])
    want = _expected(data)
    got = storage.get_record("rec-0")
    assert got is not None
    _assert_same(got, want)
    if any(embedding):
        [(hit, _)] = storage.search(embedding, limit=1)
        _assert_same(hit, want)
    [listed] = storage.list_records()
    _assert_same(listed, want)
