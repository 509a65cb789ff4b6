"""Transform speed: `pipeline.transform` on one interval of real Weibo posts, wall time and peak memory.

    nice python -m bench.transform_speed [--posts 5000,50000] [--code DIR ...] [--workers N]

The posts are the texts of weibo_senti_100k_dev.tsv and weibo2018_train.csv (bench.weibo_posts
for the data folder), each given one of four brand names at a clause start; past the ~22k real
texts they repeat, perturbed (the brand elsewhere, a clause of another post appended) so that
every text is distinct and scored. They are staged as the extract step stages them (one file per
brand), then each `--code` checkout (default: this one) runs `pipeline.transform` on them in a
fresh process. Prints per checkout and size: the transform's wall time (models loaded inside it,
as in a task), the process's wall time with imports, the CPU time of the process and its workers
(steadier than wall time on a shared machine), peak memory of the process and its workers
(PSS summed over the tree, sampled every 0.1 s, so pages shared after fork count once) and a
digest of the staged posts and mentions, which must agree between checkouts.

A checkout of main to compare with: `git archive main | tar -x -C /tmp/main_code`.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

BRANDS = {"xiaomi": ["小米", "Xiaomi"], "starbucks": ["星巴克"], "taobao": ["淘宝"], "jd": ["京东"]}
END = datetime(2026, 11, 20, 4, 0, tzinfo=timezone.utc)
INTERVAL = timedelta(hours=1)
CLAUSE_ENDS = "，。！？；,!?;"


def real_texts() -> list[str]:
    """The real Weibo texts of the shared data folder, in file order."""
    from bench.weibo_posts import SENTI_100K_DEV, WEIBO_2018, data_dir, read_senti_100k, read_weibo2018

    root = data_dir()
    return [t for _, t in read_senti_100k(root / SENTI_100K_DEV)] + [t for _, t in read_weibo2018(root / WEIBO_2018)]


def _clauses(text: str) -> list[str]:
    out, start = [], 0
    for i, ch in enumerate(text):
        if ch in CLAUSE_ENDS:
            out.append(text[start:i + 1])
            start = i + 1
    return out + ([text[start:]] if start < len(text) else [])


def post_texts(texts: list[str], n: int, seed: int = 13) -> list[tuple[str, str]]:
    """(brand, text) for n posts: real texts with a brand name put at a clause start; repeats perturbed."""
    rng = random.Random(seed)
    brands = list(BRANDS)
    out = []
    for k in range(n):
        base = texts[k % len(texts)]
        if k >= len(texts):
            base += _clauses(texts[rng.randrange(len(texts))])[0]
        brand = brands[k % len(brands)]
        clauses = _clauses(base) or [""]
        at = rng.randrange(len(clauses))
        clauses[at] = rng.choice(BRANDS[brand]) + clauses[at]
        out.append((brand, "".join(clauses)))
    return out


def stage(folder: Path, n: int) -> Path:
    """The config and staged extract files of an n-post interval; the path of the job description."""
    rng = random.Random(n)
    config = {"storage": {"state_dir": str(folder / "state")},
              "brands": {b: {"keywords": terms[:1], "aliases": terms[1:], "sources": ["weibo"]} for b, terms in BRANDS.items()},
              "sources": {"weibo": {"kind": "archive", "path": "unused.jsonl"}}}
    (folder / "brands.json").write_text(json.dumps(config, ensure_ascii=False))
    rows: dict[str, list[dict]] = {b: [{"type": "health", "status": "ok"}] for b in BRANDS}
    start = END - INTERVAL
    for k, (brand, text) in enumerate(post_texts(real_texts(), n)):
        published = start + timedelta(seconds=rng.randrange(int(INTERVAL.total_seconds())))
        rows[brand].append({"type": "post", "platform": "weibo", "native_id": str(4_900_000_000_000_000 + k),
                            "source": "weibo", "text": text, "published_at": published.isoformat(),
                            "url": f"https://weibo.com/{k}", "author": f"user{rng.randrange(n)}",
                            "reposts": rng.choice([0, 0, 1, 3, 20, 500]), "comments": rng.randrange(40),
                            "likes": rng.randrange(300), "author_followers": rng.choice([None, 10, 800, 50_000, 3_000_000]),
                            "author_verified": rng.choice(["none", "none", "personal", "media"]),
                            "counted_at": END.isoformat()})
    staged = []
    for brand, brand_rows in rows.items():
        path = folder / "extract" / f"{brand}__weibo.jsonl"
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "w", encoding="utf-8") as handle:
            handle.writelines(json.dumps(row, ensure_ascii=False) + "\n" for row in brand_rows)
        staged.append({"brand": brand, "source": "weibo", "path": str(path)})
    job = folder / "job.json"
    job.write_text(json.dumps({"staged": staged, "config": str(folder / "brands.json")}))
    return job


def child(job_path: str, workers: int | None) -> None:
    """In a fresh process: load the config, run `pipeline.transform`, print timings and digests."""
    began = time.perf_counter()
    from brandmon import pipeline
    from brandmon.config import parse_config
    from brandmon.windows import RunWindow
    from extractors.base import Window

    job = json.loads(Path(job_path).read_text())
    config = parse_config(json.loads(Path(job["config"]).read_text()), Path(job["config"]))
    window = RunWindow(Window(END - INTERVAL, END), timedelta(0))
    start = time.perf_counter()
    extra = {} if workers is None else {"workers": workers}  # main's transform has no such argument
    result = pipeline.transform(config, job["staged"], window, "bench_run", **extra)
    transform_s = time.perf_counter() - start
    digests = {name: hashlib.sha256(Path(result["paths"][name]).read_bytes()).hexdigest()[:16]
               for name in ("posts", "mentions")}
    print(json.dumps({"transform_s": transform_s, "process_s": time.perf_counter() - began,
                      "matched": result["matched"], "digests": digests}))


def _tree(root: int) -> list[int]:
    parents: dict[int, list[int]] = {}
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                ppid = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            parents.setdefault(ppid, []).append(int(proc.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(parents.get(pid, []))
    return found


class PeakPss(threading.Thread):
    """The peak of the PSS summed over a process and its descendants, and the most processes seen."""

    def __init__(self, pid: int, period: float = 0.1) -> None:
        super().__init__(daemon=True)
        self.pid, self.period = pid, period
        self.peak, self.processes = 0.0, 0
        self.done = threading.Event()

    def run(self) -> None:
        from bench.scale_out import pss_mib  # imported here: the child must not load what it imports

        while not self.done.is_set():
            pids = _tree(self.pid)
            self.peak = max(self.peak, sum(pss_mib(p) for p in pids))
            self.processes = max(self.processes, len(pids))
            time.sleep(self.period)


def measure(code: Path, job: Path, workers: int | None) -> dict:
    """Run the child on `code` (a checkout) and sample its memory; its report with the peak added."""
    env = {**os.environ, "PYTHONPATH": str(code)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    argv = [sys.executable, str(Path(__file__).resolve()), "--child", str(job)]
    argv += [] if workers is None else ["--workers", str(workers)]
    proc = subprocess.Popen(argv, cwd=code, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    sampler = PeakPss(proc.pid)
    sampler.start()
    out, err = proc.communicate()
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)  # the child's workers roll up into it when reaped
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    sampler.done.set()
    sampler.join()
    if proc.returncode != 0:
        return {"error": err[-2000:]}
    report = json.loads(out.strip().splitlines()[-1])
    return {**report, "wall_s": wall, "cpu_s": cpu, "peak_pss_mib": sampler.peak, "processes": sampler.processes}


def main(argv: list[str] | None = None) -> int:
    """Entry point: `python -m bench.transform_speed`."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", default="5000,50000", help="comma-separated interval sizes (default 5000,50000)")
    parser.add_argument("--code", type=Path, action="append", help="a checkout to run (repeatable; default: this one)")
    parser.add_argument("--workers", type=int, help="pass transform(workers=N) (checkouts that take it; default all cores)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child, args.workers)
        return 0
    codes = args.code or [Path(__file__).resolve().parent.parent]
    print(f"load average {os.getloadavg()[0]:.2f}, {os.cpu_count()} cpus")
    with tempfile.TemporaryDirectory(prefix="transform_speed") as tmp:
        for n in (int(x) for x in args.posts.split(",")):
            folder = Path(tmp) / str(n)
            folder.mkdir()
            job = stage(folder, n)
            for code in codes:
                r = measure(code, job, args.workers)
                if "error" in r:
                    print(f"{n:6d} posts  {code}: FAILED\n{r['error']}")
                    continue
                print(f"{n:6d} posts  {code}: transform {r['transform_s']:6.1f} s, process {r['process_s']:6.1f} s"
                      f" (wall {r['wall_s']:.1f} s, CPU {r['cpu_s']:.1f} s), peak PSS {r['peak_pss_mib']:5.0f} MiB over up to"
                      f" {r['processes']} processes; {r['matched']} matched; posts {r['digests']['posts']}"
                      f" mentions {r['digests']['mentions']}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
