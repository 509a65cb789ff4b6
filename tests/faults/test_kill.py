"""kill -9 in the middle of load and of deliver, then the step re-run, as Airflow retries a task
whose process died: the warehouse ends as a clean run's, and each alert reaches each channel once.

Each scenario runs the step in a child process whose script replaces one function with a copy that
stops at the kill point (it writes a `ready` file and sleeps); the test SIGKILLs the child there,
re-runs the step in-process and compares the world with a clean run (tests/faults/outcomes.py).
Nothing in the shipped code knows about these kill points.

The known duplicate: a kill after a chat bot (Apprise: WeCom, DingTalk, Feishu, Slack) accepted a
message and before the outbox recorded it sends that message again on the re-run. Apprise carries
no idempotency key, so the bot cannot drop it (docs/alerts.md). The webhook repeats its request with
the same Idempotency-Key, which a receiver honouring the key drops; the file channel finds the key
in the file and writes nothing.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from warehouse.db import reader

from .outcomes import settle
from .worlds import NOW, World, week

ROOT = Path(__file__).resolve().parents[2]
CHILD = r'''
import json, os, sys, time
from datetime import datetime
from pathlib import Path

args = json.loads(Path(sys.argv[1]).read_text())


def hold():
    """The kill point: tell the test we are here, then wait to be killed."""
    Path(args["ready"]).write_text(str(os.getpid()))
    time.sleep(600)
    sys.exit("not killed")


point = args["point"]
if point == "load":  # in the load's transaction: posts and mentions written, not committed
    import warehouse.load as module
    recompute = module.recount_buckets
    def in_transaction(*a, **k):
        recompute(*a, **k)
        hold()
    module.recount_buckets = in_transaction
elif point == "publish":  # committed; half of the published copy's temp file written
    import shutil
    def half_copy(src, dst, **k):
        data = Path(src).read_bytes()
        Path(dst).write_bytes(data[: len(data) // 2])
        hold()
    shutil.copyfile = half_copy
elif point == "append":  # the file channel's line half written
    import alerts.channels.file as module
    def half_line(fd, record):
        os.write(fd, record[: len(record) // 2])
        hold()
    module.append_record = half_line
else:  # "sent:<channel>": the receiver has the message, the outbox has not recorded it
    import alerts.outbox as module
    finish, channel = module._finish, point.split(":", 1)[1]
    def before_commit(conn, alert_id, name, status, **k):
        if status == "sent" and name == channel:
            hold()
        finish(conn, alert_id, name, status, **k)
    module._finish = before_commit

from brandmon import pipeline
from brandmon.config import load_config
from brandmon.windows import RunWindow
from extractors.base import Window

config = load_config(args["config"])
window = RunWindow(Window(datetime.fromisoformat(args["start"]), datetime.fromisoformat(args["end"])),
                   config.schedule.lookback)
if args["step"] == "load":
    pipeline.load(config, args["transformed"], window)
else:
    pipeline.deliver(config, args["secrets"], datetime.fromisoformat(args["now"]))
sys.exit("the kill point was never reached")
'''


def kill_at(world: World, step: str, point: str, transformed: dict | None = None) -> None:
    """Run `step` of `world` in a child process and SIGKILL it at `point`."""
    ready = world.root / f"{world.name}.{point.replace(':', '_')}.ready"
    window = week(world.config)
    args = {"config": str(world.config_path), "step": step, "point": point, "ready": str(ready),
            "start": window.interval.start.isoformat(), "end": window.interval.end.isoformat(),
            "now": NOW.isoformat(), "transformed": transformed, "secrets": world.secrets()}
    args_file = ready.with_suffix(".json")
    args_file.write_text(json.dumps(args))
    env = {k: v for k, v in os.environ.items() if k != "BRANDMON_STATE_DIR"}
    with open(ready.with_suffix(".log"), "w") as log:
        child = subprocess.Popen([sys.executable, "-c", CHILD, str(args_file)], cwd=ROOT, env=env, stdout=log,
                                 stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 180
        while not ready.exists():
            if child.poll() is not None or time.monotonic() > deadline:
                child.kill()
                child.wait()
                raise AssertionError(f"{point} never reached: {ready.with_suffix('.log').read_text()[-3000:]}")
            time.sleep(0.05)
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
    assert child.returncode == -signal.SIGKILL


def test_a_load_killed_in_its_transaction_commits_nothing_and_its_rerun_stores_what_a_clean_run_does(
        clean, faulted, outcomes):
    world, transformed = faulted
    kill_at(world, "load", "load", transformed)
    assert not world.config.warehouse.published.exists()  # nothing committed, nothing published
    world.load(transformed)
    world.detect()
    world.deliver()
    settle(outcomes, "kill -9 mid-load (in the transaction)", clean[0], world)


def test_a_publish_killed_mid_copy_leaves_the_old_copy_readable_and_its_temp_file_is_removed(
        clean, faulted, outcomes):
    world, transformed = faulted
    world.load(transformed)
    kill_at(world, "load", "publish", transformed)
    [tmp] = world.config.warehouse.published.parent.glob("*.tmp")
    conn = reader(world.config.warehouse)
    assert conn.execute("SELECT count(*) FROM posts").fetchone()[0] > 0  # the previous copy, whole
    conn.close()
    world.load(transformed)
    assert not tmp.exists()
    world.detect()
    world.deliver()
    settle(outcomes, "kill -9 mid-publish (copy half written)", clean[0], world)


def test_an_append_killed_mid_line_is_written_whole_once_by_the_rerun(clean, faulted, outcomes):
    world, transformed = faulted
    world.load(transformed)
    world.detect()
    kill_at(world, "deliver", "append")
    assert not world.alerts_file.read_bytes().endswith(b"\n")  # half a line, holding its key
    world.deliver()
    settle(outcomes, "kill -9 mid-deliver: file line half written", clean[0], world)


@pytest.mark.parametrize("channel, scenario, expected", [
    ("local_file", "file line written", (0, 0, 0, 0, 0, 0)),
    ("pr_hook", "webhook answered 2xx", (0, 0, 0, 0, 0, 1)),  # the same Idempotency-Key again
    ("pr_bot", "chat bot (Apprise) accepted", (0, 0, 0, 1, 0, 0)),  # the documented duplicate
])
def test_a_kill_between_send_and_commit_resends_only_what_a_receiver_can_drop_except_to_a_chat_bot(
        clean, faulted, outcomes, channel, scenario, expected):
    world, transformed = faulted
    world.load(transformed)
    world.detect()
    kill_at(world, "deliver", f"sent:{channel}")
    world.deliver()
    settle(outcomes, f"kill -9 mid-deliver: {scenario}, before the commit", clean[0], world, expected)
