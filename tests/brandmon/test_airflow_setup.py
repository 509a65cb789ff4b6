"""Airflow on embedded defaults: secrets generated once, identical for every process, never in airflow.cfg."""

import os
import socket
import stat

from brandmon.airflow_setup import AirflowHome, airflow_env, pick_port

SECRETS = ("AIRFLOW__CORE__FERNET_KEY", "AIRFLOW__API_AUTH__JWT_SECRET", "AIRFLOW__API__SECRET_KEY")


def test_secrets_are_generated_once_private_and_shared_by_every_process(tmp_path):
    layout = AirflowHome(tmp_path / "state")
    first, second = airflow_env(layout, port=8123), airflow_env(layout, port=8123)
    assert all(first[k] and first[k] == second[k] for k in SECRETS)
    assert stat.S_IMODE(os.stat(layout.secrets_file).st_mode) == 0o600


def test_airflow_cfg_holds_no_secret_and_paths_are_absolute(tmp_path, monkeypatch):
    monkeypatch.delenv("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", raising=False)
    env = airflow_env(AirflowHome(tmp_path / "state"), port=8123)
    cfg = (tmp_path / "state" / "airflow" / "airflow.cfg").read_text()
    assert not any(env[k] in cfg for k in SECRETS)
    assert "fernet_key" not in cfg and "jwt_secret" not in cfg
    assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] == f"sqlite:///{tmp_path}/state/airflow/airflow.db"
    assert env["AIRFLOW__CORE__EXECUTOR"] == "LocalExecutor" and env["AIRFLOW__CORE__LOAD_EXAMPLES"] == "False"
    assert env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] == "http://127.0.0.1:8123/execution/"


def test_a_busy_port_is_replaced_by_a_free_one():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        taken = busy.getsockname()[1]
        chosen = pick_port(taken)
    assert chosen != taken and chosen > 0


def test_every_airflow_process_waits_for_sqlite_locks_instead_of_failing(tmp_path):
    import importlib

    env = airflow_env(AirflowHome(tmp_path / "state"), port=8123)
    module, name = env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONNECT_ARGS"].rsplit(".", 1)
    assert getattr(importlib.import_module(module), name)["timeout"] >= 30


def test_an_operators_own_metadata_database_wins(tmp_path, monkeypatch):
    monkeypatch.delenv("AIRFLOW__DATABASE__SQL_ALCHEMY_CONNECT_ARGS", raising=False)
    monkeypatch.setenv("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", "postgresql+psycopg2://airflow@127.0.0.1/airflow")
    env = airflow_env(AirflowHome(tmp_path / "state"), port=8123)
    assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].startswith("postgresql")
    assert "AIRFLOW__DATABASE__SQL_ALCHEMY_CONNECT_ARGS" not in env  # the SQLite lock wait is SQLite's only
