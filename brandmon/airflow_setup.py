"""Setting up and driving Airflow: on embedded defaults (SQLite metadata, LocalExecutor), or scaled
out (metadata in PostgreSQL, the CeleryExecutor on Redis, Celery workers started here) when the
config says `airflow: {executor: celery}` (docs/decisions/0002-executor-and-metadata.md).

Everything lives under `state/airflow/` (absolute paths). Secrets (Fernet key, JWT secret, API
secret key) are generated once into `state/secrets.env` (mode 600, ignored by git) and reach
every Airflow process through the environment, never through airflow.cfg, so the scheduler, the
API server and the task processes always agree on them.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from brandmon.config import REPO_ROOT, Runtime, read_runtime
from brandmon.worker_name import HOSTNAME_CALLABLE, WORKER_ENV

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

    @property
    def passwords_file(self) -> Path:
        return self.home / "simple_auth_manager_passwords.json"

    @property
    def instance_lock(self) -> Path:
        return self.home / "instance.lock"


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


def ensure_admin_password(passwords_file: Path) -> str:
    """The UI/API password of user admin, generated once into a private file.

    Airflow's simple auth manager would generate it itself, but into a file readable by everyone
    and with the password printed into the API server's log; written here first, it does neither.
    """
    if passwords_file.exists():
        return json.loads(passwords_file.read_text())["admin"]
    password = secrets.token_urlsafe(16)
    passwords_file.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(passwords_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(json.dumps({"admin": password}) + "\n")
    return password


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


SQL_CONN = "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"
BROKER_URL = "AIRFLOW__CELERY__BROKER_URL"


def airflow_env(layout: AirflowHome, port: int | None = None, runtime: Runtime | None = None) -> dict[str, str]:
    """The full environment every Airflow process of ours runs with; `runtime` (the config's
    `airflow:` section when not given) chooses the engines."""
    runtime = runtime or read_runtime()
    home = layout.home
    secret_values = ensure_secrets(layout.secrets_file)
    write_airflow_cfg(home)
    ensure_admin_password(layout.passwords_file)
    if port is None:
        port = int(layout.port_file.read_text()) if layout.port_file.exists() else DEFAULT_PORT
    env = dict(os.environ)
    env.update(secret_values)
    env.update({
        "AIRFLOW_HOME": str(home),
        "AIRFLOW_CONFIG": str(home / "airflow.cfg"),
        "AIRFLOW__CORE__DAGS_FOLDER": str(REPO_ROOT / "dags"),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(REPO_ROOT / "plugins"),  # the dashboard (plugins/brandmon_dashboard.py)
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor" if runtime.celery else "LocalExecutor",
        "AIRFLOW__CORE__PARALLELISM": "4",
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{port}/execution/",
        "AIRFLOW__API__HOST": "127.0.0.1",
        "AIRFLOW__API__PORT": str(port),
        "AIRFLOW__API__BASE_URL": f"http://127.0.0.1:{port}",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "admin:admin",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(layout.passwords_file),
        "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "2",
        "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "30",
        "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(layout.logs / "tasks"),
        "AIRFLOW__LOGGING__DAG_PROCESSOR_CHILD_PROCESS_LOG_DIRECTORY": str(layout.logs / "dag_processor"),
        "BRANDMON_STATE_DIR": str(layout.state_dir),
        "PYTHONPATH": os.pathsep.join(p for p in (str(REPO_ROOT / "dags"), os.environ.get("PYTHONPATH", "")) if p),
    })
    env["AIRFLOW__CORE__DEFAULT_TIMEZONE"] = configured_zone()
    # Settings given in the environment (an operator's own metadata DB or broker, with their
    # passwords) win over the config's; the environment was copied into `env` first.
    if runtime.celery:
        given = {key: value for key, value in os.environ.items() if value}
        env[SQL_CONN] = given.get(SQL_CONN) or runtime.metadata_db.replace("postgresql://", "postgresql+psycopg2://", 1)
        env[BROKER_URL] = given.get(BROKER_URL) or runtime.broker
        # Airflow's default, stated so that every process does not log a warning about it.
        env.setdefault("AIRFLOW__CELERY_BROKER_TRANSPORT_OPTIONS__VISIBILITY_TIMEOUT", "86400")
    elif not os.environ.get(SQL_CONN):
        env[SQL_CONN] = f"sqlite:///{home / 'airflow.db'}"
        env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONNECT_ARGS"] = "brandmon.airflow_setup.SQLITE_CONNECT_ARGS"
    return env


class ServiceUnavailable(RuntimeError):
    """PostgreSQL or Redis, which the scaled-out Airflow needs, cannot be reached."""


def hide_password(url: str) -> str:
    """`url` fit for a message: its password, if any, replaced by ***."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.password is None:
        return url
    return url.replace(f":{parts.password}@", ":***@", 1)


