"""transforms.filed_complaints: a post filed on a complaints platform is a complaint, with its hint."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from extractors.record import Post
from transforms.complaints import Reason
from transforms.filed_complaints import as_filed_complaint, complaint_object, filed_on
from transforms.scoring import TextScores

AT = datetime(2025, 12, 2, 3, 20, tzinfo=timezone.utc)
REFUND = Reason("refund_after_sales", "refund_demand", "要求退款", "demands a refund", "退还")
CALM = TextScores(clean_text="退还多余担保费", sentiment=0.62, label="neu", complaint=False, complaint_score=0.31,
                  complaint_categories=("refund_after_sales",), severity="none", reasons=(REFUND,),
                  severity_reasons=(), keywords=("担保费",), terms=("退还", "担保费"), model="shipped")


def post(platform: str = "heimao", **extra) -> Post:
    return Post(platform=platform, native_id="17390000102", source="heimao", text="退还多余担保费", published_at=AT,
                extra=extra)


def test_a_heimao_complaint_is_a_complaint_with_its_category_hint():
    filed = post(complaint_source="heimao", category_hint="price_billing", object="艾克米借款App")
    filed.extra["appeal"] = "退还多余担保费"
    scores = as_filed_complaint(filed, CALM)
    assert (scores.complaint, scores.complaint_score, scores.severity) == (True, 1.0, "normal")
    assert scores.complaint_categories == ("price_billing", "refund_after_sales")
    assert scores.reasons == (Reason("price_billing", "filed_heimao", "在黑猫投诉上投诉",
                                     "filed on Heimao Tousu (黑猫投诉)", "退还多余担保费"), REFUND)
    assert (scores.sentiment, scores.label, scores.keywords) == (CALM.sentiment, CALM.label, CALM.keywords)


def test_the_platform_alone_marks_a_filed_complaint_and_a_missing_hint_is_other():
    scores = as_filed_complaint(post(), CALM)
    assert scores.complaint and scores.complaint_categories == ("other", "refund_after_sales")
    assert scores.reasons[0].code == "filed_heimao" and scores.reasons[0].category == "other"


def test_applying_the_rule_twice_adds_nothing():
    filed = post(complaint_source="heimao", category_hint="price_billing")
    once = as_filed_complaint(filed, CALM)
    assert as_filed_complaint(filed, once) == once


@pytest.mark.parametrize("other", [post("weibo"), post("weibo", complaint_source="weibo"), post("forum", object="艾克米")])
def test_posts_from_anywhere_else_are_left_to_the_text_model(other):
    assert filed_on(other) is None and complaint_object(other) is None
    assert as_filed_complaint(other, CALM) is CALM


def test_the_object_of_a_filed_complaint_counts_for_matching():
    assert complaint_object(post(complaint_source="heimao", object="艾克米科技")) == "艾克米科技"
    assert complaint_object(post(complaint_source="heimao", object="  ")) is None
    assert complaint_object(post(complaint_source="heimao", object=["艾克米"])) is None
