"""Plain text from the HTML that feeds, list pages, Weibo and exports carry (pure functions)."""

from __future__ import annotations

import re
import warnings

from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning

_BLOCKS = ("p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "blockquote", "pre", "section")
_UI_CHROME = {"全文", "展开", "收起", "展开全文", "收起全文", "展开c", "收起d"}  # fold buttons (Weibo, forums)
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\ufeff\ue627"), None)  # zero-width, Weibo's icon font
_SPACES = re.compile(r"[ \t\u00a0\u3000]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")


def html_to_text(fragment: str) -> str:
    """The readable text of an HTML fragment: tags dropped, blocks and <br> on their own lines,
    spaces collapsed.

    Scripts, styles, icon glyphs (`<i class="wbicon">`) and fold buttons ("展开", "全文") are
    removed; image alt texts (Weibo writes emoticons as `<img alt="[哈哈]">`) are kept because
    they carry sentiment; links keep their text.
    """
    if "<" not in fragment and "&" not in fragment:
        return tidy_text(fragment)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
        soup = BeautifulSoup(fragment, "lxml")
    for junk in soup(["script", "style", "noscript"]):
        junk.decompose()
    for icon in soup.select("i.wbicon, i[class*=icon]"):
        icon.decompose()
    for anchor in soup.find_all("a"):
        if anchor.get("action-type") in ("fl_unfold", "fl_fold") or anchor.get_text(strip=True) in _UI_CHROME:
            anchor.decompose()
    for image in soup.find_all("img"):
        alt = image.get("alt")
        image.replace_with(alt if isinstance(alt, str) else "")
    for block in soup.find_all(_BLOCKS):
        block.insert_before("\n")
        block.insert_after("\n")
    return tidy_text(soup.get_text())


def tidy_text(text: str) -> str:
    """Drop zero-width and icon-font characters, trim each line, collapse spaces and blank lines."""
    lines = (_SPACES.sub(" ", line).strip() for line in text.translate(_INVISIBLE).replace("\r", "\n").split("\n"))
    return _BLANK_LINES.sub("\n", "\n".join(lines)).strip()


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
