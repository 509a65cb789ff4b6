"""Fixtures of the source tests."""

import pytest


@pytest.fixture
def server(httpserver):
    """The loopback server with a permissive robots.txt (the polite client honours robots.txt)."""
    httpserver.expect_request("/robots.txt").respond_with_data("User-agent: *\nAllow: /\n")
    return httpserver
