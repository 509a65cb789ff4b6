"""What the web source tests share to serve answers from a loopback server (pytest-httpserver)."""

from __future__ import annotations

from typing import Any

from werkzeug import Response


def json_response(text: str, status: int = 200) -> Response:
    """A JSON answer as the sites send it (UTF-8, labelled)."""
    return Response(text, status=status, content_type="application/json; charset=utf-8")


def fast_options(server: Any, **overrides: Any) -> dict[str, Any]:
    """A web source's options pointed at `server`, without pacing and with short retries."""
    return {"base_url": server.url_for("/").rstrip("/"), "min_interval": 0, "backoff": 0.01, "max_retries": 1,
            "timeout": 5, **overrides}
