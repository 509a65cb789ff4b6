"""Turning the timestamps sources write into aware UTC datetimes (pure functions)."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

_EPOCH_MS_FLOOR = 10**11  # numbers above this are milliseconds (any date after 1973)
_DIGITS = re.compile(r"^\d{9,13}(\.\d+)?$")


def parse_timestamp(value: object, default_tz: ZoneInfo) -> datetime:
    """Parse ISO 8601 / 'YYYY-MM-DD HH:MM[:SS]' / epoch seconds or milliseconds.

    A timestamp without an offset is read in `default_tz` (a source's own zone, Asia/Shanghai
    for Chinese sites). Raises ValueError with the offending value when nothing fits.
    """
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        moment = _from_epoch(float(value))
    elif isinstance(value, str) and value.strip():
        text = value.strip()
        if _DIGITS.match(text):
            moment = _from_epoch(float(text))
        else:
            try:
                moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("/", "-"))
            except ValueError:
                raise ValueError(f"unrecognised timestamp {value!r}") from None
    else:
        raise ValueError(f"unrecognised timestamp {value!r}")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=default_tz)
    return moment.astimezone(timezone.utc)


def _from_epoch(number: float) -> datetime:
    if number >= _EPOCH_MS_FLOOR:
        number /= 1000.0
    return datetime.fromtimestamp(number, tz=timezone.utc)
