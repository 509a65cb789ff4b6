"""Local days and the tables kept per day (migration 0011, warehouse.days) on a real warehouse: what
the views read instead of the whole history always says what the whole history says."""

from __future__ import annotations

from datetime import date, timedelta

import duckdb
import pytest

from warehouse.db import migrate, migrations, writer
from warehouse.spread import store_fetched
from warehouse.storage import FileStorage

from .conftest import BUCKET, FOOD_SAFETY, SPOILED, T0, load_posts, post
from .test_spread import ORIGINAL, load_world, measure, recorded_fetch

LATE = T0 + timedelta(hours=10, minutes=30)  # 00:30 on 11-27 in Shanghai, still 11-26 in UTC
# Each view read from a table kept per day, and the same rows computed from every mention and post.
FROM_HISTORY = {
    "v_daily": """SELECT brand, CAST(published_local AS DATE), count(*), count(*) FILTER (WHERE label = 'pos'),
                         count(*) FILTER (WHERE label = 'neu'), count(*) FILTER (WHERE label = 'neg'),
                         count(*) FILTER (WHERE complaint) FROM v_mentions GROUP BY ALL""",
    "v_complaints": """SELECT brand, CAST(published_local AS DATE), native_id, text, complaint_severity
                       FROM v_mentions WHERE complaint""",
    "v_post_spread": """SELECT m.brand, CAST(m.published_local AS DATE), m.native_id, m.text, m.risk
                        FROM v_mentions m SEMI JOIN spread_metrics s USING (platform, native_id)""",
}
KEPT = {
    "v_daily": "SELECT brand, day, mentions, pos, neu, neg, complaints FROM v_daily",
    "v_complaints": "SELECT brand, day, native_id, text, severity FROM v_complaints",
    "v_post_spread": "SELECT brand, day, native_id, text, risk FROM v_post_spread",
}


def assert_kept_as_history_says(conn) -> None:
    for view, sql in KEPT.items():
        assert sorted(conn.execute(sql).fetchall()) == sorted(conn.execute(FROM_HISTORY[view]).fetchall()), view


def test_a_mention_stores_its_local_day(warehouse, tmp_path):
    load_posts(warehouse, tmp_path, [post("early", T0), post("late", LATE)])
    assert warehouse.execute("SELECT native_id, day FROM mentions ORDER BY 1").fetchall() == [
        ("early", date(2026, 11, 26)), ("late", date(2026, 11, 27))]
    assert warehouse.execute("SELECT day, mentions FROM v_daily ORDER BY day").fetchall() == [
        (date(2026, 11, 26), 1), (date(2026, 11, 27), 1)]


def test_reloads_that_change_moving_or_dropping_posts_leave_the_kept_tables_as_the_history(warehouse, tmp_path):
    complaint = post("c1", T0, "艾克米变质了", "neg", True, details=(SPOILED,), severe=(FOOD_SAFETY,))
    load_posts(warehouse, tmp_path / "1", [complaint, post("p1", T0, label="pos"), post("n1", LATE, label="neg")])
    assert_kept_as_history_says(warehouse)
    # The complaint comes back a day later and no longer severe; only its new bucket is said to be touched.
    moved = post("c1", LATE + timedelta(days=1), "艾克米变质了", "neg", True, details=(SPOILED,))
    load_posts(warehouse, tmp_path / "2", [moved])
    assert_kept_as_history_says(warehouse)
    assert warehouse.execute("SELECT native_id, day, severity FROM v_complaints").fetchall() == [
        ("c1", date(2026, 11, 28), "normal")]
    # It is no complaint after all, and another brand's post now.
    load_posts(warehouse, tmp_path / "3", [post("c1", LATE + timedelta(days=1), label="pos")], brand="rival")
    assert_kept_as_history_says(warehouse)
    assert warehouse.execute("SELECT count(*) FROM v_complaints").fetchone() == (0,)


def test_spread_posts_follow_the_metrics_and_reloads_of_their_posts(warehouse, tmp_path):
    load_world(warehouse, tmp_path / "world")
    assert warehouse.execute("SELECT count(*) FROM v_post_spread").fetchone() == (0,)
    store_fetched(warehouse, recorded_fetch())
    measure(warehouse)
    assert warehouse.execute("SELECT native_id FROM v_post_spread").fetchall() == [(ORIGINAL,)]
    assert_kept_as_history_says(warehouse)
    reloaded = post(ORIGINAL, T0 - timedelta(hours=2), "艾克米：已道歉并退款", followers=52_000)
    load_posts(warehouse, tmp_path / "again", [{**reloaded, "risk": 0.5}])
    assert warehouse.execute("SELECT text, risk, severity FROM v_post_spread").fetchall() == [
        ("艾克米：已道歉并退款", 0.5, "none")]
    assert_kept_as_history_says(warehouse)


