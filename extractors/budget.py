"""A hard cap on the HTTP requests one fetch sends, robots.txt and retries included.

A fetch plans its requests against its budget (it stops before a page it cannot afford), but a
page may cost more than one exchange: robots.txt is read first, and transient failures are
retried. `CappedTransport` sits under the polite client (`PoliteClient(transport=...)`) and refuses
the exchange past the cap by raising `BudgetSpent`, which the client does not catch or retry, so a
fetch never exceeds its budget whatever happens.
"""

from __future__ import annotations

import httpx


class BudgetSpent(Exception):
    """The fetch has sent as many requests as its budget allows."""


class CappedTransport(httpx.BaseTransport):
    """An httpx transport that sends at most `limit` requests through `inner`, then raises BudgetSpent."""

    def __init__(self, limit: int, inner: httpx.BaseTransport | None = None) -> None:
        if limit < 0:
            raise ValueError(f"a request budget is 0 or more, got {limit}")
        self.limit = limit
        self.used = 0
        self._inner = inner or httpx.HTTPTransport()

    @property
    def remaining(self) -> int:
        """Requests the budget still allows."""
        return self.limit - self.used

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if self.used >= self.limit:
            raise BudgetSpent(f"request budget of {self.limit} spent before {request.url.host}{request.url.path}")
        self.used += 1
        return self._inner.handle_request(request)

    def close(self) -> None:
        self._inner.close()
