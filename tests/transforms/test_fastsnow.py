"""fastsnow gives exactly snownlp's words and sentiment: on real Weibo posts and on random strings.

The full check on every shared post (22k) is `python -m bench.verify_fastsnow`; here a few
hundred real posts and property-based strings keep the suite quick.
"""

from __future__ import annotations

import csv
import random
import subprocess
import sys
from pathlib import Path

import pytest
import snownlp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from snownlp.sentiment import Sentiment

from tests.shared_data import shared_path
from transforms import fastsnow

TOLERANCE = 1e-9
REPO = Path(__file__).resolve().parents[2]
DATA = shared_path("sentiment")
SAMPLE_PER_FILE = 150


def _real_posts() -> list[str]:
    dev, w2018 = DATA / "weibo_senti_100k_dev.tsv", DATA / "weibo2018_train.csv"
    if not (dev.exists() and w2018.exists()):
        pytest.skip(f"real Weibo posts not found in {DATA} (set BRANDMON_DATA_DIR to the shared data folder)")
    with open(dev, encoding="utf-8", newline="") as handle:
        dev_texts = [text for _label, text in csv.reader(handle, delimiter="\t")]
    with open(w2018, encoding="utf-8") as handle:
        w2018_texts = [line.rstrip("\n").split(",", 2)[2] for line in handle if line.strip()]
    rng = random.Random(6)
    return rng.sample(dev_texts, SAMPLE_PER_FILE) + rng.sample(w2018_texts, SAMPLE_PER_FILE)


# Small hand-written corpus for a custom model: enough to give words of both classes counts.
NEG_DOCS = ["这个产品质量太差了，非常失望", "客服态度恶劣，再也不买了", "垃圾手机，用了三天就坏",
            "退款一直不到账，投诉无门", "物流太慢，包装破损[怒]", "难吃，服务也差"]
POS_DOCS = ["质量很好，非常满意", "客服耐心，点赞[赞]", "手机很流畅，拍照清晰",
            "物流很快，包装完好", "好吃不贵，还会再来", "性价比高，推荐购买"]


@pytest.fixture(scope="module")
def custom_models(tmp_path_factory) -> tuple[Sentiment, fastsnow.SentimentModel]:
    """The same small model as snownlp and as fastsnow both load it from snownlp's file."""
    plain = Sentiment()
    plain.train(NEG_DOCS, POS_DOCS)
    path = tmp_path_factory.mktemp("model") / "custom.marshal"
    plain.save(str(path))
    return plain, fastsnow.SentimentModel.load(path)


def test_real_posts_give_snownlps_words_and_stock_sentiment():
    posts = _real_posts()
    model = fastsnow.SentimentModel.stock()
    for text in posts:
        doc = snownlp.SnowNLP(text)
        assert fastsnow.words(text) == doc.words, text
        assert abs(model.probability(text) - doc.sentiments) <= TOLERANCE, text


def test_real_posts_in_one_batch_equal_one_by_one():
    posts = _real_posts()
    assert fastsnow.segment_many(posts) == [snownlp.SnowNLP(text).words for text in posts]


def test_real_posts_with_a_custom_model(custom_models):
    plain, fast = custom_models
    for text in _real_posts()[::5]:
        assert abs(fast.probability(text) - plain.classify(text)) <= TOLERANCE, text


# Strings of every kind snownlp meets: frequent and rare Chinese characters, characters just
# outside its Chinese range, ASCII, digits, ASCII and full-width punctuation, emoji, whitespace.
COMMON_ZH = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处理府研质"
RARE_ZH = "龠龢鿅鼊齾爨纛麤鱻靐"
EDGE = "\u4dff\u9fa6\u9fa5\u4e00\u3007"  # just outside / on the edges of U+4E00..U+9FA5, and 〇
ASCII = "abcXYZ0123456789 .,!?@#/:-_[]()'\""
FULL_WIDTH = "，。！？、；：“”‘’（）【】《》～…—"
EMOJI = ["😀", "👍", "🔥", "❤️", "👨‍👩‍👧", "🇨🇳", "\U0001f923"]
WHITESPACE = [" ", "\t", "\n", "\r\n", "\u3000", "\xa0", "\u2028"]

characters = st.one_of(
    st.sampled_from(COMMON_ZH),
    st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5),
    st.sampled_from(RARE_ZH + EDGE + ASCII + FULL_WIDTH),
    st.sampled_from(EMOJI + WHITESPACE),
)
texts = st.one_of(
    st.just(""),
    st.lists(characters, max_size=80).map("".join),
    st.text(max_size=40),
)
# SnowNLP(text).words and .sentiments are seg.seg(text) and sentiment.classify(text); called
# directly because SnowNLP("") itself raises ZeroDivisionError (its BM25 index of no words).
plain_words = snownlp.seg.seg
plain_sentiment = snownlp.sentiment.classify
PROPERTY_SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY_SETTINGS
@given(texts)
def test_random_strings_give_snownlps_words(text):
    assert fastsnow.words(text) == plain_words(text)


@PROPERTY_SETTINGS
@given(texts)
def test_random_strings_give_snownlps_stock_sentiment(text):
    assert abs(fastsnow.SentimentModel.stock().probability(text) - plain_sentiment(text)) <= TOLERANCE


@PROPERTY_SETTINGS
@given(texts)
def test_random_strings_give_snownlps_sentiment_for_a_custom_model(custom_models, text):
    plain, fast = custom_models
    assert abs(fast.probability(text) - plain.classify(text)) <= TOLERANCE


@settings(max_examples=40, deadline=None)
@given(st.lists(texts, max_size=12))
def test_a_batch_of_random_strings_equals_snownlp_text_by_text(batch):
    assert fastsnow.segment_many(batch) == [plain_words(text) for text in batch]


def test_the_fast_path_never_imports_snownlp():
    code = ("import sys; from transforms import fastsnow; fastsnow.words('今天天气很好');"
            "fastsnow.SentimentModel.stock().probability('好'); print('snownlp' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True)
    assert result.stdout.strip() == "False"
