"""Hot topics: terms and phrases that burst against their own baseline, grouped by co-occurrence.

Interface (stable; the DAG calls it per brand):

- ``TopicConfig`` (frozen dataclass) and ``DEFAULT_TOPICS``.
- ``detect_topics(current_docs, baseline_docs, config=DEFAULT_TOPICS) -> list[Topic]``: docs are
  ``(post_key, terms)`` pairs, terms in text order as `transforms.scoring.topic_terms` gives them
  (dictionary phrases whole, stop words out; single characters may stay, they can still form
  phrases; a token without a letter or digit, such as its ``|``, is a clause break no phrase
  crosses). Current docs are the posts of the window being examined, baseline docs those of the
  days before it. Topics come best first.
- ``detect_topics_against(current_docs, baseline, config=DEFAULT_TOPICS)``: the same topics with
  the baseline read as counts (``Baseline``: its size and, per unit asked about, its posts with
  the unit), asked once for the units that could burst; detection reads them from the counts the
  warehouse keeps per bucket (`warehouse.term_counts`), not from a week of posts.
- ``Topic``: ``key`` (its seed unit; `transforms.stories` carries a story's key over from the
  topics stored before it, so alerts are de-duplicated per story), ``label`` (1-3 whole
  phrases, readable), ``terms`` (its bursting units as whole phrases, best first),
  ``post_keys`` (its posts, most representative first), ``volume`` (number of posts), ``score``
  (burst score of the seed), ``lift`` (how many times more common than in the baseline),
  ``baseline_volume`` (baseline posts with the seed), ``is_new``, ``alert``.

Method. A unit is a term (at least ``min_unigram_chars`` characters) or a phrase: two adjacent
terms joined ("星" + "巴克" → "星巴克", "喝" + "出" → "喝出"). Each unit is counted once per post.
A unit bursts when it is in at least ``min_docs`` current posts, is at least ``min_lift`` times
as common as in the baseline (add-one smoothed share), and Dunning's log-likelihood ratio G² of
current-versus-baseline post counts reaches ``min_score`` (15: p ≈ 1e-4, strict because many
units are tested at once). Bursting units,
strongest first, either join the topic whose seed appears in at least ``join_overlap`` of their
posts or seed a new topic. The label takes the units most of the topic's posts carry (leaving out
phrases glued from single characters, often segmentation debris, unless nothing else is left;
skipping units that share a term with one already chosen), each widened to a phrase of whole terms around it
when that phrase covers most of its posts. Label parts and terms then take the single characters
most of their posts carry right beside them (``with_glued_chars``: what snownlp leaves of a word it
cut, 偷拍摄|像|头 → 偷拍摄像头), never across a break, and no two share a term. A topic is new
when its seed was in at most ``new_allowance`` baseline posts (1 in 1,000, at least 2); a new
topic alerts when it has at
least ``min_alert_volume`` posts and the baseline has at least ``min_baseline_docs`` posts (too
small a baseline cannot tell what is new; with no baseline nothing bursts). Feed de-duplicated
posts: copies of one post would otherwise count as many.
"""

from __future__ import annotations

import functools
import math
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass

Doc = tuple[str, Sequence[str]]


@dataclass(frozen=True)
class TopicConfig:
    """Parameters of hot-topic detection."""

    min_docs: int = 5
    min_lift: float = 3.0
    min_score: float = 15.0
    max_units: int = 60
    join_overlap: float = 0.5
    label_terms: int = 3
    phrase_share: float = 0.6
    label_max_chars: int = 12
    min_unigram_chars: int = 2
    new_max_baseline_docs: int = 2
    new_max_baseline_share: float = 0.001
    min_alert_volume: int = 10
    min_baseline_docs: int = 50
    max_topics: int = 10


DEFAULT_TOPICS = TopicConfig()


@dataclass(frozen=True)
class Topic:
    """A group of bursting terms and the posts that carry them."""

    key: str
    label: str
    terms: tuple[str, ...]
    post_keys: tuple[str, ...]
    volume: int
    score: float
    lift: float
    baseline_volume: int
    is_new: bool
    alert: bool

    def as_dict(self) -> dict[str, object]:
        """JSON-ready fields."""
        return {
            "key": self.key, "label": self.label, "terms": list(self.terms), "post_keys": list(self.post_keys),
            "volume": self.volume, "score": round(self.score, 2), "lift": round(self.lift, 2),
            "baseline_volume": self.baseline_volume, "is_new": self.is_new, "alert": self.alert,
        }


