"""Dictionary phrases kept whole: a segmentation re-cut so each phrase is one word."""

import pytest

from transforms.fastsnow import words
from transforms.lexicon import Lexicon
from transforms.textprep import clean


def recut(lexicon: Lexicon, text: str) -> list[str]:
    cleaned = clean(text)
    return lexicon.recut(cleaned, words(cleaned))


def test_a_phrase_cut_through_by_the_segmenter_comes_back_whole():
    lexicon = Lexicon(["示例咖啡", "生椰拿铁", "摄像头"])
    assert words(clean("在示例咖啡喝出头发")) == ["在示", "例", "咖啡", "喝", "出头", "发"]
    assert recut(lexicon, "在示例咖啡喝出头发") == ["在", "示例咖啡", "喝", "出头", "发"]
    assert words(clean("偷拍摄像头")) == ["偷", "拍摄", "像", "头"]
    assert recut(lexicon, "偷拍摄像头") == ["偷", "拍", "摄像头"]
    assert recut(lexicon, "示例咖啡新品生椰拿铁上市") == ["示例咖啡", "新品", "生椰拿铁", "上市"]


def test_phrases_are_normalised_like_post_text_and_latin_ones_match_whole_words():
    lexicon = Lexicon(["Demo Coffee", "ＡＩ", "拿鐵"])  # case, full width and traditional characters
    assert recut(lexicon, "我爱DEMO COFFEE的拿铁") == ["我", "爱", "demo coffee", "的", "拿铁"]
    assert "ai" not in recut(lexicon, "said it")  # not inside another word
    assert recut(lexicon, "AI芯片") == ["ai", "芯片"]


def test_the_leftmost_then_longest_phrase_wins():
    assert Lexicon(["拿铁", "生椰拿铁", "椰拿"]).spans("新品生椰拿铁") == [(2, 6)]
    assert Lexicon(["新品生", "生椰拿铁"]).spans("新品生椰拿铁") == [(0, 3)]


def test_without_phrases_the_words_are_unchanged():
    assert recut(Lexicon(), "在示例咖啡喝出头发") == words(clean("在示例咖啡喝出头发"))
    assert recut(Lexicon(["", "  "]), "示例咖啡") == words(clean("示例咖啡"))


def test_words_that_are_not_the_texts_are_refused():
    with pytest.raises(ValueError, match="not a word"):
        Lexicon(["示例咖啡"]).recut("示例咖啡", ["咖啡", "示例"])
