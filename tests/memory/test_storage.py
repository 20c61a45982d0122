"""`RustStorage` as crewai's `StorageBackend`, on both engines: crewai records in and out, crewai's
conventions (empty filters, `forget()` with no criteria, update of a missing id), async methods
that leave the event loop free, engine selection and the default path."""

from __future__ import annotations

import asyncio
import copy
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pytest
from crewai.memory.storage.backend import EmbeddingDimensionMismatchError, StorageBackend
from crewai.memory.types import MemoryRecord, ScopeInfo

from crewai_rust import _native, flags
from crewai_rust.errors import ExtensionUnavailableError, InvalidInputError, StorageError
from crewai_rust.memory import PyMemoryStore, RustStorage
from crewai_rust.memory import storage as storage_module


@pytest.fixture
def storage(impl, tmp_path):
    s = RustStorage(tmp_path / "store", impl=impl)
    yield s
    s.close()


def mr(content: str, embedding=None, **kw) -> MemoryRecord:
    return MemoryRecord(content=content, embedding=embedding, **kw)


def test_implements_the_protocol(storage, impl):
    assert isinstance(storage, StorageBackend)
    assert storage.implementation == impl


def test_every_memory_record_field_round_trips(storage):
    records = [
        MemoryRecord(
            id="full",
            content="We chose Postgres.",
            scope="/crew/research",
            categories=["decision", "db"],
            metadata={"z": 1, "nested": {"list": [1, 2.5, None, True]}, "a": "é"},
            importance=0.9,
            created_at=datetime(2024, 5, 6, 7, 8, 9, 123456),
            last_accessed=datetime(2024, 5, 7, 0, 0, 0),
            embedding=[0.25, -0.5, 1.0],
            source="user-1",
            private=True,
        ),
        MemoryRecord(
            id="aware",
            content="tz-aware timestamps",
            created_at=datetime(2024, 1, 1, 12, 0, tzinfo=timezone(timedelta(hours=-5))),
            last_accessed=datetime(2024, 1, 2, tzinfo=timezone.utc),
        ),
    ]
    storage.save(records)
    for original in records:
        got = storage.get_record(original.id)
        assert got == original
        assert list(got.metadata) == list(original.metadata)  # key order kept
        assert got.created_at.tzinfo == original.created_at.tzinfo


def test_scopes_are_normalised(storage):
    storage.save([mr("x", scope="crew//a/"), mr("y", scope="")])
    assert sorted(r.scope for r in storage.list_records()) == ["/", "/crew/a"]
    assert storage.count("crew/a/") == 1
    assert storage.list_scopes("") == ["/crew"]


def test_search_with_crewai_arguments(storage):
    storage.save(
        [
            mr("a", [1.0, 0.0, 0.0], scope="/p", categories=["c1"], metadata={"k": 1}),
            mr("b", [0.9, 0.1, 0.0], scope="/p/q", categories=["c2"], metadata={"k": 2}),
            mr("c", [0.8, 0.3, 0.0], scope="/pq", categories=["c1"], metadata={"k": 1}),
        ]
    )
    q = [1.0, 0.0, 0.0]
    assert [r.content for r, _ in storage.search(q)] == ["a", "b", "c"]
    assert [r.content for r, _ in storage.search(q, scope_prefix="/p/")] == ["a", "b"]
    assert [r.content for r, _ in storage.search(q, categories=["c1"])] == ["a", "c"]
    assert [r.content for r, _ in storage.search(q, categories=[])] == ["a", "b", "c"]
    assert [r.content for r, _ in storage.search(q, metadata_filter={"k": 1})] == ["a", "c"]
    assert [r.content for r, _ in storage.search(q, metadata_filter={})] == ["a", "b", "c"]
    (top, score), *_ = storage.search(q, limit=1)
    assert top.embedding == [1.0, 0.0, 0.0]
    assert score == pytest.approx(1.0)


def test_numpy_embeddings_are_accepted(storage):
    rec = MemoryRecord.model_construct(
        **{**mr("np").model_dump(), "embedding": np.array([0.0, 2.0], np.float32)}
    )
    storage.save([rec])
    assert storage.get_record(rec.id).embedding == [0.0, 2.0]
    assert storage.search(np.array([0.0, 1.0], np.float32))[0][0].id == rec.id


def test_empty_embedding_means_none(storage):
    storage.save([mr("no vector", [])])
    (got,) = storage.list_records()
    assert got.embedding is None
    assert storage.vector_dim is None


