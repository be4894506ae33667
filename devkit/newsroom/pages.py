"""Article pages: one HTML layout per outlet, each with the boilerplate real news sites glue on.

Only the `<p>` elements rendered from `PageContext.paragraphs` are article text; everything else
(tickers, menus, captions, promos, tag lists, comment policies, licence lines) is what a good
extractor must drop. Markup and class names differ per outlet on purpose.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape

from devkit.newsroom.model import Piece
from devkit.newsroom.outlets import Outlet


@dataclass(frozen=True)
class PageContext:
    """Everything one page render needs; `paragraphs` is the current edition's text."""

    piece: Piece
    outlet: Outlet
    origin: str
    paragraphs: tuple[str, ...]
    modified: datetime | None
    most_read: tuple[tuple[str, str], ...]  # (title, url) of other articles of the outlet

    @property
    def url(self) -> str:
        return self.origin + self.piece.path

    @property
    def image(self) -> str:
        slug = self.piece.path.strip("/").rsplit("/", 1)[-1]
        return f"{self.origin}/media/{slug}.jpg"

    @property
    def description(self) -> str:
        return self.piece.summary or _first_sentence(self.paragraphs[0])


def render_page(ctx: PageContext) -> str:
    """The article page as the outlet's CMS would serve it."""
    return _LAYOUTS[ctx.outlet.slug](ctx)


def _first_sentence(text: str) -> str:
    head, sep, _ = text.partition(". ")
    return head + "." if sep else text


def _e(text: str) -> str:
    return escape(text, quote=True)


def _paras(paragraphs: tuple[str, ...], *, after: int = -1, insert: str = "") -> str:
    out = []
    for i, text in enumerate(paragraphs):
        out.append(f"<p>{escape(text, quote=False)}</p>")
        if i == after:
            out.append(insert)
    return "\n".join(out)


def _list(items: tuple[tuple[str, str], ...], *, cls: str = "") -> str:
    attr = f' class="{cls}"' if cls else ""
    return "\n".join(f'<li{attr}><a href="{_e(url)}">{_e(title)}</a></li>' for title, url in items)


def _tag_slug(tag: str) -> str:
    return "-".join(tag.lower().replace("'", "").split())


