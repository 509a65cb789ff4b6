"""PostgreSQL and Redis for the scale-out engines (`airflow: {executor: celery}`), owned the way a
test owns its world: a database created for it and dropped after, and a Redis key prefix of its
own whose keys are deleted after, so runs beside each other (or beside a real deployment) never
meet. Used by tests/e2e/test_celery.py and bench/scale_out.py."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import yaml

PG = {"host": "127.0.0.1", "port": 5432, "user": "postgres"}
REDIS_URL = "redis://127.0.0.1:6379/0"
PREFIX_ENV = "AIRFLOW__CELERY_BROKER_TRANSPORT_OPTIONS__GLOBAL_KEYPREFIX"


def missing_postgres() -> str | None:
    """Why PostgreSQL cannot be used here, or None when it answers."""
    import psycopg2

    try:
        psycopg2.connect(dbname="postgres", connect_timeout=5, **PG).close()
    except psycopg2.Error as error:
        return f"PostgreSQL is not available on {PG['host']}:{PG['port']} as {PG['user']} ({str(error).strip()})"
    return None


def missing_service() -> str | None:
    """Why the scale-out engines cannot run here, or None when both answer."""
    import redis

    missing = missing_postgres()
    if missing:
        return missing
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=5).ping()
    except redis.RedisError as error:
        return f"Redis is not available at {REDIS_URL} ({error})"
    return None


def _admin(statement: str) -> None:
    """One statement on the server's maintenance database, outside a transaction (CREATE/DROP DATABASE)."""
    import psycopg2

    conn = psycopg2.connect(dbname="postgres", **PG)
    conn.autocommit = True
    try:
        conn.cursor().execute(statement)
    finally:
        conn.close()


@contextmanager
def scratch_database(label: str) -> Iterator[str]:
    """A PostgreSQL database of the test's own, dropped on the way out; yields its URL."""
    database = f"brandmon_{label}_{uuid.uuid4().hex[:12]}"
    _admin(f'CREATE DATABASE "{database}"')
    try:
        yield f"postgresql://{PG['user']}@{PG['host']}:{PG['port']}/{database}"
    finally:
        _admin(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def metadata(database: str, query: str, *params) -> list[tuple]:
    """Rows of a query on an Airflow metadata database in PostgreSQL."""
    import psycopg2

    conn = psycopg2.connect(dbname=database, **PG)
    try:
        with conn.cursor() as cursor:
            cursor.execute(query, params)
            return cursor.fetchall()
    finally:
        conn.close()


def sqlite_metadata(state_dir: Path, query: str, *params) -> list[tuple]:
    """The same on the embedded SQLite metadata database of a state folder (`%s` placeholders)."""
    import sqlite3

    conn = sqlite3.connect(state_dir / "airflow" / "airflow.db")
    try:
        return conn.execute(query.replace("%s", "?"), params).fetchall()
    finally:
        conn.close()


@contextmanager
def scale_out(config_file: Path, env: dict[str, str], workers: int, concurrency: int, label: str) -> Iterator[str]:
    """Turn a world's config to `executor: celery` on a database and a key prefix of its own
    (the prefix goes into `env`); yields the database's name; drops both on the way out."""
    import redis

    prefix = f"brandmon-{label}-{uuid.uuid4().hex[:12]}:"
    try:
        with scratch_database(label) as url:
            config = yaml.safe_load(config_file.read_text())
            config["airflow"] = {"executor": "celery", "workers": workers, "worker_concurrency": concurrency,
                                 "metadata_db": url, "broker": REDIS_URL}
            config_file.write_text(yaml.safe_dump(config, allow_unicode=True))
            env[PREFIX_ENV] = prefix  # every key (queues, bindings, broadcast channels) under it
            yield url.rsplit("/", 1)[1]
    finally:
        client = redis.Redis.from_url(REDIS_URL)
        stale = list(client.scan_iter(match=f"{prefix}*"))
        if stale:
            client.delete(*stale)
