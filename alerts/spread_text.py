"""How a post spreads, in words: the section of an alert that names the top amplifiers of its posts
and says whether their spread is accelerating (zh / en words in alerts.i18n.SPREAD_WORDS)."""

from __future__ import annotations

import math

from alerts.i18n import followers_text, label, spread_word
from warehouse.spread import PostSpread

AMPLIFIERS = 3  # amplifiers a message names per post


def spread_title(lang: str) -> str:
    """The section's title."""
    return spread_word(lang, "title")


def spread_item(lang: str, spread: PostSpread) -> tuple[str, str | None, str]:
    """(line, link, details) of one post's spread, as `alerts.compose.Item` takes them: how far and
    whether it accelerates, with the numbers (`吃货小王的帖子：转发 15（已抓取 14），最深 5 层，大号转发占
    21%；正在加速：…`); the post's link; who carries it."""
    sep = "，" if lang == "zh" else ", "
    reach = spread_word(lang, "reposts", total=spread.reposts_total if spread.reposts_total is not None
                        else spread.reposts_seen)
    if spread.reposts_total is not None and spread.reposts_seen < spread.reposts_total:
        reach += spread_word(lang, "seen", seen=spread.reposts_seen)
    parts = [reach, spread_word(lang, "depth", depth=spread.depth)]
    if spread.large_reach_share is not None:
        parts.append(spread_word(lang, "large_share", share=f"{spread.large_reach_share:.0%}"))
    author = spread_word(lang, "post_of", author=spread.author or spread.post_key)
    line = f"{author}{label(lang, 'colon')}{sep.join(parts)}{'；' if lang == 'zh' else '; '}{_speed(lang, spread)}"
    return line, spread.url, _amplifiers(lang, spread)


def _rate(value: float | None) -> str:
    return "?" if value is None else f"{value:.1f}"


def _speed(lang: str, spread: PostSpread) -> str:
    """The verdict and the rates behind it."""
    verdict = spread_word(lang, spread.verdict)
    if spread.before_per_hour is None:
        rates = spread_word(lang, "recent_only", minutes=spread.recent_minutes, recent=_rate(spread.recent_per_hour))
    else:
        rates = spread_word(lang, "rates", minutes=spread.recent_minutes, recent=_rate(spread.recent_per_hour),
                            before=_rate(spread.before_per_hour))
        if spread.p_value is not None and spread.rate_ratio is not None:
            ratio = "∞" if math.isinf(spread.rate_ratio) else f"{spread.rate_ratio:.1f}"
            rates += spread_word(lang, "test", ratio=ratio, p=f"{spread.p_value:.2g}")
    if spread.early_per_hour is not None:
        rates += ("，" if lang == "zh" else ", ") + spread_word(lang, "early", early=_rate(spread.early_per_hour))
    return f"{verdict}{label(lang, 'colon')}{rates}"


def _amplifiers(lang: str, spread: PostSpread) -> str:
    """`主要扩散者：本地新闻速递（粉丝 150万，带来转发 4）· …` / `top amplifiers: 本地新闻速递 (1.5M followers, drew 4 reposts) · …`."""
    named = []
    for amplifier in spread.amplifiers[:AMPLIFIERS]:
        facts = [followers_text(lang, amplifier.followers)] if amplifier.followers is not None else []
        if amplifier.drawn:
            facts.append(spread_word(lang, "drew", drawn=amplifier.drawn))
        who = amplifier.user_name or amplifier.user_id or "?"
        named.append(f"{who}（{'，'.join(facts)}）" if lang == "zh" else f"{who} ({', '.join(facts)})")
    if not named:
        return spread_word(lang, "as_of", when=spread.as_of_local)
    return (f"{spread_word(lang, 'amplifiers')}{label(lang, 'colon')}{' · '.join(named)} · "
            f"{spread_word(lang, 'as_of', when=spread.as_of_local)}")
