"""Posts that are complaints by where they were written: a complaints platform such as 黑猫投诉.

A complaint filed on 黑猫投诉 is a complaint whatever its words look like to the text model (a
calm "退还多余担保费" reads mild), so the pipeline applies one explicit rule after scoring: a post
whose `extra.complaint_source` (or platform) is a complaints platform counts as a complaint, with
probability 1, its category hint (`extra.category_hint`, from the appeal it filed) comes first
among its categories, and its first reason says where it was filed, with the appeal as the phrase
(投诉要求: 退款, 赔偿 …). Its sentiment is left as the model saw it.
For brand matching, the company the complaint is against (`extra.object`, 投诉对象) counts as
part of its text: a complaint a company received need not name it.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from extractors.record import Post
from transforms.complaint_cues import CATEGORIES
from transforms.complaints import Reason

if TYPE_CHECKING:
    from transforms.scoring import TextScores

# platform → (zh, en) of the reason "filed there"
COMPLAINT_PLATFORMS = {"heimao": ("在黑猫投诉上投诉", "filed on Heimao Tousu (黑猫投诉)")}
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
    """`scores` of a post filed on a complaints platform made a complaint: probability 1, its
    category hint first among its categories, and first among its reasons where it was filed
    (with the appeal as the phrase); other posts' scores unchanged."""
    platform = filed_on(post)
    if platform is None:
        return scores
    hint = post.extra.get("category_hint")
    category = hint if hint in CATEGORIES else OTHER
    appeal = post.extra.get("appeal")
    zh, en = COMPLAINT_PLATFORMS[platform]
    filed = Reason(category=category, code=f"filed_{platform}", zh=zh, en=en,
                   phrase=appeal if isinstance(appeal, str) else "")
    found = tuple(c for c in scores.complaint_categories if c not in (category, OTHER))
    return dataclasses.replace(
        scores, complaint=True, complaint_score=FILED_SCORE, complaint_categories=(category, *found),
        severity="normal" if scores.severity == "none" else scores.severity,
        reasons=(filed, *(r for r in scores.reasons if r.code != filed.code)))
