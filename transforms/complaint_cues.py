"""The phrases that explain a complaint: what kind of complaint it is, and what makes it severe.

Each cue is a row: (category, code, Chinese label, English label, signal, pattern). The label is
what a PR reader sees ("变质 / spoiled"), the pattern is what must appear in the cleaned text
(`transforms.textprep.clean`: Simplified, lower case, punctuation split off), and the signal is
the kind of evidence it is for the complaint model (`transforms.complaint_model`):

| signal | meaning |
|---|---|
| demand | the writer asks for a remedy (要求退款, 索赔, 给个说法) |
| channel | the writer names a complaint channel (投诉, 维权, 12315) |
| problem | a concrete consumer problem (饭都凉了, 起球, 乱扣费) |
| dissatisfied | dissatisfaction without a concrete problem (失望, 差评, 再也不买) |
| topic | what a complaint is about (快递, 客服, 质量): names a category when no problem or demand phrase does; no evidence of a complaint, not a model feature |

`DEFECT` lists the phrases that can only mean a bought thing failed (起球, 饭都凉了, 变质): a
text that states one and is not positive is a complaint (`transforms.complaints`).
`SEVERITY_CUES` are the same shape; their "category" is the severity kind (food safety, injury,
regulators and courts, media exposure, many victims). Categories and kinds carry zh / en names.

Speed: each compiled alternation carries its anchors (`transforms.regex_anchors`, derived from
the patterns), and one Aho-Corasick pass over a post (`found_anchors`) tells which can match at
all; most posts have none, so most patterns never run. Results are those of running them all.
"""

from __future__ import annotations

import re
from collections.abc import Set
from dataclasses import dataclass

from transforms.regex_anchors import AnchorScan, anchors

CATEGORIES: dict[str, tuple[str, str]] = {
    "delivery_logistics": ("配送物流", "Delivery and logistics"),
    "quality_safety": ("质量安全", "Quality and safety"),
    "service_attitude": ("服务态度", "Service attitude"),
    "price_billing": ("价格收费", "Price and billing"),
    "refund_after_sales": ("退款售后", "Refunds and after-sales"),
    "false_advertising": ("虚假宣传", "False advertising"),
    "account_privacy": ("账号隐私", "Account and privacy"),
    "other": ("其他", "Other"),
}
SEVERITY_KINDS: dict[str, tuple[str, str]] = {
    "food_safety": ("食品安全", "Food safety"),
    "injury": ("人身伤害", "Injury"),
    "regulator_court": ("监管与诉讼", "Regulators and courts"),
    "media_exposure": ("媒体曝光", "Media exposure"),
    "many_victims": ("多人受害", "Many victims"),
}
SIGNALS = ("demand", "channel", "problem", "dissatisfied")  # model features; "topic" is not one


@dataclass(frozen=True, slots=True)
class Phrases:
    """Phrase patterns as written (`sources`) and compiled as one alternation (`regex`), with its
    anchors (`transforms.regex_anchors`: strings one of which every match contains; empty when
    unknown, so it always runs)."""

    sources: tuple[str, ...]
    regex: re.Pattern
    anchors: frozenset[str]


def cannot_match(anchors: frozenset[str], found: Set[str] | None) -> bool:
    """Whether what has these anchors cannot match a text with the anchors `found` (none of them
    is there). Never for `found` None (no prefilter: everything runs) or no anchors (unknown)."""
    return found is not None and bool(anchors) and anchors.isdisjoint(found)


@dataclass(frozen=True, slots=True)
class Cue:
    """One explained cue: its category (or severity kind), code, labels, signal and patterns
    (`alternatives`: one phrase list, compiled for speed), and the anchors of them all (empty
    when one pattern has none)."""

    category: str
    code: str
    zh: str
    en: str
    signal: str
    patterns: tuple[Phrases, ...]
    anchors: frozenset[str]


