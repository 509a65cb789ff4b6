"""chart: a sparkline for chat and a PNG bar chart for email, without a plotting library."""

import struct
import zlib

import pytest

from alerts.chart import BAR, OVERLAY, bar_chart_png, sparkline


def test_sparkline_scales_to_the_largest_value():
    assert sparkline([0, 1, 2, 4, 8]) == "▁▂▃▅█"
    assert sparkline([0, 0, 0]) == "▁▁▁"
    assert sparkline([]) == ""


def decode(png: bytes) -> tuple[int, int, list[bytes]]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    pos, chunks = 8, {}
    while pos < len(png):
        length, tag = struct.unpack(">I4s", png[pos:pos + 8])
        data = png[pos + 8:pos + 8 + length]
        assert struct.unpack(">I", png[pos + 8 + length:pos + 12 + length])[0] == zlib.crc32(tag + data)
        chunks[tag] = data
        pos += 12 + length
    width, height = struct.unpack(">II", chunks[b"IHDR"][:8])
    raw = zlib.decompress(chunks[b"IDAT"])
    stride = 1 + width * 3
    rows = [raw[i * stride + 1:(i + 1) * stride] for i in range(height)]
    return width, height, rows


def test_png_bars_are_drawn_to_scale_with_the_overlay_on_top():
    width, height, rows = decode(bar_chart_png([10, 0, 5], [5, 0, 0], bar_width=10, height=60))
    assert (width, height) == (6 * 2 + 3 * 14 - 4, 60)

    def column_colours(x):
        return [bytes(rows[y][x * 3:x * 3 + 3]) for y in range(height)]

    first, second, third = (column_colours(6 + i * 14 + 5) for i in range(3))
    assert first.count(bytes(OVERLAY)) == 24 and first.count(bytes(BAR)) == 24  # 48 px usable: 10 → 48, 5 → 24
    assert bytes(BAR) not in second and bytes(OVERLAY) not in second
    assert third.count(bytes(BAR)) == 24 and bytes(OVERLAY) not in third


def test_png_rejects_mismatched_series():
    with pytest.raises(ValueError):
        bar_chart_png([1, 2], [1])
