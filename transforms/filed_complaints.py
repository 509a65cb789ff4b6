"""Posts that are complaints by where they were written: a complaints platform such as 黑猫投诉.

A complaint filed on 黑猫投诉 is a complaint whatever its words look like to the text model (a
calm "退还多余担保费" reads mild), so the pipeline applies one explicit rule after scoring: a post
whose `extra.complaint_source` (or platform) is a complaints platform counts as a complaint, with
probability 1, and its category hint (`extra.category_hint`, from the appeal it filed) joins its
reasons as `category:<code>` beside `filed:<platform>`. Its sentiment is left as the model saw it.
For brand matching, the company the complaint is against (`extra.object`, 投诉对象) counts as
part of its text: a complaint a company received need not name it.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from extractors.record import Post

if TYPE_CHECKING:
    from transforms.scoring import TextScores

COMPLAINT_PLATFORMS = frozenset({"heimao"})
FILED_SCORE = 1.0
OTHER = "other"


def filed_on(post: Post) -> str | None:
    """The complaints platform a post was filed on, or None for a post from anywhere else."""
    source = post.extra.get("complaint_source")
    for name in (source, post.platform):
        if isinstance(name, str) and name in COMPLAINT_PLATFORMS:
            return name
    return None


def complaint_object(post: Post) -> str | None:
    """Whom a filed complaint is against (投诉对象), for brand matching; None for other posts."""
    target = post.extra.get("object")
    return target if filed_on(post) and isinstance(target, str) and target.strip() else None


def as_filed_complaint(post: Post, scores: TextScores) -> TextScores:
    """`scores` of a post filed on a complaints platform made a complaint (score 1, reasons
    `filed:<platform>` and `category:<hint>` first); other posts' scores unchanged."""
    platform = filed_on(post)
    if platform is None:
        return scores
    hint = post.extra.get("category_hint")
    category = hint if isinstance(hint, str) and hint.strip() else OTHER
    added = (f"filed:{platform}", f"category:{category}")
    return dataclasses.replace(scores, complaint=True, complaint_score=FILED_SCORE,
                               reasons=added + tuple(r for r in scores.reasons if r not in added))