_S = r"[^,.!?;，。！？；\s]"  # any character inside a clause
_DEGREE = r"(?:最|很|太|非常|特别|极其|超|真|实在|也|都|太过|巨|超级|极|有点|有些|比较|好|略|偏|过于|十分|相当|挺)?"
_BAD = r"(?:差|烂|不好|不行|糟糕|垃圾|一般|粗糙|低劣|恶劣|差劲|极差|不咋样|不怎么样)"
_REMEDY = r"(?:退款|退货|退钱|退费|退还|返还|赔偿|补偿|赔付|赔钱|道歉|换货|解决|处理|给个?说法|给个?交代|销账|撤销)"
_DEMAND = r"(?:要求|申请|请求|强烈要求|希望|必须|请(?!问)|我要|马上|立即|尽快|立刻|赶紧)"
_FOOD = r"(?:饭|菜|餐|汤|外卖|食物|饭菜|面条?|粥|饺子|披萨|汉堡|奶茶|咖啡|米线|粉|肉|鸡|鱼|饮料|水果|蛋糕|面包|包子|米饭)"
_STAFF = r"(?:服务|态度|客服|店员|服务员|前台|骑手|快递员|配送员|送餐员|小哥|司机|老板|商家|卖家|店家|工作人员|售后|门童|经理|导购)"
_DELIVERY = r"(?:送餐|配送|送货|送达|物流|快递|发货|外卖|骑手|派送|送的|送得|送来|到货|送过来|送到)"
# What a buyer judges in a product: quality, workmanship, material, and the parts of devices and rooms.
_ASPECT = (r"(?:质量|品质|做工|材质|面料|布料|用料|手感|效果|屏幕|屏|音质|音效|画质|像素|信号|电池|续航|声音|散热|键盘|"
           r"摄像头|系统|性能|速度|网速|隔音|设施|设备|装修|房间|环境|卫生|床|被子|毛巾|床单|地毯|卫生间|浴室|早餐|饭菜|"
           r"口感|包装|款式|颜色|尺码|鞋|衣服|裤子|内容|印刷|纸张|翻译|排版)")
_BAD_QUALITY = (_DEGREE + r"(?:差|烂|不好|不行|糟糕|垃圾|一般|粗糙|低|弱|短|模糊|不清楚|不清晰|陈旧|旧|破旧|脏|潮|吵|暗|"
                r"不方便|不稳定|不灵|难用|不好用|硬|薄|小|单调|简陋|空洞|乱)")


def alternatives(*patterns: str) -> tuple[Phrases, ...]:
    """The patterns as at most two compiled alternations: those that begin with a plain character,
    which `re` scans for by their first characters (several times faster on posts without any),
    and the rest."""
    plain = [p for p in patterns if p[0] not in "([\\.^"]
    rest = [p for p in patterns if p[0] in "([\\.^"]
    return tuple(_phrases(tuple(group)) for group in (plain, rest) if group)


def _phrases(sources: tuple[str, ...]) -> Phrases:
    regex = re.compile("|".join(sources))
    return Phrases(sources, regex, anchors(regex))


def first_unnegated(cleaned: str, patterns: tuple[Phrases, ...], found: Set[str] | None = None) -> str | None:
    """The earliest match of any of `patterns` in `cleaned` that no negator precedes, or None.
    `found`: `found_anchors(cleaned)`, to skip what cannot match (it knows the anchors of CUES,
    SEVERITY_CUES and DEFECT only); None runs every pattern."""
    best: re.Match | None = None
    for phrases in patterns:
        if cannot_match(phrases.anchors, found):
            continue
        for match in phrases.regex.finditer(cleaned):
            if not negated(cleaned, match.start()):
                if best is None or match.start() < best.start():
                    best = match
                break
    return best.group(0) if best else None


def _cue(category: str, code: str, zh: str, en: str, signal: str, *patterns: str) -> Cue:
    compiled = alternatives(*patterns)
    anchored = all(p.anchors for p in compiled)
    return Cue(category, code, zh, en, signal, compiled,
               frozenset().union(*(p.anchors for p in compiled)) if anchored else frozenset())


