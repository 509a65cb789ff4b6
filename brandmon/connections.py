"""Reading an Airflow Connection without importing Airflow.

The DAGs resolve Connections through Airflow itself (any secrets backend works there). The
command line (`brandmon extract`) reads `AIRFLOW_CONN_<ID>` first, in either of Airflow's two
encodings: JSON (`{"conn_type": "http", "password": "..."}`) or URI
(`http://login:password@host:port/schema?key=value`); a Connection stored in the metadata
database (`brandmon airflow connections add ...`) is then read through the project's own
`airflow connections get`.
"""

from __future__ import annotations

import json
import os
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit


def env_connection(conn_id: str, environ: dict[str, str] | None = None) -> dict[str, Any] | None:
    """The Connection's fields (conn_type, host, port, login, password, schema, extra), or None."""
    raw = (environ if environ is not None else os.environ).get(f"AIRFLOW_CONN_{conn_id.upper()}")
    if not raw:
        return None
    raw = raw.strip()
    if raw.startswith("{"):
        data = json.loads(raw)
        extra = data.get("extra") or {}
        return {"conn_type": data.get("conn_type"), "host": data.get("host"), "port": data.get("port"),
                "login": data.get("login"), "password": data.get("password"), "schema": data.get("schema"),
                "extra": json.loads(extra) if isinstance(extra, str) else dict(extra)}
    parts = urlsplit(raw)
    extra = dict(parse_qsl(parts.query, keep_blank_values=True))
    if "__extra__" in extra:
        extra = json.loads(extra["__extra__"])
    return {"conn_type": parts.scheme.replace("-", "_"), "host": unquote(parts.hostname or "") or None,
            "port": parts.port, "login": unquote(parts.username) if parts.username else None,
            "password": unquote(parts.password) if parts.password else None,
            "schema": unquote(parts.path.lstrip("/")) or None, "extra": extra}


def secrets_from_fields(fields: dict[str, Any] | None) -> dict[str, str]:
    """What an extractor receives: the Connection's extra keys plus its login and password."""
    if not fields:
        return {}
    secrets = {str(k): str(v) for k, v in (fields.get("extra") or {}).items()}
    for key in ("password", "login"):
        if fields.get(key):
            secrets[key] = str(fields[key])
    return secrets


def stored_connection(conn_id: str, airflow_env: dict[str, str]) -> dict[str, Any] | None:
    """The fields of a Connection kept in this project's Airflow metadata DB (decrypted with its
    Fernet key), or None when there is none; costs one `airflow` CLI call (a few seconds)."""
    from brandmon.airflow_setup import run_airflow

    done = run_airflow(["connections", "get", conn_id, "--output", "json"], airflow_env, check=False)
    if done.returncode != 0:
        return None
    try:
        (found,) = json.loads(done.stdout)
    except ValueError:
        return None
    return {"conn_type": found.get("conn_type"), "host": found.get("host"), "port": found.get("port"),
            "login": found.get("login"), "password": found.get("password"), "schema": found.get("schema"),
            "extra": dict(found.get("extra_dejson") or {})}