@dataclass(frozen=True)
class _Burst:
    unit: str
    now: int
    before: int
    score: float
    lift: float


def units(terms: Sequence[str], min_unigram_chars: int = DEFAULT_TOPICS.min_unigram_chars) -> dict[str, tuple[str, ...]]:
    """The distinct terms and adjacent-term phrases of one post, each with the terms it is made of."""
    found = {t: (t,) for t in terms if len(t) >= min_unigram_chars and _is_wordlike(t)}
    for left, right in zip(terms, terms[1:]):
        if _is_wordlike(left) and _is_wordlike(right):
            found.setdefault(join_phrase(left, right), (left, right))
    return found


def join_phrase(left: str, right: str) -> str:
    """Two adjacent terms as one phrase: a space only between Latin letters or digits."""
    spaced = left[-1:].isascii() and left[-1:].isalnum() and right[:1].isascii() and right[:1].isalnum()
    return f"{left} {right}" if spaced else left + right


@dataclass(frozen=True)
class Baseline:
    """The baseline as topic detection reads it: how many posts it has and, for each unit asked
    about, in how many of them the unit occurs (a unit left out occurs in none)."""

    size: int
    counts: Mapping[str, int]


BaselineCounts = Callable[[frozenset[str]], Baseline]  # the baseline's counts of the units given


def baseline_counts(docs: Iterable[Doc], wanted: Collection[str], config: TopicConfig = DEFAULT_TOPICS) -> Baseline:
    """The baseline of these posts, counting the `wanted` units only."""
    size = 0
    counts: Counter[str] = Counter()
    for _, terms in docs:
        size += 1
        counts.update(units(terms, config.min_unigram_chars).keys() & wanted)
    return Baseline(size, counts)


def detect_topics(
    current_docs: Sequence[Doc], baseline_docs: Iterable[Doc], config: TopicConfig = DEFAULT_TOPICS
) -> list[Topic]:
    """Hot topics of the current posts against the baseline posts (see module docstring)."""
    return detect_topics_against(current_docs, lambda wanted: baseline_counts(baseline_docs, wanted, config), config)


def detect_topics_against(current_docs: Sequence[Doc], baseline: BaselineCounts,
                          config: TopicConfig = DEFAULT_TOPICS) -> list[Topic]:
    """Hot topics of the current posts against a baseline read as counts (`Baseline`), asked for
    the units that could burst only: the same topics as `detect_topics` over the baseline's posts."""
    parts: dict[str, tuple[str, ...]] = {}
    current = []
    for key, terms in current_docs:
        found = units(terms, config.min_unigram_chars)
        for unit, made_of in found.items():
            parts.setdefault(unit, made_of)
        current.append((key, set(found)))
    now = Counter(u for _, found in current for u in found)
    candidates = frozenset(u for u, n in now.items() if n >= config.min_docs)
    before = baseline(candidates)
    baseline_size = before.size

    bursts = _bursts(candidates, now, before.counts, len(current), baseline_size, config)
    posts_of: dict[str, set[int]] = {b.unit: set() for b in bursts}
    for index, (_, found) in enumerate(current):
        for unit in found & posts_of.keys():
            posts_of[unit].add(index)

    groups: list[list[_Burst]] = []
    for burst in bursts:
        mine = posts_of[burst.unit]
        overlaps = [len(mine & posts_of[group[0].unit]) / len(mine) for group in groups]
        best = max(range(len(groups)), key=lambda g: overlaps[g], default=None)
        if best is not None and overlaps[best] >= config.join_overlap:
            groups[best].append(burst)
        else:
            groups.append([burst])

    sequences = [terms for _, terms in current_docs]
    topics = [_topic(group, current, sequences, posts_of, parts, baseline_size, config) for group in groups]
    return topics[: config.max_topics]


def _bursts(candidates: frozenset[str], now: Counter[str], before: Mapping[str, int], n_now: int, n_before: int,
            config: TopicConfig) -> list[_Burst]:
    found = []
    for unit in candidates:
        a, b = now[unit], before.get(unit, 0)
        lift = (a / n_now) / ((b + 1) / (n_before + 1))
        score = _g2(a, n_now, b, n_before)
        if lift >= config.min_lift and score >= config.min_score:
            found.append(_Burst(unit, a, b, score, lift))
    found.sort(key=lambda b: (-b.score, -b.now, b.unit))
    return found[: config.max_units]


