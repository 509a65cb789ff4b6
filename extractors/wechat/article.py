"""What an mp.weixin.qq.com article page holds, and the pages WeChat shows instead (pure functions).

An article page, as public crawlers read it (fixtures/wechat/README.md; not verified live): the
title in `h1#activity-name` (else `<meta property="og:title">`), the account's name in
`#js_name` (else `var nickname = "…"`), the body in `div#js_content`, the publish time in a
script, `var ct = "1700000000";` (epoch seconds), and the permanent address in
`var msg_link = "http://mp.weixin.qq.com/s?__biz=…\\x26amp;mid=…\\x26amp;idx=…\\x26amp;sn=…#rd";`.

Instead of an article WeChat may show:
- its verification page (环境异常 … 完成验证后即可继续访问 / 去验证, `wappoc_appmsgcaptcha` or
  `verifycode` in the address): the client is throttled, `verification`;
- a page saying the article is gone (该内容已被发布者删除, 此内容因违规无法查看, 此帐号已被封禁 …):
  `deleted`;
- a page saying the temporary link Sogou gave has expired (链接已过期): `expired`;
- anything else without `#js_content`: `unrecognised`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Literal
from urllib.parse import urlsplit

from bs4 import BeautifulSoup

from extractors.htmltext import html_to_text, tidy_text
from extractors.timeparse import parse_timestamp

Problem = Literal["verification", "deleted", "expired", "unrecognised"]

_CT = re.compile(r"\bvar\s+ct\s*=\s*[\"'](\d{9,13})[\"']")
_NICKNAME = re.compile(r"\bvar\s+nickname\s*=\s*[\"']([^\"']+)[\"']")
_MSG_LINK = re.compile(r"\bvar\s+msg_link\s*=\s*[\"']([^\"']+)[\"']")
_VERIFICATION_URL = re.compile(r"wappoc_appmsgcaptcha|/mp/verifycode", re.IGNORECASE)
_VERIFICATION = re.compile(r"环境异常|完成验证后即可继续访问|请输入验证码|访问过于频繁")
_DELETED = re.compile(r"该内容已被发布者删除|此内容已被发布者删除|此内容因违规无法查看|此内容因违规已删除|"
                      r"此内容被多人投诉|此帐号已被封禁|此账号已被封禁|此帐号已注销|此账号已注销|内容已删除|该公众号已迁移")
_EXPIRED = re.compile(r"链接已过期|该链接已过期")


@dataclass(frozen=True, slots=True)
class ArticlePage:
    """One answer of the article host: the article's parts, or `problem` with what was shown."""

    title: str = ""
    account: str = ""
    body: str = ""
    published_at: datetime | None = None
    permanent_url: str | None = None
    problem: Problem | None = None
    notice: str = ""  # the words of the page shown instead of the article


def parse_article_page(html: str, url: str = "") -> ArticlePage:
    """Read an mp.weixin.qq.com answer: the article, or which page came instead. Never raises."""
    if _VERIFICATION_URL.search(urlsplit(url).path + "?" + urlsplit(url).query):
        return ArticlePage(problem="verification", notice="a verification page (wappoc_appmsgcaptcha)")
    soup = BeautifulSoup(html, "lxml")
    content = soup.select_one("#js_content")
    if content is None:
        return ArticlePage(problem=_instead(soup), notice=_notice(soup))
    title_node = soup.select_one("#activity-name")
    title = title_node.get_text(" ", strip=True) if title_node is not None else _meta(soup, "og:title")
    account_node = soup.select_one("#js_name")
    account = account_node.get_text(" ", strip=True) if account_node is not None else _script_value(_NICKNAME, html)
    stamp = _script_value(_CT, html)
    try:
        published = parse_timestamp(stamp) if stamp else None
    except ValueError:
        published = None
    return ArticlePage(title=tidy_text(title), account=tidy_text(account), body=html_to_text(content.decode_contents()),
                       published_at=published, permanent_url=permanent_link(html))


def permanent_link(html: str) -> str | None:
    """The article's permanent address from `var msg_link` (entities and `\\x26` undone, `#rd`
    dropped), or None when the page has no usable one (a template, a temporary link)."""
    found = _MSG_LINK.search(html)
    if not found:
        return None
    link = found.group(1).replace("\\x26", "&").replace("&amp;", "&").split("#", 1)[0]
    parts = urlsplit(link)
    if parts.scheme not in ("http", "https") or "__biz=" not in parts.query or "${" in link:
        return None
    return "https://" + parts.netloc + parts.path + "?" + parts.query


def _instead(soup: BeautifulSoup) -> Problem:
    text = soup.get_text(" ")
    if _VERIFICATION.search(text) or soup.select_one("#verifycode, input[name=verifycode]") is not None:
        return "verification"
    if _DELETED.search(text):
        return "deleted"
    if _EXPIRED.search(text):
        return "expired"
    return "unrecognised"


def _notice(soup: BeautifulSoup) -> str:
    """What the page says, short: its global message box, else its title, else its first words."""
    for selector in (".weui-msg__title", ".global_error_msg", ".warn_title", "title"):
        node = soup.select_one(selector)
        if node is not None and node.get_text(strip=True):
            return " ".join(node.get_text(" ", strip=True).split())[:80]
    return " ".join(soup.get_text(" ").split())[:80]


def _meta(soup: BeautifulSoup, name: str) -> str:
    node = soup.find("meta", attrs={"property": name})
    content = node.get("content") if node is not None else None
    return content.strip() if isinstance(content, str) else ""


def _script_value(pattern: re.Pattern, html: str) -> str:
    found = pattern.search(html)
    return found.group(1).strip() if found else ""
