"""The code's copy of the schema (warehouse.schema) agrees with what the migrations create."""

import duckdb
import pytest

from warehouse.db import migrate
from warehouse.schema import BUCKET_METRICS, LOCAL_COLUMNS, STAGED_COLUMNS, TABLE_KEYS


@pytest.fixture(scope="module")
def migrated(tmp_path_factory):
    conn = duckdb.connect(str(tmp_path_factory.mktemp("schema") / "fresh.duckdb"))
    migrate(conn, "Asia/Shanghai")
    yield conn
    conn.close()


def described(conn, relation):
    return [(name, kind) for name, kind, *_ in conn.execute(f"DESCRIBE {relation}").fetchall()]


@pytest.mark.parametrize("table", sorted(STAGED_COLUMNS))
def test_staged_then_local_columns_are_the_migrated_tables_columns_in_order_with_their_types(migrated, table):
    # DuckDB spells types its own way (TIMESTAMPTZ is TIMESTAMP WITH TIME ZONE): compare both as DESCRIBEd.
    local = {name: kind for name, (kind, _expression) in LOCAL_COLUMNS.get(table, {}).items()}
    columns = ", ".join(f'"{name}" {kind}' for name, kind in {**STAGED_COLUMNS[table], **local}.items())
    migrated.execute(f"CREATE TEMP TABLE expected_{table} ({columns})")
    assert described(migrated, f"expected_{table}") == described(migrated, table)


def test_bucket_metrics_are_the_bucket_stats_counts(migrated):
    counts = {name for name, kind in described(migrated, "bucket_stats") if kind == "BIGINT"}
    assert set(BUCKET_METRICS) <= counts


def test_table_keys_are_the_primary_keys_the_migrations_declare(migrated):
    # A DuckLake warehouse has no constraints; the MERGEs (warehouse.merge) match on these instead.
    declared = {table: tuple(columns) for table, columns in migrated.execute(
        "SELECT table_name, constraint_column_names FROM duckdb_constraints() "
        "WHERE constraint_type = 'PRIMARY KEY' AND database_name = current_database()").fetchall()}
    assert TABLE_KEYS == {table: declared[table] for table in TABLE_KEYS}
