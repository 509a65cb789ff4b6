"""extractors.heimao.categories: a complaint's appeal and words → one complaint category code."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from extractors.heimao.categories import CATEGORY_WORDS, OTHER, category_hint
from transforms import complaint_cues

CODES = {"delivery_logistics", "quality_safety", "service_attitude", "price_billing", "refund_after_sales",
         "false_advertising", "account_privacy", "other"}


@pytest.mark.parametrize("appeal, issue, title, summary, expected", [
    # the subject an appeal names wins over the refund it asks for
    ("退息费，退会员费", None, "借款App乱收费", "每月还要另收担保费", "price_billing"),
    ("退还多余担保费", None, None, "提前还款时多收了利息", "price_billing"),
    ("停止骚扰,调整利率,道歉赔偿/解释,处罚,销账,撤销征信问题", None, None, "催收人员反复打电话", "service_attitude"),
    ("解冻账户，退还余额", None, "会员卡余额无法使用", None, "account_privacy"),
    ("补发", None, None, None, "delivery_logistics"),
    # the site's issue label next
    ("退款", "虚假宣传", "课程与介绍不同", None, "false_advertising"),
    # then the problem the title and summary tell first
    ("退款,道歉", None, "外卖超时两小时送达", "联系客服只回复抱歉", "delivery_logistics"),
    ("换货", None, "耳机用了一周就坏了", "售后让寄回检测", "quality_safety"),
    ("赔偿", None, "客服电话一直打不通", None, "service_attitude"),
    # a refund or a bare remedy decides only when nothing says what went wrong
    ("退款", None, "要求退钱", "已经等了很久", "refund_after_sales"),
    ("道歉", None, "很不满意", None, "refund_after_sales"),
    (None, None, "很不满意", "说好的事情没做到", OTHER),
    (None, None, None, None, OTHER),
])
def test_the_hint_follows_the_appeal_then_the_words(appeal, issue, title, summary, expected):
    assert category_hint(appeal, issue, title, summary) == expected


def test_every_hint_is_a_complaint_category_code():
    assert {category for category, _ in CATEGORY_WORDS} | {OTHER} <= CODES


def test_the_codes_are_the_complaint_models_own_where_it_ships():
    """The list the complaint model categorises with (`transforms.complaint_cues.CATEGORIES`);
    the extractor cannot import it (extractors import nothing of ours), so this keeps the two equal."""
    assert set(complaint_cues.CATEGORIES) == CODES


@given(st.text(max_size=40), st.text(max_size=10), st.text(max_size=40), st.text(max_size=80))
def test_any_text_gets_a_known_code(appeal, issue, title, summary):
    assert category_hint(appeal, issue, title, summary) in CODES
