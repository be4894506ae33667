"""Which network addresses wirehouse may connect to (SSRF policy).

The feed list is the operator's, but entry links and redirect targets come from third parties.
A link must not make wirehouse talk to the machine's own services (the Prefect API on
127.0.0.1:4200, say) or to a cloud metadata endpoint. So every host is resolved and each address
classified:

* ``forbidden``: link-local and cloud-metadata addresses (also in IPv4-mapped/NAT64 forms),
  refused whoever asks;
* ``private``: loopback, private, unspecified, reserved, shared, multicast; allowed only for an
  origin the operator named (a feed's own ``host:port``, or a host in ``allow_private_hosts``);
* ``public``: allowed.

A name resolving to several addresses is judged by its worst one.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import socket
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator
from typing import Literal

import httpx

log = logging.getLogger(__name__)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Awaitable[list[str]]]
AddressClass = Literal["public", "private", "forbidden"]

# link-local covers 169.254.169.254 (AWS, GCP, Azure, OpenStack metadata); the others are
# metadata endpoints outside it (AWS IPv6, Alibaba Cloud)
_FORBIDDEN_NETS: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = (
    ipaddress.ip_network("169.254.0.0/16"),
    ipaddress.ip_network("fe80::/10"),
    ipaddress.ip_network("fd00:ec2::254/128"),
    ipaddress.ip_network("100.100.100.200/32"),
)
# IPv6 prefixes that carry an IPv4 address in their last 32 bits (NAT64 well-known and local)
_NAT64_NETS = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))
_IPV4_COMPAT = ipaddress.ip_network("::/96")
_RANK: dict[AddressClass, int] = {"public": 0, "private": 1, "forbidden": 2}
DNS_CACHE_TTL_S = 60.0


class AddressRefused(Exception):
    """A host resolves to an address this origin may not reach; the message says which."""


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address a packet to `ip` may really reach (mapped, NAT64, 6to4, compatible)."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if any(ip in net for net in _NAT64_NETS) or (ip in _IPV4_COMPAT and int(ip) > 1):
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def _classify_one(ip: IPAddress) -> AddressClass:
    if any(ip in net for net in _FORBIDDEN_NETS if net.version == ip.version):
        return "forbidden"
    if not ip.is_global or ip.is_multicast or ip.is_reserved or ip.is_unspecified:
        return "private"
    if isinstance(ip, ipaddress.IPv6Address) and ip.is_site_local:
        return "private"
    return "public"


def classify(ip: IPAddress) -> AddressClass:
    """Sort one address into public/private/forbidden, looking through IPv4-in-IPv6 forms."""
    if isinstance(ip, ipaddress.IPv6Address):
        ip = ipaddress.IPv6Address(ip.compressed.split("%", 1)[0])  # drop a zone id
        inner = _embedded_ipv4(ip)
        if inner is not None:
            return max(_classify_one(ip), _classify_one(inner), key=_RANK.__getitem__)
    return _classify_one(ip)


def _parse_ip(text: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return None


def _normalise_host(host: str) -> str:
    return host.strip().strip("[]").rstrip(".").lower()


def split_origin(text: str) -> tuple[str, int | None]:
    """``"host:port"``, ``"[::1]:8080"``, ``"host"`` or a URL -> (IDNA host, port or None).

    Without a scheme an absent (or http-default) port is None, meaning "80 or 443".
    """
    text = text.strip()
    literal = _parse_ip(text.strip("[]"))
    if literal is not None:  # a bare address, IPv6 ones included
        return literal.compressed, None
    url = httpx.URL(text if "://" in text else f"http://{text}")
    port = url.port
    if port is None and "://" in text:
        port = 443 if url.scheme == "https" else 80
    return _normalise_host(url.raw_host.decode("ascii")), port


def _origins(texts: Iterable[str]) -> Iterator[tuple[str, int | None]]:
    for text in texts:
        try:
            yield split_origin(text)
        except (httpx.InvalidURL, UnicodeError, ValueError):
            log.warning("ignoring unusable host %r in the address allow list", text)


async def system_resolver(host: str, port: int) -> list[str]:
    """Resolve with the system resolver (getaddrinfo in a thread), as the connection would."""
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


class AddressPolicy:
    """Decides whether (host, port) may be reached, and resolves it to the addresses to use."""

    def __init__(
        self,
        operator_hosts: Iterable[str] = (),
        allow_private_hosts: Iterable[str] = (),
        *,
        resolver: Resolver | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._operator = set(_origins(operator_hosts))
        self._private_ok = {host for host, _ in _origins(allow_private_hosts)}
        self._resolve = resolver or system_resolver
        self._clock = clock
        self._cache: dict[str, tuple[float, list[IPAddress]]] = {}

    def trusted(self, host: str, port: int) -> bool:
        """True when the operator named this origin, so it may live on a private address."""
        host = _normalise_host(host)
        return (
            host in self._private_ok
            or (host, port) in self._operator
            or ((host, None) in self._operator and port in (80, 443))
        )

    async def resolve(self, host: str, port: int) -> list[IPAddress]:
        """Addresses of `host` (cached briefly: pre-check and connect then use the same ones)."""
        host = _normalise_host(host)
        literal = _parse_ip(host)
        if literal is not None:
            return [literal]
        now = self._clock()
        cached = self._cache.get(host)
        if cached is not None and cached[0] > now:
            return cached[1]
        found = [ip for ip in map(_parse_ip, await self._resolve(host, port)) if ip is not None]
        if not found:
            raise OSError(f"no usable address for {host}")
        self._cache[host] = (now + DNS_CACHE_TTL_S, found)
        return found

    async def allowed_addresses(self, host: str, port: int) -> list[IPAddress]:
        """Resolve and check; raise `AddressRefused` if any address is off limits for this origin.

        Judging by the worst address matters: a name resolving to a public and a loopback
        address would otherwise let the connection pick the loopback one.
        """
        addresses = await self.resolve(host, port)
        trusted = self.trusted(host, port)
        for ip in addresses:
            kind = classify(ip)
            if kind == "forbidden":
                raise AddressRefused(f"{host} -> {ip} is link-local/metadata")
            if kind == "private" and not trusted:
                raise AddressRefused(f"{host}:{port} -> {ip} is not public")
        return addresses
