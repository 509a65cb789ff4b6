"""AIRFLOW_CONN_* read without Airflow: JSON and URI forms give the same fields."""

from brandmon.connections import env_connection, secrets_from_fields


def test_json_form():
    env = {"AIRFLOW_CONN_WEIBO_DEFAULT": '{"conn_type": "http", "password": "SUB=abc; SUBP=def", "extra": {"cookie": "c"}}'}
    fields = env_connection("weibo_default", env)
    assert fields["password"] == "SUB=abc; SUBP=def"
    assert secrets_from_fields(fields) == {"cookie": "c", "password": "SUB=abc; SUBP=def"}


def test_uri_form_with_escapes_and_extras():
    env = {"AIRFLOW_CONN_SMTP_PR": "smtp://bot%40example.com:p%40ss@mail.example.com:587/?starttls=true"}
    fields = env_connection("smtp_pr", env)
    assert (fields["login"], fields["password"], fields["host"], fields["port"]) == (
        "bot@example.com", "p@ss", "mail.example.com", 587)
    assert fields["extra"] == {"starttls": "true"}


def test_absent_connection_is_none():
    assert env_connection("nothing_here", {}) is None
    assert secrets_from_fields(None) == {}
