"""Charts for alerts and digests: the 7-day trend as a PNG (matplotlib), and a text sparkline for chat.

`trend_png` is a pure function from plain series to PNG bytes: hourly mentions with the negative
part of each bar, the negative share per day, daily totals, the alert's window (or the digest's
day) marked and spans with no data shaded, on a local-time axis. Every text it prints comes in
the `TrendPicture` (alerts.compose fills them in Chinese or English). Text is set in Noto Sans
CJK SC loaded from the `mplfonts` package's own file, never from the system, so Chinese renders
the same on any machine, offline. matplotlib is imported inside the functions and draws on an Agg
canvas (pyplot is never loaded): importing this module costs nothing, so a DAG file may import
what imports it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

BLOCKS = "▁▂▃▄▅▆▇█"
FONT_FILE = "NotoSansCJKsc-Regular.otf"  # in mplfonts/fonts/
DPI = 100
SIZE_INCHES = (9.0, 4.2)  # 900 × 420 px: readable in a mail client without scaling
HOUR = timedelta(hours=1)
MENTIONS_COLOUR = "#8fb0d9"
NEGATIVE_COLOUR = "#d6493b"
SHARE_COLOUR = "#7a1f16"
MARK_COLOUR = "#f5a623"
GAP_COLOUR = "#9a9a9a"


def sparkline(values: Sequence[int | float]) -> str:
    """One block character per value, scaled to the largest; all-zero series read as a flat line."""
    top = max(values, default=0)
    if top <= 0:
        return BLOCKS[0] * len(values)
    return "".join(BLOCKS[min(int(v / top * (len(BLOCKS) - 1) + 0.5), len(BLOCKS) - 1)] for v in values)


@dataclass(frozen=True)
class ChartTexts:
    """Every word the chart prints, in one language (alerts.i18n)."""

    mentions: str  # legend: the bars
    negatives: str  # legend: the red part of the bars
    negative_share: str  # legend: the daily share line
    no_data: str  # legend: shaded spans
    y_axis: str
    share_axis: str
    x_axis: str  # names the time zone
    mark: str  # legend: the shaded alert window or digest day
    day_total: str  # a day's mentions above it, with `{n}`: '全天 {n}' / '{n}/day'
    weekdays: tuple[str, ...]  # Monday first, 7 names


@dataclass(frozen=True)
class TrendPicture:
    """What the trend chart shows, as plain values; times are local wall-clock (naive) datetimes.

    `hours` are hour starts with their `mentions` and `negatives`; hours missing from them are drawn
    empty. `mark` is the alert's window or the digest's day, labelled `mark_text`; `gaps` are
    spans with no data loaded.
    """

    title: str
    start: datetime
    end: datetime
    hours: tuple[datetime, ...]
    mentions: tuple[int, ...]
    negatives: tuple[int, ...]
    texts: ChartTexts
    mark: tuple[datetime, datetime] | None = None
    mark_text: str = ""
    gaps: tuple[tuple[datetime, datetime], ...] = ()


def font_path() -> Path:
    """The packaged CJK font file (mplfonts ships Noto Sans CJK SC); an error naming the package if absent."""
    from mplfonts.conf import FONT_DIR

    path = Path(FONT_DIR) / FONT_FILE
    if not path.is_file():
        raise RuntimeError(f"the chart font {path} is missing: reinstall the mplfonts package (make venv)")
    return path


@functools.cache
def font_family() -> str:
    """Register the packaged font with matplotlib (once per process) and return its family name."""
    from matplotlib import font_manager

    path = font_path()
    font_manager.fontManager.addfont(str(path))
    return font_manager.FontProperties(fname=str(path)).get_name()


def trend_png(picture: TrendPicture) -> bytes:
    """The picture rendered as a PNG (SIZE_INCHES at DPI); pure: the same picture gives the same bytes."""
    import io

    import matplotlib
    import matplotlib.dates as mdates
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import PercentFormatter
    from matplotlib.transforms import blended_transform_factory

    if not len(picture.hours) == len(picture.mentions) == len(picture.negatives):
        raise ValueError("hours, mentions and negatives must have the same length")
    texts = picture.texts
    style = {"font.family": [font_family()], "axes.unicode_minus": False, "font.size": 9, "axes.spines.top": False}
    with matplotlib.rc_context(style):  # pyplot is never loaded: no global backend, no figure registry
        figure = Figure(figsize=SIZE_INCHES, dpi=DPI, layout="constrained")
        FigureCanvasAgg(figure)
        ax = figure.add_subplot()
        share_ax = ax.twinx()
        x = [mdates.date2num(h) for h in picture.hours]
        width = 1 / 24 * 0.85
        ax.bar(x, picture.mentions, width=width, align="edge", color=MENTIONS_COLOUR, label=texts.mentions, zorder=2)
        ax.bar(x, picture.negatives, width=width, align="edge", color=NEGATIVE_COLOUR, label=texts.negatives, zorder=3)
        for i, (start, end) in enumerate(picture.gaps):
            ax.axvspan(mdates.date2num(start), mdates.date2num(end), facecolor="#eeeeee", edgecolor=GAP_COLOUR,
                       hatch="///", linewidth=0, zorder=1, label=texts.no_data if i == 0 else None)
        top = max(picture.mentions, default=0)
        ax.set_ylim(0, max(top * 1.3, 5))
        days = _days(picture)
        totals = _daily_totals(picture, days)
        top_of_axes = blended_transform_factory(ax.transData, ax.transAxes)
        share_x, share_y = [], []
        for day, (total, negative) in zip(days, totals):
            shown = (max(day, picture.start), min(day + timedelta(days=1), picture.end))
            middle = mdates.date2num(shown[0] + (shown[1] - shown[0]) / 2)  # a partial last day: its shown part
            if total:
                ax.text(middle, 0.985, texts.day_total.format(n=total), transform=top_of_axes, ha="center", va="top", fontsize=8,
                        color="#333333")
                share_x.append(middle)
                share_y.append(100 * negative / total)
        if share_x:
            share_ax.plot(share_x, share_y, color=SHARE_COLOUR, marker="o", markersize=4, linewidth=1.2,
                          label=texts.negative_share, zorder=4)
            for sx, sy in zip(share_x, share_y):
                share_ax.annotate(f"{sy:.0f}%", (sx, sy), textcoords="offset points", xytext=(0, 5), ha="center",
                                  fontsize=7, color=SHARE_COLOUR)
        share_ax.set_ylim(0, min(100, max(share_y, default=0) * 1.6 + 5))
        share_ax.set_ylabel(texts.share_axis, color=SHARE_COLOUR)
        share_ax.tick_params(axis="y", colors=SHARE_COLOUR)
        share_ax.yaxis.set_major_formatter(PercentFormatter(decimals=0))
        if picture.mark:
            _mark(ax, picture, mdates)
        left, right = mdates.date2num(picture.start), mdates.date2num(picture.end)
        ax.set_xlim(left, right + (right - left) * 0.02)  # a little room after the last hour, which may be marked
        ax.set_xticks([mdates.date2num(d) for d in days])
        ax.set_xticklabels([f"{d:%m-%d}\n{texts.weekdays[d.weekday()]}" for d in days], ha="left")
        ax.xaxis.set_minor_locator(mdates.HourLocator(byhour=(6, 12, 18)))
        ax.grid(axis="x", which="major", color="#cccccc", linewidth=0.8, zorder=0)
        ax.grid(axis="y", color="#eeeeee", linewidth=0.6, zorder=0)
        ax.set_ylabel(texts.y_axis)
        ax.set_xlabel(texts.x_axis)
        ax.set_title(picture.title, loc="left", fontsize=11)
        handles, names = (a + b for a, b in zip(ax.get_legend_handles_labels(), share_ax.get_legend_handles_labels()))
        figure.legend(handles, names, loc="outside lower center", ncols=len(handles), fontsize=8, frameon=False)
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", metadata={"Title": picture.title, "Software": "brandmon"})
    return buffer.getvalue()


Renderer = Callable[[Sequence[TrendPicture]], Iterable[bytes]]
"""Renders pictures to PNGs, in order: `trend_pngs` here, or a pool (brandmon.pipeline.render_charts)."""


def trend_pngs(pictures: Sequence[TrendPicture]) -> list[bytes]:
    """`trend_png` of each picture, in order, in this process."""
    return [trend_png(picture) for picture in pictures]


def rendered(pictures: Iterable[TrendPicture | None], render: Renderer = trend_pngs) -> dict[TrendPicture, bytes]:
    """The PNG of each distinct picture (Nones skipped), each rendered once by `render`: a run's charts,
    rendered together before its sends (a pool may render them side by side; the bytes are the same)."""
    distinct = list(dict.fromkeys(p for p in pictures if p is not None))
    return dict(zip(distinct, render(distinct), strict=True))


def warm() -> None:
    """Load what rendering needs (matplotlib's modules, the registered font), e.g. before a pool forks,
    so its workers inherit it instead of each loading it."""
    import matplotlib.backends.backend_agg  # noqa: F401
    import matplotlib.dates  # noqa: F401
    import matplotlib.figure  # noqa: F401

    font_family()


def _days(picture: TrendPicture) -> list[datetime]:
    """Local midnights from the day holding `start` up to `end` (exclusive)."""
    day = picture.start.replace(hour=0, minute=0, second=0, microsecond=0)
    days = []
    while day < picture.end:
        days.append(day)
        day += timedelta(days=1)
    return days


def _daily_totals(picture: TrendPicture, days: list[datetime]) -> list[tuple[int, int]]:
    index = {d.date(): i for i, d in enumerate(days)}
    totals = [[0, 0] for _ in days]
    for hour, mentions, negatives in zip(picture.hours, picture.mentions, picture.negatives):
        if (i := index.get(hour.date())) is not None:
            totals[i][0] += mentions
            totals[i][1] += negatives
    return [(m, n) for m, n in totals]


def _mark(ax, picture: TrendPicture, mdates) -> None:
    """Shade the marked window (at least an hour wide, so a 15-minute spike shows) and label its peak."""
    start, end = picture.mark
    if end - start < HOUR:
        start = start.replace(minute=0, second=0, microsecond=0)
        end = max(end, start + HOUR)
    ax.axvspan(mdates.date2num(start), mdates.date2num(end), color=MARK_COLOUR, alpha=0.28, linewidth=0, zorder=1,
               label=picture.texts.mark)
    inside = [(m, h) for h, m in zip(picture.hours, picture.mentions) if start <= h < end]
    if inside and end - start <= timedelta(hours=6):
        value, hour = max(inside)
        ax.annotate(picture.mark_text, (mdates.date2num(hour + HOUR / 2), value),
                    textcoords="offset points", xytext=(-40, 18), ha="right", fontsize=9, color="#8a5300",
                    arrowprops={"arrowstyle": "->", "color": "#8a5300"})
