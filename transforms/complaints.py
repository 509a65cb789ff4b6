"""Complaint detection: does a post voice dissatisfaction with a product or service, or demand a remedy?

Pure and rule-based, so every decision can be explained to a PR team. Signals on the cleaned
text (`transforms.textprep.clean`):

| signal | examples | weight |
|---|---|---|
| demand + remedy | 要求退款, 申请退货, 要求赔偿道歉, 退还…费, 索赔 | 0.6 |
| complaint channel | 投诉, 维权, 12315, 消协, 市场监管, 起诉 | 0.6 |
| problem (consumer) | 质量问题, 虚假宣传, 不发货, 拒绝退款, 服务很差, 饭都凉了, 霉味 | 0.45 |
| dissatisfaction | 失望, 不满, 差评, 别买, 后悔, 不值 | 0.3 |
| escalation | 曝光, 315, 举报, 报警 | 0.3 |
| defect or trouble | 坏了, 有问题, 故障, 过期, 死机, 陈旧, 催收, 骚扰, 迟迟 | 0.25 |
| product / service object | 客服, 售后, 商家, 快递, 外卖, 酒店, 订单, 退款, 手机, 书 | 0.1 |
| negative sentiment | 1 - P(positive) | ×0.4 with a demand, channel, problem or object, else ×0.2 |

A cue right after a negator (没有质量问题, 无需退款, 不是虚假宣传) does not fire. The score is
the noisy-OR of the signals, 1 - Π(1 - wᵢ) (each signal once); a post is a complaint from
COMPLAINT_THRESHOLD. So an object and negative sentiment alone stay below it (a sad post that
mentions a phone), while a consumer problem, a demand or a channel with negative sentiment, or
dissatisfaction or a defect about an object with negative sentiment, reach it.
Figures on real data: `python -m bench.sentiment_eval` (docs/sentiment.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from transforms import textprep

COMPLAINT_THRESHOLD = 0.5
WEIGHTS = {
    "demand": 0.6,
    "channel": 0.6,
    "problem": 0.45,
    "dissatisfied": 0.3,
    "escalation": 0.3,
    "defect": 0.25,
    "object": 0.1,
}
SENTIMENT_WEIGHT_IN_CONTEXT = 0.4
SENTIMENT_WEIGHT_ALONE = 0.2
# Signals that put a post in a product / service context (then negative sentiment counts more).
CONTEXT_SIGNALS = ("demand", "channel", "problem", "object")

_STOP = r"[^,.!?;，。！？；\s]"
_DEGREE = r"(?:很|太|非常|特别|极其|超|真|实在|也|都|太过|巨|超级)?"
_REMEDY = r"(?:退款|退货|退钱|退费|退还|返还|赔偿|补偿|赔付|赔钱|道歉|换货|维修|解决|处理|给个?说法|给个?交代|销账|撤销|停止)"
_DEMAND = r"(?:要求|申请|请求|强烈要求|希望|必须|请(?!问)|我要|马上|立即|尽快|立刻|赶紧)"


def _words(*words: str) -> re.Pattern:
    return re.compile("(?:" + "|".join(words) + ")")


CUES: dict[str, list[re.Pattern]] = {
    "demand": [
        re.compile(_DEMAND + _STOP + "{0,6}?" + _REMEDY),
        re.compile("退(?:还)?" + _STOP + "{0,5}?(?:费|钱)"),
        _words("索赔", "索要赔偿", "讨说法", "讨个说法", "还我血汗钱"),
    ],
    "channel": [_words("投诉", "维权", "12315", "消协", "消费者协会", "消保委", "工商局", "市场监管", "黑猫",
                       "起诉", "律师函", "仲裁")],
    "problem": [
        _words("质量问题", "质量差", "虚假宣传", "虚假广告", "假货", "假冒", "伪劣", "欺诈", "诈骗", "骗子", "坑人",
               "被坑", "霸王条款", "乱收费", "多收", "乱扣", "扣费", "强制消费", "捆绑销售", "套路贷", "不发货",
               "不退款", "拒绝退款", "拒不退款", "不给退", "不予退", "退不了", "不能退", "无法退", "无人处理",
               "没人处理", "推诿", "踢皮球", "缺斤少两", "货不对板", "与描述不符", "偷工减料", "以次充好",
               "暴力催收", "盗刷", "食物中毒", "异物", "变质", "发霉", "霉味", "异味", "异响", "送错", "少送", "漏送"),
        re.compile("(?:服务|态度|质量|售后|做工|信号|音质|效果|体验|卫生|环境|设施|包装|物流|配送|速度)" + _DEGREE +
                   "(?:差|烂|恶劣|糟糕|垃圾|慢|脏)"),
        re.compile("(?:饭|菜|餐|汤|外卖|食物|饭菜)" + _STOP + "{0,3}?(?:凉|冷|洒|撒)了"),
    ],
    "dissatisfied": [_words("失望", "不满", "差评", "别买", "不要买", "千万别", "后悔", "上当", "受骗", "垃圾", "差劲",
                            "太差", "很差", "坑爹", "气愤", "愤怒", "恶心", "不值", "不推荐", "不会再", "再也不",
                            "不划算", "糟糕", "忽悠")],
    "escalation": [_words("曝光", "315", "举报", "报警")],
    "defect": [_words("故障", "坏了", "损坏", "破损", "漏水", "漏电", "过期", "拉肚子", "催收", "骚扰", "威胁", "恐吓",
                      "辱骂", "泄露", "高利贷", "延误", "迟迟", "至今未", "至今没", "骗人", "敷衍", "推脱", "没人管",
                      "不处理", "死机", "卡顿", "掉漆", "开裂", "褪色", "起球", "噪音", "发烫", "没声音", "用不了",
                      "打不开", "不能用", "无法使用", "太贵", "有问题", "不好用", "不灵", "太慢", "太吵", "很吵",
                      "不干净", "很脏", "太脏", "不卫生", "太旧", "陈旧", "老化", "刺鼻", "划痕", "瑕疵", "次品",
                      "残次", "漏发", "发错", "缺货")],
    "object": [_words("客服", "售后", "商家", "卖家", "店家", "平台", "快递", "物流", "外卖", "骑手", "配送", "订单",
                      "产品", "商品", "质量", "服务", "酒店", "前台", "房间", "会员", "扣款", "账单", "充值", "司机",
                      "航班", "门店", "保修", "发票", "银行", "贷款", "借款", "利息", "退款", "退货", "价格", "app",
                      "手机", "电脑", "耳机", "屏幕", "电池", "系统", "软件", "网速", "书", "东西", "衣服", "鞋",
                      "餐厅", "饭店", "菜品", "味道", "店")],
}
# 不然, 不能, 无法, 非常 … are not negations of what follows (不然就投诉, 无法退款).
_NEGATOR = re.compile(r"(?:没有|没|不是|不用|不需要|无需|无(?!法|论)|未|并非|非(?!常)|不(?![然过仅但少断停能得]))"
                      r"[^,.!?;，。！？；\s]{0,2}$")


@dataclass(frozen=True, slots=True)
class Complaint:
    """Whether a post is a complaint, how strongly (0..1), and the cues that fired."""

    is_complaint: bool
    score: float
    reasons: tuple[str, ...]


def _negated(text: str, start: int) -> bool:
    return _NEGATOR.search(text[max(0, start - 5):start]) is not None


def fired_cues(cleaned: str) -> dict[str, list[str]]:
    """The cue texts that fire per signal (negated ones left out), each once, in text order."""
    fired: dict[str, list[str]] = {}
    for signal, patterns in CUES.items():
        for pattern in patterns:
            for match in pattern.finditer(cleaned):
                # a negator inside a problem cue (不发货) is the cue itself, not a negation of it
                if not _negated(cleaned, match.start()) and match.group(0) not in fired.get(signal, []):
                    fired.setdefault(signal, []).append(match.group(0))
    return fired


def complaint_from_clean(cleaned: str, sentiment: float | None = None) -> Complaint:
    """`complaint` for text already passed through `textprep.clean`."""
    fired = fired_cues(cleaned)
    keep = 1.0
    reasons = []
    for signal, cues in fired.items():
        keep *= 1.0 - WEIGHTS[signal]
        reasons.extend(f"{signal}:{cue}" for cue in cues)
    if sentiment is not None:
        negative = min(1.0, max(0.0, 1.0 - sentiment))
        in_context = any(signal in fired for signal in CONTEXT_SIGNALS)
        keep *= 1.0 - negative * (SENTIMENT_WEIGHT_IN_CONTEXT if in_context else SENTIMENT_WEIGHT_ALONE)
        if negative > 0.5:
            reasons.append(f"negative_sentiment:{negative:.2f}")
    score = round(1.0 - keep, 6)
    return Complaint(score >= COMPLAINT_THRESHOLD, score, tuple(reasons))


def complaint(text: str | None, sentiment: float | None = None) -> Complaint:
    """Score one post as a complaint; `sentiment` is its P(positive) (None: cues only)."""
    return complaint_from_clean(textprep.clean(text), sentiment)
