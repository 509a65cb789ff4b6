"""The warehouse as a DuckLake (docs/decisions/0003): the migrations' schema without constraints,
commits visible to open readers at once, one writer at a time, and compaction as files pile up."""

from __future__ import annotations

from datetime import timedelta

import duckdb
import pytest

from tests.e2e.services import PG, missing_postgres
from tests.warehouse.conftest import T0, load_posts, post
from warehouse import lake
from warehouse.db import migrate, reader, writer
from warehouse.storage import FileStorage, LakeStorage

ZONE = "Asia/Shanghai"


@pytest.fixture
def storage(tmp_path):
    return LakeStorage(data_path=tmp_path / "lake", lock=tmp_path / "lake.lock", sqlite_file=tmp_path / "catalog.sqlite")


def shape(conn: duckdb.DuckDBPyConnection, catalog: str) -> list[tuple]:
    return conn.execute("""SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns
                           WHERE table_catalog = ? ORDER BY table_name, ordinal_position""", [catalog]).fetchall()


def test_constraint_free_drops_keys_and_checks_and_keeps_the_rest():
    sql = """CREATE TABLE t (
        id VARCHAR PRIMARY KEY,
        kind VARCHAR NOT NULL CHECK (kind IN ('a', 'b') AND length(kind) = (1)),  -- 'PRIMARY KEY' in a comment
        note VARCHAR DEFAULT 'CHECK (x)',
        code VARCHAR UNIQUE,
        other VARCHAR,  -- the key:
        PRIMARY KEY (id, other)
    );"""
    assert "".join(lake.constraint_free(sql).split()) == "".join("""CREATE TABLE t (
        id VARCHAR NOT NULL ,
        kind VARCHAR NOT NULL ,  -- 'PRIMARY KEY' in a comment
        note VARCHAR DEFAULT 'CHECK (x)',
        code VARCHAR ,
        other VARCHAR
    );""".split())  # a table constraint goes with its comma and the comment before it


def test_the_lake_has_the_files_tables_views_and_columns(storage, tmp_path):
    with writer(storage, ZONE) as conn:
        in_lake = shape(conn, lake.NAME)
    file = duckdb.connect(str(tmp_path / "file.duckdb"))
    migrate(file, ZONE)
    assert in_lake == shape(file, "file") and len(in_lake) > 200
    conn = reader(storage)
    assert conn.execute("SELECT value FROM settings WHERE key = 'timezone'").fetchall() == [(ZONE,)]
    assert conn.execute("SELECT topic_units(['示例 咖啡'])").fetchone()[0]  # macros live in the lake too


def test_an_open_reader_sees_each_commit_on_its_next_query(storage):
    with writer(storage, ZONE) as conn:
        conn.execute("INSERT INTO brands VALUES ('acme', 'A', [], [])")
    analyst = reader(storage, sandboxed=True)
    assert analyst.execute("SELECT count(*) FROM brands").fetchone()[0] == 1
    with writer(storage, ZONE) as conn:
        conn.execute("INSERT INTO brands VALUES ('rival', 'R', [], [])")
    assert analyst.execute("SELECT count(*) FROM brands").fetchone()[0] == 2
    with pytest.raises(duckdb.Error, match="read-only"):
        analyst.execute("INSERT INTO brands VALUES ('x', 'x', [], [])")


def test_a_failed_write_leaves_nothing(storage):
    with writer(storage, ZONE) as conn:
        conn.execute("INSERT INTO brands VALUES ('acme', 'A', [], [])")
    with pytest.raises(RuntimeError, match="boom"), writer(storage, ZONE) as conn:
        conn.execute("BEGIN")
        conn.execute("INSERT INTO brands VALUES ('rival', 'R', [], [])")
        raise RuntimeError("boom")
    assert reader(storage).execute("SELECT brand FROM brands").fetchall() == [("acme",)]


def live_quarantine_files(storage: LakeStorage) -> dict[str, int]:
    """`quarantine`'s live data files: path → size in bytes."""
    conn = reader(storage)
    return dict(conn.execute(f"""
        SELECT f.path, f.file_size_bytes FROM {lake.METADATA}.ducklake_data_file f JOIN {lake.METADATA}.ducklake_table t USING (table_id)
        WHERE t.table_name = 'quarantine' AND f.end_snapshot IS NULL AND t.end_snapshot IS NULL""").fetchall())


