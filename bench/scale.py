"""The scale bench: one interval of new posts on histories of 100k, 1M and 10M posts (issue 13).

    python -m bench.scale [--sizes 100k,1m,10m] [--intervals 5k,50k] [--interval-sizes SIZES]
                          [--warehouse file|lake|both] [--brands 20] [--per-week 100k] [--page-size 20]
                          [--no-queries] [--profile N]

For each history size (bench.scale_history: one real run grown by bulk SQL, `--per-week` posts a
week, cached in $TMPDIR/brandmon-scale-cache; built histories are reused the same day):
- docs/schema.md's example queries on the published copy, idle (bench.scale_queries);
- for each interval size, one interval of that many new posts through every step on a fresh copy
  of the history (bench.scale_interval): seconds per step, total, bytes written, peak RSS and PSS
  of all processes, the load average at start;
- the example queries again while another process loads the 5k interval over and over.
`--interval-sizes` limits the intervals to some history sizes (the others get build + queries).
`--warehouse lake` measures on a DuckLake with a SQLite catalog instead of the DuckDB file (the
history imported once by the real code and cached beside its file, bench.scale_history.get_lake;
each world gets a copy); `both` measures each history on the file, then on the lake.
Then the figures against issue 13's targets. Everything but the cache lives in a temporary folder
removed at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from bench.scale_history import History, Lake, get_history, get_lake, history_end
from bench.scale_interval import PROFILE_ENV, IntervalFigures, World, open_world, run_interval
from bench.scale_queries import Example, Timed, example_queries, time_queries
from bench.scale_world import Payloads, real_texts
from warehouse.storage import FileStorage

MIB = 2**20
WAREHOUSES = {"file": ("file",), "lake": ("lake",), "both": ("file", "lake")}
ON = {"file": "the published copy", "lake": "the lake"}  # what readers open, for headings
TARGET_50K_SECONDS, TARGET_50K_MIB, TARGET_RATIO, TARGET_QUERY_SECONDS = 60.0, 1024.0, 1.3, 0.5


def count(text: str) -> int:
    """100k, 1m, 10M, 5000 → the number."""
    text = text.strip().lower().replace("_", "").replace(",", "")
    for suffix, factor in (("k", 1_000), ("m", 1_000_000)):
        if text.endswith(suffix):
            return int(float(text[:-1]) * factor)
    return int(text)


def counts(text: str) -> list[int]:
    return [count(part) for part in text.split(",") if part.strip()]


def label(number: int) -> str:
    return f"{number // 1_000_000}M" if number % 1_000_000 == 0 else f"{number // 1_000}k" if number % 1_000 == 0 \
        else str(number)


def queries_while_loading(world: World, transformed: dict, examples: list[Example]) -> tuple[list[Timed], dict]:
    """The examples timed while another process loads the interval's staged run again and again."""
    stop, started = world.root / "stop-loading", world.root / "load-started"
    loader = world.child("load-loop", {"transformed": transformed, "stop": str(stop), "started": str(started)})
    try:
        deadline = time.monotonic() + 300
        while not started.exists():
            if loader.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the loading process did not start a load (exit {loader.returncode})")
            time.sleep(0.1)
        timed = time_queries(world.storage, examples)
    finally:
        stop.touch()
        loader.wait()
    return timed, json.loads(Path(loader.args[-1]).read_text(encoding="utf-8"))["result"]


def print_interval(figures: IntervalFigures, warehouse: str) -> None:
    print(f"  interval of {figures.posts:,} new posts, {warehouse} warehouse (load average at start {figures.load_average:.1f} on "
          f"{os.cpu_count()} cores): {figures.seconds:.1f} s, peak RSS {figures.peak_rss_mib:,.0f} MiB / PSS "
          f"{figures.peak_pss_mib:,.0f} MiB, {figures.write_bytes / MIB:,.0f} MiB written, {figures.hooks} webhook posts")
    print(f"    {'step':10} {'seconds':>8} {'process s':>10} {'CPU s':>7} {'MiB written':>12} {'peak RSS':>9} "
          f"{'peak PSS':>9}")
    for step in figures.steps:
        print(f"    {step.step:10} {step.seconds:8.1f} {step.process_seconds:10.1f} {step.cpu_seconds:7.1f} "
              f"{step.write_bytes / MIB:12,.0f} {step.peak_rss_mib:9,.0f} {step.peak_pss_mib:9,.0f}")
    print(f"    {'total':10} {figures.seconds:8.1f} {sum(s.process_seconds for s in figures.steps):10.1f} "
          f"{figures.cpu_seconds:7.1f} {figures.write_bytes / MIB:12,.0f} {figures.peak_rss_mib:9,.0f} "
          f"{figures.peak_pss_mib:9,.0f}")
    for step in figures.steps:
        for profile in step.profiles:
            print(f"    -- {step.step}: costliest calls\n{profile}")


