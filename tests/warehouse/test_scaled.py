"""warehouse.scaled, the benchmarks' big warehouse: shifted copies of a real one, in an older schema
that upgrades like a real warehouse."""

from __future__ import annotations

from datetime import timedelta

import duckdb

from warehouse.db import migrate, writer
from warehouse.scaled import grow
from warehouse.storage import FileStorage

from .conftest import SPOILED, T0, load_posts, post


def test_copies_are_shifted_back_week_by_week_and_upgrade_like_a_real_warehouse(tmp_path):
    seed = tmp_path / "seed.duckdb"
    with writer(FileStorage(seed, tmp_path / "seed_read.duckdb"), "Asia/Shanghai") as conn:
        load_posts(conn, tmp_path, [post("a", T0), post("b", T0 + timedelta(hours=1), label="pos"),
                                    post("c", T0 + timedelta(hours=2), "艾克米变质了", "neg", True, details=(SPOILED,))])
    grown = grow(seed, tmp_path / "grown.duckdb", 12, "Asia/Shanghai", per_day=1, before=11)
    assert (grown.posts, grown.mentions, grown.days) == (12, 12, 14)  # 4 copies, 2 a week
    conn = duckdb.connect(str(tmp_path / "grown.duckdb"))
    assert conn.execute("SELECT max(version) FROM schema_migrations").fetchone() == (10,)
    assert conn.execute("SELECT count(DISTINCT native_id), min(native_id), max(native_id) FROM posts").fetchone() == (
        12, "a", "c~3")
    (shifts,) = conn.execute("""SELECT list(DISTINCT T0 - published_at ORDER BY T0 - published_at)
                                FROM posts, (SELECT ?::TIMESTAMPTZ AS T0) WHERE native_id LIKE 'a%'""", [T0]).fetchone()
    assert shifts == [timedelta(0), timedelta(seconds=13), timedelta(days=7), timedelta(days=7, seconds=13)]
    joined = conn.execute("SELECT count(*) FROM mentions JOIN posts USING (platform, native_id, published_at)")
    assert joined.fetchone() == (12,)
    assert migrate(conn, "Asia/Shanghai") == ["0011_local_days.sql"]
    assert conn.execute("SELECT sum(mentions), sum(complaints) FROM v_daily").fetchone() == (12, 4)
    assert conn.execute("SELECT count(*) FROM v_complaints").fetchone() == (4,)