def check_services(env: dict[str, str]) -> None:
    """Connect once to the metadata DB and the broker of a Celery set-up, so that a missing
    service is named with its fix instead of surfacing as a stuck worker or a migration traceback."""
    import psycopg2
    import redis

    database = env[SQL_CONN]
    try:
        psycopg2.connect(re.sub(r"^postgresql\+\w+://", "postgresql://", database), connect_timeout=10).close()
    except psycopg2.Error as error:
        reason = str(error).strip().splitlines()[-1] if str(error).strip() else type(error).__name__
        name = database.rsplit("/", 1)[-1].split("?", 1)[0]
        raise ServiceUnavailable(
            f"the Airflow metadata database {hide_password(database)} cannot be reached ({reason}). "
            f"Fix: start PostgreSQL, and create the database once: createdb -h HOST -U USER {name}") from None
    broker = env[BROKER_URL]
    try:
        redis.Redis.from_url(broker, socket_connect_timeout=10, socket_timeout=10).ping()
    except redis.RedisError as error:
        raise ServiceUnavailable(f"the Celery broker {hide_password(broker)} cannot be reached ({error}). "
                                 "Fix: start Redis, or correct airflow.broker in the config") from None


def configured_zone() -> str:
    """The config's time zone, for Airflow's default (dates typed without one, e.g. in the trigger
    form, are read in it); UTC while the config cannot be read, so `brandmon airflow` still works."""
    from brandmon.config import ConfigError, read_schedule

    try:
        return read_schedule()[1].key
    except ConfigError:
        return "UTC"


def airflow_bin() -> str:
    return str(Path(sys.executable).with_name("airflow"))


class AirflowCommandError(RuntimeError):
    """An airflow CLI call failed; the message carries the end of what it printed."""


class BackfillRunning(AirflowCommandError):
    """Another backfill of the DAG is still running (Airflow runs one at a time per DAG)."""

    def __init__(self, backfill: dict) -> None:
        self.backfill = backfill
        where = (f"backfill {backfill.get('id')} over {backfill.get('from_date')} .. {backfill.get('to_date')}"
                 if backfill else "another backfill")
        super().__init__(f"{where} is still running: wait for it to finish, or stop it with "
                         "`brandmon backfill --cancel`")


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


class InstanceBusy(RuntimeError):
    """Another brandmon process already runs Airflow on this state folder."""


@contextmanager
def instance_lock(layout: AirflowHome) -> Iterator[None]:
    """Hold the state folder for the one brandmon process that starts Airflow on it.

    Two `brandmon run` on one folder would share one SQLite metadata DB, one API port file and
    one run id; the second is refused, naming the first (other commands talk to its API server).
    """
    layout.home.mkdir(parents=True, exist_ok=True)
    with open(layout.instance_lock, "a+") as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            raise InstanceBusy(
                f"another brandmon process ({holder}) is already running Airflow on {layout.state_dir}; "
                "stop it first (Ctrl-C), or use `brandmon backfill` / `brandmon airflow ...`, which talk to it") from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}\n")
        handle.flush()
        try:
            yield
        finally:
            handle.seek(0)
            handle.truncate()
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def instance_running(layout: AirflowHome) -> bool:
    """Whether a brandmon process holds this state folder's Airflow (see `instance_lock`)."""
    if not layout.instance_lock.exists():
        return False
    with open(layout.instance_lock) as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
        return False


