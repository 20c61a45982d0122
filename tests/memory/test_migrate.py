"""`crewai-rust migrate-memory --from-lancedb SRC --to DST`: a real LanceDB store written by
crewai's `LanceDBStorage`, copied field for field, verified, never into a non-empty target."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from crewai.memory.storage.lancedb_storage import LanceDBStorage
from crewai.memory.types import MemoryRecord

from crewai_rust import cli
from crewai_rust.memory import RustStorage, migrate


@pytest.fixture
def lancedb_store(tmp_path):
    src = tmp_path / "lance"
    storage = LanceDBStorage(path=src, compact_every=0)
    base = datetime(2024, 2, 3, 4, 5, 6, 789000)
    records = [
        MemoryRecord(
            content=f"memory number {i}",
            scope=f"/crew/agent{i % 3}",
            categories=[f"c{i % 4}", "all"],
            metadata={"i": i, "nested": {"even": i % 2 == 0}},
            importance=round(0.1 * (i % 10), 1),
            created_at=base + timedelta(minutes=i),
            last_accessed=base + timedelta(days=1, minutes=i),
            embedding=[float(i), 1.0, -0.5, 0.25],
            source="user" if i % 5 == 0 else None,
            private=i % 7 == 0,
        )
        for i in range(40)
    ]
    records.append(
        MemoryRecord(
            content="no vector here",
            scope="/crew",
            created_at=datetime(2024, 1, 1, tzinfo=timezone.utc),
            last_accessed=datetime(2024, 1, 2, tzinfo=timezone.utc),
        )
    )
    storage.save(records[:25])
    storage.save(records[25:])
    return src, records


def test_migrates_every_field(lancedb_store, tmp_path, impl, capsys):
    src, records = lancedb_store
    dst = tmp_path / "rust"
    code = cli.main(
        ["migrate-memory", "--from-lancedb", str(src), "--to", str(dst), "--impl", impl, "--batch-size", "7"]
    )
    out = capsys.readouterr()
    assert code == 0, out.err
    assert "migrated 41 records (40 with embeddings, dim 4)" in out.out
    target = RustStorage(dst, impl=impl)
    try:
        assert target.count() == len(records)
        for original in records:
            got = target.get_record(original.id)
            assert got is not None
            expected = original
            if original.created_at.tzinfo is not None:
                # LanceDB keeps isoformat text, so an aware time survives with its offset.
                assert got.created_at == original.created_at
            assert got.model_dump() == expected.model_dump()
            assert got.embedding == original.embedding
        q = [39.0, 1.0, -0.5, 0.25]
        assert target.search(q, limit=1)[0][0].content == "memory number 39"
    finally:
        target.close()


def test_refuses_a_non_empty_target(lancedb_store, tmp_path, impl, capsys):
    src, _ = lancedb_store
    dst = tmp_path / "busy"
    existing = RustStorage(dst, impl=impl)
    existing.save([MemoryRecord(content="already here")])
    existing.close()
    code = cli.main(["migrate-memory", "--from-lancedb", str(src), "--to", str(dst), "--impl", impl])
    assert code == 1
    assert "already holds 1 records" in capsys.readouterr().err
    target = RustStorage(dst, impl=impl)
    assert [r.content for r in target.list_records()] == ["already here"]
    target.close()


def test_an_id_saved_twice_migrates_once_with_its_newest_row(tmp_path, impl):
    """`LanceDBStorage.save` appends, so saving an id again leaves two rows; the one written last
    is the record's current state and is the one migrated."""
    import lancedb

    src = tmp_path / "lance"
    storage = LanceDBStorage(path=src, compact_every=0)
    first = MemoryRecord(id="same", content="first version", embedding=[1.0, 0.0])
    storage.save([first, MemoryRecord(id="other", content="untouched", embedding=[0.0, 1.0])])
    storage.save([first.model_copy(update={"content": "second version"})])
    table = lancedb.connect(str(src)).open_table("memories")
    assert table.count_rows("id = 'same'") == 2

    result = migrate.migrate_from_lancedb(src, tmp_path / "rust", impl=impl, batch_size=1)
    assert (result.source_rows, result.records) == (3, 2)
    target = RustStorage(tmp_path / "rust", impl=impl)
    try:
        assert target.get_record("same").content == "second version"
        assert target.get_record("other").content == "untouched"
    finally:
        target.close()


def test_a_read_that_misses_rows_fails_verification(lancedb_store, tmp_path, impl, monkeypatch):
    src, _ = lancedb_store
    real = migrate._batches

    def first_batch_only(table, size):
        yield next(real(table, size))

    monkeypatch.setattr(migrate, "_batches", first_batch_only)
    with pytest.raises(migrate.MigrationError, match=r"LanceDB counts \d+ rows in .*, 10 were read"):
        migrate.migrate_from_lancedb(src, tmp_path / "rust", impl=impl, batch_size=10)


def test_missing_source_is_a_clear_error(tmp_path, capsys):
    code = cli.main(["migrate-memory", "--from-lancedb", str(tmp_path / "nope"), "--to", str(tmp_path / "d")])
    assert code == 1
    assert "no LanceDB store" in capsys.readouterr().err


def test_missing_arguments_exit_with_usage(capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(["migrate-memory", "--to", "x"])
    assert info.value.code == 2
    assert "--from-lancedb" in capsys.readouterr().err


def test_an_interrupted_migration_is_refused_on_rerun_with_what_to_do(
    lancedb_store, tmp_path, impl, capsys, monkeypatch
):
    src, _ = lancedb_store
    dst = tmp_path / "partial"
    real_save = RustStorage.save
    calls = []

    def save_then_die(self, records):
        calls.append(len(records))
        if len(calls) > 1:
            raise KeyboardInterrupt  # the user pressed Ctrl-C after the first batch
        real_save(self, records)

    monkeypatch.setattr(RustStorage, "save", save_then_die)
    with pytest.raises(KeyboardInterrupt):
        cli.main(
            [
                "migrate-memory",
                "--from-lancedb",
                str(src),
                "--to",
                str(dst),
                "--impl",
                impl,
                "--batch-size",
                "1",
            ]
        )
    monkeypatch.setattr(RustStorage, "save", real_save)
    assert cli.main(["migrate-memory", "--from-lancedb", str(src), "--to", str(dst), "--impl", impl]) == 1
    err = capsys.readouterr().err
    assert "already holds 1 records" in err
    assert "delete the target directory and run it again" in err


def test_migrate_help_says_what_it_does(capsys):
    with pytest.raises(SystemExit):
        cli.main(["migrate-memory", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "verify that the target holds exactly the source's ids" in out
    assert "A target that already holds records is refused" in out
