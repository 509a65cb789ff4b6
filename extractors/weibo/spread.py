"""Spread kind `weibo`: a Weibo post's reposts and hot comments from m.weibo.cn (JSON).

Per post, newest first:
- reposts: `api/statuses/repostTimeline?id=<mid>&page=N`. The answer's `data.data` lists reposts
  as mblogs (`id`, `created_at`, `text` with the `//@name:` chain as links, `user` with
  `followers_count` and `verified_type`, the repost's own `reposts_count` / `comments_count` /
  `attitudes_count`); `data.total_number` is how many reposts the platform counts and `data.max`
  its last page. Paging stops at that page, at an empty page or `ok: 0` (the list is then
  complete), or after `max_repost_pages` pages (then only the newest reposts are read).
- hot comments: `comments/hotflow?id=<mid>&mid=<mid>&max_id_type=0`, then `&max_id=<data.max_id>`
  for `hot_comment_pages` pages; `data.data` lists comments (`id`, `created_at`, `text`,
  `like_count`, `total_number` replies, `user`), `data.total_number` the post's comments;
  `max_id` 0 ends the list.

Bounded per run: `fetch` sends at most `budget` requests (`extractors.budget.CappedTransport`:
robots.txt and retries count), spending them on the posts in the order given (the riskiest
first); posts it cannot afford are listed in `not_fetched` for the next run.

Failures (`extractors.weibo.mobile`): a login wall, `ok: -100` or HTTP 432 is an auth error naming
the Connection (default `weibo_mobile`; m.weibo.cn's repost lists usually need a logged-in cookie),
and stops the fetch (every post shares the cookie); Weibo asking to slow down (频繁, 429 after
retries, 5xx) is transient and stops it too, so a throttled client does not carry on with the
next post. A post that is gone (404) or an answer that is not JSON (quarantined) ends that post
only. Times like "5分钟前" are read relative to the fetch (`extractors.weibo.display.weibo_time`).

Options: connection (weibo_mobile), base_url (https://m.weibo.cn), max_repost_pages (5, at most
50), hot_comment_pages (1, 0 for none), and Weibo's politeness options (min_interval 2 s,
backoff 2 s, timeout, max_bytes, max_retries).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import Field

from extractors.base import ExtractContext, SourceError
from extractors.budget import BudgetSpent, CappedTransport
from extractors.cascade import Cascade, Comment, Repost, SpreadResult, SpreadTarget, own_words, repost_chain
from extractors.htmltext import html_to_text
from extractors.http import PoliteClient, client_for
from extractors.options import Whole
from extractors.record import RAW_LIMIT, Quarantined, raw_json
from extractors.weibo.display import display_count, follower_count, verified_kind, weibo_time
from extractors.weibo.mobile import Envelope, MobileSettings, as_auth, fetch_text, raise_for, read_envelope
from extractors.weibo.posts import mblog_id

KIND = "weibo"
REPLAYS = False  # m.weibo.cn shows a post's spread as it is now


class Settings(MobileSettings):
    """The options listed in the module docstring."""

    max_repost_pages: Whole = Field(5, ge=1, le=50)
    hot_comment_pages: Whole = Field(1, ge=0, le=10)


# --- parsing (pure) ---------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class ListPage:
    """One repostTimeline or hotflow answer: its `status` (as `Envelope`'s; `end` also for an
    empty list), the items read, those quarantined, the platform's total, and where the list goes
    on (`last_page` for reposts, `next_max_id` for comments; None at the end)."""

    status: str
    items: list = field(default_factory=list)
    quarantined: list[Quarantined] = field(default_factory=list)
    total: int | None = None
    last_page: int | None = None
    next_max_id: str | None = None
    message: str = ""


def parse_reposts(body: str, *, fetched_at: datetime, location: str = "") -> ListPage:
    """Parse one api/statuses/repostTimeline answer into Reposts. Never raises."""
    return _parse_list(body, fetched_at, location, _repost)


def parse_hot_comments(body: str, *, fetched_at: datetime, location: str = "") -> ListPage:
    """Parse one comments/hotflow answer into Comments. Never raises."""
    return _parse_list(body, fetched_at, location, _comment)


def _parse_list(body: str, fetched_at: datetime, location: str, read: Any) -> ListPage:
    answer: Envelope = read_envelope(body)
    if answer.status != "ok":
        return ListPage(answer.status, message=answer.message)
    data = answer.data or {}
    rows = data.get("data")
    if rows is None or rows == []:
        return ListPage("end", total=display_count(data.get("total_number")), message="an empty list")
    if not isinstance(rows, list):
        return ListPage("broken", message="ok=1 but data.data is not a list")
    items, quarantined = [], []
    for number, row in enumerate(rows):
        try:
            items.append(read(row, fetched_at))
        except (ValueError, TypeError, KeyError, AttributeError) as error:
            quarantined.append(Quarantined(KIND, f"unreadable item: {error}", raw_json(row), f"{location}#{number}"))
    max_id = data.get("max_id")
    return ListPage("ok", items, quarantined, total=display_count(data.get("total_number")),
                    last_page=_whole(data.get("max")),
                    next_max_id=str(max_id) if _whole(max_id) else None)


def _whole(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    return int(value) if isinstance(value, str) and value.strip().isdigit() else None


def _user(row: Mapping[str, Any]) -> tuple[str | None, str | None, int | None, str | None]:
    """(id, screen name, followers, verification) of the item's `user`."""
    user = row.get("user") if isinstance(row.get("user"), Mapping) else {}
    uid = user.get("id")
    uid = str(uid) if isinstance(uid, (int, str)) and not isinstance(uid, bool) and str(uid).strip() else None
    name = user.get("screen_name")
    return uid, name if isinstance(name, str) and name else None, follower_count(user), verified_kind(user)


