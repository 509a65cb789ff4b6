"""Burst terms: frequent now and rarer than usual."""

from collections import Counter

from transforms.terms import burst_terms


def test_new_and_rising_terms_rank_above_everyday_ones():
    now = Counter({"拉肚子": 9, "退款": 7, "咖啡": 10, "好喝": 1})
    before = Counter({"咖啡": 300, "好喝": 120, "退款": 2})
    ranked = burst_terms(now, before)
    assert ranked[:2] == ["拉肚子", "退款"]
    assert "好喝" not in ranked  # seen once now: noise


def test_nothing_new_gives_nothing():
    same = Counter({"咖啡": 10, "拿铁": 5})
    assert burst_terms(same, Counter({k: v * 20 for k, v in same.items()})) == []


def test_empty_inputs():
    assert burst_terms(Counter(), Counter()) == []


def test_emoticon_tokens_read_as_written():
    from transforms.terms import readable_term
    from transforms.textprep import ascii_token

    assert readable_term(ascii_token("emo_", "怒")) == "[怒]"
    assert readable_term("退款") == "退款"


def test_brand_and_its_segmentation_fragments_are_not_terms():
    from transforms.terms import without_brand

    text = "昨天喝了示例咖啡的拿铁，拉肚子"
    # snownlp cuts the unknown brand name into pieces glued to its neighbours
    assert without_brand(["了示", "例", "咖啡", "拿铁", "拉肚子"], text, ["示例咖啡"]) == ["拿铁", "拉肚子"]


def test_brand_names_in_topic_terms_become_clause_breaks():
    from transforms.terms import without_brand_names

    terms = ["示例咖啡", "新品", "|", "喝", "出头", "发", "demo coffee", "拿铁", "示例咖啡"]
    assert without_brand_names(terms, ["示例咖啡", "Demo Coffee"]) == ["新品", "|", "喝", "出头", "发", "|", "拿铁"]
    assert without_brand_names(["示例咖啡"], ["示例咖啡"]) == []
