"""Where a channel may send: the checks on a host taken from a Connection, before anything is sent.

A Connection is configuration anyone with Airflow's Connection rights can edit, so the host it
names is checked like untrusted input (server-side request forgery):
- the name is resolved and every address it resolves to is checked; the sender then connects to
  a checked address (webhook), so a DNS answer that changes between check and connect (DNS
  rebinding) cannot redirect it;
- cloud metadata services (169.254.169.254, fd00:ec2::254, Alibaba's 100.100.100.200,
  metadata.google.internal, ...) and link-local, multicast and unspecified addresses are refused;
- loopback and private addresses (127.0.0.0/8, 10.0.0.0/8, 192.168.0.0/16, fc00::/7, ...) only
  when the Connection's extra says `"allow_private": true` (an in-house receiver).
A refused host is a permanent DeliveryError naming the channel and Connection; a name that does
not resolve now is a retryable one.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Mapping
from typing import Any

from alerts.channels import DeliveryError
from alerts.settings import Channel

Address = ipaddress.IPv4Address | ipaddress.IPv6Address

METADATA_NAMES = frozenset({"metadata.google.internal", "metadata.goog", "metadata", "metadata.tencentyun.com",
                            "instance-data", "instance-data.ec2.internal"})
METADATA_ADDRESSES = frozenset(ipaddress.ip_address(a) for a in (
    "169.254.169.254", "fd00:ec2::254", "100.100.100.200", "192.0.0.192"))
SHARED = ipaddress.ip_network("100.64.0.0/10")  # carrier-grade NAT, used inside some clouds
ALLOW_PRIVATE = "allow_private"


def allows_private(secret: Mapping[str, Any]) -> bool:
    """Whether the Connection's extra sets `allow_private` (JSON true, or "true"/"1"/"yes" from a URI)."""
    value = (secret.get("extra") or {}).get(ALLOW_PRIVATE)
    return value is True or str(value).strip().lower() in ("true", "1", "yes")


def checked_addresses(host: str, port: int | None, channel: Channel, allow_private: bool) -> list[str]:
    """Every address `host` resolves to, in the resolver's order, once each is allowed.

    Raises a permanent DeliveryError when the host or any of its addresses is refused, and a
    retryable one when the name does not resolve now.
    """
    name = host.strip("[]").rstrip(".").lower()
    if name in METADATA_NAMES:
        raise _refused(channel, name, None, "a cloud metadata service")
    try:
        found = socket.getaddrinfo(name, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise DeliveryError(f"channel {channel.name!r}: cannot resolve {name} ({error}); "
                            f"Connection {_connection(channel)!r}") from None
    addresses = list(dict.fromkeys(str(info[4][0]).split("%")[0] for info in found))
    for text in addresses:
        reason = refusal(ipaddress.ip_address(text), allow_private)
        if reason:
            raise _refused(channel, name, text, reason)
    return addresses


def refusal(address: Address, allow_private: bool) -> str | None:
    """Why a channel may not send to `address`, or None when it may."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    if address in METADATA_ADDRESSES:
        return "a cloud metadata service"
    if address.is_link_local:
        return "a link-local address"
    if address.is_multicast or address.is_unspecified:
        return "not a unicast address"
    if address.is_global:
        return None
    if address.is_loopback or address.is_private or address in SHARED:
        return None if allow_private else (f"a loopback or private address (allowed only with "
                                           f"\"{ALLOW_PRIVATE}\": true in the Connection's extra)")
    return "a reserved address"
    return None


def _refused(channel: Channel, host: str, address: str | None, reason: str) -> DeliveryError:
    where = f"{host} ({address})" if address and address != host else host
    return DeliveryError(f"channel {channel.name!r}: refused to send to {where}, {reason}; fix the URL of "
                         f"Connection {_connection(channel)!r}", retryable=False)


def _connection(channel: Channel) -> str:
    return channel.connection or channel.name
