"""Worlds for the fault suite: a config over the synthetic archive, its own state folder."""

from __future__ import annotations

import re

import pytest
from pytest_httpserver import HTTPServer

from .outcomes import Outcome, table
from .worlds import END, NOW, World, write_archive, write_config

__all__ = ["END", "NOW"]


@pytest.fixture(scope="module")
def server():
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def outcomes():
    found: list[Outcome] = []
    yield found
    print("\n" + table(found))


@pytest.fixture(scope="module")
def clean(tmp_path_factory, server):
    """The clean run of the week, and its transformed files (every world loads the same ones)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("BRANDMON_STATE_DIR", raising=False)
        root = tmp_path_factory.mktemp("faults")
        write_archive(root)
        world = World.make(root, "clean", server)
        transformed = world.extract_and_transform()
        world.load(transformed)
        world.detect()
        report = world.deliver()
        # every channel got the week's alerts (the burst's spikes and the broken source's ops alert)
        assert report["sent"] >= 6 and report["retryable_failures"] == report["permanent_failures"] == 0
        yield world, transformed


@pytest.fixture
def faulted(clean, server, request, monkeypatch):
    monkeypatch.delenv("BRANDMON_STATE_DIR", raising=False)
    world, transformed = clean
    test, _, param = request.node.name.removeprefix("test_").partition("[")
    name = re.sub(r"\W+", "_", f"{test[:30]}_{param.split('-')[0]}").strip("_")
    return World.make(world.root, name, server), transformed


@pytest.fixture
def world(tmp_path, monkeypatch):
    """Two brands on the demo archive (coffee also on a source whose files are missing)."""
    monkeypatch.delenv("BRANDMON_STATE_DIR", raising=False)
    write_archive(tmp_path)
    return tmp_path, write_config(tmp_path)
