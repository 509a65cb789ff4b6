"""The digest's chart: a text sparkline for chat and a small PNG bar chart for email.

No plotting library is needed: the PNG is drawn into an RGB buffer and encoded with zlib, so the
chart works on any machine the pipeline runs on.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Sequence

BLOCKS = "▁▂▃▄▅▆▇█"
BACKGROUND = (255, 255, 255)
GRID = (225, 225, 225)
BAR = (120, 150, 200)
OVERLAY = (215, 70, 60)


def sparkline(values: Sequence[int | float]) -> str:
    """One block character per value, scaled to the largest; all-zero series read as a flat line."""
    top = max(values, default=0)
    if top <= 0:
        return BLOCKS[0] * len(values)
    return "".join(BLOCKS[min(int(v / top * (len(BLOCKS) - 1) + 0.5), len(BLOCKS) - 1)] for v in values)


def bar_chart_png(totals: Sequence[int], overlay: Sequence[int], bar_width: int = 16, height: int = 120) -> bytes:
    """A PNG of one bar per value of `totals` (blue) with `overlay` drawn over it (red), to scale."""
    if len(overlay) != len(totals):
        raise ValueError("totals and overlay must have the same length")
    gap, pad = 4, 6
    width = pad * 2 + len(totals) * (bar_width + gap) - gap if totals else pad * 2
    top = max(max(totals, default=0), max(overlay, default=0), 1)
    rows = [bytearray(bytes(BACKGROUND) * width) for _ in range(height)]
    usable = height - 2 * pad
    for fraction in (0.25, 0.5, 0.75, 1.0):
        y = height - pad - round(usable * fraction)
        rows[y][:] = bytes(GRID) * width
    for i, (total, part) in enumerate(zip(totals, overlay)):
        x0 = pad + i * (bar_width + gap)
        for value, colour in ((total, BAR), (part, OVERLAY)):
            bar = round(usable * value / top)
            for y in range(height - pad - bar, height - pad):
                rows[y][x0 * 3:(x0 + bar_width) * 3] = bytes(colour) * bar_width
    raw = b"".join(b"\x00" + bytes(row) for row in rows)
    return _png(width, height, raw)


def _png(width: int, height: int, raw: bytes) -> bytes:
    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB, no interlace
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")
