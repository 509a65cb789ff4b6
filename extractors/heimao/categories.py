"""The category hint of a 黑猫投诉 complaint, from what it asks for and what it says (pure).

A complaint on 黑猫投诉 states its appeal (投诉要求: 退款, 退息费, 停止骚扰, 赔偿 …) as a short
list, and some answers also carry the site's issue label (问题). The hint is one of the
complaint category codes the complaint model uses (`transforms.complaint_cues.CATEGORIES`:
delivery_logistics, quality_safety, service_attitude, price_billing, refund_after_sales,
false_advertising, account_privacy, other); `extractors` imports nothing of ours, so the codes are
written here and `tests/extractors/heimao/test_categories.py` checks them against that list.

The rule, in order:
1. the subject the appeal names (利率, 会员费, 停止骚扰, 征信, 补发 …: 退还多余担保费 is about a
   fee), then the site's issue label: the first category in `CATEGORY_WORDS` order with a word
   in it;
2. the title and summary: the category of the earliest word found (the problem told first);
3. an appeal for a refund or a remedy that names no subject (退款, 换货, 赔偿, 道歉 …):
   refund_after_sales, as the complaint model files such demands;
4. otherwise `other`.
Most complaints ask for 退款, so a refund decides only when nothing says what went wrong.
"""

from __future__ import annotations

OTHER = "other"
REFUND_AFTER_SALES = "refund_after_sales"

# Checked in this order for appeals and issue labels: a more specific subject wins.
CATEGORY_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("service_attitude", ("骚扰", "催收", "威胁", "恐吓", "辱骂", "态度", "客服", "不回复", "推诿", "敷衍")),
    ("account_privacy", ("征信", "隐私", "个人信息", "注销", "解封", "封号", "冻结", "账号", "账户", "盗刷", "泄露")),
    ("price_billing", ("利率", "利息", "息费", "担保费", "会员费", "服务费", "手续费", "扣费", "扣款", "乱收费", "多收",
                       "另收", "加收", "收费", "发票", "差价", "价格", "自动续费", "砍头息")),
    ("delivery_logistics", ("发货", "补发", "物流", "快递", "配送", "送货", "送达", "派送", "骑手", "外卖")),
    ("quality_safety", ("质量", "假货", "正品", "鉴定", "检测", "变质", "过期", "故障", "损坏", "坏了", "漏水", "异物",
                        "食品安全")),
    ("false_advertising", ("虚假宣传", "虚假广告", "夸大宣传", "欺诈", "诱导", "履行承诺", "兑现", "承诺", "货不对板",
                           "与描述不符", "与实际不符", "宣传")),
    (REFUND_AFTER_SALES, ("退款", "退货", "退费", "退钱", "退还", "换货", "维修", "保修", "三包", "售后")),
)
# Remedies that say nothing of what went wrong.
REMEDY_WORDS = ("赔偿", "补偿", "道歉", "解释", "处罚", "整改", "销账", "说法", "解决")
REFUND_WORDS = dict(CATEGORY_WORDS)[REFUND_AFTER_SALES]
SUBJECTS = tuple((category, words) for category, words in CATEGORY_WORDS if category != REFUND_AFTER_SALES)


def category_hint(appeal: str | None, issue: str | None, title: str | None, summary: str | None) -> str:
    """The complaint category a 黑猫投诉 complaint most likely belongs to (rule in the module docstring)."""
    found = (_first_in_order(appeal or "", SUBJECTS) or _first_in_order(issue or "", CATEGORY_WORDS)
             or _earliest(f"{title or ''}\n{summary or ''}"))
    if found:
        return found
    if any(word in (appeal or "") for word in REFUND_WORDS + REMEDY_WORDS):
        return REFUND_AFTER_SALES
    return OTHER


def _first_in_order(text: str, table: tuple[tuple[str, tuple[str, ...]], ...]) -> str | None:
    for category, words in table:
        if any(word in text for word in words):
            return category
    return None


def _earliest(text: str) -> str | None:
    best: tuple[int, str] | None = None
    for category, words in CATEGORY_WORDS:
        for word in words:
            at = text.find(word)
            if at >= 0 and (best is None or at < best[0]):
                best = (at, category)
    return best[1] if best else None
