"""How an alert explains the posts behind it, from rows the warehouse read (pure: no I/O).

Detection and the daily digest read posts through warehouse.posts and build their `AlertDetails`
here, so both describe a window alike: the sentiment mix, the sources, the most engaged posts
quoted, the query that lists the rest, and the window in the configured time zone.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from alerts.model import AlertDetails
from warehouse.posts import PostFacts, SamplePost

LABELS = ("pos", "neu", "neg")
SAMPLES = 3  # posts an alert quotes
QUOTE_CHARS = 280


def window_local(tz: ZoneInfo, start: datetime, end: datetime) -> str:
    """A window as PR teams read it: '2026-11-26 14:00–15:00 (Asia/Shanghai)'."""
    return f"{start.astimezone(tz):%Y-%m-%d %H:%M}–{end.astimezone(tz):%H:%M} ({tz.key})"


def local_day(tz: ZoneInfo, moment: datetime) -> datetime:
    """Midnight of the local day holding the instant just before `moment`."""
    last = (moment - timedelta(microseconds=1)).astimezone(tz)
    return last.replace(hour=0, minute=0, second=0, microsecond=0)


def sentiment_mix(facts: Iterable[PostFacts]) -> dict[str, int]:
    """Posts per sentiment label, every label present."""
    mix = Counter(f.label for f in facts)
    return {label: mix.get(label, 0) for label in LABELS}


def quoted(posts: Iterable[SamplePost]) -> list[SamplePost]:
    """The posts with their text cut to QUOTE_CHARS, as messages quote them."""
    return [replace(p, text=p.text[:QUOTE_CHARS]) for p in posts]


def posts_details(brand_name: str, window: str, ratio: float, top_terms: list[str], facts: Sequence[PostFacts],
                  engaged: Iterable[SamplePost], query: str) -> AlertDetails:
    """A spike's or topic's explanation: terms, mix, the complaints' reasons, top sources, quotes, query."""
    return AlertDetails(
        brand_name=brand_name, window_local=window, ratio=round(ratio, 2), top_terms=top_terms,
        sentiment_mix=sentiment_mix(facts),
        complaint_reasons=Counter(reason for f in facts if f.complaint for reason in f.complaint_reasons).most_common(5),
        top_sources=Counter(f.platform for f in facts).most_common(3),
        samples=quoted(engaged), query=query)
