"""How long each example query of docs/schema.md takes on warehouses of 1M and 10M posts, with the
views as they were before migration 0011 and as they are now.

    nice .venv/bin/python -m bench.analyst_queries [--sizes 1000000 10000000] [--repeat 3]

A seed world first: the demo week (two brands, competitors of each other, a complaint burst, its
incident, alerts and one spreading post) plus real Weibo posts from the shared data folder (see
bench.weibo_posts) naming the brands, run through the real pipeline (extract, transform, load,
detect with the spread step, deliver). Each warehouse is then grown from it through the real
migrations before 0011 (warehouse.scaled: copies with shifted times and ids, appended oldest
first, about --per-day posts a day, so 10M posts are about a year) and checkpointed; the queries
run on it opened read-only and sandboxed, as `brandmon sql` opens the published copy (a byte copy
of it). Then it is upgraded (warehouse.db.migrate: 0011, the days stored, the per-day tables) and the
queries run again. Each query's figures are the medians of --repeat runs (one when it takes over
SLOW seconds), each on a fresh connection: wall seconds, and CPU seconds of the process (DuckDB's
threads included), which the other processes of a busy machine do not inflate. Last, the seed's
staged posts of its last hour (a live run) and of its week (a backfill) are loaded again, to show
what refilling the per-day tables costs a load. Everything lives in a temporary folder removed at
the end.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import duckdb
import yaml

from bench.scale_queries import Example, example_queries
from bench.weibo_posts import SENTI_100K_DEV, data_dir, read_senti_100k
from brandmon.config import Config, load_config
from brandmon.demo import REPOSTS_FILE, demo_reposts, generate
from brandmon.staging import write_jsonl
from tests.brandmon.dashboard_world import run_week
from warehouse.analyst import run_query
from warehouse.days import refresh_days
from warehouse.db import migrate
from warehouse.load import BrandRow, StagedFiles, load_staged
from warehouse.scaled import grow
from warehouse.storage import FileStorage, Storage

ROOT = Path(__file__).resolve().parent.parent
VIEWS_MIGRATION = 11  # the migration whose views are measured against the ones before it
ZONE = "Asia/Shanghai"
WEIBO_POSTS = 4000  # real Weibo texts added to the demo week, each naming one brand or both
BUCKET = timedelta(minutes=15)
WEEK = timedelta(days=7)
SLOW = 2.0  # seconds: a query slower than this once is not run again


def seed_world(root: Path, end: datetime) -> Config:
    """The demo week ending at `end` plus real Weibo posts naming its brands, through the real pipeline."""
    rng = random.Random(13)
    names = {"demo_coffee": "示例咖啡", "demo_tea": "样板茶饮"}
    texts = [text for _, text in read_senti_100k(data_dir() / SENTI_100K_DEV)]
    weibo = []
    for number, text in enumerate(rng.sample(texts, WEIBO_POSTS)):
        brands = rng.choices([["demo_coffee"], ["demo_tea"], ["demo_coffee", "demo_tea"]], weights=[6, 3, 1])[0]
        weibo.append({"id": f"51{number:014d}", "platform": "weibo", "published_at": (
            end - timedelta(seconds=rng.randrange(7 * 86400))).isoformat(),
            "text": f"{'和'.join(names[b] for b in brands)} {text}", "url": f"https://weibo.com/1/{number}",
            "author": f"weibo_user_{rng.randrange(5000)}", "author_followers": int(rng.lognormvariate(6, 2.5)),
            "reposts": int(rng.expovariate(1 / 5)), "comments": int(rng.expovariate(1 / 4)),
            "likes": int(rng.expovariate(1 / 20)), "counted_at": end.isoformat()})
    write_jsonl(root / "posts.jsonl", generate(end) + weibo)
    write_jsonl(root / REPOSTS_FILE, demo_reposts(end))
    brand = {"name": "", "keywords": [], "sources": ["history"]}
    (root / "brands.yaml").write_text(yaml.safe_dump({
        "timezone": ZONE, "storage": {"state_dir": "state"},
        "brands": {"demo_coffee": {**brand, "name": "示例咖啡", "keywords": ["示例咖啡", "Demo Coffee"],
                                   "competitors": ["demo_tea"]},
                   "demo_tea": {**brand, "name": "样板茶饮", "keywords": ["样板茶饮"], "competitors": ["demo_coffee"]}},
        "sources": {"history": {"kind": "archive", "path": "posts.jsonl"}},
        "spread": {"platforms": {"demo": {"kind": "archive", "path": REPOSTS_FILE, "platform": "demo"}}},
    }, allow_unicode=True), encoding="utf-8")
    config = load_config(root / "brands.yaml")
    run_week(config, end, end, "seed")
    return config


@dataclass(frozen=True)
class Timing:
    seconds: float  # wall clock, the median of the runs
    cpu: float  # CPU seconds of this process (DuckDB's threads included), the median: what others' load does not inflate
    rows: int
    answer: int  # a hash of the rows sorted (ties may come in another order), to tell whether two schemas answer alike


def time_queries(storage: Storage, queries: list[Example], repeat: int) -> list[Timing]:
    """Each query's timing on the read-only copy, each run on a fresh sandboxed connection as `brandmon sql` does."""
    timings = []
    for query in queries:
        walls, cpus, rows = [], [], []
        while len(walls) < repeat and not (walls and walls[0] > SLOW):
            wall, cpu = time.perf_counter(), time.process_time()
            rows = run_query(storage, query.sql).rows
            walls.append(time.perf_counter() - wall)
            cpus.append(time.process_time() - cpu)
        timings.append(Timing(statistics.median(walls), statistics.median(cpus), len(rows), hash(repr(sorted(map(repr, rows))))))
    return timings


