"""Which string is the headline and which the outlet's name, decided from evidence, never guessed.

A page names its outlet and its headline in several places that often disagree: ``og:site_name``,
JSON-LD ``publisher.name`` and ``headline``, ``<meta name="application-name">``, ``og:title``,
``<h1>``, and ``<title>``, which joins both with a separator in either order ("Headline -
Outlet", "Outlet: Headline", "Headline | Section | Outlet"). Guessing the outlet from a
``<title>`` segment picks the headline about as often as the outlet, so the outlet comes from
declared evidence, in order: ``og:site_name``, JSON-LD publisher, ``application-name``, the
feed's channel title, the ``<title>`` segment left over once the headline is known, the host.

The headline is the candidate that the feed entry's title (the publisher's own headline)
confirms; without that confirmation, the page's declared headline (og:title, JSON-LD, h1,
twitter:title, in that order, a candidate more sources agree on first), else the ``<title>``
without its outlet segment. `title_source` says which won:

===========================  ====================================================================
``og:title``, ``json-ld``,   the page's headline from that place, equal to the feed entry's title
``h1``, ``twitter:title``    or with no feed title to compare
``title-tag``                the whole ``<title>``
``title-tag-split``          a run of ``<title>`` segments, once the outlet (and section) is cut
``feed``                     the feed entry's title: the page offered no usable headline, or only
                             a ``<title>`` that does not contain the feed's headline
``<source>:feed-differs``    the page's declared headline won over a different feed title (pages
                             are edited after the feed item is written)
``page``                     trafilatura's own guess, for a page none of the above was found in
===========================  ====================================================================
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from courlan import extract_domain
from lxml.html import HtmlElement

from wirehouse.escape import strip_controls
from wirehouse.extractors import jsonld, loading
from wirehouse.extractors.fingerprint import normalise_text
from wirehouse.folding import normalized

# characters that separate <title> segments: every dash (hyphen-minus to the full-width one),
# every bar, bullets and middle dots, stars and diamonds, guillemets, angle quotes and arrows
# (breadcrumbs), tildes and wave dashes, slashes, half- and full-width. The bars of `_MARKS`
# separate only between spaces: standing alone they are letters ("ǀ") or mathematics ("∣").
_DASHES = "-‐‑‒–—―−⸗⸺⸻﹘﹣－"
_BARS = "|¦│┃‖｜丨"
_MARKS = "·•‧∙⋅⸱・●◦▪■⚫⦁‣⁃◆◇◊♦★☆⋮►▶▸▹»›❯❱⟩〉⟫>→⇒⟶«‹~～〜/／⁄∕⧸\\＼∣❘ǀ⏐︱︲"
# one to three of them between spaces ("Headline - Outlet", "A // B"), or "::"; a bar or
# underscore, spaced or not; a run of dashes inside a word ("标题--人民网"). Titles are
# whitespace-collapsed first, so `\s` is one space.
_STRONG_SEPARATOR = re.compile(
    f" (?:[{re.escape(_DASHES + _BARS + _MARKS)}]{{1,3}}|::) "
    f"|\\s?[{re.escape(_BARS)}_]+\\s?"
    f"|(?<=\\S)[{re.escape(_DASHES)}]{{2,3}}(?=\\S)"
)
# and a colon after a word ("Outlet: Headline", full-width "媒体：标题" without the space),
# which splits a <title> only when nothing else does: "Iran: talks resume" is one headline
_SEPARATOR = re.compile(f"{_STRONG_SEPARATOR.pattern}|(?<=\\S): |(?<=\\S)： ?")
_SEPARATOR_KEEP = re.compile(f"({_SEPARATOR.pattern})")
_BAR = re.compile(f"[{re.escape(_BARS)}]")
# a quotation in guillemets, whose marks are then no separators (`_parts`); titles hold no
# controls (`clean_name`), so two stand in for the marks while the title is split
_QUOTED = re.compile("«[^«»]{1,300}»|‹[^‹›]{1,300}›")
_MASK = str.maketrans("«»‹›", "\x01\x02\x03\x04")
_UNMASK = str.maketrans("\x01\x02\x03\x04", "«»‹›")
_MAX_SEGMENTS = 16  # segments of one title compared run by run (quadratic in this)
# format characters that carry no text: bidi marks and embeddings, the soft hyphen, zero-width
# space, word joiner and invisible operators, the BOM (not ZWNJ and ZWJ, which spell Persian and
# Indic words); and U+FFFD, which the HTML parser puts where a page referenced a control
# the combining grapheme joiner, interlinear annotation marks, musical formatting and the
# language tag too (not the tag letters, which spell a subdivision's flag after U+1F3F4)
_INVISIBLE = re.compile(
    "[\u00ad\u034f\u061c\u180e\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064"
    "\u2066-\u2069\ufeff\ufff9-\ufffb\ufffd\U0001d173-\U0001d17a\U000e0000-\U000e001f]"
)
# Hangul and braille fillers: drawn blank, so a space (then collapsed)
_BLANKS = str.maketrans(dict.fromkeys("\u115f\u1160\u2800\u3164\uffa0", " "))
# an entity a page's text still holds (a JSON-LD string, a CMS's double-encoded meta tag),
# with its semicolon: "&notes" is text, not "¬es"
_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
_MAX_TITLE = 1000  # characters of a title candidate looked at; a longer one is not a title
_MAX_DEPTH = 8  # levels of publisher references and lists followed
# the ends of host names that are no part of an outlet's name, on hosts outside the public
# suffix list (reserved names such as .example and .test), besides any label of 1-2 letters
_SUFFIX_WORDS = frozenset({"example", "invalid", "local", "info", "news", "online", "media"})
# articles an outlet's name may open with and its host may leave out ("The Guardian",
# theguardian.com; "DER SPIEGEL", spiegel.de; "El País", elpais.com)
_ARTICLES = frozenset(
    {"the", "der", "die", "das", "le", "la", "les", "el", "los", "las", "il", "lo"}
)
# where a page's chrome (its masthead, not the article) puts a heading: a logo in an <h1>
_CHROME_TAGS = frozenset({"header", "nav"})
# a class or id token that names a logo's box ("site-logo", "navbar-brand", "masthead"), not
# one that merely contains the word ("wp-custom-logo" on <body>, "brand-red")
_CHROME_TOKEN = re.compile(
    r"(?:navbar-|header-|site-)?(?:logo|brand|masthead)|site-?(?:title|name|branding)",
    re.IGNORECASE,
)
_MAX_TOKENS = 16  # of an element's class and id looked at
# what a heading holds but does not say: buttons, scripts, screen-reader hints, kickers
_UNSAID_TAGS = frozenset({"button", "script", "style", "noscript", "svg", "template", "select"})
_UNSAID_CLASS = re.compile(
    r"(?i)sr-only|visually-?hidden|screen-?reader|a11y|kicker|eyebrow|overline"
)
_BLOCK_TAGS = frozenset({"br", "div", "p", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol"})

_ARTICLE_TYPES = frozenset(
    {
        "article", "newsarticle", "reportagenewsarticle", "analysisnewsarticle",
        "opinionnewsarticle", "reviewnewsarticle", "backgroundnewsarticle", "blogposting",
        "liveblogposting", "socialmediaposting", "report", "scholarlyarticle", "techarticle",
        "webpage", "itempage", "medicalwebpage",
    }
)  # fmt: skip


def clean_name(value: object) -> str | None:
    """A title or name as one line: controls and invisible marks dropped, entities decoded;
    None for one longer than `_MAX_TITLE` (a page's text, not a title)."""
    if not isinstance(value, str) or len(value) > _MAX_TITLE * 4:
        return None
    decoded = _ENTITY.sub(lambda m: html.unescape(m[0]), value)
    text = " ".join(_INVISIBLE.sub("", strip_controls(decoded)).translate(_BLANKS).split())
    return text if text and len(text) <= _MAX_TITLE else None


@dataclass(frozen=True, slots=True)
class PageEvidence:
    """What a page declares about its outlet and headline, each with where it was read."""

    outlets: tuple[tuple[str, str], ...] = ()  # (source, name), best source first
    headlines: tuple[tuple[str, str], ...] = ()  # (source, headline), best source first
    title_tag: str | None = None


@dataclass(frozen=True, slots=True)
class Naming:
    """The decided headline and outlet, and where each came from."""

    title: str | None
    title_source: str | None
    sitename: str | None
    sitename_source: str | None


# ------------------------------------------------------------------------------- reading a page


def read_evidence(tree: HtmlElement, json_ld: Sequence[jsonld.Node] | None = None) -> PageEvidence:
    """The outlet and headline candidates of a parsed page (read-only on `tree`); `json_ld`
    is the page's `jsonld.read_nodes`, when the caller has read it already."""
    metas: dict[str, str] = {}
    for meta in tree.iter("meta"):
        key = loading.meta_key(meta, "property", "name")
        value = clean_name(meta.get("content"))
        if key and value and key not in metas:
            metas[key] = value
    headline, publisher = _json_ld(jsonld.read_nodes(tree) if json_ld is None else json_ld)
    outlets = [
        ("og:site_name", metas.get("og:site_name")),
        ("json-ld", publisher),
        ("application-name", metas.get("application-name")),
    ]
    title = tree.find("head/title")
    if title is None:  # a <title> the parser did not put in <head>, but not an icon's (<svg>)
        title = next((t for t in tree.iter("title") if not _in_svg(t)), None)
    title_tag = clean_name(title.text_content()) if title is not None else None
    headlines = [
        ("og:title", metas.get("og:title")),
        ("json-ld", headline),
        ("h1", _first_h1(tree, title_tag)),
        ("twitter:title", metas.get("twitter:title")),
    ]
    return PageEvidence(
        outlets=tuple((s, v) for s, v in outlets if v),
        headlines=tuple((s, v) for s, v in headlines if v),
        title_tag=title_tag,
    )


def _first_h1(tree: HtmlElement, title_tag: str | None) -> str | None:
    """The first <h1> inside <article> or <main>, else the first in the page that is not the
    masthead's logo (an <h1> in the page's header that the <title> does not confirm as its
    headline: "<header><h1>Outlet</h1></header>" beside "<title>Headline | Outlet")."""
    for path in (".//article//h1", ".//main//h1"):
        for elem in tree.iterfind(path):
            if text := _heading_text(elem):
                return text
    headline = _title_headline_key(title_tag)
    for elem in tree.iterfind(".//h1"):
        text = _heading_text(elem)
        if text and (not _in_chrome(elem) or _key(text) == headline):
            return text
    return None


def _heading_text(elem: HtmlElement) -> str | None:
    """A heading's words as a reader sees them: a line break or a block between two words is a
    space ("fire<br>closes"), and what it holds without saying (a button, a screen-reader
    hint, a kicker) is left out."""
    out: list[str] = []

    def walk(node: HtmlElement) -> None:
        out.append(node.text or "")
        for child in node:
            tag = child.tag if isinstance(child.tag, str) else ""
            if tag in _UNSAID_TAGS or _UNSAID_CLASS.search(child.get("class") or ""):
                pass
            elif tag in _BLOCK_TAGS:
                out.append(" ")
                walk(child)
                out.append(" ")
            else:
                walk(child)
            out.append(child.tail or "")

    walk(elem)
    return clean_name("".join(out))


def _in_svg(elem: HtmlElement) -> bool:
    return any(node.tag == "svg" for node in elem.iterancestors())


def _in_chrome(elem: HtmlElement) -> bool:
    """Whether an element sits in the page's masthead (a header or nav, a logo's box, a link
    to the site's front page), below <body>."""
    if any(_front_page(a.get("href")) for a in elem.iter("a")):
        return True
    for node in (elem, *elem.iterancestors()):
        if node.tag in ("article", "main", "body", "html"):
            return False
        if node.tag in _CHROME_TAGS or _names_chrome(node):
            return True
    return False


def _names_chrome(node: HtmlElement) -> bool:
    tokens = f"{node.get('class') or ''} {node.get('id') or ''}"[:400].split()
    return any(_CHROME_TOKEN.fullmatch(t) for t in tokens[:_MAX_TOKENS])


def _front_page(href: str | None) -> bool:
    """Whether a link goes to the site's front page ("/", "./", "https://outlet.test/")."""
    if not href:
        return False
    href = href.strip()
    if href in ("/", "./", "index.html", "/index.html"):
        return True
    try:
        parts = urlsplit(href)
    except ValueError:
        return False
    return bool(parts.netloc) and parts.path in ("", "/") and not parts.query


def _title_headline_key(title_tag: str | None) -> str | None:
    """The key of the headline a <title> would give alone: its longest segment."""
    if not title_tag:
        return None
    parts = _split(title_tag)
    return _key(max(parts, key=_length)) if parts else None


def _json_ld(nodes: Sequence[jsonld.Node]) -> tuple[str | None, str | None]:
    """(headline, publisher name) from the page's JSON-LD objects."""
    by_id = {n["@id"]: n for n in nodes if isinstance(n.get("@id"), str)}
    headline = publisher = None
    for node in nodes:
        kinds = jsonld.types(node)
        if not kinds & _ARTICLE_TYPES:
            continue
        if headline is None and "webpage" not in kinds:
            headline = clean_name(node.get("headline")) or clean_name(node.get("name"))
        if publisher is None:
            publisher = _name_of(node.get("publisher"), by_id, 0)
    if publisher is None:  # no article node names its publisher: the site's own organisation
        for wanted in ("newsmediaorganization", "organization", "corporation", "website"):
            publisher = next(
                (clean_name(n.get("name")) for n in nodes if wanted in jsonld.types(n)), None
            )
            if publisher:
                break
    return headline, publisher


def _name_of(value: Any, by_id: dict[str, dict[str, Any]], depth: int) -> str | None:
    """The name of a publisher: a string, an object, a reference by ``@id``, or a list."""
    if depth > _MAX_DEPTH or value is None:
        return None
    if isinstance(value, str):
        return clean_name(value)
    if isinstance(value, list):
        return next((n for v in value if (n := _name_of(v, by_id, depth + 1))), None)
    if isinstance(value, dict):
        name = clean_name(value.get("name"))
        if name:
            return name
        ref = value.get("@id")
        if isinstance(ref, str) and by_id.get(ref) is not None and by_id[ref] is not value:
            return _name_of(by_id[ref], by_id, depth + 1)
    return None


# ------------------------------------------------------------------------------- deciding


def segments(title: str) -> list[str]:
    """The parts of a ``<title>`` between separators ("A | B - C" gives A, B, C)."""
    return _parts(_SEPARATOR, " ".join(title.split()))


def _parts(separator: re.Pattern[str], title: str) -> list[str]:
    """`title` split at `separator`, but not inside a quotation in guillemets: « » and ‹ ›
    separate breadcrumbs ("Outlet » Politics"), and quote in French ("Macron : « Non »")."""
    masked = _QUOTED.sub(lambda m: m[0].translate(_MASK), title)
    return [p.strip().translate(_UNMASK) for p in separator.split(masked) if p.strip()]


def host_name(url: str) -> str | None:
    """The host without ``www.``, the outlet's name of last resort."""
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return None
    return host.removeprefix("www.") if host else None


def decide(
    evidence: PageEvidence,
    *,
    url: str,
    feed_title: str | None = None,
    channel_title: str | None = None,
) -> Naming:
    """The headline and outlet of a page (see the module docstring for the order)."""
    title_tag = evidence.title_tag
    outlet_source, outlet = next(iter(evidence.outlets), (None, None))
    host = host_name(url)
    if outlet is None and channel_title:
        outlet, outlet_source = _channel_name(channel_title, title_tag, host), "feed"
    known = [n for n in (outlet, channel_title, host) if n]

    title, title_source = _headline(
        evidence, feed_title=clean_name(feed_title), outlets=known, declared=outlet is not None
    )
    if outlet is None and title and title_tag:
        outlet = _leftover(title_tag, title)
        outlet_source = "title-tag" if outlet else None
    if outlet is None and host:
        outlet, outlet_source = host, "host"
    return Naming(title, title_source, outlet, outlet_source)


def decide_for_feed(*, url: str, channel_title: str | None) -> tuple[str | None, str | None]:
    """The outlet of an article known from its feed alone: the channel's name, else the host."""
    host = host_name(url)
    if channel_title and (name := _channel_name(channel_title, None, host)):
        return name, "feed"
    return (host, "host") if host else (None, None)


def _channel_name(channel_title: str, title_tag: str | None, host: str | None) -> str | None:
    """The outlet's name in a feed's channel title ("Outlet » Politics", "Politics – Outlet"):
    the segment the host spells, else the one the page's ``<title>`` also has, else the first."""
    parts = segments(clean_name(channel_title) or "")
    if not parts:
        return None
    if host and len(parts) > 1:
        spelled = _host_keys(host)
        for part in parts:
            if not _host_keys(part).isdisjoint(spelled):
                return part
    if title_tag:
        page_parts = {_key(s) for s in segments(title_tag)}
        for part in parts:
            if _key(part) in page_parts:
                return part
    return parts[0]


def _headline(
    evidence: PageEvidence, *, feed_title: str | None, outlets: Sequence[str], declared: bool
) -> tuple[str | None, str | None]:
    """`declared`: the page or its feed names the outlet (not only the host)."""
    outlet_keys = {_key(o) for o in outlets}.union(*(_host_keys(o) for o in outlets))
    candidates: list[tuple[str, str]] = []
    for source, text in evidence.headlines:
        text = _without_outlet(text, outlet_keys)
        if text and not _is_outlet(text, outlet_keys):
            candidates.append((source, text))
    title_tag = evidence.title_tag
    if title_tag and _is_outlet(title_tag, outlet_keys):
        title_tag = None  # "<title>Outlet</title>": no headline in it
    pool = [*candidates, *([("title-tag", title_tag)] if title_tag else [])]
    if feed_title:  # aggregators title items "Headline - Outlet"
        feed_title = _without_outlet(feed_title, outlet_keys)
    if feed_title and _is_outlet(feed_title, outlet_keys):
        feed_title = None  # a feed that titles its items with the outlet's name

    if feed_title:
        wanted = _key(feed_title)
        for source, text in pool:
            if _key(text) == wanted:
                if source == "title-tag":  # an aggregator's "Headline - Outlet", as <title> is
                    headline = _title_headline_key(feed_title)
                    inner = [c for c in candidates if _key(c[1]) == headline]
                    if inner:
                        return inner[0][1], inner[0][0]
                return text, source
        for source, text in pool:
            run = _matching_run(text, wanted)
            if run:
                return run, "title-tag-split" if source == "title-tag" else source
    if candidates:
        source, text = _agreed(candidates, pool)
        return text, f"{source}:feed-differs" if feed_title else source
    if feed_title:
        return feed_title, "feed"
    if title_tag:
        flat = " ".join(title_tag.split())
        rest = _without_outlet(flat, outlet_keys)
        if rest == flat and declared and not _BAR.search(flat):
            # the outlet is named, and not here: all headline, dashes and colons too (a bar
            # is no headline's: "Headline | Section | VT News" still splits)
            return title_tag, "title-tag"
        parts = _split(rest)
        if len(parts) == 1 and rest == flat:
            parts = segments(rest)  # a colon, when nothing else separates: "Outlet: Headline"
        if len(parts) == 1 and parts[0] == title_tag:
            return title_tag, "title-tag"
        if parts:
            return max(parts, key=_length), "title-tag-split"
    return None, None


def _split(title: str) -> list[str]:
    """A <title>'s parts between separators other than a colon, if it has more than one."""
    parts = _parts(_STRONG_SEPARATOR, title)
    return parts if len(parts) > 1 else [title] if title else []


def _length(text: str) -> tuple[int, int]:
    """How long a candidate headline is: in words, then in characters (a CJK segment is one
    "word"); a headline is longer than an outlet's name or a section's."""
    return len(text.split()), len(text)


def _agreed(
    candidates: Sequence[tuple[str, str]], pool: Sequence[tuple[str, str]]
) -> tuple[str, str]:
    """The candidate that most of the page's titles contain whole or as a run of segments
    (an h1 "Headline" beats an og:title "Headline - Outlet"); among equals, the <title>'s own
    headline, then the best source."""

    if len({_key(text) for _, text in candidates}) == 1:
        return candidates[0]

    def votes(text: str) -> int:
        key = _key(text)
        return sum(1 for _, other in pool if _key(other) == key or _matching_run(other, key))

    # among equals, the one the <title> has as its headline (its longest segment): an og:title
    # left at the outlet's name ties with the headline, as both are segments of the <title>
    title_headline = next((_title_headline_key(t) for s, t in pool if s == "title-tag"), None)
    counted = [
        (votes(text), _key(text) == title_headline, -rank, source, text)
        for rank, (source, text) in enumerate(candidates)
    ]
    *_, source, text = max(counted)
    return source, text


def _without_outlet(text: str, outlet_keys: set[str]) -> str:
    """`text` without an outlet segment at either end ("Headline - Outlet" gives Headline)."""
    parts = _SEPARATOR_KEEP.split(" ".join(text.split()))
    while len(parts) >= 3 and _is_outlet(parts[-1], outlet_keys):
        parts = parts[:-2]
    while len(parts) >= 3 and _is_outlet(parts[0], outlet_keys):
        parts = parts[2:]
    return "".join(parts).strip()


def _is_outlet(part: str, outlet_keys: set[str]) -> bool:
    return _key(part) in outlet_keys or not _host_keys(part).isdisjoint(outlet_keys)


def _runs(title: str) -> Iterator[tuple[int, int, str]]:
    """Every run of consecutive segments of `title` (at most `_MAX_SEGMENTS` of them), as the
    original text between them."""
    pieces = [(m.start(), m.end()) for m in _SEPARATOR.finditer(title)][: _MAX_SEGMENTS - 1]
    starts = [0, *(end for _, end in pieces)]
    ends = [*(start for start, _ in pieces), len(title)]
    for i, start in enumerate(starts):
        for j in range(i, len(ends)):
            yield i, j, title[start : ends[j]].strip()


def _matching_run(title: str, wanted: str) -> str | None:
    """The run of segments of `title` that reads as `wanted` (a headline with separators)."""
    title = " ".join(title.split())
    for _, _, run in _runs(title):
        if _key(run) == wanted:
            return run
    return None


def _leftover(title_tag: str, headline: str) -> str | None:
    """The outlet in a ``<title>`` whose headline is known: the segment at the far end from
    the headline ("Headline - Section - Outlet" gives Outlet), never the headline itself."""
    title = " ".join(title_tag.split())
    parts = [p.strip() for p in _SEPARATOR.split(title, maxsplit=_MAX_SEGMENTS - 1)]
    wanted = _key(headline)
    for i, j, run in _runs(title):
        if _key(run) != wanted or (i > 0 and j < len(parts) - 1):
            continue
        rest = [p for p in (parts[j + 1 :] if i == 0 else parts[:i]) if p]
        if not rest:
            return None
        return rest[-1] if i == 0 else rest[0]
    return None


@lru_cache(maxsize=4096)
def _key(text: str) -> str:
    """The words of `text`, for comparing names and headlines (cached: each is compared with
    every run of every other title)."""
    return normalise_text(text)


@lru_cache(maxsize=4096)
def _host_keys(text: str) -> frozenset[str]:
    """A name as a host would spell it: "The Valley Times" and "www.valleytimes.example" meet
    at "valleytimes", "The Guardian" and theguardian.com at "guardian", "CNN" and
    edition.cnn.com at "cnn" (a host's key is the label before its public suffix)."""
    text = text.strip().lower()
    if "." in text and " " not in text:
        domain = extract_domain(f"http://{text.strip('/')}/") if "/" not in text else None
        labels = [label for label in (domain or text).split(".") if label]
        if domain:
            labels = labels[:1]
        else:  # a reserved or unknown suffix: the last label, and short or generic ones
            labels = labels[:-1] if len(labels) > 1 else labels
            while len(labels) > 1 and (len(labels[-1]) <= 2 or labels[-1] in _SUFFIX_WORDS):
                labels.pop()
        words = [_folded(labels[-1])] if labels else []
    else:
        words = _folded(_key(text)).split()
    if not words:
        return frozenset()
    keys = {"".join(words)}
    if len(words) > 1 and words[0] in _ARTICLES:
        keys.add("".join(words[1:]))
    return frozenset(keys)


def _folded(text: str) -> str:
    """`text` without its accents ("país" and "pais" meet)."""
    return "".join(ch for ch in normalized("NFKD", text) if not unicodedata.combining(ch))
