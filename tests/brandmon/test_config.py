"""config/brands.yaml: the shipped file loads; every error names the file, the key and the fix."""

from pathlib import Path

import pytest
import yaml

from brandmon.config import DEFAULT_CONFIG, ConfigError, load_config, parse_config, read_schedule

MINIMAL = {
    "brands": {"acme": {"keywords": ["艾克米"], "sources": ["history"], "competitors": ["rival"]},
               "rival": {"keywords": ["对手"], "sources": ["history"]}},
    "sources": {"history": {"kind": "archive", "path": "posts.jsonl"}},
}


@pytest.fixture(autouse=True)
def no_overrides(monkeypatch):
    monkeypatch.delenv("BRANDMON_STATE_DIR", raising=False)
    monkeypatch.delenv("BRANDMON_CONFIG", raising=False)


def parse(doc, tmp_path: Path):
    return parse_config(doc, tmp_path / "brands.yaml")


def channels_for(config, brand: str, severity: str, audience: str) -> tuple[str, ...]:
    """The channel names the one routing rule (alerts.settings) picks for an alert."""
    return tuple(name for name, _quiet in config.alerting.routed_channels(brand, severity, audience))


def test_the_shipped_config_is_valid():
    config = load_config(DEFAULT_CONFIG)
    assert config.brands and config.sources
    assert config.schedule.cron == "*/15 * * * *"
    assert config.timezone.key == "Asia/Shanghai"


def test_defaults_fill_schedule_storage_and_channels(tmp_path):
    config = parse(MINIMAL, tmp_path)
    assert config.schedule.interval.total_seconds() == 900
    assert config.schedule.lookback.total_seconds() == 1800
    assert config.state_dir == (tmp_path / ".." / "state").resolve()
    assert channels_for(config, "acme", "warning", "pr") == ("local_file",)
    assert config.brands["acme"].query().terms == ("艾克米",)


def test_relative_source_paths_are_relative_to_the_config_file(tmp_path):
    config = parse(MINIMAL, tmp_path)
    assert config.sources["history"].settings.path == str(tmp_path / "posts.jsonl")


def test_state_dir_can_be_overridden_by_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("BRANDMON_STATE_DIR", str(tmp_path / "elsewhere"))
    assert parse(MINIMAL, tmp_path).state_dir == (tmp_path / "elsewhere").resolve()


@pytest.mark.parametrize("mutate, key, words", [
    (lambda d: d["brands"]["acme"].update(sources=["news"]), "brands.acme.sources[0]", "unknown source 'news'"),
    (lambda d: d["brands"]["acme"].update(keywords=[]), "brands.acme.keywords", "empty"),
    (lambda d: d["brands"]["acme"].pop("keywords"), "brands.acme.keywords", "missing"),
    (lambda d: d["brands"]["acme"].update(competitors=["nobody"]), "brands.acme.competitors[0]", "unknown brand"),
    (lambda d: d["sources"]["history"].update(kind="ftp"), "sources.history.kind", "unknown kind 'ftp'"),
    (lambda d: d["sources"]["history"].pop("path"), "sources.history.path", "missing"),
    (lambda d: d.update(timezone="Mars/Olympus"), "timezone", "not a time zone"),
    (lambda d: d.update(schedule={"interval_minutes": 7}), "schedule.interval_minutes", "does not divide"),
    (lambda d: d.update(colour="blue"), "colour", "unknown key"),
    (lambda d: d["brands"]["acme"].update(keyword=["x"]), "brands.acme.keyword", "unknown key"),
    (lambda d: d.update(brands={"Bad-Id": {"keywords": ["x"], "sources": ["history"]}}), "brands.Bad-Id", "not a valid id"),
])
def test_errors_name_file_key_and_fix(tmp_path, mutate, key, words):
    doc = yaml.safe_load(yaml.safe_dump(MINIMAL))
    mutate(doc)
    with pytest.raises(ConfigError) as caught:
        parse(doc, tmp_path)
    message = str(caught.value)
    assert message.startswith(f"{tmp_path / 'brands.yaml'}: {key}: ")
    assert words in message
    assert "Fix: " in message


