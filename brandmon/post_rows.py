"""The transform step's work on a chunk of posts: match every brand, score, and the staged rows.

A chunk's result depends on its posts alone (each text is scored on its own), so an interval cut
into chunks and run on several cores stages exactly what one pass over it stages. The rows come
back as JSON lines, serialised where they were made: a worker process hands over one string.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from brandmon.staging import json_line
from brandmon.windows import floor_time
from extractors.record import Post
from transforms.filed_complaints import as_filed_complaint, complaint_object
from transforms.lexicon import Lexicon
from transforms.matching import BrandMatcher, BrandTerms, searchable_text
from transforms.risk import post_risk
from transforms.terms import without_brand, without_brand_names

if TYPE_CHECKING:
    from transforms.scoring import TextScores


@dataclass(frozen=True)
class Brands:
    """What every chunk is matched and scored against: each brand's terms, the phrases topic terms
    and keywords keep whole (`Config.topic_phrases`), and the detection bucket."""

    terms: tuple[BrandTerms, ...]
    phrases: tuple[str, ...]
    bucket: timedelta


@dataclass(frozen=True)
class ChunkRows:
    """A chunk's staged `posts` and `mentions` rows (JSON lines, in post order), how many posts
    matched a brand and the buckets they fall in."""

    posts: str
    mentions: str
    matched: int
    mention_count: int
    touched_buckets: frozenset[str]


def chunk_rows(posts: list[Post], brands: Brands) -> ChunkRows:
    """Match each post to every brand, score the matched ones and build their rows (posts that
    mention no brand are left out). Scoring stays in this process: the chunk is the unit of work."""
    from transforms.scoring import score_texts  # snownlp-backed; imported only when a task scores

    matcher, lexicon = _tools(brands)
    matched = [(post, matcher.match(searchable_text([post.title, post.text, complaint_object(post)])))
               for post in posts]
    kept = [(post, found) for post, found in matched if found]
    scores = score_texts([searchable_text([post.title, post.text]) for post, _ in kept], workers=1, lexicon=lexicon)
    post_lines, mention_lines = [], []
    for (post, found), score in zip(kept, scores):
        score = as_filed_complaint(post, score)
        brand_terms = [t for ts in found.values() for t in ts]
        post_lines.append(json_line(post_row(post, score, without_brand(list(score.keywords), score.clean_text, brand_terms),
                                             without_brand_names(score.terms, brand_terms))))
        mention_lines += [json_line({"platform": post.platform, "native_id": post.native_id, "brand": b,
                                     "published_at": post.published_at.isoformat(), "matched_terms": t})
                          for b, t in found.items()]
    return ChunkRows("".join(post_lines), "".join(mention_lines), len(kept), len(mention_lines),
                     frozenset(floor_time(post.published_at, brands.bucket).isoformat() for post, _ in kept))


@lru_cache(maxsize=4)
def _tools(brands: Brands) -> tuple[BrandMatcher, Lexicon]:
    """The brand matcher and the phrase lexicon, built once per process."""
    return BrandMatcher(brands.terms), Lexicon(brands.phrases)


def post_row(post: Post, score: TextScores, keywords: list[str], terms: list[str]) -> dict[str, Any]:
    """The staged `posts` row: the post (its author's reach included) and its scores, the complaint's
    categories, severity and reasons whole (`complaint_reasons` keeps their Chinese labels), its risk."""
    row = post.to_json()
    risk = post_risk(post, score.label, score.severity)
    row.update(clean_text=score.clean_text, sentiment=score.sentiment, label=score.label,
               complaint=score.complaint, complaint_score=score.complaint_score,
               complaint_reasons=[reason.zh for reason in score.reasons], keywords=keywords, model=score.model, terms=terms,
               complaint_categories=list(score.complaint_categories), complaint_severity=score.severity,
               complaint_reason_details=[reason.as_json() for reason in score.reasons],
               complaint_severity_reasons=[reason.as_json() for reason in score.severity_reasons],
               risk=risk.score, risk_parts=risk.parts())
    return row
