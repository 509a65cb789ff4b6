"""Plain text from the HTML that feeds, list pages and exports carry (pure functions)."""

from __future__ import annotations

import re
import warnings

from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning

_BLOCKS = ("p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "blockquote", "pre", "section")
_SPACES = re.compile(r"[ \t\u00a0\u3000\u200b]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")


def html_to_text(fragment: str) -> str:
    """The readable text of an HTML fragment: tags dropped, blocks on their own lines, spaces collapsed.

    Scripts and styles are removed; image alt texts (Weibo writes emoticons as `<img alt="[哈哈]">`)
    are kept because they carry sentiment.
    """
    if "<" not in fragment and "&" not in fragment:
        return _tidy(fragment)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
        soup = BeautifulSoup(fragment, "lxml")
    for junk in soup(["script", "style", "noscript"]):
        junk.decompose()
    for image in soup.find_all("img"):
        alt = image.get("alt")
        image.replace_with(alt if isinstance(alt, str) else "")
    for block in soup.find_all(_BLOCKS):
        block.insert_before("\n")
        block.insert_after("\n")
    return _tidy(soup.get_text())


def title_and_body(title: str | None, body: str | None) -> str:
    """The text brand matching sees: the title, then the body unless the body already starts with it."""
    title = (title or "").strip()
    body = (body or "").strip()
    if not title:
        return body
    if not body or body.startswith(title):
        return body or title
    return f"{title}\n{body}"


def clip(text: str, limit: int) -> tuple[str, bool]:
    """Cut `text` to `limit` characters; says whether it was cut."""
    return (text, False) if len(text) <= limit else (text[:limit].rstrip() + "…", True)


def _tidy(text: str) -> str:
    lines = (_SPACES.sub(" ", line).strip() for line in text.replace("\r", "\n").split("\n"))
    return _BLANK_LINES.sub("\n", "\n".join(lines)).strip()
