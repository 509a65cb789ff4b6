"""Near-duplicates: copy-paste and reposts of one text are one group; different posts are not."""

import random
from datetime import datetime, timedelta, timezone

import pytest

from transforms.neardup import THRESHOLD, Copy, fingerprint, group_copies, jaccard, shingles

T0 = datetime(2026, 11, 26, 6, 0, tzinfo=timezone.utc)
ORIGINAL = "喝了示例咖啡的生椰拿铁之后拉肚子，已经投诉了，要求退款！[怒]"
# How the same complaint comes back on Weibo within the hour.
COPIES = [
    "喝了示例咖啡的生椰拿铁之后拉肚子😡😡，已经投诉了，要求退款！！！[怒][怒]",  # emoji and emoticons added
    "@示例咖啡官方微博 喝了示例咖啡的生椰拿铁之后拉肚子，已经投诉了，要求退款！@上海消保委",  # @mentions
    "转发微博 //@小王爱喝咖啡: 喝了示例咖啡的生椰拿铁之后拉肚子，已经投诉了，要求退款！",  # a bare repost
    "转发：喝了示例咖啡的生椰拿铁之后拉肚子，已经投诉了，要求退款",  # a 转发 prefix
    "喝了 示例咖啡 的 生椰拿铁 之后 拉肚子 已经投诉了 要求退款",  # punctuation dropped
    "喝了示例咖啡的生椰拿鐵之後拉肚子，已經投訴了，要求退款！",  # traditional characters
    "太恶心了，大家别买了 //@小王爱喝咖啡: 喝了示例咖啡的生椰拿铁之后拉肚子，已经投诉了，要求退款！",  # a comment
    "#示例咖啡避雷# 喝了示例咖啡的生椰拿铁之后拉肚子，已经投诉了，要求退款 https://t.cn/A6xYz12",  # topic, link
]
# Posts about the same brand and product that are not that text.
OTHERS = [
    "示例咖啡的生椰拿铁变质了还在卖，食品安全问题谁来管？要求赔偿",
    "同事喝了示例咖啡新品生椰拿铁也不舒服，要求示例咖啡给个说法，退款！",
    "示例咖啡生椰拿铁里喝出异物，客服一直不回复，我要去12315投诉",
    "今天的生椰拿铁太好喝了[哈哈]，示例咖啡 yyds",
    "示例咖啡排队太久了[怒]",
]


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def copies_of(texts, start=0, label="neg", reach=None):
    return [Copy(f"weibo:{start + i}", text, at(start + i), reach[i] if reach else 0.0, label)
                for i, text in enumerate(texts)]


def test_copy_paste_and_reposts_of_one_complaint_are_one_group():
    posts = copies_of([ORIGINAL, *COPIES]) + copies_of(OTHERS, start=100)
    groups = group_copies(posts)
    big = max(groups, key=lambda g: g.count)
    assert big.count == 1 + len(COPIES)
    assert set(big.keys) == {p.key for p in posts[:1 + len(COPIES)]}
    assert len(groups) == 1 + len(OTHERS)  # every other post stands alone


def test_the_group_names_its_earliest_copy_and_the_copy_that_reaches_furthest():
    reach = [1.0, 2.0, 9.5, 3.0, 9.5]  # two copies tie on reach: the earlier one wins
    posts = copies_of([COPIES[3], ORIGINAL, COPIES[0], COPIES[1], COPIES[2]], reach=reach)
    shuffled = posts[::-1]
    (group,) = group_copies(shuffled)
    assert group.keys == tuple(p.key for p in posts)  # earliest first, whatever the input order
    assert group.earliest == posts[0].key
    assert group.most_reached == posts[2].key
    assert group.count == 5


@pytest.mark.parametrize("other", OTHERS)
def test_different_complaints_about_the_same_product_stay_apart(other):
    assert jaccard(shingles(fingerprint(ORIGINAL)), shingles(fingerprint(other))) < 0.3
    assert len(group_copies(copies_of([ORIGINAL, other]))) == 2


def test_one_changed_character_of_opposite_sentiment_does_not_merge():
    praise = Copy("weibo:1", "示例咖啡今天的拿铁真的好好喝", at(0), label="pos")
    scorn = Copy("weibo:2", "示例咖啡今天的拿铁真的好难喝", at(1), label="neg")
    assert jaccard(shingles(fingerprint(praise.text)), shingles(fingerprint(scorn.text))) >= THRESHOLD
    assert len(group_copies([praise, scorn])) == 2
    neutral = Copy("weibo:3", scorn.text + "！", at(2), label="neu")  # neutral joins either side
    assert [g.count for g in group_copies([scorn, neutral])] == [2]


