"""Faults while Airflow serves (`make up`): a backfill handed over, a second run on the same state
folder, the scheduler killed. Each through the real scheduler, on this test's own state folder.

The archive ends three hours ago with its complaint burst. History up to two hours before that
end is loaded first (the detector needs days of it); `brandmon run --serve --hours 1` then serves
(its runs find no posts), and `brandmon backfill` covers the two hours with the burst.
"""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import threading
import time
from datetime import datetime, timedelta, timezone

import pytest

from brandmon import airflow_setup as af
from brandmon.config import load_config
from tests.e2e.processes import processes_under
from tests.e2e.world import BRANDMON, make_world
from warehouse.db import reader

pytestmark = pytest.mark.e2e


def load_history(env: dict[str, str], start: datetime, end: datetime) -> None:
    """Load [start, end) straight through the pipeline steps, as the DAG would in one manual run."""
    from brandmon import pipeline
    from brandmon.windows import RunWindow
    from extractors.base import Window

    config = load_config(env["BRANDMON_CONFIG"])
    window = RunWindow(Window(start, end), timedelta(0))
    staged = [pipeline.extract(config, i["brand"], i["source"], window, "history", end) for i in pipeline.plan(config)]
    pipeline.load(config, pipeline.transform(config, staged, window, "history"), window)


class Serving:
    """`brandmon run --serve` in the background, its output collected line by line."""

    def __init__(self, env: dict[str, str], port: int) -> None:
        self.proc = subprocess.Popen([BRANDMON, "run", "--serve", "--port", str(port), "--hours", "1",
                                      "--timeout", "600"], env=env, text=True, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        self.lines: queue.Queue[str] = queue.Queue()
        self.output: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.put(line)

    def wait_for(self, text: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=1)
            except queue.Empty:
                if self.proc.poll() is not None:
                    break
                continue
            self.output.append(line)
            if text in line:
                return
        raise AssertionError(f"{text!r} not seen; output:\n" + "".join(self.output)[-3000:])

    def drain(self) -> str:
        while not self.lines.empty():
            self.output.append(self.lines.get())
        return "".join(self.output)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=90)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)


@pytest.fixture(scope="module")
def serving(tmp_path_factory):
    root = tmp_path_factory.mktemp("serving")
    end = datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0) - timedelta(hours=3)
    env = make_world(root, end, 60)
    load_history(env, end - timedelta(days=7), end - timedelta(hours=2))
    port = af.pick_port(0)
    server = Serving(env, port)
    try:
        server.wait_for("Serving:", 600)
        yield root, env, end, port, server
    finally:
        server.stop()


def test_a_second_run_on_the_same_state_folder_is_refused(serving):
    root, env, _, _, server = serving
    second = subprocess.run([BRANDMON, "run", "--port", str(af.pick_port(0))], env=env, capture_output=True,
                            text=True, timeout=300)
    assert second.returncode == 2
    assert "another brandmon process" in second.stderr and str(root) in second.stderr
    assert server.proc.poll() is None


def test_a_backfill_while_serving_is_handed_over_and_stores_its_alerts_suppressed(serving):
    root, env, end, port, server = serving
    done = subprocess.run([BRANDMON, "backfill", "--from", (end - timedelta(hours=2)).isoformat(),
                           "--to", end.isoformat(), "--timeout", "600"], env=env, capture_output=True, text=True,
                          timeout=900)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "Handing the backfill to the Airflow serving" in done.stdout
    assert "2/2 runs done" in done.stdout
    assert server.proc.poll() is None

    config = load_config(env["BRANDMON_CONFIG"])
    conn = reader(config.warehouse)
    rows = conn.execute("SELECT kind, run_type, status, reason, run_id, bucket_start FROM v_alerts "
                        "WHERE audience = 'pr'").fetchall()
    conn.close()
    assert ("complaint_spike", "backfill", "suppressed", "backfill") in [r[:4] for r in rows]
    assert {r[2] for r in rows if r[1] == "backfill"} == {"suppressed"}, rows
    assert "sent" not in {r[2] for r in rows}, rows  # the serving runs found nothing new to send
    assert not (config.state_dir / "alerts" / "alerts.jsonl").exists()


def test_backfill_tasks_yield_the_writer_pool_to_live_runs(serving):
    root, *_ , port, _ = serving
    api = af.AirflowApi(port, af.AirflowHome(root / "state").passwords_file)
    try:
        weights = {}
        for run in api.dag_runs("brand_monitor", everything=True):
            tis = api.client.get(f"/dags/brand_monitor/dagRuns/{run['dag_run_id']}/taskInstances").json()
            weights[run["run_type"]] = {ti["priority_weight"] for ti in tis["task_instances"]}
    finally:
        api.close()
    assert weights["backfill"] == {0}
    assert min(weights["manual"]) >= 1


def scheduler_of(server: Serving, root, not_pid: int | None = None, timeout: float = 120) -> int:
    """The pid of the scheduler `brandmon run --serve` started (its direct child, not the scheduler's
    own forked workers), other than `not_pid`, once it is up."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for pid, cmd in processes_under(root).items():
            try:
                parent = int(open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError):
                continue
            if "airflow scheduler" in cmd and parent == server.proc.pid and pid != not_pid:
                return pid
        time.sleep(1)
    raise AssertionError("no scheduler under the serving process")


def test_a_dead_scheduler_is_started_again_and_serving_stops_naming_it_when_it_keeps_dying(serving):
    root, _, _, _, server = serving
    killed = None
    for restart in range(1, af.RESTARTS + 1):
        killed = scheduler_of(server, root, not_pid=killed)
        os.kill(killed, signal.SIGKILL)
        server.wait_for(f"({restart} of {af.RESTARTS} restarts allowed", 120)
        assert server.proc.poll() is None
    os.kill(scheduler_of(server, root, not_pid=killed), signal.SIGKILL)
    server.proc.wait(timeout=120)
    output = server.drain()
    assert server.proc.returncode == 1, output[-3000:]
    assert "scheduler (exit" in output
    assert processes_under(root) == {}
