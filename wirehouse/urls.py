"""The identity of an article URL, and the network origin the fetch layer applies policy to.

Two links to the same article must give the same key, or dedup sees two articles; two different
articles must never share a key, or one is lost. So `normalise_url` removes only what cannot
identify an article (case of scheme and host, default port, fragment, tracking parameters,
percent-encoding spelling) and keeps every other query parameter (`?id=123` is an article).

courlan's `normalize_url`/`clean_url` were tried and not used: its tracker filter is a substring
regex that also drops real parameters (`gallery=`, `session=`, `uid=`, `source=`, bare `?flag`),
it keeps fragments, decodes punycode hosts to Unicode and leaves `%7e` and `~` distinct.
"""

from __future__ import annotations

import ipaddress
import logging
import re
import unicodedata
from urllib.parse import urlsplit, urlunsplit

from courlan import extract_domain

logger = logging.getLogger(__name__)

DEFAULT_PORTS = {"http": 80, "https": 443}

# exact names (compared lower-cased) of query parameters that only track the click
TRACKING_PARAMS = frozenset(
    {
        "fbclid", "gclid", "gclsrc", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "twclid",
        "ttclid", "li_fat_id", "igshid", "igsh", "mc_cid", "mc_eid", "_ga", "_gl", "_hsenc",
        "_hsmi", "__hssc", "__hstc", "__hsfp", "hsctatracking", "mkt_tok", "ref", "ref_src",
        "ref_url", "referrer", "cmpid", "ocid", "icid", "ncid", "smid", "smtyp", "sr_share",
        "s_cid", "spm", "xtor", "cmp", "wt.mc_id", "wt_mc", "fb_action_ids", "fb_action_types",
        "fb_ref", "fb_source", "action_object_map", "action_type_map", "action_ref_map",
        "soc_src", "soc_trk", "guccounter", "__twitter_impression", "tpcc",
        "_branch_match_id", "_branch_referrer", "oly_anon_id", "oly_enc_id", "vero_conv",
        "vero_id", "trk", "trkcampaign", "sc_cid",
    }
)  # fmt: skip
# prefixes (lower-cased) of whole families of campaign/analytics parameters
TRACKING_PREFIXES = (
    "utm_",  # Google Analytics campaign
    "pk_",  # Piwik
    "mtm_",  # Matomo
    "hsa_",  # HubSpot ads
    "at_",  # AT Internet (BBC feeds add at_medium/at_campaign)
    "ns_",  # Comscore (ns_mchannel, ns_source, ns_campaign)
    "guce_",  # Yahoo consent redirect
)

_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
_SUB_DELIMS = "!$&'()*+,;="
# characters left literal in a path, and in a query key or value ('&' and '=' stay encoded there)
_PATH_SAFE = _UNRESERVED | frozenset(_SUB_DELIMS + ":@/")
_QUERY_SAFE = _UNRESERVED | frozenset("!$'()*+,;:@/?")
_HEX = frozenset("0123456789abcdefABCDEF")
_HOST_OK = re.compile(r"[a-z0-9._~!$'()*+,;=-]+")


def is_tracking_param(name: str) -> bool:
    """True for a query parameter that says how the reader came, not which article it is."""
    key = _pct_normalise(name, _QUERY_SAFE).lower()
    return key in TRACKING_PARAMS or key.startswith(TRACKING_PREFIXES)


def normalise_url(url: str) -> str:
    """The dedup identity of an absolute http(s) URL; raises ValueError for anything else.

    Idempotent: `normalise_url(normalise_url(u)) == normalise_url(u)`. User info is dropped so
    credentials never end up in a key; trailing slashes and repeated slashes are kept (they can
    name a different resource).
    """
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise ValueError(f"not an http(s) URL: {url[:200]!r}")
    host = _normalise_host(parts.hostname or "", url)
    port = parts.port  # ValueError for a non-numeric or out-of-range port
    netloc = host if port is None or port == DEFAULT_PORTS[scheme] else f"{host}:{port}"
    path = _remove_dot_segments(_pct_normalise(parts.path, _PATH_SAFE)) or "/"
    query = _normalise_query(parts.query)
    return urlunsplit((scheme, netloc, path, query, ""))


_TAB_OR_NEWLINE = str.maketrans("", "", "\t\n\r")


def web_url(link: str) -> str:
    """A link as a browser reads it (WHATWG URL): tabs and newlines removed, the C0 controls and
    spaces at either end stripped, and each other character that is no text (a control, bidi or
    format character, a line separator) or a space percent-encoded in UTF-8. So no stored,
    logged or shown URL carries a terminal escape or reverses the text around it."""
    link = _trimmed(link.translate(_TAB_OR_NEWLINE))
    if link.isprintable() and " " not in link:  # the common case, checked in C
        return link
    return "".join(
        ch
        if ch.isprintable() and ch != " "
        else "".join(f"%{b:02X}" for b in ch.encode("utf-8", "surrogatepass"))
        for ch in link
    )


def _trimmed(link: str) -> str:
    """`link` without C0 controls or whitespace (Unicode's too: NBSP, U+3000) at either end."""

    def edge(ch: str) -> bool:
        return ch <= " " or ch.isspace()

    start = next((i for i, ch in enumerate(link) if not edge(ch)), len(link))
    end = next((i for i in range(len(link), start, -1) if not edge(link[i - 1])), start)
    return link[start:end]