def test_a_template_with_the_shop_swapped_is_a_copy_but_a_rewrite_is_not():
    template = "我在示例咖啡{shop}店买的燕麦拿铁，喝出一根头发，店员还说不可能，要求道歉和退款"
    shops = ["人民广场", "徐家汇", "五角场", "陆家嘴"]
    rewrite = "示例咖啡燕麦拿铁里有头发？店员不承认，这服务态度我真的服了"
    groups = group_copies(copies_of([template.format(shop=s) for s in shops] + [rewrite]))
    assert sorted(g.count for g in groups) == [1, 4]


def test_wordless_posts_and_short_texts_merge_only_when_equal():
    posts = [Copy("a", "[怒][怒][怒]", at(0)), Copy("b", "😡😡", at(1)), Copy("c", "！！！", at(2)),
             Copy("d", "避雷", at(3)), Copy("e", "避雷！！", at(4)), Copy("f", "避坑", at(5))]
    assert sorted(g.keys for g in group_copies(posts)) == [("a",), ("b",), ("c",), ("d", "e"), ("f",)]


def test_fingerprint_keeps_words_and_drops_what_copies_add():
    assert fingerprint("转发微博 //@某人: 示例咖啡 Latte 太甜了[怒]😡 @客服") == "示例咖啡latte太甜了"
    assert fingerprint("转发抽奖：示例咖啡") == "转发抽奖示例咖啡"  # 转发 starting a word stays
    assert fingerprint("") == ""


def test_no_input_no_groups():
    assert group_copies([]) == []


def pairwise_groups(posts):
    """The same grouping with every earlier leader as a candidate (no LSH), for comparison (here and
    in bench/neardup_speed.py): one fingerprint is one unit, units earliest first, each joins its
    most alike leader; each group's keys sorted by their number."""
    units: dict[str, list[str]] = {}
    for post in sorted(posts, key=lambda p: (p.published_at, p.key)):
        units.setdefault(fingerprint(post.text) or f"\0{post.key}", []).append(post.key)  # wordless: alone
    leaders: list[tuple[frozenset, list]] = []
    for printed, keys in units.items():
        mine = shingles(printed) if not printed.startswith("\0") else frozenset()
        close = [(jaccard(mine, s), -i) for i, (s, _) in enumerate(leaders) if jaccard(mine, s) >= THRESHOLD]
        if close:
            leaders[-max(close)[1]][1].extend(keys)
        else:
            leaders.append((mine, keys))
    return sorted(tuple(sorted(keys, key=lambda k: int(k[1:]))) for _, keys in leaders)


def test_lsh_finds_every_copy_an_exhaustive_comparison_finds():
    rng = random.Random(7)
    base = [ORIGINAL, *OTHERS, "示例咖啡新店开业，全场饮品第二杯半价，活动到周日结束",
            "样板茶饮的果茶比示例咖啡的美式好喝多了，价格还便宜一半",
            "外卖点的示例咖啡送了一个半小时，到手全凉了，骑手还说是商家出餐慢"]
    posts = []
    for n in range(240):
        chars = list(rng.choice(base))
        for _ in range(rng.randint(0, 9)):  # 0-9 characters replaced: similarity from 1.0 down to ~0.3
            chars[rng.randrange(len(chars))] = rng.choice("的了是我你他好坏吗呢啊")
        posts.append(Copy(f"p{n}", "".join(chars), at(n)))
    found = sorted(g.keys for g in group_copies(posts))
    assert found == pairwise_groups(posts)
    assert 5 < len(found) < 200  # the set holds both copies and posts left alone


def test_lsh_bands_propose_the_pairs_datasketchs_minhash_lsh_proposes():
    from datasketch import MinHash, MinHashLSH

    from transforms.neardup import LSH_THRESHOLD, NUM_PERM, SEED, _band_ids

    rng = random.Random(11)
    base = [ORIGINAL, *OTHERS, *COPIES]
    prints = []
    for _ in range(300):  # edited copies: similarities from 1.0 down to unrelated
        chars = list(rng.choice(base))
        for _ in range(rng.randint(0, 12)):
            chars[rng.randrange(len(chars))] = rng.choice("的了是我你他好坏吗呢啊")
        prints.append(fingerprint("".join(chars)))
    prints = list(dict.fromkeys(prints))
    lsh = MinHashLSH(threshold=LSH_THRESHOLD, num_perm=NUM_PERM)
    hashes = MinHash.bulk([[s.encode() for s in shingles(p)] for p in prints], num_perm=NUM_PERM, seed=SEED)
    for index, minhash in enumerate(hashes):
        lsh.insert(index, minhash)
    bands = _band_ids(prints)
    for index, minhash in enumerate(hashes):
        shared = {other for other in range(len(prints)) if set(enumerate(bands[index])) & set(enumerate(bands[other]))}
        assert shared == set(lsh.query(minhash))
    assert sum(len(lsh.query(m)) for m in hashes) > 2 * len(prints)  # pairs were proposed, not only each to itself


