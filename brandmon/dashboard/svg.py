"""Charts as inline SVG, drawn on the server: nothing to fetch when a page is viewed.

Pure functions from plain numbers and labels to an SVG string; every label is escaped. Each chart
has axes with values, a legend, and a `<title>` that reads it out.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

MENTIONS, NEGATIVE, COMPLAINTS, MARK = "#6f8fc7", "#d2463c", "#e39a1b", "#f6d8d4"
PALETTE = ("#3c6fb4", "#e07b39", "#4f9d69", "#9b59b6", "#c0392b", "#7f8c8d")
FONT = "font-family=\"system-ui, 'PingFang SC', 'Microsoft YaHei', 'Noto Sans CJK SC', 'WenQuanYi Micro Hei', sans-serif\""


def nice_ticks(top: float, count: int = 4) -> list[float]:
    """Round tick values from 0 to at least `top` (steps of 1, 2 or 5 × 10^k)."""
    if top <= 0:
        return [0, 1]
    raw = top / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    step = max(step, 1)
    ticks = [0.0]
    while ticks[-1] < top:
        ticks.append(ticks[-1] + step)
    return ticks


def _number(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def _text(x: float, y: float, text: str, anchor: str = "start", size: int = 11, fill: str = "#444",
          extra: str = "") -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}" fill="{fill}"{extra}>'
            f"{escape(text)}</text>")


def text_width(text: str, size: float = 11) -> float:
    """About how wide `text` is drawn at `size` px: CJK characters a full em, others about 0.6 em."""
    return sum(size if ord(c) >= 0x2e80 else size * 0.6 for c in text)


def _legend(x: float, y: float, entries: Sequence[tuple[str, str]]) -> list[str]:
    out = []
    for name, colour in entries:
        out.append(f'<rect x="{x:.1f}" y="{y - 9:.1f}" width="10" height="10" fill="{colour}" rx="2"/>')
        out.append(_text(x + 14, y, name))
        x += 26 + text_width(name)
    return out


def volume_chart(labels: Sequence[str], mentions: Sequence[int], negative: Sequence[int],
                 complaints: Sequence[int], names: tuple[str, str, str], title: str,
                 mark: tuple[int, int] | None = None, mark_label: str = "", tick_every: int = 24,
                 width: int = 860, height: int = 280) -> str:
    """Bars of mentions per step with the negative ones over them and complaints as a line.

    `labels` name each step (shown every `tick_every` steps); `mark` = (first, last) step indexes
    shaded as the spike, captioned `mark_label`; `names` = legend names of the three series.
    """
    if not (len(labels) == len(mentions) == len(negative) == len(complaints)):
        raise ValueError("labels and series must have the same length")
    left, right, top, bottom = 48, 12, 34, 36
    plot_w, plot_h = width - left - right, height - top - bottom
    n = max(len(labels), 1)
    ticks = nice_ticks(max([*mentions, *complaints, 1]))
    scale = plot_h / ticks[-1]
    step_w = plot_w / n
    bar_w = max(step_w * 0.8, 1)

    def y(value: float) -> float:
        return top + plot_h - value * scale

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart volume-chart" viewBox="0 0 {width} {height}" '
           f'role="img" {FONT}><title>{escape(title)}</title>']
    if mark is not None:
        first, last = mark
        x0, x1 = left + first * step_w, left + (last + 1) * step_w
        out.append(f'<rect class="spike-mark" x="{x0:.1f}" y="{top}" width="{x1 - x0:.1f}" '
                   f'height="{plot_h}" fill="{MARK}"/>')
        half = text_width(mark_label) / 2
        centre = min(max((x0 + x1) / 2, left + half), width - right - half)
        out.append(_text(centre, top - 8, mark_label, "middle", 11, NEGATIVE, ' font-weight="600"'))
    for tick in ticks:
        out.append(f'<line x1="{left}" x2="{width - right}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" stroke="#e4e4e4"/>')
        out.append(_text(left - 6, y(tick) + 4, _number(tick), "end", 10, "#666"))
    for i, (total, neg) in enumerate(zip(mentions, negative)):
        x = left + i * step_w + (step_w - bar_w) / 2
        out.append(f'<rect class="bar mentions" x="{x:.1f}" y="{y(total):.1f}" width="{bar_w:.1f}" '
                   f'height="{total * scale:.1f}" fill="{MENTIONS}"><title>{escape(labels[i])}: {total}</title></rect>')
        if neg:
            out.append(f'<rect class="bar negative" x="{x:.1f}" y="{y(neg):.1f}" width="{bar_w:.1f}" '
                       f'height="{neg * scale:.1f}" fill="{NEGATIVE}"/>')
    if any(complaints):
        points = " ".join(f"{left + (i + 0.5) * step_w:.1f},{y(v):.1f}" for i, v in enumerate(complaints))
        out.append(f'<polyline class="line complaints" points="{points}" fill="none" stroke="{COMPLAINTS}" '
                   'stroke-width="2" stroke-linejoin="round"/>')
    out.append(f'<line x1="{left}" x2="{width - right}" y1="{top + plot_h}" y2="{top + plot_h}" stroke="#999"/>')
    for i in range(0, len(labels), max(tick_every, 1)):
        x = left + i * step_w
        out.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top + plot_h}" y2="{top + plot_h + 4}" stroke="#999"/>')
        out.append(_text(x + 2, top + plot_h + 16, labels[i], "start", 10, "#666"))
    if mentions:
        peak = max(range(len(mentions)), key=lambda i: mentions[i])
        px = left + (peak + 0.5) * step_w
        out.append(_text(min(max(px, left + 12), width - right - 12), max(y(mentions[peak]) - 4, top + 10),
                         _number(mentions[peak]), "middle", 10, "#333", ' class="peak"'))
    out += _legend(left, height - 4, list(zip(names, (MENTIONS, NEGATIVE, COMPLAINTS))))
    out.append("</svg>")
    return "".join(out)


def bar_list(items: Sequence[tuple[str, int]], title: str, width: int = 460, row: int = 24) -> str:
    """Horizontal bars, one per (name, count), the count written at each bar's end."""
    left, right = 16 + max((text_width(name, 12) for name, _ in items), default=0), 44
    height = max(len(items), 1) * row + 8
    top = max((count for _, count in items), default=0) or 1
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart bar-list" viewBox="0 0 {width} {height}" '
           f'role="img" {FONT}><title>{escape(title)}</title>']
    for i, (name, count) in enumerate(items):
        y = 4 + i * row
        length = (width - left - right) * count / top
        out.append(_text(left - 8, y + row * 0.62, name, "end", 12, "#333"))
        out.append(f'<rect class="bar" x="{left}" y="{y + 3}" width="{length:.1f}" height="{row - 8}" '
                   f'fill="{COMPLAINTS}" rx="2"/>')
        out.append(_text(left + length + 6, y + row * 0.62, _number(count), "start", 12, "#333"))
    out.append("</svg>")
    return "".join(out)


