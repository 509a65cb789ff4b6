"""pipeline.transform on posts from a complaints platform: a 黑猫投诉 source served on loopback
(the hand-rebuilt answers in tests/extractors/fixtures/heimao) gives posts that are complaints
by definition, with their category hints, and a company's complaints match the brand by the
company they are against."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import yaml
from werkzeug import Request, Response

from brandmon import pipeline
from brandmon.config import load_config
from brandmon.staging import read_jsonl
from brandmon.windows import RunWindow
from extractors.base import Window
from tests.extractors.loopback import json_response

FIXTURES = Path(__file__).parent.parent / "extractors" / "fixtures" / "heimao"
END = datetime(2025, 12, 2, 4, 0, tzinfo=timezone.utc)  # 12:00 in Shanghai
WINDOW = RunWindow(Window(END - timedelta(hours=12), END), timedelta(minutes=30))  # extracts from 23:30 Shanghai


def fixture(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


@pytest.fixture
def config(tmp_path, httpserver, monkeypatch):
    monkeypatch.delenv("BRANDMON_STATE_DIR", raising=False)
    server = httpserver
    server.expect_request("/robots.txt").respond_with_data("User-agent: *\nAllow: /\n")

    def search(request: Request) -> Response:
        return json_response(fixture(f"search_page{request.args['page']}.json"))

    def company(request: Request) -> Response:
        return json_response(fixture(f"company_page{request.args['page']}.json"))

    server.expect_request("/api/index/s").respond_with_handler(search)
    server.expect_request("/api/company/received_complaints").respond_with_handler(company)
    base = {"base_url": server.url_for("/").rstrip("/"), "min_interval": 0}
    (tmp_path / "brands.yaml").write_text(yaml.safe_dump({
        "storage": {"state_dir": "state"},
        "brands": {"acme": {"keywords": ["艾克米"], "sources": ["tousu", "tousu_company"]}},
        "sources": {"tousu": {"kind": "heimao", **base},
                    "tousu_company": {"kind": "heimao", "mode": "company", "couid": [5350527288], **base}},
    }, allow_unicode=True))
    return load_config(tmp_path / "brands.yaml")


def test_complaints_from_heimao_are_complaints_with_their_category_hints(config):
    staged = [pipeline.extract(config, i["brand"], i["source"], WINDOW, "run_1", END) for i in pipeline.plan(config)]
    assert [(s["source"], s["status"], s["posts"]) for s in staged] == [("tousu", "ok", 3), ("tousu_company", "ok", 3)]
    out = pipeline.transform(config, staged, WINDOW, "run_1")
    rows, bad = read_jsonl(Path(out["paths"]["posts"]))
    assert bad == [] and out["unmatched"] == 0
    by_id = {row["native_id"]: row for row in rows}
    assert set(by_id) == {"17390000101", "17390000102", "17390000105", "17390000201", "17390000202", "17390000203"}
    for row in rows:
        assert row["platform"] == "heimao" and row["complaint"] is True and row["complaint_score"] == 1.0
        assert row["complaint_reasons"][0] == "在黑猫投诉上投诉"
    assert {nid: by_id[nid]["extra"]["category_hint"] for nid in by_id} == {
        "17390000101": "delivery_logistics", "17390000102": "price_billing", "17390000105": "service_attitude",
        "17390000201": "account_privacy", "17390000202": "quality_safety", "17390000203": "service_attitude"}


def test_a_company_complaint_that_does_not_name_the_brand_matches_by_its_object(config):
    staged = [pipeline.extract(config, "acme", "tousu_company", WINDOW, "run_2", END)]
    out = pipeline.transform(config, staged, WINDOW, "run_2")
    mentions, _ = read_jsonl(Path(out["paths"]["mentions"]))
    unnamed = next(m for m in mentions if m["native_id"] == "17390000201")  # "会员卡余额无法使用" names no brand
    assert unnamed["brand"] == "acme" and unnamed["matched_terms"] == ["艾克米"]
