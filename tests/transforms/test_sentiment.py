"""The shipped sentiment model: snownlp reads it identically, and it behaves on real-style posts."""

from __future__ import annotations

import csv
import os
import random
from pathlib import Path

import pytest

from training.sentiment import content_digest
from transforms import fastsnow, sentiment
from transforms.sentiment import NeutralBand, prepare, prepare_many, sentiments
from transforms.textprep import MAX_CHARS

REPO = Path(__file__).resolve().parents[2]
DATA = Path(os.environ.get("BRANDMON_DATA_DIR") or REPO.parent / "shared" / "data") / "sentiment"

EXAMPLES = [
    "终于放假了[哈哈][哈哈]",
    "气死我了，快递三天还没到[怒]",
    "這家餐廳的服務太差了，再也不來了",
    "外卖送到的时候饭都凉了，差评",
    "没有质量问题，用着挺顺手",
    "不好",
    "",
    "👍👍",
    "客服态度很好，耐心解答，点赞[赞]",
]


def p(text: str) -> float:
    return sentiments([text])[0].probability


@pytest.fixture(scope="module")
def plain_snownlp():
    """snownlp itself, loading the shipped model file the way its docs say."""
    from snownlp.sentiment import Sentiment

    model = Sentiment()
    model.load(str(sentiment.MODEL_BASE))
    return model


def _real_posts(n: int = 150) -> list[str]:
    dev = DATA / "weibo_senti_100k_dev.tsv"
    if not dev.exists():
        pytest.skip(f"real Weibo posts not found in {DATA} (set BRANDMON_DATA_DIR to the shared data folder)")
    with open(dev, encoding="utf-8", newline="") as handle:
        texts = [text for _label, text in csv.reader(handle, delimiter="\t")]
    return random.Random(4).sample(texts, n)


def test_plain_snownlp_scores_prepared_text_exactly_like_us(plain_snownlp):
    scores = sentiments(EXAMPLES)
    for text, prepared, score in zip(EXAMPLES, prepare_many(EXAMPLES), scores):
        assert plain_snownlp.classify(prepared) == score.probability, text


def test_plain_snownlp_agrees_on_real_weibo_posts(plain_snownlp):
    posts = _real_posts()
    for prepared, score in zip(prepare_many(posts), sentiments(posts)):
        assert plain_snownlp.classify(prepared) == score.probability


def test_metadata_records_provenance_band_and_held_out_figures():
    meta = sentiment.read_metadata()
    assert set(meta["data"]) == {"weibo_senti_100k", "weibo2018", "snownlp_reviews"}
    assert meta["command"].startswith("brandmon train-sentiment --rebuild-shipped")
    band = meta["neutral_band"]
    assert 0 < band["low"] < 0.5 < band["high"] < 1
    weibo, reviews = meta["fold_metrics"]["weibo (both sets)"], meta["fold_metrics"]["reviews"]
    assert weibo["roc_auc"] >= 0.92 and weibo["accuracy"] >= 0.85
    assert reviews["roc_auc"] >= 0.88


def test_the_model_file_on_disk_matches_its_metadata_hash():
    model = fastsnow.SentimentModel.load(sentiment.MODEL_BASE)
    assert content_digest(model) == sentiment.read_metadata()["model_sha256"]


def test_emoticons_carry_sentiment():
    assert p("终于到家了[哈哈]") > 0.5 > p("终于到家了[泪]")
    assert p("今天的会开完了[怒]") < p("今天的会开完了[鼓掌]")


@pytest.mark.parametrize("negated, plain", [
    ("不好", "好"),
    ("这个东西不好", "这个东西好"),
    ("不推荐购买", "推荐购买"),
    ("一点也不好吃", "很好吃"),
    ("服务不太满意", "服务很满意"),
])
def test_negation_lowers_sentiment(negated, plain):
    assert p(negated) < p(plain)


def test_negated_praise_is_negative_and_praise_positive():
    assert sentiments(["这家店的菜一点也不好吃"])[0].label == "neg"
    assert sentiments(["这家店的菜很好吃，下次还来"])[0].label == "pos"


def test_traditional_text_scores_like_simplified():
    assert p("這家餐廳的服務太差了，再也不來了") == p("这家餐厅的服务太差了，再也不来了")


def test_complaints_score_negative():
    assert sentiments(["外卖送到的时候饭都凉了，差评"])[0].label == "neg"
    assert sentiments(["买了三天就坏了，客服也不理人，要求退款"])[0].label == "neg"


def test_empty_posts_get_the_models_prior_and_a_neutral_label():
    empty = sentiments(["", "   ", "@某人 http://t.cn/abc"])
    prior = fastsnow.SentimentModel.load(sentiment.MODEL_BASE).probability_of_words([])
    assert {s.probability for s in empty} == {prior}
    assert {s.label for s in empty} == {"neu"}


def test_emoji_only_posts_get_a_probability():
    for text in ("👍👍", "😭😭😭", "🙂"):
        assert 0.0 <= p(text) <= 1.0
    assert p("👍👍") > p("😭😭😭")


def test_very_long_posts_are_scored_on_their_first_max_chars():
    long_post = "这家酒店的服务真的很好，早餐也丰富。" * 1000
    assert len(long_post) > MAX_CHARS
    assert p(long_post) == p(long_post[:MAX_CHARS])
    assert sentiments([long_post])[0].label == "pos"


def test_batches_keep_order_and_equal_single_scores():
    batch = sentiments(EXAMPLES + EXAMPLES[:3])
    assert [s.probability for s in batch] == [p(t) for t in EXAMPLES + EXAMPLES[:3]]


def test_prepare_is_prepare_many_of_one():
    assert [prepare(t) for t in EXAMPLES] == prepare_many(EXAMPLES)


def test_stock_scorer_is_snownlp_on_raw_text():
    stock = fastsnow.SentimentModel.stock()
    texts = ["不好", "终于放假了[哈哈]"]
    assert [s.probability for s in sentiment.stock_scorer().score(texts)] == [stock.probability(t) for t in texts]


@pytest.mark.parametrize("probability, label", [(0.0, "neg"), (0.1999, "neg"), (0.2, "neu"), (0.5, "neu"),
                                                (0.7, "neu"), (0.7001, "pos"), (1.0, "pos")])
def test_neutral_band_labels(probability, label):
    assert NeutralBand(0.2, 0.7).label(probability) == label


def test_load_scorer_reads_a_model_and_the_metadata_beside_it():
    scorer = sentiment.load_scorer(str(sentiment.MODEL_BASE) + ".3")
    assert scorer.band == sentiment.shipped_scorer().band
    assert [s.probability for s in scorer.score(EXAMPLES)] == [s.probability for s in sentiments(EXAMPLES)]
