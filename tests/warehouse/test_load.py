"""The load on real staged files and a real DuckDB file: atomic, idempotent, counts recomputed."""

from __future__ import annotations

import pytest

from warehouse.load import load_staged

from .conftest import BRANDS, BUCKET, T0, mention, post, source_run, stage


def rows(conn, sql):
    return conn.execute(sql).fetchall()


def test_a_load_stores_every_staged_table_and_counts_the_touched_buckets(warehouse, tmp_path):
    posts = [post("p1", T0, label="neg", complaint=True), post("p2", T0 + BUCKET / 3),
             post("p3", T0 + BUCKET, label="pos")]
    files = stage(tmp_path, posts, [mention(p) for p in posts] + [mention(posts[0], "rival")],
                  [source_run(T0)], [{"key": "q1", "source": "weibo", "brand": "acme", "reason": "no timestamp",
                                      "raw": "{}", "location": "line 3", "window_start": T0.isoformat(),
                                      "window_end": (T0 + BUCKET).isoformat()}])
    assert load_staged(warehouse, files, BRANDS, [T0, T0 + BUCKET], BUCKET) == 3
    assert rows(warehouse, "SELECT brand, bucket_start, mentions, pos, neu, neg, complaints FROM bucket_stats "
                           "ORDER BY ALL") == [("acme", T0, 2, 0, 1, 1, 1), ("acme", T0 + BUCKET, 1, 1, 0, 0, 0),
                                               ("rival", T0, 1, 0, 0, 1, 1)]
    assert rows(warehouse, "SELECT brand, name, keywords, competitors FROM brands ORDER BY brand") == [
        ("acme", "艾克米", ["艾克米"], ["rival"]), ("rival", "对手", ["对手"], [])]
    assert rows(warehouse, "SELECT status, interval_posts FROM source_runs") == [("ok", 20)]
    assert rows(warehouse, "SELECT key, reason FROM quarantine") == [("q1", "no timestamp")]


def test_loading_the_same_files_again_leaves_the_same_rows(warehouse, tmp_path):
    posts = [post("p1", T0), post("p2", T0 + BUCKET)]
    files = stage(tmp_path, posts, [mention(p) for p in posts], [source_run(T0)])
    tables = ("posts", "mentions", "bucket_stats", "source_runs", "quarantine", "brands")
    load_staged(warehouse, files, BRANDS, [T0, T0 + BUCKET], BUCKET)
    first = {t: rows(warehouse, f"SELECT * FROM {t} ORDER BY ALL") for t in tables}
    load_staged(warehouse, files, BRANDS, [T0, T0 + BUCKET], BUCKET)
    assert {t: rows(warehouse, f"SELECT * FROM {t} ORDER BY ALL") for t in tables} == first


def test_a_reloaded_post_keeps_only_its_new_mentions_and_the_old_brands_bucket_is_recounted(warehouse, tmp_path):
    p1 = post("p1", T0)
    load_staged(warehouse, stage(tmp_path / "a", [p1], [mention(p1, "acme")]), BRANDS, [T0], BUCKET)
    load_staged(warehouse, stage(tmp_path / "b", [p1], [mention(p1, "rival")]), BRANDS, [T0], BUCKET)
    assert rows(warehouse, "SELECT brand FROM mentions") == [("rival",)]
    assert rows(warehouse, "SELECT brand, mentions FROM bucket_stats") == [("rival", 1)]


def test_buckets_outside_the_touched_ones_keep_their_counts(warehouse, tmp_path):
    early, late = post("early", T0), post("late", T0 + BUCKET)
    load_staged(warehouse, stage(tmp_path / "a", [early, late], [mention(early), mention(late)]), BRANDS,
                [T0, T0 + BUCKET], BUCKET)
    warehouse.execute("DELETE FROM mentions WHERE native_id = 'late'")  # as if the post had lost its brand
    load_staged(warehouse, stage(tmp_path / "b"), BRANDS, [T0], BUCKET)
    assert rows(warehouse, "SELECT bucket_start, mentions FROM bucket_stats ORDER BY 1") == [(T0, 1), (T0 + BUCKET, 1)]
    load_staged(warehouse, stage(tmp_path / "c"), BRANDS, [T0 + BUCKET], BUCKET)
    assert rows(warehouse, "SELECT bucket_start, mentions FROM bucket_stats ORDER BY 1") == [(T0, 1)]


def test_a_load_that_fails_stores_nothing(warehouse, tmp_path):
    bad = post("p2", T0, label="angry")  # violates the label CHECK
    files = stage(tmp_path, [post("p1", T0), bad], [mention(bad)], [source_run(T0)])
    with pytest.raises(Exception, match="CHECK"):
        load_staged(warehouse, files, BRANDS, [T0], BUCKET)
    assert [rows(warehouse, f"SELECT count(*) FROM {t}")[0][0] for t in ("posts", "source_runs", "brands")] == [0, 0, 0]
