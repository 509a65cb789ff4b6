"""DuckLake connections (docs/decisions/0003-storage.md): the extensions loaded from their PyPI
packages, the lake attached as `lake`, the migrations' DDL without constraints, the writer lock
that holds across hosts, and maintenance.

DuckDB's own INSTALL downloads extensions, which these machines cannot; the packages
`duckdb-extension-*` ship the binaries for exactly the pinned DuckDB version, so they are LOADed
from their files with autoinstall and autoload off.
"""

from __future__ import annotations

import importlib.util
import re
import sqlite3
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from warehouse.sql_tokens import tokens
from warehouse.storage import LakeStorage

if TYPE_CHECKING:
    import duckdb

NAME = "lake"
METADATA = f"__ducklake_metadata_{NAME}"
PACKAGES = {"ducklake": "duckdb_extension_ducklake", "sqlite_scanner": "duckdb_extension_sqlite_scanner",
            "postgres_scanner": "duckdb_extension_postgres_scanner"}
COMPACT_AFTER_FILES = 200  # small data files and delete files over all tables; each run adds a few
SMALL_FILE_BYTES = 16_000_000  # a quarter of the target size: what compaction would merge
OPTIONS = {"expire_older_than": "1 day", "delete_older_than": "1 day", "target_file_size": "64MB",
           "rewrite_delete_threshold": "0.1"}
ADVISORY_KEY = 0x6272616E64  # "brand": the PostgreSQL advisory lock of the one writer


class LakeUnavailable(RuntimeError):
    """The lake's extensions or catalog cannot be reached; the message names the fix."""


class LakeNotCreated(LakeUnavailable):
    """A reader attached a catalog that holds no lake yet: no writer has run."""


def extension_file(name: str) -> Path:
    """The extension binary its PyPI package installed for this DuckDB version."""
    import duckdb

    spec = importlib.util.find_spec(PACKAGES[name])
    version = duckdb.__version__
    found = Path(next(iter(spec.submodule_search_locations))) / "extensions" / f"v{version}" / f"{name}.duckdb_extension" \
        if spec and spec.submodule_search_locations else None
    if found is None or not found.exists():
        raise LakeUnavailable(f"the DuckDB extension {name} for duckdb {version} is not installed: run `make venv` "
                              f"(the package {PACKAGES[name].replace('_', '-')} must match duckdb's version)")
    return found