def test_delete_follows_crewai_conventions(storage):
    old = datetime(2020, 1, 1)
    storage.save(
        [
            mr("old", scope="/a", created_at=old, metadata={"m": "x"}),
            mr("new", scope="/a/b", categories=["c"]),
            mr("other", scope="/ab", metadata={"m": "x"}),
        ]
    )
    assert storage.delete(record_ids=[]) == 0
    assert storage.delete(older_than=datetime(2021, 1, 1)) == 1
    assert storage.delete(scope_prefix="/a", categories=["c"]) == 1
    assert [r.content for r in storage.list_records()] == ["other"]
    storage.save([mr("more")])
    assert storage.delete() == 2  # no criterion: everything, as crewai's backends do
    assert storage.count() == 0


def test_older_than_with_aware_datetimes(storage):
    storage.save([mr("x", created_at=datetime(2024, 1, 1, 12, 0))])  # naive = UTC
    assert storage.delete(older_than=datetime(2024, 1, 1, 13, 0, tzinfo=timezone(timedelta(hours=2)))) == 0
    assert storage.delete(older_than=datetime(2024, 1, 1, 15, 0, tzinfo=timezone(timedelta(hours=2)))) == 1


def test_update_replaces_and_inserts_when_missing(storage):
    rec = mr("v1", [1.0, 0.0], scope="/s")
    storage.save([rec])
    storage.update(rec.model_copy(update={"content": "v2", "embedding": [0.0, 1.0]}))
    got = storage.get_record(rec.id)
    assert (got.content, got.embedding) == ("v2", [0.0, 1.0])
    ghost = mr("ghost", [1.0, 1.0])
    storage.update(ghost)
    assert storage.get_record(ghost.id).content == "ghost"
    assert storage.count() == 2


def test_ids_that_share_a_prefix_stay_distinct_records(storage):
    # crewai's QdrantEdgeStorage maps a non-UUID id to a point id made of its first 8 bytes,
    # so these would overwrite each other there; ids are stored exactly here.
    recs = [mr(f"c{i}", [1.0, float(i)], id=f"mem-00000{i:02d}") for i in range(12)]
    storage.save(recs)
    assert storage.count() == 12
    assert [storage.get_record(r.id).content for r in recs] == [r.content for r in recs]
    storage.delete(record_ids=[recs[3].id])
    assert storage.get_record(recs[4].id).content == "c4"
    assert storage.count() == 11


def test_touch_records_sets_last_accessed_to_now(storage):
    rec = mr("t", last_accessed=datetime(2000, 1, 1))
    storage.save([rec])
    before = datetime.now(timezone.utc).replace(tzinfo=None)
    storage.touch_records([rec.id, "missing"])
    touched = storage.get_record(rec.id).last_accessed
    assert before - timedelta(seconds=1) <= touched <= before + timedelta(minutes=1)
    storage.touch_records([])


def test_list_records_pagination(storage):
    base = datetime(2024, 1, 1)
    storage.save([mr(f"r{i}", created_at=base + timedelta(minutes=i)) for i in range(7)])
    assert [r.content for r in storage.list_records(limit=3)] == ["r6", "r5", "r4"]
    assert [r.content for r in storage.list_records(limit=3, offset=5)] == ["r1", "r0"]
    assert storage.list_records(limit=0) == []
    assert storage.list_records(offset=-1) == []


def test_scope_info_and_categories(storage):
    t0 = datetime(2024, 3, 1, 9, 30)
    storage.save(
        [
            mr("a", scope="/team/x", categories=["k1"], created_at=t0),
            mr("b", scope="/team/y/z", categories=["k2", "k1"], created_at=t0 + timedelta(days=2)),
            mr("c", scope="/teams", categories=["k3"], created_at=t0 - timedelta(days=9)),
        ]
    )
    info = storage.get_scope_info("/team/")
    assert info == ScopeInfo(
        path="/team",
        record_count=2,
        categories=["k1", "k2"],
        oldest_record=t0,
        newest_record=t0 + timedelta(days=2),
        child_scopes=["/team/x", "/team/y"],
    )
    assert storage.get_scope_info("/").record_count == 3
    assert storage.list_scopes() == ["/team", "/teams"]
    assert storage.list_categories("/team") == {"k1": 2, "k2": 1}
    assert storage.list_categories() == {"k1": 2, "k2": 1, "k3": 1}
    assert storage.count("/team") == 2


def test_reset_scope_and_reset_all(storage):
    storage.save([mr("a", [1.0, 0.0, 0.0], scope="/x"), mr("b", [1.0, 0.0, 0.0], scope="/xy")])
    storage.reset("/x")
    assert [r.content for r in storage.list_records()] == ["b"]
    storage.reset()
    assert storage.count() == 0
    storage.save([mr("new dim", [1.0, 0.0])])  # a full reset forgets the dimension
    assert storage.vector_dim == 2


