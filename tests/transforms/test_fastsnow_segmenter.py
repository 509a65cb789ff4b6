"""The batched Viterbi follows snownlp's tagger step by step, ties and unseen characters included.

A tiny segmenter model trained here with snownlp's own `CharacterBasedGenerativeModel` makes
the hard cases common: most characters unseen, many tags impossible (log 0), equal scores.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from snownlp.seg.seg import Seg
from snownlp.seg.y09_2047 import CharacterBasedGenerativeModel

from transforms.fastsnow.seg_tables import build_tables
from transforms.fastsnow.segmenter import segment_many, segment_runs

CORPUS = ["我们 爱 北京 天安门", "北京 是 中国 的 首都", "今天 天气 很 好", "我 爱 你", "天气 预报 说 明天 下雨",
          "我们 的 首都 很 美", "中国 人民 爱 和平"]
UNSEEN = "龠龢鱻靐鼊"


def _tags(sentence: str) -> list[tuple[str, str]]:
    tagged = []
    for word in sentence.split():
        if len(word) == 1:
            tagged.append((word, "s"))
        else:
            tagged += [(word[0], "b")] + [(c, "m") for c in word[1:-1]] + [(word[-1], "e")]
    return tagged


@pytest.fixture(scope="module")
def tiny():
    """(snownlp's segmenter on the tiny model, the same model as fastsnow tables)."""
    model = CharacterBasedGenerativeModel()
    model.train([_tags(s) for s in CORPUS])
    plain = Seg()
    plain.segger = model
    saved = {k: (v.__dict__ if hasattr(v, "__dict__") else v) for k, v in model.__dict__.items()}
    return plain, build_tables(saved)


known_runs = st.text(alphabet=st.sampled_from("".join(CORPUS).replace(" ", "")), min_size=1, max_size=25)
mixed_runs = st.text(alphabet=st.sampled_from("".join(CORPUS).replace(" ", "") + UNSEEN), min_size=1, max_size=25)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(known_runs, mixed_runs), min_size=1, max_size=15))
def test_runs_of_any_length_tagged_together_match_snownlp(tiny, runs):
    plain, tables = tiny
    assert segment_runs(runs, tables) == [list(plain.seg(run)) for run in runs]


def test_unseen_characters_inherit_the_path_snownlp_keeps(tiny):
    plain, tables = tiny
    for run in ["龠", "龠龢", "我龠", "龠我们", "北京龠龢天气", "鱻爱靐"]:
        assert segment_runs([run], tables) == [list(plain.seg(run))], run


def test_texts_split_into_chinese_runs_and_whitespace_separated_tokens(tiny):
    plain, tables = tiny
    expected = ["hello", "world", *plain.seg("我们"), "ok,", *plain.seg("去"), "end"]
    assert segment_many(["hello  world 我们 ok,去 \u3000 end"], tables) == [expected]


def test_empty_and_blank_texts_have_no_words(tiny):
    plain, tables = tiny
    assert segment_many(["", "   ", "\n\t\u3000"], tables) == [[], [], []]
    assert segment_runs(["", "我们", ""], tables) == [[], list(plain.seg("我们")), []]


def test_long_batches_are_cut_into_passes_with_the_same_result(tiny, monkeypatch):
    plain, tables = tiny
    runs = ["我们爱北京天安门", "今天天气很好", "我爱你", "北京是中国的首都"] * 5
    expected = [list(plain.seg(run)) for run in runs]
    monkeypatch.setattr("transforms.fastsnow.segmenter.MAX_POSITIONS_PER_PASS", 10)
    assert segment_runs(runs, tables) == expected
