"""The contract between the pipeline and every source kind.

A source kind is a module (or a package's module, like `extractors.weibo.search`) listed in
`extractors.registry.KINDS`. It exposes:

- `KIND`: the name used in `config/brands.yaml` (`kind: rss`).
- `Settings`: a frozen pydantic model of the source's options derived from
  `extractors.options.SourceSettings`; `Settings.parse(options, base_dir)` validates them and
  raises `SettingsError` naming the key and the fix (the config loader adds the file and the
  path). Relative paths in options are relative to `base_dir`, the folder of the config file.
- `extract(settings, query, window, context) -> ExtractResult`: fetch (I/O) and parse (pure)
  everything the source holds for one brand query within one window. It never raises for bad
  items (they are quarantined) and reports a failed source in `ExtractResult.health` instead of
  raising, so one broken source never fails the others.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Literal

from extractors.record import Post, Quarantined

ErrorKind = Literal["transient", "permanent", "auth"]
Status = Literal["ok", "partial", "error"]


@dataclass(frozen=True, slots=True)
class Window:
    """A half-open time window `[start, end)` in UTC: one run's data interval plus look-back."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        for name in ("start", "end"):
            value = getattr(self, name)
            if value.tzinfo is None:
                raise ValueError(f"window {name} must be timezone-aware, got {value!r}")
            utc = value.astimezone(timezone.utc)
            # a plain datetime: subclasses (pendulum's, from Airflow) lose their zone in arithmetic
            object.__setattr__(self, name, datetime(utc.year, utc.month, utc.day, utc.hour, utc.minute,
                                                    utc.second, utc.microsecond, tzinfo=timezone.utc))
        if self.end <= self.start:
            raise ValueError(f"window end {self.end} must be after start {self.start}")

    def contains(self, moment: datetime) -> bool:
        return self.start <= moment < self.end


@dataclass(frozen=True, slots=True)
class BrandQuery:
    """What a source searches for: the brand's id, its search terms and its exclusions."""

    brand: str
    terms: tuple[str, ...]
    exclusions: tuple[str, ...] = ()

    @property
    def primary(self) -> str:
        """The first search term, the one templated into `{query}` of a source URL."""
        return self.terms[0]


@dataclass(frozen=True, slots=True)
class ExtractContext:
    """What the edge hands to an extractor: the fetch time and secrets resolved from Connections."""

    fetched_at: datetime
    secrets: Mapping[str, str] = field(default_factory=dict)
    user_agent: str = "brandmon/0.1 (+https://github.com/brandmon/brandmon; public brand monitoring)"


@dataclass(slots=True)
class SourceHealth:
    """How a source did in one window; the pipeline stores it and turns failures into ops signals."""

    status: Status = "ok"
    error_kind: ErrorKind | None = None
    message: str = ""
    requests: int = 0
    pages: int = 0
    page_cap_hits: int = 0
    notes: list[str] = field(default_factory=list)

    def fail(self, error: SourceError) -> None:
        """Record a source-level failure; posts already collected are kept (status `partial`)."""
        self.error_kind = error.kind
        self.message = str(error)
        self.status = "error"

    def to_json(self) -> dict:
        return {
            "status": self.status,
            "error_kind": self.error_kind,
            "message": self.message,
            "requests": self.requests,
            "pages": self.pages,
            "page_cap_hits": self.page_cap_hits,
            "notes": list(self.notes),
        }

    @classmethod
    def from_json(cls, row: Mapping) -> SourceHealth:
        return cls(**dict(row))


@dataclass(slots=True)
class ExtractResult:
    posts: list[Post] = field(default_factory=list)
    quarantined: list[Quarantined] = field(default_factory=list)
    health: SourceHealth = field(default_factory=SourceHealth)

    def finish(self) -> ExtractResult:
        """Settle the status: an error with posts in hand is `partial`, not a loss."""
        if self.health.status == "error" and self.posts:
            self.health.status = "partial"
        return self


class SourceError(Exception):
    """A source-level failure, classified so ops know whether to wait, fix or renew.

    `kind`: transient (retry later: timeouts, 429, 5xx), permanent (skip and report: 404, bad
    config) or auth (a cookie expired or a login/captcha wall: renew the named credential).
    """

    def __init__(self, kind: ErrorKind, message: str, hint: str = "") -> None:
        super().__init__(f"{message} ({hint})" if hint else message)
        self.kind: ErrorKind = kind
        self.hint = hint


class SettingsError(ValueError):
    """A source option is missing or wrong; `key` is the option, `fix` says what to write."""

    def __init__(self, key: str, problem: str, fix: str) -> None:
        super().__init__(f"{key}: {problem}. Fix: {fix}")
        self.key = key
        self.problem = problem
        self.fix = fix
