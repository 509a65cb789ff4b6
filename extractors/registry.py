"""Which module implements each source `kind`; modules are imported only when used."""

from __future__ import annotations

import importlib
from types import ModuleType

KINDS: dict[str, str] = {
    "archive": "extractors.archive",
    "rss": "extractors.rss",
    "html_list": "extractors.html_list",
    "crawler_export": "extractors.crawler_exports",
    "weibo_search": "extractors.weibo.search",
    "weibo_api": "extractors.weibo.api",
    "heimao": "extractors.heimao.source",
    "wechat_articles": "extractors.wechat.source",
}


def source_module(kind: str) -> ModuleType:
    """The module for a source kind; raises KeyError listing the known kinds."""
    if kind not in KINDS:
        raise KeyError(f"unknown source kind {kind!r}; known kinds: {', '.join(sorted(KINDS))}")
    return importlib.import_module(KINDS[kind])