def _g2(a: int, n_a: int, b: int, n_b: int) -> float:
    """Dunning's G² for a unit in a of n_a current posts and b of n_b baseline posts; 0 unless over-represented."""
    if n_b == 0 or a / n_a <= b / n_b:
        return 0.0
    total = n_a + n_b
    observed = (a, n_a - a, b, n_b - b)
    expected = (n_a * (a + b) / total, n_a * (total - a - b) / total,
                n_b * (a + b) / total, n_b * (total - a - b) / total)
    return 2.0 * sum(o * math.log(o / e) for o, e in zip(observed, expected) if o > 0)


def _topic(group: list[_Burst], current: list[tuple[str, set[str]]], sequences: Sequence[Sequence[str]],
           posts_of: dict[str, set[int]], parts: dict[str, tuple[str, ...]], baseline_size: int,
           config: TopicConfig) -> Topic:
    seed = group[0]
    names = [b.unit for b in group]
    matches = {i: len(found & set(names)) for i, (_, found) in enumerate(current)}
    members = [i for i, n in matches.items() if i in posts_of[seed.unit] or n >= 2]
    members.sort(key=lambda i: (-matches[i], i))
    grown = {unit: with_glued_chars(parts[unit], [sequences[i] for i in sorted(posts_of[unit] & set(members))],
                                    config.phrase_share, config.label_max_chars) for unit in names}
    is_new = seed.before <= new_allowance(baseline_size, config)
    alert = is_new and len(members) >= config.min_alert_volume and baseline_size >= config.min_baseline_docs
    return Topic(
        key=seed.unit,
        label=" / ".join(_label(group, set(members), posts_of, parts, grown, config)),
        terms=tuple(whole_phrases(names, parts, grown, config.min_unigram_chars)),
        post_keys=tuple(current[i][0] for i in members),
        volume=len(members),
        score=seed.score,
        lift=seed.lift,
        baseline_volume=seed.before,
        is_new=is_new,
        alert=alert,
    )


def _label(group: list[_Burst], members: set[int], posts_of: dict[str, set[int]], parts: dict[str, tuple[str, ...]],
           grown: dict[str, tuple[str, ...]], config: TopicConfig) -> list[str]:
    """The units most of the topic's posts carry, then each widened to a phrase of whole terms around
    it that covers most of its posts ("吐槽" → "网友吐槽"), a phrase absorbing other labels it contains,
    and at last to the single characters its posts share beside it (`with_glued_chars`).
    Units glued from single characters (often segmentation debris, "巴克" + "铁") are picked only
    when there is nothing else; units sharing a term with a chosen one are skipped."""
    def coverage(unit: str) -> int:
        return len(posts_of[unit] & members)

    def whole(unit: str) -> bool:
        return is_whole(parts[unit], config.min_unigram_chars)

    candidates = [b.unit for b in group if whole(b.unit)] or [b.unit for b in group]
    chosen: list[str] = []
    for unit in sorted(candidates, key=lambda u: -coverage(u)):  # stable: ties keep burst order
        if len(chosen) < config.label_terms and not any(set(parts[c]) & set(parts[unit]) for c in chosen):
            chosen.append(unit)
    label: list[str | None] = list(chosen)
    for index, unit in enumerate(chosen):
        if label[index] is None:
            continue
        wider = [b.unit for b in group if set(parts[unit]) < set(parts[b.unit]) and whole(b.unit)
                 and coverage(b.unit) >= config.phrase_share * coverage(unit)]
        for phrase in sorted(wider, key=lambda u: -coverage(u)):
            clashes = [j for j, other in enumerate(label)
                       if j != index and other is not None and set(parts[other]) & set(parts[phrase])]
            if all(set(parts[label[j]]) <= set(parts[phrase])  # absorbs the labels it clashes with,
                   and coverage(phrase) >= config.phrase_share * coverage(label[j]) for j in clashes):
                label[index] = phrase
                for j in clashes:
                    label[j] = None
                break
    return whole_phrases([unit for unit in label if unit is not None], parts, grown, config.min_unigram_chars)


