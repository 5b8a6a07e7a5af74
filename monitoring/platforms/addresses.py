"""Which addresses are private, for the guards against requests to them (SSRF) from URLs that
admins type: sources' URLs (monitoring/platforms/sessions.py) and escalation's webhooks.

Whether sources may reach private addresses is CrisisCenter's setting
SOURCES_ALLOW_PRIVATE_URLS, which MonitoringConfig.ready installs here (escalation has a
setting of its own); until then they may not. No Django, no ORM.
"""

import ipaddress
import socket
from collections.abc import Callable

ALLOW_SETTING = "SOURCES_ALLOW_PRIVATE_URLS"
_private_allowed: Callable[[], bool] = bool  # bool() is False


class AddressRefused(Exception):
    """The host is, or resolves to, an address that is not public."""


class AddressUnresolved(Exception):
    """The host's name did not resolve (transient as far as we can tell)."""


def private_allowed_from(check: Callable[[], bool]) -> None:
    """Install what says whether sources may request private addresses (read per request)."""
    global _private_allowed  # wiring, set once at startup
    _private_allowed = check


def private_allowed() -> bool:
    """Whether sources may request private addresses now (SOURCES_ALLOW_PRIVATE_URLS)."""
    return _private_allowed()


def address_is_public(address: str) -> bool:
    """Whether an IP address is a global unicast address (not loopback, private, link-local,
    carrier-grade NAT, multicast or reserved; an IPv4-mapped IPv6 address counts as its IPv4)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone id
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(ip)
        if embedded is not None:  # reaches the IPv4 address it carries
            ip = embedded
    return ip.is_global and not (ip.is_multicast or ip.is_reserved or ip.is_link_local)


_NAT64 = ipaddress.ip_network("64:ff9b::/96")  # RFC 6052's well-known prefix


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one stands for: IPv4-mapped, 6to4, Teredo (its server's
    client address) or NAT64, which a gateway translates to that IPv4 address."""
    if ip.ipv4_mapped:
        return ip.ipv4_mapped
    if ip.sixtofour:
        return ip.sixtofour
    if ip.teredo:
        return ip.teredo[1]
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def host_check(host: str, port: int | None = None) -> None:
    """Raise AddressRefused unless every address `host` resolves to is public, and
    AddressUnresolved when it does not resolve."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise AddressUnresolved(f"DNS lookup failed for {host[:100]}") from exc
    if not infos or not all(address_is_public(info[4][0]) for info in infos):
        raise AddressRefused(f"{host[:100]} is a private address")


def host_is_plainly_private(host: str) -> bool:
    """Whether the host is private without asking DNS: `localhost` or a non-public IP literal.
    Saved settings are checked with this; a name is checked at each request."""
    host = host.lower().rstrip(".")
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return not address_is_public(host)
    except ValueError:
        return False  # a name
