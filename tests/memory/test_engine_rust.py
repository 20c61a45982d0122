"""Behaviour specific to the Rust engine `crewai_rust._core.MemoryStore`: input conversion
(numpy dtypes, lists), error mapping to crewai's and crewai-rust's exceptions, file errors.

The shared contract (both engines) is tested in `test_engine.py`; these tests need the extension.
"""

from __future__ import annotations

import json
import threading
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest

# crewai's import graph emits an ImportWarning that `filterwarnings = error` would turn into a
# collection error; import it once with that one warning silenced.
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Cannot set an attribute on", category=ImportWarning)
    from crewai.memory.storage.backend import EmbeddingDimensionMismatchError

from crewai_rust import _native
from crewai_rust.errors import CorruptStoreError, InvalidInputError, StorageError

pytestmark = pytest.mark.requires_extension


def _store(*args: Any, **kwargs: Any) -> Any:
    return _native.core().MemoryStore(*args, **kwargs)


def _rec(rid: str, emb: Any = None, **over: Any) -> dict[str, Any]:
    rec: dict[str, Any] = {
        "id": rid,
        "content": f"content {rid} ✓",
        "scope": "/crew/a",
        "categories": ["fact", "plan"],
        "metadata": json.dumps({"k": [1, 2.5, None], "s": "é"}, sort_keys=True, separators=(",", ":")),
        "importance": 0.25,
        "created_at": "2026-01-02T03:04:05.123456+02:00",
        "created_us": 1_767_315_845_123_456,
        "last_accessed": "2026-01-02T03:04:05",
        "source": "agent-1",
        "private": True,
        "embedding": emb,
    }
    rec.update(over)
    return rec


def test_every_field_round_trips_and_embedding_is_float32(tmp_path: Path) -> None:
    s = _store(str(tmp_path))
    rec = _rec("a", [0.1, 0.2, 0.3])
    s.upsert([rec])
    for store in (s, _store(str(tmp_path))):
        got = store.get("a")
        assert got is not None
        assert {k: v for k, v in got.items() if k != "embedding"} == {
            k: v for k, v in rec.items() if k != "embedding"
        }
        assert got["embedding"].dtype == np.float32
        np.testing.assert_array_equal(got["embedding"], np.asarray(rec["embedding"], dtype=np.float32))
    assert s.path == str(tmp_path)
    assert s.vector_dim == 3


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64, np.float16])
def test_numpy_vectors_of_numeric_dtypes(dtype: type) -> None:
    s = _store()
    vec = np.arange(1, 5).astype(dtype)
    s.upsert([_rec("a", vec)])
    got = s.get("a")
    assert got is not None
    np.testing.assert_array_equal(got["embedding"], vec.astype(np.float32))
    hits = s.search(vec)
    assert [h[0]["id"] for h in hits] == ["a"]
    assert hits[0][1] == pytest.approx(1.0, abs=1e-6)


def test_non_contiguous_and_big_endian_arrays_are_read_correctly() -> None:
    s = _store()
    base = np.arange(8, dtype=np.float32)
    s.upsert([_rec("strided", base[::2]), _rec("be", np.arange(4, dtype=">f4"))])
    np.testing.assert_array_equal(s.get("strided")["embedding"], [0, 2, 4, 6])
    np.testing.assert_array_equal(s.get("be")["embedding"], [0, 1, 2, 3])


@pytest.mark.parametrize(
    ("field", "value", "needle"),
    [
        ("embedding", [1.0, float("nan")], "NaN"),
        ("embedding", np.array([1.0, np.inf], dtype=np.float32), "NaN or infinity"),
        ("embedding", [1.0, True], "numbers"),
        ("embedding", np.zeros((2, 2), dtype=np.float32), "1-D"),
        ("embedding", [], "empty"),
        ("embedding", "abc", "list of floats"),
        ("importance", float("inf"), "finite"),
        ("importance", True, "importance"),
        ("metadata", "[1, 2]", "object"),
        ("metadata", "{bad", "JSON"),
        ("categories", "fact", "categories"),
        ("created_us", 1.5, "created_us"),
        ("private", 1, "private"),
        ("source", 3, "source"),
        ("content", None, "content"),
        ("id", "", "empty"),
    ],
)
def test_bad_record_is_rejected_and_batch_is_atomic(field: str, value: Any, needle: str) -> None:
    s = _store()
    good = _rec("good", [1.0, 2.0])
    bad = _rec("bad", [3.0, 4.0], **{field: value})
    with pytest.raises(InvalidInputError, match=needle):
        s.upsert([good, bad])
    assert len(s) == 0
    assert s.get("good") is None


