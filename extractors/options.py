"""Option parsing for sources (and, through `Options` and `settings_error`, for the whole config).

Every source kind's `Settings` is a frozen pydantic model derived from `SourceSettings`, built
with `Settings.parse(options, base_dir)`. The field types here say once what a number, a
choice, a URL, a time zone, a Connection id or a path may be; `HttpSettings` holds the
politeness options every web source shares (bounds in docs/sources.md). Whatever is wrong
becomes a `SettingsError` naming the key, the problem and the fix; `brandmon.config` turns
the same errors into `FILE: KEY: PROBLEM. Fix: FIX`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Annotated, Any, ClassVar, Self
from urllib.parse import quote, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainValidator,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import ErrorDetails, PydanticCustomError

from extractors.base import SettingsError

_ERROR = "brandmon"
_CONNECTION_ID = re.compile(r"[A-Za-z0-9_.-]+")


def problem(text: str, fix: str, key: str = "") -> PydanticCustomError:
    """A validation error in our words: what is wrong and how to fix it. `key` names the sub-key
    the error is about when the check runs above it (an unknown key, a rule across fields)."""
    return PydanticCustomError(_ERROR, "{problem}. Fix: {fix}", {"problem": text, "fix": fix, "key": key})


def settings_error(error: ErrorDetails) -> SettingsError:
    """One pydantic error as a SettingsError whose key is the path to the value (`a.b[0].c`)."""
    context = error.get("ctx") or {}
    parts = [part for part in error["loc"] if part != "[key]"] + ([context["key"]] if context.get("key") else [])
    key = ""
    for part in parts:
        key += f"[{part}]" if isinstance(part, int) else (f".{part}" if key else str(part))
    if error["type"] == _ERROR:
        return SettingsError(key, context["problem"], context["fix"])
    bound = {"greater_than_equal": ("ge", ">=", "at least"), "less_than_equal": ("le", "<=", "at most")}.get(error["type"])
    if bound:
        name, sign, words = bound
        limit = plain_number(context[name])
        return SettingsError(key, f"{error['input']!r} is not a number {sign} {limit}", f"write a number of {words} {limit}")
    return SettingsError(key, error["msg"], "see docs/configuration.md and docs/sources.md")


def plain_number(number: float) -> float:
    """`number` as written in a message: 1 rather than 1.0."""
    return int(number) if float(number).is_integer() else number


def expect_mapping(value: Any, fix: str) -> Mapping[str, Any]:
    """`value` if it is a mapping, else the problem saying what it is instead."""
    if not isinstance(value, Mapping):
        raise problem(f"expected a mapping, got {type(value).__name__}", fix)
    return value


def required(fix: str, **field: Any) -> Any:
    """A field that must be given; `fix` says what to write when it is missing (or null)."""
    return Field(None, validate_default=True, json_schema_extra={"fix": fix}, **field)


class Options(BaseModel):
    """A mapping of options whose keys are the model's fields: anything else is an error (unless
    the model allows extra keys). `FIX` says what to write when the value is not a mapping;
    `UNKNOWN` names an unknown key; fields made with `required` say what to write when missing.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)
    FIX: ClassVar[str] = "write a mapping of options"
    UNKNOWN: ClassVar[str] = "unknown key"

    @model_validator(mode="before")
    @classmethod
    def _a_mapping_of_known_keys(cls, data: Any) -> Any:
        expect_mapping(data, cls.FIX)
        if cls.model_config.get("extra") == "allow":
            return data
        keys = sorted(cls.model_fields)
        for key in data:
            if key not in keys:
                raise problem(cls.UNKNOWN, f"remove it or use one of {', '.join(keys)}", key=str(key))
        return data

    @field_validator("*", mode="before")
    @classmethod
    def _required_fields_are_given(cls, value: Any, info: ValidationInfo) -> Any:
        extra = cls.model_fields[str(info.field_name)].json_schema_extra
        if value is None and isinstance(extra, dict) and "fix" in extra:
            raise problem("missing", str(extra["fix"]))
        return value


class SourceSettings(Options):
    """The base of every source kind's `Settings`."""

    FIX: ClassVar[str] = "write the source's options as a mapping: {kind: rss, url: ...}"
    UNKNOWN: ClassVar[str] = "unknown option"

    @classmethod
    def parse(cls, options: Mapping[str, Any], base_dir: Path) -> Self:
        """Validated settings; relative paths are relative to `base_dir` (the config file's folder).

        Raises SettingsError naming the option, the problem and the fix.
        """
        try:
            return cls.model_validate(options, context={"base_dir": base_dir})
        except ValidationError as error:
            raise settings_error(error.errors()[0]) from None


# --- field types --------------------------------------------------------------------------------

