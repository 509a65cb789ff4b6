"""Complaints: is a post a complaint about a product or service, what kind, how severe, and why.

- **Whether** (`score`, `is_complaint`): `transforms.complaint_model`, a calibrated probability
  learned from data (reviews, complaints and Weibo posts) on top of the sentiment and the cues,
  from the model's threshold; or a stated defect (`complaint_cues.DEFECT`) in a text that is not
  positive, whatever the score.
- **What kind** (`categories`, `categories_of`): the categories of the problem and demand
  phrases found (delivery and logistics, quality and safety, service attitude, price and
  billing, refunds and after-sales, false advertising, account and privacy); failing those, of
  the topic words (快递, 客服 …); `other` when a complaint names none of them.
- **How severe** (`severity`): `severe` when a complaint mentions food safety, an injury,
  regulators or courts, media exposure or many victims; `normal` otherwise; `none` for posts
  that are not complaints.
- **Why** (`reasons`, `severity_reasons`): one `Reason` per cue that fired, with the category,
  a stable code, readable Chinese and English labels and the phrase found in the post. A
  complaint without any cue is explained by the words that most raised the model's score.

No score is ever written inside a reason: the score is its own field. Pure functions; the
shipped model files are the only thing read. docs/complaints.md has the figures.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from transforms import complaint_cues, fastsnow, textprep
from transforms.complaint_model import ComplaintModel, shipped_model
from transforms.sentiment import prepare_many, shipped_scorer

NOT_A_COMPLAINT, NORMAL, SEVERE = "none", "normal", "severe"
OTHER = "other"
TOPIC = "topic"  # the cue signal of topic words: they name a category, they are no evidence
WORDING_CODE = "dissatisfied_wording"
WORDING_LABELS = ("不满用语", "dissatisfied wording")


@dataclass(frozen=True, slots=True)
class Reason:
    """Why: `category` (a complaint category, or for severity a severity kind), `code` (stable,
    for machines), `zh` / `en` (for people) and the `phrase` found in the post."""

    category: str
    code: str
    zh: str
    en: str
    phrase: str

    def as_json(self) -> dict:
        """The reason as a JSON object (`brandmon score`, staged rows)."""
        return {"category": self.category, "code": self.code, "zh": self.zh, "en": self.en, "phrase": self.phrase}


@dataclass(frozen=True, slots=True)
class Complaint:
    """A post's complaint verdict: P(complaint), whether it passes the threshold, its categories
    (codes of `complaint_cues.CATEGORIES`), severity (none / normal / severe) and reasons."""

    is_complaint: bool
    score: float
    severity: str
    categories: tuple[str, ...]
    reasons: tuple[Reason, ...]
    severity_reasons: tuple[Reason, ...]


def _reasons(found: list[tuple[complaint_cues.Cue, str]]) -> tuple[Reason, ...]:
    return tuple(Reason(cue.category, cue.code, cue.zh, cue.en, phrase) for cue, phrase in found)


def categories_of(found: list[tuple[complaint_cues.Cue, str]]) -> tuple[tuple[str, ...], list[tuple[complaint_cues.Cue, str]]]:
    """A complaint's categories and the cues that decided them: the categories of its problem and
    demand phrases; failing those, of its topic words (客服, 快递, 质量 …); failing both, `other`."""
    stated = [(cue, phrase) for cue, phrase in found if cue.signal != TOPIC]
    named = [(cue, phrase) for cue, phrase in stated if cue.category != OTHER]
    if not named:
        named = [(cue, phrase) for cue, phrase in found if cue.signal == TOPIC]
        stated += named
    return tuple(dict.fromkeys(cue.category for cue, _ in named)) or (OTHER,), stated


def assess(cleaned: str, model_words: Sequence[str], sentiment: float, model: ComplaintModel | None = None) -> Complaint:
    """The complaint verdict for a post already cleaned (`textprep.clean`), with the words the
    sentiment model read (prepared, stop words filtered) and its P(positive).

    A post is a complaint when the model's probability reaches its threshold, or when it states a
    defect (`complaint_cues.DEFECT`: 起球, 饭都凉了, 变质 …) and its sentiment is not positive."""
    model = model or shipped_model()
    found = complaint_cues.found_anchors(cleaned)
    cues = complaint_cues.matches(cleaned, complaint_cues.CUES, found)
    signals = {cue.signal for cue, _ in cues}
    score = round(model.probability(model_words, sentiment, signals), 6)
    defect = complaint_cues.stated_defect(cleaned, found)
    is_complaint = score >= model.threshold or (defect is not None and sentiment <= model.defect_sentiment_ceiling)
    reasons = _reasons([(cue, phrase) for cue, phrase in cues if cue.signal != TOPIC])
    categories: tuple[str, ...] = ()
    severity_reasons: tuple[Reason, ...] = ()
    severity = NOT_A_COMPLAINT
    if is_complaint:
        categories, deciding = categories_of(cues)
        reasons = _reasons(deciding)
        if not reasons:
            reasons = tuple(Reason(OTHER, WORDING_CODE, *WORDING_LABELS, word) for word in model.telling_words(model_words))
        severity_reasons = _reasons(complaint_cues.matches(cleaned, complaint_cues.SEVERITY_CUES, found))
        severity = SEVERE if severity_reasons else NORMAL
    return Complaint(is_complaint, score, severity, categories, reasons, severity_reasons)


def complaint(text: str | None, sentiment: float | None = None) -> Complaint:
    """Score one post from its raw text (segments it; for batches use `transforms.scoring`);
    `sentiment` is its P(positive), by default from the shipped sentiment model."""
    cleaned = textprep.clean(text)
    words = fastsnow.filter_stopwords(fastsnow.segment_many(prepare_many([text or ""]))[0])
    if sentiment is None:
        sentiment = shipped_scorer().model.probability_of_words(words)
    return assess(cleaned, words, sentiment)
