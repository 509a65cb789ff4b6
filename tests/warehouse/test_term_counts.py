"""Term counts per quarter hour on a real warehouse: always a recount of the stored posts, after
loads, re-loads, moved posts, changed brands, backfills and the migration itself; baselines read
from them are those counted from the posts."""

from __future__ import annotations

import random
from collections import Counter
from datetime import datetime, timedelta

import duckdb
import pytest
from hypothesis import given
from hypothesis import strategies as st

from transforms.terms import TermBaseline
from transforms.topics import baseline_counts, units
from warehouse.db import writer
from warehouse.load import load_staged
from warehouse.posts import topic_docs
from warehouse.schema import TERM_BUCKET
from warehouse.storage import FileStorage
from warehouse.term_counts import keyword_baseline, unit_baseline, whole_buckets

from .conftest import BRANDS, BUCKET, T0, mention, post, stage

VOCABULARY = ["咖啡", "拿铁", "退款", "异物", "排队", "新品", "生", "椰", "拿", "铁", "iPhone", "16", "|", "，", "a", "好喝"]


def stored(conn):
    """The three count tables as sorted rows (a bucket counted twice would show twice)."""
    return [conn.execute(f"SELECT * FROM {table} ORDER BY ALL").fetchall()
            for table in ("term_buckets", "unit_counts", "keyword_counts")]


def recounted(conn):
    """The same counts computed in Python from the stored posts and mentions (transforms.topics.units)."""
    posts, unit_posts, keyword_posts = Counter(), Counter(), Counter()
    for brand, at, terms, keywords in conn.execute(
            "SELECT m.brand, p.published_at, p.terms, p.keywords FROM mentions m JOIN posts p USING (platform, native_id)"
    ).fetchall():
        bucket = T0 + (at - T0) // TERM_BUCKET * TERM_BUCKET
        keyword_posts.update((brand, bucket, keyword) for keyword in set(keywords))
        if terms is not None:
            posts[(brand, bucket)] += 1
            unit_posts.update((brand, bucket, unit) for unit in units(terms))
    return [sorted((*key, n) for key, n in counts.items()) for counts in (posts, unit_posts, keyword_posts)]


def random_post(rng: random.Random, native_id: str, at: datetime) -> dict:
    terms = None if rng.random() < 0.1 else tuple(rng.choice(VOCABULARY) for _ in range(rng.randint(0, 6)))
    keywords = tuple(rng.choice(VOCABULARY[:8]) for _ in range(rng.randint(0, 4)))
    return post(native_id, at, keywords=keywords, terms=terms)


def load_both_brands(conn, folder, rows) -> None:
    """Load posts that every third one mentions acme alone, the others acme and rival."""
    brands = [["acme"] if n % 3 == 0 else ["acme", "rival"] for n in range(len(rows))]
    load_staged(conn, stage(folder, rows, [mention(row, b) for row, of in zip(rows, brands) for b in of]), BRANDS, [],
                BUCKET)


