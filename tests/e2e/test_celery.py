"""End to end on the scale-out engines: Airflow metadata in PostgreSQL, the CeleryExecutor on Redis,
two Celery workers (config `airflow: {executor: celery}`, docs/decisions/0002), and the warehouse
a DuckLake whose catalog is in PostgreSQL (`storage: {warehouse: lake, lake_catalog: ...}`,
docs/decisions/0003), the storage several hosts share.

`brandmon run` is the path under test: it starts the workers, the run goes green through the real
scheduler, both workers run tasks, the writer pool keeps the warehouse's writers one at a time
across workers, the run's posts land in the lake, and no process is left. The test owns its world:
two databases of its own on 127.0.0.1:5432 (created here, dropped after) and a Redis key prefix of
its own on 127.0.0.1:6379 (its keys deleted after). Skipped, saying which, where either service is
absent.
"""

from __future__ import annotations

import re
import socket
import subprocess
from datetime import datetime, timezone

import pytest
import yaml

from brandmon import airflow_setup as af
from warehouse.db import reader

from .processes import processes_under
from .services import PG, metadata, missing_service, scale_out, scratch_database
from .world import BRANDMON, make_world, warehouse_counts

# The module fixture runs `brandmon run` (up to 900 s on a busy machine) inside the first test's time.
pytestmark = [pytest.mark.e2e, pytest.mark.timeout(1200)]

WORKERS = ("worker-1", "worker-2")


@pytest.fixture(scope="module")
def celery_world(tmp_path_factory):
    reason = missing_service()
    if reason:
        pytest.skip(f"scale-out engines absent: {reason}")
    root = tmp_path_factory.mktemp("celery")
    end = datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0)
    env = make_world(root, end, 15)
    config_file = root / "config" / "brands.yaml"
    with scale_out(config_file, env, workers=len(WORKERS), concurrency=1, label="e2e") as database, \
            scratch_database("e2e_lake") as catalog:
        config = yaml.safe_load(config_file.read_text())
        config.setdefault("storage", {}).update({"warehouse": "lake", "lake_catalog": catalog})
        config_file.write_text(yaml.safe_dump(config, allow_unicode=True))
        yield root, env, database


@pytest.fixture(scope="module")
def celery_run(celery_world):
    root, env, database = celery_world
    result = subprocess.run([BRANDMON, "run", "--port", str(af.pick_port(0)), "--timeout", "600", "--hours", "170"],
                            env=env, capture_output=True, text=True, timeout=900)
    return root, env, database, result


def manual_run_id(stdout: str) -> str:
    return re.search(r"manual__make_run_\d{8}T\d{6}", stdout).group(0)


def test_brandmon_run_goes_green_on_celery_workers_and_postgresql(celery_run):
    root, _, database, result = celery_run
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert f"metadata in postgresql+psycopg2://{PG['user']}@{PG['host']}:{PG['port']}/{database}" in result.stdout
    assert f"{len(WORKERS)} Celery workers" in result.stdout
    assert f"brand_monitor runs: {manual_run_id(result.stdout)} = success" in result.stdout
    assert not (root / "state" / "airflow" / "airflow.db").exists()  # no SQLite metadata on the side


def test_both_workers_ran_tasks_of_the_run(celery_run):
    _, _, database, result = celery_run
    rows = metadata(database, "SELECT task_id, map_index, state, hostname FROM task_instance WHERE run_id = %s",
                    manual_run_id(result.stdout))
    assert rows and {state for _, _, state, _ in rows} == {"success"}, rows
    host = socket.gethostname()
    assert {hostname for *_, hostname in rows} == {f"{worker}@{host}" for worker in WORKERS}, rows


def test_the_runs_posts_landed(celery_run):
    root, env, _, _ = celery_run
    archive_posts = sum(1 for _ in open(root / "data" / "posts.jsonl"))
    posts, mentions, buckets, alerts, sent, quarantined = warehouse_counts(env)
    assert posts == archive_posts and mentions >= posts and buckets > 0 and quarantined == 0
    from brandmon.config import load_config

    conn = reader(load_config(env["BRANDMON_CONFIG"]).warehouse)
    try:
        kinds = {r[0] for r in conn.execute("SELECT kind FROM v_alerts WHERE brand = 'demo_coffee'").fetchall()}
    finally:
        conn.close()
    assert "complaint_spike" in kinds
    warehouse = root / "state" / "warehouse"
    assert list((warehouse / "lake").rglob("*.parquet"))  # the rows are in the lake's files ...
    assert not (warehouse / "brandmon.duckdb").exists() and not (warehouse / "catalog.sqlite").exists()  # ... only


def test_duckdb_writers_ran_one_at_a_time_across_workers(celery_run):
    _, _, database, _ = celery_run
    assert metadata(database, "SELECT slots FROM slot_pool WHERE pool = %s", "duckdb_writer") == [(1,)]
    writers = metadata(database, "SELECT dag_id, run_id, task_id, start_date, end_date, hostname FROM task_instance "
                                 "WHERE pool = %s AND start_date IS NOT NULL ORDER BY start_date", "duckdb_writer")
    assert {task for _, _, task, *_ in writers} >= {"load", "detect", "deliver"}
    for before, after in zip(writers, writers[1:]):
        assert after[3] >= before[4], f"{after} started while {before} was writing"


def test_no_process_of_the_run_is_left(celery_run):
    root, *_ = celery_run
    assert processes_under(root) == {}