def test_dimension_mismatch_is_crewais_error(storage):
    storage.save([mr("a", [1.0, 0.0, 0.0])])
    with pytest.raises(EmbeddingDimensionMismatchError):
        storage.save([mr("b", [1.0, 0.0])])
    with pytest.raises(EmbeddingDimensionMismatchError):
        storage.search([1.0, 0.0])
    with pytest.raises(EmbeddingDimensionMismatchError):
        storage.update(mr("a", [1.0]))
    assert storage.count() == 1


def test_bad_records_store_nothing(storage):
    good = mr("good", [1.0, 0.0])
    nan = MemoryRecord.model_construct(**{**mr("nan").model_dump(), "embedding": [float("nan"), 0.0]})
    with pytest.raises(InvalidInputError):
        storage.save([good, nan])
    with pytest.raises(InvalidInputError):
        storage.save([good, mr("set", metadata={"s": {1, 2}})])
    with pytest.raises(InvalidInputError):
        storage.save([good, mr("nan-meta", metadata={"x": float("nan")})])
    with pytest.raises(InvalidInputError):
        storage.save(["not a record"])
    assert storage.count() == 0


@pytest.mark.parametrize(
    "call",
    [
        lambda s: s.delete(record_ids="ab"),
        lambda s: s.delete(categories="ab"),
        lambda s: s.touch_records("ab"),
        lambda s: s.search([1.0, 0.0], categories="ab"),
        lambda s: s.search_text("x", categories="ab"),
    ],
)
def test_a_bare_str_is_not_taken_as_a_list_of_its_characters(storage, call):
    # Regression: list("ab") == ["a", "b"], so delete(record_ids="ab") deleted the records "a"
    # and "b" and returned 2.
    storage.save(
        [mr("a", [1.0, 0.0], id="a", categories=["a"]), mr("b", [0.0, 1.0], id="b", categories=["b"])]
    )
    with pytest.raises(InvalidInputError, match="must be a list of str, got a single str"):
        call(storage)
    assert {r.id for r in storage.list_records()} == {"a", "b"}


def test_an_empty_path_is_refused_not_the_working_directory(impl, tmp_path, monkeypatch):
    # Regression: RustStorage("") opened a store in the process's working directory.
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InvalidInputError, match="path must not be empty"):
        RustStorage("", impl=impl)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("field", "record"),
    [
        ("id", {"id": "a\ud800"}),
        ("content", {"content": "a\ud800b"}),
        ("scope", {"scope": "/a\udcff"}),
        ("categories", {"categories": ["ok", "\ud800"]}),
        ("metadata", {"metadata": {"k": "\ud800"}}),
        ("source", {"source": "\udfff"}),
    ],
)
def test_a_lone_surrogate_is_refused_by_both_engines(storage, field, record):
    # Regression: the Python engine stored such text, the Rust one raised UnicodeEncodeError (or
    # "must be a str or None, got str" for `source`).
    fields = {"id": "r", "content": "c", "embedding": [1.0, 0.0], **record}
    # The engines quote the field name each in its language's way ('x' / "x").
    with pytest.raises(InvalidInputError, match=f"field ['\"]{field}['\"] holds a lone surrogate"):
        storage.save([mr("good", [0.0, 1.0], id="good"), MemoryRecord(**fields)])
    assert storage.count() == 0


def test_closed_storage_raises(impl, tmp_path):
    s = RustStorage(tmp_path / "c", impl=impl)
    s.save([mr("a")])
    s.close()
    s.close()
    with pytest.raises(StorageError):
        s.count()


def test_copies_share_the_store(storage):
    assert copy.deepcopy(storage) is storage
    assert copy.copy(storage) is storage


def test_two_storages_on_one_path(impl, tmp_path):
    a = RustStorage(tmp_path / "shared", impl=impl)
    b = RustStorage(tmp_path / "shared", impl=impl)
    rec = mr("shared", [1.0, 0.0])
    a.save([rec])
    assert b.get_record(rec.id) == rec
    assert b.search([1.0, 0.0])[0][0].id == rec.id
    a.close()
    b.close()


class _Gate:
    """Wraps an engine so a call blocks until released from the event loop's own thread."""

    def __init__(self, engine) -> None:
        self._engine = engine
        self.release = threading.Event()

    def __getattr__(self, name):
        target = getattr(self._engine, name)

        def gated(*args, **kwargs):
            if not self.release.wait(10):
                raise TimeoutError("the event loop never ran while the call was blocked")
            return target(*args, **kwargs)

        return gated


