"""normalise_url is the article identity: it must merge spellings of one URL and nothing more."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wirehouse.extractors import loading
from wirehouse.extractors.page import canonical_url
from wirehouse.feeds.parse import http_link
from wirehouse.urls import check_url, is_tracking_param, normalise_url, url_origin, web_url

# --- examples ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("HTTPS://Example.ORG", "https://example.org/"),
        ("https://example.org:443/a", "https://example.org/a"),
        ("http://example.org:80/a", "http://example.org/a"),
        ("http://example.org:8080/a", "http://example.org:8080/a"),
        ("https://example.org:80/a", "https://example.org:80/a"),
        ("https://example.org/a#section-2", "https://example.org/a"),
        ("https://example.org/a?id=123", "https://example.org/a?id=123"),
        ("https://example.org/a?b=2&a=1", "https://example.org/a?a=1&b=2"),
        ("https://example.org/a?tag=z&tag=a", "https://example.org/a?tag=z&tag=a"),
        ("https://example.org/a?utm_source=rss&utm_medium=feed", "https://example.org/a"),
        (
            "https://example.org/a?id=7&fbclid=abc&gclid=x&mc_cid=1&mc_eid=2",
            "https://example.org/a?id=7",
        ),
        (
            "https://example.org/a?igshid=1&ref=tw&ref_src=twsrc&cmpid=x&ocid=y&_ga=z",
            "https://example.org/a",
        ),
        (
            "https://www.bbc.co.uk/news/x?at_medium=RSS&at_campaign=rss",
            "https://www.bbc.co.uk/news/x",
        ),
        ("https://example.org/a?UTM_Source=x&Id=1", "https://example.org/a?Id=1"),
        ("https://example.org/a?utm%5Fsource=x", "https://example.org/a"),
        ("https://example.org/%7euser/%7Eb", "https://example.org/~user/~b"),
        ("https://example.org/caf%c3%a9", "https://example.org/caf%C3%A9"),
        ("https://example.org/café", "https://example.org/caf%C3%A9"),
        ("https://example.org/a b", "https://example.org/a%20b"),
        ("https://example.org/100%", "https://example.org/100%25"),
        ("https://example.org/a%2Fb", "https://example.org/a%2Fb"),
        ("https://example.org/a/./b/../c", "https://example.org/a/c"),
        ("https://example.org/a/", "https://example.org/a/"),
        ("https://example.org?x=1", "https://example.org/?x=1"),
        ("https://example.org/a?", "https://example.org/a"),
        ("https://example.org/a?&&id=1&", "https://example.org/a?id=1"),
        ("https://example.org/a?q=a%2fb", "https://example.org/a?q=a%2Fb"),
        ("https://example.org/a?flag", "https://example.org/a?flag"),
        ("https://user:secret@example.org/a", "https://example.org/a"),
        ("https://example.org./a", "https://example.org/a"),
        ("https://Bücher.example/a", "https://xn--bcher-kva.example/a"),
        ("https://[2001:DB8::0001]:8443/x", "https://[2001:db8::1]:8443/x"),
        ("  https://example.org/a  ", "https://example.org/a"),
    ],
)
def test_normalise_url_examples(raw: str, expected: str) -> None:
    assert normalise_url(raw) == expected


def test_courlan_false_positives_are_kept() -> None:
    # parameters courlan's tracker regex would drop, but which can name the article
    url = "https://example.org/vote?gallery=3&game=1&session=2023&source=x&uid=77"
    assert normalise_url(url) == url


@pytest.mark.parametrize(
    "bad",
    [
        "ftp://example.org/a",
        "javascript:alert(1)",
        "/relative/path",
        "mailto:a@b.c",
        "https://",
        "http:///x",
        "",
    ],
)
def test_normalise_url_rejects_non_http(bad: str) -> None:
    with pytest.raises(ValueError):
        normalise_url(bad)


def test_normalise_url_rejects_bad_port() -> None:
    with pytest.raises(ValueError):
        normalise_url("https://example.org:99999/")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("https://example.org/x", "example.org:443"),
        ("http://example.org/x", "example.org:80"),
        ("HTTPS://Example.Org:443/", "example.org:443"),
        ("http://127.0.0.1:8081/feed", "127.0.0.1:8081"),
        ("http://[::1]/", "[::1]:80"),
        ("https://Bücher.example/", "xn--bcher-kva.example:443"),
    ],
)
def test_url_origin(raw: str, expected: str) -> None:
    assert url_origin(raw) == expected


def test_url_origin_rejects_non_http() -> None:
    with pytest.raises(ValueError):
        url_origin("file:///etc/passwd")


def test_is_tracking_param() -> None:
    assert is_tracking_param("utm_campaign")
    assert is_tracking_param("FBCLID")
    assert not is_tracking_param("id")
    assert not is_tracking_param("page")


# --- properties -------------------------------------------------------------------------------

_UNRESERVED = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~"
_label = st.text("abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=12)
_hosts = st.lists(_label, min_size=1, max_size=4).map(".".join)
_schemes = st.sampled_from(["http", "https", "HTTP", "Https"])
_ports = st.one_of(st.none(), st.integers(min_value=1, max_value=65535))
# any text at all in path and query: spaces, '%', non-ASCII, separators
_any_segment = st.text(max_size=12)
_safe_segment = st.text(_UNRESERVED, min_size=1, max_size=10).filter(lambda s: set(s) != {"."})
_param_name = st.text("abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=8).filter(
    lambda s: not is_tracking_param(s)
)
_param_value = st.text(_UNRESERVED, max_size=8)
_tracking_name = st.one_of(
    st.sampled_from(
        [
            "utm_source", "utm_medium", "utm_campaign", "UTM_Content", "fbclid", "gclid",
            "mc_cid", "mc_eid", "igshid", "ref", "ref_src", "cmpid", "ocid", "_ga", "msclkid",
            "at_medium", "ns_mchannel", "pk_campaign", "mtm_source", "xtor",
        ]
    ),
    st.text("abcdefghij", max_size=6).map(lambda s: "utm_" + s),
)  # fmt: skip


def _url(scheme: str, host: str, port: int | None, path: str, query: str) -> str:
    netloc = host if port is None else f"{host}:{port}"
    return f"{scheme}://{netloc}{path}" + (f"?{query}" if query else "")


@st.composite
def _any_urls(draw: st.DrawFn) -> str:
    path = "/" + "/".join(draw(st.lists(_any_segment, max_size=4)))
    pairs = draw(st.lists(st.tuples(_any_segment, _any_segment), max_size=4))
    query = "&".join(f"{k}={v}" for k, v in pairs)
    url = _url(draw(_schemes), draw(_hosts), draw(_ports), path, query)
    return url + draw(st.sampled_from(["", "#", "#frag", "#a=b"]))


@st.composite
def _clean_urls(draw: st.DrawFn) -> tuple[str, list[str], list[tuple[str, str]]]:
    """(url, path segments, query pairs) built only from characters with a single spelling."""
    segments = draw(st.lists(_safe_segment, max_size=4))
    pairs = draw(st.lists(st.tuples(_param_name, _param_value), max_size=4))
    query = "&".join(f"{k}={v}" for k, v in pairs)
    url = _url(draw(_schemes), draw(_hosts), draw(_ports), "/" + "/".join(segments), query)
    return url, segments, pairs


@settings(max_examples=300)
@given(_any_urls())
def test_normalisation_is_idempotent(url: str) -> None:
    try:
        once = normalise_url(url)
    except ValueError:
        return  # e.g. a host the IDNA codec refuses; such URLs are rejected, not mangled
    assert normalise_url(once) == once


@settings(max_examples=300)
@given(st.text(max_size=60))
def test_arbitrary_text_is_normalised_or_rejected(text: str) -> None:
    try:
        once = normalise_url(text)
    except ValueError:
        return
    assert once.startswith(("http://", "https://"))
    assert normalise_url(once) == once


@settings(max_examples=200)
@given(
    _clean_urls(),
    st.lists(st.tuples(_tracking_name, _param_value), min_size=1, max_size=4),
    st.data(),
    st.sampled_from(["", "#", "#top", "#utm_source=x"]),
)
def test_tracking_params_and_fragment_never_change_the_key(
    base: tuple[str, list[str], list[tuple[str, str]]],
    trackers: list[tuple[str, str]],
    data: st.DataObject,
    fragment: str,
) -> None:
    url, _, pairs = base
    mixed = list(pairs)
    for tracker in trackers:
        mixed.insert(data.draw(st.integers(0, len(mixed))), tracker)
    tracked = url.split("?")[0] + "?" + "&".join(f"{k}={v}" for k, v in mixed) + fragment
    assert normalise_url(tracked) == normalise_url(url)


@settings(max_examples=200)
@given(_clean_urls(), _clean_urls())
def test_different_paths_or_params_never_collide(
    a: tuple[str, list[str], list[tuple[str, str]]],
    b: tuple[str, list[str], list[tuple[str, str]]],
) -> None:
    url_a, segments_a, pairs_a = a
    _, segments_b, pairs_b = b
    # b's path and query on a's origin
    origin = "/".join(url_a.split("/")[:3])
    query_b = "&".join(f"{k}={v}" for k, v in pairs_b)
    url_b = origin + "/" + "/".join(segments_b) + (f"?{query_b}" if query_b else "")
    same_path = segments_a == segments_b
    same_query = sorted(pairs_a, key=lambda p: p[0]) == sorted(pairs_b, key=lambda p: p[0])
    if same_path and same_query:
        assert normalise_url(url_a) == normalise_url(url_b)
    else:
        assert normalise_url(url_a) != normalise_url(url_b)


@settings(max_examples=200)
@given(_clean_urls(), st.data())
def test_a_changed_parameter_value_never_collides(
    base: tuple[str, list[str], list[tuple[str, str]]], data: st.DataObject
) -> None:
    url, _, pairs = base
    name = data.draw(_param_name)
    value = data.draw(_param_value)
    other = data.draw(_param_value.filter(lambda v: v != value))
    prefix = url.split("?")[0] + "?" + "".join(f"{k}={v}&" for k, v in pairs)
    assert normalise_url(f"{prefix}{name}={value}") != normalise_url(f"{prefix}{name}={other}")


@settings(max_examples=200)
@given(_clean_urls(), st.data())
def test_host_case_never_matters(
    base: tuple[str, list[str], list[tuple[str, str]]], data: st.DataObject
) -> None:
    url = base[0]
    scheme, _, rest = url.partition("://")
    host, slash, tail = rest.partition("/")
    flips = data.draw(st.lists(st.booleans(), min_size=len(host), max_size=len(host)))
    shouted = "".join(c.upper() if f else c for c, f in zip(host, flips, strict=True))
    assert normalise_url(f"{scheme}://{shouted}{slash}{tail}") == normalise_url(url)
    assert url_origin(f"{scheme}://{shouted}{slash}{tail}") == url_origin(url)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("  HTTPS://Example.ORG/rss#top \n", ("HTTPS://Example.ORG/rss#top", "https://example.org/rss")),
        ("http://127.0.0.1:8080/feed/", ("http://127.0.0.1:8080/feed/", "http://127.0.0.1:8080/feed/")),
    ],
)  # fmt: skip
def test_check_url_gives_the_url_stripped_and_its_key(value, expected):
    assert check_url(value) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (None, "url must be a non-empty string"),
        (" ", "url must be a non-empty string"),
        ("https://example.org/a b", "URL contains whitespace"),
        # C0 and C1 controls, DEL, an escape sequence and a lone surrogate, anywhere in the URL
        ("https://example.org/a\x00b", "URL contains a control character"),
        ("https://example.org/\x01rss", "URL contains a control character"),
        ("https://example.org/feed\x7f", "URL contains a control character"),
        ("https://exa\x1b[31mmple.org/", "URL contains a control character"),
        ("https://example.org/\x9b31m", "URL contains a control character"),
        ("https://example.org/\ud800", "URL contains a control character"),
        ("example.org/rss", "not an http(s) URL: 'example.org/rss'"),
        ("ftp://example.org/", "not an http(s) URL"),
        ("javascript:alert(1)", "not an http(s) URL"),
        ("https://", "bad URL 'https://': URL has no host"),
        ("https://example.org:99999/rss", "bad URL"),
    ],
)
def test_check_url_says_what_is_wrong(value, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        check_url(value)


# --- links read from feeds, sitemaps and pages ----------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("https://outlet.test/a", "https://outlet.test/a"),
        (" \x00https://outlet.test/a\n", "https://outlet.test/a"),
        ("https://outlet.test/a\tb\r\nc", "https://outlet.test/abc"),
        ("https://outlet.test/a b", "https://outlet.test/a%20b"),
        ("https://outlet.test/\x1b[31mred", "https://outlet.test/%1B[31mred"),
        (
            "https://outlet.test/\x1b]8;;https://evil.test/\x07x",
            "https://outlet.test/%1B]8;;https://evil.test/%07x",
        ),
        ("https://outlet.test/\u202eevil\u202c", "https://outlet.test/%E2%80%AEevil%E2%80%AC"),
        ("https://outlet.test/\x9b31m\x7f", "https://outlet.test/%C2%9B31m%7F"),
        ("https://outlet.test/a\u2028b\u200bc", "https://outlet.test/a%E2%80%A8b%E2%80%8Bc"),
        ("https://outlet.test/café/東京", "https://outlet.test/café/東京"),
        ("\u00a0https://outlet.test/a\u3000\u2028", "https://outlet.test/a"),  # Unicode spaces
        ("https://outlet.test/\ud800x", "https://outlet.test/%ED%A0%80x"),  # a lone surrogate
    ],
)
def test_a_link_is_read_as_a_browser_reads_it(raw: str, expected: str) -> None:
    assert web_url(raw) == expected


@given(st.text())
def test_no_link_keeps_a_character_that_is_not_text(raw: str) -> None:
    link = web_url(raw)
    assert link.isprintable() and " " not in link
    assert web_url(link) == link  # once is enough


def _canonical(link: str) -> str | None:
    page = f'<html><head><link rel="canonical" href="{link}"></head><body></body></html>'
    return canonical_url(loading.parse_html(page.encode()), "https://outlet.test/a/b")


@pytest.mark.parametrize(
    "read",
    [lambda link: http_link(link, "https://outlet.test/feed.xml"), _canonical],
    ids=["feed or sitemap link", "canonical"],
)
def test_a_link_from_outside_is_stored_without_controls(read) -> None:
    link = read("/x/\x1b[31m\u202eevil\u2066")
    assert link.startswith("https://outlet.test/x/") and link.isprintable()
    assert link.endswith("%E2%80%AEevil%E2%81%A6")
