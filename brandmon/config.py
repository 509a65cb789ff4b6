"""`config/brands.yaml`: loading and validation.

The file's shape is a set of pydantic models (`ConfigFile` and its sections); every error names
the file, the key path and the fix, e.g. `config/brands.yaml: brands.acme.sources[1]: unknown
source 'news'. Fix: define it under sources: or use one of ...`. The validated file becomes a
`Config` of typed records: brands, sources with their kind's settings, and the `AlertSettings`
the alerts floor reads. Secrets never live here: sources and channels name Airflow Connections
(`connection: weibo_default`) instead.

`read_schedule` is the cheap read the DAG files do when the scheduler parses them: the time
zone and the schedule only, without importing any source kind. `read_runtime` is the same for
the `airflow:` section, which `brandmon.airflow_setup` reads to choose Airflow's engines.
"""

from __future__ import annotations

import os
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import time, timedelta
from pathlib import Path
from typing import Annotated, Any, Self, TypeVar
from urllib.parse import urlsplit
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
    IncidentSettings,
    NamedBrand,
    QuietHours,
    Route,
)
from extractors.base import BrandQuery, SettingsError
from extractors.cascade import SPREAD_KINDS, spread_module
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
from extractors.record import VERIFIED_KINDS
from extractors.registry import KINDS, source_module
from transforms.spread import SpreadRule
from warehouse.storage import FileStorage, LakeStorage, Storage

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


EXECUTORS = ("local", "celery")
WAREHOUSES = ("file", "lake")


@dataclass(frozen=True)
class Runtime:
    """Which engines run Airflow: `local` is SQLite metadata and the LocalExecutor (`make run`);
    `celery` is metadata in PostgreSQL and the CeleryExecutor on Redis with `workers` workers
    that `brandmon run` starts (docs/decisions/0002-executor-and-metadata.md)."""

    executor: str = "local"
    workers: int = 2
    worker_concurrency: int = 2
    metadata_db: str = "postgresql://127.0.0.1:5432/brandmon"
    broker: str = "redis://127.0.0.1:6379/0"

    @property
    def celery(self) -> bool:
        return self.executor == "celery"


@dataclass(frozen=True)
class SpreadSource:
    """Where one platform's spread is fetched: a spread kind (extractors.cascade), its settings and
    the Connection they name."""

    platform: str
    kind: str
    settings: SourceSettings
    connection: str | None = None


@dataclass(frozen=True)
class Spread:
    """Which posts' spread is fetched, how much per run, and the metrics' rule (docs/configuration.md
    `spread`): posts of `platforms` published within `max_age` of the run's end whose author has
    `min_followers` or a verification in `verified`, or whose complaint severity is in `severities`,
    with `min_reposts` reposts or an unknown count, not fetched within `refetch_after`; the riskiest
    `max_posts`, within `max_requests` HTTP requests per run."""

    platforms: Mapping[str, SpreadSource] = field(default_factory=dict)
    min_followers: int = 10_000
    verified: tuple[str, ...] = ("media", "government")
    severities: tuple[str, ...] = ("severe",)
    min_reposts: int = 10
    max_age: timedelta = timedelta(hours=48)
    refetch_after: timedelta = timedelta(minutes=60)
    max_posts: int = 10
    max_requests: int = 40
    rule: SpreadRule = SpreadRule()


@dataclass(frozen=True)
class Config:
    """The validated config file; `alerting` is what the alerts floor reads."""

    path: Path
    timezone: ZoneInfo
    schedule: Schedule
    state_dir: Path
    warehouse: Storage
    brands: Mapping[str, Brand]
    sources: Mapping[str, Source]
    alerting: AlertSettings
    detection: Mapping[str, Any] = field(default_factory=dict)
    monitoring: Monitoring = Monitoring()
    spread: Spread = Spread()
    runtime: Runtime = Runtime()
    dictionary: tuple[str, ...] = ()  # the user dictionary's words (`topics.dictionary`)

    @property
    def topic_phrases(self) -> tuple[str, ...]:
        """What topic terms keep whole: every brand's keywords, aliases and products, then the user dictionary."""
        found = [term for brand in self.brands.values() for term in (*brand.terms, *brand.products)]
        return tuple(dict.fromkeys([*found, *self.dictionary]))

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


def read_runtime(path: Path | str | None = None) -> Runtime:
    """The `airflow:` section alone, validated: which engines every Airflow process of ours uses."""
    path = config_path(path)
    raw = _read_yaml(path)
    section = {"airflow": raw["airflow"]} if isinstance(raw, Mapping) and "airflow" in raw else {}
    return _runtime(_validate(RuntimeFile, section, path).airflow)


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
                  warehouse=_storage(spec.storage, path.parent, state_dir),
                  brands=brands, sources=sources, detection=dict(spec.detection), monitoring=monitoring,
                  runtime=_runtime(spec.airflow), alerting=_alerting(spec, path.parent, state_dir, brands, sources),
                  spread=_spread(spec.spread), dictionary=spec.topics.dictionary)


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


