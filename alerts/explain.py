"""How an alert explains the posts behind it, from rows the warehouse read (pure: no I/O).

Detection and the daily digest read posts through warehouse.posts and build their `AlertDetails`
here, so both describe a window alike: the sentiment mix, the complaints' categories and reasons
(structured: code, Chinese and English labels, category and count), the sources, the riskiest
posts quoted (copies of one text as one, warehouse.posts.top_posts), the query that lists the rest,
and the window in the configured time zone.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from alerts.model import AlertDetails, CategoryCount, ReasonCount, Trend
from warehouse.posts import PostFacts, ReasonLabel, SamplePost, SevereComplaint

LABELS = ("pos", "neu", "neg")
SAMPLES = 3  # posts an alert quotes
QUOTE_CHARS = 280
TREND_DAYS = 7  # whole local days a chart shows before the day it ends in
LOCAL_MINUTE = "%Y-%m-%dT%H:%M"
TOP_REASONS = 5  # reasons and categories a spike lists
PHRASES = 3  # phrases kept per reason
Names = Mapping[str, tuple[str, str]]  # category or severity kind → (zh, en): warehouse.posts.complaint_labels


def window_local(tz: ZoneInfo, start: datetime, end: datetime) -> str:
    """A window as PR teams read it: '2026-11-26 14:00–15:00 (Asia/Shanghai)'."""
    return f"{start.astimezone(tz):%Y-%m-%d %H:%M}–{end.astimezone(tz):%H:%M} ({tz.key})"


def local_day(tz: ZoneInfo, moment: datetime) -> datetime:
    """Midnight of the local day holding the instant just before `moment`."""
    last = (moment - timedelta(microseconds=1)).astimezone(tz)
    return last.replace(hour=0, minute=0, second=0, microsecond=0)


def trend_start(tz: ZoneInfo, end: datetime) -> datetime:
    """Where a chart ending at `end` starts: local midnight TREND_DAYS days before the day holding `end`."""
    return local_day(tz, end) - timedelta(days=TREND_DAYS)


def hourly_trend(timestamps: Sequence[datetime], counts: Mapping[str, Sequence[float]], start: datetime,
                 end: datetime, tz: ZoneInfo, gaps: Iterable[tuple[datetime, datetime]] = ()) -> Trend:
    """Bucket counts (`counts` keyed mentions / neg / complaints, as warehouse.series reads them) in
    [start, end) summed per local hour, the hours with posts only; `gaps` are spans no run loaded."""
    hours: dict[datetime, list[int]] = {}
    for at, mentions, negative, complaints in zip(timestamps, counts["mentions"], counts["neg"],
                                                  counts["complaints"]):
        if start <= at < end and mentions:
            hour = at.astimezone(tz).replace(minute=0, second=0, microsecond=0)
            total = hours.setdefault(hour, [0, 0, 0])
            total[0] += int(mentions)
            total[1] += int(negative)
            total[2] += int(complaints)
    return Trend(timezone=tz.key, start=f"{start.astimezone(tz):{LOCAL_MINUTE}}",
                 end=f"{end.astimezone(tz):{LOCAL_MINUTE}}",
                 hours=[(f"{hour:{LOCAL_MINUTE}}", *total) for hour, total in sorted(hours.items())],
                 gaps=[(f"{s.astimezone(tz):{LOCAL_MINUTE}}", f"{e.astimezone(tz):{LOCAL_MINUTE}}") for s, e in gaps])


def sentiment_mix(facts: Iterable[PostFacts]) -> dict[str, int]:
    """Posts per sentiment label, every label present."""
    mix = Counter(f.label for f in facts)
    return {label: mix.get(label, 0) for label in LABELS}


def quoted(posts: Iterable[SamplePost]) -> list[SamplePost]:
    """The posts with their text cut to QUOTE_CHARS, as messages quote them."""
    return [replace(p, text=p.text[:QUOTE_CHARS]) for p in posts]


def reason_counts(per_post: Iterable[Iterable[ReasonLabel]], names: Names, limit: int | None = None) -> list[ReasonCount]:
    """The reasons the posts gave, most given first (a post counts once per reason), each with its
    category's names and the phrases the posts used."""
    counts: Counter[tuple[str, str]] = Counter()
    found: dict[tuple[str, str], ReasonLabel] = {}
    phrases: dict[tuple[str, str], Counter[str]] = {}
    for reasons in per_post:
        for reason in {(r.category, r.code): r for r in reasons}.values():
            key = (reason.category, reason.code)
            counts[key] += 1
            found.setdefault(key, reason)
            phrases.setdefault(key, Counter())[reason.phrase] += 1
    return [ReasonCount(code=found[key].code, zh=found[key].zh, en=found[key].en, category=key[0],
                        category_zh=names.get(key[0], (key[0], key[0]))[0],
                        category_en=names.get(key[0], (key[0], key[0]))[1], count=count,
                        phrases=tuple(p for p, _ in phrases[key].most_common(PHRASES) if p))
            for key, count in counts.most_common(limit)]


def category_counts(per_complaint: Iterable[Iterable[str]], names: Names, limit: int | None = None) -> list[CategoryCount]:
    """Complaints per category (the categories of each complaint), most complained of first, with
    the categories' names."""
    counts = Counter(code for categories in per_complaint for code in categories)
    return [CategoryCount(code, *names.get(code, (code, code)), count) for code, count in counts.most_common(limit)]


def posts_details(brand_name: str, window: str, ratio: float, top_terms: list[str], facts: Sequence[PostFacts],
                  top: Iterable[SamplePost], query: str, names: Names) -> AlertDetails:
    """A spike's or topic's explanation: terms, mix, the complaints' categories and reasons, top
    sources, quotes, query."""
    return AlertDetails(
        brand_name=brand_name, window_local=window, ratio=round(ratio, 2), top_terms=top_terms,
        sentiment_mix=sentiment_mix(facts),
        complaint_reasons=reason_counts((f.reasons for f in facts if f.complaint), names, TOP_REASONS),
        complaint_categories=category_counts((f.categories for f in facts if f.complaint), names, TOP_REASONS),
        top_sources=Counter(f.platform for f in facts).most_common(3),
        samples=quoted(top), query=query)


def severe_complaint_details(brand_name: str, when: str, complaint: SevereComplaint, query: str,
                             names: Names) -> AlertDetails:
    """A severe complaint's explanation: the post quoted (author, followers, verification), its
    categories and reasons, what made it severe, and the query that lists it."""
    return AlertDetails(
        brand_name=brand_name, window_local=when, ratio=0.0, samples=quoted([complaint.post]), query=query,
        complaint_reasons=reason_counts([complaint.reasons], names),
        complaint_categories=category_counts([complaint.categories], names),
        severity_reasons=reason_counts([complaint.severity_reasons], names))