def print_queries(idle: list[Timed], loading: list[Timed] | None, loads: dict | None) -> None:
    print(f"    {'query (docs/schema.md)':70} {'idle s':>7} {'loading s':>9} {'rows':>6} {'rows':>6}")
    for number, timed in enumerate(idle):
        busy = loading[number] if loading else None
        error = next((f"  ERROR {t.error[:80]}" for t in (timed, busy) if t and t.error), "")
        print(f"    {timed.example.title[:70]:70} {timed.seconds:7.2f} {f'{busy.seconds:9.2f}' if busy else '':>9} "
              f"{timed.rows:6} {busy.rows if busy else '':>6}{error}")
    if loads:
        print(f"    while loading: another process loaded the interval again {loads['loads']} time(s) "
              f"({', '.join(f'{s:.1f}' for s in loads['seconds'])} s), the queries starting as its first load began")


def measure_size(posts: int, args: argparse.Namespace, payloads: Payloads, texts: list[str],
                 examples: list[Example], scratch: Path) -> dict[str, dict]:
    """Build (or reuse) one history and measure on it, on each warehouse asked for; returns each
    warehouse's figures for the summary."""
    end = history_end(datetime.now(timezone.utc))
    print(f"\n== history of {posts:,} posts ({posts / args.per_week:.1f} weeks to {end:%Y-%m-%d %H:%M} UTC, "
          f"{args.brands} brands)")
    history: History = get_history(posts, args.brands, args.per_week, end, args.page_size)
    print(f"  {'cached' if history.cached else f'built in {history.seconds:.0f} s'}: {history.path} "
          f"({history.path.stat().st_size / MIB:,.0f} MiB)")
    found = {}
    for warehouse in WAREHOUSES[args.warehouse]:
        source: Path | Lake = history.path
        if warehouse == "lake":
            source = get_lake(history, args.page_size)
            print_lake(source)
        found[warehouse] = measure_on(posts, end, warehouse, source, args, payloads, texts, examples, scratch)
    return found


def print_lake(lake: Lake) -> None:
    sizes = {f: f.stat().st_size for f in lake.files if f.exists()}  # SQLite removes its -wal file as it closes
    data = [f for f in sizes if f.is_relative_to(lake.data)]
    print(f"  lake (SQLite catalog): {'cached' if lake.cached else f'imported in {lake.seconds:.1f} s'}: "
          f"{lake.catalog.parent}; {sum(sizes.values()) / MIB:,.0f} MiB on disk (catalog "
          f"{sum(size for f, size in sizes.items() if f not in data) / MIB:,.1f} MiB, {len(data)} data files)")


def measure_on(posts: int, end: datetime, warehouse: str, source: Path | Lake, args: argparse.Namespace, payloads: Payloads,
               texts: list[str], examples: list[Example], scratch: Path) -> dict:
    """On one warehouse: the queries idle, each interval on a fresh copy of the history (starting at
    its `end`), the queries while loading."""
    print(f"\n  -- {warehouse} warehouse, {posts:,} posts")
    found: dict = {"posts": posts, "intervals": {}, "queries": None}
    sizes = args.intervals if posts in args.interval_sizes else []
    idle, loading, loads = None, None, None
    if not args.no_queries:
        idle = time_queries(source.storage if isinstance(source, Lake) else FileStorage(source, source), examples)
    for size in sizes:
        root = Path(tempfile.mkdtemp(prefix=f"interval-{label(posts)}-{size}-{warehouse}-", dir=scratch))
        world = open_world(root, source, size, args.brands, args.page_size, end, payloads, texts)
        try:
            figures = run_interval(world, size)
            print_interval(figures, warehouse)
            found["intervals"][size] = figures
            if size == min(sizes) and not args.no_queries:
                loading, loads = queries_while_loading(world, figures.step("transform").result[0], examples)
        finally:
            world.close()
            shutil.rmtree(root, ignore_errors=True)
    if idle is not None:
        print(f"  queries on {ON[warehouse]} of {posts:,} posts (brandmon sql's session included); idle: the "
              f"history as built; loading: after the {label(min(sizes)) if sizes else ''} interval, while it loads again")
        print_queries(idle, loading, loads)
        found["queries"] = (idle, loading)
    return found


