"""`brandmon sql`: read-only SQL on the published warehouse, as a table, CSV or JSON lines."""

import csv
import io
import json

import pytest
import yaml

from brandmon.cli import main
from warehouse.db import writer
from warehouse.storage import FileStorage


@pytest.fixture
def config_file(tmp_path, monkeypatch):
    monkeypatch.delenv("BRANDMON_STATE_DIR", raising=False)
    path = tmp_path / "brands.yaml"
    path.write_text(yaml.safe_dump({
        "storage": {"state_dir": "state"},
        "brands": {"acme": {"keywords": ["艾克米"], "sources": ["history"]}},
        "sources": {"history": {"kind": "archive", "path": "posts.jsonl"}},
    }, allow_unicode=True))
    return path


def publish_brands(config_file):
    state = config_file.parent / "state" / "warehouse"
    with writer(FileStorage(state / "brandmon.duckdb", state / "brandmon_read.duckdb"), "Asia/Shanghai") as conn:
        conn.execute("INSERT INTO brands VALUES ('acme', '艾克米', ['艾克米'], []), ('rival', '对手', [], ['acme'])")


def test_table_csv_and_json_formats(config_file, capsys):
    publish_brands(config_file)
    query = "SELECT brand, name FROM brands ORDER BY brand"
    assert main(["sql", query, "--config", str(config_file)]) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[0].split() == ["brand", "name"] and table[2].split() == ["acme", "艾克米"] and table[-1] == "(2 rows)"
    assert main(["sql", query, "--config", str(config_file), "--format", "csv"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("\ufeff")  # Excel on Chinese Windows reads UTF-8 only after a byte order mark
    assert list(csv.reader(io.StringIO(out[1:]))) == [["brand", "name"], ["acme", "艾克米"], ["rival", "对手"]]
    assert main(["sql", query, "--config", str(config_file), "--format", "json"]) == 0
    assert [json.loads(line) for line in capsys.readouterr().out.splitlines()] == [
        {"brand": "acme", "name": "艾克米"}, {"brand": "rival", "name": "对手"}]


def test_writes_are_refused(config_file, capsys):
    publish_brands(config_file)
    assert main(["sql", "DELETE FROM brands", "--config", str(config_file)]) == 1
    assert "read-only" in capsys.readouterr().err.lower()


def test_bad_sql_and_missing_warehouse_are_explained(config_file, capsys):
    assert main(["sql", "SELECT 1", "--config", str(config_file)]) == 2
    assert "run the pipeline first" in capsys.readouterr().err
    publish_brands(config_file)
    assert main(["sql", "SELECT * FROM nowhere", "--config", str(config_file)]) == 1
    assert "nowhere" in capsys.readouterr().err


def test_csv_carries_lists_as_json_and_long_texts_whole(config_file, capsys):
    publish_brands(config_file)
    long_name = "长" * 200
    query = f"SELECT brand, keywords, '{long_name}' AS note FROM brands WHERE brand = 'acme'"
    assert main(["sql", query, "--config", str(config_file), "--format", "csv", "--no-bom"]) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert rows == [["brand", "keywords", "note"], ["acme", '["艾克米"]', long_name]]


def test_files_outside_the_warehouse_are_out_of_reach(config_file, capsys):
    publish_brands(config_file)
    assert main(["sql", "SELECT * FROM read_csv('/etc/passwd')", "--config", str(config_file)]) == 1
    assert "brandmon sql is read-only: reading or writing files" in capsys.readouterr().err


@pytest.mark.parametrize("command", [["sql", "SELECT 1"], ["digest"]])
def test_a_missing_config_is_one_line_naming_the_file_not_a_traceback(tmp_path, capsys, command):
    missing = tmp_path / "nowhere.yaml"
    assert main([*command, "--config", str(missing)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"brandmon {command[0]}: {missing}: (file): not found") and "Traceback" not in err
