"""Complaint views on a real warehouse: each complaint with its readable reasons, one row per reason,
and counts by brand, local day and category."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest

from transforms.complaint_cues import CATEGORIES, SEVERITY_KINDS
from warehouse.load import load_staged

from .conftest import (
    BRANDS,
    BUCKET,
    COMPENSATION,
    FOOD_SAFETY,
    REGULATOR,
    RUDE,
    SPOILED,
    T0,
    load_posts,
    mention,
    post,
    stage,
)

SCHEMA_DOC = Path(__file__).parents[2] / "docs" / "schema.md"
LATE = T0 + timedelta(hours=10, minutes=30)  # 00:30 the next day in Shanghai


@pytest.fixture
def complaints(warehouse, tmp_path):
    rows = [post("spoiled", T0, "艾克米的牛奶变质了，喝了拉肚子，要求赔偿，已打12315", "neg", True,
                 details=(SPOILED, COMPENSATION), severe=(FOOD_SAFETY, REGULATOR), likes=300, followers=250_000,
                 verified="media", author="美食记者"),
            post("rude", T0 + timedelta(minutes=5), "艾克米客服态度极差", "neg", True, details=(RUDE,)),
            post("late", LATE, "艾克米又变质了", "neg", True, details=(SPOILED,)),
            post("fine", T0 + timedelta(minutes=7), "艾克米不错", "pos")]
    files = stage(tmp_path, rows, [mention(r) for r in rows] + [mention(rows[0], "rival")])  # it names the rival too
    load_staged(warehouse, files, BRANDS, [T0], BUCKET)
    return warehouse


def test_category_and_severity_names_are_the_ones_the_model_uses(warehouse):
    stored = {code: (kind, zh, en) for code, kind, zh, en in
              warehouse.execute("SELECT code, kind, zh, en FROM complaint_labels").fetchall()}
    expected = {code: ("category", *names) for code, names in CATEGORIES.items()}
    expected |= {code: ("severity", *names) for code, names in SEVERITY_KINDS.items()}
    assert stored == expected


def test_v_complaints_has_one_row_per_complaint_and_brand_with_readable_reasons(complaints):
    columns = [row[0] for row in complaints.execute("DESCRIBE v_complaints").fetchall()]
    assert columns[:15] == ["brand", "published_local", "day", "platform", "native_id", "url", "author",
                            "author_followers", "text", "complaint_score", "severity", "categories", "reasons_zh",
                            "reasons_en", "sentiment"]
    rows = complaints.execute("""SELECT brand, native_id, day, author, author_followers, severity, categories,
                                        reasons_zh, reasons_en, severity_reasons_zh, severity_reasons_en
                                 FROM v_complaints ORDER BY native_id, brand""").fetchall()
    assert [(brand, native_id) for brand, native_id, *_ in rows] == [
        ("acme", "late"), ("acme", "rude"), ("acme", "spoiled"), ("rival", "spoiled")]
    assert str(rows[0][2]) == "2026-11-27"  # a local (Shanghai) day
    assert rows[2][2:] == (rows[0][2] - timedelta(days=1), "美食记者", 250_000, "severe",
                           ["quality_safety", "refund_after_sales"], ["变质", "要求赔偿"],
                           ["spoiled", "compensation demanded"], ["食品安全", "监管与诉讼"],
                           ["food safety", "regulators or courts"])
    assert rows[1][5:9] == ("normal", ["service_attitude"], ["服务态度差"], ["rude or poor service"])


def test_v_complaint_reasons_has_one_readable_row_per_reason_without_scores(complaints):
    rows = complaints.execute("""SELECT category, category_zh, category_en, code, zh, en, phrase, severity, reason_kind
                                 FROM v_complaint_reasons WHERE brand = 'acme' AND native_id = 'spoiled'
                                 ORDER BY reason_kind, code""").fetchall()
    assert rows == [
        ("refund_after_sales", "退款售后", "Refunds and after-sales", "compensation_demanded", "要求赔偿",
         "compensation demanded", "要求赔偿", "severe", "category"),
        ("quality_safety", "质量安全", "Quality and safety", "spoiled", "变质", "spoiled", "变质了", "severe", "category"),
        ("food_safety", "食品安全", "Food safety", "food_safety", "食品安全", "food safety", "拉肚子", "severe", "severity"),
        ("regulator_court", "监管与诉讼", "Regulators and courts", "regulator_court", "监管与诉讼", "regulators or courts",
         "12315", "severe", "severity")]
    (total,) = complaints.execute("SELECT count(*) FROM v_complaint_reasons WHERE brand = 'acme'").fetchone()
    assert total == 6  # spoiled 2 + 2 severe, rude 1, late 1; the post that is no complaint has none


def test_v_complaints_daily_counts_each_category_and_the_severe_ones(complaints):
    rows = complaints.execute("""SELECT CAST(day AS VARCHAR), category, category_zh, complaints, severe
                                 FROM v_complaints_daily WHERE brand = 'acme' ORDER BY ALL""").fetchall()
    assert rows == [("2026-11-26", "quality_safety", "质量安全", 1, 1),
                    ("2026-11-26", "refund_after_sales", "退款售后", 1, 1),
                    ("2026-11-26", "service_attitude", "服务态度", 1, 0),
                    ("2026-11-27", "quality_safety", "质量安全", 1, 0)]


def test_complaints_stored_before_categories_count_under_no_category(warehouse, tmp_path):
    old = post("old", T0, "艾克米 要求赔偿", "neg", True, ("要求赔偿",))
    old.update(complaint_categories=None, complaint_severity=None, complaint_reason_details=None,
               complaint_severity_reasons=None)
    load_posts(warehouse, tmp_path, [old])
    assert warehouse.execute("SELECT category, complaints FROM v_complaints_daily").fetchall() == [(None, 1)]
    assert warehouse.execute("SELECT count(*) FROM v_complaint_reasons").fetchone() == (0,)
    assert warehouse.execute("SELECT complaint_reasons, reasons_zh FROM v_complaints").fetchall() == [(["要求赔偿"], None)]


def test_v_posts_keeps_its_columns_and_adds_the_complaint_and_reach_ones(complaints):
    columns = [row[0] for row in complaints.execute("DESCRIBE v_posts").fetchall()]
    assert columns == ["platform", "native_id", "source", "published_at", "published_local", "brands", "title", "text",
                       "url", "author", "reposts", "comments", "likes", "engagement", "sentiment", "label",
                       "complaint", "complaint_score", "complaint_reasons", "keywords", "model",
                       "complaint_categories", "complaint_severity", "complaint_reason_details",
                       "complaint_severity_reasons", "author_followers", "author_verified", "counted_at", "risk"]
    (followers,) = complaints.execute("SELECT author_followers FROM v_mentions WHERE native_id = 'spoiled' "
                                      "AND brand = 'acme'").fetchone()
    assert followers == 250_000


def test_every_example_query_in_docs_schema_runs(complaints):
    queries = [q for block in re.findall(r"```sql\n(.*?)```", SCHEMA_DOC.read_text(encoding="utf-8"), re.S)
               for q in block.split(";") if q.strip() and not all(
                   line.strip().startswith("--") for line in q.strip().splitlines())]
    assert len(queries) >= 8
    for query in queries:
        complaints.execute(query).fetchall()


def test_the_documented_reasons_query_gives_one_readable_row_per_reason(complaints):
    doc = SCHEMA_DOC.read_text(encoding="utf-8")
    query = re.search(r"-- What people complain about most this week\n(.*?);", doc, re.S).group(1)
    sql = query.replace("current_date - 7", "DATE '2026-11-20'")
    rows = complaints.execute(sql).fetchall()
    assert rows[0][:4] == ("acme", "质量安全", "变质", "spoiled") and rows[0][-1] == 2
    assert all(not re.search(r"\d\.\d|:", " ".join(str(v) for v in row[:-1])) for row in rows)
