"""Staged files: atomic JSON lines per run, pruned after a week."""

import os
from datetime import datetime, timedelta, timezone

from brandmon.staging import prune, read_jsonl, run_dir, write_jsonl


def test_rows_round_trip_and_run_ids_become_safe_folder_names(tmp_path):
    folder = run_dir(tmp_path, "scheduled__2026-11-26T08:00:00+00:00")
    assert folder.name == "scheduled__2026-11-26T08_00_00+00_00"
    rows = [{"text": "示例咖啡 [哈哈]", "n": 1}, {"text": "第二行\n含换行", "n": 2}]
    assert write_jsonl(folder / "a.jsonl", rows) == 2
    assert list(read_jsonl(folder / "a.jsonl")) == rows
    assert [p.name for p in folder.iterdir()] == ["a.jsonl"]  # no temp file left behind


def test_prune_removes_old_run_folders_but_never_the_current_one(tmp_path):
    now = datetime(2026, 11, 27, tzinfo=timezone.utc)
    for name, age in (("old", 9), ("current", 30), ("recent", 2)):
        write_jsonl(tmp_path / name / "x.jsonl", [{}])
        stamp = (now - timedelta(days=age)).timestamp()
        os.utime(tmp_path / name, (stamp, stamp))
    assert prune(tmp_path, now - timedelta(days=7), keep="current") == ["old"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["current", "recent"]
