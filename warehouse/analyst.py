"""Analysts' SQL on the warehouse: read-only and sandboxed, so a query never blocks or changes a
run, and reads the warehouse and nothing else.

The published copy (or the lake, attached read-only) is opened with DuckDB's own sandbox:
`enable_external_access = false` (no file or URL read or written, no ATTACH, no INSTALL or LOAD)
and `lock_configuration = true` (no SET, RESET or PRAGMA can undo it). A lake's catalog needs the
SQLite or PostgreSQL scanner loaded, whose functions ignore that setting (sqlite_scan opens any
file, postgres_query reaches any server), so `escapes` refuses them, and ATTACH, before DuckDB runs
anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from warehouse.db import reader
from warehouse.sql_tokens import tokens
from warehouse.storage import Storage

if TYPE_CHECKING:
    import duckdb

READ_ONLY = "brandmon sql is read-only"
SANDBOX = (f"{READ_ONLY}: reading or writing files and URLs, ATTACH, and extensions (INSTALL, LOAD) are not "
           "allowed; query the warehouse's views")
# Marks in DuckDB's message -> what brandmon sql says about it.
REFUSALS = (
    (("disabled by configuration", "disabled through configuration"), SANDBOX),
    (("configuration has been locked",), f"{READ_ONLY}: changing settings (SET, RESET, PRAGMA) is not allowed"),
    (("read-only mode",), f"{READ_ONLY}: writes (INSERT, UPDATE, DELETE, CREATE, ...) are not allowed on the "
                          "warehouse"),
)

# Functions that reach past the sandbox: the lake's and its catalog scanners' (ducklake_*,
# sqlite_*, postgres_*), and query()/query_table(), which would run such a call given as text.
ESCAPE_PREFIXES = ("ducklake_", "sqlite_", "postgres_")
ESCAPE_FUNCTIONS = ("query", "query_table")
ESCAPE_STATEMENTS = ("ATTACH", "DETACH", "LOAD")


class QueryFailed(RuntimeError):
    """DuckDB refused the query: a syntax error, an unknown name, or something the sandbox forbids."""


@dataclass(frozen=True)
class QueryResult:
    columns: list[str]
    rows: list[tuple[Any, ...]]


def run_query(storage: Storage, sql: str) -> QueryResult:
    """Run `sql` on the warehouse in the sandbox; raises WarehouseMissing or QueryFailed."""
    import duckdb

    conn = reader(storage, sandboxed=True)
    try:
        refused = escapes(conn, sql)
        if refused:
            raise QueryFailed(f"{SANDBOX} ({refused} is refused)")
        cursor = conn.execute(sql)
        columns = [d[0] for d in cursor.description or []]
        return QueryResult(columns, cursor.fetchall() if columns else [])
    except duckdb.Error as error:
        raise QueryFailed(explain(str(error))) from error
    finally:
        conn.close()


def escapes(conn: duckdb.DuckDBPyConnection, sql: str) -> str | None:
    """The first statement or function call in `sql` that would leave the sandbox (ATTACH, DETACH,
    LOAD, a scanner's or the lake's function, query()), or None. Syntax errors are DuckDB's to
    report, so text that does not parse is passed on."""
    import duckdb

    try:
        statements = conn.extract_statements(sql)
    except duckdb.Error:
        return None
    for statement in statements:
        kind = statement.type.name.upper()
        if kind in ESCAPE_STATEMENTS:
            return kind
    words = [text for _, text in tokens(sql)]
    for word, following in zip(words, words[1:]):
        name = word.strip('"').replace('""', '"').lower()
        if following == "(" and (name.startswith(ESCAPE_PREFIXES) or name in ESCAPE_FUNCTIONS):
            return f"{name}()"
    return None


def explain(message: str) -> str:
    """DuckDB's error, led by what brandmon sql does not allow when the sandbox refused the query."""
    reason = next((ours for marks, ours in REFUSALS if any(mark in message for mark in marks)), None)
    return f"{reason} (DuckDB: {message})" if reason else message
