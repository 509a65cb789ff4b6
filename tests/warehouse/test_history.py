"""warehouse.history: a loaded run grown into a long history by bulk SQL, on a real warehouse."""

from __future__ import annotations

from datetime import timedelta

import pytest

from transforms.topics import Topic
from warehouse import history
from warehouse.history import HistoryShape, grow
from warehouse.load import load_staged
from warehouse.runs import RunRecord, record_run
from warehouse.topics import store_topics

from .conftest import BRANDS, BUCKET, T0, load_posts, post, source_run, stage

END = T0 + BUCKET  # the template run is the interval [T0, END)
SHAPE = HistoryShape(posts=1_000, end=END, per_week=700, interval=BUCKET, bucket=BUCKET)


@pytest.fixture
def template(warehouse, tmp_path):
    """One run's worth: three posts (two of acme, one of rival), its source runs, a topic, its run row."""
    acme = [post("t1", T0 + timedelta(minutes=1), "艾克米 好", label="pos"),
            post("t2", T0 + timedelta(minutes=5), "艾克米 变质了", label="neg", complaint=True)]
    load_posts(warehouse, tmp_path / "acme", acme)
    load_posts(warehouse, tmp_path / "rival", [post("t3", T0 + timedelta(minutes=9), "对手 一般")], brand="rival")
    load_staged(warehouse, stage(tmp_path / "runs", source_runs=[source_run(T0), source_run(T0, brand="rival")]),
                BRANDS, [], BUCKET)
    store_topics(warehouse, "acme", END - timedelta(hours=1), END,
                 [Topic("变质", "变质", ("变质",), ("weibo:t2",), 1, 20.0, 5.0, 0, True, False)])
    record_run(warehouse, RunRecord("scheduled__t0", "scheduled", T0, END, END, 0))
    return warehouse


def rows(conn, sql: str) -> list[tuple]:
    return conn.execute(sql).fetchall()


def test_the_history_holds_copies_of_the_template_posts_evenly_back_from_its_end(template, monkeypatch):
    monkeypatch.setattr(history, "BATCH", 300)  # several INSERT batches
    counts = grow(template, SHAPE)
    assert counts["posts"] == counts["mentions"] == 1_000
    step = timedelta(weeks=1) / SHAPE.per_week
    (ids, newest, oldest), = rows(template, "SELECT count(DISTINCT native_id), max(published_at), min(published_at) "
                                            "FROM posts")
    assert ids == 1_000
    assert abs(newest - (END - step)) < timedelta(seconds=1)
    assert abs(oldest - SHAPE.start) < timedelta(seconds=1)
    # post i has the text, scores and brand of template post i mod 3, its own id, time and link
    assert rows(template, "SELECT text, label, complaint, count(*) FROM posts GROUP BY ALL ORDER BY text") == [
        ("对手 一般", "neu", False, 333), ("艾克米 变质了", "neg", True, 333), ("艾克米 好", "pos", False, 334)]
    assert rows(template, "SELECT brand, count(*) FROM mentions m JOIN posts p USING (platform, native_id) "
                          "WHERE m.published_at = p.published_at GROUP BY ALL ORDER BY ALL") == [("acme", 667),
                                                                                                 ("rival", 333)]
    assert rows(template, "SELECT count(*) FROM posts WHERE url = 'https://m.weibo.cn/detail/' || native_id "
                          "AND counted_at IS NULL") == [(1_000,)]


def test_the_bucket_counts_are_those_the_real_load_computes(template, tmp_path):
    grow(template, SHAPE)
    before = rows(template, "SELECT * FROM bucket_stats ORDER BY ALL")
    assert sum(row[2] for row in before) == 1_000
    buckets = [start for (start,) in rows(template, "SELECT DISTINCT bucket_start FROM bucket_stats")]
    load_staged(template, stage(tmp_path / "nothing"), BRANDS, buckets, BUCKET)  # recounts every bucket
    assert rows(template, "SELECT * FROM bucket_stats ORDER BY ALL") == before


def test_term_counts_local_days_and_per_day_tables_are_those_the_real_load_keeps(template, tmp_path):
    grow(template, SHAPE)
    tables = ("term_buckets", "unit_counts", "keyword_counts", "daily_stats", "brand_complaints")
    grown = {table: rows(template, f"SELECT * FROM {table} ORDER BY ALL") for table in tables}
    assert sum(row[2] for row in grown["daily_stats"]) == 1_000 and len(grown["brand_complaints"]) == 333
    assert rows(template, "SELECT count(*) FROM mentions WHERE day IS DISTINCT FROM "
                          "CAST(timezone('Asia/Shanghai', published_at) AS DATE)") == [(0,)]
    buckets = [start for (start,) in rows(template, "SELECT DISTINCT bucket_start FROM bucket_stats")]
    load_staged(template, stage(tmp_path / "nothing"), BRANDS, buckets, BUCKET)  # recounts every bucket and day
    assert {table: rows(template, f"SELECT * FROM {table} ORDER BY ALL") for table in tables} == grown


def test_every_interval_of_the_span_gets_the_template_runs_rows(template):
    counts = grow(template, SHAPE)
    intervals = -(-(END - SHAPE.start) // BUCKET)
    assert counts["source_runs"] == 2 * intervals
    assert counts["topics"] == counts["pipeline_runs"] == intervals
    # each source run counts the history's posts of its brand in its window, and every post is counted once
    assert rows(template, """
        SELECT count(*) FROM source_runs s
        WHERE posts <> (SELECT count(*) FROM mentions m WHERE m.brand = s.brand
                        AND m.published_at >= s.window_start AND m.published_at < s.window_end)""") == [(0,)]
    assert rows(template, "SELECT sum(posts) FROM source_runs") == [(1_000,)]
    assert rows(template, "SELECT max(window_end), min(window_end), count(DISTINCT window_end) FROM topics") == [
        (END, END - BUCKET * (intervals - 1), intervals)]
    assert rows(template, "SELECT count(DISTINCT run_id), max(interval_end) FROM pipeline_runs") == [(intervals, END)]


def test_an_empty_warehouse_cannot_grow(warehouse):
    with pytest.raises(ValueError, match="no posts"):
        grow(warehouse, SHAPE)
