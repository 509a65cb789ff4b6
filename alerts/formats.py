"""Render Documents per target, escaping every string for that target.

- `to_text`: plain text (email text part, the file channel, WeCom bots): control and bidi
  characters stripped, nothing else to escape.
- `to_html`: the email HTML part; every string HTML-escaped, links only for http(s) URLs.
- `to_markdown(doc, flavour)`: chat Markdown. `slack` is CommonMark that Apprise converts to
  Slack mrkdwn; `dingtalk` and `feishu` are those bots' Markdown subsets, which document no
  backslash escapes. In all three, markup characters in untrusted text (* ~ ` [ ] < > # | & and
  backslash, and _ at a word edge) become their full-width look-alikes (＊ ＿ ［ ］ ＜ …), so a
  post reads the same but can never open a link, bold text or an HTML tag. Link targets are
  http(s) only and percent-encoded.
Several languages render one after another (Chinese first when both are configured).
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from urllib.parse import quote, urlsplit

from alerts.chart import sparkline
from alerts.compose import Chart, Document
from alerts.i18n import label

FLAVOURS = ("slack", "dingtalk", "feishu")
LANGUAGE_RULE = "—" * 12
_INVISIBLE = re.compile("[\x00-\x08\x0b-\x1f\x7f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_FULLWIDTH = str.maketrans({"*": "＊", "~": "～", "`": "｀", "[": "［", "]": "］",
                            "<": "＜", ">": "＞", "#": "＃", "|": "｜", "&": "＆", "\\": "＼"})
_TAG_START = re.compile(r"<(?=[A-Za-z/!?])")
_EDGE_UNDERSCORE = re.compile(r"(?<!\w)_|_(?!\w)")  # can open or close emphasis; intraword _ cannot
_LINE_BREAK = {"slack": "\n", "dingtalk": "  \n", "feishu": "\n"}


def clean(text: str) -> str:
    """Drop control and bidi-override characters (they can disguise a link or break a payload)."""
    return _INVISIBLE.sub("", text)


def safe_url(url: str | None) -> str | None:
    """The URL if it is http(s), with characters that could end a Markdown/HTML link percent-encoded."""
    if not url:
        return None
    url = clean(url).strip()
    try:
        scheme = urlsplit(url).scheme.lower()
    except ValueError:
        return None
    if scheme not in ("http", "https"):
        return None
    return quote(url, safe="/:?#@!$&'*+,;=%~-._")


def to_text(docs: Sequence[Document]) -> str:
    """Plain text of one or more languages, separated by a rule."""
    return f"\n\n{LANGUAGE_RULE}\n\n".join(_text(doc) for doc in docs)


def to_html(docs: Sequence[Document], images: Mapping[str, str] | None = None) -> str:
    """A complete HTML email body; `images` maps a language to its chart's source (e.g. `cid:…`),
    shown under that language's fields."""
    body = "\n<hr>\n".join(_html(doc, (images or {}).get(doc.lang)) for doc in docs)
    return ('<!DOCTYPE html>\n<html><head><meta charset="utf-8"></head>'
            f'<body style="font-family: sans-serif; line-height: 1.5">\n{body}\n</body></html>\n')


def to_markdown(docs: Sequence[Document], flavour: str, with_title: bool = False) -> str:
    """Chat Markdown for `flavour` (slack, dingtalk or feishu); the title is left to the bot unless asked."""
    if flavour not in FLAVOURS:
        raise ValueError(f"unknown Markdown flavour {flavour!r}; use one of {', '.join(FLAVOURS)}")
    return "\n\n---\n\n".join(_markdown(doc, flavour, with_title or i > 0) for i, doc in enumerate(docs))


