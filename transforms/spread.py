"""How a post spreads, from its reposts (pure; docs/alerts.md "How a post spreads").

Input: the reposts seen of one post (`Node`s: who, when, with how many followers, through which
`//@` chain, and how many reposts each repost drew), the post's publication time, the moment the
platform showed them (`as_of`) and the platform's own repost count. Output (`spread_metrics`):

- **depth**: the longest chain, 1 for a repost of the original, 2 for a repost of a repost, … (read
  from the `//@` chain, so it holds for reposts whose parents were not fetched; a reposter who
  deletes the chain from the text looks shallower: depth is a lower bound).
- **large-reach share**: the share of the reposts seen made by accounts with `large_reach`
  followers or more (10,000 by default, the reach at which a severe complaint alerts on its own).
- **speed**: reposts per hour in the first `early` hour after publication (known only when every
  repost was seen: lists run newest first, so a capped fetch misses the early ones) and in the
  last `recent` minutes before `as_of`.
- **top amplifiers**: accounts ranked by followers × (1 + the reposts their reposts drew). A repost
  puts the post before the reposter's followers; every repost it draws carries it further; the
  1 keeps an account with a large audience whose repost drew nothing in the ranking. "Drawn" is
  the larger of the platform's count on the repost and the reposts seen whose chain names it.
- **acceleration**, the stated rule (`acceleration`): the last `recent` minutes (30) against
  everything before them since publication. k_recent reposts in the recent window; k_before =
  the platform's count minus k_recent (reposts the list hides count as earlier ones, which
  only makes acceleration harder to claim), or the reposts seen before the window when the
  platform gives no count. The spread is *accelerating* when the recent rate is at least `ratio`
  (2) times the earlier rate **and** an exact one-sided test says so: under equal rates, given
  n = k_recent + k_before reposts, k_recent ~ Binomial(n, recent / (recent + before)) (the
  conditional test for two Poisson rates), and P(X ≥ k_recent) < `alpha` (0.01). It cannot be
  judged with fewer than `min_recent` (5) recent reposts (`too_few`) or less than `min_before`
  (30 minutes) of history before the window (`too_young`); otherwise it is `steady`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

HOUR = timedelta(hours=1)
ACCELERATING, STEADY, TOO_FEW, TOO_YOUNG = "accelerating", "steady", "too_few", "too_young"


@dataclass(frozen=True)
class SpreadRule:
    """The parameters of the spread metrics (see the module doc); `detection`-style overrides come
    from the `spread:` section of the config."""

    recent: timedelta = timedelta(minutes=30)
    min_before: timedelta = timedelta(minutes=30)
    early: timedelta = HOUR
    ratio: float = 2.0
    alpha: float = 0.01
    min_recent: int = 5
    large_reach: int = 10_000
    top: int = 5


@dataclass(frozen=True, slots=True)
class Node:
    """One repost as the metrics need it: its id, when, who (id and name), the account's followers
    and verification, the `//@` chain (nearest first) and the reposts it drew on the platform."""

    repost_id: str
    at: datetime
    user_id: str | None
    user_name: str | None
    followers: int | None
    verified: str | None
    chain: tuple[str, ...]
    reposts: int | None = None

    @property
    def depth(self) -> int:
        """1 for a repost of the original, one more per `//@` in its chain."""
        return len(self.chain) + 1


@dataclass(frozen=True, slots=True)
class Amplifier:
    """An account that carried the post: its reach, its reposts of it, the reposts those drew, its score."""

    user_id: str | None
    user_name: str | None
    followers: int | None
    verified: str | None
    reposts: int
    drawn: int
    score: float


@dataclass(frozen=True, slots=True)
class Acceleration:
    """The acceleration rule's verdict (accelerating / steady / too_few / too_young) and its numbers."""

    verdict: str
    recent_count: int
    before_count: int
    recent_rate: float | None  # reposts per hour
    before_rate: float | None
    ratio: float | None  # recent rate / earlier rate (inf when nothing came before)
    p_value: float | None

    @property
    def accelerating(self) -> bool:
        return self.verdict == ACCELERATING


@dataclass(frozen=True)
class SpreadMetrics:
    """One post's spread as of `as_of` (see the module doc)."""

    as_of: datetime
    reposts_seen: int
    reposts_total: int | None
    depth: int
    large_reach_share: float | None
    early_rate: float | None
    acceleration: Acceleration
    amplifiers: tuple[Amplifier, ...] = field(default_factory=tuple)


DEFAULT_RULE = SpreadRule()


def parents(nodes: Sequence[Node]) -> dict[str, str | None]:
    """Each repost's parent repost among `nodes`: the latest repost, not after it, by the account its
    chain names first; None for a repost of the original or a parent that was not seen."""
    by_name: dict[str, list[Node]] = defaultdict(list)
    for node in sorted(nodes, key=lambda n: (n.at, n.repost_id)):
        if node.user_name:
            by_name[node.user_name].append(node)
    found: dict[str, str | None] = {}
    for node in nodes:
        candidates = [c for c in by_name.get(node.chain[0], ()) if c.at <= node.at and c.repost_id != node.repost_id] \
            if node.chain else []
        found[node.repost_id] = candidates[-1].repost_id if candidates else None
    return found