# Files Airflow and our tasks create (metadata DB, DuckDB files, logs) are for this user only.
PRIVATE_UMASK = 0o077
COMPONENTS = ("api-server", "scheduler", "dag-processor")
RESTARTS, RESTART_WINDOW = 3, 900.0
# Celery prints this when a worker consumes from its queue (`celery@worker-1@host ready.`).
WORKER_READY = " ready."


class Components:
    """API server, scheduler and DAG processor in one process group, stopped together; with
    `workers`, that many Celery workers, each in a process group of its own (its pool and the
    task processes it forks), stopped first and warmly, so that running tasks can finish.

    Supervised as systemd would: a component that exits is started again, at most RESTARTS times
    within RESTART_WINDOW seconds (Airflow 3.3's scheduler dies on a run deleted under it, which
    a backfill refused by a busy SQLite does); past that it stays down and the caller says so.
    """

    def __init__(self, env: dict[str, str], logs: Path, workers: int = 0, concurrency: int = 1) -> None:
        self.env, self.logs = env, logs
        self.worker_names = [f"worker-{n}" for n in range(1, workers + 1)]
        self.concurrency = concurrency
        self.names: list[str] = []
        self.procs: list[subprocess.Popen] = []
        self.group = 0  # the main group's id, once its first process is started
        self.restarts: dict[str, list[float]] = {}
        self.log_starts: dict[str, int] = {}  # where the latest start's lines begin in each (appended) log

    def start(self) -> None:
        for name in COMPONENTS:
            self._add(name)

    def start_workers(self) -> None:
        """The Celery workers, each in a process group of its own, named worker-1, worker-2, ..."""
        for name in self.worker_names:
            self._add(name)

    def _add(self, name: str) -> None:
        self.procs.append(self._spawn(name))
        self.names.append(name)
        self.restarts[name] = []

    def _spawn(self, name: str) -> subprocess.Popen:
        port = self.env["AIRFLOW__API__PORT"]
        # Log servers would listen on 0.0.0.0:8793 (one per machine); tasks run on this machine and
        # the API server reads their log files directly, so none is started.
        commands = {"api-server": ["api-server", "--host", "127.0.0.1", "--port", port],
                    "scheduler": ["scheduler", "--skip-serve-logs"], "dag-processor": ["dag-processor"]}
        env, group = self.env, self.group
        if name in self.worker_names:
            env, group = dict(self.env, **{WORKER_ENV: name, "AIRFLOW__CORE__HOSTNAME_CALLABLE": HOSTNAME_CALLABLE}), 0
            commands[name] = ["celery", "worker", "--celery-hostname", f"{name}@%h", "--concurrency",
                              str(self.concurrency), "--skip-serve-logs"]
        self.logs.mkdir(parents=True, exist_ok=True)
        with open(self.logs / f"{name}.log", "ab") as log:  # the child keeps its own descriptor
            self.log_starts[name] = log.tell()
            proc = subprocess.Popen([airflow_bin(), *commands[name]], env=env, stdout=log, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL, umask=PRIVATE_UMASK, process_group=group)
        if name in COMPONENTS and not self.group:
            self.group = proc.pid
        return proc

    def alive(self) -> list[str]:
        return [n for n, p in zip(self.names, self.procs) if p.poll() is None]

    def dead(self) -> list[str]:
        """Components that exited, each with its exit code and log file, for an operator to read."""
        return [f"{n} (exit {p.returncode}; log {self.logs / f'{n}.log'})"
                for n, p in zip(self.names, self.procs) if p.poll() is not None]

    def revive(self, now: float | None = None) -> list[str]:
        """Start again each exited component still within its restart budget; what was restarted,
        described for the operator. Components past the budget stay in `dead()`."""
        now = time.monotonic() if now is None else now
        said = []
        for index, (name, proc) in enumerate(zip(self.names, self.procs)):
            if proc.poll() is None:
                continue
            recent = [t for t in self.restarts[name] if now - t < RESTART_WINDOW]
            if len(recent) >= RESTARTS:
                continue
            try:
                self.procs[index] = self._spawn(name)
            except OSError:  # its process group is gone with every other component: nothing to rejoin
                continue
            self.restarts[name] = [*recent, now]
            said.append(f"{name} exited {proc.returncode} (log {self.logs / f'{name}.log'}); started it again "
                        f"({len(recent) + 1} of {RESTARTS} restarts allowed in {RESTART_WINDOW / 60:.0f} min)")
        return said

    @property
    def pids(self) -> list[int]:
        return [p.pid for p in self.procs]

    def wait_for_workers(self, timeout: float) -> None:
        """Wait until every worker consumes from its queue (so tasks spread over all of them from
        the first run on); raise naming a worker that exited or stayed silent, with its log."""
        deadline = time.monotonic() + timeout
        waiting = list(self.worker_names)
        while waiting:
            for name in list(waiting):
                log = self.logs / f"{name}.log"
                with open(log, "rb") as handle:
                    handle.seek(self.log_starts[name])
                    ready = WORKER_READY.encode() in handle.read()
                if ready:
                    waiting.remove(name)
                elif self.procs[self.names.index(name)].poll() is not None:
                    raise ComponentDied(f"Celery {name} exited; see {log}")
            if waiting and time.monotonic() > deadline:
                raise TimeoutError(f"Celery {', '.join(waiting)} not ready within {timeout:.0f}s; "
                                   f"see {self.logs / (waiting[0] + '.log')}")
            time.sleep(1)

    def stop(self, timeout: float = 30.0) -> None:
        """Workers first (SIGTERM to each worker alone: a warm shutdown, running tasks finish while
        the API server still answers them), then the main group; whatever lingers in a group is
        sent SIGTERM, then SIGKILL."""
        if not self.procs:
            return
        workers = [p.pid for n, p in zip(self.names, self.procs) if n in self.worker_names]
        for pid in workers:
            _signal(pid, signal.SIGTERM, group=False)
        self._wait_groups(workers, timeout)
        for pgid in (*workers, self.group):
            for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 5.0)):
                if not self._wait_groups([pgid], 0):
                    break
                _signal(pgid, sig)
                self._wait_groups([pgid], wait)

    def _wait_groups(self, pgids: list[int], timeout: float) -> bool:
        """Wait up to `timeout` for the groups to end; whether any is still alive. Our children are
        reaped meanwhile (an exited, unreaped leader would keep its group alive)."""
        deadline = time.monotonic() + timeout
        while True:
            for proc in self.procs:
                proc.poll()
            alive = [g for g in pgids if _group_alive(g)]
            if not alive or time.monotonic() >= deadline:
                return bool(alive)
            time.sleep(0.3)