@pytest.mark.parametrize("seed", range(3))
def test_counts_are_a_recount_of_the_stored_posts_after_loads_reloads_moves_and_backfills(warehouse, tmp_path, seed):
    rng = random.Random(seed)
    known: dict[str, dict] = {}

    def run(n, start, span, fresh=20, again=5):
        """A run over [start, start + span): fresh posts in it and known posts read again, half of
        them with another time (moved) and each with the brands it matches this time."""
        rows = [random_post(rng, f"p{n}_{i}", start + rng.random() * span) for i in range(fresh)]
        for native_id in rng.sample(sorted(known), min(again, len(known))):
            moved = known[native_id]["published_at"] if rng.random() < 0.5 else (start + rng.random() * span).isoformat()
            rows.append({**random_post(rng, native_id, T0), "published_at": moved})
        known.update({row["native_id"]: row for row in rows})
        files = stage(tmp_path / f"run{n}", rows, [mention(row, brand) for row in rows
                                                   for brand in rng.choice([["acme"], ["rival"], ["acme", "rival"]])])
        touched = {T0 + (start - T0) // BUCKET * BUCKET + k * BUCKET for k in range(int(span / BUCKET) + 1)}
        load_staged(warehouse, files, BRANDS, touched, BUCKET)
        assert stored(warehouse) == recounted(warehouse), f"after run {n}"
        return files, touched

    run(0, T0, timedelta(minutes=45))
    for n in range(1, 5):  # scheduled runs: each re-reads the 30 minutes before its interval
        run(n, T0 + n * BUCKET - timedelta(minutes=30) + timedelta(minutes=7), timedelta(minutes=45))
    run(5, T0 - timedelta(days=3), timedelta(hours=6), fresh=40)  # a backfill of old windows
    files, touched = run(6, T0 + timedelta(minutes=22), timedelta(minutes=38))
    before = stored(warehouse)
    load_staged(warehouse, files, BRANDS, touched, BUCKET)
    assert stored(warehouse) == before  # loading the same files again changes nothing
    load_staged(warehouse, stage(tmp_path / "empty"), BRANDS, sorted(touched), BUCKET)
    assert stored(warehouse) == before == recounted(warehouse)


def test_a_post_read_again_with_another_time_leaves_its_old_bucket(warehouse, tmp_path):
    first = post("p1", T0 + timedelta(minutes=14), terms=("退款", "异物"), keywords=("退款",))
    load_staged(warehouse, stage(tmp_path / "a", [first], [mention(first)]), BRANDS, [T0], BUCKET)
    moved = {**first, "published_at": (T0 + BUCKET).isoformat()}
    load_staged(warehouse, stage(tmp_path / "b", [moved], [mention(moved, "rival")]), BRANDS, [T0 + BUCKET],
                BUCKET)  # the run touched the new bucket only
    assert warehouse.execute("SELECT brand, bucket_start, mentions FROM bucket_stats").fetchall() == [
        ("rival", T0 + BUCKET, 1)]
    assert warehouse.execute("SELECT brand, bucket_start, unit, posts FROM unit_counts ORDER BY unit").fetchall() == [
        ("rival", T0 + BUCKET, "异物", 1), ("rival", T0 + BUCKET, "退款", 1), ("rival", T0 + BUCKET, "退款异物", 1)]
    assert warehouse.execute("SELECT brand, native_id, published_at FROM mentions").fetchall() == [
        ("rival", "p1", T0 + BUCKET)]


def test_the_migration_counts_the_posts_already_stored(tmp_path):
    path, published = tmp_path / "w" / "brandmon.duckdb", tmp_path / "w" / "read.duckdb"
    rng = random.Random(7)
    with writer(FileStorage(path, published), "Asia/Shanghai") as conn:
        rows = [random_post(rng, f"p{i}", T0 + timedelta(minutes=rng.randrange(0, 600))) for i in range(80)]
        load_both_brands(conn, tmp_path, rows)
        expected = recounted(conn)
        # back to a warehouse of migration 0007's day: no counts, 0008 not applied
        conn.execute("DROP TABLE term_buckets; DROP TABLE unit_counts; DROP TABLE keyword_counts; "
                     "DROP MACRO TABLE term_bucket_counts_in; DROP MACRO TABLE unit_counts_in; "
                     "DROP MACRO TABLE keyword_counts_in; DROP MACRO TABLE brand_posts_in; DROP MACRO topic_units; "
                     "DELETE FROM schema_migrations WHERE version = 8")
    with writer(FileStorage(path, published), "Asia/Shanghai") as conn:
        assert conn.execute("SELECT name FROM schema_migrations WHERE version = 8").fetchall() == [
            ("0008_term_counts.sql",)]
        assert stored(conn) == expected


@pytest.fixture(scope="module")
def macro():
    conn = duckdb.connect()
    from warehouse.db import migrations

    (sql,) = [sql for version, _, sql in migrations() if version == 8]
    conn.execute(sql[sql.index("CREATE MACRO topic_units"):sql.index(";", sql.index("CREATE MACRO topic_units")) + 1])
    yield conn
    conn.close()


TERM = st.text(alphabet="中文咖啡aZ09 é½٣ⅷ，。!|_-[]🙂\u0301", max_size=4)


@given(st.lists(TERM, max_size=8))
def test_the_sql_units_of_a_post_are_those_of_transforms_topics(macro, terms):
    (found,) = macro.execute("SELECT topic_units(?::VARCHAR[])", [terms]).fetchone()
    assert sorted(found) == sorted(units(terms))


def test_the_sql_units_of_real_posts_are_those_of_transforms_topics(macro):
    from tests.shared_data import require
    from transforms.scoring import score_texts

    with open(require("sentiment", "weibo2018_train.csv"), encoding="utf-8") as handle:
        texts = [line.split(",", 2)[2] for line in list(handle)[:600] if line.count(",") >= 2]
    posts = [list(scores.terms) for scores in score_texts(texts)]
    found = macro.execute("SELECT list_transform(?::VARCHAR[][], lambda t: list_sort(topic_units(t)))",
                          [posts]).fetchone()[0]
    assert found == [sorted(units(terms)) for terms in posts]


def test_spans_widen_to_whole_buckets_and_merge():
    q = TERM_BUCKET
    assert whole_buckets([(T0 + timedelta(minutes=20), T0 + timedelta(minutes=31)), (T0, T0 + q),
                          (T0 + 5 * q, T0 + 5 * q)]) == [(T0, T0 + 3 * q)]
    assert whole_buckets([(T0, T0 + q), (T0 + 3 * q, T0 + 4 * q)]) == [(T0, T0 + q), (T0 + 3 * q, T0 + 4 * q)]


@pytest.fixture
def a_day_of_posts(warehouse, tmp_path):
    rng = random.Random(3)
    rows = [random_post(rng, f"p{i}", T0 + timedelta(seconds=rng.randrange(0, 86_400))) for i in range(300)]
    load_both_brands(warehouse, tmp_path, rows)
    return warehouse


RANGES = [(T0, T0 + timedelta(days=1)), (T0 + timedelta(minutes=7), T0 + timedelta(hours=20, minutes=52)),
          (T0 + timedelta(minutes=3), T0 + timedelta(minutes=11)), (T0 + timedelta(minutes=10), T0 + timedelta(minutes=20)),
          (T0 - timedelta(days=1), T0 + timedelta(hours=2)), (T0 + timedelta(hours=5), T0 + timedelta(hours=5))]


@pytest.mark.parametrize(("start", "end"), RANGES)
def test_a_unit_baseline_is_the_one_counted_from_its_posts(a_day_of_posts, start, end):
    wanted = {"咖啡", "拿铁", "退款异物", "iPhone 16", "生椰", "不在"}
    for brand in ("acme", "rival"):
        expected = baseline_counts(topic_docs(a_day_of_posts, brand, start, end), wanted)
        found = unit_baseline(a_day_of_posts, brand, start, end, wanted)
        assert (found.size, dict(found.counts)) == (expected.size, {u: n for u, n in expected.counts.items() if n})


@pytest.mark.parametrize(("start", "end"), RANGES)
def test_a_keyword_baseline_is_the_one_counted_from_its_posts(a_day_of_posts, start, end):
    rows = a_day_of_posts.execute(
        "SELECT p.keywords FROM mentions m JOIN posts p USING (platform, native_id) "
        "WHERE m.brand = 'acme' AND p.published_at >= ? AND p.published_at < ?", [start, end]).fetchall()
    whole = TermBaseline.of(Counter(keyword for (keywords,) in rows for keyword in set(keywords)))
    found = keyword_baseline(a_day_of_posts, "acme", start, end, {"咖啡", "退款", "没有"})
    assert (found.total, found.distinct) == (whole.total, whole.distinct)
    assert found.counts == {k: n for k, n in whole.counts.items() if k in {"咖啡", "退款", "没有"}}
