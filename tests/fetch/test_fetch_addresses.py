"""Address safety: link-local/metadata always refused, private only for operator origins."""

from __future__ import annotations

import asyncio
import ipaddress

import pytest

from wirehouse.fetch import Fetcher, addresses
from wirehouse.fetch.addresses import AddressPolicy, AddressRefused, classify, split_origin
from wirehouse.records import Fetched, FetchKind


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("93.184.216.34", "public"),
        ("2606:4700::1111", "public"),
        ("127.0.0.1", "private"),
        ("::1", "private"),
        ("10.1.2.3", "private"),
        ("192.168.0.1", "private"),
        ("0.0.0.0", "private"),
        ("::", "private"),
        ("100.64.0.1", "private"),
        ("240.0.0.1", "private"),
        ("224.0.0.251", "private"),
        ("::ffff:10.0.0.1", "private"),
        ("169.254.169.254", "forbidden"),
        ("169.254.1.1", "forbidden"),
        ("fe80::1", "forbidden"),
        ("fd00:ec2::254", "forbidden"),
        ("100.100.100.200", "forbidden"),
        ("::ffff:169.254.169.254", "forbidden"),
        ("64:ff9b::a9fe:a9fe", "forbidden"),
    ],
)
def test_classify(address: str, expected: str):
    assert classify(ipaddress.ip_address(address)) == expected


def test_split_origin():
    assert split_origin("127.0.0.1:8081") == ("127.0.0.1", 8081)
    assert split_origin("[::1]:8080") == ("::1", 8080)
    assert split_origin("Intranet.Example.") == ("intranet.example", None)
    assert split_origin("https://feeds.example/rss") == ("feeds.example", 443)


def fetch_with(settings, url: str, *, operator_hosts=(), resolver=None) -> Fetched:
    async def go() -> Fetched:
        async with Fetcher(settings, operator_hosts=operator_hosts, resolver=resolver) as f:
            return await f.fetch(url, kind=FetchKind.PAGE)

    return asyncio.run(go())


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://[::ffff:169.254.169.254]/latest/meta-data/",
        "http://[fe80::1]:8080/",
        "http://[fd00:ec2::254]/",
    ],
)
def test_link_local_and_metadata_refused_even_when_operator_named(http_settings, url):
    settings = http_settings(allow_private_hosts=["169.254.169.254", "fe80::1", "fd00:ec2::254"])
    host = url.split("/")[2]
    result = fetch_with(settings, url, operator_hosts=[host])
    assert result.error is not None and result.error.startswith("refused_address:")
    assert "link-local/metadata" in result.error and result.status is None


def test_loopback_allowed_only_for_operator_origins(server, http_settings):
    server.routes["/page"] = lambda h: h.reply(200, b"ok")
    url = server.url("/page")

    refused = fetch_with(http_settings(), url)
    assert refused.error is not None and refused.error.startswith("refused_address:")
    other_port = fetch_with(http_settings(), url, operator_hosts=["127.0.0.1:1"])
    assert other_port.error is not None and other_port.error.startswith("refused_address:")
    assert not server.seen  # refused before a byte was sent

    assert fetch_with(http_settings(), url, operator_hosts=[server.netloc]).ok
    assert fetch_with(http_settings(allow_private_hosts=["127.0.0.1"]), url).ok
    assert len(server.hits("/page")) == 2


def fake_dns(table: dict[str, list[str]]):
    async def resolve(host: str, port: int) -> list[str]:
        if host not in table:
            raise OSError(f"unknown host {host}")
        return table[host]

    return resolve


def test_public_name_resolving_to_loopback_is_refused(server, http_settings):
    server.routes["/"] = lambda h: h.reply(200, b"internal")
    resolver = fake_dns({"news.example": ["127.0.0.1"], "mixed.example": ["8.8.8.8", "127.0.0.1"]})
    for host in ("news.example", "mixed.example"):
        result = fetch_with(http_settings(), f"http://{host}:{server.port}/", resolver=resolver)
        assert result.error is not None and result.error.startswith("refused_address:"), host
    assert not server.seen


def test_operator_name_on_loopback_connects_to_the_checked_address(server, http_settings):
    server.routes["/feed"] = lambda h: h.reply(200, b"feed")
    resolver = fake_dns({"feeds.internal": ["127.0.0.1"]})
    netloc = f"feeds.internal:{server.port}"
    result = fetch_with(
        http_settings(), f"http://{netloc}/feed", operator_hosts=[netloc], resolver=resolver
    )
    assert result.ok and result.body == b"feed"
    assert server.hits("/feed")[0].headers["host"] == netloc


def test_dns_rebinding_is_caught_at_connect_time(server, monkeypatch, http_settings):
    """The check sees a public address; the connection is then offered 127.0.0.1."""
    monkeypatch.setattr(addresses, "DNS_CACHE_TTL_S", 0.0)
    answers = [["93.184.216.34"], ["127.0.0.1"]]

    async def rebinding(host: str, port: int) -> list[str]:
        return answers.pop(0) if len(answers) > 1 else answers[0]

    result = fetch_with(
        http_settings(), f"http://rebind.example:{server.port}/", resolver=rebinding
    )
    assert result.error is not None and result.error.startswith("refused_address:")
    assert "127.0.0.1" in result.error and not server.seen


def test_unresolvable_host_is_a_value(http_settings):
    result = fetch_with(http_settings(), "http://nowhere.invalid/", resolver=fake_dns({}))
    assert result.error is not None and result.error.startswith("dns_error:")


def test_policy_unit_trust_rules():
    policy = AddressPolicy(["feeds.example:8081", "bare.example"], ["intranet"])
    assert policy.trusted("feeds.example", 8081)
    assert not policy.trusted("feeds.example", 4200)
    assert policy.trusted("bare.example", 443) and not policy.trusted("bare.example", 8443)
    assert policy.trusted("INTRANET", 9999)

    async def check() -> None:
        with pytest.raises(AddressRefused):
            await policy.allowed_addresses("127.0.0.1", 4200)
        assert [str(ip) for ip in await policy.allowed_addresses("8.8.8.8", 80)] == ["8.8.8.8"]

    asyncio.run(check())
