"""One 15-minute interval through every step of brand_monitor, in DAG order, on a copy of a history.

Each step is the real pipeline function (brandmon.pipeline, brandmon.spread.fetch) in a process of
its own, as Airflow runs tasks: extract as two processes side by side (the DAG's
`max_active_tis_per_dagrun=2`), each fetching its half of the brand × source pairs from the
loopback m.weibo.cn (bench.scale_world), then transform, load, spread, detect and deliver (to the
loopback webhook). Per step: seconds inside the function, CPU seconds of its processes (start-up
included; on a shared machine they vary less than seconds do), bytes the step's processes wrote
(/proc/self/io `write_bytes`, children included), and the peak RSS and PSS of all its processes
(sampled every 0.2 s from /proc/<pid>/smaps_rollup; a scoring pool's workers count).

    python -m bench.scale_interval STEP INPUT.json OUTPUT.json      (what the bench starts per step)
"""

from __future__ import annotations

import cProfile
import io
import json
import os
import pstats
import resource
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench.scale_out import rollup_mib
from bench.scale_world import INTERVAL, LoopbackWeibo, Payloads, channel_secrets, make_posts, write_config
from tests.e2e.processes import processes_under
from warehouse.lake import relocate
from warehouse.storage import LakeStorage, Storage

if TYPE_CHECKING:  # the steps' processes need not import the history's builder
    from bench.scale_history import Lake

STEPS = ("extract", "transform", "load", "spread", "detect", "deliver")
INTERVAL_FIRST_MID = 5_100_000_000_000_000
EXTRACT_PROCESSES = 2
PROFILE_ENV = "BENCH_SCALE_PROFILE"  # set to N: each step reports its N costliest calls (cProfile, main process)


@dataclass
class StepFigures:
    """What one step cost."""

    step: str
    seconds: float = 0.0
    process_seconds: float = 0.0
    cpu_seconds: float = 0.0
    write_bytes: int = 0
    peak_rss_mib: float = 0.0
    peak_pss_mib: float = 0.0
    result: Any = None
    profiles: list[str] = field(default_factory=list)


@dataclass
class IntervalFigures:
    """What one interval cost, step by step; `load_average` is the 1-minute load when it started."""

    posts: int
    load_average: float
    steps: list[StepFigures] = field(default_factory=list)
    hooks: int = 0

    @property
    def seconds(self) -> float:
        return sum(s.seconds for s in self.steps)

    @property
    def cpu_seconds(self) -> float:
        return sum(s.cpu_seconds for s in self.steps)

    @property
    def write_bytes(self) -> int:
        return sum(s.write_bytes for s in self.steps)

    @property
    def peak_pss_mib(self) -> float:
        return max((s.peak_pss_mib for s in self.steps), default=0.0)

    @property
    def peak_rss_mib(self) -> float:
        return max((s.peak_rss_mib for s in self.steps), default=0.0)

    def step(self, name: str) -> StepFigures:
        return next(s for s in self.steps if s.step == name)


class Sampler(threading.Thread):
    """Peak summed RSS and PSS of the processes under `root`, every `period` seconds."""

    def __init__(self, root: Path, period: float = 0.2) -> None:
        super().__init__(daemon=True)
        self.root, self.period = root, period
        self.peak_rss = self.peak_pss = 0.0
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(self.period):
            pids = processes_under(self.root)
            self.peak_rss = max(self.peak_rss, sum(rollup_mib(pid, "Rss") for pid in pids))
            self.peak_pss = max(self.peak_pss, sum(rollup_mib(pid, "Pss") for pid in pids))

    def stop(self) -> tuple[float, float]:
        self.done.set()
        self.join()
        return self.peak_rss, self.peak_pss


