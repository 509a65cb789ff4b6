"""How late is the live alert while a week-long backfill runs? (issue 12's "done when")

A world of its own under a temporary folder: the synthetic archive whose complaint burst starts
exactly at the next-but-one 15-minute boundary T, the week before T loaded straight through the
pipeline steps, then `brandmon run --serve` (15-minute schedule) and, handed to it,
`brandmon backfill` over the whole week (about 670 runs, one at a time). The burst grows from T
on; the figure is how long after the end of the live interval that first raised its alert the
alert was delivered, with how far the backfill had got by then.

    python -m bench.backfill_while_serving
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from brandmon import airflow_setup as af
from brandmon.config import load_config
from brandmon.demo import BURST
from tests.e2e.world import BRANDMON, make_world
from tests.faults.test_serving import load_history
from warehouse.db import reader
from warehouse.reports import SentDelivery, sent_pr_deliveries

INTERVAL = timedelta(minutes=15)
SETUP = timedelta(minutes=8)  # loading the week and starting Airflow take this long at most here


def next_boundary(moment: datetime) -> datetime:
    """The first 15-minute boundary at least SETUP after `moment`."""
    later = moment + SETUP
    seconds = INTERVAL.total_seconds()
    return datetime.fromtimestamp(-(-later.timestamp() // seconds) * seconds, tz=timezone.utc)


def wait_for_line(log: Path, text: str, proc: subprocess.Popen, timeout: float) -> None:
    """Block until `text` appears in the log a background process writes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if text in log.read_text(errors="replace"):
            return
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args[1]} exited {proc.returncode}:\n{log.read_text()[-3000:]}")
        time.sleep(2)
    raise TimeoutError(f"{text!r} not in {log} after {timeout:.0f}s")


def backfill_progress(env: dict[str, str], port: int) -> dict[str, int]:
    """Backfill runs by state, from the serving Airflow."""
    state_dir = Path(env["BRANDMON_STATE_DIR"])
    api = af.AirflowApi(port, af.AirflowHome(state_dir).passwords_file)
    try:
        counts: dict[str, int] = {}
        for run in api.dag_runs("brand_monitor", everything=True):
            if run["run_type"] == "backfill":
                counts[run["state"]] = counts.get(run["state"], 0) + 1
        return counts
    finally:
        api.close()


def live_deliveries(env: dict[str, str], since: datetime) -> list[SentDelivery]:
    """The live runs' PR alerts sent for buckets from `since` on, from the published copy."""
    conn = reader(load_config(env["BRANDMON_CONFIG"]).warehouse)
    try:
        return [row for row in sent_pr_deliveries(conn, since) if row.run_type != "backfill"]
    finally:
        conn.close()


def measure(root: Path, patience: timedelta) -> None:
    start = datetime.now(timezone.utc)
    boundary = next_boundary(start)
    env = make_world(root, boundary + BURST, 15)
    print(f"burst starts {boundary.isoformat()}")
    load_history(env, boundary - timedelta(days=7) + BURST, boundary)
    print(f"week loaded in {(datetime.now(timezone.utc) - start).total_seconds():.0f}s")

    port = af.pick_port(0)
    serve_log, backfill_log = root / "serve.log", root / "backfill.log"
    serving = subprocess.Popen([BRANDMON, "run", "--serve", "--port", str(port), "--hours", "0.5"], env=env,
                               stdout=serve_log.open("w"), stderr=subprocess.STDOUT, start_new_session=True)
    backfill = None
    try:
        wait_for_line(serve_log, "Serving:", serving, 900)
        backfill = subprocess.Popen([BRANDMON, "backfill", "--from", (boundary - timedelta(days=7)).isoformat(),
                                     "--to", (boundary - timedelta(hours=1)).isoformat()], env=env,
                                    stdout=backfill_log.open("w"), stderr=subprocess.STDOUT, start_new_session=True)
        wait_for_line(backfill_log, "Handing the backfill to", backfill, 300)
        print(f"serving and backfilling at {datetime.now(timezone.utc):%H:%M:%S} UTC; waiting for the live alert")
        deadline = boundary + patience
        sent = []
        while datetime.now(timezone.utc) < deadline and not sent:
            time.sleep(10)
            if serving.poll() is not None:
                raise RuntimeError(f"serving exited {serving.returncode}:\n{serve_log.read_text()[-3000:]}")
            sent = live_deliveries(env, boundary)
        progress = backfill_progress(env, port)
        print(f"backfill runs by state when measured: {progress}")
        if not sent:
            print(f"NO live alert delivered within {patience} of the burst's start {boundary.isoformat()}")
            return
        first = sent[0]
        late = first.sent_at - first.bucket_end
        print(f"live alert {first.kind} ({first.run_type}, {first.channel}) for the interval ending "
              f"{first.bucket_end:%H:%M} UTC delivered {late.total_seconds():.0f}s after it ended "
              f"({first.sent_at:%H:%M:%S}); target: within 300s")
    finally:
        for proc in (backfill, serving):
            if proc is not None and proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
                try:
                    proc.wait(timeout=120)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, help="world folder (default: a new temporary one)")
    parser.add_argument("--patience-minutes", type=float, default=60, help="how long after T to wait for the alert")
    args = parser.parse_args()
    root = args.root or Path(tempfile.mkdtemp(prefix="backfill-while-serving-"))
    root.mkdir(parents=True, exist_ok=True)
    print(f"world: {root}")
    measure(root, timedelta(minutes=args.patience_minutes))


if __name__ == "__main__":
    main()
