"""Setting up and driving Airflow on embedded defaults (SQLite metadata, LocalExecutor).

Everything lives under `state/airflow/` (absolute paths). Secrets (Fernet key, JWT secret, API
secret key) are generated once into `state/secrets.env` (mode 600, ignored by git) and reach
every Airflow process through the environment, never through airflow.cfg, so the scheduler, the
API server and the task processes always agree on them.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from brandmon.config import REPO_ROOT

POOLS = {"duckdb_writer": (1, "The single DuckDB writer: load, detect, deliver (see docs/decisions)")}
# SQLite metadata is shared by the scheduler, the API server, the DAG processor, task processes
# and CLI calls: wait up to a minute for a lock instead of sqlite3's default 5 s ("database is
# locked" under load on 2 cores). Read by Airflow through [database] sql_alchemy_connect_args.
SQLITE_CONNECT_ARGS = {"timeout": 60}
OUR_DAGS = ("brand_monitor", "brand_digest")
DEFAULT_PORT = 8080


@dataclass(frozen=True)
class AirflowHome:
    state_dir: Path

    @property
    def home(self) -> Path:
        return self.state_dir / "airflow"

    @property
    def secrets_file(self) -> Path:
        return self.state_dir / "secrets.env"

    @property
    def port_file(self) -> Path:
        return self.home / "api_port"

    @property
    def logs(self) -> Path:
        return self.state_dir / "logs"


def ensure_secrets(path: Path) -> dict[str, str]:
    """Generate the Fernet key, JWT secret and API secret key once; reuse them afterwards."""
    if path.exists():
        return dict(line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)
    values = {
        "AIRFLOW__CORE__FERNET_KEY": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_urlsafe(32),
        "AIRFLOW__API__SECRET_KEY": secrets.token_urlsafe(32),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write("".join(f"{k}={v}\n" for k, v in values.items()))
    return values


def write_airflow_cfg(home: Path) -> Path:
    """A non-secret airflow.cfg; its existence also stops Airflow writing one full of secrets."""
    home.mkdir(parents=True, exist_ok=True)
    cfg = home / "airflow.cfg"
    cfg.write_text(
        "# Written by brandmon (brandmon/airflow_setup.py). Settings come from the environment\n"
        "# that `brandmon airflow ...` sets; secrets live in state/secrets.env, never here.\n"
        "[core]\nload_examples = False\n")
    return cfg


def pick_port(preferred: int = DEFAULT_PORT) -> int:
    """The preferred API port when free, else any free loopback port."""
    for candidate in (preferred, 0):
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", candidate))
                return sock.getsockname()[1]
            except OSError:
                continue
    raise RuntimeError("no free TCP port on 127.0.0.1")


def airflow_env(layout: AirflowHome, port: int | None = None) -> dict[str, str]:
    """The full environment every Airflow process of ours runs with."""
    home = layout.home
    secret_values = ensure_secrets(layout.secrets_file)
    write_airflow_cfg(home)
    if port is None:
        port = int(layout.port_file.read_text()) if layout.port_file.exists() else DEFAULT_PORT
    env = dict(os.environ)
    env.update(secret_values)
    env.update({
        "AIRFLOW_HOME": str(home),
        "AIRFLOW_CONFIG": str(home / "airflow.cfg"),
        "AIRFLOW__CORE__DAGS_FOLDER": str(REPO_ROOT / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        "AIRFLOW__CORE__PARALLELISM": "4",
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{port}/execution/",
        "AIRFLOW__API__HOST": "127.0.0.1",
        "AIRFLOW__API__PORT": str(port),
        "AIRFLOW__API__BASE_URL": f"http://127.0.0.1:{port}",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "admin:admin",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(home / "simple_auth_manager_passwords.json"),
        "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "2",
        "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "30",
        "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(layout.logs / "tasks"),
        "AIRFLOW__LOGGING__DAG_PROCESSOR_CHILD_PROCESS_LOG_DIRECTORY": str(layout.logs / "dag_processor"),
        "BRANDMON_STATE_DIR": str(layout.state_dir),
        "PYTHONPATH": os.pathsep.join(p for p in (str(REPO_ROOT / "dags"), os.environ.get("PYTHONPATH", "")) if p),
    })
    # Embedded default: SQLite under state/airflow. An operator's own metadata DB (PostgreSQL) wins.
    if not os.environ.get("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"):
        env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] = f"sqlite:///{home / 'airflow.db'}"
        env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONNECT_ARGS"] = "brandmon.airflow_setup.SQLITE_CONNECT_ARGS"
    return env


def airflow_bin() -> str:
    return str(Path(sys.executable).with_name("airflow"))


class AirflowCommandError(RuntimeError):
    """An airflow CLI call failed; the message carries the end of what it printed."""


# SQLite refuses at once, without waiting, when two processes both hold a read lock and want to
# write (the scheduler and a CLI call, say). Airflow's commands run in one transaction, so the
# refused call changed nothing and is safe to repeat.
SQLITE_LOCKED = "database is locked"
LOCK_ATTEMPTS = 5


def run_airflow(args: list[str], env: dict[str, str], check: bool = True) -> subprocess.CompletedProcess:
    """One `airflow` CLI call with our environment, repeated when SQLite refused it as locked;
    a failure raises with Airflow's own words."""
    for attempt in range(1, LOCK_ATTEMPTS + 1):
        done = subprocess.run([airflow_bin(), *args], env=env, text=True, capture_output=True)
        output = (done.stderr or "") + (done.stdout or "")
        if done.returncode == 0 or SQLITE_LOCKED not in output or attempt == LOCK_ATTEMPTS:
            break
        time.sleep(attempt)
    if check and done.returncode != 0:
        raise AirflowCommandError(f"`airflow {' '.join(args)}` failed (exit {done.returncode}):\n{output[-3000:]}")
    return done