def test_secrets_in_a_channel_are_refused(tmp_path):
    doc = yaml.safe_load(yaml.safe_dump(MINIMAL))
    doc["alerts"] = {"channels": {"pr": {"kind": "webhook", "connection": "pr_hook", "url": "https://x/y?token=1"}}}
    with pytest.raises(ConfigError, match=r"alerts\.channels\.pr\.url: secrets and endpoints do not belong"):
        parse(doc, tmp_path)


def test_a_channel_needs_a_connection(tmp_path):
    doc = yaml.safe_load(yaml.safe_dump(MINIMAL))
    doc["alerts"] = {"channels": {"pr": {"kind": "email", "to": ["pr@example.com"]}}}
    with pytest.raises(ConfigError, match=r"alerts\.channels\.pr\.connection: missing"):
        parse(doc, tmp_path)


def test_routes_pick_channels_by_brand_severity_and_audience(tmp_path):
    doc = yaml.safe_load(yaml.safe_dump(MINIMAL))
    doc["alerts"] = {
        "channels": {"pr_mail": {"kind": "email", "connection": "smtp_pr", "to": ["pr@example.com"]},
                     "ops_hook": {"kind": "webhook", "connection": "ops_hook"}},
        "routes": [{"brands": ["acme"], "severities": ["critical"], "channels": ["pr_mail"]},
                   {"brands": ["*"], "channels": ["ops_hook"], "audience": "ops"}],
    }
    config = parse(doc, tmp_path)
    assert channels_for(config, "acme", "critical", "pr") == ("pr_mail",)
    assert channels_for(config, "acme", "warning", "pr") == ("local_file",)
    assert channels_for(config, "rival", "info", "ops") == ("ops_hook",)


