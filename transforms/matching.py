"""Which brands a post mentions: keywords and aliases, minus exclusions (pure functions).

Matching is on NFKC-normalised, case-folded text, so full-width `ＡＢＣ` matches `abc`. Latin
terms must not touch other letters (`Nio` does not match `onion`) but may touch digits and CJK
(`Xiaomi14`, `买了Xiaomi`); Chinese terms match as substrings.
An exclusion removes only its own occurrences: with brand 小米 and exclusion 小米粥, "小米粥真香"
is not a mention but "小米粥真香，小米手机也不错" is.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True, slots=True)
class BrandTerms:
    brand: str
    terms: tuple[str, ...]
    exclusions: tuple[str, ...] = ()


def normalise(text: str) -> str:
    """The form matching works on: NFKC (full-width to half-width) and case-folded."""
    return unicodedata.normalize("NFKC", text).casefold()


@lru_cache(maxsize=4096)
def _pattern(term: str) -> re.Pattern[str]:
    escaped = re.escape(normalise(term))
    if term.isascii() and any(ch.isalnum() for ch in term):
        return re.compile(rf"(?<![a-z]){escaped}(?![a-z])")
    return re.compile(escaped)


def matched_terms(text: str, brand: BrandTerms) -> list[str]:
    """The brand's terms that occur in `text` outside any exclusion phrase, in config order."""
    body = normalise(text)
    for phrase in brand.exclusions:
        body = _pattern(phrase).sub(" ", body)
    return [term for term in brand.terms if _pattern(term).search(body)]


def match_brands(text: str, brands: Iterable[BrandTerms]) -> dict[str, list[str]]:
    """Every brand the text mentions, with the terms that matched (share of voice needs all)."""
    found = {}
    for brand in brands:
        terms = matched_terms(text, brand)
        if terms:
            found[brand.brand] = terms
    return found


def searchable_text(parts: Sequence[str | None]) -> str:
    """Title and body joined, the text brand matching looks at."""
    return "\n".join(p for p in parts if p)