def print_targets(results: list[dict], intervals: list[int], warehouse: str) -> None:
    print(f"\n== against issue 13's targets, {warehouse} warehouse")
    for found in results:
        big = found["intervals"].get(50_000)
        if big:
            ok = big.seconds <= TARGET_50K_SECONDS and big.peak_pss_mib <= TARGET_50K_MIB
            print(f"  50k interval on {label(found['posts'])}: {big.seconds:.1f} s (≤ {TARGET_50K_SECONDS:.0f}; CPU "
                  f"{big.cpu_seconds:.0f} s), peak PSS {big.peak_pss_mib:,.0f} MiB (≤ {TARGET_50K_MIB:,.0f}): "
                  f"{'met' if ok else 'NOT met'}")
    small = {found["posts"]: found["intervals"].get(min(intervals)) for found in results}
    smallest, largest = min(small), max(small)
    if small[smallest] and small[largest] and largest != smallest:
        ratio = small[largest].seconds / small[smallest].seconds
        cpu = small[largest].cpu_seconds / small[smallest].cpu_seconds
        print(f"  {label(min(intervals))} interval on {label(largest)} / on {label(smallest)}: {small[largest].seconds:.1f} s"
              f" / {small[smallest].seconds:.1f} s = {ratio:.2f} (≤ {TARGET_RATIO}): "
              f"{'met' if ratio <= TARGET_RATIO else 'NOT met'}; CPU {small[largest].cpu_seconds:.0f} s / "
              f"{small[smallest].cpu_seconds:.0f} s = {cpu:.2f}")
    for found in results:
        if found["queries"]:
            idle, loading = found["queries"]
            worst = max(loading or idle, key=lambda t: t.seconds)
            print(f"  slowest query on {label(found['posts'])} {'while loading' if loading else 'idle'}: "
                  f"{worst.seconds:.2f} s ({worst.example.title}) (≤ {TARGET_QUERY_SECONDS}): "
                  f"{'met' if worst.seconds <= TARGET_QUERY_SECONDS else 'NOT met'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=counts, default=counts("100k,1m,10m"), help="history sizes")
    parser.add_argument("--intervals", type=counts, default=counts("5k,50k"), help="new posts per interval")
    parser.add_argument("--interval-sizes", type=counts, help="run intervals only on these history sizes")
    parser.add_argument("--warehouse", choices=WAREHOUSES, default="file",
                        help="the DuckDB file, a DuckLake (SQLite catalog), or both")
    parser.add_argument("--brands", type=int, default=20)
    parser.add_argument("--per-week", type=count, default=count("100k"), help="history posts per week")
    parser.add_argument("--page-size", type=int, default=20, help="cards per m.weibo.cn search page")
    parser.add_argument("--no-queries", action="store_true")
    parser.add_argument("--profile", type=int, default=0, metavar="N", help="print each step's N costliest calls")
    args = parser.parse_args()
    if args.profile:
        os.environ[PROFILE_ENV] = str(args.profile)
    args.interval_sizes = args.interval_sizes or args.sizes
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                            cwd=Path(__file__).resolve().parent).stdout.strip()
    print(f"scale bench at {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, commit {commit or '?'}, load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    payloads, texts, examples = Payloads(), real_texts(), example_queries()
    scratch = Path(tempfile.mkdtemp(prefix="brandmon-scale-"))
    try:
        results = [measure_size(posts, args, payloads, texts, examples, scratch) for posts in args.sizes]
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    for warehouse in WAREHOUSES[args.warehouse]:
        print_targets([found[warehouse] for found in results], args.intervals, warehouse)


if __name__ == "__main__":
    main()
