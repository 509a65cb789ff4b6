"""A full disk in the middle of the pipeline: the failing step raises (Airflow retries it), leaves
no temp file and no partial line, and once space returns its re-run loses no post and delivers
every alert exactly once.

The disk fills up through tests/faults/disk.py: writes under the world's state folder fail with
ENOSPC once a byte budget is spent, the last one cut short, as on a real full disk. It covers what
Python writes (staged files, the published copy, the alerts file); DuckDB's own writes are not
injected.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from warehouse.db import PublishFailed

from .disk import FullDisk
from .outcomes import settle
from .worlds import NOW


def no_temp_files(world) -> bool:
    return not list(world.config.state_dir.rglob("*.tmp"))


def test_a_staged_write_on_a_full_disk_fails_the_extract_and_its_rerun_loses_no_post(faulted, clean, outcomes,
                                                                                      monkeypatch):
    world, _ = faulted
    disk = FullDisk(world.config.state_dir, budget=64 * 1024).install(monkeypatch)
    with pytest.raises(OSError, match="No space left on device"):
        world.extract_and_transform()
    assert disk.refused and no_temp_files(world)
    disk.free()
    world.load(world.extract_and_transform())
    world.detect()
    world.deliver()
    settle(outcomes, "ENOSPC in a staged write (extract)", clean[0], world)


def test_a_publish_on_a_full_disk_fails_the_load_clearly_and_its_rerun_publishes(faulted, clean, outcomes,
                                                                                 monkeypatch):
    world, transformed = faulted
    world.load(transformed)
    disk = FullDisk(world.config.state_dir, budget=256 * 1024).install(monkeypatch)
    with pytest.raises(PublishFailed, match="No space left on device; the write is saved"):
        world.load(transformed)
    assert disk.refused and no_temp_files(world)
    disk.free()
    world.load(transformed)
    world.detect()
    world.deliver()
    settle(outcomes, "ENOSPC while publishing (load)", clean[0], world)


def test_the_file_channel_on_a_full_disk_retries_and_delivers_each_alert_once(faulted, clean, outcomes,
                                                                              monkeypatch):
    """The disk fills up in the alerts file's second line: the lines before are whole, the failed
    appends leave nothing, and the deliver task fails (its publish has no room either) with every
    result committed; after space returns the next pass writes the rest, each once."""
    world, transformed = faulted
    world.load(transformed)
    world.detect()
    first, second, *_ = clean[0].alerts_file.read_bytes().splitlines(keepends=True)
    disk = FullDisk(world.config.state_dir, budget=len(first) + len(second) // 2).install(monkeypatch)
    with pytest.raises(PublishFailed):
        world.deliver()
    lines = world.alerts_file.read_text(encoding="utf-8").splitlines(keepends=True)
    assert 0 < len(lines) < len(clean[0].alerts_file.read_text(encoding="utf-8").splitlines())
    assert all(line.endswith("\n") and _parses(line) for line in lines) and no_temp_files(world)
    disk.free()
    world.deliver(NOW + timedelta(hours=1))  # after the retry backoff
    settle(outcomes, "ENOSPC in the file channel (deliver)", clean[0], world)


def _parses(line: str) -> bool:
    try:
        json.loads(line)
    except ValueError:
        return False
    return True
