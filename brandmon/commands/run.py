"""`brandmon run` (`make run`): set up Airflow, run brand_monitor through the real scheduler, report.

Steps: generate the synthetic demo archive if the config uses it; write Airflow's settings and
secrets under state/; migrate the metadata DB; provision the DuckDB writer pool; start the API
server, scheduler and DAG processor in one process group; unpause our DAGs; trigger one manual
run covering the demo's week up to the last whole interval (history plus the most recent
intervals); wait for it and for the scheduler's own run of the latest interval; print the
summary; stop every Airflow process (unless --serve). Running it again adds nothing: posts are
keyed, alerts have stable ids, and deliveries already sent are not sent again.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

NAME = "run"
HELP = "Set up Airflow on embedded defaults and run brand_monitor once; --serve keeps it running"
TERMINAL = {"success", "failed"}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--serve", action="store_true", help="keep the scheduler and UI running after the run")
    parser.add_argument("--timeout", type=float, default=900, help="seconds to wait for the runs (default 900)")
    parser.add_argument("--port", type=int, default=8080, help="API server / UI port (default 8080, else a free one)")


def run(args: argparse.Namespace) -> int:
    from brandmon import airflow_setup as af
    from brandmon.config import ConfigError, load_config
    from brandmon.windows import floor_time

    try:
        config = load_config()
    except ConfigError as error:
        print(f"brandmon run: {error}", file=sys.stderr)
        return 2
    layout = af.AirflowHome(config.state_dir)
    now = datetime.now(timezone.utc)
    demo = _ensure_demo(config, now)
    port = af.pick_port(args.port)
    layout.home.mkdir(parents=True, exist_ok=True)
    layout.port_file.write_text(str(port))
    env = af.airflow_env(layout, port)
    env["PYTHONWARNINGS"] = "ignore"

    _step("Initialising Airflow (SQLite metadata, LocalExecutor) under " + str(layout.home))
    af.initialise(env)
    components = af.Components(env, layout.logs)
    _step(f"Starting the API server (port {port}), scheduler and DAG processor; logs in {layout.logs}")
    components.start()
    try:
        af.wait_for_http(f"http://127.0.0.1:{port}/api/v2/monitor/health", 180, components)
        _wait_for_dag(af, env, "brand_monitor", 180)
        for dag_id in af.OUR_DAGS:
            af.run_airflow(["dags", "unpause", dag_id], env, check=False)
        end = floor_time(now, config.schedule.interval)
        start = datetime.fromisoformat(demo["start"]) if demo else end - config.schedule.interval
        run_id = f"manual__make_run_{now:%Y%m%dT%H%M%S}"
        _step(f"Triggering brand_monitor for {start.isoformat()} .. {end.isoformat()} ({run_id})")
        af.run_airflow(["dags", "trigger", "brand_monitor", "--run-id", run_id,
                        "--conf", json.dumps({"start": start.isoformat(), "end": end.isoformat()})], env)
        states = _wait_for_runs(af, env, components, started_after=now, timeout=args.timeout)
        _print_summary(config, states, port, layout)
        failed = [r for r, s in states.items() if s != "success"]
        if args.serve:
            _step(f"Serving: UI at http://127.0.0.1:{port} (user admin, password in "
                  f"{layout.home / 'simple_auth_manager_passwords.json'}). Ctrl-C stops everything.")
            while components.alive():
                time.sleep(5)
        return 1 if failed else 0
    except KeyboardInterrupt:
        return 130
    finally:
        _step("Stopping Airflow")
        components.stop()


def _ensure_demo(config, now: datetime) -> dict | None:
    from brandmon.demo import ensure_demo

    for source in config.sources.values():
        pattern = getattr(source.settings, "pattern", "")
        if source.kind == "archive" and Path(pattern).parent.name == "demo":
            return ensure_demo(Path(pattern).parent, now)
    return None


def _wait_for_dag(af, env: dict, dag_id: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        listing = af.run_airflow(["dags", "list", "-o", "plain"], env, check=False).stdout
        if dag_id in listing:
            return
        time.sleep(3)
    errors = af.run_airflow(["dags", "list-import-errors"], env, check=False).stdout
    raise RuntimeError(f"DAG {dag_id} was not parsed within {timeout:.0f}s. Import errors:\n{errors}")


def _wait_for_runs(af, env: dict, components, started_after: datetime, timeout: float) -> dict[str, str]:
    """Wait until our manual run and the scheduler's latest-interval run have finished."""
    deadline = time.monotonic() + timeout
    last_report = ""
    while time.monotonic() < deadline:
        if len(components.alive()) < 3:
            raise RuntimeError(f"an Airflow component exited ({components.alive()} still up); see {components.logs}")
        runs = [r for r in af.dag_runs(env, "brand_monitor")
                if r.get("start_date") and datetime.fromisoformat(r["start_date"]) >= started_after
                or r.get("state") in ("queued", "running")]
        states = {r["run_id"]: r["state"] for r in runs}
        kinds = {r["run_id"].split("__", 1)[0] for r in runs}
        report = ", ".join(f"{k}: {v}" for k, v in sorted(states.items()))
        if report != last_report:
            _step(f"Runs: {report or 'waiting for the scheduler'}")
            last_report = report
        if states and all(s in TERMINAL for s in states.values()) and {"manual", "scheduled"} <= kinds:
            return states
        time.sleep(5)
    raise TimeoutError(f"brand_monitor runs did not finish within {timeout:.0f}s: {last_report}")


def _print_summary(config, states: dict[str, str], port: int, layout) -> None:
    from brandmon.summary import summarise
    from warehouse.db import reader

    print()
    print("=" * 78)
    print("brand_monitor runs: " + ", ".join(f"{k} = {v}" for k, v in sorted(states.items())))
    conn = reader(config.published_path)
    try:
        print(summarise(conn, config))
    finally:
        conn.close()
    print()
    print("Query it:    .venv/bin/brandmon sql \"SELECT * FROM v_daily ORDER BY day DESC, brand\"")
    print("             .venv/bin/brandmon sql \"SELECT * FROM v_alerts\" --format json")
    print(f"Airflow UI:  make up, then http://127.0.0.1:{port} (user admin, password in "
          f"{layout.home / 'simple_auth_manager_passwords.json'})")
    print(f"Task logs:   {layout.logs / 'tasks'}")
    print("=" * 78)


def _step(message: str) -> None:
    print(f"[brandmon] {message}", flush=True)
