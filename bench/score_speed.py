"""Scoring speed: plain snownlp against transforms.fastsnow on the same real Weibo posts.

    python -m bench.score_speed [--data FILE] [--posts 3000]      (also `make bench`)

Prints, for the first N posts of weibo_senti_100k_dev.tsv (see bench.weibo_posts for the
data folder; --data names the file):
- in this process, after both are loaded: posts/s of `SnowNLP(text).sentiments` and of
  `fastsnow.analyze` on one core and on all cores, the ratios, the largest difference and
  the Python heap peak (tracemalloc) of one fast batch;
- two fresh processes, start-up included, each scoring the posts from a JSON-lines file into
  JSON lines (plain snownlp script vs fastsnow script): wall time, ratio, peak RSS;
- the same for `brandmon score --model snownlp` once that command exists.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from bench.weibo_posts import SENTI_100K_DEV, data_dir, read_senti_100k

REPO = Path(__file__).resolve().parent.parent


def _peak_rss_mb() -> tuple[float, float]:
    """Peak resident memory of this process and of its largest child, in MiB.

    VmHWM, not ru_maxrss, for this process: on Linux ru_maxrss survives exec, so a child
    started by a big parent would report the parent's peak.
    """
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            own = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:")) / 1024
    except (OSError, StopIteration):
        pass
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, children


def _read_jsonl_texts(path: str) -> list[str]:
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line)["text"] for line in handle if line.strip()]


def child_plain(posts_file: str, out_file: str) -> None:
    """What a script on plain snownlp does: import it, score each post, write JSON lines."""
    start = time.perf_counter()
    import snownlp

    loaded = time.perf_counter()
    with open(out_file, "w", encoding="utf-8") as out:
        for text in _read_jsonl_texts(posts_file):
            out.write(json.dumps({"sentiment": snownlp.SnowNLP(text).sentiments}) + "\n")
    done = time.perf_counter()
    own, children = _peak_rss_mb()
    print(json.dumps({"load_s": loaded - start, "score_s": done - loaded, "rss_mb": own, "children_rss_mb": children}))


def child_fast(posts_file: str, out_file: str) -> None:
    """The same with fastsnow: import, load the cached tables and stock model, analyze, write."""
    start = time.perf_counter()
    from transforms.fastsnow import SentimentModel, analyze
    from transforms.fastsnow.seg_tables import stock_tables

    model = SentimentModel.stock()
    stock_tables()
    loaded = time.perf_counter()
    results = analyze(_read_jsonl_texts(posts_file), model)
    with open(out_file, "w", encoding="utf-8") as out:
        for result in results:
            out.write(json.dumps({"sentiment": result.sentiment}) + "\n")
    done = time.perf_counter()
    own, children = _peak_rss_mb()
    print(json.dumps({"load_s": loaded - start, "score_s": done - loaded, "rss_mb": own, "children_rss_mb": children}))


def _run_timed(argv: list[str]) -> tuple[float, dict | None, str]:
    """Run a fresh process; (wall seconds, its JSON report if any, stderr tail)."""
    start = time.perf_counter()
    proc = subprocess.run(argv, capture_output=True, text=True, cwd=REPO)
    wall = time.perf_counter() - start
    report = None
    if proc.returncode == 0 and proc.stdout.strip():
        try:
            report = json.loads(proc.stdout.strip().splitlines()[-1])
        except json.JSONDecodeError:
            report = None
    return wall, report, "" if proc.returncode == 0 else proc.stderr[-2000:]


def _sentiments(path: str) -> list[float]:
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line)["sentiment"] for line in handle if line.strip()]


def _brandmon_score_available() -> bool:
    if importlib.util.find_spec("brandmon.commands.score") is None:
        return False
    from brandmon.cli import COMMANDS

    return "score" in COMMANDS


def in_process(texts: list[str]) -> None:
    """Both implementations in this process on the same posts, start-up excluded."""
    n = len(texts)
    start = time.perf_counter()
    from transforms.fastsnow import SentimentModel, analyze
    from transforms.fastsnow.parallel import default_workers
    from transforms.fastsnow.seg_tables import stock_tables

    SentimentModel.stock()
    stock_tables()
    fast_load = time.perf_counter() - start
    start = time.perf_counter()
    import snownlp

    plain_load = time.perf_counter() - start

    start = time.perf_counter()
    plain = [snownlp.SnowNLP(text).sentiments for text in texts]
    plain_s = time.perf_counter() - start
    start = time.perf_counter()
    one_core = analyze(texts, SentimentModel.stock(), workers=1)
    one_s = time.perf_counter() - start
    start = time.perf_counter()
    all_cores = analyze(texts, SentimentModel.stock())
    all_s = time.perf_counter() - start
    tracemalloc.start()
    analyze(texts, SentimentModel.stock(), workers=1)
    _, heap_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    diff = max((abs(p - r.sentiment) for p, r in zip(plain, one_core)), default=0.0)
    diff = max([diff] + [abs(p - r.sentiment) for p, r in zip(plain, all_cores)])
    print(f"== in one process, {n} posts, load excluded ==")
    print(f"load: plain snownlp import {plain_load:.2f} s, fastsnow tables + stock model {fast_load:.2f} s")
    print(f"plain snownlp        {n / plain_s:9.0f} posts/s  ({plain_s:.2f} s)")
    print(f"fastsnow, 1 core     {n / one_s:9.0f} posts/s  ({one_s:.2f} s)  x{plain_s / one_s:.1f}")
    print(f"fastsnow, {default_workers()} core(s)  {n / all_s:9.0f} posts/s  ({all_s:.2f} s)  x{plain_s / all_s:.1f}")
    print(f"max |sentiment diff| = {diff:.3g}; fastsnow Python heap peak for the batch {heap_peak / 2**20:.1f} MiB")


def fresh_processes(texts: list[str]) -> None:
    """Two fresh processes end to end, start-up included, plus `brandmon score` if it exists."""
    n = len(texts)
    with tempfile.TemporaryDirectory(prefix="score_speed") as tmp:
        posts = os.path.join(tmp, "posts.jsonl")
        with open(posts, "w", encoding="utf-8") as out:
            for text in texts:
                out.write(json.dumps({"text": text}, ensure_ascii=False) + "\n")
        runs = {}
        for name in ("plain", "fast"):
            out_file = os.path.join(tmp, f"{name}.jsonl")
            argv = [sys.executable, "-m", "bench.score_speed", "--child", name, posts, out_file]
            runs[name] = (*_run_timed(argv), out_file)
        print(f"== fresh processes, {n} posts, start-up included ==")
        for name, (wall, report, err, _) in runs.items():
            if report is None:
                print(f"{name:6s} FAILED: {err}")
                continue
            print(f"{name:6s} {wall:6.2f} s wall (load {report['load_s']:.2f} s, scoring {report['score_s']:.2f} s),"
                  f" peak RSS {report['rss_mb']:.0f} MiB (largest worker {report['children_rss_mb']:.0f} MiB)")
        if runs["plain"][1] and runs["fast"][1]:
            plain_out, fast_out = _sentiments(runs["plain"][3]), _sentiments(runs["fast"][3])
            diff = max((abs(a - b) for a, b in zip(plain_out, fast_out)), default=0.0)
            same = len(plain_out) == len(fast_out) == n
            print(f"ratio plain/fast end to end: x{runs['plain'][0] / runs['fast'][0]:.1f};"
                  f" outputs {'agree' if same else 'DIFFER IN LENGTH'}, max |diff| {diff:.3g}")
        if _brandmon_score_available():
            argv = [sys.executable, "-m", "brandmon.cli", "score", "--model", "snownlp", posts]
            start = time.perf_counter()
            proc = subprocess.run(argv, capture_output=True, text=True, cwd=REPO)
            wall = time.perf_counter() - start
            if proc.returncode == 0:
                print(f"brandmon score --model snownlp: {wall:.2f} s wall; plain/brandmon x{runs['plain'][0] / wall:.1f}")
            else:
                print(f"brandmon score --model snownlp FAILED ({proc.returncode}): {proc.stderr[-2000:]}")
        else:
            print("brandmon score: not available yet")


def main(argv: list[str] | None = None) -> int:
    """Entry point: `python -m bench.score_speed`."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=None, help="a weibo_senti_100k TSV (label<TAB>text)")
    parser.add_argument("--posts", type=int, default=3000, help="how many posts (default 3000)")
    parser.add_argument("--child", nargs=3, metavar=("KIND", "POSTS", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        kind, posts, out = args.child
        (child_plain if kind == "plain" else child_fast)(posts, out)
        return 0
    path = args.data or data_dir() / SENTI_100K_DEV
    if not path.exists():
        print(f"no data at {path}: pass --data FILE or set BRANDMON_DATA_DIR", file=sys.stderr)
        return 2
    texts = [text for _, text in read_senti_100k(path)][: args.posts]
    print(f"{len(texts)} posts from {path}")
    from transforms.fastsnow.seg_tables import stock_tables

    start = time.perf_counter()
    stock_tables()  # builds the cache on first use, so the fresh fast process finds it
    print(f"fastsnow tables ready in {time.perf_counter() - start:.2f} s (built only on first use)")
    fresh_processes(texts)
    in_process(texts)
    return 0


if __name__ == "__main__":
    sys.exit(main())
