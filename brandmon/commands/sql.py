"""`brandmon sql "QUERY" [--format table|csv|json]`: read-only SQL on the published warehouse."""

from __future__ import annotations

import argparse
import csv
import json
import sys
from datetime import date, datetime
from decimal import Decimal
from typing import Any

NAME = "sql"
HELP = "Run read-only SQL against the warehouse views (v_posts, v_alerts, v_daily, ...)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("query", help="SQL to run, e.g. \"SELECT * FROM v_daily ORDER BY day DESC LIMIT 10\"")
    parser.add_argument("--format", choices=("table", "csv", "json"), default="table",
                        help="table (default), csv, or json (one object per line)")
    parser.add_argument("--config", help="config file (default: config/brands.yaml or $BRANDMON_CONFIG)")
    parser.add_argument("--no-bom", action="store_true",
                        help="csv: leave out the UTF-8 byte order mark (it is there so Excel reads Chinese right)")


def run(args: argparse.Namespace) -> int:
    from brandmon.config import load_config
    from warehouse.analyst import QueryFailed, run_query
    from warehouse.db import WarehouseMissing

    config = load_config(args.config)
    try:
        result = run_query(config.warehouse, args.query)
    except WarehouseMissing as error:
        print(f"brandmon sql: {error}", file=sys.stderr)
        return 2
    except QueryFailed as error:
        print(f"brandmon sql: {error}", file=sys.stderr)
        return 1
    write_rows(result.columns, result.rows, args.format, sys.stdout, bom=not args.no_bom)
    return 0


def write_rows(columns: list[str], rows: list[tuple], fmt: str, out: Any, bom: bool = True) -> None:
    """Print query results as an aligned table, CSV or JSON lines.

    CSV carries every value whole (lists and structs as JSON), after a byte order mark unless
    `bom` is off: Excel on Chinese Windows reads UTF-8 without it as the local code page.
    """
    if fmt == "json":
        for row in rows:
            out.write(json.dumps(dict(zip(columns, row)), ensure_ascii=False, default=_json_default) + "\n")
    elif fmt == "csv":
        if bom:
            out.write("\ufeff")
        writer = csv.writer(out)
        writer.writerow(columns)
        writer.writerows([[_csv_cell(v) for v in row] for row in rows])
    else:
        cells = [[_cell(v) for v in row] for row in rows]
        widths = [max([_width(c)] + [_width(r[i]) for r in cells]) for i, c in enumerate(columns)]
        out.write("  ".join(_pad(c, w) for c, w in zip(columns, widths)).rstrip() + "\n")
        out.write("  ".join("-" * w for w in widths) + "\n")
        for row in cells:
            out.write("  ".join(_pad(c, w) for c, w in zip(row, widths)).rstrip() + "\n")
        out.write(f"({len(rows)} row{'s' if len(rows) != 1 else ''})\n")


def _json_default(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return str(value)


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple, dict)):
        return json.dumps(value, ensure_ascii=False, default=_json_default)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    return str(value)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    text = str(value).replace("\n", " ")
    return text if len(text) <= 80 else text[:77] + "..."


def _width(text: str) -> int:
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))
