"""Scoring a batch: one row per input, in order, from one segmentation per distinct text."""

from transforms.scoring import score_texts, topic_terms
from transforms.sentiment import sentiments as sentiment_only


def test_rows_follow_the_input_order_and_repeated_texts_score_alike():
    texts = ["示例咖啡的新品太好喝了[哈哈]", "喝了之后拉肚子，要求退款，已经投诉了[怒]", "示例咖啡的新品太好喝了[哈哈]", ""]
    rows = score_texts(texts)
    assert len(rows) == 4
    assert rows[0] == rows[2]
    assert rows[0].label == "pos" and not rows[0].complaint
    assert rows[1].label == "neg" and rows[1].complaint
    assert "refund_after_sales" in rows[1].complaint_categories
    assert any(r.code == "refund_demanded" and r.zh == "要求退款" for r in rows[1].reasons)
    assert rows[3].clean_text == "" and rows[3].keywords == () and rows[3].terms == ()


def test_sentiment_equals_the_sentiment_module():
    texts = ["服务态度很差，再也不来了", "物流很快，包装完好", "一般般吧"]
    assert [r.sentiment for r in score_texts(texts)] == [s.probability for s in sentiment_only(texts)]


def test_keywords_and_terms_come_from_the_same_words():
    (row,) = score_texts(["新款耳机音质很好，但是电池续航太短，客服也不回复"])
    assert set(row.keywords) <= set(row.terms)
    assert "电池" in row.terms and "的" not in row.terms


def test_topic_terms_break_clauses_at_punctuation_and_emoticons_and_leave_function_words_out():
    assert topic_terms(["我", "的", "咖啡", "，", "emo_e68092", "变质", "了"]) == ("咖啡", "|", "变质")
    # a single-character stop word that is part of a word snownlp cut stays: 拿|铁, 像|头
    assert topic_terms(["的", "拿", "铁", "涨价", "没有", "偷", "拍摄", "像", "头", "。"]) == (
        "拿", "铁", "涨价", "偷", "拍摄", "像", "头")


def test_dictionary_phrases_stay_whole_in_terms_and_keywords_and_sentiment_does_not_move():
    from transforms.lexicon import Lexicon

    texts = ["示例咖啡新品生椰拿铁喝出头发，太恶心了", "门店更衣室发现偷拍摄像头"]
    plain = score_texts(texts)
    (coffee, camera) = score_texts(texts, lexicon=Lexicon(["示例咖啡", "生椰拿铁", "摄像头"]))
    assert "生椰拿铁" in coffee.terms and "生椰拿铁" in coffee.keywords and "铁" not in coffee.terms
    assert camera.terms == ("门店", "更衣", "室", "发现", "偷", "拍", "摄像头")
    assert [(r.sentiment, r.label, r.complaint_score) for r in plain] == [
        (r.sentiment, r.label, r.complaint_score) for r in (coffee, camera)]


def test_a_complaint_with_an_explicit_problem_is_labelled_negative_whatever_the_band():
    (row,) = score_texts(["变质了还在卖，吃了拉肚子，要求赔偿"])
    assert row.complaint and row.label == "neg" and row.severity == "severe"
