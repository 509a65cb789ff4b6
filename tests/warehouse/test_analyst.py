"""Analysts' read-only SQL on the published copy."""

import pytest

from warehouse.analyst import QueryFailed, run_query
from warehouse.db import WarehouseMissing, writer


@pytest.fixture
def published(tmp_path):
    private, published = tmp_path / "brandmon.duckdb", tmp_path / "read.duckdb"
    with writer(private, published, "Asia/Shanghai") as conn:
        conn.execute("INSERT INTO brands VALUES ('acme', '艾克米', ['艾克米'], [])")
    return published


def test_a_query_returns_its_columns_and_rows(published):
    result = run_query(published, "SELECT brand, name FROM brands")
    assert (result.columns, result.rows) == (["brand", "name"], [("acme", "艾克米")])


def test_writes_and_bad_sql_fail_with_duckdbs_reason(published):
    with pytest.raises(QueryFailed, match="read-only"):
        run_query(published, "DELETE FROM brands")
    with pytest.raises(QueryFailed, match="nowhere"):
        run_query(published, "SELECT * FROM nowhere")
    assert run_query(published, "SELECT count(*) FROM brands").rows == [(1,)]


def test_nothing_published_yet_is_its_own_error(tmp_path):
    with pytest.raises(WarehouseMissing):
        run_query(tmp_path / "missing.duckdb", "SELECT 1")