CUES: tuple[Cue, ...] = (
    # delivery and logistics
    _cue("delivery_logistics", "slow_delivery", "配送慢", "slow delivery", "problem",
         _DELIVERY + _S + "{0,4}?" + _DEGREE + r"(?:慢|迟|晚|久|超时)", r"超时", r"等了" + _S + "{0,4}?(?:小时|分钟|天|半天|好久|很久)",
         r"(?:一|两|三|四|五|几|半|\d+)个?多?(?:小时|钟头|天)(?:才|还没|都没|还不)", r"还没(?:到|送到|收到|送来)", r"迟迟(?:不|没|未)",
         r"延误", r"至今(?:未|没)(?:到|收到|发)", r"慢递", r"送了" + _S + "{0,4}?(?:小时|钟头)", r"才(?:送到|到货|收到|送来)", r"(?<!刚)才到",
         r"(?:等|催)了" + _S + "{0,3}?(?:半天|好久|很久|几次|好几次)", r"慢得", r"慢死了", r"龟速"),
    _cue("delivery_logistics", "cold_food", "饭菜凉了", "food arrived cold or spilt", "problem",
         _FOOD + _S + "{0,4}?(?:都|全|已经)?(?:凉|冷|洒|撒|坨|糊)了", r"凉透", r"冰凉", r"(?:汤|饮料|奶茶|粥)" + _S + "{0,3}?(?:洒|撒|漏)",
         r"都凉了"),
    _cue("delivery_logistics", "wrong_or_missing", "送错漏送", "wrong or missing items", "problem",
         r"送错", r"少送", r"漏送", r"漏发", r"发错", r"少发", r"少了一", r"缺件", r"没给送", r"没送(?:到|来)?",
         r"寄错", r"配错", r"(?:没有|没给|没放|忘了?放|忘了?给)" + _S + "{0,2}?(?:筷子|餐具|勺子|赠品|发票|配件|说明书)",
         r"少了" + _S + "{0,3}?(?:个|份|件|瓶|双|盒|袋)"),
    _cue("delivery_logistics", "damaged_in_transit", "包装破损", "damaged in transit", "problem",
         r"破损", r"压坏", r"摔坏", r"压扁", r"包装" + _S + "{0,3}?(?:破|烂|坏|差|简陋)", r"洒了", r"撒了一", r"磕碰", r"压碎",
         r"(?:快递|物流|运输)" + _S + "{0,4}?(?:坏|破|碎|烂)"),
    _cue("delivery_logistics", "not_shipped", "不发货", "not shipped", "problem",
         r"不发货", r"还没发货", r"未发货", r"没发货", r"迟迟不发", r"发货" + _DEGREE + r"(?:慢|晚)", r"缺货"),
    # quality and safety
    _cue("quality_safety", "quality_problem", "质量问题", "quality problem", "problem",
         r"质量问题", _ASPECT + _S + "{0,3}?" + _BAD_QUALITY, r"次品", r"残次", r"瑕疵", r"伪劣", r"偷工减料", r"以次充好",
         r"劣质", r"粗制滥造", r"做工" + _DEGREE + r"(?:差|粗糙|不好)", r"不结实", r"很旧", r"陈旧", r"破旧", r"老旧",
         r"鸡肋", r"塑料感", r"不实用", r"不合格", r"单调", r"笨重", r"凑合", r"读不下去", r"看不下去",
         r"没(?:有)?亮点", r"流水[帐账]", r"拼凑", r"不精彩", r"空洞", r"预装软件" + _S + "{0,3}?多"),
    _cue("quality_safety", "broken", "故障损坏", "broken or faulty", "problem",
         r"坏了", r"故障", r"损坏", r"死机", r"卡顿", r"黑屏", r"蓝屏", r"花屏", r"自动重启", r"不能用", r"用不了", r"打不开",
         r"无法使用", r"没声音", r"不灵", r"失灵", r"漏水", r"漏电", r"漏气", r"异响", r"发烫", r"烫手", r"开裂", r"裂了",
         r"掉漆", r"褪色", r"掉色", r"起球", r"起毛", r"开线", r"脱线", r"开胶", r"脱胶", r"断了", r"有问题", r"不好用",
         r"难用", r"太吵", r"噪音" + _DEGREE + "大", r"容易坏", r"就坏", r"老化", r"划痕", r"变形", r"生锈", r"充不进",
         r"不充电", r"掉电快", r"耗电快", r"掉线", r"不制冷", r"不制热", r"不加热", r"不出水", r"跳闸", r"坏点",
         r"缩水", r"破了", r"碎了", r"掉毛", r"起皱", r"脱落", r"堵塞", r"不亮", r"启动不了", r"不能开机", r"咔咔响", r"吱吱",
         r"嘎吱", r"容易烫", r"很烫", r"(?:难|不好|装不了|装不上)装", r"装不了", r"装不上", r"难搞", r"(?:热水|水压|暖气)" + _S + "{0,3}?(?:不足|不够|不热)",
         r"(?:穿|用|洗|戴)" + _S + "{0,4}?(?:就|便)(?:坏|破|烂|断|掉|起球|变形|开|裂)"),
    _cue("quality_safety", "bad_taste", "难吃", "tastes bad", "problem",
         r"难吃", r"不好吃", r"难喝", r"不好喝", _DEGREE + r"咸(?!菜|蛋|鱼|肉)", r"咸死", r"太油", r"太腻", r"油腻", r"没(?:什么|啥)?味道?", r"味道" + _S + "{0,2}?" +
         _DEGREE + r"(?:差|怪|奇怪|不对|一般|不行|淡|重|不好|难闻)", r"有股" + _S + "{0,3}?味", r"腥", r"硬邦邦", r"不新鲜",
         r"夹生", r"没熟", r"不熟", r"太(?:甜|辣|淡|硬|干|酸|老|柴|少)", r"口感" + _DEGREE + r"(?:差|不好|一般)", r"齁"),
    _cue("quality_safety", "spoiled", "变质", "spoiled", "problem",
         r"变质", r"发霉", r"霉味", r"霉变", r"馊", r"过期", r"腐烂", r"发臭", r"臭了", r"坏掉", r"烂了", r"烂的", r"坏的",
         r"长毛", r"发黑", r"酸了"),
    _cue("quality_safety", "foreign_object", "异物", "foreign object", "problem",
         r"异物", r"(?:吃出|喝出|里面有|里有|发现|竟然有|居然有)" + _S + "{0,3}?(?:头发|虫|苍蝇|蟑螂|钢丝|石子|塑料|玻璃|指甲|毛)"),
    _cue("quality_safety", "made_ill", "吃坏肚子", "made someone ill", "problem",
         r"吃坏", r"拉肚子", r"食物中毒", r"上吐下泻", r"腹泻", r"肚子疼", r"肚子痛", r"呕吐", r"过敏"),
    _cue("quality_safety", "counterfeit", "假货", "counterfeit", "problem",
         r"假货", r"假冒", r"山寨", r"盗版", r"不是正品", r"翻新机", r"高仿", r"是假的"),
    _cue("quality_safety", "unhygienic", "不卫生", "unhygienic", "problem",
         r"不卫生", r"不干净", r"很脏", r"太脏", r"好脏", r"脏兮兮", r"脏乱", r"又脏", r"脏的", r"异味", r"刺鼻", r"怪味",
         r"卫生" + _DEGREE + r"(?:差|不好)", r"有虫", r"蟑螂", r"有头发", r"血迹", r"污渍"),
    _cue("quality_safety", "wrong_size", "尺码不对", "wrong size", "problem",
         r"尺码" + _S + "{0,3}?(?:不对|不准|偏|不合适)", r"不合身", r"偏大", r"偏小", r"太大了", r"太小了"),
    _cue("quality_safety", "noisy_or_uncomfortable", "吵闹不适", "noisy or uncomfortable", "problem",
         r"很吵", r"太吵", r"非常吵", r"吵得", r"吵死", r"吵闹", r"难以入睡", r"不方便", r"太旧", r"旧得", r"太麻烦",
         r"很麻烦", r"比较麻烦", r"挺麻烦", r"太重", r"别扭", r"生硬", r"(?:小|大|重|厚|慢|少|短|旧|吵|贵)了(?:一)?点"),
    # service attitude
    _cue("service_attitude", "rude_service", "服务态度差", "rude or poor service", "problem",
         _STAFF + _DEGREE + r"(?:差|恶劣|不好|冷淡|傲慢|凶|垃圾|极差|糟糕|烂|敷衍|不耐烦|一般|不专业|不热情|慢)(?!吃|喝|看|用)",
         r"爱答不理", r"爱理不理", r"不耐烦", r"甩脸", r"骂人", r"辱骂", r"骂我", r"态度恶劣", r"服务" + _DEGREE + r"(?:慢|差劲)",
         r"不理不睬", r"不搭理", r"白眼", r"没礼貌", r"不礼貌", r"吼", r"凶巴巴", r"服务意识" + _S + "{0,2}?(?:差|没有|不强)",
         r"素质" + _DEGREE + r"(?:差|低)", r"挂我电话", r"挂电话", r"(?:服务|态度)" + _S + "{0,3}?(?:不是很好|不到位|不周到|不热情)",
         _STAFF + _S + "{0,4}?(?:居然|竟然|竟)(?:说|告诉|不)", r"狡辩", r"不以为然", r"没人" + _S + "{0,3}?落实"),
    _cue("service_attitude", "no_response", "无人处理", "nobody responds", "problem",
         r"不回复", r"不回消息", r"没人回", r"没人理", r"不理人", r"无人处理", r"没人处理", r"没人管", r"不处理",
         r"联系不上", r"联系不到", r"打不通", r"找不到人", r"推诿", r"踢皮球", r"敷衍", r"推脱", r"推卸", r"扯皮",
         r"石沉大海", r"投诉无门", r"没人接", r"不接电话", r"没有回音", r"没回音", r"没有回复", r"没答复", r"没有答复",
         r"没有结果", r"没人来"),
    _cue("service_attitude", "harassment", "骚扰威胁", "harassment or threats", "problem",
         r"暴力催收", r"催收", r"威胁", r"恐吓", r"爆通讯录"),
    # price and billing
    _cue("price_billing", "overcharged", "乱收费", "overcharged", "problem",
         r"乱收费", r"多收", r"多扣", r"乱扣", r"扣费", r"扣钱", r"扣了" + _S + "{0,4}?(?:钱|费|元|块)", r"偷偷扣",
         r"自动续费", r"强制消费", r"捆绑销售", r"霸王条款", r"宰客", r"坑钱", r"额外收费", r"收费不合理", r"隐形消费",
         r"套路贷", r"砍头息", r"高利贷", r"会员费", r"服务费" + _S + "{0,3}?(?:不|没)", r"(?:居然|竟然|还要|另|额外)收",
         r"收了我", r"加价", r"敲诈", r"收费" + _DEGREE + r"(?:贵|高|不合理)", r"(?:单|另|还|也)收费",
         r"坑了" + _S + "{0,4}?(?:钱|块|元)", r"发票" + _S + "{0,6}?(?:没有|没|未|不给|开错|有问题)"),
    _cue("price_billing", "poor_value", "价格太贵", "too expensive for what it is", "problem",
         r"(?:太|好|很|真|有点|有些|偏|比较|挺|超|略|死)贵", r"贵了", r"贵死", r"还贵", r"不值", r"性价比" + _DEGREE + r"(?:低|差|不高)", r"不划算", r"价格" + _DEGREE + r"(?:高|虚高)",
         r"(?:刚买|买完|买了|过了)" + _S + "{0,6}?(?:降价|掉价|便宜)", r"分量" + _DEGREE + r"(?:少|小|不足)", r"量" + _DEGREE + r"少",
         r"缺斤少两", r"份量" + _DEGREE + r"(?:少|小)", r"买亏", r"亏了", r"不便宜", r"(?:又|就)降了", r"冤枉钱", r"浪费钱", r"价格" + _S + "{0,4}?不符"),
    # refunds and after-sales
    _cue("refund_after_sales", "refund_demanded", "要求退款", "refund demanded", "demand",
         _DEMAND + _S + "{0,6}?(?:退款|退货|退钱|退费|退还|返还|换货)", r"退(?:还)?" + _S + "{0,5}?(?:费|钱)"),
    _cue("refund_after_sales", "compensation_demanded", "要求赔偿", "compensation demanded", "demand",
         _DEMAND + _S + "{0,6}?(?:赔偿|补偿|赔付|赔钱|道歉|解决|处理|给个?说法|给个?交代|销账|撤销)",
         r"索赔", r"索要赔偿", r"讨说法", r"讨个说法", r"还我血汗钱", r"给个说法", r"给个交代"),
    _cue("refund_after_sales", "refund_refused", "拒绝退款", "refund refused", "problem",
         r"不退款", r"拒绝退款", r"拒不退款", r"不给退", r"不予退", r"退不了", r"不能退", r"无法退", r"退款难",
         r"不退钱", r"拒绝退货", r"不给换", r"退款" + _S + "{0,4}?(?:没到|未到|不到账|还没)"),
    _cue("refund_after_sales", "poor_after_sales", "售后差", "poor after-sales", "problem",
         r"售后" + _S + "{0,3}?(?:差|不好|不管|推诿|不处理|垃圾|太慢|没人)", r"不给修", r"不保修", r"保修" + _S +
         "{0,3}?(?:不|拒)", r"维修" + _S + "{0,3}?(?:慢|贵|不|了几次|好几次)", r"修了" + _S + "{0,3}?(?:次|还)", r"返修",
         r"换货" + _S + "{0,4}?(?:麻烦|慢|花了|用了|过程)"),
    # false advertising
    _cue("false_advertising", "not_as_described", "与描述不符", "not as described", "problem",
         r"与描述不符", r"描述不符", r"货不对板", r"图片不符", r"和图片" + _S + "{0,3}?不", r"跟图片" + _S + "{0,3}?不",
         r"与图片" + _S + "{0,3}?不", r"实物" + _S + "{0,4}?(?:不符|差距|差别|不一样)", r"色差", r"名不副实", r"言过其实",
         r"跟(?:宣传|描述|说的|介绍)" + _S + "{0,3}?不", r"和(?:宣传|描述|说的|介绍)" + _S + "{0,3}?不", r"不是(?:说好|承诺|宣传|描述|介绍)的",
         r"不(?:像|如|同于)" + _S + "{0,2}?(?:介绍|宣传|描述|图片|广告)", r"没(?:有)?(?:说|宣传|介绍|标称)的那么",
         r"(?:与|和|跟)" + _S + "{0,4}?(?:不符|不符合|相反)", r"不符", r"相差" + _S + "{0,2}?大", r"没有想象中", r"不如想象",
         r"并不像", r"图片仅供参考"),
    _cue("false_advertising", "misleading_claims", "虚假宣传", "false or misleading claims", "problem",
         r"虚假宣传", r"虚假广告", r"夸大宣传", r"欺诈", r"诈骗", r"忽悠", r"骗人", r"骗子", r"上当", r"受骗",
         r"被骗", r"被坑", r"坑人", r"坑爹", r"套路", r"诱导", r"虚标", r"噱头", r"炒作", r"托儿", r"刷单", r"好评返现"),
    # account and privacy
    _cue("account_privacy", "account_problem", "账号问题", "account problem", "problem",
         r"封号", r"盗号", r"(?:账号|账户|帐号|帐户)" + _S + "{0,3}?(?:异常|被盗|被封|冻结|无法|登不)", r"登录不了", r"无法登录",
         r"登不上", r"被冻结", r"盗刷", r"被盗刷", r"被注册"),
    _cue("account_privacy", "privacy_leak", "隐私泄露", "privacy leak", "problem",
         r"泄露", r"泄漏", r"个人信息" + _S + "{0,4}?(?:被|泄|卖)", r"隐私", r"骚扰电话", r"骚扰短信", r"推销电话", r"骚扰",
         r"垃圾短信", r"短信轰炸"),
    # generic: the kind of complaint is not said
    _cue("other", "complaint_channel", "投诉维权", "complaint filed or threatened", "channel",
         r"投诉", r"维权", r"12315", r"消协", r"消费者协会", r"消保委", r"工商局", r"市场监管", r"黑猫", r"起诉",
         r"律师函", r"仲裁"),
    _cue("other", "dissatisfied", "表达不满", "dissatisfied", "dissatisfied",
         r"失望", r"不满", r"差评", r"别买", r"不要买", r"千万别", r"后悔", r"垃圾", r"差劲", r"太差", r"很差", r"极差",
         r"最差", r"好差", r"真差", r"巨差", r"气愤", r"愤怒", r"恶心", r"不推荐", r"不会再", r"再也不", r"糟糕", r"无语",
         r"避雷", r"踩雷", r"一般般", r"不怎么样", r"不咋样", r"不满意", r"差差", r"太烂", r"大失所望",
         r"不值得", r"别去", r"不要去", r"下次不", r"不敢恭维", r"没法说"),
    # topic words: name what a complaint is about; they decide a category only when no problem,
    # demand or complaint-channel phrase names one, and are no evidence that a text is a complaint
    _cue("delivery_logistics", "delivery_topic", "配送", "delivery", "topic",
         r"配送", r"送餐", r"快递", r"物流", r"骑手", r"送货", r"外卖员", r"派送", r"发货"),
    _cue("quality_safety", "quality_topic", "质量", "quality", "topic",
         r"质量", r"做工", r"味道", r"口感", r"材质", r"品质", r"效果"),
    _cue("service_attitude", "service_topic", "服务", "service", "topic",
         r"服务", r"态度", r"客服", r"服务员", r"前台", r"店员"),
    _cue("price_billing", "price_topic", "价格", "price", "topic",
         r"价格", r"价钱", r"收费", r"费用", r"房价", r"性价比"),
    _cue("refund_after_sales", "after_sales_topic", "退换售后", "refunds and after-sales", "topic",
         r"退款", r"退货", r"售后", r"保修", r"换货", r"维修", r"退换"),
    _cue("false_advertising", "advertising_topic", "宣传描述", "advertising and description", "topic",
         r"宣传", r"描述", r"广告", r"标称"),
    _cue("account_privacy", "account_topic", "账号隐私", "account and privacy", "topic",
         r"账号", r"账户", r"帐号", r"密码", r"个人信息"),
)


