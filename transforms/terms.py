"""Which terms stand out in a spike: frequent now and rarer in the baseline (pure)."""

from __future__ import annotations

import math
from collections import Counter


def burst_terms(current: Counter[str], baseline: Counter[str], limit: int = 8, min_count: int = 2) -> list[str]:
    """Terms ranked by count × log-lift of their share now against their share in the baseline.

    Add-one smoothing keeps a term never seen before from dividing by zero while still ranking
    it high; terms seen fewer than `min_count` times now are noise and left out.
    """
    now_total = sum(current.values()) or 1
    base_total = sum(baseline.values()) or 1
    vocabulary = len(set(current) | set(baseline)) or 1
    ranked = []
    for term, count in current.items():
        if count < min_count:
            continue
        share_now = count / now_total
        share_before = (baseline.get(term, 0) + 1) / (base_total + vocabulary)
        lift = math.log(share_now / share_before)
        if lift > 0:
            ranked.append((count * lift, term))
    ranked.sort(key=lambda pair: (-pair[0], pair[1]))
    return [term for _, term in ranked[:limit]]
