"""Staged files: atomic JSON lines per run, damaged lines reported not fatal, pruned after a week."""

import errno
import os
from datetime import datetime, timedelta, timezone

import pytest

from brandmon.staging import BadLine, prune, read_jsonl, run_dir, write_jsonl


def test_rows_round_trip_and_run_ids_become_safe_folder_names(tmp_path):
    folder = run_dir(tmp_path, "scheduled__2026-11-26T08:00:00+00:00")
    assert folder.name == "scheduled__2026-11-26T08_00_00+00_00"
    rows = [{"text": "示例咖啡 [哈哈]", "n": 1}, {"text": "第二行\n含换行", "n": 2}]
    assert write_jsonl(folder / "a.jsonl", rows) == 2
    assert read_jsonl(folder / "a.jsonl") == (rows, [])
    assert [p.name for p in folder.iterdir()] == ["a.jsonl"]  # no temp file left behind


def test_prune_removes_old_run_folders_but_never_the_current_one(tmp_path):
    now = datetime(2026, 11, 27, tzinfo=timezone.utc)
    for name, age in (("old", 9), ("current", 30), ("recent", 2)):
        write_jsonl(tmp_path / name / "x.jsonl", [{}])
        stamp = (now - timedelta(days=age)).timestamp()
        os.utime(tmp_path / name, (stamp, stamp))
    assert prune(tmp_path, now - timedelta(days=7), keep="current") == ["old"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["current", "recent"]


def test_a_truncated_file_gives_its_whole_lines_and_names_the_broken_one(tmp_path):
    path = tmp_path / "a.jsonl"
    write_jsonl(path, [{"n": 1}, {"n": 2}, {"text": "第三行很长"}])
    path.write_bytes(path.read_bytes()[:-9])  # cut inside the last line, mid-character
    rows, bad = read_jsonl(path)
    assert rows == [{"n": 1}, {"n": 2}]
    assert len(bad) == 1 and bad[0].number == 3 and bad[0].raw.startswith('{"text": "第三')


def test_a_line_that_is_not_an_object_is_reported(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_text('{"n": 1}\n[1, 2]\n', encoding="utf-8")
    assert read_jsonl(path) == ([{"n": 1}], [BadLine(2, "[1, 2]", "not a JSON object")])


def test_a_failed_write_leaves_no_temp_file_and_keeps_the_old_file(tmp_path):
    path = tmp_path / "a.jsonl"
    write_jsonl(path, [{"n": 1}])

    def rows_until_the_disk_is_full():
        yield {"n": 2}
        raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(OSError, match="No space left"):
        write_jsonl(path, rows_until_the_disk_is_full())
    assert [p.name for p in tmp_path.iterdir()] == ["a.jsonl"]
    assert read_jsonl(path) == ([{"n": 1}], [])