def sparkline(values: Sequence[int], negative: Sequence[int], title: str, width: int = 140, height: int = 34) -> str:
    """A small bar per value (the negative share in red), scaled to the largest, with its title."""
    n = max(len(values), 1)
    top = max([*values, 1])
    step = width / n
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="sparkline" viewBox="0 0 {width} {height}" '
           f'width="{width}" height="{height}" role="img"><title>{escape(title)}</title>']
    for i, (total, neg) in enumerate(zip(values, negative)):
        h = (height - 2) * total / top
        x = i * step + 1
        out.append(f'<rect x="{x:.1f}" y="{height - h:.1f}" width="{step - 2:.1f}" height="{h:.1f}" fill="{MENTIONS}"/>')
        hn = (height - 2) * neg / top
        out.append(f'<rect x="{x:.1f}" y="{height - hn:.1f}" width="{step - 2:.1f}" height="{hn:.1f}" fill="{NEGATIVE}"/>')
    out.append("</svg>")
    return "".join(out)


def stacked_days(days: Sequence[str], members: Sequence[tuple[str, Sequence[int]]], title: str,
                 width: int = 860, height: int = 260) -> str:
    """One bar per day of every member's mentions stacked, the first member's share written above it."""
    left, right, top, bottom = 48, 12, 26, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    totals = [sum(values[d] for _, values in members) for d in range(len(days))]
    ticks = nice_ticks(max([*totals, 1]))
    scale = plot_h / ticks[-1]
    step_w = plot_w / max(len(days), 1)
    bar_w = step_w * 0.7
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart share-chart" viewBox="0 0 {width} {height}" '
           f'role="img" {FONT}><title>{escape(title)}</title>']
    for tick in ticks:
        y = top + plot_h - tick * scale
        out.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e4e4e4"/>')
        out.append(_text(left - 6, y + 4, _number(tick), "end", 10, "#666"))
    for d, day in enumerate(days):
        x = left + d * step_w + (step_w - bar_w) / 2
        base = top + plot_h
        for m, (name, values) in enumerate(members):
            h = values[d] * scale
            base -= h
            out.append(f'<rect class="bar member-{m}" x="{x:.1f}" y="{base:.1f}" width="{bar_w:.1f}" height="{h:.1f}" '
                       f'fill="{PALETTE[m % len(PALETTE)]}"><title>{escape(name)} {escape(day)}: {values[d]}</title></rect>')
        if totals[d]:
            share = members[0][1][d] / totals[d]
            out.append(_text(x + bar_w / 2, base - 4, f"{share:.0%}", "middle", 10, "#333"))
        out.append(_text(x + bar_w / 2, top + plot_h + 14, day[5:], "middle", 10, "#666"))
    out.append(f'<line x1="{left}" x2="{width - right}" y1="{top + plot_h}" y2="{top + plot_h}" stroke="#999"/>')
    out += _legend(left, height - 4, [(name, PALETTE[m % len(PALETTE)]) for m, (name, _) in enumerate(members)])
    out.append("</svg>")
    return "".join(out)
