"""Text preparation: what the sentiment model reads of a post, and the tokens it adds."""

from __future__ import annotations

import pytest

from transforms import fastsnow
from transforms.textprep import (
    EMOTICON_PREFIX,
    MAX_CHARS,
    MODIFIER_PREFIX,
    NEGATION_PREFIX,
    ascii_token,
    clean,
    mark_phrases,
    modifier_pairs,
    negated_positions,
)

HAHA = ascii_token(EMOTICON_PREFIX, "哈哈")
ANGRY = ascii_token(EMOTICON_PREFIX, "怒")


def test_traditional_chinese_reads_as_simplified():
    assert clean("這個產品質量太差了，客服態度惡劣") == clean("这个产品质量太差了，客服态度恶劣")


def test_weibo_emoticons_become_tokens_of_their_own():
    cleaned = clean("终于放假了[哈哈]，老板又加班[怒]")
    assert HAHA in cleaned.split() and ANGRY in cleaned.split()
    assert "[" not in cleaned
    # the emoticon is not the same signal as the word written out
    assert HAHA not in clean("哈哈，笑死")


def test_emoticon_tokens_survive_snownlps_segmentation():
    assert HAHA in fastsnow.words(clean("好开心[哈哈][哈哈]"))


def test_links_mentions_and_weibo_ui_artefacts_are_dropped():
    cleaned = clean("@小米手机 屏幕又坏了 http://t.cn/A6abcdE 网页链接 展开全文c")
    assert cleaned == "屏幕又坏了"


def test_repost_markers_go_but_the_quoted_chain_stays():
    cleaned = clean("同感[哈哈]//@小明:这家店的外卖太难吃了 //@张三_2019: 真的")
    assert "小明" not in cleaned and "张三" not in cleaned and "//" not in cleaned
    assert "这家店的外卖太难吃了" in cleaned and HAHA in cleaned


def test_reply_markers_are_dropped():
    assert clean("回复@李四:不推荐这家") == "不推荐这家"


def test_hashtags_keep_their_words():
    assert clean("#双十一#快递太慢") == "双十一 快递太慢"


def test_weibo_export_cards_keep_topics_and_drop_video_titles():
    cleaned = clean("{%#静下心来听音乐#%} 书中自有黄金屋 {%鹿晗的秒拍视频%}")
    assert cleaned == "静下心来听音乐 书中自有黄金屋"


def test_weibo_api_html_keeps_emoticons_from_img_alt():
    html = ('<a href="/n/小明">@小明</a> 真好吃<span class="url-icon">'
            '<img alt="[哈哈]" src="//h5.sinaimg.cn/m/emoticon/icon/default/d_haha.png"></span>')
    assert clean(html) == f"真好吃 {HAHA}"


def test_full_width_text_is_folded_and_punctuation_split_off():
    assert clean("ＡＢＣ手机１２３！！") == "abc手机123 ! !"


@pytest.mark.parametrize("text", [None, "", "   ", "\u200b\n"])
def test_empty_posts_clean_to_nothing(text):
    assert clean(text) == ""


def test_emoji_only_posts_keep_each_emoji_as_a_word():
    assert clean("👍👍😂") == "👍 👍 😂"
    assert fastsnow.words(clean("👍👍😂")) == ["👍", "👍", "😂"]


def test_very_long_posts_are_cut():
    long_post = "这家酒店的服务真的很好。" * 2000
    assert len(clean(long_post).replace(" ", "")) <= MAX_CHARS
    assert clean(long_post) == clean(long_post[:MAX_CHARS])


def test_negators_negate_the_next_content_word():
    assert negated_positions(["不", "太", "喜欢"]) == [2]
    assert negated_positions(["没有", "质量", "问题"]) == [1]
    assert negated_positions(["很", "好"]) == []


def test_punctuation_ends_a_negation():
    assert negated_positions(["不", ",", "好"]) == []


def test_emoticons_are_never_negated():
    assert negated_positions(["不", HAHA]) == []


def test_modifier_pairs_join_degree_and_negation_words_with_the_next_word():
    assert modifier_pairs(["很", "好", ",", "不", "推荐"]) == [("很", "好"), ("不", "推荐")]
    assert modifier_pairs(["很", "!"]) == []


def test_mark_phrases_replaces_negated_words_and_adds_pairs():
    cleaned = clean("这个手机不好用")
    words = fastsnow.words(cleaned)
    marked = mark_phrases(cleaned, words)
    negated = words[negated_positions(words)[0]]
    assert ascii_token(NEGATION_PREFIX, negated) in marked.split()
    assert negated not in marked.replace(ascii_token(NEGATION_PREFIX, negated), "")
    assert ascii_token(MODIFIER_PREFIX, "不", negated) in marked.split()


def test_marked_tokens_are_single_words_for_snownlp():
    cleaned = clean("我不满意")
    marked = mark_phrases(cleaned, fastsnow.words(cleaned))
    assert ascii_token(NEGATION_PREFIX, "满意") in fastsnow.words(marked)


def test_text_without_negators_or_modifiers_is_unchanged():
    cleaned = clean("今天去公园散步")
    assert mark_phrases(cleaned, fastsnow.words(cleaned)) == cleaned


def test_mark_phrases_rejects_words_of_another_text():
    with pytest.raises(ValueError):
        mark_phrases("今天天气", ["明天"])
