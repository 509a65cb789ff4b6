"""Upserts as MERGE statements matched on a table's declared key (`warehouse.schema.TABLE_KEYS`).

A DuckLake warehouse has no primary keys, so `INSERT OR REPLACE`, `INSERT OR IGNORE` and
`ON CONFLICT` cannot work there; a MERGE matched on the key works on a DuckDB file and on DuckLake
alike. The builders return SQL text and callers run it with their own bound parameters. A source
is a query (`VALUES (?, ?)`, `SELECT … FROM read_json(?, …)`, `SELECT * FROM staged`) whose
columns are `columns`, in order.

A source holding a key twice inserts it twice where there is no key constraint (with one, DuckDB
raises): a source that can hold duplicates goes through `one_per_key` first.
"""

from __future__ import annotations

from collections.abc import Sequence

from warehouse.schema import TABLE_KEYS


def upsert_sql(table: str, source: str, columns: Sequence[str]) -> str:
    """A MERGE that updates every non-key column of the rows whose key `table` holds and inserts the
    others (what INSERT OR REPLACE did). No RETURNING: DuckLake does not implement it."""
    updated = [c for c in columns if c not in TABLE_KEYS[table]]
    matched = f"WHEN MATCHED THEN UPDATE SET {', '.join(f'{_q(c)} = s.{_q(c)}' for c in updated)} " if updated else ""
    return _merge(table, source, columns, matched)


def insert_missing_sql(table: str, source: str, columns: Sequence[str]) -> str:
    """A MERGE that inserts only the rows whose key `table` does not hold yet (what INSERT OR IGNORE
    did); it returns the count inserted."""
    return _merge(table, source, columns, "")


def one_per_key(table: str, source: str, columns: Sequence[str]) -> str:
    """`source` with one row per key of `table`: of rows sharing a key, the least in column order
    (any rule would do for copies of one item; this one makes every run keep the same row)."""
    keys = ", ".join(_q(k) for k in TABLE_KEYS[table])
    order = ", ".join(_q(c) for c in columns)
    return (f"SELECT * FROM ({source}) AS d({order}) "
            f"QUALIFY row_number() OVER (PARTITION BY {keys} ORDER BY {order}) = 1")


def parameter_row(columns: Sequence[str]) -> str:
    """A one-row source of bound parameters, one per column (`VALUES (?, ?, …)`)."""
    return f"VALUES ({', '.join('?' for _ in columns)})"


def _merge(table: str, source: str, columns: Sequence[str], matched: str) -> str:
    missing = [k for k in TABLE_KEYS[table] if k not in columns]
    if missing:
        raise ValueError(f"a MERGE into {table} needs its key columns {missing} in the source")
    names = ", ".join(_q(c) for c in columns)
    on = " AND ".join(f"t.{_q(k)} = s.{_q(k)}" for k in TABLE_KEYS[table])
    return (f"MERGE INTO {table} AS t USING ({source}) AS s({names}) ON {on} {matched}"
            f"WHEN NOT MATCHED THEN INSERT ({names}) VALUES ({', '.join(f's.{_q(c)}' for c in columns)})")


def _q(name: str) -> str:
    """A column name quoted (`key` is one)."""
    return f'"{name}"'
