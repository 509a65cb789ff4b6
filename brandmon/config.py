"""`config/brands.yaml`: loading and validation.

Every error names the file, the key path and the fix, e.g.
`config/brands.yaml: brands.acme.sources[1]: unknown source 'news'. Fix: define it under
sources: or use one of ...`. Secrets never live here: sources and channels name Airflow
Connections (`connection: weibo_default`) instead.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from alerts.settings import AlertSettings, DeliverySettings, DigestSettings, QuietHours
from extractors.base import BrandQuery, SettingsError
from extractors.registry import KINDS, source_module

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG = REPO_ROOT / "config" / "brands.yaml"
SEVERITIES = ("info", "warning", "critical")
CHANNEL_KINDS = ("file", "email", "webhook", "apprise")
_ID = re.compile(r"^[a-z][a-z0-9_]{0,62}$")


class ConfigError(ValueError):
    """A config problem: which file, which key, what is wrong and how to fix it."""

    def __init__(self, file: Path | str, key: str, problem: str, fix: str) -> None:
        super().__init__(f"{file}: {key}: {problem}. Fix: {fix}")
        self.file, self.key, self.problem, self.fix = str(file), key, problem, fix


@dataclass(frozen=True)
class Source:
    name: str
    kind: str
    settings: Any
    connection: str | None = None


@dataclass(frozen=True)
class Brand:
    id: str
    name: str
    keywords: tuple[str, ...]
    aliases: tuple[str, ...] = ()
    exclusions: tuple[str, ...] = ()
    competitors: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()

    @property
    def terms(self) -> tuple[str, ...]:
        """Everything that counts as a mention: keywords first, then aliases."""
        return self.keywords + self.aliases

    def query(self) -> BrandQuery:
        return BrandQuery(brand=self.id, terms=self.terms, exclusions=self.exclusions)


@dataclass(frozen=True)
class Channel:
    name: str
    kind: str
    options: Mapping[str, Any]
    connection: str | None = None


@dataclass(frozen=True)
class Route:
    brands: tuple[str, ...]  # ("*",) means every brand
    severities: tuple[str, ...]
    channels: tuple[str, ...]
    audience: str = "pr"  # pr alerts (spikes, topics) or ops alerts (source health)
    quiet_hours: QuietHours | None = None  # resolved at parse time: the route's own, else alerts.quiet_hours

    def matches(self, brand: str, severity: str, audience: str) -> bool:
        return (("*" in self.brands or brand in self.brands) and severity in self.severities
                and audience == self.audience)


@dataclass(frozen=True)
class Schedule:
    interval: timedelta
    lookback: timedelta
    bucket: timedelta

    @property
    def cron(self) -> str:
        """The cron expression of the interval timetable (minutes dividing an hour, or hours)."""
        minutes = int(self.interval.total_seconds() // 60)
        if minutes < 60:
            return f"*/{minutes} * * * *"
        return f"0 */{minutes // 60} * * *" if minutes < 1440 else "0 0 * * *"


@dataclass(frozen=True)
class Config:
    path: Path
    timezone: ZoneInfo
    schedule: Schedule
    state_dir: Path
    brands: Mapping[str, Brand]
    sources: Mapping[str, Source]
    channels: Mapping[str, Channel]
    routes: tuple[Route, ...]
    languages: tuple[str, ...]
    detection: Mapping[str, Any] = field(default_factory=dict)
    max_alert_age: timedelta = timedelta(hours=6)
    alerting: AlertSettings = field(default_factory=AlertSettings)

    @property
    def duckdb_path(self) -> Path:
        return self.state_dir / "warehouse" / "brandmon.duckdb"

    @property
    def published_path(self) -> Path:
        """The read-only copy analysts query (see docs/decisions/0001-duckdb-readers.md)."""
        return self.state_dir / "warehouse" / "brandmon_read.duckdb"

    @property
    def staging_dir(self) -> Path:
        return self.state_dir / "staging"

    def channels_for(self, brand: str, severity: str, audience: str) -> tuple[str, ...]:
        """Channels an alert goes to; the local file channel when no route matches."""
        names: list[str] = []
        for route in self.routes:
            if route.matches(brand, severity, audience):
                names.extend(n for n in route.channels if n not in names)
        return tuple(names) or ("local_file",)


def load_config(path: Path | str | None = None) -> Config:
    """Read and validate the config; `BRANDMON_CONFIG` overrides the default path."""
    path = Path(path or os.environ.get("BRANDMON_CONFIG") or DEFAULT_CONFIG).resolve()
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(path, "(file)", "not found", "create it from config/brands.yaml in the repository") from None
    except yaml.YAMLError as error:
        raise ConfigError(path, "(file)", f"not valid YAML: {error}", "fix the YAML syntax at the line shown") from None
    return parse_config(raw, path)


def parse_config(raw: Any, path: Path) -> Config:
    """Validate an already-parsed YAML document; `path` is used for messages and relative paths."""
    v = _Validator(path)
    root = v.mapping(raw, "(top level)", "write a YAML mapping with brands: and sources:")
    v.known_keys(root, "", {"version", "timezone", "schedule", "storage", "brands", "sources", "alerts", "detection"})
    tz_name = root.get("timezone", "Asia/Shanghai")
    try:
        tz = ZoneInfo(str(tz_name))
    except (ZoneInfoNotFoundError, ValueError):
        raise v.error("timezone", f"{tz_name!r} is not a time zone", "use an IANA name such as Asia/Shanghai") from None

    schedule = _schedule(v, v.mapping(root.get("schedule", {}), "schedule", "write schedule: {interval_minutes: 15}"))
    storage = v.mapping(root.get("storage", {}), "storage", "write storage: {state_dir: ../state}")
    v.known_keys(storage, "storage", {"state_dir"})
    state_dir = Path(os.environ.get("BRANDMON_STATE_DIR") or (path.parent / str(storage.get("state_dir", "../state")))).resolve()

    sources = {name: _source(v, name, spec, path.parent)
               for name, spec in v.mapping(root.get("sources"), "sources", "define at least one source").items()}
    brands_raw = v.mapping(root.get("brands"), "brands", "define at least one brand")
    if not brands_raw:
        raise v.error("brands", "no brands", "add a brand with keywords: and sources:")
    brands = {bid: _brand(v, bid, spec, sources) for bid, spec in brands_raw.items()}
    for brand in brands.values():
        for i, other in enumerate(brand.competitors):
            if other not in brands:
                raise v.error(f"brands.{brand.id}.competitors[{i}]", f"unknown brand {other!r}",
                              f"use one of {', '.join(brands)} (competitors are brands configured here too)")

    alerts = v.mapping(root.get("alerts", {}), "alerts", "write alerts: {channels: ..., routes: ...}")
    v.known_keys(alerts, "alerts", {"channels", "routes", "languages", "max_alert_age_hours", "quiet_hours",
                                    "delivery", "digest"})
    quiet = _quiet_hours(v, alerts.get("quiet_hours"), "alerts.quiet_hours", tz)
    channels = {"local_file": Channel("local_file", "file", {"path": str(state_dir / "alerts" / "alerts.jsonl")})}
    for name, spec in v.mapping(alerts.get("channels", {}), "alerts.channels", "map channel names to {kind: ...}").items():
        channels[name] = _channel(v, name, spec, path.parent, state_dir)
    routes = tuple(_route(v, i, spec, brands, channels, quiet, tz)
                   for i, spec in enumerate(v.sequence(alerts.get("routes", []), "alerts.routes")))
    languages = tuple(v.sequence(alerts.get("languages", ["zh", "en"]), "alerts.languages"))
    for i, lang in enumerate(languages):
        if lang not in ("zh", "en"):
            raise v.error(f"alerts.languages[{i}]", f"{lang!r} is not supported", "use zh, en or both")
    max_age = v.number(alerts.get("max_alert_age_hours", 6), "alerts.max_alert_age_hours", minimum=0.25)
    alerting = AlertSettings(quiet_hours=quiet, delivery=_delivery(v, alerts.get("delivery", {})),
                             digest=_digest(v, alerts.get("digest", {}), channels))
    detection = v.mapping(root.get("detection", {}), "detection", "write detection: {key: value}")
    return Config(path=path, timezone=tz, schedule=schedule, state_dir=state_dir, brands=brands,
                  sources=sources, channels=channels, routes=routes, languages=languages,
                  detection=dict(detection), max_alert_age=timedelta(hours=max_age), alerting=alerting)


def _schedule(v: _Validator, spec: Mapping) -> Schedule:
    v.known_keys(spec, "schedule", {"interval_minutes", "lookback_minutes", "bucket_minutes"})
    interval = int(v.number(spec.get("interval_minutes", 15), "schedule.interval_minutes", minimum=1))
    if not (interval < 60 and 60 % interval == 0) and not (interval % 60 == 0 and 1440 % interval == 0):
        raise v.error("schedule.interval_minutes", f"{interval} does not divide a day evenly",
                      "use 5, 10, 15, 20, 30, 60, 120, 180, 240, 360, 720 or 1440")
    lookback = int(v.number(spec.get("lookback_minutes", 30), "schedule.lookback_minutes", minimum=0))
    bucket = int(v.number(spec.get("bucket_minutes", 15), "schedule.bucket_minutes", minimum=1))
    if 1440 % bucket:
        raise v.error("schedule.bucket_minutes", f"{bucket} does not divide a day evenly", "use 5, 10, 15, 30 or 60")
    return Schedule(timedelta(minutes=interval), timedelta(minutes=lookback), timedelta(minutes=bucket))


def _source(v: _Validator, name: str, spec: Any, base_dir: Path) -> Source:
    key = f"sources.{name}"
    v.identifier(name, key)
    spec = v.mapping(spec, key, "write {kind: rss, url: ...}")
    kind = spec.get("kind")
    if kind not in KINDS:
        raise v.error(f"{key}.kind", f"unknown kind {kind!r}", f"use one of {', '.join(sorted(KINDS))}")
    options = {k: val for k, val in spec.items() if k != "kind"}
    try:
        settings = source_module(kind).Settings.parse(options, base_dir)
    except SettingsError as error:
        raise v.error(f"{key}.{error.key}", error.problem, error.fix) from None
    return Source(name=name, kind=kind, settings=settings, connection=getattr(settings, "connection", None))


def _brand(v: _Validator, bid: str, spec: Any, sources: Mapping[str, Source]) -> Brand:
    key = f"brands.{bid}"
    v.identifier(bid, key)
    spec = v.mapping(spec, key, "write {keywords: [...], sources: [...]}")
    v.known_keys(spec, key, {"name", "keywords", "aliases", "exclusions", "competitors", "sources"})
    keywords = tuple(v.strings(spec.get("keywords"), f"{key}.keywords", required=True))
    source_names = tuple(v.strings(spec.get("sources"), f"{key}.sources", required=True))
    for i, name in enumerate(source_names):
        if name not in sources:
            raise v.error(f"{key}.sources[{i}]", f"unknown source {name!r}",
                          f"define it under sources: or use one of {', '.join(sources) or '(none defined)'}")
    return Brand(id=bid, name=str(spec.get("name", bid)), keywords=keywords,
                 aliases=tuple(v.strings(spec.get("aliases"), f"{key}.aliases")),
                 exclusions=tuple(v.strings(spec.get("exclusions"), f"{key}.exclusions")),
                 competitors=tuple(v.strings(spec.get("competitors"), f"{key}.competitors")),
                 sources=source_names)


def _channel(v: _Validator, name: str, spec: Any, base_dir: Path, state_dir: Path) -> Channel:
    key = f"alerts.channels.{name}"
    v.identifier(name, key)
    spec = dict(v.mapping(spec, key, "write {kind: email, connection: ..., to: [...]}"))
    kind = spec.pop("kind", None)
    if kind not in CHANNEL_KINDS:
        raise v.error(f"{key}.kind", f"unknown kind {kind!r}", f"use one of {', '.join(CHANNEL_KINDS)}")
    connection = spec.pop("connection", None)
    if kind in ("email", "webhook", "apprise") and not connection:
        raise v.error(f"{key}.connection", "missing",
                      "name the Airflow Connection that holds the secrets (host, password, URL); never put them here")
    for secret in ("password", "token", "secret", "webhook_url", "url"):
        if secret in spec and kind != "file":
            raise v.error(f"{key}.{secret}", "secrets and endpoints do not belong in the config file",
                          f"put it in the Airflow Connection {connection!r} (AIRFLOW_CONN_{str(connection).upper()})")
    if kind == "email":
        v.strings(spec.get("to"), f"{key}.to", required=True)
    if kind == "file":
        spec["path"] = str(base_dir / spec["path"]) if "path" in spec else str(state_dir / "alerts" / f"{name}.jsonl")
    return Channel(name=name, kind=kind, options=spec, connection=connection)


def _route(v: _Validator, index: int, spec: Any, brands: Mapping, channels: Mapping,
           quiet: QuietHours | None, tz: ZoneInfo) -> Route:
    key = f"alerts.routes[{index}]"
    spec = v.mapping(spec, key, "write {brands: ['*'], severities: [warning, critical], channels: [...]}")
    v.known_keys(spec, key, {"brands", "severities", "channels", "audience", "quiet_hours"})
    if "quiet_hours" in spec:  # the route's own period; false or null turns quiet hours off for it
        quiet = _quiet_hours(v, spec["quiet_hours"] or None, f"{key}.quiet_hours", tz)
    route_brands = tuple(v.strings(spec.get("brands", ["*"]), f"{key}.brands"))
    for i, b in enumerate(route_brands):
        if b != "*" and b not in brands:
            raise v.error(f"{key}.brands[{i}]", f"unknown brand {b!r}", f"use '*' or one of {', '.join(brands)}")
    severities = tuple(v.strings(spec.get("severities", list(SEVERITIES)), f"{key}.severities"))
    for i, s in enumerate(severities):
        if s not in SEVERITIES:
            raise v.error(f"{key}.severities[{i}]", f"unknown severity {s!r}", f"use {', '.join(SEVERITIES)}")
    names = tuple(v.strings(spec.get("channels"), f"{key}.channels", required=True))
    for i, c in enumerate(names):
        if c not in channels:
            raise v.error(f"{key}.channels[{i}]", f"unknown channel {c!r}",
                          f"define it under alerts.channels: or use one of {', '.join(channels)}")
    audience = spec.get("audience", "pr")
    if audience not in ("pr", "ops"):
        raise v.error(f"{key}.audience", f"{audience!r} is not an audience", "use pr (spikes, topics) or ops (source health)")
    return Route(brands=route_brands, severities=severities, channels=names, audience=audience, quiet_hours=quiet)


def _quiet_hours(v: _Validator, spec: Any, key: str, default_tz: ZoneInfo) -> QuietHours | None:
    if spec is None:
        return None
    spec = v.mapping(spec, key, 'write {start: "22:00", end: "08:00"} (quoted), or false for none')
    v.known_keys(spec, key, {"start", "end", "timezone"})
    start, end = (_clock(v, spec.get(part), f"{key}.{part}") for part in ("start", "end"))
    if start == end:
        raise v.error(key, "start equals end", "give a period of at least one minute, or remove quiet_hours")
    tz = default_tz
    if "timezone" in spec:
        try:
            tz = ZoneInfo(str(spec["timezone"]))
        except (ZoneInfoNotFoundError, ValueError):
            raise v.error(f"{key}.timezone", f"{spec['timezone']!r} is not a time zone",
                          "use an IANA name such as Asia/Shanghai") from None
    return QuietHours(start=start, end=end, timezone=tz)


def _clock(v: _Validator, value: Any, key: str) -> time:
    # Unquoted 22:00 is a base-60 integer in YAML 1.1, so only quoted strings are accepted.
    match = re.fullmatch(r"([01]?\d|2[0-3]):([0-5]\d)", value) if isinstance(value, str) else None
    if not match:
        raise v.error(key, f"{value!r} is not a time of day", 'write it quoted as "HH:MM", e.g. "22:00"')
    return time(int(match[1]), int(match[2]))


def _delivery(v: _Validator, spec: Any) -> DeliverySettings:
    key = "alerts.delivery"
    spec = v.mapping(spec, key, "write delivery: {retry_initial_seconds: 60, expire_after_hours: 24}")
    v.known_keys(spec, key, {"retry_initial_seconds", "retry_max_seconds", "expire_after_hours", "timeout_seconds"})
    initial = v.number(spec.get("retry_initial_seconds", 60), f"{key}.retry_initial_seconds", minimum=1)
    most = v.number(spec.get("retry_max_seconds", 3600), f"{key}.retry_max_seconds", minimum=initial)
    return DeliverySettings(
        retry_initial=timedelta(seconds=initial), retry_max=timedelta(seconds=most),
        expire_after=timedelta(hours=v.number(spec.get("expire_after_hours", 24), f"{key}.expire_after_hours",
                                              minimum=0.25)),
        timeout_seconds=v.number(spec.get("timeout_seconds", 10), f"{key}.timeout_seconds", minimum=1))


def _digest(v: _Validator, spec: Any, channels: Mapping) -> DigestSettings:
    key = "alerts.digest"
    spec = v.mapping(spec, key, "write digest: {channels: [...]}")
    v.known_keys(spec, key, {"channels", "top_n"})
    names = tuple(v.strings(spec.get("channels"), f"{key}.channels"))
    for i, c in enumerate(names):
        if c not in channels:
            raise v.error(f"{key}.channels[{i}]", f"unknown channel {c!r}",
                          f"define it under alerts.channels: or use one of {', '.join(channels)}")
    return DigestSettings(channels=names, top_n=int(v.number(spec.get("top_n", 5), f"{key}.top_n", minimum=1)))


class _Validator:
    def __init__(self, path: Path) -> None:
        self.path = path

    def error(self, key: str, problem: str, fix: str) -> ConfigError:
        return ConfigError(self.path, key, problem, fix)

    def mapping(self, value: Any, key: str, fix: str) -> Mapping:
        if not isinstance(value, Mapping):
            raise self.error(key, f"expected a mapping, got {type(value).__name__}", fix)
        return value

    def sequence(self, value: Any, key: str) -> list:
        if not isinstance(value, list):
            raise self.error(key, f"expected a list, got {type(value).__name__}", "write a YAML list: [a, b]")
        return value

    def strings(self, value: Any, key: str, required: bool = False) -> list[str]:
        if value is None:
            if required:
                raise self.error(key, "missing", "write a non-empty list, e.g. [示例咖啡]")
            return []
        items = [value] if isinstance(value, str) else self.sequence(value, key)
        for i, item in enumerate(items):
            if not isinstance(item, (str, int)) or not str(item).strip():
                raise self.error(f"{key}[{i}]", f"{item!r} is not a non-empty string", "quote the value")
        if required and not items:
            raise self.error(key, "empty", "write at least one value")
        return [str(item).strip() for item in items]

    def number(self, value: Any, key: str, minimum: float) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < minimum:
            raise self.error(key, f"{value!r} is not a number >= {minimum}", f"write a number of at least {minimum}")
        return float(value)

    def identifier(self, name: Any, key: str) -> None:
        if not isinstance(name, str) or not _ID.match(name):
            raise self.error(key, f"{name!r} is not a valid id", "use lower-case letters, digits and _, starting with a letter")

    def known_keys(self, spec: Mapping, key: str, allowed: set[str]) -> None:
        for name in spec:
            if name not in allowed:
                where = f"{key}.{name}" if key else str(name)
                raise self.error(where, "unknown key", f"remove it or use one of {', '.join(sorted(allowed))}")
