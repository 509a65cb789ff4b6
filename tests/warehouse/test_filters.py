"""Filters run with bound parameters and print as SQL that lists exactly the same rows."""

from datetime import datetime, timedelta, timezone

import duckdb
import pytest

from warehouse.filters import Condition, sql_literal, where, where_literal

T = datetime(2026, 11, 26, 6, 0, tzinfo=timezone.utc)


def test_literals_quote_strings_and_mark_instants():
    assert sql_literal("O'Brien's") == "'O''Brien''s'"
    assert sql_literal(T) == "TIMESTAMPTZ '2026-11-26T06:00:00+00:00'"
    assert sql_literal(datetime(2026, 11, 26, 14, tzinfo=timezone(timedelta(hours=8)))) == \
        "TIMESTAMPTZ '2026-11-26T14:00:00+08:00'"
    assert [sql_literal(v) for v in (True, 3, 0.5, None)] == ["TRUE", "3", "0.5", "NULL"]


def test_values_that_have_no_safe_literal_are_refused():
    with pytest.raises(ValueError, match="naive"):
        sql_literal(datetime(2026, 11, 26))
    with pytest.raises(TypeError):
        sql_literal(object())


def test_conditions_bind_as_parameters_and_print_as_literals():
    conditions = [Condition("brand", "=", "a'b"), Condition("ts", ">=", T), Condition("flag"),
                  Condition("key", "IN", ("x", "y"))]
    assert where(conditions) == ("brand = ? AND ts >= ? AND flag AND key IN (?, ?)", ["a'b", T, "x", "y"])
    assert where_literal(conditions) == \
        "brand = 'a''b' AND ts >= TIMESTAMPTZ '2026-11-26T06:00:00+00:00' AND flag AND key IN ('x', 'y')"
    assert where([]) == ("TRUE", []) and where_literal([]) == "TRUE"


def test_the_printed_query_selects_the_same_rows_as_the_bound_one():
    conn = duckdb.connect()
    conn.execute("SET TimeZone = 'UTC'")
    conn.execute("CREATE TABLE t (brand VARCHAR, ts TIMESTAMPTZ, flag BOOLEAN, key VARCHAR)")
    conn.executemany("INSERT INTO t VALUES (?, ?, ?, ?)", [
        ["a'b", T, True, "x"], ["a'b", T, False, "x"], ["a'b", T - timedelta(seconds=1), True, "y"],
        ["a'b", T, True, "z"], ["ab", T, True, "y"], ["a'b", T + timedelta(hours=1), True, "y"]])
    conditions = [Condition("brand", "=", "a'b"), Condition("ts", ">=", T), Condition("flag"),
                  Condition("key", "IN", ("x", "y"))]
    sql, params = where(conditions)
    bound = conn.execute(f"SELECT * FROM t WHERE {sql} ORDER BY ALL", params).fetchall()
    printed = conn.execute(f"SELECT * FROM t WHERE {where_literal(conditions)} ORDER BY ALL").fetchall()
    assert printed == bound and len(bound) == 2
