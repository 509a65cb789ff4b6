"""`brandmon status`: exit 0 when the pipeline is alive and its sources work, non-zero with the
reason otherwise; for systemd, cron or a Kubernetes probe. Reads the published warehouse only, so
it answers even when Airflow itself is down (which is exactly when it must say so)."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime, timezone

NAME = "status"
HELP = "Exit 0 when the last interval finished in time and sources work; non-zero with the reason otherwise"
UNHEALTHY, UNKNOWN = 1, 2


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print the verdict as JSON")


def run(args: argparse.Namespace) -> int:
    from brandmon.config import ConfigError, load_config
    from brandmon.status import assess
    from warehouse.db import WarehouseMissing, reader
    from warehouse.runs import last_live_run, source_states

    try:
        config = load_config()
        conn = reader(config.warehouse)
    except (ConfigError, WarehouseMissing) as error:
        print(f"brandmon status: {error}", file=sys.stderr)
        return UNKNOWN
    try:
        last, sources = last_live_run(conn), source_states(conn)
    finally:
        conn.close()
    configured = {(brand.id, source) for brand in config.brands.values() for source in brand.sources}
    health = assess(datetime.now(timezone.utc), last, sources, configured,
                    config.monitoring.stale_after, config.monitoring.source_failing)
    if args.json:
        print(json.dumps(health.to_json(), ensure_ascii=False, indent=2))
    else:
        for problem in health.problems:
            print(f"FAIL  {problem}")
        for fact in health.facts:
            print(f"ok    {fact}")
    return 0 if health.healthy else UNHEALTHY
