"""The report `make run` prints: what was collected, scored, alerted and where things are."""

from __future__ import annotations

from typing import TYPE_CHECKING

from brandmon.config import Config
from warehouse import reports
from warehouse.spread import spread_overview

if TYPE_CHECKING:
    import duckdb


def summarise(conn: duckdb.DuckDBPyConnection, config: Config) -> str:
    """A plain-text report from the published warehouse (read-only connection)."""
    lines: list[str] = []
    add = lines.append
    posts, brands = reports.mention_totals(conn)
    add(f"Warehouse: {posts} mentions of {brands} brands in {config.warehouse.where}")
    add("")
    add("Mentions by brand and source")
    for brand, platform, source, count in reports.mentions_by_source(conn):
        add(f"  {brand:<16} {platform}/{source:<14} {count:>6}")
    add("")
    add("Sentiment and complaints by brand")
    add(f"  {'brand':<16} {'mentions':>8} {'pos':>6} {'neu':>6} {'neg':>6} {'complaints':>10} {'net':>7}")
    for row in reports.sentiment_by_brand(conn):
        add(f"  {row[0]:<16} {row[1]:>8} {row[2]:>6} {row[3]:>6} {row[4]:>6} {row[5]:>10} {row[6]:>7}")
    add("")
    add("Sources (latest window per brand and source)")
    for brand, source, status, kind, message, count in reports.latest_source_states(conn):
        problem = f"  {kind}: {message[:140]}" if kind else ""
        add(f"  {brand:<16} {source:<16} {status:<8} {count:>5} posts{problem}")
    add("")
    topics = reports.latest_hot_topics(conn)
    if topics:
        add("Hot topics (last hour)")
        for brand, label, volume, is_new in topics[:8]:
            add(f"  {brand:<16} {label}  ({volume} posts{', new' if is_new else ''})")
        add("")
    incidents = reports.incident_lines(conn)
    if incidents:
        add("Incidents (latest first; each channel got one message when it opened and one per escalation)")
        for line in incidents:
            add(f"  {line.opened_local} {line.subject:<14} {line.severity:<8} {line.status:<6} {line.alerts:>3} alerts · "
                f"escalated {line.escalations}× · {line.messages_sent} messages sent  ({line.incident_id})")
    spreads = spread_overview(conn, 5)
    if spreads:
        add("How posts spread (v_post_spread)")
        for brand, author, reposts, depth, verdict, amplifiers in spreads:
            add(f"  {brand:<16} {author or '?'}: {reposts} reposts, depth {depth}, {verdict}; "
                f"amplifiers: {', '.join(amplifiers[:3]) or '-'}")
        add("")
    alerts = reports.alert_deliveries(conn)
    add(f"Alerts ({len({(a.brand, a.kind, a.bucket_local, a.subject) for a in alerts})})")
    for brand, kind, severity, local, observed, expected, channel, status, reason, subject in alerts:
        measure = f"{observed:.0f} vs {expected:.1f} expected" if kind.endswith(("spike", "topic")) else subject
        add(f"  {local} {brand:<14} {kind:<16} {severity:<8} {measure:<22} -> {channel}: {status}"
            f"{f' ({reason})' if reason else ''}")
    for day, channel, status in reports.digest_deliveries(conn):
        add(f"  daily digest {day} -> {channel}: {status}")
    file_channels = [ch.options.get("path") for ch in config.alerting.channels.values() if ch.kind == "file"]
    if file_channels:
        add(f"  local file channel: {', '.join(p for p in file_channels if p)}")
    return "\n".join(lines)