def quarantine_files_after_six_loads(storage: LakeStorage, rows_before: int = 0) -> list[int]:
    """Six writer sessions each adding a data file to `quarantine`; its live files after each."""
    counts = []
    for n in range(6):
        with writer(storage, ZONE) as conn:
            conn.execute("INSERT INTO quarantine SELECT 'k' || i || '-' || ?, 's', 'b', 'r', repeat('x', 100), 'l', "
                         "now(), now() FROM range(50) t(i)", [n])
        counts.append(len(live_quarantine_files(storage)))
    rows = reader(storage).execute("SELECT count(*), count(DISTINCT key) FROM quarantine").fetchone()
    assert rows == (rows_before + 300, rows_before + 300)
    return counts


def test_small_files_are_compacted_once_they_pile_up(storage, monkeypatch):
    monkeypatch.setattr(lake, "COMPACT_AFTER_FILES", 3)  # the schema's own tables hold about 3 files
    assert max(quarantine_files_after_six_loads(storage)) <= 2


def test_files_near_the_target_size_never_call_for_compaction(storage, monkeypatch):
    """A long history is many full-size files: counting them would compact on every write."""
    monkeypatch.setattr(lake, "COMPACT_AFTER_FILES", 3)
    monkeypatch.setattr(lake, "SMALL_FILE_BYTES", 0)  # every file counts as full-size
    assert quarantine_files_after_six_loads(storage) == [1, 2, 3, 4, 5, 6]


def test_compaction_leaves_full_size_files_alone(storage, monkeypatch):
    """Merging every file under DuckLake's 64 MB target would rewrite most of a long history each
    time: only the small files are merged."""
    with writer(storage, ZONE) as conn:
        conn.execute("INSERT INTO quarantine SELECT 'big' || i, 's', 'b', 'r', repeat('x', 200) || i, 'l', now(), "
                     "now() FROM range(20000) t(i)")
    big = live_quarantine_files(storage)
    assert len(big) == 1
    [size] = big.values()
    monkeypatch.setattr(lake, "COMPACT_AFTER_FILES", 3)
    monkeypatch.setattr(lake, "SMALL_FILE_BYTES", size)  # the big file is the only one not small
    quarantine_files_after_six_loads(storage, rows_before=20000)
    after = live_quarantine_files(storage)
    assert big.items() <= after.items() and len(after) <= 3  # the small ones were merged


def test_below_the_threshold_nothing_is_rewritten(storage):
    assert quarantine_files_after_six_loads(storage) == [1, 2, 3, 4, 5, 6]


def test_a_missing_postgresql_catalog_names_the_fix(tmp_path):
    missing = missing_postgres()
    if missing:
        pytest.skip(missing)
    storage = LakeStorage(data_path=tmp_path / "lake", lock=tmp_path / "lake.lock",
                          postgres=f"postgresql://{PG['user']}@{PG['host']}:{PG['port']}/brandmon_no_such_lake")
    with pytest.raises(lake.LakeUnavailable, match="createdb"):
        with writer(storage, ZONE):
            pass


def test_a_new_lake_starts_with_the_file_warehouse_it_replaces(tmp_path):
    """Switching `storage.warehouse` from file to lake keeps the history: the writer that creates the
    lake copies every table of the file kept in the same state folder (migrated first)."""
    file = FileStorage(tmp_path / "brandmon.duckdb", tmp_path / "brandmon_read.duckdb")
    with writer(file, ZONE) as conn:
        load_posts(conn, tmp_path / "staged", [post(str(n), T0 + timedelta(minutes=n), label="neg") for n in range(30)])
    storage = LakeStorage(data_path=tmp_path / "lake", lock=tmp_path / "lake.lock",
                          sqlite_file=tmp_path / "catalog.sqlite", import_from=file.path)
    with writer(storage, ZONE):
        pass
    tables = [name for (name,) in reader(file).execute(
        "SELECT table_name FROM duckdb_tables() ORDER BY table_name").fetchall()]
    assert "posts" in tables and "bucket_stats" in tables
    for table in tables:
        rows = f"SELECT * FROM {table} ORDER BY ALL"
        assert reader(storage).execute(rows).fetchall() == reader(file).execute(rows).fetchall(), table
    with writer(storage, ZONE) as conn:  # only a new lake imports: later sessions leave it alone
        conn.execute("DELETE FROM posts")
    assert reader(storage).execute("SELECT count(*) FROM posts").fetchone()[0] == 0


def test_a_lake_opened_with_another_data_folder_names_the_recorded_one(storage, tmp_path):
    with writer(storage, ZONE):
        pass
    elsewhere = LakeStorage(data_path=tmp_path / "moved", lock=storage.lock, sqlite_file=storage.sqlite_file)
    with pytest.raises(lake.LakeUnavailable, match=f"set storage.lake_data_path to {storage.data_path}/"):
        with writer(elsewhere, ZONE):
            pass
