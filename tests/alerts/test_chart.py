"""chart: the 7-day trend PNG (matplotlib, the packaged CJK font) and the text sparkline for chat.

The PNG is decoded and looked at: its size, that every Chinese glyph came from the packaged font
(matplotlib warns for each glyph a font lacks; none may be warned about), that two different
Chinese titles draw different pixels (missing glyphs would draw the same boxes), and that the
bars, the negative part, the marked window and the no-data spans are drawn in their colours.
"""

from __future__ import annotations

import io
import warnings
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from alerts.chart import (
    DPI,
    MARK_COLOUR,
    NEGATIVE_COLOUR,
    SIZE_INCHES,
    ChartTexts,
    TrendPicture,
    font_family,
    font_path,
    sparkline,
    trend_png,
)

ZH = ChartTexts(mentions="每小时声量", negatives="其中负面", negative_share="负面占比（每日）", no_data="无数据",
                y_axis="帖子数 / 小时", share_axis="负面占比", x_axis="本地时间（Asia/Shanghai）", mark="预警时间窗",
                day_total="日计 {n}", weekdays=("周一", "周二", "周三", "周四", "周五", "周六", "周日"))
END = datetime(2026, 11, 27, 15, 0)
START = datetime(2026, 11, 20, 0, 0)


def picture(title: str = "示例咖啡 · 近 7 天每小时声量", mark: bool = True, gaps: bool = True) -> TrendPicture:
    """A week of posts every hour (more by day), a burst at 14:00 on the last day, no data before noon on day one."""
    hours = [START + timedelta(hours=12 + i) for i in range(int((END - START).total_seconds() // 3600) - 12)]
    mentions = [3 + (h.hour % 12) for h in hours]
    mentions[-1] = 70
    negatives = [m // 5 for m in mentions]
    negatives[-1] = 40
    return TrendPicture(title=title, start=START, end=END, hours=tuple(hours), mentions=tuple(mentions),
                        negatives=tuple(negatives), texts=ZH,
                        mark=(datetime(2026, 11, 27, 14, 0), datetime(2026, 11, 27, 14, 15)) if mark else None,
                        mark_text="投诉激增 ×22.0 · 14:00–14:15",
                        gaps=((START, START + timedelta(hours=12)),) if gaps else ())


def render(pic: TrendPicture) -> tuple[bytes, list[str]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        png = trend_png(pic)
    return png, [str(w.message) for w in caught]


def colour_count(png: bytes, rgb: tuple[int, int, int], tolerance: int = 6) -> int:
    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=int)
    return int((np.abs(pixels - np.array(rgb)).max(axis=2) <= tolerance).sum())


def hex_rgb(colour: str) -> tuple[int, int, int]:
    return tuple(int(colour[i:i + 2], 16) for i in (1, 3, 5))


def test_sparkline_scales_to_the_largest_value():
    assert sparkline([0, 1, 2, 4, 8]) == "▁▂▃▅█"
    assert sparkline([0, 0, 0]) == "▁▁▁"
    assert sparkline([]) == ""


def test_the_font_is_the_packaged_noto_sans_cjk_not_a_system_font():
    import mplfonts
    from matplotlib import font_manager

    path = font_path()
    assert path.is_relative_to(Path(mplfonts.__file__).parent) and path.stat().st_size > 10_000_000
    assert font_family() == "Noto Sans CJK SC"
    resolved = font_manager.findfont(font_manager.FontProperties(family=font_family()), fallback_to_default=False)
    assert Path(resolved) == path


def test_the_png_has_the_set_size_and_every_chinese_glyph_renders():
    png, warned = render(picture())
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.size == (int(SIZE_INCHES[0] * DPI), int(SIZE_INCHES[1] * DPI))
    assert image.info.get("Title") == "示例咖啡 · 近 7 天每小时声量"
    assert [w for w in warned if "missing from font" in w] == []
    assert render(picture())[0] == png  # pure: the same picture, the same bytes


def test_a_font_without_chinese_would_be_caught():
    """The check above can fail: matplotlib's default font lacks these glyphs and says so."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    figure = Figure()
    figure.text(0.5, 0.5, "示例咖啡", family="DejaVu Sans")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        figure.savefig(io.BytesIO(), format="png")
    assert any("missing from font" in str(w.message) for w in caught)


def test_different_chinese_titles_draw_different_glyphs():
    # Missing glyphs would be drawn as identical boxes, so both images would be the same.
    assert render(picture("示例咖啡"))[0] != render(picture("样板茶饮"))[0]


def test_bars_negative_part_mark_and_gaps_are_drawn():
    png, _ = render(picture())
    plain, _ = render(picture(mark=False, gaps=False))
    assert colour_count(png, hex_rgb(NEGATIVE_COLOUR), 2) > 500
    # the marked window: the mark colour at alpha 0.28 over white
    shaded = tuple(round(255 - 0.28 * (255 - c)) for c in hex_rgb(MARK_COLOUR))
    assert colour_count(png, shaded, 3) > 200 and colour_count(plain, shaded, 3) < 20
    # the no-data span: a hatched light grey box
    assert colour_count(png, (0xEE, 0xEE, 0xEE), 1) > 2000 > colour_count(plain, (0xEE, 0xEE, 0xEE), 1)


def test_mismatched_series_are_refused():
    pic = picture()
    with pytest.raises(ValueError):
        trend_png(TrendPicture(title="x", start=pic.start, end=pic.end, hours=pic.hours, mentions=pic.mentions[:-1],
                               negatives=pic.negatives, texts=ZH))


def test_a_forked_pool_renders_a_runs_charts_to_the_same_bytes_as_one_process():
    from alerts.compose import picture as alert_picture
    from brandmon.pipeline import render_charts

    from .alert_fixtures import charted_spike_alert, spike_alert, week_trend

    spikes = [charted_spike_alert(), charted_spike_alert(brand="demo_tea", kind="complaint_spike", subject="complaint"),
              spike_alert(details={"trend": week_trend(), "ratio": 12.5, "brand_name": "样板茶饮"})]
    pictures = [alert_picture(alert, lang) for alert in spikes for lang in ("zh", "en")]
    pictures += [picture(), picture(title="样板茶饮 · 近 7 天", mark=False, gaps=False)]
    assert len(set(pictures)) == len(pictures) == 8
    in_process = [trend_png(p) for p in pictures]
    assert render_charts(pictures) == in_process
    assert render_charts(pictures[:1]) == in_process[:1]  # one picture: no pool


def test_a_runs_charts_are_rendered_once_per_distinct_picture():
    from alerts.chart import rendered, trend_pngs

    asked: list[list[TrendPicture]] = []

    def render(pictures):
        asked.append(list(pictures))
        return trend_pngs(pictures)

    zh, other = picture(), picture(title="样板茶饮 · 近 7 天")
    charts = rendered([zh, None, other, zh], render)
    assert asked == [[zh, other]]
    assert charts == {zh: trend_png(zh), other: trend_png(other)}
    assert rendered([None], render) == {}