SEVERITY_CUES: tuple[Cue, ...] = (
    _cue("food_safety", "food_safety", "食品安全", "food safety", "severe",
         r"吃坏", r"拉肚子", r"食物中毒", r"上吐下泻", r"腹泻", r"变质", r"腐烂",
         r"(?:吃|喝|饭|菜|食|汤|奶|饮料|面包|肉|水果|蛋糕)" + _S + "{0,6}?(?:发霉|霉变|异物|过期)",
         r"(?:吃出|喝出)" + _S + "{0,3}?(?:头发|虫|苍蝇|蟑螂|钢丝|石子|塑料|玻璃)"),
    _cue("injury", "injury", "人身伤害", "injury", "severe",
         r"受伤", r"烫伤", r"割伤", r"烧伤", r"爆炸", r"起火", r"自燃", r"着火", r"触电", r"住院", r"送医",
         r"进了?医院", r"骨折"),
    _cue("regulator_court", "regulator_court", "监管与诉讼", "regulators or courts", "severe",
         r"12315", r"市场监管", r"工商局", r"消协", r"消费者协会", r"消保委", r"起诉", r"法院", r"律师", r"仲裁",
         r"报警(?!器|声)", r"立案", r"银保监", r"监管部门"),
    _cue("media_exposure", "media_exposure", "媒体曝光", "media exposure", "severe",
         r"曝光", r"记者", r"(?:找|联系|求助|寻求|告诉|投诉到)" + _S + "{0,3}?媒体", r"媒体" + _S + "{0,2}?(?:曝光|报道)",
         r"上新闻", r"315晚会", r"3\.15", r"黑猫投诉"),
    _cue("many_victims", "many_victims", "多人受害", "many victims", "severe",
         r"集体", r"都被" + _S + "{0,2}?(?:骗|坑|扣|盗|封|拒)", r"很多人都被", r"大量用户", r"多名(?:用户|消费者|顾客|受害)",
         r"不止我一个", r"受害者", r"维权群", r"一群人被"),
)

