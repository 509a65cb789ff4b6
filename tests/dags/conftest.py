"""An isolated Airflow for DAG tests: its own AIRFLOW_HOME, SQLite metadata DB and state folder.

Airflow reads its settings when first imported: the environment is set for this folder's tests
only (package scope, so the end-to-end tests after them see a clean one), before any of them
imports Airflow. The metadata DB is migrated once.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from brandmon.airflow_setup import AirflowHome, airflow_env

ROOT = Path(tempfile.mkdtemp(prefix="brandmon-dagtests-"))
CONFIG = ROOT / "config" / "brands.yaml"
LAYOUT = AirflowHome(ROOT / "state")
ENV = airflow_env(LAYOUT, port=18080)
ENV["BRANDMON_CONFIG"] = str(CONFIG)
ENV["PYTHONWARNINGS"] = "ignore"


@pytest.fixture(scope="package", autouse=True)
def airflow_environment():
    """Our Airflow settings in os.environ and the DAGs folder on sys.path, while this folder runs."""
    with pytest.MonkeyPatch.context() as mp:
        for key, value in ENV.items():
            if key.startswith(("AIRFLOW", "BRANDMON")):
                mp.setenv(key, value)
        mp.syspath_prepend(ENV["AIRFLOW__CORE__DAGS_FOLDER"])
        yield


@pytest.fixture(scope="package")
def airflow_db(airflow_environment) -> Path:
    """A migrated metadata DB (dag.test() needs one); returns the test state folder."""
    subprocess.run([str(Path(sys.executable).with_name("airflow")), "db", "migrate"], env=ENV, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return LAYOUT.state_dir


@pytest.fixture(scope="session")
def feed_server():
    """A real HTTP server on loopback: the news feed, robots.txt and the alert webhook."""
    from pytest_httpserver import HTTPServer

    from .scenario import rss_document

    server = HTTPServer(host="127.0.0.1", port=0)
    server.expect_request("/robots.txt").respond_with_data("User-agent: *\nAllow: /\n")
    server.expect_request("/news").respond_with_data(rss_document(), content_type="application/rss+xml; charset=utf-8")
    server.expect_request("/hook", method="POST").respond_with_data("ok")
    server.expect_request("/heartbeat", method="GET").respond_with_data("OK")
    server.start()
    yield server
    server.clear()
    if server.is_running():
        server.stop()