def test_async_methods_leave_the_event_loop_free(storage):
    """Each async method's engine call blocks until a task on the event loop releases it: that
    only happens if the method runs its work off the loop. The gate is re-armed per method, so
    every one of them has to prove it on its own."""
    gate = _Gate(storage.engine)
    storage._engine = gate

    async def released_by_the_loop(call):
        gate.release = threading.Event()

        async def release_soon():
            await asyncio.sleep(0.01)
            gate.release.set()

        releaser = asyncio.create_task(release_soon())
        result = await call
        await releaser
        return result

    async def main():
        await released_by_the_loop(storage.asave([mr("async", [1.0, 0.0])]))
        hits = await released_by_the_loop(storage.asearch([1.0, 0.0], scope_prefix="/", limit=3))
        deleted = await released_by_the_loop(storage.adelete(record_ids=[hits[0][0].id]))
        return hits, deleted

    hits, deleted = asyncio.run(asyncio.wait_for(main(), 60))
    assert [r.content for r, _ in hits] == ["async"]
    assert deleted == 1
    assert storage.count() == 0


def test_default_path_uses_crewai_storage_dir(impl, tmp_path, monkeypatch):
    monkeypatch.setenv("CREWAI_STORAGE_DIR", str(tmp_path / "crew-data"))
    s = RustStorage(impl=impl)
    try:
        assert s.path == tmp_path / "crew-data" / "memory_rust"
        s.save([mr("x")])
        assert (tmp_path / "crew-data" / "memory_rust").is_dir()
    finally:
        s.close()


def test_default_path_falls_back_to_crewais_storage_path(impl, tmp_path, monkeypatch):
    """Without `$CREWAI_STORAGE_DIR`, the store sits in crewai's own app-data directory (where
    its LanceDB `memory` directory goes), which follows `$XDG_DATA_HOME` on Linux."""
    from crewai_core.paths import db_storage_path

    monkeypatch.delenv("CREWAI_STORAGE_DIR", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    expected = Path(db_storage_path()) / "memory_rust"
    assert expected.is_relative_to(tmp_path / "xdg")
    s = RustStorage(impl=impl)
    try:
        assert s.path == expected
        s.save([mr("x")])
        assert expected.is_dir()
    finally:
        s.close()


def test_impl_rust_without_the_extension_raises(monkeypatch, tmp_path):
    monkeypatch.setattr(_native, "_core", None)
    with pytest.raises(ExtensionUnavailableError):
        RustStorage(tmp_path, impl="rust")
    auto = RustStorage(tmp_path, impl="auto")
    assert isinstance(auto.engine, PyMemoryStore)
    auto.close()


def test_auto_respects_the_memory_flag(monkeypatch, tmp_path):
    flags.configure(memory=False)
    s = RustStorage(tmp_path, impl="auto")
    assert s.implementation == "python"
    s.close()


def test_bad_impl_is_rejected(tmp_path):
    with pytest.raises(InvalidInputError, match="impl"):
        RustStorage(tmp_path, impl="fortran")


@pytest.mark.requires_extension
def test_auto_picks_rust_when_available(tmp_path):
    s = RustStorage(tmp_path, impl="auto")
    assert s.implementation == "rust"
    assert isinstance(s.engine, storage_module._rust_engine())
    s.close()


def test_concurrent_async_tasks_lose_nothing(storage):
    """Many tasks on one loop saving, searching and deleting at once (each in a worker thread):
    every save lands, every delete counts each record once, every search sees its record."""
    vecs = {i: [float(i % 5 + 1), float(i), 1.0] for i in range(60)}
    records = [mr(f"c{i}", vecs[i]) for i in range(60)]

    async def main():
        await asyncio.gather(*(storage.asave([r]) for r in records))
        found = await asyncio.gather(*(storage.asearch(vecs[i], limit=60, min_score=-1.0) for i in range(60)))
        doomed = [records[i].id for i in range(0, 60, 2)]
        # Each even id named by two concurrent deletes: exactly one of them deletes it.
        deleted = await asyncio.gather(
            *(storage.adelete(record_ids=[rid]) for rid in doomed),
            *(storage.adelete(record_ids=[rid]) for rid in doomed),
            *(storage.asave([mr(f"late{i}", [1.0, 2.0, 3.0])]) for i in range(10)),
        )
        return found, deleted

    found, deleted = asyncio.run(asyncio.wait_for(main(), 120))
    assert all(len(hits) == 60 for hits in found)
    assert sum(d for d in deleted if d is not None) == 30
    left = {r.content for r in storage.list_records(limit=1000)}
    assert left == {f"c{i}" for i in range(1, 60, 2)} | {f"late{i}" for i in range(10)}
