"""The alerts: block of config/brands.yaml: quiet hours, delivery retries, digest channels, route overrides."""

from datetime import datetime, time, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml

from brandmon.config import ConfigError, parse_config

BASE = {
    "brands": {"acme": {"keywords": ["艾克米"], "sources": ["history"]}},
    "sources": {"history": {"kind": "archive", "path": "posts.jsonl"}},
}


def parse(alerts, tmp_path: Path, **top):
    return parse_config({**BASE, **top, "alerts": alerts}, tmp_path / "brands.yaml")


def test_defaults_have_no_quiet_hours_and_daily_expiry(tmp_path):
    settings = parse({}, tmp_path).alerting
    assert settings.quiet_hours is None
    assert settings.delivery.expire_after == timedelta(hours=24)
    assert [settings.delivery.backoff(n) for n in (1, 2, 3, 10)] == [
        timedelta(minutes=1), timedelta(minutes=2), timedelta(minutes=4), timedelta(hours=1)]
    assert settings.digest.channels == ()
    assert settings.incidents.close_after == timedelta(hours=6)


def test_incidents_close_after_a_configured_quiet_period(tmp_path):
    assert parse({"incidents": {"close_after_hours": 1.5}}, tmp_path).alerting.incidents.close_after == timedelta(
        minutes=90)


def test_quiet_hours_default_to_the_config_time_zone_and_routes_inherit_or_override(tmp_path):
    alerts = yaml.safe_load("""
        quiet_hours: {start: "22:00", end: "08:00"}
        channels: {pr_file: {kind: file}}
        routes:
          - {channels: [pr_file]}
          - {channels: [local_file], quiet_hours: {start: "23:30", end: "07:00", timezone: Europe/Berlin}}
          - {channels: [pr_file], severities: [critical], quiet_hours: false}
    """)
    config = parse(alerts, tmp_path, timezone="Asia/Shanghai")
    quiet = config.alerting.quiet_hours
    assert (quiet.start, quiet.end, quiet.timezone) == (time(22), time(8), ZoneInfo("Asia/Shanghai"))
    inherited, own, off = config.alerting.routes
    assert inherited.quiet_hours == quiet
    assert (own.quiet_hours.start, own.quiet_hours.timezone.key) == (time(23, 30), "Europe/Berlin")
    assert off.quiet_hours is None


def test_quiet_hours_wrap_midnight_and_name_when_they_end(tmp_path):
    quiet = parse({"quiet_hours": {"start": "22:00", "end": "08:00"}}, tmp_path).alerting.quiet_hours
    shanghai = lambda h, m=0: datetime(2026, 11, 26, h, m, tzinfo=ZoneInfo("Asia/Shanghai"))  # noqa: E731
    assert [quiet.contains(shanghai(h)) for h in (21, 22, 23, 0, 7)] == [False, True, True, True, True]
    assert not quiet.contains(shanghai(8)) and not quiet.contains(shanghai(12))
    assert quiet.contains(datetime(2026, 11, 26, 15, 0, tzinfo=timezone.utc))  # 23:00 in Shanghai
    assert quiet.end_after(shanghai(23)) == shanghai(8) + timedelta(days=1)
    assert quiet.end_after(shanghai(3)) == shanghai(8)
    daytime = parse({"quiet_hours": {"start": "12:00", "end": "14:00"}}, tmp_path).alerting.quiet_hours
    assert daytime.contains(shanghai(13)) and not daytime.contains(shanghai(14)) and not daytime.contains(shanghai(2))


def test_delivery_and_digest_settings(tmp_path):
    alerts = {"channels": {"pr_file": {"kind": "file"}},
              "delivery": {"retry_initial_seconds": 30, "retry_max_seconds": 300, "expire_after_hours": 12,
                           "timeout_seconds": 5},
              "digest": {"channels": ["pr_file", "local_file"], "top_n": 8}}
    settings = parse(alerts, tmp_path).alerting
    assert settings.delivery.backoff(1) == timedelta(seconds=30)
    assert settings.delivery.backoff(9) == timedelta(minutes=5)
    assert (settings.delivery.expire_after, settings.delivery.timeout_seconds) == (timedelta(hours=12), 5)
    assert (settings.digest.channels, settings.digest.top_n) == (("pr_file", "local_file"), 8)


@pytest.mark.parametrize("alerts, key, words", [
    ({"quiet_hours": {"start": 1320, "end": "08:00"}}, "alerts.quiet_hours.start", 'quoted as "HH:MM"'),
    ({"quiet_hours": {"start": "25:00", "end": "08:00"}}, "alerts.quiet_hours.start", "not a time of day"),
    ({"quiet_hours": {"start": "08:00", "end": "08:00"}}, "alerts.quiet_hours", "start equals end"),
    ({"quiet_hours": {"start": "22:00", "end": "08:00", "timezone": "Mars/Base"}}, "alerts.quiet_hours.timezone",
     "not a time zone"),
    ({"quiet_hours": {"start": "22:00", "end": "08:00", "days": [1]}}, "alerts.quiet_hours.days", "unknown key"),
    ({"routes": [{"channels": ["local_file"], "quiet_hours": {"start": "x"}}]}, "alerts.routes[0].quiet_hours.start",
     "not a time of day"),
    ({"delivery": {"retry_initial_seconds": 0}}, "alerts.delivery.retry_initial_seconds", "not a number"),
    ({"delivery": {"retry_initial_seconds": 600, "retry_max_seconds": 60}}, "alerts.delivery.retry_max_seconds",
     ">= 600"),
    ({"delivery": {"retries": 3}}, "alerts.delivery.retries", "unknown key"),
    ({"incidents": {"close_after_hours": 0}}, "alerts.incidents.close_after_hours", "not a number >= 0.25"),
    ({"incidents": {"quiet": 3}}, "alerts.incidents.quiet", "unknown key"),
    ({"digest": {"channels": ["nowhere"]}}, "alerts.digest.channels[0]", "unknown channel 'nowhere'"),
    ({"dashboard_url": "airflow.example.com/brandmon"}, "alerts.dashboard_url", "not an http(s) URL"),
    ({"dashboard_url": "javascript:alert(1)"}, "alerts.dashboard_url", "not an http(s) URL"),
])
def test_errors_name_the_key_and_the_fix(tmp_path, alerts, key, words):
    with pytest.raises(ConfigError) as error:
        parse(alerts, tmp_path)
    assert error.value.key == key and words in str(error.value) and "Fix:" in str(error.value)


def test_the_dashboard_url_reaches_the_alert_settings(tmp_path):
    assert parse({}, tmp_path).alerting.dashboard_url is None
    url = "https://airflow.example.com/brandmon"
    assert parse({"dashboard_url": url}, tmp_path).alerting.dashboard_url == url


def test_unquoted_yaml_times_are_refused_with_a_fix(tmp_path):
    alerts = yaml.safe_load("quiet_hours: {start: 22:00, end: '08:00'}")  # YAML 1.1 reads 22:00 as 1320
    with pytest.raises(ConfigError, match='write it quoted as "HH:MM"'):
        parse(alerts, tmp_path)