def _text(doc: Document) -> str:
    lines = [clean(doc.title), ""]
    lines += [f"{clean(name)}: {clean(value)}" for name, value in doc.fields]
    if doc.chart:
        lines += ["", clean(doc.chart.title)] + [f"  {line}" for line in _chart_lines(doc.chart, doc.lang)]
    for section in doc.sections:
        lines += ["", clean(section.title)]
        for n, item in enumerate(section.items, 1):
            lines.append(f"{n}. {clean(item.text)}" if section.numbered else f"- {clean(item.text)}")
            if item.meta:
                lines.append(f"   {clean(item.meta)}")
            if safe_url(item.url):
                lines.append(f"   {safe_url(item.url)}")
        if section.code:
            lines.append(f"  {clean(section.code)}")
    return "\n".join(lines)


def _chart_lines(chart: Chart, lang: str) -> list[str]:
    width = max(len(name) for name, _ in chart.series)
    lines = []
    for name, values in chart.series:
        peak = max(range(len(values)), key=lambda i: values[i]) if values else 0
        peak_note = f"{label(lang, 'peak')} {values[peak]} @ {chart.hours[peak]}:00" if values else ""
        lines.append(f"{name.ljust(width)} {sparkline(values)} {peak_note}")
    if chart.hours:
        lines.append(f"{' ' * width} {chart.hours[0]}:00 … {chart.hours[-1]}:00")
    return lines


def _h(text: str) -> str:
    return html.escape(clean(text), quote=True)


def _html(doc: Document, chart_src: str | None) -> str:
    out = [f"<h2>{_h(doc.title)}</h2>", '<table cellpadding="4" style="border-collapse: collapse">']
    out += [f'<tr><th align="left" valign="top">{_h(name)}</th><td>{_h(value)}</td></tr>'
            for name, value in doc.fields]
    out.append("</table>")
    if doc.picture and chart_src:
        alt = label(doc.lang, "chart_alt").format(title=doc.picture.title)
        out.append(f'<p><img src="{_h(chart_src)}" alt="{_h(alt)}" width="900" style="max-width: 100%; '
                   f'height: auto"></p>')
    if doc.chart:
        out.append(f"<h3>{_h(doc.chart.title)}</h3>")
        out.append(f"<pre>{_h(chr(10).join(_chart_lines(doc.chart, doc.lang)))}</pre>")
    for section in doc.sections:
        out.append(f"<h3>{_h(section.title)}</h3>")
        if section.items:
            tag = "ol" if section.numbered else "ul"
            out.append(f"<{tag}>")
            for item in section.items:
                url = safe_url(item.url)
                link = f' <a href="{_h(url)}">{_h(doc.link_label)}</a>' if url else ""
                meta = f'<br><small style="color: #666">{_h(item.meta)}</small>' if item.meta else ""
                out.append(f"<li>{_h(item.text)}{link}{meta}</li>")
            out.append(f"</{tag}>")
        if section.code:
            out.append(f"<pre><code>{_h(section.code)}</code></pre>")
    return "\n".join(out)


def _md(text: str) -> str:
    return " ".join(_EDGE_UNDERSCORE.sub("＿", clean(text).translate(_FULLWIDTH)).split())


def _code(text: str, flavour: str) -> str:
    text = " ".join(clean(text).split())
    if flavour != "slack":  # these renderers pass HTML through; keep `<` of comparisons, break tags
        text = _TAG_START.sub("＜", text)
    fence = "`" * (max((len(run) for run in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _markdown(doc: Document, flavour: str, with_title: bool) -> str:
    br = _LINE_BREAK[flavour]
    lines = [f"**{_md(doc.title)}**", ""] if with_title else []
    lines += [f"**{_md(name)}**: {_md(value)}" for name, value in doc.fields]
    if doc.chart:
        lines += ["", f"**{_md(doc.chart.title)}**"] + [_md(line) for line in _chart_lines(doc.chart, doc.lang)]
    for section in doc.sections:
        lines += ["", f"**{_md(section.title)}**"]
        for n, item in enumerate(section.items, 1):
            url = safe_url(item.url)
            link = f" [{_md(doc.link_label)}]({url})" if url else ""
            bullet = f"{n}." if section.numbered else "-"
            lines.append(f"{bullet} {_md(item.text)}{link}")
            if item.meta:
                lines.append(f"    {_md(item.meta)}")
        if section.code:
            lines.append(_code(section.code, flavour))
    return br.join(lines)