def amplifiers(nodes: Sequence[Node], limit: int) -> tuple[Amplifier, ...]:
    """The `limit` accounts with the highest followers × (1 + reposts their reposts drew), ties by
    followers then by who reposted first; accounts of unknown reach (score 0) are left out."""
    children: dict[str, int] = defaultdict(int)
    for parent in parents(nodes).values():
        if parent is not None:
            children[parent] += 1
    accounts: dict[str, list[Node]] = defaultdict(list)
    for node in nodes:
        accounts[node.user_id or node.user_name or node.repost_id].append(node)
    found = []
    for own in accounts.values():
        followers = max((n.followers for n in own if n.followers is not None), default=None)
        drawn = sum(max(n.reposts or 0, children[n.repost_id]) for n in own)
        first = min(own, key=lambda n: n.at)
        found.append((float(followers or 0) * (1 + drawn), followers or 0, -first.at.timestamp(),
                      Amplifier(first.user_id, first.user_name, followers, first.verified, len(own), drawn,
                                float(followers or 0) * (1 + drawn))))
    found.sort(key=lambda item: item[:3], reverse=True)
    return tuple(item[-1] for item in found if item[0] > 0)[:limit]


def acceleration(published_at: datetime, as_of: datetime, times: Sequence[datetime], total: int | None,
                 rule: SpreadRule) -> Acceleration:
    """Whether the last `rule.recent` outpaces everything before it since publication (the module
    doc states the rule); `times` are the reposts seen, `total` the platform's count."""
    from scipy import stats  # imported by the task that computes spread, not by its readers

    window_start = as_of - rule.recent
    recent = sum(1 for t in times if window_start <= min(t, as_of))
    seen_before = len(times) - recent
    before = max(seen_before, total - recent) if total is not None else seen_before
    span = window_start - published_at
    recent_rate = recent / (rule.recent / HOUR)
    if span < rule.min_before:
        return Acceleration(TOO_YOUNG, recent, before, recent_rate, None, None, None)
    before_rate = before / (span / HOUR)
    ratio = recent_rate / before_rate if before_rate else float("inf")
    if recent < rule.min_recent:
        return Acceleration(TOO_FEW, recent, before, recent_rate, before_rate, ratio, None)
    share = rule.recent / (rule.recent + span)
    p_value = float(stats.binom.sf(recent - 1, recent + before, share))
    verdict = ACCELERATING if ratio >= rule.ratio and p_value < rule.alpha else STEADY
    return Acceleration(verdict, recent, before, recent_rate, before_rate, ratio, p_value)


def spread_metrics(published_at: datetime, as_of: datetime, nodes: Sequence[Node], total: int | None,
                   complete: bool, rule: SpreadRule = DEFAULT_RULE) -> SpreadMetrics:
    """A post's depth, large-reach share, early speed, acceleration and top amplifiers as of `as_of`.

    `complete`: every repost the platform lists was seen (else the early speed is unknown).
    Repost times before publication (a day-precision time stamp) count as at publication.
    """
    times = [max(n.at, published_at) for n in nodes]
    early_end = min(published_at + rule.early, as_of)
    early_hours = (early_end - published_at) / HOUR
    early_rate = (sum(1 for t in times if t < early_end) / early_hours
                  if complete and early_hours > 0 else None)
    large = sum(1 for n in nodes if (n.followers or 0) >= rule.large_reach)
    return SpreadMetrics(
        as_of=as_of, reposts_seen=len(nodes), reposts_total=total, depth=max((n.depth for n in nodes), default=0),
        large_reach_share=large / len(nodes) if nodes else None, early_rate=early_rate,
        acceleration=acceleration(published_at, as_of, times, total, rule), amplifiers=amplifiers(nodes, rule.top))


def reason(metrics: SpreadMetrics, rule: SpreadRule) -> str:
    """The verdict in one English sentence with its numbers, as analysts read it in v_post_spread."""
    a = metrics.acceleration
    minutes = int(rule.recent / timedelta(minutes=1))
    if a.verdict == TOO_YOUNG:
        return f"too young to judge: less than {int(rule.min_before / timedelta(minutes=1))} min before the last {minutes} min"
    counts = (f"{a.recent_count} reposts in the last {minutes} min ({a.recent_rate:.1f}/h) against "
              f"{a.before_count} before ({a.before_rate:.1f}/h)")
    if a.verdict == TOO_FEW:
        return f"too few recent reposts to judge (fewer than {rule.min_recent}): {counts}"
    size = "×∞" if a.ratio == float("inf") else f"×{a.ratio:.1f}"
    test = f"p={a.p_value:.2g}"
    if a.accelerating:
        return f"accelerating: {counts}, {size}, {test} < {rule.alpha:g}"
    return f"steady: {counts}, {size}, {test} (accelerating needs ×{rule.ratio:g} and p < {rule.alpha:g})"
