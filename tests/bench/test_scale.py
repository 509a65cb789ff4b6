"""The scale bench's instruments: its loopback m.weibo.cn read by the real extractor, the example
queries it times read from docs/schema.md and run on a real warehouse, and a history as a lake."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from bench.scale import count, label
from bench.scale_history import History, Lake, get_lake
from bench.scale_interval import place_lake
from bench.scale_queries import example_queries, time_queries
from bench.scale_world import BRANDS, INTERVAL, LoopbackWeibo, Payloads, make_posts
from extractors.base import BrandQuery, ExtractContext, Window
from extractors.weibo import api
from tests.shared_data import require
from tests.warehouse.conftest import T0, load_posts, post
from warehouse.db import reader, writer
from warehouse.history import HistoryShape
from warehouse.storage import FileStorage, LakeStorage

START = datetime(2026, 12, 1, tzinfo=timezone.utc)
END = START + timedelta(minutes=15)
TEXTS = ["今天的拿铁太好喝了[哈哈]", "排队太久了[怒] <再也不来>", "外卖送到已经凉了", "新品不错 & 推荐"]


def test_posts_pair_each_text_with_each_brand_once_newest_first_inside_the_interval():
    posts = make_posts(10, START, END, 3, TEXTS, first_mid=100, seed=1)
    assert len({p.text for p in posts}) == 10
    assert {p.text.split(" ", 1)[0] for p in posts} == {name for name, _ in BRANDS[:3]}
    assert all(START <= p.published_at < END for p in posts)
    assert [p.published_at for p in posts] == sorted((p.published_at for p in posts), reverse=True)
    assert len({p.mid for p in posts}) == 10
    with pytest.raises(ValueError, match="texts"):
        make_posts(13, START, END, 3, TEXTS, first_mid=100, seed=1)


def test_the_real_extractor_reads_every_served_post_of_its_brand_with_its_text():
    require("fixtures", "weibo_mobile_api", "getIndex_containerid_107603_user_timeline.json")
    posts = make_posts(8, START, END, 2, TEXTS, first_mid=5_000_000_000_000_000, seed=1)
    with LoopbackWeibo(posts, 2, 3, Payloads()) as weibo:
        settings = api.Settings.model_validate({"search_type": 61, "base_url": weibo.url, "min_interval": 0})
        result = api.extract(settings, BrandQuery("demo_tea", (BRANDS[1][0],)), Window(START - timedelta(minutes=30), END),
                             ExtractContext(fetched_at=END))
    assert result.health.status == "ok", result.health
    served = {str(p.mid): p.text for p in posts if p.brand == 1}
    assert {p.native_id: p.text for p in result.posts} == served
    assert result.health.pages == 2 and not result.quarantined


def test_every_example_query_of_the_schema_doc_runs_on_a_migrated_warehouse(tmp_path):
    examples = example_queries()
    assert len(examples) >= 10 and all(not e.sql.rstrip().endswith(";") for e in examples)
    published = tmp_path / "read.duckdb"
    with writer(FileStorage(tmp_path / "brandmon.duckdb", published), "Asia/Shanghai"):
        pass
    timed = time_queries(FileStorage(tmp_path / "brandmon.duckdb", published), examples)
    assert [t.error for t in timed] == [None] * len(examples)


def test_a_history_is_imported_into_a_lake_once_and_each_world_writes_its_own_copy(tmp_path):
    """The lake is built from the cached history file by the real import and cached beside it; a
    world gets a copy it writes without touching the cache, and the example queries run on it."""
    history_file = tmp_path / "cache" / "30-key" / "brandmon.duckdb"
    file = FileStorage(history_file, history_file)  # as the bench reads a cached history
    with writer(file, "Asia/Shanghai", publish=False) as conn:
        load_posts(conn, tmp_path / "staged", [post(str(n), T0 + timedelta(minutes=n), label="neg") for n in range(30)])
    history = History(file.path, HistoryShape(30, T0 + INTERVAL * 3, 100_000, INTERVAL, INTERVAL), 2, 0.0, True)

    lake = get_lake(history, page_size=20)
    assert not lake.cached and lake.catalog.parent.parent == file.path.parent
    assert get_lake(history, page_size=20) == Lake(lake.catalog, lake.data, 0.0, True)
    world = LakeStorage(data_path=tmp_path / "world" / "lake", lock=tmp_path / "world" / "lake.lock",
                        sqlite_file=tmp_path / "world" / "catalog.sqlite")
    place_lake(lake, world)
    rows = "SELECT native_id, published_at FROM posts ORDER BY ALL"
    assert reader(world).execute(rows).fetchall() == reader(file).execute(rows).fetchall() != []
    with writer(world, "Asia/Shanghai") as conn:
        conn.execute("DELETE FROM posts WHERE native_id = '1'")
    count = "SELECT count(*) FROM posts"
    assert reader(world).execute(count).fetchone()[0] == 29 and reader(lake.storage).execute(count).fetchone()[0] == 30
    timed = time_queries(world, example_queries())
    assert [t.error for t in timed] == [None] * len(timed)


@pytest.mark.parametrize(("text", "number", "short"), [("100k", 100_000, "100k"), ("1m", 1_000_000, "1M"),
                                                       ("10M", 10_000_000, "10M"), ("5,000", 5_000, "5k")])
def test_sizes_are_read_and_shown_short(text, number, short):
    assert count(text) == number and label(number) == short
