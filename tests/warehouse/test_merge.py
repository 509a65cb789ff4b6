"""MERGE upserts (warehouse.merge) on a migrated DuckDB file and on the same table without its
PRIMARY KEY, as a DuckLake warehouse holds it: the declared key (TABLE_KEYS) does the matching."""

import duckdb
import pytest

from warehouse.db import migrate
from warehouse.merge import insert_missing_sql, one_per_key, parameter_row, upsert_sql

COLUMNS = ("alert_id", "channel", "status", "reason", "attempts", "next_attempt_at")  # deliveries, key (alert_id, channel)


@pytest.fixture(params=["keyed", "keyless"])
def conn(request, tmp_path):
    """A connection whose `deliveries` is the migrated table (keyed) or a copy of its columns with no constraint."""
    migrated = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    migrate(migrated, "Asia/Shanghai")
    migrated.close()
    if request.param == "keyed":
        conn = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    else:
        conn = duckdb.connect(str(tmp_path / "lake.duckdb"))
        conn.execute(f"ATTACH '{tmp_path / 'warehouse.duckdb'}' AS w (READ_ONLY)")
        conn.execute("CREATE TABLE deliveries AS FROM w.deliveries LIMIT 0")
        conn.execute("DETACH w")
        assert conn.execute("SELECT count(*) FROM duckdb_constraints() WHERE table_name = 'deliveries' "
                            "AND constraint_type = 'PRIMARY KEY'").fetchone()[0] == 0
    yield conn
    conn.close()


def stored(conn):
    return conn.execute(f"SELECT {', '.join(COLUMNS)} FROM deliveries ORDER BY alert_id, channel").fetchall()


def upsert(conn, rows):
    conn.executemany(upsert_sql("deliveries", parameter_row(COLUMNS), COLUMNS), rows)


def test_an_upsert_updates_every_other_column_of_a_stored_key_and_inserts_a_new_key(conn):
    upsert(conn, [["a1", "email", "pending", None, 0, None], ["a1", "file", "pending", None, 0, None]])
    upsert(conn, [["a1", "email", "failed", "bounced", 3, None], ["a2", "email", "held", "quiet_hours", 0, None]])
    assert stored(conn) == [("a1", "email", "failed", "bounced", 3, None), ("a1", "file", "pending", None, 0, None),
                            ("a2", "email", "held", "quiet_hours", 0, None)]


def test_an_upsert_run_again_leaves_the_same_rows(conn):
    source = "SELECT * FROM (VALUES ('a1', 'email', 'sent', NULL, 1, NULL), ('a2', 'file', 'pending', NULL, 0, NULL))"
    for _ in range(3):
        assert conn.execute(upsert_sql("deliveries", source, COLUMNS)).fetchone() == (2,)
    assert stored(conn) == [("a1", "email", "sent", None, 1, None), ("a2", "file", "pending", None, 0, None)]


def test_insert_missing_keeps_the_stored_row_and_counts_what_it_inserted(conn):
    insert = insert_missing_sql("deliveries", parameter_row(COLUMNS), COLUMNS)
    assert conn.execute(insert, ["a1", "email", "pending", None, 0, None]).fetchone() == (1,)
    assert conn.execute(insert, ["a1", "email", "sent", None, 5, None]).fetchone() == (0,)
    assert stored(conn) == [("a1", "email", "pending", None, 0, None)]


def test_a_source_holding_a_key_twice_stores_it_once_through_one_per_key(conn):
    twice = "VALUES ('a1', 'email', 'sent', NULL, 1, NULL), ('a1', 'email', 'pending', NULL, 0, NULL)"
    for _ in range(2):
        conn.execute(insert_missing_sql("deliveries", one_per_key("deliveries", twice, COLUMNS), COLUMNS))
        conn.execute(upsert_sql("deliveries", one_per_key("deliveries", twice, COLUMNS), COLUMNS))
    assert stored(conn) == [("a1", "email", "pending", None, 0, None)]  # the least row, every time


@pytest.mark.parametrize("conn", ["keyless"], indirect=True)
def test_without_a_key_constraint_a_source_holding_a_key_twice_would_store_it_twice(conn):
    conn.execute(upsert_sql("deliveries", "VALUES ('a1', 'email', 'sent', NULL, 1, NULL), "
                                          "('a1', 'email', 'pending', NULL, 0, NULL)", COLUMNS))
    assert len(stored(conn)) == 2  # why a source that can hold a key twice goes through one_per_key


def test_a_source_without_the_whole_key_is_refused():
    with pytest.raises(ValueError, match="channel"):
        upsert_sql("deliveries", "VALUES (?, ?)", ("alert_id", "status"))
