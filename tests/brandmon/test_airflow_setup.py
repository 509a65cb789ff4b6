"""Airflow on embedded defaults: secrets generated once, identical for every process, never in airflow.cfg."""

import json
import os
import socket
import stat
import subprocess
import sys

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


def fake_airflow(tmp_path, failures: int):
    """An `airflow` stand-in that SQLite-locks `failures` times, then succeeds (counts its calls)."""
    script = tmp_path / "airflow"
    script.write_text(f"""#!/bin/sh
n=$(cat {tmp_path}/calls 2>/dev/null || echo 0); n=$((n+1)); echo $n > {tmp_path}/calls
if [ $n -le {failures} ]; then echo "sqlite3.OperationalError: database is locked" >&2; exit 1; fi
echo "created backfill"
""")
    script.chmod(0o755)
    return str(script)


def test_a_command_refused_as_locked_is_repeated(tmp_path, monkeypatch):
    from brandmon import airflow_setup

    monkeypatch.setattr(airflow_setup, "airflow_bin", lambda: fake_airflow(tmp_path, failures=2))
    monkeypatch.setattr(airflow_setup.time, "sleep", lambda seconds: None)
    done = airflow_setup.run_airflow(["backfill", "create"], env=dict(os.environ))
    assert done.stdout.strip() == "created backfill"
    assert (tmp_path / "calls").read_text().strip() == "3"
    assert airflow_setup.stream_airflow(["backfill", "create"], env=dict(os.environ)) == 0


def test_other_failures_are_not_repeated_and_say_what_airflow_said(tmp_path, monkeypatch):
    import pytest

    from brandmon import airflow_setup

    script = tmp_path / "airflow"
    script.write_text(f"#!/bin/sh\necho x >> {tmp_path}/calls\necho 'DAG nope not found' >&2\nexit 1\n")
    script.chmod(0o755)
    monkeypatch.setattr(airflow_setup, "airflow_bin", lambda: str(script))
    with pytest.raises(airflow_setup.AirflowCommandError, match="DAG nope not found"):
        airflow_setup.run_airflow(["dags", "trigger", "nope"], env=dict(os.environ))
    assert (tmp_path / "calls").read_text().count("x") == 1


def test_the_admin_password_is_generated_once_into_a_private_file(tmp_path):
    layout = AirflowHome(tmp_path / "state")
    airflow_env(layout, port=8123)
    first = layout.passwords_file.read_text()
    airflow_env(layout, port=8123)
    assert layout.passwords_file.read_text() == first and len(json.loads(first)["admin"]) >= 16
    assert stat.S_IMODE(os.stat(layout.passwords_file).st_mode) == 0o600


def test_one_brandmon_process_holds_a_state_folder_and_a_second_is_refused(tmp_path):
    import pytest

    from brandmon.airflow_setup import InstanceBusy, instance_lock, instance_running

    layout = AirflowHome(tmp_path / "state")
    assert not instance_running(layout)
    with instance_lock(layout):
        assert instance_running(layout)
        # another process tries: flock locks belong to the open file, so a child shows it
        child = subprocess.run([sys.executable, "-c", (
            "from pathlib import Path; from brandmon.airflow_setup import AirflowHome, instance_lock\n"
            f"with instance_lock(AirflowHome(Path({str(layout.state_dir)!r}))): pass")],
            capture_output=True, text=True)
        assert child.returncode != 0
        assert "another brandmon process (pid" in child.stderr and str(layout.state_dir) in child.stderr
        with pytest.raises(InstanceBusy):
            with instance_lock(layout):
                pass
    assert not instance_running(layout)


def test_the_scheduler_serves_no_logs_on_a_public_port_and_files_stay_private(tmp_path, monkeypatch):
    from brandmon import airflow_setup

    script = tmp_path / "airflow"
    script.write_text(f"#!/bin/sh\necho \"$@\" >> {tmp_path}/calls\numask >> {tmp_path}/calls\n")
    script.chmod(0o755)
    monkeypatch.setattr(airflow_setup, "airflow_bin", lambda: str(script))
    components = airflow_setup.Components(airflow_env(AirflowHome(tmp_path / "state"), port=8123), tmp_path / "logs")
    components.start()
    for proc in components.procs:
        proc.wait(timeout=10)
    calls = (tmp_path / "calls").read_text().split()
    assert "--skip-serve-logs" in calls
    assert calls.count("0077") == 3
    assert components.alive() == [] and all("exit 0" in d for d in components.dead())


def test_airflow_reads_dates_without_a_zone_in_the_configured_one(tmp_path, monkeypatch):
    config = tmp_path / "brands.yaml"
    config.write_text("timezone: Europe/Berlin\nbrands: {}\nsources: {}\n")
    monkeypatch.setenv("BRANDMON_CONFIG", str(config))
    assert airflow_env(AirflowHome(tmp_path / "state"), port=8123)["AIRFLOW__CORE__DEFAULT_TIMEZONE"] == "Europe/Berlin"
    config.write_text("timezone: [not, a, zone]\n")
    assert airflow_env(AirflowHome(tmp_path / "state"), port=8123)["AIRFLOW__CORE__DEFAULT_TIMEZONE"] == "UTC"


def test_an_api_server_that_never_answers_is_retried_then_named(monkeypatch):
    import socket

    import httpx
    import pytest

    from brandmon import airflow_setup as af

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)  # connections queue up, nothing is ever read or answered
    port = listener.getsockname()[1]
    monkeypatch.setattr(af.time, "sleep", lambda seconds: None)
    api = object.__new__(af.AirflowApi)
    api.port = port
    api.client = httpx.Client(base_url=f"http://127.0.0.1:{port}/api/v2", timeout=0.2)
    try:
        with pytest.raises(af.AirflowUnreachable, match=f"port {port} did not answer GET /dags/brand_monitor"):
            api.dag_exists("brand_monitor")
    finally:
        api.close()
        listener.close()


def test_sigterm_and_sighup_stop_a_session_like_ctrl_c_and_the_old_handlers_come_back():
    import os
    import signal
    import time

    import pytest

    from brandmon import airflow_setup as af

    before = signal.getsignal(signal.SIGTERM)
    for sig in (signal.SIGTERM, signal.SIGHUP):
        with pytest.raises(KeyboardInterrupt, match=sig.name):
            with af.terminated_like_interrupted():
                os.kill(os.getpid(), sig)
                time.sleep(5)  # the handler interrupts this, inside the block
    assert signal.getsignal(signal.SIGTERM) is before
