"""What the detect step costs for one interval of new posts, against histories of two sizes (issue 13).

    nice python -m bench.detect_cost [--history 100000 1000000] [--new 5000] [--work DIR] [--rebuild]

A warehouse of its own per history size, under `--work`, kept there with the scored posts: a run
reuses the history a former run built (with this code or another: the writer migrates it; the
first open is timed as `open`) and measures on a copy of it, so before and after read the same
history; `--rebuild` builds it again. Real Weibo posts (the shared data's two sets, each
prefixed with the brand's name) are scored once the way the transform step scores them
(`transforms.scoring`, the brand and its products in the dictionary). The history is copies of
them spread evenly over the 8 days before the measured interval, loaded through the real
migrations and `warehouse.load.load_staged` in chunks of 6 hours. The measured interval (15
minutes, 30 minutes of look-back) holds `--new` posts: copies of the negative ones (a negative spike,
explained against the week like every alert) and 60 posts of a story nobody told before (a topic
alert), then it is loaded and detected as a scheduled run does.

Printed per history size: the first open of the copy, the load of the interval, then each detection pass (hot topics, spikes,
severe complaints, source problems; the alerts they explain) and their sum, with the alerts found:
wall-clock seconds and, after a slash, the CPU seconds of the process (all its threads; steadier
than the wall clock on a busy machine). Run it from the checkout to measure (``git stash`` or an
exported tree for before).
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import yaml

from alerts.model import Alert
from bench.topic_stories import BRAND, PRODUCTS, STORIES
from bench.weibo_posts import SENTI_100K_DEV, WEIBO_2018, data_dir, read_senti_100k, read_weibo2018
from brandmon.config import Config, load_config
from brandmon.detection import find_severe_complaints, find_source_alerts, find_spike_alerts, find_topics
from brandmon.staging import write_jsonl
from brandmon.windows import RunWindow, buckets
from extractors.base import Window
from extractors.record import Post
from transforms.lexicon import Lexicon
from transforms.terms import without_brand, without_brand_names
from warehouse.db import transaction, writer
from warehouse.load import BrandRow, StagedFiles, load_staged

BRAND_ID = "demo_coffee"
END = datetime(2026, 11, 20, 4, 0, tzinfo=timezone.utc)  # the measured interval ends at noon in Shanghai
INTERVAL = timedelta(minutes=15)
LOOKBACK = timedelta(minutes=30)
HISTORY_SPAN = timedelta(days=8)  # the spike detector's look-back and the week of baselines
CHUNK = timedelta(hours=6)
STORY_POSTS = 60
PASSES = {"topics": find_topics, "spikes": find_spike_alerts, "severe": find_severe_complaints,
          "sources": find_source_alerts}  # what the detect step runs, in its order


def posts_texts() -> list[str]:
    """The shared data's Weibo posts, each naming the brand (they are about it in this world)."""
    folder = data_dir()
    texts = [text for _, text in read_senti_100k(folder / SENTI_100K_DEV)]
    texts += [text for _, text in read_weibo2018(folder / WEIBO_2018)]
    return [f"{BRAND}：{text}" for text in texts]


def story_texts() -> list[str]:
    """A story no post of the history tells (its ten hand-written posts)."""
    return [post.replace("/", "") for post in STORIES["camera"]]