def test_missing_key_names_field_and_record() -> None:
    rec = _rec("r1", [1.0])
    del rec["scope"]
    with pytest.raises(InvalidInputError, match=r"'r1'.*scope.*missing|r1.*scope"):
        _store().upsert([rec])


def test_dimension_mismatch_is_crewais_error() -> None:
    s = _store()
    s.upsert([_rec("a", [1.0, 2.0, 3.0])])
    with pytest.raises(EmbeddingDimensionMismatchError) as info:
        s.upsert([_rec("b", [1.0, 2.0])])
    assert (info.value.stored_dim, info.value.new_dim) == (3, 2)
    with pytest.raises(EmbeddingDimensionMismatchError):
        s.search([1.0, 2.0])
    with pytest.raises(EmbeddingDimensionMismatchError):
        s.update(_rec("a", [1.0]))
    assert len(s) == 1
    with pytest.raises(EmbeddingDimensionMismatchError):
        _store(vector_dim=4).upsert([_rec("x", [1.0])])


def test_constructor_arguments_are_checked(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match="durability"):
        _store(str(tmp_path), durability="sometimes")
    with pytest.raises(InvalidInputError, match="vector_dim"):
        _store(vector_dim=0)
    s = _store(str(tmp_path / "deep" / "dir"), durability="fsync")
    s.upsert([_rec("a", [1.0])])
    assert _store(str(tmp_path / "deep" / "dir")).count() == 1


def test_closed_store_raises_storage_error() -> None:
    s = _store()
    s.close()
    s.close()
    with pytest.raises(StorageError, match="store is closed"):
        s.count()


def test_damaged_file_raises_corrupt_store_error(tmp_path: Path) -> None:
    s = _store(str(tmp_path))
    s.upsert([_rec("a", [1.0, 2.0])])
    s.upsert([_rec("b", [1.0, 2.0])])
    s.close()
    log = tmp_path / "memory.crlog"
    data = bytearray(log.read_bytes())
    data[40] ^= 0xFF
    log.write_bytes(bytes(data))
    with pytest.raises(CorruptStoreError):
        _store(str(tmp_path))


def test_not_a_store_file_is_corrupt(tmp_path: Path) -> None:
    (tmp_path / "memory.crlog").write_bytes(b"definitely not a store file at all")
    with pytest.raises(CorruptStoreError, match="magic"):
        _store(str(tmp_path))


def test_bad_filter_arguments() -> None:
    s = _store()
    s.upsert([_rec("a", [1.0, 0.0])])
    with pytest.raises(InvalidInputError, match="metadata_filter"):
        s.search([1.0, 0.0], metadata_filter="[1]")
    with pytest.raises(InvalidInputError, match="categories"):
        s.search([1.0, 0.0], categories="fact")
    with pytest.raises(InvalidInputError, match="query"):
        s.search([1.0, float("nan")])


def test_searches_from_threads_agree_with_a_single_thread() -> None:
    rng = np.random.default_rng(3)
    s = _store()
    vecs = rng.standard_normal((2000, 64)).astype(np.float32)
    s.upsert([_rec(f"r{i}", vecs[i]) for i in range(len(vecs))])
    queries = rng.standard_normal((40, 64)).astype(np.float32)
    expected = [[h[0]["id"] for h in s.search(q, limit=5)] for q in queries]
    results: dict[int, list[list[str]]] = {}

    def work(t: int) -> None:
        results[t] = [[h[0]["id"] for h in s.search(q, limit=5)] for q in queries]

    threads = [threading.Thread(target=work, args=(t,)) for t in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(results[t] == expected for t in range(4))