# Defects: phrases that, unnegated, can only mean a bought product or service failed (clothes that
# pill after one wear, food that came cold or spoiled, a parcel never shipped, a refund refused).
# A text that states one and is not positive is a complaint whatever the learned score says
# (`transforms.complaints`): short complaints in trades the training data lack (food delivery,
# clothing) carry few words for the Bayes models but always one of these.
DEFECT = alternatives(*(
    r"起球", r"掉色", r"褪色", r"开线", r"脱线", r"开胶", r"脱胶", r"漏水", r"漏电", r"漏气", r"变质", r"发霉", r"霉变", r"馊",
    r"过期", r"腐烂", r"发臭", r"异物", r"吃出", r"喝出", r"送错", r"少送", r"漏送", r"漏发", r"发错", r"少发", r"不发货",
    r"未发货", r"还没发货", r"都凉了", r"凉透", _FOOD + _S + "{0,4}?(?:都|全|已经)?(?:凉|冷|洒|撒|坨)了", r"假货", r"不是正品",
    r"与描述不符", r"描述不符", r"货不对板", r"乱扣", r"多扣", r"乱收费", r"多收", r"不给退", r"拒绝退款", r"不退款", r"退款难",
    r"压坏", r"破损", r"难吃", r"难喝", r"不新鲜", r"缺斤少两",
    r"(?:穿|用|洗|戴)" + _S + "{0,4}?(?:就|便)(?:坏|破|烂|断|掉|起球|变形|开|裂)"))


