"""Opening the warehouse: the single writer, readers, and migrations, for either storage
(warehouse.storage).

One process writes at a time (Airflow's `duckdb_writer` pool has one slot; an advisory file lock
here makes that hold for the CLI and `dag.test()` too, with a bounded wait, and a lake with a
PostgreSQL catalog adds an advisory lock there, which holds across hosts).
- A DuckDB file is checkpointed after a write and, unless the caller defers it (`publish=False`:
  brand_monitor's load and detect, whose run publishes once, in deliver), copied to a published
  file that analysts open read-only, so an analyst session never blocks a run and sees each run's
  data once it is published (docs/decisions/0001-duckdb-readers.md).
- A DuckLake needs no copy: readers attach it read-only and see each commit; the writer compacts
  it now and then (docs/decisions/0003-storage.md).
"""

from __future__ import annotations

import fcntl
import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from importlib import resources
from pathlib import Path

import duckdb

from warehouse import lake
from warehouse.days import set_zone
from warehouse.storage import FileStorage, LakeStorage, Storage

LOCK_WAIT_SECONDS = 600.0


class WarehouseBusy(RuntimeError):
    """Another writer held the warehouse longer than the bounded wait."""


class PublishFailed(RuntimeError):
    """The read-only copy could not be refreshed (a full disk): the write is saved, the old copy stays."""


class WarehouseMissing(FileNotFoundError):
    """Nothing has been published yet: the pipeline has not loaded any data."""


def migrations() -> list[tuple[int, str, str]]:
    """The schema migrations shipped in warehouse/migrations, as (version, name, sql), in order."""
    found = []
    for entry in resources.files("warehouse.migrations").iterdir():
        if entry.name.endswith(".sql"):
            version = int(entry.name.split("_", 1)[0])
            found.append((version, entry.name, entry.read_text(encoding="utf-8")))
    return sorted(found)


def migrate(conn: duckdb.DuckDBPyConnection, timezone: str, constraints: bool = True) -> list[str]:
    """Apply the migrations not yet applied and record the configured zone (stored local days
    follow it, warehouse.days); returns the migrations' names. On a file each migration is a
    transaction of its own. Without `constraints` (a DuckLake has none) their keys and checks are
    left out, and all of it is one transaction, so readers never see a lake half migrated."""
    ddl = (lambda sql: sql) if constraints else lake.constraint_free
    step = transaction if constraints else nullcontext
    applied = []
    with nullcontext() if constraints else transaction(conn):
        conn.execute(ddl("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
                         "name VARCHAR NOT NULL)"))
        done = {row[0] for row in conn.execute("SELECT version FROM schema_migrations").fetchall()}
        for version, name, sql in migrations():
            if version in done:
                continue
            with step(conn):
                conn.execute(ddl(sql))
                conn.execute("INSERT INTO schema_migrations VALUES (?, ?)", [version, name])
            applied.append(name)
        with step(conn):
            set_zone(conn, timezone)
    return applied