def new_allowance(baseline_size: int, config: TopicConfig = DEFAULT_TOPICS) -> int:
    """How many baseline posts may carry a topic's seed for the topic to count as new.

    A share of the baseline (`new_max_baseline_share`, 1 post in 1,000), since chance uses of a word
    (an unrelated sense, a stray earlier post) grow with the baseline: a fixed count makes every
    story of a big brand familiar. Never fewer than `new_max_baseline_docs` (2), so a small
    baseline is not asked for a fraction of a post.
    """
    return max(config.new_max_baseline_docs, math.floor(config.new_max_baseline_share * baseline_size))


def whole_phrases(units: Sequence[str], parts: dict[str, tuple[str, ...]], grown: dict[str, tuple[str, ...]],
                  min_chars: int = DEFAULT_TOPICS.min_unigram_chars) -> list[str]:
    """Each unit as the phrase it grows to (`grown`: its terms with the single characters glued to
    it), in order, none sharing a term with an earlier one: a unit whose grown phrase would falls
    back to its own terms when they are whole and free, else it is left out. A phrase inside an
    earlier one is left out; one holding earlier ones takes the place of the first of them."""
    taken: set[str] = set()
    out: list[str] = []
    for unit in units:
        for terms in (grown[unit], parts[unit]):
            if not taken & set(terms) and (terms is grown[unit] or is_whole(terms, min_chars)):
                text = phrase_text(terms)
                if not any(text in other for other in out):
                    taken.update(terms)
                    inside = [i for i, other in enumerate(out) if other in text]
                    out = [text if i == inside[0] else other for i, other in enumerate(out)
                           if i not in inside[1:]] if inside else [*out, text]
                break
    return out


def is_whole(terms: Sequence[str], min_chars: int = DEFAULT_TOPICS.min_unigram_chars) -> bool:
    """No term is a lone single character (segmentation debris, unless glued to its word)."""
    return all(len(term) >= min_chars for term in terms)


def with_glued_chars(phrase: Sequence[str], posts: Sequence[Sequence[str]], share: float,
                     max_chars: int) -> tuple[str, ...]:
    """`phrase` (adjacent terms) widened by the single characters next to it, one at a time on either
    side, up to `max_chars`: a character joins when at least `share` of the posts that carry the
    phrase grown so far (and two at least) have it there. `posts`: term sequences that hold `phrase`.

    A single character is what snownlp leaves of a word it cut in two (偷拍摄|像|头 → 偷拍摄像头,
    喝|出头发 → 喝出头发, 新品生|椰|拿|铁 → 新品生椰拿铁), so a label must not end beside one its posts
    share. Breaks (punctuation, emoticons, brand names) are never crossed: 头发，恶心 is two clauses.
    """
    phrase = tuple(phrase)
    spans = [(seq, i) for seq in posts if (i := _find(seq, phrase)) >= 0]
    grown = True
    while grown and spans:
        grown = False
        for side in (-1, 1):
            size = len(phrase)
            beside = Counter(seq[i - 1] if side < 0 else seq[i + size] for seq, i in spans
                             if (i > 0 if side < 0 else i + size < len(seq)))
            char, count = max(beside.items(), key=lambda item: (item[1], item[0]), default=("", 0))
            if (len(char) == 1 and _is_wordlike(char) and count >= max(2, share * len(spans))
                    and len("".join(phrase)) < max_chars):
                if side < 0:
                    phrase = (char, *phrase)
                    spans = [(seq, i - 1) for seq, i in spans if i > 0 and seq[i - 1] == char]
                else:
                    phrase = (*phrase, char)
                    spans = [(seq, i) for seq, i in spans if i + size < len(seq) and seq[i + size] == char]
                grown = True
    return phrase


def phrase_text(terms: Sequence[str]) -> str:
    """Adjacent terms as the text of one phrase (`join_phrase` pair by pair)."""
    text = terms[0] if terms else ""
    for term in terms[1:]:
        text = join_phrase(text, term)
    return text


def _find(sequence: Sequence[str], phrase: tuple[str, ...]) -> int:
    """Where `phrase` first occurs as adjacent terms of `sequence`; -1 when it does not."""
    size = len(phrase)
    for i in range(len(sequence) - size + 1):
        if sequence[i] == phrase[0] and tuple(sequence[i:i + size]) == phrase:
            return i
    return -1


@functools.lru_cache(maxsize=1 << 16)
def _is_wordlike(term: str) -> bool:
    """Has a letter, digit or Chinese character (not punctuation or an emoticon bracket alone);
    kept per term, since a run asks it of every term of every post of the hour."""
    return any(ch.isalnum() for ch in term)