def _iso_utc(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _zone(when: datetime) -> str:
    offset = when.utcoffset()
    hours = offset.total_seconds() / 3600 if offset is not None else 0
    return {0: "GMT", 1: "CET", 2: "CEST"}.get(int(hours), "")


def _head(ctx: PageContext, *, title: str, extra: str = "") -> str:
    """The <head> every outlet shares in substance (their CMSs agree on Open Graph)."""
    piece = ctx.piece
    author = f'<meta name="author" content="{_e(piece.author)}">' if piece.author else ""
    tags = "\n".join(f'<meta property="article:tag" content="{_e(t)}">' for t in piece.tags)
    return f"""<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_e(title)}</title>
<meta name="description" content="{_e(ctx.description)}">
{author}
<meta property="og:type" content="article">
<meta property="og:title" content="{_e(piece.title)}">
<meta property="og:description" content="{_e(ctx.description)}">
<meta property="og:site_name" content="{_e(ctx.outlet.name)}">
<meta property="og:url" content="{_e(ctx.url)}">
<meta property="og:image" content="{_e(ctx.image)}">
<meta property="article:section" content="{_e(piece.section)}">
{tags}
{extra}
<link rel="canonical" href="{_e(ctx.url)}">
<link rel="icon" href="/favicon.ico">
</head>"""


# --- The Harbour Ledger: business daily, market strip, inline newsletter promo ----------------

_LEDGER_MARKETS = (
    ("AMX 40", "8,412.55", "-0.84%"),
    ("VEL Small Caps", "3,106.20", "+0.12%"),
    ("VMK/ATH", "1.0841", "+0.05%"),
    ("Calder Maritime", "214.80", "-2.80%"),
    ("Tidewater Energy", "61.42", "+4.20%"),
    ("North Crude", "71.36", "-0.41%"),
    ("10Y VGB", "3.02%", "+0.03"),
)


def _ledger(ctx: PageContext) -> str:
    piece = ctx.piece
    pub = piece.published
    time_meta = ""
    byline_time = ""
    if pub is not None:
        time_meta = f'<meta property="article:published_time" content="{pub.isoformat()}">'
        byline_time = (
            f'<time class="pubdate" datetime="{pub.isoformat()}">'
            f"{pub.day} {pub:%B %Y, %H:%M} {_zone(pub)}</time>"
        )
    if ctx.modified is not None:
        time_meta += (
            f'\n<meta property="article:modified_time" content="{ctx.modified.isoformat()}">'
        )
    ticker = "\n".join(
        f'<li><span class="mkt-name">{_e(n)}</span> <span class="mkt-val">{v}</span> '
        f'<span class="mkt-chg {"down" if c.startswith("-") else "up"}">{c}</span></li>'
        for n, v, c in _LEDGER_MARKETS
    )
    promo = (
        '<aside class="inline-promo"><p>Get the Ledger Morning Briefing: markets, shipping '
        "and the business news that matters, in your inbox before 7 a.m. "
        '<a href="/newsletters/morning-briefing">Sign up free</a></p></aside>'
    )
    topics = " ".join(
        f'<a class="topic" href="/topics/{_tag_slug(t)}">{_e(t)}</a>' for t in piece.tags
    )
    caption = piece.caption or ""
    author = piece.author or "Ledger staff"
    return f"""<!DOCTYPE html>
<html lang="{ctx.outlet.lang}">
{_head(ctx, title=f"{piece.title} | The Harbour Ledger", extra=time_meta)}
<body class="ledger article-page">
<div id="cookie-consent" class="consent-bar">
<p>We use cookies to give you the best experience and to show you relevant advertising.
By continuing to browse you agree to our use of cookies.</p>
<button type="button">Accept all</button> <button type="button">Manage preferences</button>
</div>
<div class="market-strip" aria-label="Market data"><ul>
{ticker}
</ul><span class="mkt-note">Prices delayed by at least 15 minutes</span></div>
<header class="masthead">
<a class="logo" href="/">The Harbour Ledger</a>
<nav class="primary-nav"><ul>
<li><a href="/markets/">Markets</a></li><li><a href="/shipping/">Shipping</a></li>
<li><a href="/energy/">Energy</a></li><li><a href="/companies/">Companies</a></li>
<li><a href="/economy/">Economy</a></li><li><a href="/opinion/">Opinion</a></li>
</ul></nav>
<a class="subscribe-btn" href="/subscribe">Subscribe</a> <a class="signin" href="/login">Sign in</a>
</header>
<main id="content" class="layout-two-col">
<article class="story">
<header class="story-head">
<p class="kicker"><a href="/{_tag_slug(piece.section)}/">{_e(piece.section)}</a></p>
<h1 class="headline">{_e(piece.title)}</h1>
<div class="byline">By <a rel="author" href="/authors/{_tag_slug(author)}">{_e(author)}</a>
{byline_time}</div>
<ul class="share-tools"><li><a href="#share-x">Share on X</a></li><li>
<a href="#share-li">LinkedIn</a></li>
<li><a href="#share-mail">Email</a></li><li><a href="#copy">Copy link</a></li></ul>
</header>
<div class="story-body">
<figure class="lead-image"><img src="{_e(ctx.image)}" alt="{_e(caption)}" width="1200" height="675">
<figcaption>{_e(caption)} <span class="credit">Photo: Ana Ferro for The Harbour Ledger</span>
</figcaption></figure>
{_paras(ctx.paragraphs, after=2, insert=promo)}
</div>
<footer class="story-foot">
<div class="topics"><span class="topics-label">Topics:</span> {topics}</div>
<p class="licence">Copyright The Harbour Ledger Ltd 2026. All rights reserved.
Not for redistribution without permission. Licensing enquiries: rights@{ctx.outlet.domain}</p>
</footer>
</article>
<aside class="rail">
<section class="most-read"><h2>Most read</h2><ol>
{_list(ctx.most_read)}
</ol></section>
<section class="newsletter-box"><h2>The Morning Briefing</h2>
<p>Markets, shipping and the day's business news in your inbox before 7 a.m.</p>
<form action="/newsletters/subscribe" method="post">
<input type="email" name="email" placeholder="Your email">
<button type="submit">Sign up</button></form></section>
</aside>
</main>
<footer class="site-footer"><ul>
<li><a href="/about">About us</a></li><li><a href="/contact">Contact</a></li><li>
<a href="/terms">Terms</a></li>
<li><a href="/privacy">Privacy</a></li><li><a href="/cookies">Cookie settings</a></li></ul>
<p>The Harbour Ledger Ltd, 14 Quay Street, Brennick. Registered in Veloria.</p></footer>
</body>
</html>
"""


# --- Brennick Evening Post: local tabloid, div soup, comments and a day-only date ------------


def _post(ctx: PageContext) -> str:
    piece = ctx.piece
    pub = piece.published
    date_meta = ""
    date_line = ""
    if pub is not None:
        date_meta = f'<meta property="article:published_time" content="{pub.date().isoformat()}">'
        date_line = (
            f'<time datetime="{pub.date().isoformat()}">{pub:%A} {pub.day} {pub:%B %Y}</time>'
        )
    if ctx.modified is not None:
        date_line += f' <span class="upd">Updated {ctx.modified.day} {ctx.modified:%B %Y}</span>'
    related = ctx.most_read[0] if ctx.most_read else ("Home", ctx.origin + "/")
    read_more = (
        f'<div class="read-more-box"><strong>READ MORE:</strong> '
        f'<a href="{_e(related[1])}">{_e(related[0])}</a></div>'
    )
    tags = " ".join(f'<a href="/tag/{_tag_slug(t)}">{_e(t)}</a>' for t in piece.tags)
    section = "/sport/" if piece.section == "Sport" else "/news/"
    return f"""<!DOCTYPE html>
<html lang="{ctx.outlet.lang}">
{_head(ctx, title=f"{piece.title} - Brennick Evening Post", extra=date_meta)}
<body>
<div class="cookie-notice" role="dialog">
<span>This site uses cookies. Some are essential, others help us
improve your experience and show you ads we think you will like.</span>
<a class="btn-ok" href="#ok">OK</a> <a href="/cookie-policy">Find out more</a></div>
<div id="wrapper">
<div class="top-bar"><span class="weather-widget">Brennick 7&deg;C, showers</span>
<a href="/login">Sign in</a> <a class="sub" href="/subscribe">Subscribe for 1 mark a week</a></div>
<div id="header"><div class="logo"><a href="/">Brennick Evening Post</a></div>
<ul class="menu"><li><a href="/news/">News</a></li><li><a href="/sport/">Sport</a></li>
<li><a href="/sport/rovers/">Rovers</a></li><li><a href="/whats-on/">What's On</a></li>
<li><a href="/jobs/">Jobs</a></li><li><a href="/announcements/">Announcements</a></li></ul></div>
<div class="breadcrumb"><a href="/">Home</a> &gt; <a href="{section}">{_e(piece.section)}</a></div>
<div class="main-col">
<h1 class="art-title">{_e(piece.title)}</h1>
<div class="art-meta"><span class="by">By {_e(piece.author or "Post reporter")}</span>
{date_line} <a class="comments-count" href="#comments">27 comments</a></div>
<div class="share-bar"><a href="#fb">Facebook</a> <a href="#x">X</a> <a href="#wa">WhatsApp</a>
<a href="#mail">Email</a></div>
<div class="art-body" itemprop="articleBody">
<div class="pic"><img src="{_e(ctx.image)}" alt="">
<p class="pic-caption">{_e(piece.caption or "")}</p></div>
{_paras(ctx.paragraphs, after=1, insert=read_more)}
</div>
<div class="tag-list">Tags: {tags}</div>
<div id="comments"><h3>Comments</h3>
<p class="comment-policy">Add new comment. Read our comment policy before posting your viewpoints.
Comments are moderated and may take up to 24 hours to appear.</p>
<form action="/comments" method="post"><textarea name="comment"></textarea>
<button type="submit">Post comment</button></form></div>
</div>
<div class="side-col">
<div class="box most-read"><h3>Most Read</h3><ul>
{_list(ctx.most_read, cls="mr")}
</ul></div>
<div class="box newsletter"><h3>Get the Post in your inbox</h3>
<p>Our daily newsletter, with the stories Brennick is talking about.</p>
<form action="/newsletter" method="post"><input type="email" name="e"><button>Sign me up</button>
</form></div>
<div class="box ad">Advertisement</div>
</div>
<div id="footer"><p>Brennick Evening Post, Harbour Parade, Brennick. Registered in Veloria.
Part of Coastline Media.</p><p>
<a href="/contact">Contact us</a> | <a href="/complaints">Complaints</a>
| <a href="/privacy">Privacy notice</a></p></div>
</div>
</body>
</html>
"""


# --- Amsel Courier: national broadsheet, semantic HTML5, JSON-LD, related links mid-text -------

_COURIER_MARKETS = (
    "AMX 40 8,412 &#9660;0.8% &middot; VMK/ATH 1.084 &#9650;0.1% &middot; North Crude 71.36"
)


def _courier(ctx: PageContext) -> str:
    piece = ctx.piece
    pub = piece.published
    data: dict[str, object] = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": piece.title,
        "image": [ctx.image],
        "author": [{"@type": "Person", "name": piece.author}],
        "publisher": {"@type": "Organization", "name": ctx.outlet.name},
        "mainEntityOfPage": ctx.url,
        "articleSection": piece.section,
    }
    meta = ""
    time_html = ""
    if pub is not None:
        data["datePublished"] = _iso_utc(pub)
        meta = f'<meta property="article:published_time" content="{_iso_utc(pub)}">'
        time_html = f'<time datetime="{_iso_utc(pub)}">{pub.day} {pub:%b %Y %H:%M}</time>'
    updated = ""
    if ctx.modified is not None:
        data["dateModified"] = _iso_utc(ctx.modified)
        meta += f'\n<meta property="article:modified_time" content="{_iso_utc(ctx.modified)}">'
        m = ctx.modified
        updated = f'<p class="c-article__updated">Updated {m.day} {m:%b %Y %H:%M}</p>'
    ld = json.dumps(data, ensure_ascii=False).replace("</", "<\\/")
    meta += f'\n<script type="application/ld+json">{ld}</script>'
    related = _list(ctx.most_read[:2])
    aside = f'<aside class="c-related"><h2>Related</h2><ul>{related}</ul></aside>'
    tags = "".join(f'<li><a href="/topic/{_tag_slug(t)}">{_e(t)}</a></li>' for t in piece.tags)
    agency = ""
    if piece.kind.startswith("wire"):
        agency = '<p class="c-article__agency">Agency copy: Meridian Wire</p>'
    return f"""<!doctype html>
<html lang="{ctx.outlet.lang}">
{_head(ctx, title=f"{piece.title} — Amsel Courier", extra=meta)}
<body class="c-page c-page--article">
<a class="skip-link" href="#main">Skip to content</a>
<div class="gdpr-overlay" role="dialog" aria-label="Privacy"><h2>Your privacy</h2>
<p>We and our 143 partners store and access information on your device.</p>
<button>Agree</button> <button>Reject non-essential</button></div>
<header class="site-header"><div class="brand"><a href="/">Amsel Courier</a></div>
<nav aria-label="Sections"><a href="/politics/">Politics</a> <a href="/economy/">Economy</a>
<a href="/world/">World</a> <a href="/culture/">Culture</a> <a href="/science/">Science</a>
<a href="/opinion/">Opinion</a></nav>
<div class="markets-ticker" aria-label="Markets">{_COURIER_MARKETS}</div></header>
<main id="main">
<article class="c-article">
<header class="c-article__header"><span class="c-article__section">{_e(piece.section)}</span>
<h1 class="c-article__title">{_e(piece.title)}</h1>
<p class="c-article__meta">By
<span class="c-article__author">{_e(piece.author or "Courier staff")}</span>
{time_html}</p>
{agency}</header>
<figure class="c-article__figure"><img src="{_e(ctx.image)}" alt="" loading="lazy">
<figcaption>{_e(piece.caption or "")}</figcaption></figure>
<div class="c-article__body">
{_paras(ctx.paragraphs, after=3, insert=aside)}
</div>
{updated}
<ul class="c-tags">{tags}</ul>
<div class="c-share">
<button>Share</button> <button>Save</button> <button>Gift this article</button></div>
<p class="c-licence">© Amsel Courier 2026. All rights reserved. Agency copy is published under
licence from Meridian Wire and may not be reproduced.</p>
</article>
<aside class="c-sidebar"><section><h2>Most read</h2><ol>
{_list(ctx.most_read)}
</ol></section>
<section class="c-newsletter"><h2>The Courier Daily</h2>
<p>The day's essential news, every evening.</p>
<form><input type="email" placeholder="Email address"><button>Subscribe</button></form></section>
</aside>
</main>
<footer class="site-footer"><p>Amsel Courier, 2 Printers' Row, Amsel.</p>
<nav>
<a href="/about">About</a> <a href="/corrections">Corrections</a> <a href="/privacy">Privacy</a>
</nav></footer>
</body>
</html>
"""


