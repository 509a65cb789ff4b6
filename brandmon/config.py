"""`config/brands.yaml`: loading and validation.

The file's shape is a set of pydantic models (`ConfigFile` and its sections); every error names
the file, the key path and the fix, e.g. `config/brands.yaml: brands.acme.sources[1]: unknown
source 'news'. Fix: define it under sources: or use one of ...`. The validated file becomes a
`Config` of typed records: brands, sources with their kind's settings, and the `AlertSettings`
the alerts floor reads. Secrets never live here: sources and channels name Airflow Connections
(`connection: weibo_default`) instead.

`read_schedule` is the cheap read the DAG files do when the scheduler parses them: the time
zone and the schedule only, without importing any source kind.
"""

from __future__ import annotations

import os
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import time, timedelta
from pathlib import Path
from typing import Annotated, Any, Self, TypeVar
from zoneinfo import ZoneInfo

import yaml
from pydantic import (
    AfterValidator,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainValidator,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from alerts.channels import MODULES as CHANNEL_MODULES
from alerts.settings import (
    LOCAL_FILE,
    SEVERITIES,
    AlertSettings,
    Channel,
    DeliverySettings,
    DigestSettings,
    NamedBrand,
    QuietHours,
    Route,
)
from extractors.base import BrandQuery, SettingsError
from extractors.options import (
    ConnectionId,
    HttpSettings,
    Number,
    Options,
    SourceSettings,
    Text,
    TimeZone,
    Whole,
    expect_mapping,
    one_of,
    plain_number,
    problem,
    required,
    settings_error,
)
from extractors.registry import KINDS, source_module

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG = REPO_ROOT / "config" / "brands.yaml"
CHANNEL_KINDS = tuple(CHANNEL_MODULES)
_ID = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
_CLOCK = re.compile(r"([01]?\d|2[0-3]):([0-5]\d)")
_SECRET_KEYS = ("password", "token", "secret", "webhook_url", "url")
_LIST_FIX = "write a non-empty list, e.g. [示例咖啡]"
_File = TypeVar("_File", bound=Options)


class ConfigError(ValueError):
    """A config problem: which file, which key, what is wrong and how to fix it."""

    def __init__(self, file: Path | str, key: str, problem: str, fix: str) -> None:
        super().__init__(f"{file}: {key}: {problem}. Fix: {fix}")
        self.file, self.key, self.problem, self.fix = str(file), key, problem, fix


# --- what the rest of the application reads ------------------------------------------------------

@dataclass(frozen=True)
class Source:
    """A configured source: its kind, the kind's validated settings and the Connection they name."""

    name: str
    kind: str
    settings: SourceSettings
    connection: str | None = None


@dataclass(frozen=True)
class Brand(NamedBrand):
    """A monitored brand: what counts as a mention of it, its competitors and its sources."""

    keywords: tuple[str, ...]
    aliases: tuple[str, ...] = ()
    exclusions: tuple[str, ...] = ()
    competitors: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    products: tuple[str, ...] = ()  # names kept whole in topic terms; not mentions by themselves

    @property
    def terms(self) -> tuple[str, ...]:
        """Everything that counts as a mention: keywords first, then aliases."""
        return self.keywords + self.aliases

    def query(self) -> BrandQuery:
        return BrandQuery(brand=self.id, terms=self.terms, exclusions=self.exclusions)


@dataclass(frozen=True)
class Schedule:
    """How often the pipeline runs, how far back each run re-reads, and the detection bucket."""

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
class Monitoring:
    """How the pipeline's own health is judged (`brandmon status`) and announced (the heartbeat)."""

    heartbeat_connection: str | None = None  # a Connection whose URL is pinged after each successful run
    stale_after: timedelta = timedelta(minutes=30)  # the last finished interval may be this old
    source_failing: timedelta = timedelta(hours=1)  # a source failing this long is unhealthy


@dataclass(frozen=True)
class Config:
    """The validated config file; `alerting` is what the alerts floor reads."""

    path: Path
    timezone: ZoneInfo
    schedule: Schedule
    state_dir: Path
    brands: Mapping[str, Brand]
    sources: Mapping[str, Source]
    alerting: AlertSettings
    detection: Mapping[str, Any] = field(default_factory=dict)
    monitoring: Monitoring = Monitoring()
    dictionary: tuple[str, ...] = ()  # the user dictionary's words (`topics.dictionary`)

    @property
    def topic_phrases(self) -> tuple[str, ...]:
        """What topic terms keep whole: every brand's keywords, aliases and products, then the user dictionary."""
        found = [term for brand in self.brands.values() for term in (*brand.terms, *brand.products)]
        return tuple(dict.fromkeys([*found, *self.dictionary]))

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


# --- loading -----------------------------------------------------------------------------------

def config_path(path: Path | str | None = None) -> Path:
    """The config file: `path`, else `BRANDMON_CONFIG`, else config/brands.yaml in the repository."""
    return Path(path or os.environ.get("BRANDMON_CONFIG") or DEFAULT_CONFIG).resolve()


def load_config(path: Path | str | None = None) -> Config:
    """Read and validate the config; `BRANDMON_CONFIG` overrides the default path."""
    path = config_path(path)
    return parse_config(_read_yaml(path), path)


def read_schedule(path: Path | str | None = None) -> tuple[Schedule, ZoneInfo]:
    """The schedule and time zone alone, validated: what a DAG needs when the scheduler parses it.

    Cheap: no source kind is imported and the rest of the file is left for `load_config`, which
    the tasks call.
    """
    path = config_path(path)
    raw = _read_yaml(path)
    timing = {key: raw[key] for key in ("timezone", "schedule") if key in raw} if isinstance(raw, Mapping) else raw
    spec = _validate(TimingFile, timing, path)
    return _schedule(spec.schedule), spec.timezone


def parse_config(raw: Any, path: Path) -> Config:
    """Validate an already-parsed YAML document; `path` is used for messages and relative paths."""
    spec = _validate(ConfigFile, raw, path)
    state_dir = Path(os.environ.get("BRANDMON_STATE_DIR") or (path.parent / spec.storage.state_dir)).resolve()
    sources = {name: Source(name=name, kind=kind, settings=settings,
                            connection=settings.connection if isinstance(settings, HttpSettings) else None)
               for name, (kind, settings) in spec.sources.items()}
    brands = {bid: Brand(id=bid, name=brand.name or bid, keywords=brand.keywords, aliases=brand.aliases,
                         exclusions=brand.exclusions, competitors=brand.competitors, sources=brand.sources,
                         products=brand.products)
              for bid, brand in spec.brands.items()}
    schedule = _schedule(spec.schedule)
    monitoring = Monitoring(heartbeat_connection=spec.monitoring.heartbeat_connection,
                            stale_after=schedule.interval * spec.monitoring.stale_after_intervals,
                            source_failing=timedelta(minutes=spec.monitoring.source_failing_minutes))
    return Config(path=path, timezone=spec.timezone, schedule=schedule, state_dir=state_dir,
                  brands=brands, sources=sources, detection=dict(spec.detection), monitoring=monitoring,
                  dictionary=spec.topics.dictionary, alerting=_alerting(spec, path.parent, state_dir, brands, sources))


def _read_yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(path, "(file)", "not found", "create it from config/brands.yaml in the repository") from None
    except yaml.YAMLError as error:
        raise ConfigError(path, "(file)", f"not valid YAML: {error}", "fix the YAML syntax at the line shown") from None


def _validate(model: type[_File], raw: Any, path: Path) -> _File:
    try:
        return model.model_validate(raw, context={"base_dir": path.parent})
    except ValidationError as error:
        found = settings_error(error.errors()[0])
        raise ConfigError(path, found.key or "(top level)", found.problem, found.fix) from None


def _schedule(spec: ScheduleFile) -> Schedule:
    return Schedule(timedelta(minutes=spec.interval_minutes), timedelta(minutes=spec.lookback_minutes),
                    timedelta(minutes=spec.bucket_minutes))


def _alerting(spec: ConfigFile, base_dir: Path, state_dir: Path, brands: Mapping[str, Brand],
              sources: Mapping[str, Source]) -> AlertSettings:
    alerts, tz = spec.alerts, spec.timezone
    quiet = _quiet_hours(alerts.quiet_hours, tz)
    channels = {LOCAL_FILE: Channel(LOCAL_FILE, "file", {"path": str(state_dir / "alerts" / "alerts.jsonl")})}
    for name, channel in alerts.channels.items():
        options = channel.options()
        if channel.kind == "file":
            options["path"] = str(base_dir / options["path"]) if "path" in options else str(
                state_dir / "alerts" / f"{name}.jsonl")
        channels[name] = Channel(name=name, kind=channel.kind, options=options, connection=channel.connection)
    routes = tuple(Route(brands=route.brands, severities=route.severities, channels=route.channels,
                         audience=route.audience,
                         quiet_hours=_quiet_hours(route.quiet_hours, tz) if "quiet_hours" in route.model_fields_set
                         else quiet)
                   for route in alerts.routes)
    delivery = alerts.delivery
    return AlertSettings(
        timezone=tz, languages=alerts.languages, brands=brands, channels=channels, routes=routes, quiet_hours=quiet,
        max_alert_age=timedelta(hours=alerts.max_alert_age_hours),
        delivery=DeliverySettings(retry_initial=timedelta(seconds=delivery.retry_initial_seconds),
                                  retry_max=timedelta(seconds=delivery.retry_max_seconds),
                                  expire_after=timedelta(hours=delivery.expire_after_hours),
                                  timeout_seconds=delivery.timeout_seconds),
        digest=DigestSettings(channels=alerts.digest.channels, top_n=alerts.digest.top_n),
        source_connections={name: source.connection for name, source in sources.items()})


def _quiet_hours(spec: QuietHoursFile | None, default_tz: ZoneInfo) -> QuietHours | None:
    return None if spec is None else QuietHours(start=spec.start, end=spec.end, timezone=spec.timezone or default_tz)


# --- the file's shape ----------------------------------------------------------------------------

def _identifier(name: Any) -> str:
    if not isinstance(name, str) or not _ID.match(name):
        raise problem(f"{name!r} is not a valid id", "use lower-case letters, digits and _, starting with a letter")
    return name


def _mapping(fix: str) -> BeforeValidator:
    return BeforeValidator(lambda value: expect_mapping(value, fix))


def _list(value: Any) -> Any:
    if not isinstance(value, list):
        raise problem(f"expected a list, got {type(value).__name__}", "write a YAML list: [a, b]")
    return value


def _one_or_many(value: Any) -> Any:
    """A list of strings; a single string is a list of one, null an empty list."""
    if value is None:
        return []
    return [value] if isinstance(value, str) else _list(value)


def _term(item: Any) -> str:
    if not isinstance(item, (str, int)) or not str(item).strip():
        raise problem(f"{item!r} is not a non-empty string", "quote the value")
    return str(item).strip()


def _not_empty(items: tuple[str, ...]) -> tuple[str, ...]:
    if not items:
        raise problem("empty", "write at least one value")
    return items


def _dictionary_words(value: Any, info: ValidationInfo) -> tuple[str, ...]:
    """The words of a dictionary file (path relative to the config file), in file order."""
    path = Path((info.context or {}).get("base_dir", Path("."))) / _term(value)  # an absolute path stays absolute
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise problem(f"{path} not found", "create it (one word or phrase a line) or fix the path") from None
    except (OSError, UnicodeDecodeError) as error:
        raise problem(f"{path} cannot be read as UTF-8 text ({error})", "save it as UTF-8, one word or phrase a line") from None
    lines = (line.split("#", 1)[0].strip() for line in text.splitlines())
    return tuple(dict.fromkeys(line for line in lines if line))


def _clock(value: Any) -> time:
    # Unquoted 22:00 is a base-60 integer in YAML 1.1, so only quoted strings are accepted.
    match = _CLOCK.fullmatch(value) if isinstance(value, str) else None
    if not match:
        raise problem(f"{value!r} is not a time of day", 'write it quoted as "HH:MM", e.g. "22:00"')
    return time(int(match[1]), int(match[2]))


def _source(value: Any, info: ValidationInfo) -> tuple[str, SourceSettings]:
    """(kind, the kind's validated settings) of one `sources:` entry."""
    kind = expect_mapping(value, "write {kind: rss, url: ...}").get("kind")
    if kind not in KINDS:
        raise problem(f"unknown kind {kind!r}", f"use one of {', '.join(sorted(KINDS))}", key="kind")
    options = {key: option for key, option in value.items() if key != "kind"}
    try:
        return kind, source_module(kind).Settings.parse(options, (info.context or {})["base_dir"])
    except SettingsError as error:
        raise problem(error.problem, error.fix, key=error.key) from None


Id = Annotated[str, BeforeValidator(_identifier)]
Term = Annotated[str, BeforeValidator(_term)]
Terms = Annotated[tuple[Term, ...], BeforeValidator(_one_or_many)]
RequiredTerms = Annotated[tuple[Term, ...], BeforeValidator(_one_or_many), AfterValidator(_not_empty)]
Clock = Annotated[time, PlainValidator(_clock)]
SourceEntry = Annotated[tuple[str, SourceSettings], PlainValidator(_source)]
Severity = Annotated[str, one_of(SEVERITIES, "unknown severity {!r}", "use " + ", ".join(SEVERITIES))]
Language = Annotated[str, one_of(("zh", "en"), "{!r} is not supported", "use zh, en or both")]


class ScheduleFile(Options):
    FIX = "write schedule: {interval_minutes: 15}"

    interval_minutes: Whole = Field(15, ge=1)
    lookback_minutes: Whole = Field(30, ge=0)
    bucket_minutes: Whole = Field(15, ge=1)

    @field_validator("interval_minutes")
    @classmethod
    def _interval_divides_a_day(cls, minutes: int) -> int:
        if not (minutes < 60 and 60 % minutes == 0) and not (minutes % 60 == 0 and 1440 % minutes == 0):
            raise problem(f"{minutes} does not divide a day evenly",
                          "use 5, 10, 15, 20, 30, 60, 120, 180, 240, 360, 720 or 1440")
        return minutes

    @field_validator("bucket_minutes")
    @classmethod
    def _bucket_divides_a_day(cls, minutes: int) -> int:
        if 1440 % minutes:
            raise problem(f"{minutes} does not divide a day evenly", "use 5, 10, 15, 30 or 60")
        return minutes


class StorageFile(Options):
    FIX = "write storage: {state_dir: ../state}"

    state_dir: Text = "../state"


class MonitoringFile(Options):
    FIX = "write monitoring: {heartbeat_connection: brandmon_heartbeat}"

    heartbeat_connection: ConnectionId | None = None
    stale_after_intervals: Number = Field(2, ge=1)
    source_failing_minutes: Number = Field(60, ge=1)


class BrandFile(Options):
    FIX = "write {keywords: [...], sources: [...]}"

    name: Text | None = None
    keywords: RequiredTerms = required(_LIST_FIX)
    aliases: Terms = ()
    exclusions: Terms = ()
    competitors: Terms = ()
    sources: RequiredTerms = required(_LIST_FIX)
    products: Terms = ()


class TopicsFile(Options):
    FIX = "write topics: {dictionary: words.txt}"

    # the user dictionary: a UTF-8 file, one word or phrase a line, `#` starts a comment
    dictionary: Annotated[tuple[str, ...], BeforeValidator(_dictionary_words)] = ()


class QuietHoursFile(Options):
    FIX = 'write {start: "22:00", end: "08:00"} (quoted), or false for none'

    start: Clock = required('write it quoted as "HH:MM", e.g. "22:00"')
    end: Clock = required('write it quoted as "HH:MM", e.g. "22:00"')
    timezone: TimeZone | None = None

    @model_validator(mode="after")
    def _a_period(self) -> Self:
        if self.start == self.end:
            raise problem("start equals end", "give a period of at least one minute, or remove quiet_hours")
        return self


class ChannelFile(Options):
    """A channel: its kind, its Connection and the kind's own options (`to`, `cc`, `format`, `path`)."""

    model_config = ConfigDict(extra="allow", frozen=True)
    FIX = "write {kind: email, connection: ..., to: [...]}"

    kind: Annotated[str, one_of(CHANNEL_KINDS, "unknown kind {!r}")] = required(f"use one of {', '.join(CHANNEL_KINDS)}")
    connection: ConnectionId | None = None
    to: Terms = ()
    cc: Terms = ()

    @model_validator(mode="after")
    def _secrets_stay_in_the_connection(self) -> Self:
        if self.kind == "file":
            return self
        if not self.connection:
            raise problem("missing", "name the Airflow Connection that holds the secrets (host, password, URL); "
                          "never put them here", key="connection")
        for secret in _SECRET_KEYS:
            if secret in (self.model_extra or {}):
                raise problem("secrets and endpoints do not belong in the config file",
                              f"put it in the Airflow Connection {self.connection!r} "
                              f"(AIRFLOW_CONN_{self.connection.upper()})", key=secret)
        if self.kind == "email" and not self.to:
            if "to" in self.model_fields_set:
                raise problem("empty", "write at least one value", key="to")
            raise problem("missing", "write the recipients as a list, e.g. [pr@example.com]", key="to")
        return self

    def options(self) -> dict[str, Any]:
        """The kind's options as written (recipients validated)."""
        given = {name: getattr(self, name) for name in ("to", "cc") if name in self.model_fields_set}
        return {**(self.model_extra or {}), **given}


class RouteFile(Options):
    FIX = "write {brands: ['*'], severities: [warning, critical], channels: [...]}"

    # the route's own quiet hours; false or null turns quiet hours off for it
    quiet_hours: Annotated[QuietHoursFile | None, BeforeValidator(lambda value: value or None)] = None
    brands: Terms = ("*",)
    severities: Annotated[tuple[Severity, ...], BeforeValidator(_one_or_many)] = SEVERITIES
    channels: RequiredTerms = required(_LIST_FIX)
    audience: Annotated[str, one_of(("pr", "ops"), "{!r} is not an audience",
                                    "use pr (spikes, topics) or ops (source health)")] = "pr"


class DeliveryFile(Options):
    FIX = "write delivery: {retry_initial_seconds: 60, expire_after_hours: 24}"

    retry_initial_seconds: Number = Field(60, ge=1)
    retry_max_seconds: Number = 3600
    expire_after_hours: Number = Field(24, ge=0.25)
    timeout_seconds: Number = Field(10, ge=1)

    @model_validator(mode="after")
    def _the_longest_wait_is_not_shorter_than_the_first(self) -> Self:
        if self.retry_max_seconds < self.retry_initial_seconds:
            initial = plain_number(self.retry_initial_seconds)
            raise problem(f"{self.retry_max_seconds!r} is not a number >= {initial}",
                          f"write a number of at least {initial}", key="retry_max_seconds")
        return self


class DigestFile(Options):
    FIX = "write digest: {channels: [...]}"

    channels: Terms = ()
    top_n: Whole = Field(5, ge=1)


class AlertsFile(Options):
    FIX = "write alerts: {channels: ..., routes: ...}"

    quiet_hours: QuietHoursFile | None = None
    channels: Annotated[dict[Id, ChannelFile], _mapping("map channel names to {kind: ...}")] = {}
    routes: Annotated[tuple[RouteFile, ...], BeforeValidator(_list)] = ()
    languages: Annotated[tuple[Language, ...], BeforeValidator(_list)] = ("zh", "en")
    max_alert_age_hours: Number = Field(6, ge=0.25)
    delivery: DeliveryFile = DeliveryFile()
    digest: DigestFile = DigestFile()


class TimingFile(Options):
    """The keys a DAG reads when it is parsed: the time zone and the schedule."""

    FIX = "write a YAML mapping with brands: and sources:"

    timezone: TimeZone = ZoneInfo("Asia/Shanghai")
    schedule: ScheduleFile = ScheduleFile()


class ConfigFile(TimingFile):
    """config/brands.yaml as a whole; names that refer to other entries must exist."""

    version: Any = None
    storage: StorageFile = StorageFile()
    sources: Annotated[dict[Id, SourceEntry], _mapping("define at least one source")] = required(
        "define at least one source")
    brands: Annotated[dict[Id, BrandFile], _mapping("define at least one brand")] = required(
        "define at least one brand")
    alerts: AlertsFile = AlertsFile()
    detection: Annotated[dict[str, Any], _mapping("write detection: {key: value}")] = {}
    monitoring: MonitoringFile = MonitoringFile()
    topics: TopicsFile = TopicsFile()

    @field_validator("brands")
    @classmethod
    def _some_brand(cls, brands: dict[str, BrandFile]) -> dict[str, BrandFile]:
        if not brands:
            raise problem("no brands", "add a brand with keywords: and sources:")
        return brands

    @model_validator(mode="after")
    def _references_exist(self) -> Self:
        sources, brands = ", ".join(self.sources) or "(none defined)", ", ".join(self.brands)
        for bid, brand in self.brands.items():
            _all_known(brand.sources, self.sources, f"brands.{bid}.sources", "source",
                       f"define it under sources: or use one of {sources}")
        for bid, brand in self.brands.items():
            _all_known(brand.competitors, self.brands, f"brands.{bid}.competitors", "brand",
                       f"use one of {brands} (competitors are brands configured here too)")
        channels = [LOCAL_FILE, *(name for name in self.alerts.channels if name != LOCAL_FILE)]
        channel_fix = f"define it under alerts.channels: or use one of {', '.join(channels)}"
        for index, route in enumerate(self.alerts.routes):
            _all_known(route.brands, {"*", *self.brands}, f"alerts.routes[{index}].brands", "brand",
                       f"use '*' or one of {brands}")
            _all_known(route.channels, channels, f"alerts.routes[{index}].channels", "channel", channel_fix)
        _all_known(self.alerts.digest.channels, channels, "alerts.digest.channels", "channel", channel_fix)
        return self


def _all_known(names: tuple[str, ...], known: Collection[str], key: str, what: str, fix: str) -> None:
    for i, name in enumerate(names):
        if name not in known:
            raise problem(f"unknown {what} {name!r}", fix, key=f"{key}[{i}]")
