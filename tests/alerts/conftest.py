"""Fixtures for the alert tests: a real warehouse, a real SMTP server and a webhook receiver on loopback."""

from __future__ import annotations

import socket
import threading
import warnings
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from werkzeug import Request, Response

from warehouse.db import writer
from warehouse.storage import FileStorage


@pytest.fixture(autouse=True)
def _no_state_dir_override(monkeypatch):
    monkeypatch.delenv("BRANDMON_STATE_DIR", raising=False)


@pytest.fixture
def warehouse(tmp_path):
    """The real read-write warehouse connection (DuckDB file in tmp_path, migrated)."""
    with writer(FileStorage(tmp_path / "w" / "brandmon.duckdb", tmp_path / "w" / "read.duckdb"), "Asia/Shanghai") as conn:
        yield conn


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Inbox:
    """An aiosmtpd handler that keeps every message it accepts."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.refuse: set[str] = set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 Message accepted for delivery"


class Authenticator:
    def __init__(self, login: str, password: str) -> None:
        self.login, self.password = login, password

    def __call__(self, server, session, envelope, mechanism, auth_data):
        from aiosmtpd.smtp import AuthResult

        ok = auth_data.login.decode() == self.login and auth_data.password.decode() == self.password
        return AuthResult(success=ok, handled=False)


@pytest.fixture
def smtp_server():
    """A real SMTP server on loopback requiring AUTH PLAIN as bot@example.com / s3cret-pass (no TLS on loopback)."""
    inbox = Inbox()
    warnings.filterwarnings("ignore", "Requiring AUTH while not requiring TLS", UserWarning)
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port(),
                            authenticator=Authenticator("bot@example.com", "s3cret-pass"), auth_require_tls=False,
                            auth_required=True, auth_exclude_mechanism=["LOGIN"])
    controller.start()
    inbox.port = controller.port
    yield inbox
    controller.stop()


class Receiver:
    """A webhook receiver on loopback answering with scripted statuses (then 200), recording requests."""

    def __init__(self, server, path: str = "/hook") -> None:
        self.server = server
        self.path = path
        self.requests: list[dict] = []
        self.statuses: list[int] = []
        self.on_request = None
        self.echo_header: str | None = None
        self._lock = threading.Lock()
        server.expect_request(path).respond_with_handler(self._handle)

    @property
    def url(self) -> str:
        return self.server.url_for(self.path)

    def _handle(self, request: Request) -> Response:
        with self._lock:
            status = self.statuses.pop(0) if self.statuses else 200
            self.requests.append({"headers": dict(request.headers), "body": request.get_data(), "status": status,
                                  "json": request.get_json(silent=True)})
        if self.on_request:
            self.on_request(request)
        body = "ok" if status < 300 else f"try later {request.headers.get(self.echo_header or '', '')}"
        return Response(body, status=status)

    def accepted(self) -> list[dict]:
        return [r for r in self.requests if 200 <= r["status"] < 300]


@pytest.fixture
def receiver(httpserver):
    return Receiver(httpserver)
