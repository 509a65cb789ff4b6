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


def celery_config(tmp_path, monkeypatch, **airflow):
    """A config with `airflow: {executor: celery, ...}`, named by BRANDMON_CONFIG."""
    import yaml

    config = tmp_path / "brands.yaml"
    config.write_text(yaml.safe_dump({"brands": {}, "sources": {}, "airflow": {"executor": "celery", **airflow}}))
    monkeypatch.setenv("BRANDMON_CONFIG", str(config))
    for key in ("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", "AIRFLOW__CELERY__BROKER_URL",
                "AIRFLOW__DATABASE__SQL_ALCHEMY_CONNECT_ARGS"):
        monkeypatch.delenv(key, raising=False)
    return config


def test_the_celery_setting_moves_every_process_to_postgresql_and_redis(tmp_path, monkeypatch):
    celery_config(tmp_path, monkeypatch, metadata_db="postgresql://bm@db.internal:5433/meta",
                  broker="redis://queue.internal:6380/3")
    env = airflow_env(AirflowHome(tmp_path / "state"), port=8123)
    assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] == "postgresql+psycopg2://bm@db.internal:5433/meta"
    assert env["AIRFLOW__CELERY__BROKER_URL"] == "redis://queue.internal:6380/3"
    assert "AIRFLOW__DATABASE__SQL_ALCHEMY_CONNECT_ARGS" not in env  # SQLite's lock wait only
    assert not (tmp_path / "state" / "airflow" / "airflow.db").exists()


def test_urls_with_passwords_come_from_the_environment_and_win(tmp_path, monkeypatch):
    celery_config(tmp_path, monkeypatch)
    monkeypatch.setenv("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", "postgresql+psycopg2://bm:pw@db/meta")
    monkeypatch.setenv("AIRFLOW__CELERY__BROKER_URL", "redis://:pw@queue:6379/1")
    env = airflow_env(AirflowHome(tmp_path / "state"), port=8123)
    assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] == "postgresql+psycopg2://bm:pw@db/meta"
    assert env["AIRFLOW__CELERY__BROKER_URL"] == "redis://:pw@queue:6379/1"


def closed_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_an_absent_database_or_broker_is_named_with_its_fix_and_without_its_password(tmp_path, monkeypatch):
    import pytest

    from brandmon.airflow_setup import ServiceUnavailable, check_services

    port = closed_port()
    env = {"AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"postgresql+psycopg2://bm:s3cret@127.0.0.1:{port}/meta",
           "AIRFLOW__CELERY__BROKER_URL": f"redis://127.0.0.1:{port}/0"}
    with pytest.raises(ServiceUnavailable) as caught:
        check_services(env)
    assert f"postgresql+psycopg2://bm:***@127.0.0.1:{port}/meta cannot be reached" in str(caught.value)
    assert "createdb -h HOST -U USER meta" in str(caught.value) and "s3cret" not in str(caught.value)


def fake_celery_airflow(tmp_path) -> str:
    """An `airflow` stand-in: records its arguments, environment and process group; a Celery
    worker says it is ready and stays up until SIGTERM (a warm shutdown), the others sleep."""
    script = tmp_path / "airflow"
    script.write_text(f"""#!/bin/sh
echo "$BRANDMON_WORKER|$AIRFLOW__CORE__HOSTNAME_CALLABLE|$(ps -o pgid= $$ | tr -d ' ')|$$|$*" >> {tmp_path}/calls
if [ "$1" = celery ]; then
  trap 'echo "warm shutdown"; echo stopped >> {tmp_path}/stops; exit 0' TERM
  echo "[info] $BRANDMON_WORKER@host ready."
fi
while true; do sleep 0.2; done
""")
    script.chmod(0o755)
    return str(script)


def test_celery_workers_run_in_groups_of_their_own_and_stop_warmly_first(tmp_path, monkeypatch):
    from brandmon import airflow_setup

    script = fake_celery_airflow(tmp_path)  # written once: rewriting it under a running shell breaks that shell
    monkeypatch.setattr(airflow_setup, "airflow_bin", lambda: script)
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "worker-1.log").write_text("an earlier start: worker-1@host ready.\n")  # must not count
    components = airflow_setup.Components(airflow_env(AirflowHome(tmp_path / "state"), port=8123), logs,
                                          workers=2, concurrency=3)
    components.start()
    components.start_workers()
    try:
        components.wait_for_workers(30)
        calls = [line.split("|") for line in (tmp_path / "calls").read_text().splitlines()]
        workers = {c[0]: c for c in calls if c[0]}
        assert sorted(workers) == ["worker-1", "worker-2"]
        main_group = {c[2] for c in calls if not c[0]}
        assert len(main_group) == 1
        for name, (_, callable_, pgid, pid, args) in workers.items():
            assert pgid == pid and pgid not in main_group  # each worker leads a group of its own
            assert callable_ == "brandmon.worker_name.hostname"
            assert args == f"celery worker --celery-hostname {name}@%h --concurrency 3 --skip-serve-logs"
        assert components.alive() == ["api-server", "scheduler", "dag-processor", "worker-1", "worker-2"]
    finally:
        components.stop(timeout=10)
    assert (tmp_path / "stops").read_text().count("stopped") == 2  # SIGTERM to each worker, not SIGKILL
    assert components.alive() == []


def test_a_worker_that_exits_while_starting_is_named_with_its_log(tmp_path, monkeypatch):
    import pytest

    from brandmon import airflow_setup

    script = tmp_path / "airflow"
    script.write_text("#!/bin/sh\necho 'Error: cannot connect to redis'\nexit 3\n")
    script.chmod(0o755)
    monkeypatch.setattr(airflow_setup, "airflow_bin", lambda: str(script))
    components = airflow_setup.Components(airflow_env(AirflowHome(tmp_path / "state"), port=8123), tmp_path / "logs",
                                          workers=1)
    components.start_workers()
    with pytest.raises(airflow_setup.ComponentDied, match=r"Celery worker-1 exited; see .*worker-1\.log"):
        components.wait_for_workers(30)


def test_a_worker_reports_itself_by_its_celery_node_name(monkeypatch):
    from brandmon import worker_name

    monkeypatch.setenv("BRANDMON_WORKER", "worker-2")
    assert worker_name.hostname() == f"worker-2@{socket.gethostname()}"
    monkeypatch.delenv("BRANDMON_WORKER")
    assert worker_name.hostname() == socket.getfqdn()



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


def test_a_worker_that_dies_is_started_again_in_a_group_of_its_own(tmp_path, monkeypatch):
    import signal
    import time

    from brandmon import airflow_setup

    script = fake_celery_airflow(tmp_path)
    monkeypatch.setattr(airflow_setup, "airflow_bin", lambda: script)
    components = airflow_setup.Components(airflow_env(AirflowHome(tmp_path / "state"), port=8123), tmp_path / "logs",
                                          workers=1)
    components.start()
    components.start_workers()
    try:
        components.wait_for_workers(30)
        first = components.procs[components.names.index("worker-1")]
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
        said = components.revive()
        assert len(said) == 1 and said[0].startswith("worker-1 exited -9") and "1 of 3 restarts" in said[0]
        again = components.procs[components.names.index("worker-1")]
        assert again.pid != first.pid and os.getpgid(again.pid) == again.pid
        components.wait_for_workers(30)  # ready again, judged by the lines of its new start only
        time.sleep(0.5)
        assert components.alive() == ["api-server", "scheduler", "dag-processor", "worker-1"]
    finally:
        components.stop(timeout=10)
    assert components.alive() == []


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