def reload_seed(path: Path, config: Config, since: datetime) -> tuple[int, float, float]:
    """Load the seed run's staged posts published from `since` on again into the warehouse at `path`
    (upserted, their buckets and days recounted): (posts, seconds `load_staged` took, seconds
    refilling the per-day tables takes of it, timed again on its own)."""
    staging = sorted(config.staging_dir.glob("*/transform"))[0]
    out = path.parent / "reload"
    out.mkdir(exist_ok=True)
    kept: dict[str, list[dict]] = {}
    for name in ("posts", "mentions", "source_runs", "quarantine"):
        rows = [json.loads(line) for line in (staging / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()]
        kept[name] = [r for r in rows if "published_at" not in r or datetime.fromisoformat(r["published_at"]) >= since]
        write_jsonl(out / f"{name}.jsonl", kept[name])
    files = StagedFiles(*(out / f"{name}.jsonl" for name in ("posts", "mentions", "source_runs", "quarantine")))
    seconds = BUCKET.total_seconds()
    touched = sorted({datetime.fromtimestamp(datetime.fromisoformat(r["published_at"]).timestamp() // seconds * seconds,
                                             timezone.utc) for r in kept["mentions"]})
    brands = [BrandRow(b.id, b.name, b.terms, b.competitors) for b in config.brands.values()]
    conn = duckdb.connect(str(path))
    try:
        started = time.perf_counter()
        load_staged(conn, files, brands, touched, BUCKET)
        loaded = time.perf_counter()
        refresh_days(conn, files.mentions, touched, BUCKET)
        return len(kept["posts"]), loaded - started, time.perf_counter() - loaded
    finally:
        conn.close()


def upgrade(path: Path) -> float:
    """Seconds to migrate the warehouse at `path` to the current schema (migration 0011 and what it
    makes migrate() do: every stored mention's day filled, the daily counts made), closed (checkpointed)."""
    started = time.perf_counter()
    conn = duckdb.connect(str(path))
    try:
        migrate(conn, ZONE)
    finally:
        conn.close()
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    """Entry point: `python -m bench.analyst_queries`."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 10_000_000], help="posts per warehouse")
    parser.add_argument("--per-day", type=int, default=27_000, help="posts a day in the grown history")
    parser.add_argument("--repeat", type=int, default=3, help="runs per query (the median is shown)")
    args = parser.parse_args(argv)

    queries = example_queries()
    with tempfile.TemporaryDirectory(prefix="bench-analyst-") as tmp:
        root = Path(tmp)
        end = datetime.fromtimestamp(time.time() // 900 * 900, timezone.utc)
        started = time.perf_counter()
        config = seed_world(root, end)
        print(f"seed world: {time.perf_counter() - started:.0f}s, the week to {end:%Y-%m-%d %H:%M} UTC")
        results: dict[tuple[int, str], list[Timing]] = {}
        for size in args.sizes:
            path = root / f"grown_{size}.duckdb"
            grown = grow(config.warehouse.path, path, size, ZONE, args.per_day, before=VIEWS_MIGRATION)
            print(f"{grown.posts:,} posts, {grown.mentions:,} mentions over {grown.days} days: copied in "
                  f"{grown.seconds:.0f}s, {path.stat().st_size / 1e9:.2f} GB", flush=True)
            results[size, "before"] = time_queries(FileStorage(path, path), queries, args.repeat)
            print(f"  upgrade to migration {VIEWS_MIGRATION} (days stored, per-day tables filled): {upgrade(path):.1f}s",
                  flush=True)
            results[size, "after"] = time_queries(FileStorage(path, path), queries, args.repeat)
            for what, since in (("a live run's hour", end - timedelta(hours=1)), ("a backfill's week", end - WEEK)):
                posts, load, days = reload_seed(path, config, since)
                print(f"  load of {what} again ({posts:,} posts upserted): {load:.2f}s, of which refilling the "
                      f"per-day tables {days:.2f}s", flush=True)
            path.unlink()
        print_table(queries, args.sizes, results)
    return 0


def print_table(queries: list[Example], sizes: list[int], results: dict[tuple[int, str], list[Timing]]) -> None:
    """One line per query: wall seconds (CPU seconds) and rows per size, before and after; `≠` marks
    an answer after whose rows differ from those before (a query relative to now() asks minutes
    later, so its window has moved)."""
    columns = [(size, schema) for size in sizes for schema in ("before", "after")]
    print(f"\n{'seconds (CPU seconds) rows':50}" + "".join(f"{f'{s / 1e6:g}M {schema}':>23}" for s, schema in columns))
    for index, query in enumerate(queries):
        title = re.sub(r"\s+", " ", query.title)[:48]
        cells = []
        for size, schema in columns:
            t = results[size, schema][index]
            same = schema == "before" or t.answer == results[size, "before"][index].answer
            cells.append(f"{t.seconds:>8.2f} ({t.cpu:5.2f}) {t.rows:>5}{' ' if same else '≠'}")
        print(f"{title:50}" + "".join(cells))


if __name__ == "__main__":
    raise SystemExit(main())
