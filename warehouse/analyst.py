"""Analysts' SQL on the published copy: read-only and sandboxed, so a query never blocks or changes a
run, and reads the warehouse and nothing else.

The copy is opened read-only with DuckDB's own sandbox: `enable_external_access = false` (no file
or URL read or written, no ATTACH, no INSTALL or LOAD) and `lock_configuration = true` (no SET,
RESET or PRAGMA can undo it).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from warehouse.db import reader

READ_ONLY = "brandmon sql is read-only"
SANDBOX = (f"{READ_ONLY}: reading or writing files and URLs, ATTACH, and extensions (INSTALL, LOAD) are not "
           "allowed; query the warehouse's views")
# Marks in DuckDB's message -> what brandmon sql says about it.
REFUSALS = (
    (("disabled by configuration", "disabled through configuration"), SANDBOX),
    (("configuration has been locked",), f"{READ_ONLY}: changing settings (SET, RESET, PRAGMA) is not allowed"),
    (("read-only mode",), f"{READ_ONLY}: writes (INSERT, UPDATE, DELETE, CREATE, ...) are not allowed on the "
                          "published copy"),
)

class QueryFailed(RuntimeError):
    """DuckDB refused the query: a syntax error, an unknown name, or something the sandbox forbids."""


@dataclass(frozen=True)
class QueryResult:
    columns: list[str]
    rows: list[tuple[Any, ...]]


def run_query(published: Path, sql: str) -> QueryResult:
    """Run `sql` on the published warehouse in the sandbox; raises WarehouseMissing or QueryFailed."""
    import duckdb

    conn = reader(published, sandboxed=True)
    try:
        cursor = conn.execute(sql)
        columns = [d[0] for d in cursor.description or []]
        return QueryResult(columns, cursor.fetchall() if columns else [])
    except duckdb.Error as error:
        raise QueryFailed(explain(str(error))) from error
    finally:
        conn.close()


def explain(message: str) -> str:
    """DuckDB's error, led by what brandmon sql does not allow when the sandbox refused the query."""
    reason = next((ours for marks, ours in REFUSALS if any(mark in message for mark in marks)), None)
    return f"{reason} (DuckDB: {message})" if reason else message
