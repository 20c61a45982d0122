"""The crewai records `RustStorage` hands back are indistinguishable from validated ones.

Reads skip pydantic validation (the engines build the records themselves with `model=MemoryRecord`,
or return field values that `_convert.from_fields` finishes), so every read path is compared with
`MemoryRecord.model_validate` of the same data: equality, the exact type of every field value
(tz-aware datetimes keep their offset, embeddings are lists of `float`), `model_dump()` in both
modes, `model_fields_set`, `repr`, and the `__dict__` order pydantic itself produces. The Rust
binding's shortcuts (datetimes through the C API, one metadata decode per result, shared strs)
get their own edge cases: every datetime reads back as `datetime.fromisoformat` reads it.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone
from typing import Any

import numpy as np
import pytest
from crewai.memory.types import MemoryRecord
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crewai_rust.memory import RustStorage
from crewai_rust.memory._convert import engine_builds_records, to_engine
from crewai_rust.memory.reference import PyMemoryStore

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


# -- the engines' `model=` reads and the datetime / metadata / shared-str shortcuts ------------------


def test_engines_are_trusted_to_build_records(engine_cls):
    """The check that lets reads return the engine's records (else `from_fields` finishes them)
    passes for both engines here, so the tests above exercise the `model=` path."""
    assert engine_builds_records(engine_cls)


def test_engine_model_reads_equal_validated_records(engine_cls):
    engine = engine_cls(None, None)
    datas = [_data(i) for i in range(5)]
    datas.append(_data(5, embedding=None, metadata={}, categories=[]))
    engine.upsert([to_engine(MemoryRecord.model_validate(d)) for d in datas])
    want = {d["id"]: _expected(d) for d in datas}
    got = engine.get("rec-3", model=MemoryRecord)
    _assert_same(got, want["rec-3"])
    listed = engine.list_records(None, 100, model=MemoryRecord)
    assert sorted(r.id for r in listed) == sorted(want)
    for rec in listed:
        _assert_same(rec, want[rec.id])
    for rec, score in engine.search(datas[1]["embedding"], limit=10, min_score=-1.0, model=MemoryRecord):
        assert isinstance(score, float)
        _assert_same(rec, want[rec.id])
    for rec, _ in engine.search_text("content", limit=10, model=MemoryRecord):
        _assert_same(rec, want[rec.id])
    for rec, _ in engine.search_hybrid("content", datas[1]["embedding"], min_score=-1.0, model=MemoryRecord):
        _assert_same(rec, want[rec.id])
    # The same reads as field dicts give the same values.
    assert engine.get("rec-3", fields=True) == got.__dict__
    engine.close()


def test_model_must_be_a_class(engine_cls):
    engine = engine_cls(None, None)
    engine.upsert([to_engine(MemoryRecord.model_validate(_data(0)))])
    for call in (
        lambda: engine.get("rec-0", model=42),
        lambda: engine.get("missing", model="MemoryRecord"),
        lambda: engine.list_records(None, 10, model=42),
        lambda: engine.search([1.0] * DIM, model=42),
    ):
        with pytest.raises(TypeError, match="model"):
            call()
    engine.close()


def test_records_of_one_result_share_no_mutable_state(storage):
    """Strs may be shared between the records of one result; lists, dicts and the pydantic
    bookkeeping never are: changing one record leaves the others as they were read."""
    same = {"scope": "/crew/a", "categories": ["fact", "x"], "source": "run", "metadata": {"k": [1]}}
    storage.save([MemoryRecord.model_validate(_data(i, **same)) for i in range(4)])
    a, b, *_ = storage.list_records()
    a.categories.append("more")
    a.metadata["k"].append(2)
    a.metadata["new"] = True
    a.__pydantic_fields_set__.discard("scope")
    a.importance = 0.75
    assert b.categories == ["fact", "x"]
    assert b.metadata == {"k": [1]}
    assert b.model_fields_set == set(MemoryRecord.model_fields)
    assert b.importance == 0.25
    (hit, _), (other, _) = storage.search(_data(0)["embedding"], limit=2, min_score=-1.0)
    hit.categories.clear()
    assert other.categories == ["fact", "x"]


EDGE_MOMENTS = [
    datetime(1, 1, 1),
    datetime(5, 6, 7, 8, 9, 10, 11),
    datetime(999, 12, 31, 23, 59, 59, 999999),
    datetime(9999, 12, 31, 23, 59, 59, 999999),
    datetime(2024, 2, 29, 0, 0, 0, 1),
    datetime(2025, 3, 1, tzinfo=timezone.utc),
    datetime(2025, 3, 1, 12, 30, tzinfo=timezone(timedelta(0))),
    datetime(2025, 3, 1, 12, 30, 1, 500, tzinfo=timezone(timedelta(hours=-12))),
    datetime(2025, 3, 1, tzinfo=timezone(timedelta(hours=23, minutes=59))),
    datetime(2025, 3, 1, tzinfo=timezone(timedelta(hours=-23, minutes=-59, seconds=-59))),
    datetime(2025, 3, 1, tzinfo=timezone(timedelta(hours=5, minutes=30, seconds=15))),
    datetime(2025, 3, 1, tzinfo=timezone(timedelta(seconds=1, microseconds=250))),
    datetime(2025, 3, 1, tzinfo=timezone(timedelta(hours=2), "CEST")),
]


def _assert_same_moment(got: datetime, want: datetime) -> None:
    assert type(got) is datetime
    assert got == want
    assert (got.year, got.month, got.day, got.hour, got.minute, got.second) == (
        want.year,
        want.month,
        want.day,
        want.hour,
        want.minute,
        want.second,
    )
    assert (got.microsecond, got.fold) == (want.microsecond, want.fold)
    assert type(got.tzinfo) is type(want.tzinfo)
    assert got.tzinfo == want.tzinfo
    assert got.utcoffset() == want.utcoffset()
    assert got.tzname() == want.tzname()
    assert repr(got) == repr(want)


@pytest.mark.parametrize("moment", EDGE_MOMENTS, ids=lambda m: m.isoformat())
def test_edge_datetimes_read_back_as_fromisoformat_gives(storage, moment):
    storage.save([MemoryRecord.model_validate(_data(0, created_at=moment, last_accessed=moment))])
    want = datetime.fromisoformat(moment.isoformat())
    for got in (storage.get_record("rec-0"), storage.list_records()[0]):
        assert got is not None
        _assert_same_moment(got.created_at, want)
        _assert_same_moment(got.last_accessed, want)


# Texts `isoformat()` never writes but a store may hold (written by other tools, migrated): each
# reads back exactly as `datetime.fromisoformat` reads it, or fails as it fails.
ODD_TEXTS = [
    "2025-03-01",
    "2025-03-01 12:30:00",
    "2025-03-01T12:30",
    "2025-03-01T12:30:00.5",
    "2025-03-01T12:30:00.123",
    "2025-03-01T12:30:00+0530",
    "2025-03-01T12:30:00-00:00",
    "2025-03-01T12:30:00+05:30:15.250000",
    "2025-03-01T12:30:00.000000+00:00",
]
BAD_TEXTS = [
    "2025-02-30T00:00:00",
    "0000-01-01T00:00:00",
    "2025-03-01T24:00:00",
    "2025-03-01T12:30:00+24:00",
    "x",
]


def _engine_row(moment_text: str) -> dict[str, Any]:
    row = to_engine(MemoryRecord.model_validate(_data(0)))
    row["created_at"] = moment_text
    row["last_accessed"] = moment_text
    return row


@pytest.mark.parametrize("text", ODD_TEXTS)
def test_odd_datetime_texts_read_as_fromisoformat(engine_cls, text):
    try:
        want = datetime.fromisoformat(text)
    except ValueError:
        pytest.fail(f"this Python cannot read {text!r}: the case list needs a Python-version guard")
    engine = engine_cls(None, None)
    engine.upsert([_engine_row(text)])
    for got in (engine.get("rec-0", model=MemoryRecord), engine.list_records(None, 5, model=MemoryRecord)[0]):
        _assert_same_moment(got.created_at, want)
        _assert_same_moment(got.last_accessed, want)
    engine.close()


@pytest.mark.parametrize("text", BAD_TEXTS)
def test_unreadable_datetime_texts_raise_what_fromisoformat_raises(engine_cls, text):
    try:
        datetime.fromisoformat(text)
    except ValueError as exc:
        message = str(exc)
    else:
        pytest.fail(f"{text!r} is readable: the case list is wrong")
    engine = engine_cls(None, None)
    engine.upsert([_engine_row(text)])
    for read in (
        lambda: engine.get("rec-0", model=MemoryRecord),
        lambda: engine.list_records(None, 5, fields=True),
    ):
        with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
            read()
    # The record is still there, readable as the engine dict.
    assert engine.get("rec-0")["created_at"] == text
    engine.close()


def test_many_metadata_shapes_in_one_result(storage):
    """A listing decodes every record's metadata together: each record still gets exactly its own."""
    shapes: list[dict[str, Any]] = [
        {},
        {"a": 1},
        {"a": "1"},
        {"nested": {"deep": [{"x": None}, [], {}]}, "a": 1.5},
        {"ü": '✓ \u2028 \\ "quoted"', "": ""},
        {"big": 2**70, "neg": -0.0, "exp": 1e300, "t": True, "f": False},
        {"a": 1, "b": 2},
        {"b": 2, "a": 1},
    ]
    storage.save([MemoryRecord.model_validate(_data(i, metadata=m)) for i, m in enumerate(shapes)])
    by_id = {r.id: r for r in storage.list_records()}
    for i, m in enumerate(shapes):
        got = by_id[f"rec-{i}"].metadata
        assert got == m
        assert list(got) == list(m)
        assert json.dumps(got) == json.dumps(m)
    hits = storage.search(_data(0)["embedding"], limit=len(shapes), min_score=-1.0)
    for rec, _ in hits:
        assert rec.metadata == shapes[int(rec.id.split("-")[1])]


class _UntrustedEngine:
    """An engine whose `model=` records lack pydantic's bookkeeping: must not be trusted."""

    def __init__(self, path: Any, vector_dim: Any, **_: Any) -> None:
        self._inner = PyMemoryStore(path, vector_dim)

    def upsert(self, rows: Any) -> None:
        self._inner.upsert(rows)

    def get(self, record_id: str, *, fields: bool = False, model: type | None = None) -> Any:
        if model is None:
            return self._inner.get(record_id, fields=fields)
        rec = model.__new__(model)
        object.__setattr__(rec, "__dict__", self._inner.get(record_id, fields=True))
        object.__setattr__(rec, "__pydantic_fields_set__", set())
        object.__setattr__(rec, "__pydantic_extra__", None)
        object.__setattr__(rec, "__pydantic_private__", None)
        return rec

    def close(self) -> None:
        self._inner.close()


def test_an_engine_whose_records_differ_is_not_trusted():
    assert not engine_builds_records(_UntrustedEngine)
