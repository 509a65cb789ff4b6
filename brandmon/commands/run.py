"""`brandmon run` (`make run`): set up Airflow, run brand_monitor through the real scheduler, report.

Steps: generate the synthetic demo archive if the config uses it; write Airflow's settings and
secrets under state/; migrate the metadata DB; provision the DuckDB writer pool; start the API
server, scheduler and DAG processor in one process group (with `airflow: {executor: celery}`:
metadata in PostgreSQL, and the Celery workers too, each in a group of its own, waited for until
ready, stopped first); trigger one manual run covering the
demo's week (or the last --hours, default 3) up to the last whole interval; unpause our DAGs;
wait for that run and for the scheduler's own run of the latest interval; print the
summary; stop every Airflow process (unless --serve; then it serves until Ctrl-C, and exits
non-zero naming the component and its log if the scheduler, API server or DAG processor dies).
One `brandmon run` per state folder: a second is refused. Running it again adds nothing: posts
are keyed, alerts have stable ids, and deliveries already sent are not sent again.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from brandmon.airflow_setup import AirflowHome
    from brandmon.config import Config

NAME = "run"
HELP = "Set up Airflow (embedded, or scaled out per the config) and run brand_monitor once; --serve keeps it running"
TERMINAL = {"success", "failed"}
LIVE_RUN_TYPES = ("manual", "scheduled")
DEFAULT_HOURS = 3


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--serve", action="store_true", help="keep the scheduler and UI running after the run")
    parser.add_argument("--timeout", type=float, default=900, help="seconds to wait for the runs (default 900)")
    parser.add_argument("--port", type=int, default=8080, help="API server / UI port (default 8080, else a free one)")
    parser.add_argument("--hours", type=float, default=None,
                        help="how far back the run reaches (default: the demo archive's span, else 3 hours)")


def run(args: argparse.Namespace) -> int:
    from brandmon import airflow_setup as af
    from brandmon.config import ConfigError, load_config
    from brandmon.detection import detector_config, severe_complaint_rule
    from brandmon.windows import floor_time

    os.umask(af.PRIVATE_UMASK)
    try:
        config = load_config()
        detector_config(config)  # a bad `detection:` override fails here, not in the first run
        severe_complaint_rule(config)
    except (ConfigError, ValueError) as error:
        print(f"brandmon run: {error}", file=sys.stderr)
        return 2
    layout = af.AirflowHome(config.state_dir)
    now = datetime.now(timezone.utc)
    demo = _ensure_demo(config, now)
    port = af.pick_port(args.port)
    try:
        with af.airflow_session(layout, port, step=_step) as session:
            end = floor_time(now, config.schedule.interval)
            if args.hours is not None:
                start = end - timedelta(hours=args.hours)
            else:
                start = datetime.fromisoformat(demo["start"]) if demo else end - timedelta(hours=DEFAULT_HOURS)
            run_id = f"manual__make_run_{now:%Y%m%dT%H%M%S}"
            _step(f"Triggering brand_monitor for {start.isoformat()} .. {end.isoformat()} ({run_id})")
            session.api.trigger("brand_monitor", run_id, {"start": start.isoformat(), "end": end.isoformat()})
            for dag_id in af.OUR_DAGS:
                session.api.unpause(dag_id)
            states = _wait_for_runs(session, run_id, timeout=args.timeout)
            _print_summary(config, states, port, layout, serving=args.serve)
            if args.serve:
                _step(f"Serving: UI at http://127.0.0.1:{port} (user admin, password in {layout.passwords_file}). "
                      "Ctrl-C stops everything.")
                while True:
                    session.check_alive()
                    time.sleep(5)
            return 0 if all(state == "success" for state in states.values()) else 1
    except KeyboardInterrupt:
        return 130
    except af.InstanceBusy as error:
        print(f"brandmon run: {error}", file=sys.stderr)
        return 2
    except (af.ComponentDied, TimeoutError, RuntimeError) as error:
        print(f"brandmon run: {error}", file=sys.stderr)
        return 1


def _ensure_demo(config: Config, now: datetime) -> dict | None:
    from brandmon.demo import ensure_demo
    from extractors.options import FileSettings

    for source in config.sources.values():
        if source.kind == "archive" and isinstance(source.settings, FileSettings):
            folder = Path(source.settings.path).parent
            if folder.name == "demo":
                return ensure_demo(folder, now)
    return None


def _wait_for_runs(session, run_id: str, timeout: float) -> dict[str, str]:
    """Wait until our manual run and the scheduler's live runs have finished; their final states.

    Unpausing lets the scheduler create the run of the latest interval too; with one active run
    at a time it runs before or after ours, and we wait for it as well. Backfill runs (another
    operator's `brandmon backfill`) are not ours to wait for.
    """
    deadline = time.monotonic() + timeout
    last_report = ""
    while time.monotonic() < deadline:
        session.check_alive()
        runs = session.api.dag_runs("brand_monitor", run_types=LIVE_RUN_TYPES)
        ours = next((r for r in runs if r["dag_run_id"] == run_id), None)
        active = {r["dag_run_id"]: r["state"] for r in runs if r["state"] in ("queued", "running")}
        report = ", ".join(f"{k}: {v}" for k, v in sorted(active.items())) or "idle"
        if report != last_report:
            _step(f"Runs: {report}")
            last_report = report
        if ours and ours["state"] in TERMINAL and not active:
            started = ours.get("start_date") or ""
            return {r["dag_run_id"]: r["state"] for r in runs
                    if r["dag_run_id"] == run_id or (r.get("end_date") or "") >= started}
        time.sleep(3)
    raise TimeoutError(f"brand_monitor runs did not finish within {timeout:.0f}s (still {last_report}); "
                       "see the task logs under state/logs/tasks, or raise --timeout")


def _print_summary(config: Config, states: dict[str, str], port: int, layout: AirflowHome, serving: bool) -> None:
    from brandmon.summary import summarise
    from warehouse.db import reader

    print()
    print("=" * 78)
    print("brand_monitor runs: " + ", ".join(f"{k} = {v}" for k, v in sorted(states.items())))
    conn = reader(config.warehouse)
    try:
        print(summarise(conn, config))
    finally:
        conn.close()
    print()
    print("Query it:    .venv/bin/brandmon sql \"SELECT * FROM v_daily ORDER BY day DESC, brand\"")
    print("             .venv/bin/brandmon sql \"SELECT * FROM v_alerts\" --format json")
    where = f"http://127.0.0.1:{port}" if serving else "make up, then http://127.0.0.1:8080"
    print(f"Airflow UI:  {where} (user admin, password in {layout.passwords_file})")
    print(f"Task logs:   {layout.logs / 'tasks'}")
    print("=" * 78)


def _step(message: str) -> None:
    print(f"[brandmon] {message}", flush=True)