# hosts whose subdomains, or (medium.com) whose "@name" first path segments, are different
# publishers, and which the public suffix list's private part does not name
TENANT_HOSTS = frozenset(
    {
        "substack.com", "wordpress.com", "medium.com", "tumblr.com", "ghost.io", "beehiiv.com",
        "wixsite.com", "weebly.com", "squarespace.com", "webflow.io", "notion.site",
        "hashnode.dev", "typepad.com", "livejournal.com", "over-blog.com", "jimdosite.com",
        "mystrikingly.com", "buttondown.email", "write.as", "bearblog.dev",
    }
)  # fmt: skip


def site_of(url: str) -> str:
    """The registrable domain of a URL (`news.bbc.co.uk` -> `bbc.co.uk`, by the public suffix
    list); on a blogging platform (`TENANT_HOSTS`) the writer's own host or `@name`; a host with
    no public suffix (an IP address, `localhost`, an intranet or `.example` name) is its own
    site, with any port but the default, as each such origin may be a different publisher. A
    URL is compared normalised (`normalise_url`), so case, a trailing dot, an explicit default
    port or a Unicode host spelling never make one site two."""
    try:
        url = normalise_url(url)
    except ValueError:
        return (urlsplit(url).hostname or "").lower()
    parts = urlsplit(url)
    domain = extract_domain(url)
    if not domain:
        return parts.netloc
    if domain in TENANT_HOSTS:
        first = parts.path.lstrip("/").partition("/")[0]
        if first.startswith("@"):
            return f"{domain}/{first.lower()}"
        return (parts.hostname or domain).removeprefix("www.")
    return str(domain)


def check_url(value: object) -> tuple[str, str]:
    """(the URL stripped, its `normalise_url` key) if `value` is an absolute http(s) URL, as a
    feed list holds one (no whitespace, control character or lone surrogate inside: none can
    be written to a feed list, sent or shown as is); else a ValueError saying what is wrong."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError("url must be a non-empty string")
    url = value.strip()
    if any(ch.isspace() for ch in url):
        raise ValueError(f"URL contains whitespace: {url[:200]!r}")
    if any(unicodedata.category(ch) in ("Cc", "Cs") for ch in url):
        raise ValueError(f"URL contains a control character: {url[:200]!r}")
    if not re.match(r"(?i)https?://", url):
        raise ValueError(f"not an http(s) URL: {url[:200]!r}")
    try:
        return url, normalise_url(url)
    except ValueError as exc:
        raise ValueError(f"bad URL {url[:200]!r}: {exc}") from None


def url_origin(url: str) -> str:
    """`host:port` of an http(s) URL with the default port filled in, e.g. `example.org:443`.

    The fetch layer keys address policy and per-host limits on it, so an explicit `:443` and
    none at all are the same origin. IPv6 hosts keep their brackets (`[::1]:8080`).
    """
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise ValueError(f"not an http(s) URL: {url[:200]!r}")
    host = _normalise_host(parts.hostname or "", url)
    port = parts.port
    return f"{host}:{port if port is not None else DEFAULT_PORTS[scheme]}"


def _normalise_host(host: str, url: str) -> str:
    host = host.strip().rstrip(".").lower()
    if not host:
        raise ValueError(f"URL has no host: {url[:200]!r}")
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        return f"[{address.compressed}]" if address.version == 6 else address.compressed
    if "%" in host:
        host = _pct_decode_host(host)
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError as exc:
            raise ValueError(f"bad host name in {url[:200]!r}: {exc}") from None
        host = host.lower()
    if not _HOST_OK.fullmatch(host):
        raise ValueError(f"bad host name in {url[:200]!r}")
    return host


def _pct_decode_host(host: str) -> str:
    try:
        raw = re.sub(
            r"%([0-9a-fA-F]{2})",
            lambda m: chr(int(m.group(1), 16)),
            host,
        )
        return raw.encode("latin-1").decode("utf-8").lower()
    except UnicodeError:
        return host


def _pct_normalise(text: str, safe: frozenset[str]) -> str:
    """One spelling per character: unreserved escapes decoded, other escapes upper-case hex,
    unsafe characters (space, non-ASCII as UTF-8, stray '%') encoded."""
    out: list[str] = []
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch == "%" and i + 2 < n and text[i + 1] in _HEX and text[i + 2] in _HEX:
            byte = int(text[i + 1 : i + 3], 16)
            decoded = chr(byte)
            out.append(decoded if decoded in _UNRESERVED else f"%{byte:02X}")
            i += 3
            continue
        if ch in safe:
            out.append(ch)
        else:
            out.extend(f"%{b:02X}" for b in ch.encode("utf-8", "surrogatepass"))
        i += 1
    return "".join(out)


def _remove_dot_segments(path: str) -> str:
    """RFC 3986 section 5.2.4, so `/a/./b/../c` and `/a/c` are one article."""
    if "." not in path:
        return path
    output: list[str] = []
    segments = path.split("/")
    for index, segment in enumerate(segments):
        last = index == len(segments) - 1
        if segment == ".":
            if last:
                output.append("")
            continue
        if segment == "..":
            if len(output) > 1:
                output.pop()
            if last:
                output.append("")
            continue
        output.append(segment)
    result = "/".join(output)
    if path.startswith("/") and not result.startswith("/"):
        result = "/" + result
    return result


def _normalise_query(query: str) -> str:
    """Tracking parameters removed, the rest sorted by name (a repeated name keeps its order)."""
    if not query:
        return ""
    kept: list[tuple[str, str]] = []
    for item in query.split("&"):
        if not item:
            continue
        name, sep, value = item.partition("=")
        name = _pct_normalise(name, _QUERY_SAFE)
        if is_tracking_param(name):
            continue
        kept.append((name, sep + _pct_normalise(value, _QUERY_SAFE | {"="})))
    kept.sort(key=lambda pair: pair[0])
    return "&".join(name + rest for name, rest in kept)
