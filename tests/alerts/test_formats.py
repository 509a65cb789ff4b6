"""formats: each target gets the same content, escaped so post text cannot inject markup."""

import re
from html.parser import HTMLParser

import pytest

from alerts.compose import Document, Item, Section, compose
from alerts.formats import safe_url, to_html, to_markdown, to_text

from .alert_fixtures import spike_alert

HOSTILE = Document(lang="en", title="*t*", fields=(("Top terms", "a_b _c_ [x](http://evil) <b>"),), sections=(
    Section("Sample posts", (Item(text="<script>alert(1)</script> *bold* [link](https://evil.example) `code` #tag",
                                  url="javascript:alert(1)", meta="weibo · 小红_Lee"),
                             Item(text="ok", url="https://weibo.com/1/A b)c"),), numbered=True),
    Section("See every post", code="brandmon sql \"SELECT 1 WHERE a < 2 AND b <script>\""),
))


class Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.hrefs = [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.hrefs += [v for k, v in attrs if k == "href"]


def test_both_languages_render_chinese_first():
    docs = [compose(spike_alert(), "zh"), compose(spike_alert(), "en")]
    text = to_text(docs)
    assert text.index("【警告】") < text.index("[WARNING]")
    html = to_html(docs)
    assert html.index("品牌") < html.index("Brand")


def test_html_escapes_post_text_and_links_only_http_urls():
    parser = Tags()
    parser.feed(to_html([HOSTILE]))
    assert "script" not in parser.tags and "b" not in parser.tags
    assert parser.hrefs == ["https://weibo.com/1/A%20b%29c"]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in to_html([HOSTILE])


@pytest.mark.parametrize("flavour", ["slack", "dingtalk", "feishu"])
def test_chat_markdown_neutralises_markup_in_post_text(flavour):
    md = to_markdown([HOSTILE], flavour)
    links = re.findall(r"\[([^\]]*)\]\(([^)]*)\)", md)
    assert links == [("link", "https://weibo.com/1/A%20b%29c")]  # only our own link, only http(s)
    prose = md.split("**See every post**")[0]
    assert "<script>" not in prose and "<b>" not in prose
    assert "＜script＞alert(1)＜/script＞ ＊bold＊ ［link］(https://evil.example) ｀code｀ ＃tag" in md
    assert "a_b ＿c＿" in md and "小红_Lee" in md  # intraword underscores cannot emphasise; edge ones can
    bold = re.findall(r"\*\*([^*]+)\*\*", md)
    assert bold == ["Top terms", "Sample posts", "See every post"]


def test_chat_markdown_keeps_the_query_copyable_in_a_code_span():
    slack = to_markdown([HOSTILE], "slack")
    assert '`brandmon sql "SELECT 1 WHERE a < 2 AND b <script>"`' in slack  # Apprise entity-escapes code spans
    dingtalk = to_markdown([HOSTILE], "dingtalk")
    assert '`brandmon sql "SELECT 1 WHERE a < 2 AND b ＜script>"`' in dingtalk  # comparisons kept, tags broken


def test_dingtalk_lines_end_with_hard_breaks():
    md = to_markdown([compose(spike_alert(), "zh")], "dingtalk")
    assert md.splitlines()[0].endswith("  ")


def test_text_drops_control_and_bidi_characters():
    doc = Document(lang="en", title="a\u202eb\x00c", fields=(("k", "v\x1b[31m"),))
    assert to_text([doc]).splitlines()[0] == "abc"
    assert "\x1b" not in to_text([doc])


@pytest.mark.parametrize("url, expected", [
    ("https://weibo.com/123/AbC", "https://weibo.com/123/AbC"),
    ("http://bbs.example.cn/thread-1-1.html?x=<y>", "http://bbs.example.cn/thread-1-1.html?x=%3Cy%3E"),
    ("javascript:alert(1)", None), ("data:text/html,x", None), ("", None), (None, None), ("//weibo.com/x", None),
])
def test_safe_url(url, expected):
    assert safe_url(url) == expected