def _storage(spec: StorageFile, base_dir: Path, state_dir: Path) -> Storage:
    folder = state_dir / "warehouse"
    if spec.warehouse == "file":
        return FileStorage(path=folder / "brandmon.duckdb", published=folder / "brandmon_read.duckdb")
    data_path = (base_dir / spec.lake_data_path).resolve() if spec.lake_data_path else folder / "lake"
    catalog = {"postgres": spec.lake_catalog} if spec.lake_catalog else {"sqlite_file": folder / "catalog.sqlite"}
    return LakeStorage(data_path=data_path, lock=folder / "lake.lock", import_from=folder / "brandmon.duckdb", **catalog)


def _runtime(spec: AirflowFile) -> Runtime:
    return Runtime(executor=spec.executor, workers=spec.workers, worker_concurrency=spec.worker_concurrency,
                   metadata_db=spec.metadata_db, broker=spec.broker)


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
        incidents=IncidentSettings(close_after=timedelta(hours=alerts.incidents.close_after_hours)),
        source_connections={name: source.connection for name, source in sources.items()},
        dashboard_url=alerts.dashboard_url)


def _spread(spec: SpreadFile) -> Spread:
    minutes = timedelta(minutes=1)
    platforms = {platform: SpreadSource(platform, kind, settings,
                                        settings.connection if isinstance(settings, HttpSettings) else None)
                 for platform, (kind, settings) in spec.platforms.items()}
    rule = SpreadRule(recent=spec.recent_minutes * minutes, min_before=spec.min_before_minutes * minutes,
                      early=spec.early_minutes * minutes, ratio=spec.acceleration_ratio, alpha=spec.significance,
                      min_recent=spec.min_recent_reposts, large_reach=spec.large_reach_followers,
                      top=spec.top_amplifiers)
    return Spread(platforms=platforms, min_followers=spec.min_followers, verified=spec.verified,
                  severities=spec.severities, min_reposts=spec.min_reposts, max_age=timedelta(hours=spec.max_age_hours),
                  refetch_after=spec.refetch_minutes * minutes, max_posts=spec.max_posts,
                  max_requests=spec.max_requests, rule=rule)


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


def _http_url(value: str | None) -> str | None:
    if value is not None and (urlsplit(value).scheme not in ("http", "https") or not urlsplit(value).netloc):
        raise problem(f"{value!r} is not an http(s) URL",
                      "write the dashboard's address as PR teams open it, e.g. http://airflow.example.com:8080/brandmon")
    return value


def _kind_settings(value: Any, info: ValidationInfo, kinds: Collection[str], module: Any, what: str,
                   example: str) -> tuple[str, SourceSettings]:
    """(kind, the kind's validated settings) of one entry naming a `kind` among `kinds`, whose
    module (`module(kind)`) has the Settings; `what` and `example` word the errors."""
    kind = expect_mapping(value, f"write {example}").get("kind")
    if kind not in kinds:
        raise problem(f"unknown {what} {kind!r}", f"use one of {', '.join(sorted(kinds))}", key="kind")
    options = {key: option for key, option in value.items() if key != "kind"}
    try:
        return kind, module(kind).Settings.parse(options, (info.context or {}).get("base_dir", Path(".")))
    except SettingsError as error:
        raise problem(error.problem, error.fix, key=error.key) from None


def _source(value: Any, info: ValidationInfo) -> tuple[str, SourceSettings]:
    """(kind, the kind's validated settings) of one `sources:` entry."""
    return _kind_settings(value, info, KINDS, source_module, "kind", "{kind: rss, url: ...}")


def _spread_source(value: Any, info: ValidationInfo) -> tuple[str, SourceSettings]:
    """(kind, the spread kind's validated settings) of one `spread.platforms:` entry."""
    return _kind_settings(value, info, SPREAD_KINDS, spread_module, "spread kind", "{kind: weibo}")


Id = Annotated[str, BeforeValidator(_identifier)]
Term = Annotated[str, BeforeValidator(_term)]
Terms = Annotated[tuple[Term, ...], BeforeValidator(_one_or_many)]
RequiredTerms = Annotated[tuple[Term, ...], BeforeValidator(_one_or_many), AfterValidator(_not_empty)]
Clock = Annotated[time, PlainValidator(_clock)]
SourceEntry = Annotated[tuple[str, SourceSettings], PlainValidator(_source)]
SpreadEntry = Annotated[tuple[str, SourceSettings], PlainValidator(_spread_source)]
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
    FIX = "write storage: {state_dir: ../state} (warehouse: file or lake, see docs/configuration.md)"

    state_dir: Text = "../state"
    warehouse: Annotated[str, one_of(WAREHOUSES, "unknown warehouse {!r}",
                                     "use file (one DuckDB file, published once per run) or lake (DuckLake)")] = "file"
    lake_catalog: Annotated[str | None, _service_url(
        ("postgresql",), "postgresql://postgres@127.0.0.1:5432/brandmon_lake",
        "give it to PostgreSQL through PGPASSWORD or ~/.pgpass")] = None
    lake_data_path: Text | None = None

    @model_validator(mode="after")
    def _lake_keys_need_a_lake(self) -> Self:
        if self.warehouse != "lake" and (self.lake_catalog or self.lake_data_path):
            raise problem("lake_catalog and lake_data_path are for warehouse: lake", "add warehouse: lake or remove them")
        return self


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


