"""A DuckLake with its catalog in PostgreSQL is one warehouse for several hosts (docs/decisions/0003):
two worker processes, each with a state folder of its own as on two hosts, load their windows into
it at once while an analyst queries it; the lake ends with the rows one worker alone would store,
and each side sees the other's writes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import yaml

from brandmon.demo import generate
from brandmon.staging import write_jsonl
from tests.e2e.services import missing_postgres, scratch_database

ROOT = Path(__file__).resolve().parents[2]
END = datetime(2026, 11, 20, 4, 0, tzinfo=timezone.utc)
WINDOWS = [(END - timedelta(minutes=15 * (n + 1)), END - timedelta(minutes=15 * n)) for n in reversed(range(4))]

# One worker: load the given windows through the real pipeline (extract, transform, load).
WORKER = textwrap.dedent("""
    import json, sys
    from datetime import datetime, timedelta
    from brandmon import pipeline
    from brandmon.config import load_config
    from brandmon.windows import RunWindow
    from extractors.base import Window
    config = load_config(sys.argv[1])
    for start, end in json.loads(sys.argv[2]):
        start, end = datetime.fromisoformat(start), datetime.fromisoformat(end)
        window = RunWindow(Window(start, end), config.schedule.lookback)
        run_id = "run-" + end.strftime("%H%M")
        staged = [pipeline.extract(config, i["brand"], i["source"], window, run_id, end + timedelta(minutes=5))
                  for i in pipeline.plan(config)]
        pipeline.load(config, pipeline.transform(config, staged, window, run_id), window)
        print("loaded", end.isoformat(), flush=True)
""")

# The analyst: query in its own sandboxed sessions until told to stop, recording what it saw.
ANALYST = textwrap.dedent("""
    import json, sys, time
    from pathlib import Path
    from brandmon.config import load_config
    from warehouse.analyst import run_query
    from warehouse.db import WarehouseMissing
    storage, stop, seen = load_config(sys.argv[1]).warehouse, Path(sys.argv[2]), []
    while not stop.exists():
        try:
            seen.append(run_query(storage, "SELECT count(*) FROM posts").rows[0][0])
        except WarehouseMissing:
            pass
        time.sleep(0.1)
    print(json.dumps(seen))
""")


def test_two_workers_and_an_analyst_share_one_lake(tmp_path):
    missing = missing_postgres()
    if missing:
        pytest.skip(missing)
    write_jsonl(tmp_path / "posts.jsonl", generate(END))
    with scratch_database("lake") as catalog:
        config = {
            "storage": {"state_dir": "state", "warehouse": "lake", "lake_catalog": catalog,
                        "lake_data_path": "shared/lake"},
            "brands": {"demo_coffee": {"keywords": ["示例咖啡", "Demo Coffee"], "sources": ["history"]},
                       "demo_tea": {"keywords": ["样板茶饮"], "sources": ["history"]}},
            "sources": {"history": {"kind": "archive", "path": "posts.jsonl"}},
        }
        (tmp_path / "brands.yaml").write_text(yaml.safe_dump(config, allow_unicode=True))
        stop = tmp_path / "stop"

        def start(script: str, *args: str, host: str) -> subprocess.Popen:
            env = {**os.environ, "BRANDMON_STATE_DIR": str(tmp_path / host)}
            return subprocess.Popen([sys.executable, "-c", script, str(tmp_path / "brands.yaml"), *args], cwd=ROOT,
                                    env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

        def windows(part: list) -> str:
            return json.dumps([[s.isoformat(), e.isoformat()] for s, e in part])

        analyst = start(ANALYST, str(stop), host="analyst")
        workers = [start(WORKER, windows(WINDOWS[0::2]), host="host-a"),
                   start(WORKER, windows(WINDOWS[1::2]), host="host-b")]
        for worker in workers:
            out, err = worker.communicate(timeout=600)
            assert worker.returncode == 0, err
            assert out.count("loaded") == 2
        time.sleep(0.5)
        stop.touch()
        out, err = analyst.communicate(timeout=120)
        assert analyst.returncode == 0, err
        seen = json.loads(out)

        # The same windows loaded by one process into a DuckDB file: the lake must hold the same rows.
        alone = dict(config, storage={"state_dir": "alone"})
        (tmp_path / "alone.yaml").write_text(yaml.safe_dump(alone, allow_unicode=True))
        env = {k: v for k, v in os.environ.items() if k != "BRANDMON_STATE_DIR"}
        subprocess.run([sys.executable, "-c", WORKER, str(tmp_path / "alone.yaml"), windows(WINDOWS)], cwd=ROOT,
                       env=env, check=True, capture_output=True)

        from brandmon.config import load_config
        from warehouse.db import reader

        def rows(config_file: str, state: str | None) -> dict[str, list]:
            os.environ.pop("BRANDMON_STATE_DIR", None)
            if state:
                os.environ["BRANDMON_STATE_DIR"] = str(tmp_path / state)
            try:
                conn = reader(load_config(tmp_path / config_file).warehouse)
            finally:
                os.environ.pop("BRANDMON_STATE_DIR", None)
            try:
                return {
                    "posts": conn.execute("SELECT platform, native_id, label, complaint FROM posts ORDER BY ALL").fetchall(),
                    "mentions": conn.execute("SELECT platform, native_id, brand FROM mentions ORDER BY ALL").fetchall(),
                    "buckets": conn.execute("SELECT * FROM bucket_stats ORDER BY ALL").fetchall(),
                    "source_runs": conn.execute("SELECT brand, source, window_end, status, posts FROM source_runs "
                                                "ORDER BY ALL").fetchall(),
                    "terms": conn.execute("SELECT * FROM term_buckets ORDER BY ALL").fetchall(),
                }
            finally:
                conn.close()

        expected = rows("alone.yaml", None)
        assert len(expected["source_runs"]) == 2 * len(WINDOWS) and expected["posts"]
        for host in ("host-a", "host-b", "analyst"):  # every host's view is the whole lake
            assert rows("brands.yaml", host) == expected
        assert seen and seen == sorted(seen)  # the analyst never failed, and never saw a count go back
        assert seen[-1] == len(expected["posts"])
        assert not (tmp_path / "host-a" / "warehouse" / "catalog.sqlite").exists()  # nothing kept per host
