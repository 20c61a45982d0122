"""The Python reference's own file format: torn tails, damage, compaction, the writer lock.

(The behaviour both engines share is in test_engine*.py; this is what only the reference's
JSON-lines log can be asked directly.)"""

from __future__ import annotations

import threading

import pytest

from crewai_rust.errors import CorruptStoreError, StoreLockedError
from crewai_rust.memory import _reference_log
from crewai_rust.memory._reference_log import LOG_NAME, ReferenceLog
from crewai_rust.memory.reference import PyMemoryStore


def _store(path, **kw) -> PyMemoryStore:
    return PyMemoryStore(str(path), None, **kw)


def test_torn_tail_is_discarded_and_cut_by_the_next_writer(tmp_path, rec):
    store = _store(tmp_path)
    store.upsert([rec("a"), rec("b")])
    store.close()
    log = tmp_path / LOG_NAME
    intact = log.read_bytes()
    with open(log, "ab") as f:
        f.write(b'0badc0de {"op":"upsert","records":[{"id":"tor')  # a write cut short by a crash
    again = _store(tmp_path)
    assert sorted(r["id"] for r in again.list_records()) == ["a", "b"]
    again.upsert([rec("c")])
    again.close()
    assert log.read_bytes().startswith(intact)
    assert b"tor" not in log.read_bytes()
    final = _store(tmp_path)
    assert sorted(r["id"] for r in final.list_records()) == ["a", "b", "c"]
    final.close()


def test_damaged_last_line_counts_as_torn(tmp_path, rec):
    store = _store(tmp_path)
    store.upsert([rec("a")])
    store.upsert([rec("b")])
    store.close()
    log = tmp_path / LOG_NAME
    data = bytearray(log.read_bytes())
    data[-5] ^= 0x20  # flip a bit inside the last line: its checksum no longer matches
    log.write_bytes(bytes(data))
    again = _store(tmp_path)
    assert [r["id"] for r in again.list_records()] == ["a"]
    again.close()


def test_damage_before_the_tail_is_an_error(tmp_path, rec):
    store = _store(tmp_path)
    store.upsert([rec("a")])
    store.upsert([rec("b")])
    store.close()
    log = tmp_path / LOG_NAME
    lines = log.read_bytes().split(b"\n")
    lines[1] = lines[1][:20] + b"X" + lines[1][21:]
    log.write_bytes(b"\n".join(lines))
    with pytest.raises(CorruptStoreError, match="damaged"):
        _store(tmp_path)


def test_foreign_file_is_refused(tmp_path):
    (tmp_path / LOG_NAME).write_bytes(b"hello\nworld\n")
    with pytest.raises(CorruptStoreError):
        _store(tmp_path)


def test_compaction_shrinks_the_log_and_other_objects_follow(tmp_path, rec, monkeypatch):
    import crewai_rust.memory.reference as reference

    monkeypatch.setattr(reference, "_COMPACT_MIN_GARBAGE", 20_000)
    writer = _store(tmp_path)
    reader = _store(tmp_path)
    writer.upsert([rec(f"k{i}", [1.0, float(i), 0.0]) for i in range(20)])
    assert reader.count() == 20
    log = tmp_path / LOG_NAME
    sizes = []
    for round_ in range(60):
        writer.upsert([rec(f"k{i}", [1.0, float(i), float(round_)], content="x" * 50) for i in range(20)])
        sizes.append(log.stat().st_size)
    assert min(sizes[10:]) < max(sizes)  # it was rewritten at least once
    assert log.stat().st_size < 2 * 20_000 + 40_000
    assert reader.count() == 20
    assert reader.get("k3")["embedding"].tolist() == [1.0, 3.0, 59.0]
    writer.delete(record_ids=["k0"])
    assert reader.get("k0") is None
    writer.close()
    reader.close()
    reopened = _store(tmp_path)
    assert reopened.count() == 19
    assert reopened.vector_dim == 3
    reopened.close()


def test_writer_lock_timeout_raises_store_locked(tmp_path):
    holder = ReferenceLog(tmp_path, fsync=False)
    other = ReferenceLog(tmp_path, fsync=False)
    entered = threading.Event()
    release = threading.Event()

    def hold() -> None:
        with holder.locked():
            entered.set()
            release.wait(10)

    t = threading.Thread(target=hold)
    t.start()
    try:
        assert entered.wait(10)
        with pytest.raises(StoreLockedError), other.locked(timeout=0.05):
            pass
    finally:
        release.set()
        t.join()
    with other.locked(timeout=1):
        pass
    holder.close()
    other.close()


def test_line_encoding_round_trips_odd_text():
    op = {"op": "x", "s": "line\nbreak \ud800 é \x00"}
    line = _reference_log.encode_line(op)
    assert line.endswith(b"\n")
    assert line.count(b"\n") == 1
    assert _reference_log._decode_line(line.rstrip(b"\n")) == op
