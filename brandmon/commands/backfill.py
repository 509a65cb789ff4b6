"""`brandmon backfill --from T --to T [--brand B]`: re-process past intervals through the scheduler.

Every interval starting in [from, to) becomes one Airflow backfill run with its own data interval
(intervals still under way are left to the live runs), so each source is asked for exactly its
window; posts are keyed and counts recomputed per bucket, so backfilling a range twice leaves the
same rows, and backfill runs store their alerts as suppressed, never paging anyone. One run at a time by default, and backfill tasks yield the
DuckDB writer to live runs (dags/airflow_local_settings.py), so the live alert is never held
back. With `make up` serving, the backfill is handed to that Airflow through its REST API (safe
while it runs); otherwise this command starts Airflow for the backfill and stops it afterwards.

A long range is handed over in parts of CHUNK_RUNS intervals, one after another: Airflow creates
all of a backfill's runs in one request, and when a busy SQLite refuses that request half-way,
Airflow 3.3 deletes the runs it had made under the running scheduler, which dies of it. A
part of a few hours is made in well under a second, so that refusal all but never happens, and
the supervisor in `brandmon run --serve` restarts a scheduler that dies all the same.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import datetime, timedelta

NAME = "backfill"
HELP = "Re-process past intervals through the scheduler; live runs first, alerts stored as suppressed"
DAG_ID = "brand_monitor"
REPROCESS = {"missing": "none", "failed": "failed", "all": "completed"}
CHUNK_RUNS = 24


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--from", dest="start", help="first interval's start, ISO 8601 with offset")
    parser.add_argument("--to", dest="end", help="end of the range (exclusive), ISO 8601 with offset")
    parser.add_argument("--brand", help="only this brand (default: every brand)")
    parser.add_argument("--reprocess", choices=sorted(REPROCESS), default="missing",
                        help="missing: only intervals without a run (default); failed: also failed ones; "
                             "all: every interval again")
    parser.add_argument("--max-active-runs", type=int, default=1,
                        help="backfill runs at once (default 1, so live runs keep their pace)")
    parser.add_argument("--no-wait", action="store_true",
                        help="with Airflow already serving: hand the whole range over in one backfill and return")
    parser.add_argument("--port", type=int, default=8080, help="API port when this command starts Airflow itself")
    parser.add_argument("--timeout", type=float, default=None, help="give up waiting after this many seconds")
    parser.add_argument("--cancel", action="store_true",
                        help="cancel the running backfill instead (finished intervals are kept)")


def run(args: argparse.Namespace) -> int:
    from brandmon import airflow_setup as af
    from brandmon.config import ConfigError, load_config
    from brandmon.windows import WindowError, parse_param_time

    os.umask(af.PRIVATE_UMASK)
    try:
        config = load_config()
        if args.cancel:
            return _in_airflow(config, args, _cancel, "Cancelling through")
        if not (args.start and args.end):
            raise WindowError("give --from and --to (or --cancel)")
        start, end = parse_param_time(args.start, "from"), parse_param_time(args.end, "to")
        if end <= start:
            raise WindowError(f"--to {args.end} is not after --from {args.start}")
        if args.brand is not None and args.brand not in config.brands:
            raise WindowError(f"unknown brand {args.brand!r}; configured: {', '.join(config.brands)}")
        if args.max_active_runs < 1:
            raise WindowError("--max-active-runs must be at least 1")
    except (ConfigError, WindowError) as error:
        print(f"brandmon backfill: {error}", file=sys.stderr)
        return 2
    conf = {"brand": args.brand} if args.brand else {}
    parts = chunks(start, end, config.schedule.interval * CHUNK_RUNS)
    return _in_airflow(config, args, lambda session, owned: _backfill(session, parts, args, conf, owned),
                       "Handing the backfill to")


def _in_airflow(config, args: argparse.Namespace, work, attached: str) -> int:
    """`work(session, owned)` with the Airflow serving this state folder (saying `attached` it), else
    with one started for it."""
    from brandmon import airflow_setup as af

    layout = af.AirflowHome(config.state_dir)
    try:
        session = af.attach(layout)
        if session is not None:
            _step(f"{attached} the Airflow serving {layout.state_dir} (port {session.api.port})")
            try:
                return work(session, False)
            finally:
                session.api.close()
        with af.airflow_session(layout, af.pick_port(args.port), dag_ids=(DAG_ID,), step=_step) as session:
            session.api.unpause(DAG_ID)
            return work(session, True)
    except af.InstanceBusy as error:
        print(f"brandmon backfill: {error}", file=sys.stderr)
        return 2
    except (af.AirflowCommandError, af.ComponentDied, TimeoutError, RuntimeError) as error:
        print(f"brandmon backfill: {error}", file=sys.stderr)
        return 1


def _cancel(session, owned: bool) -> int:
    running = [b for b in session.api.backfills(DAG_ID) if not b.get("completed_at")]
    for backfill in running:
        session.api.cancel_backfill(backfill["id"])
        _step(f"Backfill {backfill['id']} ({backfill['from_date']} .. {backfill['to_date']}) cancelled; "
              "finished intervals are kept")
    if not running:
        _step("No backfill is running")
    return 0


def chunks(start: datetime, end: datetime, size: timedelta) -> list[tuple[datetime, datetime]]:
    """[start, end) cut into consecutive parts of at most `size`, oldest first."""
    parts = []
    while start < end:
        parts.append((start, min(start + size, end)))
        start = parts[-1][1]
    return parts


def _backfill(session, parts: list[tuple[datetime, datetime]], args: argparse.Namespace, conf: dict,
              owned: bool) -> int:
    if args.no_wait and not owned:
        parts = [(parts[0][0], parts[-1][1])]
    deadline = None if args.timeout is None else time.monotonic() + args.timeout
    failed: list[str] = []
    for number, (start, end) in enumerate(parts, 1):
        label = f" (part {number} of {len(parts)})" if len(parts) > 1 else ""
        # Airflow backfills the intervals whose start lies in [from_date, to_date], both included.
        backfill = session.api.create_backfill(DAG_ID, start, end - timedelta(microseconds=1),
                                               max_active_runs=args.max_active_runs,
                                               reprocess=REPROCESS[args.reprocess], conf=conf)
        backfill_id = backfill["id"]
        _step(f"Backfill {backfill_id}{label}: {start.isoformat()} .. {end.isoformat()}"
              + (f", brand {args.brand}" if args.brand else "") + f", {args.max_active_runs} run(s) at a time")
        if args.no_wait and not owned:
            _step("Handed over; follow it in the Airflow UI (the DAG's Backfills tab)")
            return 0
        try:
            left = None if deadline is None else deadline - time.monotonic()
            states = _wait(session, backfill_id, start, end, left)
        except KeyboardInterrupt:
            if owned:
                session.api.cancel_backfill(backfill_id)
                _step(f"Backfill {backfill_id} cancelled; the same command resumes it (finished intervals are kept)")
            else:
                _step(f"Stopped watching; backfill {backfill_id} goes on in the serving Airflow"
                      + (f", the {len(parts) - number} later part(s) are not handed over" if number < len(parts)
                         else ""))
            return 130
        failed += [run_id for run_id, state in states.items() if state == "failed"]
    if failed:
        _step(f"{len(failed)} run(s) failed: {', '.join(sorted(failed)[:5])}" + (" …" if len(failed) > 5 else "")
              + "; see state/logs/tasks, then repeat with --reprocess failed")
        return 1
    return 0


def _wait(session, backfill_id: int, start: datetime, end: datetime, timeout: float | None) -> dict[str, str]:
    """Follow the backfill until Airflow marks it complete; progress on one line per change."""
    began = time.monotonic()
    last = ""
    while True:
        session.check_alive()
        runs = session.api.dag_runs(DAG_ID, run_types=("backfill",), everything=True,
                                    logical_date_gte=start.isoformat(), logical_date_lt=end.isoformat())
        states = {r["dag_run_id"]: r["state"] for r in runs}
        done = sum(1 for s in states.values() if s in ("success", "failed"))
        line = progress_line(len(states), done, sum(1 for s in states.values() if s == "failed"),
                             sum(1 for s in states.values() if s == "running"), time.monotonic() - began)
        if line != last:
            _step(f"Backfill {backfill_id}: {line}")
            last = line
        if session.api.backfill(backfill_id).get("completed_at") and done == len(states):
            return states
        if timeout is not None and time.monotonic() - began > timeout:
            raise TimeoutError(f"backfill {backfill_id} not finished after {timeout:.0f}s ({line}); "
                               "it goes on while Airflow serves")
        time.sleep(3)


def progress_line(total: int, done: int, failed: int, running: int, elapsed: float) -> str:
    """'12/97 runs done (1 failed), 1 running, about 41 min left' from counts and seconds elapsed."""
    text = f"{done}/{total} runs done" + (f" ({failed} failed)" if failed else "") + f", {running} running"
    if 0 < done < total:
        left = elapsed / done * (total - done)
        text += f", about {left / 60:.0f} min left" if left >= 60 else f", about {left:.0f} s left"
    return text


def _step(message: str) -> None:
    print(f"[brandmon] {message}", flush=True)
