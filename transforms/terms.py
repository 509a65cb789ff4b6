"""Which terms stand out in a spike: frequent now and rarer in the baseline (pure)."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from transforms.matching import normalise
from transforms.textprep import EMOTICON_PREFIX, clean

# Marks where a clause ends in a post's topic terms (`transforms.scoring.topic_terms`).
BREAK = "|"


@dataclass(frozen=True)
class TermBaseline:
    """A baseline's term counts as far as `burst_terms` reads them: in how many posts each term
    occurs (at least every term asked about that the baseline has; a term left out has none), the
    sum of all its counts, and how many different terms it has."""

    counts: Mapping[str, int]
    total: int
    distinct: int

    @classmethod
    def of(cls, counts: Mapping[str, int]) -> TermBaseline:
        """The baseline of these counts, whole."""
        return cls(counts, sum(counts.values()), len(counts))


def burst_terms(current: Counter[str], baseline: Counter[str] | TermBaseline, limit: int = 8, min_count: int = 2,
                min_lift: float = 1.5) -> list[str]:
    """Terms ranked by count × log-lift of their share now against their share in the baseline.

    Add-one smoothing keeps a term never seen before from dividing by zero while still ranking
    it high; terms seen fewer than `min_count` times now are noise, and a term must be at least
    `min_lift` times as common as usual to count as bursting. `baseline`: its counts whole, or
    (`TermBaseline`) those of every current term with its total and size.
    """
    if not isinstance(baseline, TermBaseline):
        baseline = TermBaseline.of(baseline)
    now_total = sum(current.values()) or 1
    base_total = baseline.total or 1
    vocabulary = (baseline.distinct + sum(1 for term in current if term not in baseline.counts)) or 1
    ranked = []
    for term, count in current.items():
        if count < min_count:
            continue
        share_now = count / now_total
        share_before = (baseline.counts.get(term, 0) + 1) / (base_total + vocabulary)
        lift = share_now / share_before
        if lift >= min_lift:
            ranked.append((count * math.log(lift), term))
    ranked.sort(key=lambda pair: (-pair[0], pair[1]))
    return [term for _, term in ranked[:limit]]


def readable_term(term: str) -> str:
    """A term as people write it: the text preparation's emoticon token `emo_<hex>` back to `[怒]`."""
    if term.startswith(EMOTICON_PREFIX):
        try:
            return f"[{bytes.fromhex(term[len(EMOTICON_PREFIX):]).decode('utf-8')}]"
        except ValueError:
            return term
    return term


def without_brand(terms: list[str], text: str, brand_terms: list[str]) -> list[str]:
    """`terms` without the brand itself or the fragments snownlp cut from it, readable.

    snownlp does not know new brand names and splits them with their neighbours ("了示" from
    "…喝了示例咖啡…"); a term that no longer occurs once the brand terms are blanked out of the
    text was such a fragment. The brand is what every mention shares, so it is not a topic.
    """
    blanked = normalise(text)
    for term in _longest_first(tuple(brand_terms)):
        blanked = blanked.replace(term, " ")
    return [readable_term(t) for t in terms if t.startswith(EMOTICON_PREFIX) or _normalised_word(t) in blanked]


@lru_cache(maxsize=4096)
def _longest_first(brand_terms: tuple[str, ...]) -> tuple[str, ...]:
    """Brand terms normalised for matching, longest first (so a longer name is blanked whole)."""
    return tuple(normalise(term) for term in sorted(brand_terms, key=len, reverse=True))


_normalised_word = lru_cache(maxsize=1 << 16)(normalise)


def without_brand_names(terms: Sequence[str], brand_terms: Sequence[str]) -> list[str]:
    """Topic terms with the post's brand names turned into clause breaks.

    The brand is what every mention shares, so it is not a topic, and the words on either side of
    it are not one phrase. Topic terms hold brand names whole (the config's phrases re-cut them).
    """
    names = _cleaned(tuple(brand_terms))
    out: list[str] = []
    for term in terms:
        if term in names or term == BREAK:
            if out and out[-1] != BREAK:
                out.append(BREAK)
        else:
            out.append(term)
    return out[:-1] if out and out[-1] == BREAK else out


@lru_cache(maxsize=4096)
def _cleaned(brand_terms: tuple[str, ...]) -> frozenset[str]:
    """Brand terms as topic terms hold them (`textprep.clean`)."""
    return frozenset(map(clean, brand_terms))