def _weibo_texts(limit):
    from tests.shared_data import require
    from training.corpora import read_weibo_senti

    return [example.text for example in read_weibo_senti(require("sentiment", "weibo_senti_100k_dev.tsv"))[:limit]]


def test_minhash_signatures_are_datasketchs_for_real_texts_and_empty_or_short_ones():
    from datasketch import MinHash

    from transforms.neardup import NUM_PERM, SEED, minhash_signatures

    prints = ["", "咖", "咖啡", "示例咖", "示例咖啡", "", *(fingerprint(t) for t in _weibo_texts(2000))]
    found = minhash_signatures(prints, chunk=500)  # several chunks, a fingerprint never split
    for printed, row in zip(prints, found, strict=True):
        expected = MinHash(num_perm=NUM_PERM, seed=SEED)
        expected.update_batch([s.encode() for s in shingles(printed)])
        assert row.tolist() == expected.hashvalues.tolist(), printed


def _group_copies_one_minhash_at_a_time(posts):
    """group_copies as it was before signatures were computed together: one datasketch MinHash per
    fingerprint, every candidate's Jaccard similarity computed; the reference for the fast one."""
    import numpy as np
    from datasketch import MinHash

    from transforms.neardup import NUM_PERM, SEED, CopyGroup, _lsh_bands

    by_print = {}
    for post in sorted(posts, key=lambda p: (p.published_at, p.key)):
        by_print.setdefault(fingerprint(post.text) or f"\0{post.key}", []).append(post)
    prints = list(by_print)
    sets = [shingles(p) if not p.startswith("\0") else frozenset() for p in prints]
    signatures = []
    for shingle_set in sets:
        minhash = MinHash(num_perm=NUM_PERM, seed=SEED)
        minhash.update_batch([s.encode() for s in shingle_set])
        signatures.append(minhash.hashvalues)
    signatures = np.array(signatures)
    bands = list(zip(*(np.unique(signatures[:, start:end], axis=0, return_inverse=True)[1].reshape(-1).tolist()
                       for start, end in _lsh_bands())))
    buckets, leader_of = {}, []
    for index, shingle_set in enumerate(sets):
        label = by_print[prints[index]][0].label
        keys = list(enumerate(bands[index])) if shingle_set else []
        candidates = {c for key in keys for c in buckets.get(key, ())}
        alike = [(jaccard(shingle_set, sets[c]), -c) for c in candidates
                 if {label, by_print[prints[c]][0].label} != {"pos", "neg"}]
        close = [match for match in alike if match[0] >= THRESHOLD]
        best = -max(close)[1] if close else index
        if best == index:
            for key in keys:
                buckets.setdefault(key, []).append(index)
        leader_of.append(best)
    members = {}
    for index, leader in enumerate(leader_of):
        members.setdefault(leader, []).extend(by_print[prints[index]])
    groups = []
    for copies in members.values():
        copies = sorted(copies, key=lambda p: (p.published_at, p.key))
        groups.append(CopyGroup(tuple(p.key for p in copies), copies[0].key, max(copies, key=lambda p: p.reach).key))
    return groups


def test_grouping_real_posts_with_planted_copies_is_what_one_minhash_at_a_time_gave():
    rng = random.Random(13)
    texts = _weibo_texts(3000)
    for original in rng.sample(texts, 1000):  # copies with 0-8 characters replaced, some close to the threshold
        chars = list(original)
        for _ in range(rng.randint(0, 8)):
            chars[rng.randrange(len(chars))] = rng.choice("的了是我你他好坏")
        texts.append("".join(chars))
    rng.shuffle(texts)
    labels = ["pos", "neg", "neu", None]
    posts = [Copy(f"p{i}", text, at(i // 3), float(rng.randint(0, 5)), rng.choice(labels))  # ties in time and reach
             for i, text in enumerate(texts)]
    groups = group_copies(posts)
    assert groups == _group_copies_one_minhash_at_a_time(posts)
    assert sum(g.count > 1 for g in groups) > 300  # copies found, and posts left alone
