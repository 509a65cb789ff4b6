"""Reading an Airflow Connection from `AIRFLOW_CONN_<ID>` without importing Airflow.

The DAGs resolve Connections through Airflow itself (any secrets backend works there). The
command line (`brandmon extract`) only needs the environment form, in either of Airflow's two
encodings: JSON (`{"conn_type": "http", "password": "..."}`) or URI
(`http://login:password@host:port/schema?key=value`).
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