def _signal(pid: int, sig: int, group: bool = True) -> None:
    try:
        (os.killpg if group else os.kill)(pid, sig)
    except ProcessLookupError:
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


PAGE = 100  # the API server's maximum_page_limit


class AirflowApi:
    """The few REST calls `brandmon run` needs, as user admin of the simple auth manager.

    Cheaper than the airflow CLI, which costs seconds of CPU per call on a 2-core machine.
    """

    def __init__(self, port: int, passwords_file: Path) -> None:
        import httpx

        self.port = port
        self.base = f"http://127.0.0.1:{port}"
        password = json.loads(passwords_file.read_text())["admin"]
        token = httpx.post(f"{self.base}/auth/token", json={"username": "admin", "password": password},
                           timeout=30).raise_for_status().json()["access_token"]
        self.client = httpx.Client(base_url=f"{self.base}/api/v2", timeout=30,
                                   headers={"Authorization": f"Bearer {token}"})

    def _call(self, method: str, path: str, **kwargs):
        """A request, repeated on a 5xx (a SQLite lock refusal inside the API server, mostly) or
        when the API server does not answer in time (a machine busy with a backfill); an
        AirflowUnreachable naming the call when it never answers."""
        import httpx

        for attempt in range(1, LOCK_ATTEMPTS + 1):
            try:
                response = self.client.request(method, path, **kwargs)
            except httpx.TransportError as error:
                if attempt == LOCK_ATTEMPTS:
                    raise AirflowUnreachable(f"the Airflow API server on port {self.port} did not answer {method} "
                                             f"{path} ({type(error).__name__}, {attempt} tries); see its log "
                                             "under state/logs") from error
            else:
                if response.status_code < 500 or attempt == LOCK_ATTEMPTS:
                    return response
            time.sleep(attempt)

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

    def dag_runs(self, dag_id: str, run_types: tuple[str, ...] = (), everything: bool = False,
                 **filters: str) -> list[dict]:
        """The latest 100 runs first (every page when `everything`); `run_types` and range filters
        (e.g. logical_date_gte) narrow them."""
        params: list[tuple[str, str | int]] = [("limit", PAGE), ("order_by", "-run_after")]
        params += [("run_type", t) for t in run_types] + list(filters.items())
        runs: list[dict] = []
        while True:
            response = self._call("GET", f"/dags/{dag_id}/dagRuns", params=[*params, ("offset", len(runs))])
            page = response.raise_for_status().json()["dag_runs"]
            runs += page
            if not everything or len(page) < PAGE:
                return runs

    def create_backfill(self, dag_id: str, start: datetime, end: datetime, *, max_active_runs: int,
                        reprocess: str, conf: dict) -> dict:
        """A backfill over [start, end] through the scheduler; Airflow's error text when refused.

        Idempotent: when Airflow answers that a backfill is already running (our own request,
        repeated after a 5xx that had in fact gone through, say), that backfill is returned if it
        covers the same range and conf; a different one raises BackfillRunning naming it.
        """
        body = {"dag_id": dag_id, "from_date": start.isoformat(), "to_date": end.isoformat(),
                "max_active_runs": max_active_runs, "reprocess_behavior": reprocess, "dag_run_conf": conf}
        response = self._call("POST", "/backfills", json=body)
        if response.status_code == 409:
            running = [b for b in self.backfills(dag_id) if not b.get("completed_at")]
            for backfill in running:
                if (datetime.fromisoformat(backfill["from_date"]) == start
                        and datetime.fromisoformat(backfill["to_date"]) == end
                        and (backfill.get("dag_run_conf") or {}) == conf):
                    return backfill
            raise BackfillRunning(running[0] if running else {})
        if response.status_code >= 400:
            raise AirflowCommandError(f"Airflow refused the backfill ({response.status_code}): {response.text[:800]}")
        return response.json()

    def backfills(self, dag_id: str) -> list[dict]:
        response = self._call("GET", "/backfills", params={"dag_id": dag_id, "limit": 100})
        return response.raise_for_status().json()["backfills"]

    def backfill(self, backfill_id: int) -> dict:
        return self._call("GET", f"/backfills/{backfill_id}").raise_for_status().json()

    def cancel_backfill(self, backfill_id: int) -> None:
        response = self._call("PUT", f"/backfills/{backfill_id}/cancel")
        if response.status_code != 409:  # 409: it had already completed
            response.raise_for_status()

    def close(self) -> None:
        self.client.close()