# --- Meridian Wire: agency site, sparse markup, licence line -----------------------------------


def _meridian(ctx: PageContext) -> str:
    piece = ctx.piece
    pub = piece.published
    meta = ""
    stamp = ""
    if pub is not None:
        meta = (
            f'<meta name="date" content="{_iso_utc(pub)}">\n'
            f'<meta property="article:published_time" content="{_iso_utc(pub)}">'
        )
        u = pub.astimezone(UTC)
        stamp = f"{u:%B} {u.day}, {u.year} {u:%I:%M %p}".replace(" 0", " ") + " GMT"
    if ctx.modified is not None:
        u = ctx.modified.astimezone(UTC)
        meta += f'\n<meta property="article:modified_time" content="{_iso_utc(u)}">'
        stamp += f" &middot; Updated {u:%B} {u.day}, {u.year} {u:%I:%M %p}".replace(" 0", " ")
    more = _list(ctx.most_read)
    return f"""<!DOCTYPE html>
<html lang="{ctx.outlet.lang}">
{_head(ctx, title=f"{piece.title} | Meridian Wire", extra=meta)}
<body>
<div id="consent">Meridian Wire uses cookies. <a href="/privacy">Learn more</a>
<button>Got it</button></div>
<div class="mw-topbar">
<b>Meridian Wire</b> | Markets: AMX 40 8,412.55 -0.84% | VMK/ATH 1.0841 | North Crude 71.36
<span class="mw-delay">Data delayed 15 minutes</span></div>
<div class="mw-nav">
<a href="/world">World</a> | <a href="/business">Business</a> | <a href="/markets">Markets</a>
| <a href="/sport">Sport</a> | <a href="/weather">Weather</a>
| <a href="/services">Agency services</a></div>
<div class="mw-container"><div class="mw-story">
<h1>{_e(piece.title)}</h1>
<div class="mw-byline">By {_e(piece.author or "Meridian Wire staff")}</div>
<div class="mw-timestamp">{stamp}</div>
<div class="mw-photo"><img src="{_e(ctx.image)}" alt="">
<span class="mw-caption">{_e(piece.caption or "")}</span></div>
<div class="mw-body">
{_paras(ctx.paragraphs)}
</div>
<div class="mw-trust">Our Standards:
<a href="/trust-principles">The Meridian Wire Trust Principles.</a></div>
<p class="mw-licence">© 2026 Meridian Wire. All rights reserved. Republication or redistribution of
Meridian Wire content, including by framing or similar means, is prohibited without prior
written consent.</p>
</div>
<div class="mw-more"><h4>More from Meridian Wire</h4><ul>
{more}
</ul></div></div>
</body>
</html>
"""


