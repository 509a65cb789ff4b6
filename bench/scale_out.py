"""`brandmon run` on the embedded engines against the scale-out engines, on the same synthetic week.

    python -m bench.scale_out [--modes local,celery] [--workers 2] [--concurrency 1]

For each mode, a world of its own (tests/e2e/world.py: config, archive, state folder) and one
`brandmon run --hours 170` (the manual run over the week, plus the scheduler's run of the latest
interval and the digest). `celery` needs PostgreSQL on 127.0.0.1:5432 and Redis on
127.0.0.1:6379: a database and a Redis key prefix of its own, dropped after. Prints:
- wall time of the phases from brandmon's own progress lines: start-up (migrate, start, DAGs
  parsed, workers ready), runs (trigger to summary), stop;
- the manual run's duration as Airflow recorded it, and its tasks (worker and seconds);
- peak memory of every process of the run (PSS, so pages shared after fork count once), in
  total and by component, sampled every 0.5 s; and the load average at start, since the
  machine is shared.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
from collections import defaultdict
from contextlib import nullcontext
from datetime import datetime, timezone
from pathlib import Path

from brandmon import airflow_setup as af
from tests.e2e.processes import processes_under
from tests.e2e.services import metadata, scale_out, sqlite_metadata
from tests.e2e.world import BRANDMON, make_world

KINDS = ("api-server", "scheduler", "dag-processor", "celery worker", "task-execution", "brandmon run")


def kind_of(cmdline: str) -> str:
    """Which part of the set-up a process is, from its command line."""
    for kind in KINDS:
        if kind in cmdline:
            return kind
    # LocalExecutor workers and task supervisors name themselves by setproctitle
    # ("airflow worker -- LocalExecutor", "airflow supervisor: ..."); Celery's pool keeps its parent's.
    return "executor workers and tasks" if "airflow" in cmdline or "celery" in cmdline else "other"


def rollup_mib(pid: int, field: str = "Pss") -> float:
    """A process's memory as /proc/<pid>/smaps_rollup counts it (`Pss` or `Rss`), in MiB; 0 once gone."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


class Sampler(threading.Thread):
    """Peak PSS of the processes under `root`, in total and by kind, every `period` seconds."""

    def __init__(self, root: Path, period: float = 0.5) -> None:
        super().__init__(daemon=True)
        self.root, self.period = root, period
        self.peak_total = 0.0
        self.peak_by_kind: dict[str, float] = defaultdict(float)
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            by_kind: dict[str, float] = defaultdict(float)
            for pid, cmdline in processes_under(self.root).items():
                by_kind[kind_of(cmdline)] += rollup_mib(pid)
            self.peak_total = max(self.peak_total, sum(by_kind.values()))
            for kind, mib in by_kind.items():
                self.peak_by_kind[kind] = max(self.peak_by_kind[kind], mib)
            time.sleep(self.period)


def _manual_run_tasks(state_dir: Path, database: str | None, run_id: str) -> list[tuple]:
    """(task, map index, host, start, end) of the manual run's task instances, from the mode's
    metadata database."""
    query = ("SELECT task_id, map_index, hostname, start_date, end_date FROM task_instance "
             "WHERE run_id = %s ORDER BY start_date")
    return metadata(database, query, run_id) if database else sqlite_metadata(state_dir, query, run_id)


def _moment(value) -> datetime:
    """A timestamp as SQLite (text) or PostgreSQL (datetime) returns it."""
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def _seconds(start, end) -> float:
    return (_moment(end) - _moment(start)).total_seconds()


def run_mode(mode: str, workers: int, concurrency: int) -> None:
    root = Path(tempfile.mkdtemp(prefix=f"brandmon-scale-{mode}-"))
    try:
        _measure(root, mode, workers, concurrency)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _measure(root: Path, mode: str, workers: int, concurrency: int) -> None:
    end = datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0)
    env = make_world(root, end, 15)
    engines = (scale_out(root / "config" / "brands.yaml", env, workers, concurrency, label="bench")
               if mode == "celery" else nullcontext(None))
    with engines as database:
        load = os.getloadavg()[0]
        sampler = Sampler(root)
        sampler.start()
        marks: dict[str, float] = {}
        lines: list[str] = []
        began = time.monotonic()
        try:
            proc = subprocess.Popen([BRANDMON, "run", "--port", str(af.pick_port(0)), "--timeout", "900",
                                     "--hours", "170"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                    text=True)
            for line in proc.stdout:
                lines.append(line)
                for mark, text in (("trigger", "Triggering"), ("summary", "brand_monitor runs:")):
                    if text in line and mark not in marks:
                        marks[mark] = time.monotonic() - began
            code = proc.wait()
            total = time.monotonic() - began
        finally:
            sampler.done.set()
            sampler.join()
        output = "".join(lines)
        match = re.search(r"manual__make_run_\d{8}T\d{6}", output)
        print(f"\n== {mode}" + (f": {workers} workers x concurrency {concurrency}" if mode == "celery" else "")
              + f" (load average at start {load:.1f} on {os.cpu_count()} cores)")
        if code != 0 or not match:
            print(f"brandmon run failed (exit {code}):\n{output[-3000:]}")
            return
        print(f"wall: {total:.0f} s = start-up {marks['trigger']:.0f} s + runs {marks['summary'] - marks['trigger']:.0f} s"
              f" + summary and stop {total - marks['summary']:.0f} s")
        tasks = _manual_run_tasks(Path(env["BRANDMON_STATE_DIR"]), database, match.group(0))
        first, last = min(_moment(t[3]) for t in tasks), max(_moment(t[4]) for t in tasks)
        print(f"manual run (week of {sum(1 for _ in open(root / 'data' / 'posts.jsonl'))} posts): "
              f"{(last - first).total_seconds():.0f} s from its first task's start to its last task's end")
        for task, index, host, start, stop in tasks:
            name = f"{task}[{index}]" if index is not None and index >= 0 else task
            print(f"  {name:14} {_seconds(start, stop):6.1f} s  on {host}")
        print(f"peak memory (PSS) of all its processes: {sampler.peak_total:.0f} MiB; by component (peaks): "
              + ", ".join(f"{k} {v:.0f}" for k, v in sorted(sampler.peak_by_kind.items(), key=lambda kv: -kv[1])))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--modes", default="local,celery")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=1)
    args = parser.parse_args()
    for mode in args.modes.split(","):
        run_mode(mode, args.workers, args.concurrency)


if __name__ == "__main__":
    main()
