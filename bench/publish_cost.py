"""What publishing the analysts' read-only copy costs a run: after each write task (the DAG before
issue 13) against once per run (now), on warehouses with a long history.

    nice python -m bench.publish_cost [--sizes 100000,1000000] [--new 5000] [--repeats 1]

The history: one real run (real Weibo posts from the shared data folder, led by the brand's name,
read from an archive by the real extract, scored by the real transform, stored and detected by the
real pipeline through the real migrations) grown to each size by bulk SQL (`warehouse.history`:
copies of its posts with ids and times of their own, 100k a week, bucket counts recomputed). The
run measured: `--new` other real posts in the 15 minutes after the history's end, transformed once
beforehand, then the DAG's writes in order (load, detect, deliver), each variant on its own copy
of the history with the previous run's copy published:
- each: load, detect and deliver each publish (three copies of the file);
- once: load and detect with publish=False, deliver publishes (one copy).
Figures: the bytes this process wrote (/proc/self/io write_bytes: counted when pages are dirtied,
so the page cache hides nothing) and the wall seconds of the three writes. The machine is shared:
seconds vary with its load, bytes do not.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import yaml

from bench.weibo_posts import SENTI_100K_DEV, data_dir, read_senti_100k
from brandmon import pipeline
from brandmon.config import Config, load_config
from brandmon.staging import write_jsonl
from brandmon.windows import RunWindow
from extractors.base import Window
from warehouse.history import HistoryShape, grow_file

INTERVAL = timedelta(minutes=15)
PER_WEEK = 100_000
TEMPLATE_POSTS = 2_000
BRAND = "示例咖啡"
END = datetime(2026, 11, 30, tzinfo=timezone.utc)  # the history's end; the run measured is the next interval
FIRST_MID = 5_100_000_000_000_000
VARIANTS = {"each": True, "once": False}  # variant → load and detect publish


@dataclass(frozen=True)
class Measured:
    """One run's writes: the history's size, the variant, copies made, seconds, bytes, file size."""

    history: int
    variant: str
    publishes: int
    seconds: float
    written: int
    file_bytes: int


def written_bytes() -> int:
    """Bytes this process has caused to be written to storage so far."""
    for line in Path("/proc/self/io").read_text().splitlines():
        if line.startswith("write_bytes:"):
            return int(line.split()[1])
    raise RuntimeError("/proc/self/io has no write_bytes")


def posts(texts: list[str], start: datetime, first_mid: int) -> list[dict[str, Any]]:
    """Archive rows: one Weibo post per real text, evenly over the interval from `start`."""
    step = INTERVAL / len(texts)
    return [{"id": str(first_mid + i), "platform": "weibo", "published_at": (start + step * i).isoformat(),
             "text": f"{BRAND} {text}", "author": f"用户{i % 997}", "author_followers": (i * 7919) % 20_000,
             "reposts": i % 40, "comments": i % 25, "likes": i % 300} for i, text in enumerate(texts)]


def make_config(root: Path, archive: Path) -> Config:
    """A config with the one brand reading `archive`, its state under `root`."""
    root.mkdir(parents=True, exist_ok=True)
    doc = {"storage": {"state_dir": "state"},
           "brands": {"demo_coffee": {"name": BRAND, "keywords": [BRAND], "sources": ["history"]}},
           "sources": {"history": {"kind": "archive", "path": str(archive)}}}
    (root / "brands.yaml").write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return load_config(root / "brands.yaml")


def staged_run(config: Config, end: datetime, run_id: str) -> tuple[RunWindow, dict[str, Any]]:
    """The real extract and transform of the interval ending at `end`: what load is handed."""
    window = RunWindow(Window(end - INTERVAL, end), config.schedule.lookback)
    staged = [pipeline.extract(config, i["brand"], i["source"], window, run_id, end) for i in pipeline.plan(config)]
    return window, pipeline.transform(config, staged, window, run_id)


def template(root: Path, texts: list[str]) -> Path:
    """One real run over TEMPLATE_POSTS real posts in the interval ending at END; its warehouse file."""
    archive = root / "template.jsonl"
    write_jsonl(archive, posts(texts, END - INTERVAL, FIRST_MID))
    config = make_config(root / "template", archive)
    window, transformed = staged_run(config, END, "scheduled__template")
    pipeline.load(config, transformed, window)
    pipeline.detect(config, window, pipeline.RunInfo("scheduled__template", "scheduled", END))
    return config.warehouse.path


def measure(root: Path, history: Path, size: int, variant: str, archive: Path,
            transformed: dict[str, Any], window: RunWindow) -> Measured:
    """The DAG's three writes of one run on a fresh copy of `history`, publishing as `variant` says."""
    config = make_config(root, archive)
    config.warehouse.path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(history, config.warehouse.path)
    pipeline.publish_only(config)  # the previous run's copy, which the run replaces
    run = pipeline.RunInfo(f"scheduled__{window.interval.start.isoformat()}", "scheduled", window.interval.end)
    each = VARIANTS[variant]
    before, began = written_bytes(), time.monotonic()
    pipeline.load(config, transformed, window, publish=each)
    pipeline.detect(config, window, run, finished_at=window.interval.end, publish=each)
    pipeline.deliver(config, {}, now=window.interval.end + timedelta(minutes=1))
    seconds, written = time.monotonic() - began, written_bytes() - before
    return Measured(size, variant, 3 if each else 1, seconds, written, config.warehouse.published.stat().st_size)


