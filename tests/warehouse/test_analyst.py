"""Analysts' read-only SQL on the warehouse, a DuckDB file's published copy or a DuckLake: sandboxed,
so a query reads the warehouse and nothing else."""

import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from warehouse.analyst import QueryFailed, run_query
from warehouse.db import WarehouseMissing, writer
from warehouse.storage import FileStorage, LakeStorage

ROOT = Path(__file__).resolve().parents[2]


def lake_storage(root: Path) -> LakeStorage:
    return LakeStorage(data_path=root / "lake", lock=root / "lake.lock", sqlite_file=root / "catalog.sqlite")


@pytest.fixture(scope="module", params=["file", "lake"])
def published(request, tmp_path_factory):
    """A warehouse with one brand, as analysts open it (the tests only read it)."""
    root = tmp_path_factory.mktemp(request.param)
    storage = (FileStorage(root / "brandmon.duckdb", root / "read.duckdb") if request.param == "file"
               else lake_storage(root))
    with writer(storage, "Asia/Shanghai") as conn:
        conn.execute("INSERT INTO brands VALUES ('acme', '艾克米', ['艾克米'], [])")
    return storage


def test_a_query_returns_its_columns_and_rows(published):
    result = run_query(published, "SELECT brand, name FROM brands")
    assert (result.columns, result.rows) == (["brand", "name"], [("acme", "艾克米")])


def test_writes_and_bad_sql_fail_with_duckdbs_reason(published):
    with pytest.raises(QueryFailed, match="brandmon sql is read-only: writes .* not allowed"):
        run_query(published, "DELETE FROM brands")
    with pytest.raises(QueryFailed, match="nowhere"):
        run_query(published, "SELECT * FROM nowhere")
    assert run_query(published, "SELECT count(*) FROM brands").rows == [(1,)]


def test_nothing_published_yet_is_its_own_error(tmp_path):
    for storage in (FileStorage(tmp_path / "brandmon.duckdb", tmp_path / "missing.duckdb"), lake_storage(tmp_path)):
        with pytest.raises(WarehouseMissing):
            run_query(storage, "SELECT 1")


def test_no_file_can_be_written(published, tmp_path):
    for sql in (f"COPY brands TO '{tmp_path}/out.csv'", f"EXPORT DATABASE '{tmp_path}/export'"):
        with pytest.raises(QueryFailed, match="brandmon sql is read-only: .*files.* not allowed"):
            run_query(published, sql)
    assert not (tmp_path / "out.csv").exists() and not (tmp_path / "export").exists()


@pytest.mark.parametrize("sql", ["SELECT * FROM read_csv('/etc/passwd')", "SELECT * FROM read_text('/etc/hostname')",
                                 "SELECT * FROM glob('/etc/*')", "SELECT * FROM 'https://example.com/x.csv'"])
def test_no_other_file_or_url_can_be_read(published, sql):
    with pytest.raises(QueryFailed, match="brandmon sql is read-only: .*files.* not allowed"):
        run_query(published, sql)


@pytest.mark.parametrize("sql", ["INSTALL httpfs", "LOAD httpfs", "FORCE INSTALL spatial"])
def test_no_extension_can_be_installed_or_loaded(published, sql):
    with pytest.raises(QueryFailed, match="brandmon sql is read-only: .*extensions.* not allowed"):
        run_query(published, sql)


@pytest.mark.parametrize("sql", ["SET enable_external_access = true", "SET lock_configuration = false",
                                 "RESET enable_external_access", "SET allowed_paths = ['/etc/passwd']",
                                 "PRAGMA threads = 64", "SET memory_limit = '1TB'"])
def test_no_setting_can_be_changed(published, sql):
    with pytest.raises(QueryFailed, match="brandmon sql is read-only: changing settings .* not allowed"):
        run_query(published, sql)


