"""The warehouse in a DuckDB file: migrations, one writer, and a published copy analysts read without blocking it
(and what holds for a lake too: one writer at a time)."""

import subprocess
import sys
import textwrap
import threading
import time

import duckdb
import pytest

from tests.faults.disk import FullDisk
from warehouse.db import PublishFailed, WarehouseBusy, WarehouseMissing, migrate, migrations, reader, writer
from warehouse.storage import FileStorage, LakeStorage


@pytest.fixture
def paths(tmp_path):
    return tmp_path / "w" / "brandmon.duckdb", tmp_path / "w" / "brandmon_read.duckdb"


@pytest.fixture
def storage(paths):
    return FileStorage(*paths)


@pytest.fixture(params=["file", "lake"])
def either_storage(request, paths, tmp_path):
    """Each kind of storage: what holds for both."""
    if request.param == "file":
        return FileStorage(*paths)
    return LakeStorage(data_path=tmp_path / "lake", lock=tmp_path / "lake.lock", sqlite_file=tmp_path / "catalog.sqlite")


def test_migrations_are_numbered_and_applied_once(paths):
    versions = [v for v, _, _ in migrations()]
    assert versions == sorted(set(versions)) and versions[0] == 1
    conn = duckdb.connect(str(paths[0].parent.mkdir(parents=True) or paths[0]))
    assert len(migrate(conn, "Asia/Shanghai")) == len(versions)
    assert migrate(conn, "Asia/Shanghai") == []
    views = {r[0] for r in conn.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()}
    assert {"v_posts", "v_alerts", "v_daily"} <= views


def test_writes_are_published_for_readers(paths, storage):
    private, published = paths
    with writer(storage, "Asia/Shanghai") as conn:
        conn.execute("INSERT INTO brands VALUES ('acme', '艾克米', ['艾克米'], [])")
    conn = reader(storage)
    assert conn.execute("SELECT name FROM brands").fetchall() == [("艾克米",)]
    with pytest.raises(duckdb.Error):
        conn.execute("INSERT INTO brands VALUES ('x', 'x', [], [])")


def test_a_write_without_publishing_reaches_readers_with_the_next_publishing_write(paths, storage):
    """brand_monitor's load and detect write with publish=False; its deliver publishes once for the run."""
    private, published = paths
    with writer(storage, "Asia/Shanghai") as conn:
        conn.execute("INSERT INTO brands VALUES ('acme', 'A', [], [])")
    copy = published.stat().st_ino
    with writer(storage, "Asia/Shanghai", publish=False) as conn:
        conn.execute("INSERT INTO brands VALUES ('rival', 'R', [], [])")
    assert published.stat().st_ino == copy  # the copy was not even rewritten
    assert reader(storage).execute("SELECT brand FROM brands").fetchall() == [("acme",)]
    with writer(storage, "Asia/Shanghai") as conn:
        conn.execute("INSERT INTO brands VALUES ('third', 'T', [], [])")
    assert reader(storage).execute("SELECT brand FROM brands ORDER BY brand").fetchall() == [
        ("acme",), ("rival",), ("third",)]


