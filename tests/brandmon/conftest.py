"""Fixtures the application's tests share with the alert tests: a real SMTP server (aiosmtpd) and a
webhook receiver on loopback."""

from tests.alerts.conftest import receiver, smtp_server  # noqa: F401
