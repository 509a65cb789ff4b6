"""A post's risk to the brand: how bad it is times how far it goes (pure; docs/alerts.md).

    risk = harm × (1 + reach + verified + engagement + speed)

`harm` (0.02-1) says how bad the post is for the brand; the four others say, in one unit (powers
of ten of audience: +1 is "ten times as many people"), how far it travels. Log scales, because
audiences are heavy-tailed: an account with 5 million followers must outrank one with 5 (6.7
against 0.8), but not by a factor of a million, or one celebrity's passing mention would bury
every complaint. The leading 1 keeps a severe complaint from an unknown account above zero:
with no reach at all it still scores its harm.

- **harm**, from the complaint severity and the sentiment label: a severe complaint (food
  safety, injury, regulators and courts, media exposure, many victims; docs/complaints.md) 1.0,
  the stories that become crises; a complaint 0.6, a concrete grievance that customer service
  can often still settle; a negative post that is no complaint 0.4, an opinion; neutral 0.05 and
  positive 0.02, no risk, kept above zero so that a volume spike's posts still rank by reach.
  A complaint needs 1.7 times the amplification of a severe one to rank beside it, and a neutral
  post twenty times: even a media account with millions of followers does not lift a neutral
  mention above a severe complaint from an account with none.
- **reach**: log10(1 + followers). When the source does not say (news sites, forums, Weibo
  search cards), UNKNOWN_FOLLOWERS (100) stands in: an ordinary account, neither buried under
  accounts with a handful of followers nor promoted over accounts with real reach.
- **verified**: media and government accounts +1 (their posts are quoted by other outlets, and
  a regulator's or an outlet's word is itself an escalation); other verified accounts +0.5
  (identity checked, favoured by Weibo's search ranking, often paid to be heard); none 0.
- **engagement**: log10(1 + 3 × reposts + 2 × comments + likes). A repost puts the post in
  front of a new audience (the reposter's followers), a comment keeps it in feeds and hot lists
  and shows a discussion, a like is the cheapest signal and reaches no one new.
- **speed**: log10(1 + reposts per hour), reposts divided by the hours between publication
  and when the source showed the count (`Post.counted_at`), at least one hour so that a
  minutes-old post is not divided by nearly zero. Counted on top of engagement on purpose: of
  two posts with 1,000 reposts, the one that got them in an hour is still spreading. None (0)
  when the source gives no count time or no repost count.

Copies of one text (transforms.neardup) reach the audiences of every copy: a group ranks by
`group_risk`, its most reaching copy's risk plus harm × log10(copies) — the same unit, so
ten copies count like ten times the audience.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from extractors.record import Post

HARM = {"severe": 1.0, "complaint": 0.6, "neg": 0.4, "neu": 0.05, "pos": 0.02}
VERIFIED_WEIGHT = {"media": 1.0, "government": 1.0, "enterprise": 0.5, "organization": 0.5, "personal": 0.5,
                   "talent": 0.5, "verified": 0.5, "none": 0.0}  # extractors.record.VERIFIED_KINDS
UNKNOWN_FOLLOWERS = 100
ENGAGEMENT_WEIGHTS = (3, 2, 1)  # reposts, comments, likes
MIN_AGE = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class Risk:
    """A post's risk (`score`) and its parts, as stored in `posts.risk` and `posts.risk_parts`."""

    score: float
    harm: float
    reach: float
    verified: float
    engagement: float
    speed: float
    reposts_per_hour: float | None

    def parts(self) -> dict[str, float | None]:
        """The parts without the score, as `posts.risk_parts` stores them."""
        return {"harm": self.harm, "reach": self.reach, "verified": self.verified, "engagement": self.engagement,
                "speed": self.speed, "reposts_per_hour": self.reposts_per_hour}


def harm(label: str | None, severity: str | None) -> float:
    """How bad a post is for the brand (see the module doc): by complaint severity, else by label."""
    if severity == "severe":
        return HARM["severe"]
    if severity == "normal":
        return HARM["complaint"]
    return HARM.get(label or "neu", HARM["neu"])


def reposts_per_hour(reposts: int | None, published_at: datetime, counted_at: datetime | None) -> float | None:
    """Reposts per hour of the post's age when they were counted (at least MIN_AGE); None unknown."""
    if reposts is None or counted_at is None:
        return None
    age = max(counted_at - published_at, MIN_AGE)
    return reposts / (age / timedelta(hours=1))


def post_risk(post: Post, label: str | None, severity: str | None) -> Risk:
    """The post's risk from its author's reach, its engagement and repost speed, and the harm of
    its `label` and complaint `severity` (none / normal / severe)."""
    followers = post.author_followers if post.author_followers is not None else UNKNOWN_FOLLOWERS
    weighted = sum(w * (n or 0) for w, n in zip(ENGAGEMENT_WEIGHTS, (post.reposts, post.comments, post.likes)))
    speed = reposts_per_hour(post.reposts, post.published_at, post.counted_at)
    parts = dict(harm=harm(label, severity), reach=math.log10(1 + followers),
                 verified=VERIFIED_WEIGHT.get(post.author_verified or "none", 0.0),
                 engagement=math.log10(1 + weighted), speed=math.log10(1 + speed) if speed is not None else 0.0)
    amplification = 1 + parts["reach"] + parts["verified"] + parts["engagement"] + parts["speed"]
    rounded = {k: round(v, 4) for k, v in parts.items()}
    return Risk(score=round(parts["harm"] * amplification, 4), **rounded,
                reposts_per_hour=round(speed, 4) if speed is not None else None)


def group_risk(top_risk: float, top_harm: float, copies: int) -> float:
    """A group of copies ranks by its most reaching copy's risk plus harm × log10(copies)."""
    return top_risk + top_harm * math.log10(max(copies, 1))