@dataclass
class World:
    """One interval's folder: config, state (a copy of the history) and the loopback server (stop it
    with `close`)."""

    root: Path
    config: Path
    weibo: LoopbackWeibo
    start: datetime

    @property
    def end(self) -> datetime:
        return self.start + INTERVAL

    @property
    def env(self) -> dict[str, str]:
        return dict(os.environ, BRANDMON_CONFIG=str(self.config), BRANDMON_STATE_DIR=str(self.root / "state"))

    @property
    def storage(self) -> Storage:
        """The world's warehouse, as its config sets it."""
        from brandmon.config import load_config

        return load_config(self.config).warehouse

    def close(self) -> None:
        self.weibo.stop()

    def child(self, step: str, args: dict[str, Any]) -> subprocess.Popen:
        """Start `step` in a process of its own; its answer lands in <root>/<step>.<pid>.out.json."""
        payload = {"start": self.start.isoformat(), "end": self.end.isoformat(), "weibo": self.weibo.url, **args}
        inbox = self.root / f"{step}.{time.monotonic_ns()}.in.json"
        inbox.write_text(json.dumps(payload, ensure_ascii=False, default=str), encoding="utf-8")
        return subprocess.Popen([sys.executable, "-m", "bench.scale_interval", step, str(inbox),
                                 str(inbox.with_suffix("").with_suffix(".out.json"))], env=self.env)


def place_history(history: Path, state_dir: Path) -> None:
    """The history as the world's warehouse: a copy to write, and a hard link as its published copy
    (the writer replaces the published file by renaming over it, never writes into it)."""
    warehouse = state_dir / "warehouse"
    warehouse.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(history, warehouse / "brandmon.duckdb")
    os.link(history, warehouse / "brandmon_read.duckdb")


def place_lake(lake: Lake, storage: LakeStorage) -> None:
    """The history's lake as the world's: the catalog copied, the data files hard-linked (a lake
    never writes into a data file: it adds files and deletes them), the data folder recorded."""
    assert storage.sqlite_file is not None
    storage.sqlite_file.parent.mkdir(parents=True, exist_ok=True)
    for catalog_file in lake.catalog.parent.glob(lake.catalog.name + "*"):
        shutil.copyfile(catalog_file, storage.sqlite_file.with_name(catalog_file.name))
    shutil.copytree(lake.data, storage.data_path, copy_function=os.link)
    relocate(storage)


def open_world(root: Path, history: Path | Lake, posts: int, brands: int, page_size: int, start: datetime,
               payloads: Payloads, texts: list[str]) -> World:
    """A world with the history in place (a file, or a lake: the config's warehouse is then a lake)
    and `posts` new posts of [start, start + INTERVAL) served."""
    from bench.scale_history import Lake

    served = make_posts(posts, start, start + INTERVAL, brands, texts, INTERVAL_FIRST_MID, seed=posts)
    weibo = LoopbackWeibo(served, brands, page_size, payloads).start()
    config = write_config(root, brands, weibo.url, page_size, "lake" if isinstance(history, Lake) else "file")
    world = World(root, config, weibo, start)
    if isinstance(history, Lake):
        storage = world.storage
        assert isinstance(storage, LakeStorage)
        place_lake(history, storage)
    else:
        place_history(history, root / "state")
    return world


def run_interval(world: World, posts: int, on_step: Callable[[str], None] | None = None) -> IntervalFigures:
    """Every step of one interval in DAG order; `on_step` is told each step's name as it starts."""
    from brandmon import pipeline
    from brandmon.config import load_config

    figures = IntervalFigures(posts, os.getloadavg()[0])
    items = pipeline.plan(load_config(world.config))
    halves = [items[i::EXTRACT_PROCESSES] for i in range(EXTRACT_PROCESSES)]
    carried: dict[str, Any] = {}
    for step in STEPS:
        if on_step:
            on_step(step)
        batches = [{"items": half} for half in halves] if step == "extract" else [carried]
        figures.steps.append(_measure(world, step, batches))
        results = figures.step(step).result
        if step == "extract":
            carried = {"staged": [staged for part in results for staged in part]}
        elif step == "transform":  # what the next task takes by XCom
            carried = {"transformed": results[0]}
        elif step == "load":  # as the DAG's load hands the spread task its targets
            carried = {"spread_targets": results[0]["spread_targets"]}
        elif step == "spread":
            carried = {"spread": results[0]}
        else:
            carried = {}
    figures.hooks = len(world.weibo.hooks)
    return figures


