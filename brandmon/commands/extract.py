"""`brandmon extract`: try one source for one brand and window; prints posts, stores nothing."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime, timezone
from pathlib import Path

NAME = "extract"
HELP = "Print the parsed posts of one source, brand and window as JSON lines (nothing is stored)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", help="config file (default: config/brands.yaml or $BRANDMON_CONFIG)")
    parser.add_argument("--brand", required=True, help="brand id from the config")
    parser.add_argument("--source", required=True, help="source name from the config")
    parser.add_argument("--start", required=True, help="window start, ISO 8601 with offset (2026-11-26T08:00+08:00)")
    parser.add_argument("--end", required=True, help="window end, ISO 8601 with offset")
    parser.add_argument("--quarantined", action="store_true", help="also print quarantined items (type=quarantined)")


def run(args: argparse.Namespace) -> int:
    from brandmon.config import ConfigError, load_config
    from brandmon.connections import secrets_from_fields
    from brandmon.windows import WindowError, parse_param_time
    from extractors.base import ExtractContext, Window
    from extractors.registry import source_module

    try:
        config = load_config(args.config)
        window = Window(parse_param_time(args.start, "start"), parse_param_time(args.end, "end"))
    except (ConfigError, WindowError, ValueError) as error:
        print(f"brandmon extract: {error}", file=sys.stderr)
        return 2
    if args.brand not in config.brands:
        print(f"brandmon extract: unknown brand {args.brand!r}; configured: {', '.join(config.brands)}", file=sys.stderr)
        return 2
    if args.source not in config.sources:
        print(f"brandmon extract: unknown source {args.source!r}; configured: {', '.join(config.sources)}", file=sys.stderr)
        return 2
    source = config.sources[args.source]
    secrets = secrets_from_fields(_connection(source.connection, config.state_dir)) if source.connection else {}
    context = ExtractContext(fetched_at=datetime.now(timezone.utc), secrets=secrets)
    result = source_module(source.kind).extract(source.settings, config.brands[args.brand].query(), window, context)
    for post in result.posts:
        print(json.dumps(post.to_json(), ensure_ascii=False))
    if args.quarantined:
        for item in result.quarantined:
            print(json.dumps({"type": "quarantined", **item.to_json()}, ensure_ascii=False))
    health = result.health
    print(f"{args.source}: {health.status}, {len(result.posts)} posts, {len(result.quarantined)} quarantined, "
          f"{health.requests} requests" + (f"; {health.error_kind}: {health.message}" if health.error_kind else ""),
          file=sys.stderr)
    return 0 if health.status != "error" else 1


def _connection(conn_id: str, state_dir: Path) -> dict | None:
    """The source's Connection: AIRFLOW_CONN_<ID>, else the one stored in this project's Airflow
    (once `make run` has set it up)."""
    from brandmon.airflow_setup import AirflowHome, airflow_env
    from brandmon.connections import env_connection, stored_connection

    found = env_connection(conn_id)
    layout = AirflowHome(state_dir)
    if found is None and (layout.home / "airflow.cfg").exists():
        found = stored_connection(conn_id, airflow_env(layout))
    return found
