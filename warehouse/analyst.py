"""Analysts' SQL on the published copy: read-only, so a query never blocks or changes a run."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from warehouse.db import reader


class QueryFailed(RuntimeError):
    """DuckDB refused the query: a syntax error, an unknown name, or a write on the read-only copy."""


@dataclass(frozen=True)
class QueryResult:
    columns: list[str]
    rows: list[tuple[Any, ...]]


def run_query(published: Path, sql: str) -> QueryResult:
    """Run `sql` on the published warehouse opened read-only; raises WarehouseMissing or QueryFailed."""
    import duckdb

    conn = reader(published)
    try:
        cursor = conn.execute(sql)
        columns = [d[0] for d in cursor.description or []]
        return QueryResult(columns, cursor.fetchall() if columns else [])
    except duckdb.Error as error:
        raise QueryFailed(str(error)) from error
    finally:
        conn.close()