def _text(row: Mapping[str, Any], what: str) -> str:
    raw = row.get("text")
    if isinstance(raw, str):
        return html_to_text(raw)
    if isinstance(row.get("raw_text"), str):
        return row["raw_text"].strip()
    raise ValueError(f"{what} has no text")


def _created(row: Mapping[str, Any], fetched_at: datetime, what: str) -> datetime:
    created = row.get("created_at")
    if not isinstance(created, str) or not created.strip():
        raise ValueError(f"{what} has no created_at")
    return weibo_time(created, fetched_at)


def _repost(row: Any, fetched_at: datetime) -> Repost:
    if not isinstance(row, Mapping):
        raise TypeError("the repost is not an object")
    mid = mblog_id(row)
    text = _text(row, f"repost {mid}")
    uid, name, followers, verified = _user(row)
    return Repost(repost_id=mid, reposted_at=_created(row, fetched_at, f"repost {mid}"), user_id=uid, user_name=name,
                  followers=followers, verified=verified, chain=repost_chain(text), text=own_words(text),
                  reposts=display_count(row.get("reposts_count")), comments=display_count(row.get("comments_count")),
                  likes=display_count(row.get("attitudes_count")))


def _comment(row: Any, fetched_at: datetime) -> Comment:
    if not isinstance(row, Mapping):
        raise TypeError("the comment is not an object")
    comment_id = next((str(row[k]) for k in ("idstr", "id", "mid") if str(row.get(k, "")).strip().isdigit()), None)
    if comment_id is None:
        raise ValueError("the comment has no numeric id")
    uid, name, followers, verified = _user(row)
    return Comment(comment_id=comment_id, commented_at=_created(row, fetched_at, f"comment {comment_id}"),
                   user_id=uid, user_name=name, followers=followers, verified=verified,
                   text=_text(row, f"comment {comment_id}"), likes=display_count(row.get("like_count")),
                   replies=display_count(row.get("total_number")))


# --- fetching ---------------------------------------------------------------------------------

