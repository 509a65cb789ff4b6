"""End to end on the scale-out engines: Airflow metadata in PostgreSQL, the CeleryExecutor on Redis,
two Celery workers (config `airflow: {executor: celery}`, docs/decisions/0002).

`brandmon run` is the path under test: it starts the workers, the run goes green through the real
scheduler, both workers run tasks, the writer pool keeps DuckDB's writers one at a time across
workers, the run's posts land, and no process is left. The test owns its world: a database of its
own on 127.0.0.1:5432 (created here, dropped after) and a Redis key prefix of its own on
127.0.0.1:6379 (its keys deleted after). Skipped, saying which, where either service is absent.
"""

from __future__ import annotations

import re
import socket
import subprocess
import uuid
from datetime import datetime, timezone

import pytest
import yaml

from brandmon import airflow_setup as af
from warehouse.db import reader

from .processes import processes_under
from .world import BRANDMON, make_world, warehouse_counts

pytestmark = pytest.mark.e2e

PG_HOST, PG_PORT, PG_USER = "127.0.0.1", 5432, "postgres"
REDIS_URL = "redis://127.0.0.1:6379/0"
WORKERS = ("worker-1", "worker-2")


def missing_service() -> str | None:
    """Why the scale-out engines cannot be tested here, or None when both answer."""
    import psycopg2
    import redis

    try:
        psycopg2.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, dbname="postgres", connect_timeout=5).close()
    except psycopg2.Error as error:
        return f"PostgreSQL is not available on {PG_HOST}:{PG_PORT} as {PG_USER} ({str(error).strip()})"
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=5).ping()
    except redis.RedisError as error:
        return f"Redis is not available at {REDIS_URL} ({error})"
    return None


def admin(statement: str) -> None:
    """One statement on the server's maintenance database, outside a transaction (CREATE/DROP DATABASE)."""
    import psycopg2

    conn = psycopg2.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, dbname="postgres")
    conn.autocommit = True
    try:
        conn.cursor().execute(statement)
    finally:
        conn.close()


def metadata(database: str, query: str, *params) -> list[tuple]:
    import psycopg2

    conn = psycopg2.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, dbname=database)
    try:
        with conn.cursor() as cursor:
            cursor.execute(query, params)
            return cursor.fetchall()
    finally:
        conn.close()


@pytest.fixture(scope="module")
def celery_world(tmp_path_factory):
    reason = missing_service()
    if reason:
        pytest.skip(f"scale-out engines absent: {reason}")
    import redis

    token = uuid.uuid4().hex[:12]
    database, prefix = f"brandmon_e2e_{token}", f"brandmon-e2e-{token}:"
    root = tmp_path_factory.mktemp("celery")
    end = datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0)
    env = make_world(root, end, 15)
    config_file = root / "config" / "brands.yaml"
    config = yaml.safe_load(config_file.read_text())
    config["airflow"] = {"executor": "celery", "workers": len(WORKERS), "worker_concurrency": 1,
                         "metadata_db": f"postgresql://{PG_USER}@{PG_HOST}:{PG_PORT}/{database}", "broker": REDIS_URL}
    config_file.write_text(yaml.safe_dump(config, allow_unicode=True))
    # Every key (queues, bindings, broadcast channels) under a prefix of this test's own.
    env["AIRFLOW__CELERY_BROKER_TRANSPORT_OPTIONS__GLOBAL_KEYPREFIX"] = prefix
    admin(f'CREATE DATABASE "{database}"')
    try:
        yield root, env, database
    finally:
        admin(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        client = redis.Redis.from_url(REDIS_URL)
        stale = list(client.scan_iter(match=f"{prefix}*"))
        if stale:
            client.delete(*stale)


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
    assert f"metadata in postgresql+psycopg2://{PG_USER}@{PG_HOST}:{PG_PORT}/{database}" in result.stdout
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

    conn = reader(load_config(env["BRANDMON_CONFIG"]).published_path)
    try:
        kinds = {r[0] for r in conn.execute("SELECT kind FROM v_alerts WHERE brand = 'demo_coffee'").fetchall()}
    finally:
        conn.close()
    assert "complaint_spike" in kinds


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