def test_an_open_analyst_session_never_blocks_the_writer(paths, storage):
    private, published = paths
    with writer(storage, "Asia/Shanghai") as conn:
        conn.execute("INSERT INTO brands VALUES ('acme', 'A', [], [])")
    # An analyst in another process opens the published copy and keeps it open.
    analyst = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import duckdb, sys, time
        conn = duckdb.connect({str(published)!r}, read_only=True)
        print(conn.execute("SELECT count(*) FROM brands").fetchone()[0], flush=True)
        sys.stdin.readline()
        print(conn.execute("SELECT count(*) FROM brands").fetchone()[0], flush=True)
    """)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert analyst.stdout.readline().strip() == "1"
        with writer(storage, "Asia/Shanghai", wait=5) as conn:
            conn.execute("INSERT INTO brands VALUES ('rival', 'R', [], [])")
        assert reader(storage).execute("SELECT count(*) FROM brands").fetchone()[0] == 2
        analyst.stdin.write("\n")
        analyst.stdin.flush()
        assert analyst.stdout.readline().strip() == "1"  # the analyst's snapshot is intact
    finally:
        analyst.kill()
        analyst.wait()


def test_a_second_writer_waits_for_the_first(either_storage):
    storage = either_storage
    order = []

    def slow_writer():
        with writer(storage, "Asia/Shanghai") as conn:
            order.append("first in")
            time.sleep(0.5)
            conn.execute("INSERT INTO brands VALUES ('a', 'A', [], [])")
            order.append("first out")

    thread = threading.Thread(target=slow_writer)
    thread.start()
    while not order:
        time.sleep(0.01)
    with writer(storage, "Asia/Shanghai", wait=30) as conn:
        order.append("second in")
        assert conn.execute("SELECT count(*) FROM brands").fetchone()[0] == 1
    thread.join()
    assert order == ["first in", "first out", "second in"]


def test_the_wait_is_bounded(paths, storage):
    private, published = paths
    release = threading.Event()
    entered = threading.Event()

    def holder():
        with writer(storage, "Asia/Shanghai"):
            entered.set()
            release.wait(10)

    thread = threading.Thread(target=holder)
    thread.start()
    entered.wait(10)
    try:
        with pytest.raises(WarehouseBusy, match="writer lock"):
            with writer(storage, "Asia/Shanghai", wait=0.5):
                pass
    finally:
        release.set()
        thread.join()


def test_reading_before_anything_was_published_says_what_to_do(storage):
    with pytest.raises(WarehouseMissing, match="make run"):
        reader(storage)


def test_a_publish_that_fails_on_a_full_disk_leaves_the_old_copy_and_no_temp_file(paths, storage, monkeypatch):
    """The write is saved in the private file; the copy analysts read stays the previous one, whole;
    the error says what happened; and once space returns the next write publishes both."""
    private, published = paths
    with writer(storage, "Asia/Shanghai") as conn:
        conn.execute("INSERT INTO brands VALUES ('acme', 'A', [], [])")
    disk = FullDisk(published.parent, budget=4096).install(monkeypatch)
    with pytest.raises(PublishFailed, match=r"No space left on device.*previous copy"):
        with writer(storage, "Asia/Shanghai") as conn:
            conn.execute("INSERT INTO brands VALUES ('rival', 'R', [], [])")
    assert sorted(p.name for p in published.parent.iterdir()) == ["brandmon.duckdb", "brandmon.lock",
                                                                  "brandmon_read.duckdb"]
    assert reader(storage).execute("SELECT brand FROM brands").fetchall() == [("acme",)]

    disk.free()
    with writer(storage, "Asia/Shanghai"):
        pass
    assert reader(storage).execute("SELECT count(*) FROM brands").fetchone()[0] == 2


def test_temp_files_left_by_a_killed_publish_are_removed_by_the_next(paths, storage):
    private, published = paths
    published.parent.mkdir(parents=True)
    stale = published.with_name(f".{published.name}.424242.tmp")
    stale.write_bytes(b"half a copy")
    with writer(storage, "Asia/Shanghai"):
        pass
    assert not stale.exists() and published.exists()


def test_a_warehouse_from_before_complaint_details_migrates_keeping_its_posts(paths):
    conn = duckdb.connect(str(paths[0].parent.mkdir(parents=True) or paths[0]))
    conn.execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR NOT NULL)")
    for version, name, sql in migrations():
        if version <= 3:
            conn.execute(sql)
            conn.execute("INSERT INTO schema_migrations VALUES (?, ?)", [version, name])
    conn.execute("""INSERT INTO posts (platform, native_id, source, published_at, text, clean_text, sentiment, label,
                    complaint, complaint_score, complaint_reasons, keywords, model)
                    VALUES ('weibo', '1', 'weibo_api', '2026-11-26 06:00:00+00', '变质了', '变质了', 0.1, 'neg', true,
                            0.9, ['变质'], [], 'm')""")
    assert "0004_complaint_details.sql" in migrate(conn, "Asia/Shanghai")
    row = conn.execute("""SELECT complaint_reasons, complaint_categories, complaint_severity, complaint_reason_details,
                                 complaint_severity_reasons, author_followers, author_verified FROM posts""").fetchall()
    assert row == [(["变质"], None, None, None, None, None, None)]
