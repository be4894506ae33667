"""The httpx transport wirehouse uses: a pooled HTTP/1.1 transport that connects only to
addresses the `AddressPolicy` has just approved.

Checking a URL's host and then letting the connection resolve it again leaves a gap (DNS
rebinding: the name answers a public address to the check and 127.0.0.1 to the connection).
Here the connection itself resolves through the policy and dials the approved IP; TLS still
verifies and sends SNI for the host name.
"""

from __future__ import annotations

import logging
import typing

import httpcore
import httpx

from wirehouse.fetch.addresses import AddressPolicy

log = logging.getLogger(__name__)


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """Network backend that resolves through the policy and connects to an approved address."""

    def __init__(self, policy: AddressPolicy, inner: httpcore.AsyncNetworkBackend) -> None:
        self._policy = policy
        self._inner = inner

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        addresses = await self._policy.allowed_addresses(host, port)  # raises AddressRefused
        failure: Exception | None = None
        for ip in addresses:
            try:
                return await self._inner.connect_tcp(
                    str(ip),
                    port,
                    timeout=timeout,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
        assert failure is not None  # addresses is never empty
        raise failure

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("unix sockets are not used by wirehouse")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


def guarded_transport(policy: AddressPolicy, limits: httpx.Limits) -> httpx.AsyncHTTPTransport:
    """A pooled transport whose connections go through `GuardedBackend`.

    httpx has no public hook for the network backend, so it is set on the transport's
    httpcore pool; if a future httpx moves it, the pre-request check still applies and a warning
    says the rebinding gap is open again.
    """
    transport = httpx.AsyncHTTPTransport(limits=limits, retries=0)
    pool = getattr(transport, "_pool", None)
    inner = getattr(pool, "_network_backend", None)
    if isinstance(pool, httpcore.AsyncConnectionPool) and isinstance(
        inner, httpcore.AsyncNetworkBackend
    ):
        pool._network_backend = GuardedBackend(policy, inner)
    else:  # pragma: no cover - depends on httpx internals
        log.warning("cannot pin connections to checked addresses; DNS rebinding gap is open")
    return transport
