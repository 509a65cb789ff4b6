"""DAG integrity: our DAGs import cleanly and are wired the way the design says."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta

import pytest

from brandmon.airflow_setup import OUR_DAGS, POOLS
from brandmon.config import load_config

from .conftest import ENV
from .scenario import write_scenario_config

WRITERS = {"load", "detect", "deliver"}


@pytest.fixture(scope="module")
def dagbag(airflow_db, feed_server):
    from airflow.dag_processing.dagbag import DagBag

    write_scenario_config(feed_server)
    return DagBag(dag_folder=ENV["AIRFLOW__CORE__DAGS_FOLDER"])


def test_dags_import_without_errors(dagbag):
    assert dagbag.import_errors == {}
    assert set(OUR_DAGS) <= set(dagbag.dag_ids)


def test_brand_monitor_has_an_interval_timetable_from_the_config(dagbag):
    from airflow.sdk import CronDataIntervalTimetable

    dag = dagbag.get_dag("brand_monitor")
    config = load_config()
    assert isinstance(dag.timetable, CronDataIntervalTimetable)  # real [start, end) windows
    assert dag.timetable.expression == config.schedule.cron
    assert str(dag.timetable.timezone) == config.timezone.key
    assert dag.catchup is False
    assert dag.max_active_runs == 1


@pytest.mark.parametrize("dag_id", OUR_DAGS)
def test_our_dags_start_paused_and_are_tagged_and_documented(dagbag, dag_id):
    dag = dagbag.get_dag(dag_id)
    assert dag.is_paused_upon_creation is True
    assert "brandmon" in dag.tags
    assert dag.doc_md and len(dag.doc_md) > 200


def test_every_duckdb_writer_is_in_the_one_slot_pool_that_setup_provisions(dagbag):
    dag = dagbag.get_dag("brand_monitor")
    pools = {task.task_id: task.pool for task in dag.tasks}
    assert {t for t, p in pools.items() if p == "duckdb_writer"} == WRITERS
    assert POOLS["duckdb_writer"][0] == 1
    assert all(p in POOLS or p == "default_pool" for p in pools.values())
    assert dagbag.get_dag("brand_digest").get_task("send").pool == "duckdb_writer"


def test_the_digest_waits_for_its_day_without_holding_a_slot(dagbag):
    dag = dagbag.get_dag("brand_digest")
    wait, send = dag.get_task("wait_for_day"), dag.get_task("send")
    assert send.task_id in wait.downstream_task_ids
    assert (wait.mode, wait.soft_fail, wait.timeout) == ("reschedule", True, timedelta(hours=6).total_seconds())
    assert send.trigger_rule == "none_failed"  # a wait that timed out (skipped) still sends, saying what is missing


def test_the_pipeline_shape(dagbag):
    dag = dagbag.get_dag("brand_monitor")
    order = ["plan", "extract", "transform", "load", "detect", "deliver", "heartbeat"]
    for upstream, downstream in zip(order, order[1:]):
        assert downstream in dag.get_task(upstream).downstream_task_ids
    assert dag.get_task("transform").trigger_rule == "all_done"  # one broken source never blocks the rest
    assert dag.get_task("extract").retries >= 1
    assert dag.get_task("extract").retry_delay <= timedelta(minutes=1)
    assert set(dag.params.keys()) == {"start", "end", "brand"}


# What a parse must not load: the scorer, the warehouse, every source kind and its parsers and HTTP
# stack, the alert channels. The DAG files read the schedule alone; tasks load the rest.
HEAVY = ("snownlp", "duckdb", "numpy", "transforms.fastsnow", "bs4", "lxml", "soupsieve", "feedparser", "httpx",
         "charset_normalizer", "protego", "apprise", "warehouse", "extractors.http", "extractors.decoding", "extractors.rss",
         "extractors.html_list", "extractors.archive", "extractors.crawler_exports", "extractors.files",
         "extractors.weibo", "extractors.heimao", "extractors.wechat", "brandmon.pipeline", "alerts.outbox", "alerts.digest",
         "matplotlib", "mplfonts", "PIL")
PARSE = """
import sys, runpy
import airflow.sdk, pendulum  # loaded by any DAG file: what they bring is Airflow's cost, not ours
airflow_loaded = set(sys.modules)
runpy.run_path(sys.argv[1])
added = set(sys.modules) - airflow_loaded
heavy = sys.argv[2].split()
print(" ".join(sorted({h for m in added for h in heavy if m == h or m.startswith(h + ".")})))
"""


@pytest.mark.parametrize("dag_file", ["brand_monitor.py", "brand_digest.py"])
def test_parsing_does_not_import_heavy_modules(dag_file):
    """Parsing a DAG file in a fresh interpreter (as the DAG processor does) loads none of the
    scorer (snownlp takes ~4 s), DuckDB, the source kinds (bs4, feedparser, httpx, pydantic
    settings) or the alert channels: they load inside tasks."""
    out = subprocess.run([sys.executable, "-c", PARSE, f"{ENV['AIRFLOW__CORE__DAGS_FOLDER']}/{dag_file}", " ".join(HEAVY)],
                         env=ENV, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"{dag_file} imports {out.stdout.strip()} at parse time"