@dataclass
class Session:
    """A running Airflow of ours: its REST client and, when this process started it, its processes."""

    api: AirflowApi
    components: Components | None
    step: Callable[[str], None] = print

    def check_alive(self) -> None:
        """Start again a component we started that has exited (within its budget, said through
        `step`); raise when one stays down (the scheduler died four times, say), naming it."""
        if self.components is None:
            return
        for message in self.components.revive():
            self.step(message)
        if self.components.dead():
            raise ComponentDied("an Airflow component exited: " + "; ".join(self.components.dead()))


class AirflowUnreachable(RuntimeError):
    """The API server we talk to did not answer, after retries."""


class ComponentDied(RuntimeError):
    """The API server, scheduler, DAG processor or a Celery worker we started has exited."""


# How long an Airflow process may take to come up: minutes on a busy two-core machine.
STARTUP_TIMEOUT = 300


@contextmanager
def terminated_like_interrupted() -> Iterator[None]:
    """SIGTERM and SIGHUP (systemd stopping the service, a closed terminal) raise KeyboardInterrupt
    as Ctrl-C does, so the components are stopped on the way out instead of left running."""
    def interrupt(signum, frame):
        raise KeyboardInterrupt(signal.Signals(signum).name)

    previous = {sig: signal.signal(sig, interrupt) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@contextmanager
def airflow_session(layout: AirflowHome, port: int, dag_ids: tuple[str, ...] = OUR_DAGS,
                    step=lambda message: None) -> Iterator[Session]:
    """Start our Airflow on `layout` (holding its instance lock): migrate, pools, API server,
    scheduler, DAG processor and, scaled out, the Celery workers; wait until `dag_ids` are parsed
    and the workers are ready; stop every process on exit, also when stopped by SIGTERM or SIGHUP."""
    with terminated_like_interrupted(), instance_lock(layout):
        layout.home.mkdir(parents=True, exist_ok=True)
        layout.port_file.write_text(str(port))
        runtime = read_runtime()
        env = airflow_env(layout, port, runtime)
        env["PYTHONWARNINGS"] = "ignore"
        if runtime.celery:
            check_services(env)
            step(f"Initialising Airflow (metadata in {hide_password(env[SQL_CONN])}, "
                 f"CeleryExecutor on {hide_password(env[BROKER_URL])})")
        else:
            step(f"Initialising Airflow under {layout.home}")
        initialise(env)
        components = Components(env, layout.logs, workers=runtime.workers if runtime.celery else 0,
                                concurrency=runtime.worker_concurrency)
        workers = f", {len(components.worker_names)} Celery workers" if runtime.celery else ""
        step(f"Starting the API server (port {port}), scheduler and DAG processor{workers}; logs in {layout.logs}")
        components.start()
        api = None
        try:
            wait_for_http(f"http://127.0.0.1:{port}/api/v2/monitor/health", STARTUP_TIMEOUT, components)
            # Started once the API server answers: five Airflow processes importing at once on two
            # cores would slow each other down, and a task needs the API server anyway.
            components.start_workers()
            api = AirflowApi(port, layout.passwords_file)
            session = Session(api, components, step)
            for dag_id in dag_ids:
                wait_for_dag(session, dag_id, STARTUP_TIMEOUT)
            components.wait_for_workers(STARTUP_TIMEOUT)
            yield session
        finally:
            if api is not None:
                api.close()
            step("Stopping Airflow")
            components.stop()


def attach(layout: AirflowHome) -> Session | None:
    """A session with the Airflow another brandmon process serves on `layout`, or None if none does."""
    if not instance_running(layout) or not layout.port_file.exists():
        return None
    port = int(layout.port_file.read_text())
    wait_for_http(f"http://127.0.0.1:{port}/api/v2/monitor/health", 60)
    return Session(AirflowApi(port, layout.passwords_file), None)


def wait_for_dag(session: Session, dag_id: str, timeout: float) -> None:
    """Wait until the DAG processor has parsed `dag_id`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        session.check_alive()
        if session.api.dag_exists(dag_id):
            return
        time.sleep(2)
    raise RuntimeError(f"DAG {dag_id} was not parsed within {timeout:.0f}s; "
                       "see `brandmon airflow dags list-import-errors` and state/logs/dag-processor.log")