def scored_templates(work: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Staged post rows (as the transform step writes them) of the everyday posts and of the story,
    scored once and cached in `work`."""
    cache = work / "scored.json"
    if cache.exists():
        cached = json.loads(cache.read_text(encoding="utf-8"))
        return cached["everyday"], cached["story"]
    from brandmon.post_rows import post_row
    from transforms.scoring import score_texts

    everyday, story = posts_texts(), story_texts()
    started = time.perf_counter()
    scores = score_texts(everyday + story, lexicon=Lexicon((BRAND, *PRODUCTS)))
    print(f"scored {len(scores):,} posts in {time.perf_counter() - started:.0f}s")
    rows = []
    for n, (text, score) in enumerate(zip(everyday + story, scores)):
        post = Post(platform="weibo", native_id=f"t{n}", source="weibo_search", text=text, published_at=END,
                    url=f"https://weibo.com/1/t{n}", author=f"用户{n % 997}", reposts=n % 7, comments=n % 5,
                    likes=n % 11, author_followers=(n * 37) % 20_000)
        rows.append(post_row(post, score, without_brand(list(score.keywords), score.clean_text, [BRAND]),
                             without_brand_names(score.terms, [BRAND])))
    cache.write_text(json.dumps({"everyday": rows[:len(everyday)], "story": rows[len(everyday):]},
                                ensure_ascii=False, default=str), encoding="utf-8")
    return rows[:len(everyday)], rows[len(everyday):]


def copies(templates: list[dict[str, Any]], count: int, start: datetime, span: timedelta, prefix: str,
           rng: random.Random) -> Iterator[dict[str, Any]]:
    """`count` copies of the template rows, published evenly over [start, start + span), each its own post."""
    step = span / count
    for n in range(count):
        row = dict(rng.choice(templates))
        at = start + step * n
        row.update(native_id=f"{prefix}{n}", url=f"https://weibo.com/1/{prefix}{n}", published_at=at.isoformat())
        yield row


def stage(folder: Path, posts: list[dict[str, Any]]) -> StagedFiles:
    """One run's staged files: the posts, their mentions of the brand, no source runs or quarantine."""
    files = StagedFiles(*(folder / f"{name}.jsonl" for name in ("posts", "mentions", "source_runs", "quarantine")))
    write_jsonl(files.posts, posts)
    write_jsonl(files.mentions, ({"platform": p["platform"], "native_id": p["native_id"], "brand": BRAND_ID,
                                  "published_at": p["published_at"], "matched_terms": [BRAND]} for p in posts))
    write_jsonl(files.source_runs, [])
    write_jsonl(files.quarantine, [])
    return files


def world_config(root: Path) -> Config:
    """A one-brand config whose warehouse lives under `root`."""
    (root / "brands.yaml").write_text(yaml.safe_dump({
        "timezone": "Asia/Shanghai", "storage": {"state_dir": "state"},
        "schedule": {"interval_minutes": 15, "lookback_minutes": 30, "bucket_minutes": 15},
        "brands": {BRAND_ID: {"name": BRAND, "keywords": [BRAND], "products": list(PRODUCTS),
                              "sources": ["weibo_search"]}},
        "sources": {"weibo_search": {"kind": "weibo_search"}},
    }, allow_unicode=True), encoding="utf-8")
    return load_config(root / "brands.yaml")


def build_history(config: Config, templates: list[dict[str, Any]], size: int, rng: random.Random,
                  scratch: Path) -> float:
    """Load `size` posts spread over HISTORY_SPAN before the interval, chunk by chunk; the seconds it took."""
    brands = [BrandRow(b.id, b.name, b.terms, b.competitors) for b in config.brands.values()]
    bucket = config.schedule.bucket
    start = END - INTERVAL - HISTORY_SPAN
    chunks = int(HISTORY_SPAN / CHUNK)
    per_chunk = size // chunks
    started = time.perf_counter()
    with writer(config.warehouse, config.timezone.key) as conn:
        for n in range(chunks):
            chunk_start = start + CHUNK * n
            folder = scratch / f"history{n}"
            files = stage(folder, list(copies(templates, per_chunk, chunk_start, CHUNK, f"h{n}_", rng)))
            load_staged(conn, files, brands, buckets(Window(chunk_start, chunk_start + CHUNK), bucket), bucket)
            shutil.rmtree(folder)
    return time.perf_counter() - started


class Clock:
    """Wall-clock and process CPU seconds of each timed part."""

    def __init__(self) -> None:
        self.parts: dict[str, tuple[float, float]] = {}

    @contextmanager
    def part(self, name: str) -> Iterator[None]:
        wall, cpu = time.perf_counter(), time.process_time()
        yield
        self.parts[name] = (time.perf_counter() - wall, time.process_time() - cpu)

    def show(self, name: str) -> str:
        wall, cpu = self.parts[name]
        return f"{wall:.2f}/{cpu:.2f}s"


def measure(config: Config, everyday: list[dict[str, Any]], story: list[dict[str, Any]], new: int,
            rng: random.Random, scratch: Path) -> tuple[Clock, dict[str, list[Alert]]]:
    """Load the interval's posts and run each detection pass as the detect step does; the time of
    each part and the alerts each pass found."""
    window = RunWindow(Window(END - INTERVAL, END), LOOKBACK)
    negative = [row for row in everyday if row["label"] == "neg"]
    posts = list(copies(negative, new - STORY_POSTS, window.interval.start, INTERVAL, "n", rng))
    posts += list(copies(story, STORY_POSTS, window.interval.start, INTERVAL, "s", rng))
    brands = [BrandRow(b.id, b.name, b.terms, b.competitors) for b in config.brands.values()]
    bucket = config.schedule.bucket
    files = stage(scratch / "interval", posts)
    import datasketch  # noqa: F401  (what transforms.neardup imports when first used: not detection's cost)

    clock, alerts = Clock(), {}
    with clock.part("open"), writer(config.warehouse, config.timezone.key):
        pass
    with writer(config.warehouse, config.timezone.key) as conn:
        with clock.part("load"):
            load_staged(conn, files, brands, buckets(window.extraction, bucket), bucket)
        with transaction(conn), clock.part("detect"):
            for name, find in PASSES.items():
                with clock.part(name):
                    alerts[name] = find(conn, config, window)
    return clock, alerts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--history", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--new", type=int, default=5_000)
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "brandmon-detect-cost")
    parser.add_argument("--rebuild", action="store_true", help="build the histories again")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    everyday, story = scored_templates(args.work)
    for size in args.history:
        history, root = args.work / f"history-{size}", args.work / f"run-{size}"
        built = args.rebuild or not (history / "state").exists()
        if built:
            shutil.rmtree(history, ignore_errors=True)
            history.mkdir()
            seconds = build_history(world_config(history), everyday, size, random.Random(size), history / "scratch")
        shutil.rmtree(root, ignore_errors=True)
        shutil.copytree(history / "state", root / "state")
        config = world_config(root)
        clock, alerts = measure(config, everyday, story, args.new, random.Random(-size), root / "scratch")
        parts = ", ".join(f"{name} {clock.show(name)} ({len(alerts[name])} alerts)" for name in PASSES)
        how = f"built in {seconds:.0f}s" if built else "built before"
        print(f"history {size:,} posts ({how}), {args.new:,} new: open {clock.show('open')}, load {clock.show('load')}; "
              f"detect {clock.show('detect')} = {parts}", flush=True)
        for alert in (alert for found in alerts.values() for alert in found):
            print(f"  {alert.kind} {alert.subject}: {alert.details.topic_label or ''} {' '.join(alert.details.top_terms)}")
        shutil.rmtree(root)

if __name__ == "__main__":
    main()
