"""Brand matching: keywords and aliases, exclusions that remove only themselves, share of voice."""

from transforms.matching import BrandTerms, match_brands, matched_terms

XIAOMI = BrandTerms("xiaomi", ("小米", "Xiaomi", "MI"), ("小米粥", "小米椒"))
NIO = BrandTerms("nio", ("蔚来", "NIO"))


def test_chinese_terms_match_as_substrings():
    assert matched_terms("刚买的小米手机很好用", XIAOMI) == ["小米"]


def test_latin_terms_need_word_boundaries_and_ignore_case_and_width():
    assert matched_terms("onion prices are up", NIO) == []
    assert matched_terms("Test drove a nio ES6 today", NIO) == ["NIO"]
    assert matched_terms("ＮＩＯ发布会", NIO) == ["NIO"]
    assert matched_terms("我的Xiaomi14到了", XIAOMI) == ["Xiaomi"]  # model numbers may follow
    assert matched_terms("Xiaomiland is a theme park", XIAOMI) == []


def test_an_exclusion_removes_only_its_own_occurrences():
    assert matched_terms("早上喝了小米粥", XIAOMI) == []
    assert matched_terms("小米粥真香，小米手机也不错", XIAOMI) == ["小米"]
    assert matched_terms("小米椒太辣了", XIAOMI) == []


def test_a_post_can_mention_several_brands():
    assert match_brands("蔚来和小米的新车都看了", [XIAOMI, NIO]) == {"xiaomi": ["小米"], "nio": ["蔚来"]}
    assert match_brands("今天天气不错", [XIAOMI, NIO]) == {}
