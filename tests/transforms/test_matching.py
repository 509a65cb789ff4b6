"""Brand matching: keywords and aliases, exclusions that remove only themselves, share of voice."""

import pytest

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


def test_an_exclusion_belongs_to_its_own_brand():
    millet = BrandTerms("millet_porridge", ("小米粥",))
    assert match_brands("早上喝了小米粥", [XIAOMI, millet]) == {"millet_porridge": ["小米粥"]}


@pytest.mark.timeout(60)  # one regex per term took 226 s for this (a cache of 4,096 patterns thrashed)
def test_thousands_of_product_names_are_matched_in_one_pass():
    products = [f"型号{i:04d}" for i in range(5000)] + [f"Model{i:04d}X" for i in range(2000)]
    catalogue = BrandTerms("agency", tuple(products), ("型号0000款式",))
    other = BrandTerms("rival", ("竞品",))
    posts = [f"第{i}条：买了型号{i:04d}和model{i % 2000:04d}x，还看了竞品" for i in range(1000)]
    found = [match_brands(post, [catalogue, other]) for post in posts]
    assert found[7] == {"agency": ["型号0007", "Model0007X"], "rival": ["竞品"]}
    assert found[2500 % 1000] == {"agency": ["型号0500", "Model0500X"], "rival": ["竞品"]}
    assert match_brands("只看了型号0000款式", [catalogue, other]) == {}
    assert all(len(f["agency"]) == 2 for f in found)
