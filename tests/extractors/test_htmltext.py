"""Plain text from HTML fragments (feeds, list pages, Weibo), and how titles join bodies."""

from __future__ import annotations

from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from extractors.htmltext import clip, html_to_text, tidy_text, title_and_body

from .weibo.real_captures import timeline_mblogs


def test_blocks_become_lines_and_inline_tags_vanish():
    assert html_to_text("<p>第一段<b>加粗</b></p><div>第二段</div>文字<br>换行") == "第一段加粗\n第二段\n文字\n换行"


def test_scripts_and_styles_are_dropped_and_entities_decoded():
    assert html_to_text("<style>p{}</style><script>alert(1)</script><p>A&amp;B&nbsp;&lt;C&gt;</p>") == "A&B <C>"


def test_emoticon_images_keep_their_alt_text():
    assert html_to_text('太差了<img alt="[怒]" src="x.png"><img src="y.png">') == "太差了[怒]"


def test_plain_text_is_only_tidied():
    assert html_to_text("  多余   空格\u3000和\n\n\n空行  ") == "多余 空格 和\n空行"


def test_html_keeps_emoticons_and_topics_and_drops_buttons():
    fragment = ('好吃<span class="url-icon"><img alt=[偷笑] src="//h5.sinaimg.cn/x.png" /></span><br />'
                '<a href="https://m.weibo.cn/search?x"><span class="surl-text">#话题#</span></a>\u200b'
                ' 更多...<a href="/status/4383404751066167">全文</a>')
    assert html_to_text(fragment) == "好吃[偷笑]\n#话题# 更多..."


def test_html_of_a_real_post_keeps_its_emoticons():
    first = timeline_mblogs()[0]
    assert html_to_text(first["text"]) == "搬完这块砖，就可以吃好吃的了[偷笑][偷笑][偷笑]"


def test_invisible_characters_vanish_from_plain_text_too():
    assert tidy_text("示例\u200b咖啡\ufeff \r\n\n好喝") == "示例咖啡\n好喝"


def test_title_joins_the_body_once():
    assert title_and_body("标题", "正文") == "标题\n正文"
    assert title_and_body("标题", "标题开头的正文") == "标题开头的正文"
    assert title_and_body(None, "正文") == "正文"
    assert title_and_body("标题", "") == "标题"
    assert title_and_body("", None) == ""


def test_clip_marks_what_it_cut():
    assert clip("短", 5) == ("短", False)
    assert clip("一二三四五六", 3) == ("一二三…", True)


@given(st.text(max_size=200))
def test_any_fragment_gives_text_without_surrounding_space(fragment):
    text = html_to_text(fragment)
    assert text == text.strip()


@hsettings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_html_to_text_never_raises(fragment):
    assert isinstance(html_to_text(fragment), str)