def _measure(world: World, step: str, batches: list[dict[str, Any]]) -> StepFigures:
    sampler = Sampler(world.root)
    sampler.start()
    began = time.monotonic()
    procs = [world.child(step, batch) for batch in batches]
    codes = [proc.wait() for proc in procs]
    wall = time.monotonic() - began
    rss, pss = sampler.stop()
    if any(codes):
        raise RuntimeError(f"step {step} failed (exit codes {codes})")
    answers = [json.loads(Path(proc.args[-1]).read_text(encoding="utf-8")) for proc in procs]
    return StepFigures(step, seconds=max(a["seconds"] for a in answers), process_seconds=wall,
                       cpu_seconds=sum(a["cpu_seconds"] for a in answers),
                       write_bytes=sum(a["write_bytes"] for a in answers), peak_rss_mib=rss, peak_pss_mib=pss,
                       result=[a["result"] for a in answers], profiles=[a["profile"] for a in answers if a["profile"]])


# --- in the step's own process -------------------------------------------------------------------

def cpu_seconds() -> float:
    """User and system CPU seconds of this process and the children it waited for (a scoring pool)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def step_main(step: str, inbox: Path, outbox: Path) -> None:
    """Run one step as its Airflow task would (its window and run from the payload); write the
    result, the seconds the pipeline function took and the bytes written (its children's included)."""
    from bench.publish_cost import written_bytes
    from brandmon import pipeline
    from brandmon.config import load_config
    from brandmon.spread import fetch
    from brandmon.windows import RunWindow
    from extractors.base import Window

    payload = json.loads(inbox.read_text(encoding="utf-8"))
    config = load_config()
    start, end = datetime.fromisoformat(payload["start"]), datetime.fromisoformat(payload["end"])
    window = RunWindow(Window(start, end), config.schedule.lookback)
    run = pipeline.RunInfo(f"scheduled__{start.isoformat()}", "scheduled", end)
    after = end + timedelta(minutes=1)
    calls: dict[str, Callable[[], Any]] = {
        "extract": lambda: [pipeline.extract(config, i["brand"], i["source"], window, run.run_id, after)
                            for i in payload["items"]],
        "transform": lambda: pipeline.transform(config, payload["staged"], window, run.run_id),
        "load": lambda: pipeline.load(config, payload["transformed"], window, publish=False),
        "spread": lambda: fetch(config, payload["spread_targets"], window, run, fetched_at=after),
        "detect": lambda: pipeline.detect(config, window, run, finished_at=after, spread=payload["spread"],
                                          publish=False),
        "deliver": lambda: pipeline.deliver(config, channel_secrets(payload["weibo"]), now=after),
        "load-loop": lambda: _load_until(config, payload, window, Path(payload["stop"])),
    }
    top = int(os.environ.get(PROFILE_ENV) or 0)
    profiler = cProfile.Profile() if top else None
    began = time.perf_counter()
    if profiler:
        profiler.enable()
    result = calls[step]()
    if profiler:
        profiler.disable()
    seconds = time.perf_counter() - began
    profile = io.StringIO()
    if profiler:
        pstats.Stats(profiler, stream=profile).sort_stats("cumulative").print_stats(top)
    outbox.write_text(json.dumps({"result": result, "seconds": seconds, "write_bytes": written_bytes(),
                                  "cpu_seconds": cpu_seconds(),
                                  "profile": profile.getvalue()}, ensure_ascii=False, default=str), encoding="utf-8")


def _load_until(config: Any, payload: dict[str, Any], window: Any, stop: Path) -> dict[str, Any]:
    """Load the same staged run again and again (each a whole load: transaction, checkpoint,
    publish) until `stop` exists: the writer busy while analysts query. Touches `started` as
    each load begins."""
    from brandmon import pipeline

    loads, seconds = 0, []
    while not stop.exists():
        Path(payload["started"]).touch()
        began = time.perf_counter()
        pipeline.load(config, payload["transformed"], window)
        seconds.append(time.perf_counter() - began)
        loads += 1
    return {"loads": loads, "seconds": seconds}


if __name__ == "__main__":
    step_main(sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]))
