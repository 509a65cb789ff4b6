"""What alerting needs to know, as typed records: brands, channels, routes, quiet hours, delivery, digest.

Plain frozen records (no I/O). `brandmon.config` validates the `alerts:` block of
config/brands.yaml and builds an `AlertSettings` (its `Config.alerting`); the outbox, the digest
and the channels take these records and nothing of brandmon.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

SEVERITIES = ("info", "warning", "critical")
LOCAL_FILE = "local_file"  # the channel that always exists and takes what no route claims


@dataclass(frozen=True)
class NamedBrand:
    """A brand as alerts name it: its id and the name shown in messages."""

    id: str
    name: str


@dataclass(frozen=True)
class Channel:
    """A configured delivery channel: its kind (file, email, webhook, apprise), the kind's
    options from the config (`to`, `cc`, `format`, `path`) and the Connection holding its secrets."""

    name: str
    kind: str
    options: Mapping[str, Any]
    connection: str | None = None


@dataclass(frozen=True)
class QuietHours:
    """A daily quiet period, e.g. 22:00–08:00 local; it may wrap past midnight."""

    start: time
    end: time
    timezone: ZoneInfo

    def contains(self, moment: datetime) -> bool:
        """Whether an aware `moment` falls inside the quiet period (start inclusive, end exclusive)."""
        local = moment.astimezone(self.timezone).time().replace(tzinfo=None)
        if self.start < self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end

    def end_after(self, moment: datetime) -> datetime:
        """The first end of a quiet period at or after `moment` (when held alerts could go out)."""
        local = moment.astimezone(self.timezone)
        candidate = datetime.combine(local.date(), self.end, tzinfo=self.timezone)
        if candidate < local:
            candidate = datetime.combine(local.date() + timedelta(days=1), self.end, tzinfo=self.timezone)
        return candidate


@dataclass(frozen=True)
class Route:
    """Which alerts go to which channels: by brand (`*` for every brand), severity and audience
    (pr: spikes and topics; ops: source health), with the quiet hours that apply to them."""

    brands: tuple[str, ...]
    severities: tuple[str, ...]
    channels: tuple[str, ...]
    audience: str = "pr"
    quiet_hours: QuietHours | None = None  # the route's own, else alerts.quiet_hours (resolved by the config)

    def matches(self, brand: str, severity: str | None, audience: str) -> bool:
        """Whether the route takes alerts of `brand`, `severity` (None: any) and `audience`."""
        return (("*" in self.brands or brand in self.brands) and audience == self.audience
                and (severity is None or severity in self.severities))


@dataclass(frozen=True)
class DeliverySettings:
    """Retry with exponential backoff until the alert is `expire_after` past its bucket end."""

    retry_initial: timedelta = timedelta(minutes=1)
    retry_max: timedelta = timedelta(hours=1)
    expire_after: timedelta = timedelta(hours=24)
    timeout_seconds: float = 10.0

    def backoff(self, attempts: int) -> timedelta:
        """Wait before the next try after `attempts` failed tries: 1, 2, 4, … × initial, capped."""
        factor = 2 ** max(attempts - 1, 0)
        return min(self.retry_initial * factor, self.retry_max)


@dataclass(frozen=True)
class IncidentSettings:
    """How alerts group into incidents (alerts.incidents): an incident closes once `close_after`
    passes without a new alert about it."""

    close_after: timedelta = timedelta(hours=6)


@dataclass(frozen=True)
class DigestSettings:
    """Where daily digests go; empty `channels` means every channel of the brand's PR routes."""

    channels: tuple[str, ...] = ()
    top_n: int = 5


@dataclass(frozen=True)
class AlertSettings:
    """Everything the outbox, the digest and the channels read.

    `source_connections` maps each source to its Connection, so an ops alert can say which one
    to renew; `max_alert_age` is how old a bucket may be and still page someone.
    """

    timezone: ZoneInfo = ZoneInfo("Asia/Shanghai")
    languages: tuple[str, ...] = ("zh", "en")
    brands: Mapping[str, NamedBrand] = field(default_factory=dict)
    channels: Mapping[str, Channel] = field(default_factory=dict)
    routes: tuple[Route, ...] = ()
    quiet_hours: QuietHours | None = None
    max_alert_age: timedelta = timedelta(hours=6)
    delivery: DeliverySettings = DeliverySettings()
    digest: DigestSettings = DigestSettings()
    incidents: IncidentSettings = IncidentSettings()
    source_connections: Mapping[str, str | None] = field(default_factory=dict)
    dashboard_url: str | None = None  # the dashboard's base URL: messages link to the incident page

    def routed_channels(self, brand: str, severity: str | None, audience: str) -> list[tuple[str, QuietHours | None]]:
        """The one routing rule: the channels of every route that takes the alert, each once with
        the quiet hours of the first route naming it; `local_file` (with alerts.quiet_hours) when
        no route does. `severity` None matches routes of any severity (digests)."""
        found: dict[str, QuietHours | None] = {}
        for route in self.routes:
            if route.matches(brand, severity, audience):
                for name in route.channels:
                    found.setdefault(name, route.quiet_hours)
        return list(found.items()) or [(LOCAL_FILE, self.quiet_hours)]
