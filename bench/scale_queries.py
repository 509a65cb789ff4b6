"""docs/schema.md's example queries, read from the doc and timed as `brandmon sql` runs them.

Each query opens the published copy read-only and sandboxed (warehouse.analyst.run_query), so a
time includes opening the session, as every `brandmon sql` call pays it.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path

from warehouse.analyst import QueryFailed, run_query
from warehouse.storage import Storage

SCHEMA_DOC = Path(__file__).resolve().parent.parent / "docs" / "schema.md"
EXAMPLES = re.compile(r"^## Example queries\n```sql\n(.*?)^```", re.MULTILINE | re.DOTALL)


@dataclass(frozen=True)
class Example:
    """One example query: its title (the comment above it; "(2)" for the next under the same) and SQL."""

    title: str
    sql: str


@dataclass(frozen=True)
class Timed:
    example: Example
    seconds: float
    rows: int
    error: str | None = None


def example_queries(doc: Path = SCHEMA_DOC) -> list[Example]:
    """The statements of the doc's "Example queries" block, in order."""
    found = EXAMPLES.search(doc.read_text(encoding="utf-8"))
    if found is None:
        raise ValueError(f"no '## Example queries' sql block in {doc}")
    examples, title, under_title, lines = [], "", 0, []
    for line in found.group(1).splitlines():
        if line.startswith("--"):
            title, under_title = line.lstrip("- ").strip(), 0
            continue
        lines.append(line)
        if line.rstrip().endswith(";"):
            under_title += 1
            examples.append(Example(title if under_title == 1 else f"{title} ({under_title})",
                                    "\n".join(lines).strip().rstrip(";")))
            lines = []
    return examples


def time_queries(storage: Storage, examples: list[Example]) -> list[Timed]:
    """Each example run once on the warehouse as analysts open it, with its seconds and row count."""
    timed = []
    for example in examples:
        began = time.perf_counter()
        try:
            rows, error = len(run_query(storage, example.sql).rows), None
        except QueryFailed as failed:
            rows, error = 0, str(failed)
        timed.append(Timed(example, time.perf_counter() - began, rows, error))
    return timed