def report(rows: list[Measured]) -> str:
    """The table, and what a 10M-post history costs by the slope between the two largest sizes."""
    lines = ["| history (posts) | file MB | publishes per run | seconds | MB written per run |",
             "|---|---|---|---|---|"]
    lines += [f"| {r.history:,} | {r.file_bytes / 1e6:,.0f} | {r.publishes} ({r.variant}) | {r.seconds:.1f} | "
              f"{r.written / 1e6:,.0f} |" for r in rows]
    sizes = sorted({r.history for r in rows})
    if len(sizes) >= 2:
        low, high = sizes[-2], sizes[-1]
        for variant in VARIANTS:
            at = {r.history: r.written for r in rows if r.variant == variant}
            slope = (at[high] - at[low]) / (high - low)
            lines.append(f"{variant}: +{slope * 1000 / 1e6:.2f} MB written per 1,000 posts of history; "
                         f"about {(at[high] + slope * (10_000_000 - high)) / 1e9:.1f} GB per run at 10M posts")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100000,1000000", help="history sizes in posts, comma-separated")
    parser.add_argument("--new", type=int, default=5_000, help="posts the measured run loads")
    parser.add_argument("--repeats", type=int, default=1, help="runs of each variant and size (median kept)")
    args = parser.parse_args()
    texts = [text for _, text in read_senti_100k(data_dir() / SENTI_100K_DEV)]
    if len(texts) < TEMPLATE_POSTS + args.new:
        raise SystemExit(f"{len(texts)} real texts; the template and the run need {TEMPLATE_POSTS + args.new}")
    root = Path(tempfile.mkdtemp(prefix="brandmon-publish-cost-"))
    try:
        began = time.monotonic()
        warehouse = template(root, texts[:TEMPLATE_POSTS])
        archive = root / "run.jsonl"
        write_jsonl(archive, posts(texts[TEMPLATE_POSTS:TEMPLATE_POSTS + args.new], END, FIRST_MID + TEMPLATE_POSTS))
        window, transformed = staged_run(make_config(root / "staging", archive), END + INTERVAL, "scheduled__run")
        print(f"template run and the run's transform: {time.monotonic() - began:.0f} s; "
              f"{transformed['matched']:,} posts to load", flush=True)
        rows = []
        for size in (int(s) for s in args.sizes.split(",")):
            began = time.monotonic()
            history = root / f"history-{size}.duckdb"
            shutil.copyfile(warehouse, history)
            grow_file(history, HistoryShape(size, END, PER_WEEK, INTERVAL, INTERVAL))
            print(f"history of {size:,} posts grown in {time.monotonic() - began:.0f} s: "
                  f"{history.stat().st_size / 1e6:,.0f} MB", flush=True)
            for variant in VARIANTS:
                runs = sorted((measure(root / f"{variant}-{size}-{k}", history, size, variant, archive, transformed,
                                       window) for k in range(args.repeats)), key=lambda m: m.seconds)
                rows.append(runs[len(runs) // 2])
                for k in range(args.repeats):
                    shutil.rmtree(root / f"{variant}-{size}-{k}", ignore_errors=True)
                print(f"  {variant}: {rows[-1].seconds:.1f} s, {rows[-1].written / 1e6:,.0f} MB", flush=True)
            history.unlink()
        print(f"\nload average {os.getloadavg()[0]:.1f} (2 cores, shared)\n")
        print(report(rows))
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