def connect(lake: LakeStorage, read_only: bool) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB session with the lake attached as `lake` and in use; the writer's
    attach creates the lake (catalog and data folder) when it does not exist yet."""
    import duckdb

    scanner = "postgres_scanner" if lake.postgres is not None else "sqlite_scanner"
    conn = duckdb.connect(config={"autoinstall_known_extensions": False, "autoload_known_extensions": False})
    try:
        for name in ("ducklake", scanner):
            conn.execute(f"LOAD {_literal(str(extension_file(name)))}")
        if lake.sqlite_file is not None and not read_only:
            _sqlite_catalog(lake.sqlite_file)
        if not read_only:
            lake.data_path.mkdir(parents=True, exist_ok=True)
        conn.execute(f"ATTACH {_literal('ducklake:' + lake.catalog)} AS {NAME} "
                     f"(DATA_PATH {_literal(str(lake.data_path) + '/')}{', READ_ONLY' if read_only else ''})")
        conn.execute(f"USE {NAME}")
    except duckdb.Error as error:
        conn.close()
        if read_only and "creating a new DuckLake is explicitly disabled" in str(error):
            raise LakeNotCreated(lake.where) from None
        raise LakeUnavailable(_explain(lake, str(error))) from error
    return conn


def exists(lake: LakeStorage) -> bool:
    """Whether a writer has created the lake (readers of a lake that does not exist are told to run first)."""
    if lake.sqlite_file is not None:
        return lake.sqlite_file.exists()
    return True  # a PostgreSQL catalog: attaching says whether it holds a lake


def migrated(conn: duckdb.DuckDBPyConnection) -> bool:
    """Whether the attached lake holds the schema (a new lake's first writer has migrated it)."""
    return conn.execute("SELECT count(*) FROM duckdb_tables() WHERE database_name = ? AND table_name = 'schema_migrations'",
                        [NAME]).fetchone()[0] > 0


def constraint_free(sql: str) -> str:
    """`sql` without PRIMARY KEY, UNIQUE and CHECK clauses, which a DuckLake does not support (a
    column's own PRIMARY KEY becomes NOT NULL); the rest (columns, NOT NULL, defaults, views,
    macros) is kept as written."""
    found = tokens(sql)
    starts = [start for start, _ in found] + [len(sql)]
    words = [text.upper() for _, text in found]
    kept, position, i = [], 0, 0
    while i < len(words):
        clause = 2 if words[i:i + 2] == ["PRIMARY", "KEY"] else 1 if words[i] in ("UNIQUE", "CHECK") else 0
        if not clause:
            i += 1
            continue
        first, after, instead = i, i + clause, ""
        if after < len(words) and words[after] == "(":
            after = _closing(words, after) + 1
            if words[i] != "CHECK" and first > 0 and words[first - 1] == ",":
                first -= 1  # a table constraint: its comma goes too
        elif clause == 2:
            instead = "NOT NULL "  # a key column stays required
        kept.append(sql[position:starts[first]] + instead)
        position, i = starts[after], after
    kept.append(sql[position:])
    return "".join(kept)


@contextmanager
def writer_lock(lake: LakeStorage, wait: float) -> Iterator[None]:
    """With a PostgreSQL catalog, its advisory lock: one writer across every host, released when
    the block ends or the process dies. A SQLite catalog is on one host: the file lock suffices."""
    if lake.postgres is None:
        yield
        return
    import psycopg2

    from warehouse.db import WarehouseBusy

    try:
        session = psycopg2.connect(lake.postgres)
    except psycopg2.Error as error:
        raise LakeUnavailable(_explain(lake, str(error))) from error
    try:
        session.autocommit = True
        deadline = time.monotonic() + wait
        with session.cursor() as cursor:
            while True:
                cursor.execute("SELECT pg_try_advisory_lock(%s)", [ADVISORY_KEY])
                if cursor.fetchone()[0]:
                    break
                if time.monotonic() >= deadline:
                    raise WarehouseBusy(f"another process held the lake's writer lock (PostgreSQL advisory lock "
                                        f"{ADVISORY_KEY}) for over {wait:.0f}s; check for a stuck brand_monitor task")
                time.sleep(0.2)
        yield
    finally:
        session.close()  # ends the session, which releases the lock


def set_options(conn: duckdb.DuckDBPyConnection) -> None:
    """The lake's maintenance settings (what CHECKPOINT expires, removes and merges)."""
    for option, value in OPTIONS.items():
        conn.execute(f"CALL {NAME}.set_option(?, ?)", [option, value])


def maintain(conn: duckdb.DuckDBPyConnection) -> bool:
    """Compact when small data files and delete files pass COMPACT_AFTER_FILES: flush rows held in
    the catalog, merge the small files (those under SMALL_FILE_BYTES only: DuckLake's CHECKPOINT
    would also merge every file under the 64 MB target, rewriting most of a long history each
    time), rewrite files with over 10% deleted rows, expire old snapshots and remove unused files.
    Returns whether it did."""
    small = conn.execute(f"""
        SELECT (SELECT count(*) FROM {METADATA}.ducklake_data_file
                WHERE end_snapshot IS NULL AND file_size_bytes < ?)
             + (SELECT count(*) FROM {METADATA}.ducklake_delete_file WHERE end_snapshot IS NULL)""",
                         [SMALL_FILE_BYTES]).fetchone()[0]
    if small <= COMPACT_AFTER_FILES:
        return False
    conn.execute(f"CALL ducklake_flush_inlined_data('{NAME}')")
    conn.execute(f"CALL ducklake_merge_adjacent_files('{NAME}', max_file_size => {SMALL_FILE_BYTES})")
    conn.execute(f"CALL ducklake_rewrite_data_files('{NAME}')")
    conn.execute(f"CALL ducklake_expire_snapshots('{NAME}')")
    conn.execute(f"CALL ducklake_cleanup_old_files('{NAME}')")
    return True


def import_file(conn: duckdb.DuckDBPyConnection, path: Path) -> dict[str, int]:
    """Copy every table of a DuckDB file warehouse (migrated to the lake's schema) into the lake in
    one transaction, replacing what the lake's migrations stored; returns the rows per table."""
    from warehouse.db import transaction

    conn.execute(f"ATTACH {_literal(str(path))} AS imported (READ_ONLY)")
    try:
        tables = [name for (name,) in conn.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = 'imported' ORDER BY table_name").fetchall()]
        copied = {}
        with transaction(conn):
            for table in tables:
                conn.execute(f"DELETE FROM {NAME}.{table}")
                conn.execute(f"INSERT INTO {NAME}.{table} BY NAME SELECT * FROM imported.{table}")
                copied[table] = conn.execute(f"SELECT count(*) FROM {NAME}.{table}").fetchone()[0]
        return copied
    finally:
        conn.execute("DETACH imported")


def relocate(lake: LakeStorage) -> None:
    """Record `lake.data_path` in its SQLite catalog as the lake's data folder, after the catalog and
    the data folder were copied or moved together (a lake records its folder and refuses to attach
    with another; the data files' paths are relative to it)."""
    if lake.sqlite_file is None:
        raise ValueError("only a SQLite catalog is relocated by copying files")
    with closing(sqlite3.connect(lake.sqlite_file)) as catalog, catalog:
        moved = catalog.execute("UPDATE ducklake_metadata SET value = ? WHERE key = 'data_path' AND scope IS NULL",
                                [str(lake.data_path) + "/"]).rowcount
    if moved != 1:
        raise ValueError(f"{lake.sqlite_file} records no data folder: not a DuckLake catalog")


def _closing(words: list[str], opening: int) -> int:
    depth = 0
    for index in range(opening, len(words)):
        depth += words[index] == "("
        depth -= words[index] == ")"
        if depth == 0:
            return index
    raise ValueError("unbalanced parentheses in a migration")


def _sqlite_catalog(path: Path) -> None:
    # Write-ahead logging: readers and the writer of the catalog never wait on each other. The
    # mode is stored in the file, so setting it once at creation is enough.
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(path) as catalog:
        catalog.execute("PRAGMA journal_mode = WAL")


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _explain(lake: LakeStorage, message: str) -> str:
    where = f"the PostgreSQL catalog `{lake.postgres}`" if lake.postgres else f"the catalog {lake.sqlite_file}"
    if "does not exist" in message and lake.postgres:
        return (f"cannot open {where}: {message.strip()}; create the database (`createdb` with that dbname) "
                "or fix storage.lake_catalog")
    recorded = re.search(r'existing data path in the catalog "([^"]+)"', message)
    if recorded:
        return (f"cannot open the lake: its data folder, recorded in {where}, is {recorded.group(1)}, not "
                f"{lake.data_path}; set storage.lake_data_path to {recorded.group(1)}")
    return f"cannot open the lake ({where}, data in {lake.data_path}): {message.strip()}"