def stream_airflow(args: list[str], env: dict[str, str]) -> int:
    """`airflow ARGS` for a person at a terminal: output as it comes, repeated like run_airflow
    when SQLite refused it as locked; returns the exit code."""
    for attempt in range(1, LOCK_ATTEMPTS + 1):
        proc = subprocess.Popen([airflow_bin(), *args], env=env, text=True, stderr=subprocess.PIPE)
        locked = False
        for line in proc.stderr:
            sys.stderr.write(line)
            locked = locked or SQLITE_LOCKED in line
        code = proc.wait()
        if code == 0 or not locked or attempt == LOCK_ATTEMPTS:
            return code
        sys.stderr.write(f"[brandmon] the Airflow metadata DB was busy; trying again ({attempt + 1}/{LOCK_ATTEMPTS})\n")
        time.sleep(attempt)
    return code


def initialise(env: dict[str, str]) -> None:
    """Migrate the metadata DB and provision pools (a missing pool silently stalls tasks)."""
    run_airflow(["db", "migrate"], env)
    for name, (slots, description) in POOLS.items():
        run_airflow(["pools", "set", name, str(slots), description], env)


class Components:
    """API server, scheduler and DAG processor in one process group, stopped together."""

    def __init__(self, env: dict[str, str], logs: Path) -> None:
        self.env, self.logs = env, logs
        self.leader: subprocess.Popen | None = None
        self.procs: list[subprocess.Popen] = []

    def start(self) -> None:
        self.logs.mkdir(parents=True, exist_ok=True)
        port = self.env["AIRFLOW__API__PORT"]
        for name, args in (("api-server", ["api-server", "--host", "127.0.0.1", "--port", port]),
                           ("scheduler", ["scheduler"]), ("dag-processor", ["dag-processor"])):
            log = open(self.logs / f"{name}.log", "ab")
            group = {"process_group": self.procs[0].pid} if self.procs else {"process_group": 0}
            self.procs.append(subprocess.Popen([airflow_bin(), *args], env=self.env, stdout=log,
                                               stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, **group))

    def alive(self) -> list[str]:
        names = ("api-server", "scheduler", "dag-processor")
        return [n for n, p in zip(names, self.procs) if p.poll() is None]

    def stop(self, timeout: float = 30.0) -> None:
        """SIGTERM the whole group (children included), then SIGKILL what lingers."""
        if not self.procs:
            return
        pgid = self.procs[0].pid
        for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 5.0)):
            try:
                os.killpg(pgid, sig)
            except ProcessLookupError:
                break
            deadline = time.monotonic() + wait
            while time.monotonic() < deadline and _group_alive(pgid):
                time.sleep(0.3)
            if not _group_alive(pgid):
                break
        for proc in self.procs:
            try:
                proc.wait(timeout=1)
            except subprocess.TimeoutExpired:
                pass


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
        return True
    except ProcessLookupError:
        return False


def wait_for_http(url: str, timeout: float, procs: Components | None = None) -> None:
    """Poll an URL until it answers 200 (the API server's health endpoint)."""
    import httpx

    deadline = time.monotonic() + timeout
    last = ""
    while time.monotonic() < deadline:
        if procs is not None and "api-server" not in procs.alive():
            raise RuntimeError(f"the API server exited; see {procs.logs / 'api-server.log'}")
        try:
            if httpx.get(url, timeout=5).status_code == 200:
                return
        except httpx.HTTPError as error:
            last = str(error)
        time.sleep(1)
    raise TimeoutError(f"{url} did not answer within {timeout:.0f}s ({last})")


class AirflowApi:
    """The few REST calls `brandmon run` needs, as user admin of the simple auth manager.

    Cheaper than the airflow CLI, which costs seconds of CPU per call on a 2-core machine.
    """

    def __init__(self, port: int, passwords_file: Path) -> None:
        import httpx

        self.base = f"http://127.0.0.1:{port}"
        password = json.loads(passwords_file.read_text())["admin"]
        token = httpx.post(f"{self.base}/auth/token", json={"username": "admin", "password": password},
                           timeout=30).raise_for_status().json()["access_token"]
        self.client = httpx.Client(base_url=f"{self.base}/api/v2", timeout=30,
                                   headers={"Authorization": f"Bearer {token}"})

    def _call(self, method: str, path: str, **kwargs):
        """A request, repeated on a 5xx (a SQLite lock refusal inside the API server, mostly)."""
        for attempt in range(1, LOCK_ATTEMPTS + 1):
            response = self.client.request(method, path, **kwargs)
            if response.status_code < 500 or attempt == LOCK_ATTEMPTS:
                return response
            time.sleep(attempt)
        return response

    def dag_exists(self, dag_id: str) -> bool:
        return self._call("GET", f"/dags/{dag_id}").status_code == 200

    def unpause(self, dag_id: str) -> None:
        self._call("PATCH", f"/dags/{dag_id}", json={"is_paused": False}).raise_for_status()

    def trigger(self, dag_id: str, run_id: str, conf: dict) -> None:
        """Create a manual run; a 409 after a repeated request means the first one went through."""
        body = {"dag_run_id": run_id, "logical_date": None, "conf": conf}
        response = self._call("POST", f"/dags/{dag_id}/dagRuns", json=body)
        if response.status_code != 409:
            response.raise_for_status()

    def dag_runs(self, dag_id: str) -> list[dict]:
        response = self._call("GET", f"/dags/{dag_id}/dagRuns", params={"limit": 100, "order_by": "-run_after"})
        return response.raise_for_status().json()["dag_runs"]

    def close(self) -> None:
        self.client.close()