class IncidentsFile(Options):
    FIX = "write incidents: {close_after_hours: 6}"

    close_after_hours: Number = Field(6, ge=0.25)  # an incident closes after this long without a new alert


class AlertsFile(Options):
    FIX = "write alerts: {channels: ..., routes: ...}"

    quiet_hours: QuietHoursFile | None = None
    channels: Annotated[dict[Id, ChannelFile], _mapping("map channel names to {kind: ...}")] = {}
    routes: Annotated[tuple[RouteFile, ...], BeforeValidator(_list)] = ()
    languages: Annotated[tuple[Language, ...], BeforeValidator(_list)] = ("zh", "en")
    max_alert_age_hours: Number = Field(6, ge=0.25)
    delivery: DeliveryFile = DeliveryFile()
    digest: DigestFile = DigestFile()
    incidents: IncidentsFile = IncidentsFile()
    dashboard_url: Annotated[str | None, AfterValidator(_http_url)] = None


class SpreadFile(Options):
    """`spread:`: which posts' reposts are fetched, the budget, and the acceleration rule."""

    FIX = "write spread: {platforms: {weibo: {kind: weibo}}, max_requests: 40}"

    platforms: Annotated[dict[Term, SpreadEntry], _mapping("map platforms to {kind: weibo} (or {} for none)")] = Field(
        default_factory=lambda: {"weibo": {"kind": "weibo"}}, validate_default=True)
    min_followers: Whole = Field(10_000, ge=0)
    verified: Annotated[tuple[Annotated[str, one_of(VERIFIED_KINDS, "unknown verification {!r}")], ...],
                        BeforeValidator(_one_or_many)] = ("media", "government")
    severities: Annotated[tuple[Annotated[str, one_of(("normal", "severe"), "unknown severity {!r}")], ...],
                          BeforeValidator(_one_or_many)] = ("severe",)
    min_reposts: Whole = Field(10, ge=0)
    max_age_hours: Number = Field(48, gt=0)
    refetch_minutes: Number = Field(60, ge=0)
    max_posts: Whole = Field(10, ge=0, le=200)
    max_requests: Whole = Field(40, ge=0, le=2000)
    recent_minutes: Whole = Field(30, ge=5)
    min_before_minutes: Whole = Field(30, ge=0)
    early_minutes: Whole = Field(60, ge=5)
    acceleration_ratio: Number = Field(2.0, ge=1)
    significance: Number = Field(0.01, gt=0, lt=1)
    min_recent_reposts: Whole = Field(5, ge=1)
    large_reach_followers: Whole = Field(10_000, ge=1)
    top_amplifiers: Whole = Field(5, ge=1, le=50)


def _service_url(schemes: tuple[str, ...], example: str, secret_home: str) -> BeforeValidator:
    """A URL of one of `schemes` with a host and without a password (secrets stay out of the file)."""

    def check(value: Any) -> str:
        parts = urlsplit(value.strip()) if isinstance(value, str) else None
        if parts is not None and parts.password is not None:  # checked first: the message never shows it
            raise problem("a password does not belong in the config file", f"leave it out and {secret_home}")
        if parts is None or parts.scheme not in schemes or not parts.hostname:
            raise problem(f"{value!r} is not a {' or '.join(s + '://' for s in schemes)} URL", f"write e.g. {example}")
        return value.strip()

    return BeforeValidator(check)


class AirflowFile(Options):
    FIX = "write airflow: {executor: local} (or celery, see docs/configuration.md)"

    executor: Annotated[str, one_of(EXECUTORS, "unknown executor {!r}",
                                    "use local (SQLite, LocalExecutor) or celery (PostgreSQL, Celery on Redis)")] = "local"
    workers: Whole = Field(2, ge=1, le=16)
    worker_concurrency: Whole = Field(2, ge=1, le=32)
    metadata_db: Annotated[str, _service_url(
        ("postgresql", "postgresql+psycopg2"), "postgresql://127.0.0.1:5432/brandmon",
        "give it to PostgreSQL through PGPASSWORD or ~/.pgpass, or set AIRFLOW__DATABASE__SQL_ALCHEMY_CONN")
    ] = "postgresql://127.0.0.1:5432/brandmon"
    broker: Annotated[str, _service_url(
        ("redis", "rediss"), "redis://127.0.0.1:6379/0", "set the whole URL in AIRFLOW__CELERY__BROKER_URL")
    ] = "redis://127.0.0.1:6379/0"


class RuntimeFile(Options):
    """The key `brandmon.airflow_setup` reads before starting Airflow: its engines."""

    FIX = "write a YAML mapping"

    airflow: AirflowFile = AirflowFile()


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
    spread: SpreadFile = Field(default_factory=SpreadFile)  # built when a task loads the file, not at import
    airflow: AirflowFile = AirflowFile()
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
