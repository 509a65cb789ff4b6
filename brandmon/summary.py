"""The report `make run` prints: what was collected, scored, alerted and where things are."""

from __future__ import annotations

from typing import TYPE_CHECKING

from brandmon.config import Config

if TYPE_CHECKING:
    from duckdb import DuckDBPyConnection


def summarise(conn: DuckDBPyConnection, config: Config) -> str:
    """A plain-text report from the published warehouse (read-only connection)."""
    lines: list[str] = []
    add = lines.append
    posts, brands = conn.execute("SELECT count(*), count(DISTINCT brand) FROM v_mentions").fetchone()
    add(f"Warehouse: {posts} mentions of {brands} brands in {config.published_path}")
    add("")
    add("Mentions by brand and source")
    for brand, platform, source, count in conn.execute(
            "SELECT brand, platform, source, count(*) FROM v_mentions GROUP BY ALL ORDER BY brand, 4 DESC").fetchall():
        add(f"  {brand:<16} {platform}/{source:<14} {count:>6}")
    add("")
    add("Sentiment and complaints by brand")
    add(f"  {'brand':<16} {'mentions':>8} {'pos':>6} {'neu':>6} {'neg':>6} {'complaints':>10} {'net':>7}")
    for row in conn.execute(
            """SELECT brand, sum(mentions), sum(pos), sum(neu), sum(neg), sum(complaints),
                      round((sum(pos) - sum(neg)) / sum(mentions), 3)
               FROM v_daily GROUP BY brand ORDER BY brand""").fetchall():
        add(f"  {row[0]:<16} {row[1]:>8} {row[2]:>6} {row[3]:>6} {row[4]:>6} {row[5]:>10} {row[6]:>7}")
    add("")
    add("Sources (latest window per brand and source)")
    for brand, source, status, kind, message, count in conn.execute(
            """SELECT brand, source, status, error_kind, message, posts FROM v_source_health
               QUALIFY row_number() OVER (PARTITION BY brand, source ORDER BY window_end DESC) = 1
               ORDER BY brand, source""").fetchall():
        problem = f"  {kind}: {message[:140]}" if kind else ""
        add(f"  {brand:<16} {source:<16} {status:<8} {count:>5} posts{problem}")
    add("")
    topics = conn.execute(
        """SELECT brand, label, volume, is_new FROM v_hot_topics
           WHERE window_end = (SELECT max(window_end) FROM v_hot_topics) ORDER BY brand, score DESC""").fetchall()
    if topics:
        add("Hot topics (last hour)")
        for brand, label, volume, is_new in topics[:8]:
            add(f"  {brand:<16} {label}  ({volume} posts{', new' if is_new else ''})")
        add("")
    alerts = conn.execute(
        """SELECT brand, kind, severity, strftime(bucket_start_local, '%Y-%m-%d %H:%M'), observed, expected,
                  channel, status, reason, subject
           FROM v_alerts WHERE kind <> 'digest' ORDER BY bucket_start, brand, kind, channel""").fetchall()
    add(f"Alerts ({len({(a[0], a[1], a[3], a[9]) for a in alerts})})")
    for brand, kind, severity, local, observed, expected, channel, status, reason, subject in alerts:
        measure = f"{observed:.0f} vs {expected:.1f} expected" if kind.endswith(("spike", "topic")) else subject
        add(f"  {local} {brand:<14} {kind:<16} {severity:<8} {measure:<22} -> {channel}: {status}"
            f"{f' ({reason})' if reason else ''}")
    digests = conn.execute(
        "SELECT DISTINCT strftime(bucket_start_local, '%Y-%m-%d'), channel, status FROM v_alerts WHERE kind = 'digest' "
        "ORDER BY 1").fetchall()
    for day, channel, status in digests:
        add(f"  daily digest {day} -> {channel}: {status}")
    file_channels = [ch.options.get("path") for ch in config.alerting.channels.values() if ch.kind == "file"]
    if file_channels:
        add(f"  local file channel: {', '.join(p for p in file_channels if p)}")
    return "\n".join(lines)
