"""Row filters that run with bound parameters and print as SQL a user can paste.

An alert shows the query that lists the posts behind it (`brandmon sql "…"`); the warehouse runs
the same conditions with parameters. Both come from one list of `Condition`s, so the text shown
and the rows read cannot drift apart, and every value shown goes through `sql_literal`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Condition:
    """`expression op value` (a tuple value with op IN is a list), or a bare boolean expression."""

    expression: str
    op: str = ""
    value: Any = None

    def render(self, bind: bool) -> tuple[str, list[Any]]:
        """(SQL, parameters): with `bind` the value becomes placeholders, else quoted literals."""
        if not self.op:
            return self.expression, []
        values = list(self.value) if isinstance(self.value, tuple) else [self.value]
        slots = ["?" if bind else sql_literal(v) for v in values]
        operand = f"({', '.join(slots)})" if isinstance(self.value, tuple) else slots[0]
        return f"{self.expression} {self.op} {operand}", values if bind else []


def where(conditions: Sequence[Condition]) -> tuple[str, list[Any]]:
    """The conjunction with placeholders, and the parameters to bind to them."""
    parts = [c.render(bind=True) for c in conditions]
    return " AND ".join(sql for sql, _ in parts) or "TRUE", [p for _, params in parts for p in params]


def where_literal(conditions: Sequence[Condition]) -> str:
    """The conjunction with every value inlined as a literal: the text users see and paste."""
    return " AND ".join(c.render(bind=False)[0] for c in conditions) or "TRUE"


def sql_literal(value: Any) -> str:
    """A DuckDB literal for a value: strings quoted ('' for '), aware datetimes as TIMESTAMPTZ."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: the warehouse stores instants, give a time zone")
        return f"TIMESTAMPTZ '{value.isoformat()}'"
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    raise TypeError(f"no SQL literal for {type(value).__name__}")
