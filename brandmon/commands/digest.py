"""`brandmon digest [--day YYYY-MM-DD] [--brand ID] [--send]`: show or send the daily digest.

Without --send it prints the digests of the day (default: yesterday in the configured time zone)
from the published warehouse and changes nothing. With --send it builds them from the data as it
is now and delivers them through the outbox: the day's first digest if none was stored yet, else a
new revision ("revision 2", ...) that replaces the one sent, also for a day older than
`alerts.delivery.expire_after_hours`. The brand_digest DAG never re-sends. A digest says what data
its day lacks; a day no run loaded gets none. Channel secrets come from AIRFLOW_CONN_<ID>
environment variables.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date, datetime, timezone

NAME = "digest"
HELP = ("Show (or --send, again as a revision) the daily digest per brand: mentions, sentiment, complaints, "
        "alerts, missing data, chart")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--day", type=date.fromisoformat, help="YYYY-MM-DD in the configured time zone "
                        "(default: yesterday)")
    parser.add_argument("--brand", help="only this brand id")
    parser.add_argument("--send", action="store_true", help="deliver through the outbox instead of printing; "
                        "a day already sent gets a corrected revision")
    parser.add_argument("--config", help="config file (default: config/brands.yaml or $BRANDMON_CONFIG)")


def run(args: argparse.Namespace) -> int:
    from alerts.compose import compose
    from alerts.digest import build_digest, previous_day, send_digest
    from alerts.formats import to_text
    from brandmon.config import load_config
    from brandmon.connections import env_connection
    from warehouse.db import WarehouseMissing, reader, writer

    config = load_config(args.config)
    if args.brand and args.brand not in config.brands:
        print(f"brandmon digest: unknown brand {args.brand!r}; use one of {', '.join(config.brands)}", file=sys.stderr)
        return 2
    now = datetime.now(timezone.utc)
    day = args.day or previous_day(now, config.alerting)
    if args.send:
        secrets = {name: env_connection(ch.connection) for name, ch in config.alerting.channels.items() if ch.connection}
        with writer(config.warehouse, config.timezone.key) as conn:
            report = send_digest(conn, config.alerting, day, secrets, now, run_id=f"cli__{now.isoformat()}",
                                 run_type="manual", resend=True, brand=args.brand)
        print(json.dumps({"day": report.day, "digests": report.digests, "revisions": report.revisions,
                          "no_data": report.no_data, "released_held_alerts": report.released,
                          "enqueue": report.enqueue.to_json(), "delivery": {
                              k: v for k, v in vars(report.delivery).items() if k != "outcomes"}},
                         ensure_ascii=False))
        if report.no_data:
            print(f"brandmon digest: no data loaded for {day} for {', '.join(report.no_data)}: no digest sent",
                  file=sys.stderr)
        return 1 if report.delivery.retryable_failures or report.delivery.permanent_failures else 0
    try:
        conn = reader(config.warehouse)
    except WarehouseMissing as error:
        print(f"brandmon digest: {error}", file=sys.stderr)
        return 2
    with conn:
        digests = [d for d in build_digest(conn, config.alerting, day, until=now) if not args.brand or d.brand == args.brand]
    print("\n\n".join(to_text([compose(d, lang) for lang in config.alerting.languages]) for d in digests))
    return 0
