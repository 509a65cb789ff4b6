"""Bytes to text for pages, feeds and files: the declared charset first, damage kept local.

One rule for every source. A byte order mark decides. Otherwise the declared charsets are tried
in order (the HTTP header's, then the document's own `<meta charset>` or XML declaration), and
detection only when none fits. A charset *fits* the bytes when at most one non-ASCII byte in
twenty (or three bytes, for short texts) is invalid under it: a character cut by a byte-counting
PHP summary or a stray `\\xff` leaves a handful of invalid bytes, while a wrong label leaves most
of them invalid. Bytes that are (nearly) valid UTF-8 are read as UTF-8 whatever the label says:
GBK practically never passes for UTF-8, while GB18030 decoding accepts most UTF-8 byte pairs and
would silently turn the whole text into mojibake.

Invalid bytes never switch the codec: each run of them becomes one U+FFFD and is counted, so the
source can report "3 invalid bytes replaced" and the rest of the text stays right. Files decode
the same way but repair each record on its own (`decode_escaped`, `repair`), so a bad byte damages
only its record.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

import charset_normalizer

_ESCAPE = "brandmon.escape"
_ESCAPED = re.compile("[\udc00-\udcff]+")
_ASCII = bytes(range(0x80))
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
_DOC_CHARSET = re.compile(
    rb"""<\?xml[^>]*?encoding\s*=\s*["']([\w.:-]+)["']|<meta[^>]+?charset\s*=\s*["']?\s*([\w.:-]+)""",
    re.IGNORECASE)
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([\w.:-]+)", re.IGNORECASE)
_CHINESE_SUPERSETS = {"gbk": "gb18030", "gb2312": "gb18030", "x-gbk": "gb18030", "cp936": "gb18030",
                      "ms936": "gb18030", "euc-cn": "gb18030", "csgb2312": "gb18030", "x-euc-cn": "gb18030",
                      "gb_2312-80": "gb18030", "chinese": "gb18030"}
# Charsets that decode any byte string, so they cannot be checked: a label servers often get wrong.
_UNCHECKABLE = frozenset({"iso8859-1", "cp1252", "ascii"})  # codecs.lookup names
_DAMAGE_SHARE = 20  # at most 1 non-ASCII byte in 20 invalid ...
_DAMAGE_FLOOR = 3  # ... or 3 bytes (one cut character), whichever is more


def _escape(error: UnicodeError) -> tuple[str, int]:
    """Decode error handler: each invalid byte as a lone surrogate U+DC00+byte, counted later."""
    if not isinstance(error, UnicodeDecodeError):
        raise error
    return "".join(chr(0xDC00 + byte) for byte in error.object[error.start:error.end]), error.end


codecs.register_error(_ESCAPE, _escape)


@dataclass(frozen=True, slots=True)
class Decoded:
    """Text decoded from bytes: the codec used and how many invalid bytes were replaced by U+FFFD."""

    text: str
    encoding: str
    replaced: int = 0

    def note(self, where: str) -> str | None:
        """The health note for a source when bytes were replaced; None when the text is clean."""
        if not self.replaced:
            return None
        return f"{where}: {replaced_bytes(self.replaced)} (decoded as {self.encoding})"


def decode_bytes(body: bytes, *declared: str | None) -> Decoded:
    """Decode a whole page or feed by the rule in the module docstring; `declared` are the charset
    labels in order of authority (the HTTP header's first); the document's own is added here."""
    return decode_as(body, choose_encoding(body, *declared, document_charset(body)))


def decode_as(body: bytes, encoding: str) -> Decoded:
    """Decode with a known codec, invalid bytes replaced and counted."""
    text, replaced = repair(decode_escaped(body, encoding))
    return Decoded(text, encoding, replaced)


def choose_encoding(body: bytes, *labels: str | None) -> str:
    """The codec for `body`: BOM, (nearly) valid UTF-8, the first label that fits, detection."""
    for bom, codec in _BOMS:
        if body.startswith(bom):
            return codec
    if body.isascii() or fits(body, "utf-8"):
        return "utf-8"
    for label in labels:
        codec = codec_name(label)
        if codec is not None and codec not in _UNCHECKABLE and fits(body, codec):
            return codec
    best = charset_normalizer.from_bytes(body).best()
    detected = codec_name(best.encoding) if best is not None else None
    for codec in (detected, "gb18030"):  # a damaged GBK page defeats detection: the likeliest then
        if codec is not None and fits(body, codec):
            return codec
    return "utf-8"  # nothing fits: replacement characters show the damage, mojibake would hide it


def fits(body: bytes, codec: str) -> bool:
    """True when `body` decoded with `codec` has no more invalid bytes than damage explains."""
    try:
        invalid = invalid_bytes(decode_escaped(body, codec))
    except LookupError:
        return False
    non_ascii = len(body.translate(None, _ASCII))
    return invalid <= max(_DAMAGE_FLOOR, non_ascii // _DAMAGE_SHARE)


def decode_escaped(body: bytes, encoding: str) -> str:
    """`body` decoded with each invalid byte kept as a lone surrogate (see `repair`, `shown_raw`)."""
    return body.decode(encoding, errors=_ESCAPE)


def invalid_bytes(escaped: str) -> int:
    """How many invalid bytes an escaped text holds."""
    return sum(match.end() - match.start() for match in _ESCAPED.finditer(escaped))


def repair(escaped: str) -> tuple[str, int]:
    """An escaped text with each run of invalid bytes replaced by one U+FFFD, and the bytes' count."""
    return _ESCAPED.sub("\ufffd", escaped), invalid_bytes(escaped)


def shown_raw(escaped: str) -> str:
    """An escaped text with its invalid bytes written `\\xff`, for a quarantine record's raw payload."""
    return _ESCAPED.sub(lambda match: "".join(f"\\x{ord(ch) - 0xDC00:02x}" for ch in match.group()), escaped)


def replaced_bytes(count: int) -> str:
    """`3 invalid bytes replaced`, the words every health note about decoding damage uses."""
    return f"{count} invalid {'byte' if count == 1 else 'bytes'} replaced"


def header_charset(content_type: str | None) -> str | None:
    """The charset label of a Content-Type header, if it has one."""
    match = _HEADER_CHARSET.search(content_type or "")
    return match.group(1) if match else None


def document_charset(body: bytes) -> str | None:
    """The charset a document declares itself: XML declaration or `<meta charset>` in its first 4 KiB."""
    match = _DOC_CHARSET.search(body[:4096])
    return (match.group(1) or match.group(2)).decode("ascii", "ignore") if match else None


def codec_name(label: str | None) -> str | None:
    """A Python codec name for a charset label, the GBK family widened to GB18030; None if unknown."""
    if not label:
        return None
    name = label.strip().lower()
    name = _CHINESE_SUPERSETS.get(name, name)
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None
