"""Random strings a regex matches, for testing what is claimed about every match of it.

A random walk over the parsed pattern: a branch at random, a repeat a random number of times, a
negated class or `.` as a character from a pool (the pattern's own characters, common Chinese,
digits, Latin, punctuation) that it accepts. Lookarounds add nothing, so a sample may not match
where one fails; callers keep the samples that `re.fullmatch` accepts.
"""

from __future__ import annotations

import random
import re._constants as sre
import re._parser as sre_parse

POOL = list("的了不是我很太好没有都也就还又被给说吃喝送到饭菜钱退款客服快递慢差坏贵凉洒一二两三个天小时点")
POOL += list("0123456789abcxyz ,.!?，。！？")
MAX_EXTRA_REPEATS = 3


def sample(pattern: str, rng: random.Random) -> str:
    """A random string made by walking `pattern`'s parse tree (it may fail a lookaround)."""
    parsed = sre_parse.parse(pattern)
    pool = sorted(set(POOL) | {chr(c) for c in _literals(parsed)})
    return _walk(list(parsed), rng, pool)


def _literals(items) -> set[int]:
    found = set()
    for op, arg in items:
        if op is sre.LITERAL:
            found.add(arg)
        elif op is sre.IN:
            found |= {c for kind, c in arg if kind is sre.LITERAL}
        elif op is sre.SUBPATTERN:
            found |= _literals(arg[3])
        elif op is sre.BRANCH:
            for alt in arg[1]:
                found |= _literals(alt)
        elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT):
            found |= _literals(arg[2])
    return found


def _in_class(item: tuple, ch: str) -> bool:
    op, arg = item
    if op is sre.NOT_LITERAL:
        return ord(ch) != arg
    if op is sre.ANY:
        return ch != "\n"
    if op is sre.IN:
        negate = bool(arg) and arg[0][0] is sre.NEGATE
        hit = any(_member(kind, value, ch) for kind, value in arg if kind is not sre.NEGATE)
        return hit != negate
    raise ValueError(f"not a character class: {op}")


def _member(kind, value, ch: str) -> bool:
    if kind is sre.LITERAL:
        return ord(ch) == value
    if kind is sre.RANGE:
        return value[0] <= ord(ch) <= value[1]
    if kind is sre.CATEGORY:
        return {sre.CATEGORY_DIGIT: ch.isdigit(), sre.CATEGORY_SPACE: ch.isspace(),
                sre.CATEGORY_WORD: ch.isalnum() or ch == "_"}.get(value, False)
    raise ValueError(f"unexpected class member: {kind}")


def _walk(items, rng: random.Random, pool: list[str]) -> str:
    out = []
    for op, arg in items:
        if op is sre.LITERAL:
            out.append(chr(arg))
        elif op in (sre.NOT_LITERAL, sre.ANY, sre.IN):
            choices = [ch for ch in pool if _in_class((op, arg), ch)]
            out.append(rng.choice(choices))
        elif op is sre.SUBPATTERN:
            out.append(_walk(list(arg[3]), rng, pool))
        elif op is sre.BRANCH:
            out.append(_walk(list(rng.choice(arg[1])), rng, pool))
        elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT):
            low, high, body = arg
            count = rng.randint(low, min(high, low + MAX_EXTRA_REPEATS))
            out.extend(_walk(list(body), rng, pool) for _ in range(count))
        elif op in (sre.AT, sre.ASSERT, sre.ASSERT_NOT):
            continue
        else:
            raise ValueError(f"cannot sample {op}")
    return "".join(out)
