"""Alert settings parsed from the `alerts:` block of config/brands.yaml: quiet hours, delivery, digest.

Plain frozen records (no I/O); `brandmon.config` validates the YAML and builds them, the outbox
and the digest read them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo


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
class DigestSettings:
    """Where daily digests go; empty `channels` means every channel of the brand's PR routes."""

    channels: tuple[str, ...] = ()
    top_n: int = 5


@dataclass(frozen=True)
class AlertSettings:
    quiet_hours: QuietHours | None = None
    delivery: DeliverySettings = DeliverySettings()
    digest: DigestSettings = DigestSettings()