def fetch(settings: Settings, targets: Sequence[SpreadTarget], context: ExtractContext, budget: int) -> SpreadResult:
    """The reposts and hot comments of each target, in order, within `budget` requests."""
    result = SpreadResult()
    cookie = settings.cookie(context.secrets)
    if cookie is None:
        result.health.notes.append("no cookie: m.weibo.cn's repost lists usually need a logged-in cookie "
                                   f"(Airflow Connection '{settings.connection}')")
    transport = CappedTransport(budget)
    with client_for(context, settings, transport=transport) as client:
        run = _Run(settings, context, client, cookie, result)
        for index, target in enumerate(targets):
            cascade = Cascade(target.platform, target.native_id, context.fetched_at)
            try:
                if transport.remaining < 1:
                    raise BudgetSpent(f"request budget of {budget} spent")
                run.reposts(target, cascade)
                run.comments(target, cascade)
            except BudgetSpent:
                started = bool(cascade.pages or cascade.comments)
                if started:
                    cascade.status, cascade.message = "partial", f"request budget of {budget} spent"
                    result.cascades.append(cascade)
                result.not_fetched = [t.key for t in targets[index + (1 if started else 0):]]
                result.health.notes.append(f"request budget of {budget} spent; {len(result.not_fetched)} post(s) "
                                           "left for the next run")
                break
            except SourceError as error:
                error = as_auth(error, settings.connection, cookie)
                cascade.status, cascade.message = "partial" if cascade.pages else "error", str(error)
                result.cascades.append(cascade)
                if error.kind == "permanent":
                    result.health.notes.append(f"{target.key}: {error}")
                    continue
                result.health.fail(error)  # auth or transient: every post shares the cookie and the client
                result.not_fetched = [t.key for t in targets[index + 1:]]
                break
            result.cascades.append(cascade)
        result.health.requests = transport.used
    return result.finish()


@dataclass
class _Run:
    settings: Settings
    context: ExtractContext
    client: PoliteClient
    cookie: str | None
    result: SpreadResult

    def _page(self, path: str, params: dict[str, str], location: str, parse: Any) -> ListPage:
        body = fetch_text(self.client, self.settings, path, params, self.cookie, self.result.health.notes)
        page = parse(body, fetched_at=self.context.fetched_at, location=location)
        raise_for(page.status, page.message)
        if page.status == "broken":
            self.result.quarantined.append(Quarantined(KIND, f"unusable answer: {page.message}", body[:RAW_LIMIT],
                                                       location))
        self.result.quarantined.extend(page.quarantined)
        return page

    def reposts(self, target: SpreadTarget, cascade: Cascade) -> None:
        """Read the repost list, newest first, up to max_repost_pages pages."""
        seen = {r.repost_id for r in cascade.reposts}
        for number in range(1, self.settings.max_repost_pages + 1):
            location = f"reposts of {target.key} page {number}"
            page = self._page("/api/statuses/repostTimeline", {"id": target.native_id, "page": str(number)},
                              location, parse_reposts)
            if page.status == "broken":
                cascade.status, cascade.message = "partial", f"{location}: unusable answer ({page.message}); quarantined"
                return
            cascade.reposts_total = page.total if page.total is not None else cascade.reposts_total
            if page.status == "end":
                cascade.complete = True
                return
            cascade.pages += 1
            self.result.health.pages += 1
            cascade.reposts += [r for r in page.items if r.repost_id not in seen]
            seen.update(r.repost_id for r in page.items)
            if (page.last_page is not None and number >= page.last_page) or (
                    cascade.reposts_total is not None and len(cascade.reposts) >= cascade.reposts_total):
                cascade.complete = True
                return
        self.result.health.page_cap_hits += 1
        self.result.health.notes.append(f"reposts of {target.key}: stopped at max_repost_pages="
                                        f"{self.settings.max_repost_pages} (the newest reposts are read)")

    def comments(self, target: SpreadTarget, cascade: Cascade) -> None:
        """Read hot_comment_pages pages of hot comments."""
        params = {"id": target.native_id, "mid": target.native_id, "max_id_type": "0"}
        for number in range(1, self.settings.hot_comment_pages + 1):
            page = self._page("/comments/hotflow", params, f"hot comments of {target.key} page {number}",
                              parse_hot_comments)
            cascade.comments_total = page.total if page.total is not None else cascade.comments_total
            if page.status != "ok":
                return
            cascade.comments += page.items
            if page.next_max_id is None:
                return
            params = {**params, "max_id": page.next_max_id}