@contextmanager
def transaction(conn: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """Run the block as one transaction: committed if it succeeds, rolled back if it raises.

    `conn` must be in auto-commit mode (no transaction open), as `writer` hands it out.
    """
    conn.execute("BEGIN")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


@contextmanager
def writer(storage: Storage, timezone: str, wait: float = LOCK_WAIT_SECONDS,
           publish: bool = True) -> Iterator[duckdb.DuckDBPyConnection]:
    """The one read-write connection: locked, migrated, and when the block succeeds made durable:
    a file is checkpointed and (with `publish`) published, a lake compacted when it needs it.
    Without `publish` a file's write waits for the next publishing writer, whose copy carries
    every write before it; a lake's commits are visible at once."""
    storage.lock.parent.mkdir(parents=True, exist_ok=True)
    is_lake = isinstance(storage, LakeStorage)
    with _exclusive_lock(storage.lock, wait), (lake.writer_lock(storage, wait) if is_lake else nullcontext()):
        conn = lake.connect(storage, read_only=False) if is_lake else _connect_with_wait(storage.path, wait)
        try:
            conn.execute("SET TimeZone = 'UTC'")
            applied = migrate(conn, timezone, constraints=not is_lake)
            if is_lake and applied and applied[0] == migrations()[0][1]:  # a new lake
                lake.set_options(conn)
                if storage.import_from is not None and storage.import_from.exists():
                    _import_file(conn, storage.import_from, timezone, wait)
            yield conn
            if is_lake:
                lake.maintain(conn)
            else:
                conn.execute("CHECKPOINT")
        finally:
            conn.close()
        if publish and isinstance(storage, FileStorage):
            publish_copy(storage.path, storage.published)


def _import_file(conn: duckdb.DuckDBPyConnection, path: Path, timezone: str, wait: float) -> None:
    # The file is migrated to the code's schema first (its own writer: its lock, its checkpoint).
    with writer(FileStorage(path, path.with_name(path.stem + "_read.duckdb")), timezone, wait, publish=False):
        pass
    lake.import_file(conn, path)


def publish_copy(path: Path, published: Path) -> None:
    """Atomically replace the read-only copy; open readers keep the copy they opened.

    The copy is written to a temp file, fsynced and renamed over the old one. Called under the
    writer lock, so a temp file already there was left by a killed process and is removed. A
    failed copy (a full disk) removes its temp file, leaves the previous copy whole and readable,
    and raises PublishFailed.
    """
    for stale in published.parent.glob(f".{published.name}.*.tmp"):
        stale.unlink(missing_ok=True)
    tmp = published.with_name(f".{published.name}.{os.getpid()}.tmp")
    try:
        shutil.copyfile(path, tmp)
        with open(tmp, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, published)
    except BaseException as error:
        tmp.unlink(missing_ok=True)
        if isinstance(error, OSError):
            raise PublishFailed(
                f"could not publish the read-only copy {published}: {error.strerror or error}; the write is saved "
                f"in {path} and analysts still see the previous copy; free space and re-run the task "
                "(any later publishing write, at the latest the next run's deliver, publishes again)") from error
        raise
    fsync_dir(published.parent)


def fsync_dir(folder: Path) -> None:
    """Make a file created or renamed in `folder` durable: fsync the folder itself."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def reader(storage: Storage, sandboxed: bool = False) -> duckdb.DuckDBPyConnection:
    """A read-only connection, for analysts, the CLI and alert composition: the published copy of
    a file, or the lake attached read-only (each query sees the latest commit).

    `sandboxed` (analysts' own SQL) also turns DuckDB's external access off (no other file or
    URL, no ATTACH, no extension install or load; a lake's own data folder stays readable) and
    locks the configuration so SQL cannot undo it. warehouse.analyst refuses what that misses.
    """
    if isinstance(storage, LakeStorage):
        missing = WarehouseMissing(f"no warehouse in {storage.where} yet: run the pipeline first (make run)")
        if not lake.exists(storage):
            raise missing
        try:
            conn = lake.connect(storage, read_only=True)
        except lake.LakeNotCreated:
            raise missing from None
        if not lake.migrated(conn):  # created a moment ago: its first writer is still migrating
            conn.close()
            raise missing
        if sandboxed:
            conn.execute("SET allowed_directories = ?", [[str(storage.data_path) + "/"]])
    else:
        if not storage.published.exists():
            raise WarehouseMissing(f"no published warehouse at {storage.published}: run the pipeline first (make run)")
        conn = duckdb.connect(str(storage.published), read_only=True)
    conn.execute("SET TimeZone = 'UTC'")
    if sandboxed:
        conn.execute("SET enable_external_access = false")
        conn.execute("SET lock_configuration = true")
    return conn


@contextmanager
def _exclusive_lock(lock_path: Path, wait: float) -> Iterator[None]:
    deadline = time.monotonic() + wait
    with open(lock_path, "a+") as handle:
        while True:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise WarehouseBusy(
                        f"another process held the warehouse writer lock {lock_path} for over {wait:.0f}s; "
                        "check for a stuck brand_monitor task or a `brandmon` command still running") from None
                time.sleep(0.2)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _connect_with_wait(path: Path, wait: float) -> duckdb.DuckDBPyConnection:
    # DuckDB's own file lock also refuses a second process (someone opened the private file by
    # hand); wait for it like for our lock rather than failing the run.
    deadline = time.monotonic() + wait
    while True:
        try:
            return duckdb.connect(str(path))
        except duckdb.IOException as error:
            if "lock" not in str(error).lower() or time.monotonic() >= deadline:
                raise
            time.sleep(0.5)