def test_a_new_zone_moves_every_stored_day_once(tmp_path):
    private, published = tmp_path / "w.duckdb", tmp_path / "r.duckdb"
    with writer(FileStorage(private, published), "Asia/Shanghai") as conn:
        load_posts(conn, tmp_path, [post("early", T0), post("late", LATE, "艾克米变质了", "neg", True, details=(SPOILED,))])
    with writer(FileStorage(private, published), "UTC") as conn:
        assert conn.execute("SELECT native_id, day FROM mentions ORDER BY 1").fetchall() == [
            ("early", date(2026, 11, 26)), ("late", date(2026, 11, 26))]
        assert conn.execute("SELECT day, mentions, complaints FROM v_daily").fetchall() == [(date(2026, 11, 26), 2, 1)]
        assert conn.execute("SELECT day FROM v_complaints").fetchall() == [(date(2026, 11, 26),)]
        assert_kept_as_history_says(conn)


def test_a_warehouse_from_before_0011_gets_its_days_and_tables_on_upgrade(tmp_path):
    conn = duckdb.connect(str(tmp_path / "old.duckdb"))
    conn.execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR NOT NULL)")
    for version, name, sql in migrations():
        if version < 11:
            conn.execute(sql)
            conn.execute("INSERT INTO schema_migrations VALUES (?, ?)", [version, name])
    conn.execute("INSERT INTO settings VALUES ('timezone', 'Asia/Shanghai')")
    conn.execute("""INSERT INTO posts (platform, native_id, source, published_at, text, clean_text, sentiment, label,
                    complaint, complaint_score, complaint_reasons, keywords, model)
                    VALUES ('weibo', '1', 'weibo_api', ?, '变质了', '变质了', 0.1, 'neg', true, 0.9, ['变质'], [], 'm')""",
                 [LATE])
    conn.execute("INSERT INTO mentions VALUES ('weibo', '1', 'acme', ?, ['艾克米'])", [LATE])
    assert migrate(conn, "Asia/Shanghai") == ["0011_local_days.sql"]
    assert conn.execute("SELECT day FROM mentions").fetchall() == [(date(2026, 11, 27),)]
    assert conn.execute("SELECT brand, day, mentions, neg, complaints FROM v_daily").fetchall() == [
        ("acme", date(2026, 11, 27), 1, 1, 1)]
    assert_kept_as_history_says(conn)


@pytest.fixture(scope="module")
def schemas(tmp_path_factory):
    """(views as migration 0010 left them, views now): name -> [(column, type)]."""
    found = []
    for last in (10, None):
        conn = duckdb.connect(str(tmp_path_factory.mktemp("views") / "w.duckdb"))
        conn.execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR NOT NULL)")
        for version, _name, sql in migrations():
            if last is None or version <= last:
                conn.execute(sql)
        names = [row[0] for row in conn.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()]
        found.append({name: conn.execute(f"DESCRIBE {name}").fetchall() for name in names})
    return found


def test_every_view_keeps_its_columns_in_order_with_their_types(schemas):
    before, now = schemas
    for view, columns in before.items():
        assert [c[:2] for c in now[view][:len(columns)]] == [c[:2] for c in columns], view


def test_v_mentions_has_v_posts_columns_but_brands_after_brand_and_matched_terms(schemas):
    _, now = schemas
    posts = [c[:2] for c in now["v_posts"] if c[0] != "brands"]
    assert [c[:2] for c in now["v_mentions"]] == [("brand", "VARCHAR"), ("matched_terms", "VARCHAR[]"), *posts]


def test_a_load_refills_only_the_days_it_touched(warehouse, tmp_path):
    load_posts(warehouse, tmp_path / "1", [post("a", T0), post("b", LATE)])
    warehouse.execute("UPDATE daily_stats SET mentions = 99 WHERE day = DATE '2026-11-27'")  # a marker
    load_posts(warehouse, tmp_path / "2", [post("c", T0 + BUCKET)])
    assert warehouse.execute("SELECT day, mentions FROM daily_stats ORDER BY day").fetchall() == [
        (date(2026, 11, 26), 2), (date(2026, 11, 27), 99)]
