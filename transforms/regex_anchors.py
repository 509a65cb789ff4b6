"""Literal anchors of a regular expression: strings one of which every match of it contains.

A prefilter for running many regexes over many short texts: a regex none of whose anchors occurs
in a text has no match in it, so it need not be run. The anchors are derived from the parsed
pattern, not written by hand, so they cannot drift from it:

- a literal, a character class of listed characters, an optional part (`x?`), a group and an
  alternation of such parts match a finite set of strings, and so does a run of them in sequence
  (the product of their sets; lookarounds and `^`/`$` add nothing to the text matched);
- every match contains one string of such a run's set, and one anchor of each part that must
  occur (a repeat at least once, each branch of an alternation);
- of all the runs and parts that qualify, the anchors kept are the set least likely to occur
  (longest strings, fewest), with any string that contains another of the set left out.

A pattern with no such part (`.*`, `\\d+`, `(?i)…`) has no anchors (an empty set): it is always run.
"""

from __future__ import annotations

import re
import re._constants as sre  # the parser's node codes: the only spec of its parse tree
import re._parser as sre_parse
from collections.abc import Iterable, Sequence

import ahocorasick

EXACT_LIMIT = 1024  # largest set of strings a part is expanded to; a bigger one is left unexpanded
_ZERO_WIDTH = {sre.AT, sre.ASSERT, sre.ASSERT_NOT}
_REPEATS = {sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT}


def anchors(pattern: str | re.Pattern) -> frozenset[str]:
    """Strings one of which every match of `pattern` contains; empty when none is known."""
    flags = 0
    if isinstance(pattern, re.Pattern):
        pattern, flags = pattern.pattern, pattern.flags
    parsed = sre_parse.parse(pattern, flags)
    if parsed.state.flags & re.IGNORECASE:  # a match need not contain the literal as written
        return frozenset()
    return _required(list(parsed)) or frozenset()


def _minimal(strings: Iterable[str]) -> frozenset[str]:
    """The strings without those that contain another (containing it, they add no text)."""
    kept: list[str] = []
    for s in sorted(set(strings), key=len):
        if not any(k in s for k in kept):
            kept.append(s)
    return frozenset(kept)


def _cost(strings: frozenset[str]) -> float:
    # A guess at how often one of them occurs in a text: each more character ~32 times rarer.
    return sum(32.0 ** -len(s) for s in strings)


def _best(candidates: Iterable[frozenset[str] | None]) -> frozenset[str] | None:
    usable = [c for c in candidates if c and "" not in c]
    return min(usable, key=lambda c: (_cost(c), len(c), sorted(c))) if usable else None


def _product(left: frozenset[str] | None, right: frozenset[str] | None) -> frozenset[str] | None:
    if left is None or right is None or len(left) * len(right) > EXACT_LIMIT:
        return None
    return frozenset(a + b for a in left for b in right)


def _exact_seq(items: Sequence) -> frozenset[str] | None:
    """Every string the sequence of parse nodes can match, or None (infinite or too many)."""
    out: frozenset[str] | None = frozenset({""})
    for item in items:
        out = _product(out, _exact(item))
        if out is None:
            return None
    return out


def _exact(item: tuple) -> frozenset[str] | None:
    """Every string one parse node can match, or None (infinite, too many, or not understood)."""
    op, arg = item
    if op is sre.LITERAL:
        return frozenset({chr(arg)})
    if op in _ZERO_WIDTH:
        return frozenset({""})
    if op is sre.IN:
        if all(kind is sre.LITERAL for kind, _ in arg):  # no negation, range or category
            return frozenset(chr(c) for _, c in arg)
        return None
    if op is sre.SUBPATTERN:
        _group, add_flags, del_flags, body = arg
        return None if add_flags or del_flags else _exact_seq(body)
    if op is sre.BRANCH:
        sets = [_exact_seq(alt) for alt in arg[1]]
        if any(s is None for s in sets) or sum(len(s) for s in sets) > EXACT_LIMIT:
            return None
        return frozenset().union(*sets)
    if op in _REPEATS:
        low, high, body = arg
        inner = _exact_seq(body)
        if inner is None or high > 2:
            return None
        repeated: frozenset[str] | None = frozenset({""})
        options: set[str] = {""} if low == 0 else set()
        for count in range(1, high + 1):
            repeated = _product(repeated, inner)
            if repeated is None:
                return None
            if count >= low:
                options |= repeated
        return frozenset(options)
    return None


def _required_one(item: tuple) -> frozenset[str] | None:
    """Anchors of one parse node, or None when a match of it need contain no known string."""
    op, arg = item
    if op is sre.SUBPATTERN:
        _group, add_flags, del_flags, body = arg
        return None if add_flags or del_flags else _required(list(body))
    if op is sre.BRANCH:
        per_branch = [_required(list(alt)) for alt in arg[1]]
        if any(r is None for r in per_branch):
            return None
        return _minimal(frozenset().union(*per_branch))
    if op in _REPEATS:
        low, _high, body = arg
        return _required(list(body)) if low >= 1 else None
    exact = _exact(item)
    return _minimal(exact) if exact else None


def _required(items: list) -> frozenset[str] | None:
    """Anchors of a sequence of parse nodes: the best of its parts' anchors and of the exact sets
    of its runs of consecutive finite parts."""
    candidates = [_required_one(item) for item in items]
    for start in range(len(items)):
        run: frozenset[str] | None = frozenset({""})
        for item in items[start:]:
            run = _product(run, _exact(item))
            if run is None:
                break
            candidates.append(_minimal(run) if "" not in run else None)
    return _best(candidates)


class AnchorScan:
    """All anchors of many patterns in one Aho-Corasick automaton: one pass over a text finds
    which of them occur, so a pattern can be skipped when none of its anchors does."""

    def __init__(self, anchor_sets: Iterable[frozenset[str]]) -> None:
        self._automaton = ahocorasick.Automaton()
        for anchor in sorted(frozenset().union(*anchor_sets)):
            self._automaton.add_word(anchor, anchor)
        self._empty = len(self._automaton) == 0
        if not self._empty:
            self._automaton.make_automaton()

    def found(self, text: str) -> set[str]:
        """The anchors that occur in `text`."""
        return set() if self._empty else {anchor for _end, anchor in self._automaton.iter(text)}