# 不然, 不能, 无法, 非常 … are not negations of what follows (不然就投诉, 无法退款).
_NEGATOR = re.compile(r"(?:没有|没|不是|不用|不需要|无需|无(?!法|论)|未|并非|非(?!常)|不(?![然过仅但少断停能得]))"
                      r"[^,.!?;，。！？；\s]{0,2}$")


def negated(text: str, start: int) -> bool:
    """Whether a negator stands right before `start` in the same clause (没有质量问题, 无需退款)."""
    return _NEGATOR.search(text[max(0, start - 5):start]) is not None


def matches(cleaned: str, cues: tuple[Cue, ...], found: Set[str] | None = None) -> list[tuple[Cue, str]]:
    """(cue, matched phrase) for every cue that fires in `cleaned`, negated ones left out; each
    cue once (its first unnegated match), in cue order. `found`: see `first_unnegated`."""
    fired = []
    for cue in cues:
        if cannot_match(cue.anchors, found):
            continue
        phrase = first_unnegated(cleaned, cue.patterns, found)
        if phrase is not None:
            fired.append((cue, phrase))
    return fired


def stated_defect(cleaned: str, found: Set[str] | None = None) -> str | None:
    """The first unnegated DEFECT phrase in `cleaned`, or None. `found`: see `first_unnegated`."""
    return first_unnegated(cleaned, DEFECT, found)


_SCAN = AnchorScan([*(p.anchors for cue in CUES + SEVERITY_CUES for p in cue.patterns), *(p.anchors for p in DEFECT)])


def found_anchors(cleaned: str) -> set[str]:
    """The anchors of every cue, severity cue and defect pattern that occur in `cleaned`: one
    pass that lets `matches` and `stated_defect` skip what cannot match (all of it on ~4 in 5 posts)."""
    return _SCAN.found(cleaned)