def test_the_private_writer_database_cannot_be_attached(tmp_path):
    """In a fresh process, as `brandmon sql` runs: attaching the private file would read what is not
    published yet and hold a lock that blocks the writer."""
    storage = FileStorage(tmp_path / "brandmon.duckdb", tmp_path / "read.duckdb")
    with writer(storage, "Asia/Shanghai"):
        pass
    for sql in (f"ATTACH '{storage.path}' AS p (READ_ONLY)", f"ATTACH '{storage.path}' AS p"):
        script = textwrap.dedent(f"""
            from pathlib import Path
            from warehouse.analyst import QueryFailed, run_query
            from warehouse.storage import FileStorage
            try:
                run_query(FileStorage(Path({str(storage.path)!r}), Path({str(storage.published)!r})), {sql!r})
            except QueryFailed as error:
                print(error)
        """)
        out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True)
        assert re.search("brandmon sql is read-only: .*ATTACH.* not allowed", out.stdout), out
    with writer(storage, "Asia/Shanghai", wait=2):
        pass


@pytest.mark.parametrize("sql", [
    "SELECT * FROM sqlite_scan('{catalog}', 'ducklake_table')",
    "SELECT * FROM sqlite_query('{catalog}', 'SELECT 1')",
    "ATTACH '{catalog}' AS c (TYPE sqlite)",
    "ATTACH 'ducklake:sqlite:{catalog}' AS again",
    "DETACH lake",
    "SELECT * FROM query('SELECT * FROM sqlite_scan(''{catalog}'', ''ducklake_table'')')",
    "SELECT * FROM ducklake_snapshots('lake')",
    "CALL ducklake_expire_snapshots('lake', dry_run => true)",
    "SELECT * FROM \"SQLITE_SCAN\" ('{catalog}', 'ducklake_table')",
    "SELECT * FROM query/**/('SELECT * FROM sqlite_scan(''{catalog}'', ''ducklake_table'')')",
    "SELECT * FROM sqlite_scan--\n('{catalog}', 'ducklake_table')",
    "SELECT * FROM query_table/* a comment */('brands')",
])
def test_a_lake_session_cannot_reach_past_the_lake(tmp_path, sql):
    """The catalog scanners ignore DuckDB's external-access switch (sqlite_scan would open any
    file, postgres_query reach any server), so their calls and ATTACH are refused before running."""
    storage = lake_storage(tmp_path)
    with writer(storage, "Asia/Shanghai"):
        pass
    with pytest.raises(QueryFailed, match="brandmon sql is read-only: .* not allowed"):
        run_query(storage, sql.format(catalog=storage.sqlite_file))


def test_a_lake_session_still_reads_columns_named_like_refused_functions(tmp_path):
    storage = lake_storage(tmp_path)
    with writer(storage, "Asia/Shanghai"):
        pass
    assert run_query(storage, "SELECT 'sqlite_scan(' AS query, 1 AS sqlite_scan").rows == [("sqlite_scan(", 1)]


def documented_queries() -> list[str]:
    """Every `brandmon sql "..."` in README and docs/, and every statement of docs/schema.md's SQL block."""
    found = []
    for doc in [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]:
        text = doc.read_text(encoding="utf-8")
        found += [q for q in re.findall(r'brandmon sql "(.+?)"', text, re.S) if "…" not in q]
        for block in re.findall(r"```sql\n(.*?)```", text, re.S):
            code = "\n".join(line for line in block.splitlines() if not line.lstrip().startswith("--"))
            found += [statement.strip() for statement in code.split(";") if statement.strip()]
    return found


def test_every_documented_query_runs(published):
    queries = documented_queries()
    assert len(queries) >= 15
    for sql in queries:
        run_query(published, sql)


def test_temp_tables_and_macros_work_in_the_session(published):
    sql = ("CREATE TEMP TABLE mine AS SELECT brand FROM brands; CREATE TEMP MACRO twice(x) AS x * 2; "
           "SELECT twice(count(*)) FROM mine")
    assert run_query(published, sql).rows == [(2,)]
