"""HTML templates of the generated newsroom (`generated.py`); its feeds come from `feeds.py`.

A page carries what real news pages carry around their article, in about the same weight:
~40% inline scripts and JSON, a mega menu of a few hundred links, a ticker, the article with a
figure, an inline promo and share buttons, 30 related links with teasers, reader comments, a
long footer. Class names differ per host, so no two outlets share a template.
"""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from html import escape

from devkit.newsroom.model import Piece

_SECTIONS = [
    "news",
    "world",
    "business",
    "sport",
    "culture",
    "science",
    "opinion",
    "travel",
    "weather",
    "video",
]


def _e(text: str) -> str:
    return escape(text, quote=True)


def _script(rng: random.Random, kb: int) -> str:
    """Minified-looking JavaScript of about `kb` kilobytes (analytics, ads, consent)."""
    parts = []
    size = 0
    while size < kb * 1024:
        name = "".join(rng.choices("abcdefghijklmnopqrstuvwxyz", k=6))
        chunk = (
            f"function {name}(e,t){{var n=e.{name}||{{}};for(var r=0;r<t.length;r++)"
            f"{{n[t[r].k]=t[r].v*{rng.randrange(999)};}}return window.__{name}=n,"
            f'"{name}"+{rng.randrange(10**6)};}}'
        )
        parts.append(chunk)
        size += len(chunk)
    return "".join(parts)


def render_chrome(rng: random.Random, host: str, port: int) -> dict[str, str]:
    """One host's fixed template parts."""
    p = rng.choice(["site", "cms", "nx", "wp", "ob"]) + "-"
    origin = f"http://{host}:{port}"
    menu = []
    for section in _SECTIONS:
        links = "".join(
            f'<li class="{p}menu__item"><a href="{origin}/{section}/{sub}">'
            f"{section.title()} topic {sub}</a></li>"
            for sub in range(rng.randint(18, 30))
        )
        menu.append(
            f'<li class="{p}nav__section"><a href="{origin}/{section}">{section.title()}</a>'
            f'<ul class="{p}menu">{links}</ul></li>'
        )
    footer = "".join(
        f'<li><a href="{origin}/about/{i}">About us page {i}</a></li>' for i in range(90)
    )
    ticker = "".join(
        f'<span class="{p}tick">IDX{i} {rng.randrange(1000, 9999)}.{rng.randrange(99)} '
        f"{rng.choice('+-')}{rng.randrange(1, 300) / 100}%</span>"
        for i in range(12)
    )
    return {
        "p": p,
        "origin": origin,
        "head_script": _script(rng, rng.randint(35, 60)),
        "tail_script": _script(rng, rng.randint(20, 40)),
        "nav": f'<nav class="{p}nav"><ul>{"".join(menu)}</ul></nav>',
        "ticker": f'<div class="{p}ticker" aria-hidden="true">{ticker}</div>',
        "footer": f'<footer class="{p}footer"><ul>{footer}</ul>'
        f"<p>&copy; 2026 Outlet {host}. All rights reserved.</p></footer>",
    }


def render_page(
    piece: Piece,
    paragraphs: Sequence[str],
    *,
    host: int,
    url: str,
    related: Sequence[tuple[str, str]],
    comments: Sequence[tuple[str, str]],
    chrome: dict[str, str],
) -> str:
    p = chrome["p"]
    assert piece.published is not None
    published = piece.published.strftime("%Y-%m-%dT%H:%M:%SZ")
    ld = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": piece.title,
        "datePublished": published,
        "author": {"@type": "Person", "name": f"Staff {host}"},
        "publisher": {"@type": "Organization", "name": f"Outlet {host}"},
    }
    body = []
    for i, text in enumerate(paragraphs):
        body.append(f"<p>{escape(text, quote=False)}</p>")
        if i == 2:
            body.append(
                f'<aside class="{p}promo"><a href="{chrome["origin"]}/subscribe">'
                "Subscribe for unlimited access to every story</a></aside>"
            )
    teasers = "".join(
        f'<li class="{p}related__item"><a href="{_e(link)}"><img src="{_e(link)}.jpg" alt="">'
        f'<span class="{p}related__title">{_e(title)}</span></a></li>'
        for title, link in related
    )
    thread = "".join(
        f'<li class="{p}comment"><div class="{p}comment__author">{_e(who)}</div>'
        f'<div class="{p}comment__body"><p>{_e(text)}</p></div>'
        f'<button class="{p}reply">Reply</button></li>'
        for who, text in comments
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{_e(piece.title)} | Outlet {host}</title>
<meta name="description" content="{_e(paragraphs[0][:150])}">
<meta property="og:title" content="{_e(piece.title)}">
<meta property="og:url" content="{_e(url)}">
<meta property="article:published_time" content="{published}">
<link rel="canonical" href="{_e(url)}">
<link rel="stylesheet" href="{chrome["origin"]}/static/main.css">
<script>{chrome["head_script"]}</script>
<script type="application/ld+json">{json.dumps(ld)}</script>
</head><body class="{p}body">
<header class="{p}header"><a class="{p}logo" href="{chrome["origin"]}/">Outlet {host}</a>
{chrome["nav"]}</header>
{chrome["ticker"]}
<main class="{p}main"><article class="{p}article">
<h1 class="{p}headline">{_e(piece.title)}</h1>
<div class="{p}byline">By Staff {host} <time datetime="{published}">{published}</time></div>
<figure class="{p}figure"><img src="{_e(url)}.jpg" alt="">
<figcaption>Photograph: Outlet {host} archive</figcaption></figure>
<div class="{p}article__body">
{"".join(body)}
</div>
<div class="{p}share"><a href="#">Share on social</a> <a href="#">Email</a></div>
</article>
<section class="{p}related"><h2>More stories</h2><ul>{teasers}</ul></section>
<section class="{p}comments"><h2>{len(comments)} comments</h2><ol>{thread}</ol></section>
</main>
{chrome["footer"]}
<script>{chrome["tail_script"]}</script>
</body></html>
"""