def _number(value: Any) -> float:
    """A YAML number, or a number written as a string ("2.5"); never a boolean, NaN or infinity."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise problem(f"{value!r} is not a number", "write a number, e.g. 10")
    try:
        number = float(value)
    except ValueError:
        raise problem(f"{value!r} is not a number", "write a number, e.g. 10") from None
    if not math.isfinite(number):
        raise problem(f"{value!r} is not a number", "write a number, e.g. 10")
    return value if isinstance(value, (int, float)) else number


def _whole(value: Any) -> int:
    number = float(_number(value))
    if not number.is_integer():
        raise problem(f"{value!r} is not a whole number", "write a whole number, e.g. 3")
    return int(number)


def _flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise problem(f"{value!r} is not true or false", "write true or false")
    return value


def _text(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int, float)) or not str(value).strip():
        raise problem(f"{value!r} is not a non-empty string", "quote the value")
    return str(value).strip()


def _time_zone(value: Any) -> ZoneInfo:
    if isinstance(value, ZoneInfo):
        return value
    try:
        return ZoneInfo(str(value))
    except (ZoneInfoNotFoundError, ValueError):
        raise problem(f"{value!r} is not a time zone", "use an IANA name such as Asia/Shanghai") from None


def _encoding(value: Any) -> str:
    try:
        "".encode(str(value))
    except LookupError:
        raise problem(f"{value!r} is not a known encoding", "use e.g. gbk, gb18030, big5, utf-8") from None
    return str(value)


def _connection_id(value: Any) -> str:
    if not isinstance(value, str) or not _CONNECTION_ID.fullmatch(value):
        raise problem(f"{value!r} is not a Connection id",
                      "name the Airflow Connection that holds the cookie (letters, digits, _ . -), e.g. weibo_default")
    return value


def _relative_path(value: Any, info: ValidationInfo) -> str:
    path = Path(_text(value))
    base_dir = (info.context or {}).get("base_dir", Path("."))
    return str(path if path.is_absolute() else Path(base_dir) / path)


Number = Annotated[float, BeforeValidator(_number)]
Whole = Annotated[int, BeforeValidator(_whole)]
Flag = Annotated[bool, BeforeValidator(_flag)]
Text = Annotated[str, BeforeValidator(_text)]
TimeZone = Annotated[ZoneInfo, PlainValidator(_time_zone)]
Encoding = Annotated[str, BeforeValidator(_encoding)]
ConnectionId = Annotated[str, BeforeValidator(_connection_id)]
RelativePath = Annotated[str, BeforeValidator(_relative_path)]


def one_of(allowed: Iterable[Any], problem_text: str = "{!r} is not allowed", fix: str | None = None) -> BeforeValidator:
    """A value from `allowed`; the problem is `problem_text` with the value, the fix lists the
    choices unless `fix` is given."""
    choices = tuple(allowed)

    def check(value: Any) -> Any:
        if isinstance(value, bool) or value not in choices:
            raise problem(problem_text.format(value), fix or f"use one of {', '.join(map(str, choices))}")
        return value

    return BeforeValidator(check)


def http_url(fix: str, *, base: bool = False) -> BeforeValidator:
    """An http(s) URL with a host; a `base` URL loses its trailing slash (paths are appended to it)."""

    def check(value: Any) -> str:
        url = value.strip() if isinstance(value, str) else value
        parts = urlsplit(url) if isinstance(url, str) else None
        if parts is None or parts.scheme not in ("http", "https") or not parts.netloc or " " in url:
            raise problem(f"{value!r} is not an http(s) URL", fix)
        return url.rstrip("/") if base else url

    return BeforeValidator(check)


# --- settings shared by several kinds -------------------------------------------------------------

class HttpSettings(SourceSettings):
    """The politeness options of every web source, and its credential.

    `connection` names the Airflow Connection whose cookie (extra `cookie`, else the password)
    is sent; the DAG edge resolves it into `ExtractContext.secrets`.
    """

    timeout: Number = Field(20.0, ge=0.1)
    min_interval: Number = Field(1.0, ge=0)
    max_bytes: Whole = Field(5_000_000, ge=1)
    max_retries: Whole = Field(3, ge=0, le=10)
    backoff: Number = Field(1.0, ge=0)
    connection: ConnectionId | None = None

    def cookie(self, secrets: Mapping[str, str]) -> str | None:
        """The cookie to send: the Connection's extra `cookie`, else its password; None without
        a Connection or a cookie in it."""
        if not self.connection:
            return None
        for key in ("cookie", "password"):
            value = secrets.get(key)
            if isinstance(value, str) and value.strip():
                return value.strip()
        return None

    @property
    def auth_hint(self) -> str:
        """What ops must do when the source hits a login wall: renew the named Connection, or add one."""
        if self.connection:
            return f"renew the cookie in Airflow Connection {self.connection!r}"
        return "the site now requires a login: add `connection:` with a cookie to this source, or disable it"


def _platform(value: Any, info: ValidationInfo) -> str:
    """The platform stored with each post: as given, else the URL's host without `www.`."""
    if value is not None:
        return _text(value)
    return (urlsplit(str(info.data.get("url", ""))).hostname or "").removeprefix("www.")


TERMS = ("all", "primary")
QUERY_ENCODINGS = ("utf-8", "gb18030")


class PageSettings(HttpSettings):
    """A web page or feed URL with an optional `{query}`: the options rss and html_list share."""

    url: Annotated[str, http_url("set url: to the page address, with {query} where the search term goes")] = required(
        "set url: to the page address, with {query} where the search term goes")
    platform: Annotated[str, BeforeValidator(_platform)] = Field(None, validate_default=True)
    terms: Annotated[str, one_of(TERMS)] = "all"
    query_encoding: Annotated[str, one_of(QUERY_ENCODINGS)] = "utf-8"
    max_text_chars: Whole = Field(5000, ge=1)

    def search_urls(self, terms: Sequence[str]) -> list[str]:
        """`url` with `{query}` filled per search term (`terms: all`) or the first one (`primary`),
        each URL once; the URL itself when it has no `{query}`."""
        if "{query}" not in self.url:
            return [self.url]
        chosen = terms[:1] if self.terms == "primary" else terms
        return list(dict.fromkeys(self.url.replace("{query}", quote(term.encode(self.query_encoding), safe=""))
                                  for term in chosen))


FORMATS = ("auto", "jsonl", "json", "csv")


class FileSettings(SourceSettings):
    """Local JSONL/JSON/CSV files: the options archive and crawler_export share."""

    path: RelativePath = required("set path: to a .jsonl/.json/.csv file, a folder or a glob (relative to the config file)")
    format: Annotated[str, one_of(FORMATS, "{!r} is not a format")] = "auto"
    timezone: TimeZone = ZoneInfo("Asia/Shanghai")