# --- The Northgate Gazette: WordPress-style regional site, no date anywhere in the page --------


def _gazette(ctx: PageContext) -> str:
    piece = ctx.piece
    post_id = sum(map(ord, piece.key)) * 7
    tags = ", ".join(f'<a href="/tag/{_tag_slug(t)}/" rel="tag">{_e(t)}</a>' for t in piece.tags)
    return f"""<!DOCTYPE html>
<html lang="{ctx.outlet.lang}">
{_head(ctx, title=f"{piece.title} – The Northgate Gazette")}
<body class="post-template-default single single-post postid-{post_id}">
<div id="page" class="site">
<div class="cookie-law-info-bar">This website uses cookies to improve your experience. We'll assume
you're ok with this, but you can opt-out if you wish. <a href="#accept">Accept</a>
<a href="/privacy/">Read More</a></div>
<header id="masthead" class="site-header">
<p class="site-title"><a href="/" rel="home">The Northgate Gazette</a></p>
<p class="site-description">News for Northgate, the coast and the Skarren Islands</p>
<nav id="site-navigation" class="main-navigation"><ul id="primary-menu" class="menu">
<li><a href="/news/">News</a></li><li><a href="/business/">Business</a></li>
<li><a href="/community/">Community</a></li><li><a href="/islands/">Islands</a></li>
<li><a href="/letters/">Letters</a></li><li><a href="/advertise/">Advertise</a></li></ul></nav>
</header>
<div id="content" class="site-content"><div id="primary" class="content-area">
<main id="main" class="site-main">
<article id="post-{post_id}"
 class="post-{post_id} post type-post status-publish format-standard has-post-thumbnail">
<header class="entry-header"><h1 class="entry-title">{_e(piece.title)}</h1>
<div class="entry-meta">
<span class="byline">by <span class="author vcard">{_e(piece.author or "Gazette reporter")}</span>
</span></div></header>
<div class="entry-content">
<figure class="wp-block-image"><img src="{_e(ctx.image)}" alt="">
<figcaption>{_e(piece.caption or "")}</figcaption></figure>
{_paras(ctx.paragraphs)}
<div class="sharedaddy sd-sharing-enabled"><h3 class="sd-title">Share this:</h3><ul>
<li><a href="#fb">Facebook</a></li><li><a href="#x">X</a></li><li><a href="#email">Email</a></li>
<li><a href="#print">Print</a></li></ul></div>
<div class="wpl-likebox">Like this: Like Loading...</div>
<div id="jp-relatedposts" class="jp-relatedposts">
<h3 class="jp-relatedposts-headline">Related</h3><ul>
{_list(ctx.most_read[:3])}
</ul></div>
</div>
<footer class="entry-footer">
<span class="cat-links">Posted in <a href="/{_tag_slug(piece.section)}/">{_e(piece.section)}</a>
</span>
<span class="tags-links">Tagged {tags}</span></footer>
</article>
<div id="comments" class="comments-area"><div id="respond" class="comment-respond">
<h3 id="reply-title" class="comment-reply-title">Leave a Reply</h3>
<p class="comment-notes">Your email address will not be published. Required fields are marked *</p>
<p class="comment-policy">Comments are moderated. Please keep it civil and on topic;
see our community guidelines.</p>
<form id="commentform"><textarea name="comment"></textarea>
<input type="submit" value="Post Comment"></form>
</div></div>
</main></div>
<aside id="secondary" class="widget-area">
<section class="widget widget_search"><form role="search"><input type="search" name="s">
<button>Search</button></form></section>
<section class="widget widget_recent_entries"><h2 class="widget-title">Recent Posts</h2><ul>
{_list(ctx.most_read)}
</ul></section>
<section class="widget tide-times"><h2 class="widget-title">Tide times, Northgate</h2>
<p>High water 06:12 and 18:40. Low water 00:05 and 12:31.</p></section>
<section class="widget newsletter"><h2 class="widget-title">Subscribe by email</h2>
<p>Enter your email address to receive new posts by email.</p>
<form><input type="email" name="email"><button>Subscribe</button></form></section>
</aside></div>
<footer id="colophon" class="site-footer">
<div class="site-info">The Northgate Gazette &middot; Proudly
independent &middot; Content licensed under CC BY-NC 4.0 unless stated otherwise</div></footer>
</div>
</body>
</html>
"""


_LAYOUTS: dict[str, Callable[[PageContext], str]] = {
    "ledger": _ledger,
    "post": _post,
    "courier": _courier,
    "meridian": _meridian,
    "gazette": _gazette,
}