def test_missing_file_and_broken_yaml_are_explained(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "nope.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("brands: [\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(broken)


def test_the_dags_read_only_the_schedule_and_time_zone(tmp_path):
    doc = yaml.safe_load(yaml.safe_dump(MINIMAL))
    doc.update(timezone="Europe/Berlin", schedule={"interval_minutes": 30})
    doc["sources"]["history"]["kind"] = "ftp"  # validated when a task loads the whole file, not at parse time
    path = tmp_path / "brands.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    schedule, zone = read_schedule(path)
    assert (schedule.cron, schedule.lookback.total_seconds(), zone.key) == ("*/30 * * * *", 1800, "Europe/Berlin")
    with pytest.raises(ConfigError, match="unknown kind 'ftp'"):
        load_config(path)
    path.write_text("schedule: {interval_minutes: 7}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"schedule\.interval_minutes: 7 does not divide"):
        read_schedule(path)


def test_products_and_the_user_dictionary_are_the_phrases_topics_keep_whole(tmp_path):
    (tmp_path / "words.txt").write_text("# 用户词典\n摄像头  # a word a line\n\n生椰拿铁\n摄像头\n", encoding="utf-8")
    doc = {**MINIMAL, "topics": {"dictionary": "words.txt"}}
    doc["brands"] = {**MINIMAL["brands"], "acme": {**MINIMAL["brands"]["acme"], "aliases": ["ACME"],
                                                   "products": ["艾克米Pro", "生椰拿铁"]}}
    config = parse(doc, tmp_path)
    assert config.brands["acme"].products == ("艾克米Pro", "生椰拿铁")
    assert config.brands["acme"].query().terms == ("艾克米", "ACME")  # a product alone is not a mention
    assert config.dictionary == ("摄像头", "生椰拿铁")
    assert config.topic_phrases == ("艾克米", "ACME", "艾克米Pro", "生椰拿铁", "对手", "摄像头")
    assert parse(MINIMAL, tmp_path).dictionary == ()


def test_a_missing_dictionary_file_names_the_key_and_the_path(tmp_path):
    with pytest.raises(ConfigError) as error:
        parse({**MINIMAL, "topics": {"dictionary": "missing.txt"}}, tmp_path)
    assert error.value.key == "topics.dictionary" and str(tmp_path / "missing.txt") in error.value.problem
    (tmp_path / "gbk.txt").write_bytes("摄像头".encode("gbk"))
    with pytest.raises(ConfigError, match="UTF-8"):
        parse({**MINIMAL, "topics": {"dictionary": "gbk.txt"}}, tmp_path)


def test_the_engines_default_to_embedded_and_one_setting_scales_out(tmp_path):
    from brandmon.config import read_runtime

    assert not parse(MINIMAL, tmp_path).runtime.celery
    assert not load_config(DEFAULT_CONFIG).runtime.celery  # `make run` stays on SQLite + LocalExecutor
    doc = dict(MINIMAL, airflow={"executor": "celery", "workers": 3})
    runtime = parse(doc, tmp_path).runtime
    assert (runtime.celery, runtime.workers, runtime.worker_concurrency) == (True, 3, 2)
    assert (runtime.metadata_db, runtime.broker) == ("postgresql://127.0.0.1:5432/brandmon", "redis://127.0.0.1:6379/0")
    path = tmp_path / "brands.yaml"
    doc["sources"] = {"history": {"kind": "ftp"}}  # read_runtime reads its section alone, like read_schedule
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    assert read_runtime(path) == runtime


@pytest.mark.parametrize("top, section, key, words", [
    ("airflow", {"executor": "kubernetes"}, "airflow.executor", "unknown executor 'kubernetes'"),
    ("airflow", {"workers": 0}, "airflow.workers", "not a number >= 1"),
    ("airflow", {"metadata_db": "mysql://127.0.0.1/airflow"}, "airflow.metadata_db", "is not a postgresql://"),
    ("airflow", {"metadata_db": "postgresql://airflow:s3cret@127.0.0.1/airflow"}, "airflow.metadata_db",
     "a password does not belong in the config file"),
    ("airflow", {"broker": "redis://:s3cret@127.0.0.1:6379/0"}, "airflow.broker", "AIRFLOW__CELERY__BROKER_URL"),
    ("airflow", {"broker": "amqp://127.0.0.1"}, "airflow.broker", "is not a redis:// or rediss:// URL"),
    ("airflow", {"broker": "amqp://guest:s3cret@127.0.0.1"}, "airflow.broker", "a password does not belong"),
    ("airflow", {"queue": "x"}, "airflow.queue", "unknown key"),
    ("storage", {"warehouse": "s3"}, "storage.warehouse", "unknown warehouse 's3'"),
    ("storage", {"warehouse": "lake", "lake_catalog": "mysql://127.0.0.1/lake"}, "storage.lake_catalog", "is not a postgresql://"),
    ("storage", {"warehouse": "lake", "lake_catalog": "postgresql://lake:s3cret@127.0.0.1/lake"}, "storage.lake_catalog",
     "a password does not belong in the config file"),
    ("storage", {"lake_data_path": "shared/lake"}, "storage", "for warehouse: lake"),
])
def test_a_wrong_engine_or_storage_setting_names_the_key_and_keeps_secrets_out(tmp_path, top, section, key, words):
    with pytest.raises(ConfigError) as caught:
        parse(dict(MINIMAL, **{top: section}), tmp_path)
    assert f": {key}: " in str(caught.value) and words in str(caught.value)
    assert "s3cret" not in str(caught.value)


def test_the_warehouse_is_a_file_by_default_and_one_setting_makes_it_a_shared_lake(tmp_path):
    from warehouse.storage import FileStorage, LakeStorage

    state = (tmp_path / ".." / "state").resolve() / "warehouse"
    assert parse(MINIMAL, tmp_path).warehouse == FileStorage(state / "brandmon.duckdb", state / "brandmon_read.duckdb")
    assert isinstance(load_config(DEFAULT_CONFIG).warehouse, FileStorage)  # `make run` stays on one file
    on_host = parse(dict(MINIMAL, storage={"warehouse": "lake"}), tmp_path).warehouse
    assert on_host == LakeStorage(data_path=state / "lake", lock=state / "lake.lock",
                                  sqlite_file=state / "catalog.sqlite", import_from=state / "brandmon.duckdb")
    catalog = "postgresql://postgres@127.0.0.1:5432/brandmon_lake"
    shared = parse(dict(MINIMAL, storage={"warehouse": "lake", "lake_catalog": catalog,
                                          "lake_data_path": "shared/lake"}), tmp_path).warehouse
    assert (shared.postgres, shared.sqlite_file, shared.data_path) == (catalog, None, tmp_path / "shared" / "lake")

