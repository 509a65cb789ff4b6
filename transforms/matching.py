"""Which brands a post mentions: keywords and aliases, minus exclusions (pure functions).

Matching is on NFKC-normalised, case-folded text, so full-width `ＡＢＣ` matches `abc`. Latin
terms must not touch other letters (`Nio` does not match `onion`) but may touch digits and CJK
(`Xiaomi14`, `买了Xiaomi`); Chinese terms match as substrings.
An exclusion removes only its own occurrences: with brand 小米 and exclusion 小米粥, "小米粥真香"
is not a mention but "小米粥真香，小米手机也不错" is (a term occurrence overlapping one of its
brand's exclusion occurrences does not count). All brands' terms are found in one pass.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import ahocorasick


@dataclass(frozen=True, slots=True)
class BrandTerms:
    brand: str
    terms: tuple[str, ...]
    exclusions: tuple[str, ...] = ()


def normalise(text: str) -> str:
    """The form matching works on: NFKC (full-width to half-width) and case-folded."""
    return unicodedata.normalize("NFKC", text).casefold()


class BrandMatcher:
    """Every configured brand's terms and exclusions in one Aho-Corasick automaton: one pass over
    a post finds them all, so thousands of product names cost about what ten do."""

    def __init__(self, brands: Iterable[BrandTerms]) -> None:
        self.brands = tuple(brands)
        self._automaton = ahocorasick.Automaton()
        entries: dict[str, list[tuple[int, bool, int]]] = {}
        for b, brand in enumerate(self.brands):
            for t, term in enumerate(brand.terms):
                entries.setdefault(normalise(term), []).append((b, False, t))
            for phrase in brand.exclusions:
                entries.setdefault(normalise(phrase), []).append((b, True, 0))
        for key, owners in entries.items():
            if key:
                self._automaton.add_word(key, (len(key), is_latin(key), tuple(owners)))
        if entries:
            self._automaton.make_automaton()

    def match(self, text: str) -> dict[str, list[str]]:
        """Every brand the text mentions, with the terms that matched, in config order."""
        if not self.brands or self._automaton.kind != ahocorasick.AHOCORASICK:
            return {}
        body = normalise(text)
        hits: dict[int, set[int]] = {}
        spans: list[tuple[int, int, int, int]] = []  # (brand, term or -1 for an exclusion, start, end)
        for last, (length, latin, owners) in self._automaton.iter(body):
            start, end = last - length + 1, last + 1
            if latin and not latin_boundary(body, start, end):
                continue
            spans.extend((b, -1 if excluded else t, start, end) for b, excluded, t in owners)
        excluded = [(b, start, end) for b, t, start, end in spans if t < 0]
        for b, t, start, end in spans:
            if t >= 0 and not any(eb == b and start < e_end and e_start < end for eb, e_start, e_end in excluded):
                hits.setdefault(b, set()).add(t)
        return {self.brands[b].brand: [self.brands[b].terms[t] for t in sorted(terms)]
                for b, terms in sorted(hits.items())}


def is_latin(term: str) -> bool:
    """A term of ASCII letters or digits (with spaces or signs): it must match on letter boundaries."""
    return term.isascii() and any(ch.isalnum() for ch in term)


def latin_boundary(body: str, start: int, end: int) -> bool:
    """A Latin term must not touch other letters (digits and CJK may follow or precede it)."""
    return not (start > 0 and "a" <= body[start - 1] <= "z") and not (end < len(body) and "a" <= body[end] <= "z")


@lru_cache(maxsize=8)
def _matcher(brands: tuple[BrandTerms, ...]) -> BrandMatcher:
    return BrandMatcher(brands)


def matched_terms(text: str, brand: BrandTerms) -> list[str]:
    """The brand's terms that occur in `text` outside any exclusion phrase, in config order."""
    return _matcher((brand,)).match(text).get(brand.brand, [])


def match_brands(text: str, brands: Iterable[BrandTerms]) -> dict[str, list[str]]:
    """Every brand the text mentions, with the terms that matched (share of voice needs all)."""
    return _matcher(tuple(brands)).match(text)


def searchable_text(parts: Sequence[str | None]) -> str:
    """Title and body joined, the text brand matching looks at."""
    return "\n".join(p for p in parts if p)
