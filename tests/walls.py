"""Pages that are not their article, in the styles found in the wild, and pages that are.

Paywalls as vendors and CMSs render them (JSON-LD declarations in every spelling, Piano, Poool,
Zephr, Laterpay, Ghost, Substack, WordPress membership plugins, an Arc-style `paywall` class,
OG's content tier, microdata), bot challenges (Cloudflare, DataDome, PerimeterX, Akamai,
Imperva, AWS WAF, reCAPTCHA, hCaptcha), script shells (React, Vue, Angular, Next.js, a page of
inline script), and ordinary articles that mention subscriptions, JavaScript and Cloudflare.
Shared by the classifier's unit tests and the ingest test's loopback outlets.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import dataclass

_WORDS = [
    "harbour",
    "council",
    "ferry",
    "storm",
    "tide",
    "grant",
    "budget",
    "school",
    "bridge",
    "market",
    "quarry",
    "mayor",
    "river",
    "museum",
    "library",
    "festival",
    "station",
    "tram",
    "port",
    "warehouse",
    "union",
    "court",
    "hospital",
    "clinic",
    "garden",
    "orchard",
    "mill",
    "bakery",
    "lighthouse",
    "pier",
    "dock",
    "canal",
    "village",
    "parish",
    "county",
    "vote",
    "plan",
    "repair",
]


def sentences(seed: str, n: int, words: int = 18) -> list[str]:
    """`n` sentences of words drawn by `seed` (another seed, another text)."""
    rng = random.Random(seed)
    return [" ".join(rng.choice(_WORDS) for _ in range(words)).capitalize() + "." for _ in range(n)]


def article_text(seed: str, paragraphs: int = 6) -> list[str]:
    """Paragraphs of a whole article: every one ends its last sentence."""
    return [" ".join(sentences(f"{seed}-{i}", 3)) for i in range(paragraphs)]


def teaser(seed: str) -> list[str]:
    """A paywall's teaser: one whole paragraph and one cut mid-sentence."""
    whole = " ".join(sentences(f"{seed}-lead", 3))
    cut = " ".join(sentences(f"{seed}-cut", 2)) + " The council said the new ferry would"
    return [whole, cut]


def html(
    title: str,
    paragraphs: list[str],
    *,
    head: str = "",
    before: str = "",
    after: str = "",
    wrapper: str = "article",
) -> bytes:
    """A news page: its paragraphs inside `wrapper`, with `before`/`after` around them."""
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{title} | The Harbour Gazette</title>"
        f"<meta property='og:title' content='{title}'>{head}</head><body>"
        "<header><a href='/'>The Harbour Gazette</a> <a href='/news'>News</a></header>"
        f"<main><{wrapper} class='story'><h1>{title}</h1>{before}{body}{after}</{wrapper}></main>"
        "<footer><p>© 2026 The Harbour Gazette. All rights reserved.</p></footer></body></html>"
    ).encode()


def json_ld(data: object) -> str:
    return f"<script type='application/ld+json'>{json.dumps(data)}</script>"


def _news(title: str, **extra: object) -> dict[str, object]:
    return {"@context": "https://schema.org", "@type": "NewsArticle", "headline": title, **extra}


_CTA = (
    "<div class='cta'><p>Subscribe to continue reading.</p><a href='/subscribe'>Subscribe</a></div>"
)


# -- paywalls: name -> page of a teaser -----------------------------------------------------------


def _jsonld_bool(title: str, text: list[str]) -> bytes:
    return html(title, text, head=json_ld(_news(title, isAccessibleForFree=False)))


def _jsonld_string(title: str, text: list[str]) -> bytes:
    part = {"@type": "WebPageElement", "isAccessibleForFree": "False", "cssSelector": ".paid"}
    return html(title, text, head=json_ld(_news(title, isAccessibleForFree="False", hasPart=part)))


def _jsonld_has_part(title: str, text: list[str]) -> bytes:
    parts = [{"@type": "WebPageElement", "isAccessibleForFree": False, "cssSelector": ".paid"}]
    return html(title, text, head=json_ld(_news(title, hasPart=parts)))


def _jsonld_graph(title: str, text: list[str]) -> bytes:
    graph = {
        "@context": "https://schema.org",
        "@graph": [
            {"@type": "WebSite", "name": "The Harbour Gazette"},
            {"@type": "NewsArticle", "headline": title, "isAccessibleForFree": "false"},
        ],
    }
    return html(title, text, head=json_ld(graph))


def _jsonld_enumeration(title: str, text: list[str]) -> bytes:
    flag = "https://schema.org/False"
    return html(title, text, head=json_ld(_news(title, isAccessibleForFree=flag)))


def _piano(title: str, text: list[str]) -> bytes:
    offer = "<div class='tp-modal'><div class='tp-iframe-wrapper'></div></div>"
    return html(title, text, after=offer)


def _poool(title: str, text: list[str]) -> bytes:
    return html(title, text, after="<div id='poool-widget'></div>")


def _zephr(title: str, text: list[str]) -> bytes:
    return html(title, text, after="<div data-zephr-feature='article-paywall'></div>")


def _laterpay(title: str, text: list[str]) -> bytes:
    return html(title, text, after="<div class='lp_purchase-overlay'><button>Buy</button></div>")


def _ghost(title: str, text: list[str]) -> bytes:
    cta = "<aside class='gh-post-upgrade-cta'><h2>This post is for subscribers only</h2></aside>"
    return html(title, text, after=cta)


def _substack(title: str, text: list[str]) -> bytes:
    wall = "<div class='paywall'><h2>This post is for paid subscribers</h2></div>"
    return html(title, text, after=wall)


def _memberpress(title: str, text: list[str]) -> bytes:
    return html(title, text, after="<div class='mepr-unauthorized-message'>Members only</div>")


def _arc_class(title: str, text: list[str]) -> bytes:
    # a CMS class and a log-in line, on a teaser that stops mid-sentence
    wall = "<div class='paywall'><p>Already a subscriber? Log in</p></div>"
    return html(title, text, after=wall)


def _content_tier(title: str, text: list[str]) -> bytes:
    return html(title, text, head="<meta property='article:content_tier' content='locked'>")


def _microdata(title: str, text: list[str]) -> bytes:
    flag = "<meta itemprop='isAccessibleForFree' content='false'>"
    return html(title, text, before=flag)


def _prompt_only(title: str, text: list[str]) -> bytes:
    return html(title, text, after=_CTA)


def _german(title: str, text: list[str]) -> bytes:
    box = "<div class='abo'><p>Dieser Artikel ist nur für Abonnenten.</p></div>"
    return html(title, text, after=box)


def _french(title: str, text: list[str]) -> bytes:
    box = "<p class='status'>Cet article est réservé aux abonnés. Déjà abonné ? Connectez-vous</p>"
    return html(title, text, after=box)


PAYWALLS: dict[str, Callable[[str, list[str]], bytes]] = {
    "jsonld-bool": _jsonld_bool,
    "jsonld-string-in-haspart": _jsonld_string,
    "jsonld-haspart-list": _jsonld_has_part,
    "jsonld-graph": _jsonld_graph,
    "jsonld-enumeration": _jsonld_enumeration,
    "piano": _piano,
    "poool": _poool,
    "zephr": _zephr,
    "laterpay": _laterpay,
    "ghost": _ghost,
    "substack": _substack,
    "memberpress": _memberpress,
    "arc-class-and-login": _arc_class,
    "og-content-tier": _content_tier,
    "microdata": _microdata,
    "prompt-only": _prompt_only,
    "german-prompt": _german,
    "french-prompt": _french,
}

# -- bot challenges: name -> (page, status codes it is served with) ------------------------------


def _challenge(title: str, body: str, head: str = "") -> bytes:
    return (
        f"<!DOCTYPE html><html><head><title>{title}</title>{head}</head><body>{body}</body></html>"
    ).encode()


CHALLENGES: dict[str, bytes] = {
    "cloudflare-just-a-moment": _challenge(
        "Just a moment...",
        "<div class='main-wrapper'><h1>www.harbour.example</h1>"
        "<p id='challenge-body-text'>www.harbour.example needs to review the security of your "
        "connection before proceeding.</p></div>"
        "<script>(function(){window._cf_chl_opt={cvId: '3',cZone: 'harbour.example',"
        "cType: 'managed'};}());</script>",
    ),
    "cloudflare-blocked": _challenge(
        "Attention Required! | Cloudflare",
        "<div id='cf-wrapper'><div id='cf-error-details'><h1>Sorry, you have been blocked</h1>"
        "<h2>You are unable to access harbour.example</h2><h2>Why have I been blocked?</h2>"
        "<p>This website is using a security service to protect itself from online attacks."
        "</p></div></div>",
    ),
    "cloudflare-turnstile": _challenge(
        "harbour.example",
        "<p>Verify you are human by completing the action below.</p>"
        "<div class='cf-turnstile' data-sitekey='0x4AAAAAAA'></div>"
        "<script src='https://challenges.cloudflare.com/turnstile/v0/api.js' async></script>",
    ),
    "datadome": _challenge(
        "harbour.example",
        "<script>var dd={'rt':'c','cid':'AHrlqAAAAAMA','hsh':'2211F522','t':'fe',"
        "'host':'geo.captcha-delivery.com'}</script>"
        "<script src='https://ct.captcha-delivery.com/c.js'></script>",
    ),
    "perimeterx": _challenge(
        "Access to this page has been denied",
        "<div class='px-captcha-container'><p>Press &amp; Hold to confirm you are a human "
        "(and not a bot).</p><div id='px-captcha'></div></div>"
        "<script>window._pxAppId = 'PXabc123';</script>",
    ),
    "akamai": _challenge(
        "Access Denied",
        "<h1>Access Denied</h1>You don't have permission to access "
        '"http&#58;&#47;&#47;www&#46;harbour&#46;example&#47;news" on this server.<p>'
        "Reference&#32;&#35;18&#46;2d351ab8&#46;1700000000&#46;1a2b3c4d</p>"
        "<p>https&#58;&#47;&#47;errors&#46;edgesuite&#46;net&#47;18&#46;2d351ab8</p>",
    ),
    "imperva": _challenge(
        "harbour.example",
        "<iframe id='main-iframe' src='/_Incapsula_Resource?CWUDNSAI=23&amp;xinfo=5-1'"
        " frameborder=0 width='100%' height='100%'>Request unsuccessful. Incapsula incident "
        "ID: 1234000120039485-123</iframe>",
        head="<meta name='ROBOTS' content='NOINDEX, NOFOLLOW'>",
    ),
    "aws-waf-captcha": _challenge(
        "harbour.example",
        "<div id='captcha-container'></div>"
        "<script>window.gokuProps = {'key':'AQID','iv':'CgAH','context':'x'};</script>"
        "<script src='https://abc.token.awswaf.com/abc/def/challenge.js'></script>"
        "<script src='https://abc.captcha.awswaf.com/abc/def/captcha.js'></script>",
    ),
    "recaptcha-interstitial": _challenge(
        "One more step",
        "<h2>Please complete the security check to access harbour.example</h2>"
        "<form method='post'><div class='g-recaptcha' data-sitekey='6Lc'></div></form>"
        "<script src='https://www.google.com/recaptcha/api.js'></script>",
    ),
    "hcaptcha-interstitial": _challenge(
        "harbour.example",
        "<p>One more step</p><div class='h-captcha' data-sitekey='10000000'></div>"
        "<script src='https://hcaptcha.com/1/api.js' async></script>",
    ),
}

# -- script shells ------------------------------------------------------------------------------

_BUNDLE = "<script src='/static/js/main.4f3c2a.js'></script>"


def _shell(title: str, body: str) -> bytes:
    return (
        f"<!DOCTYPE html><html><head><title>{title}</title>"
        "<link rel='stylesheet' href='/static/css/main.css'></head>"
        f"<body>{body}</body></html>"
    ).encode()


SHELLS: dict[str, bytes] = {
    "react": _shell(
        "Harbour Gazette",
        "<noscript>You need to enable JavaScript to run this app.</noscript>"
        f"<div id='root'></div>{_BUNDLE}",
    ),
    "vue": _shell(
        "Harbour Gazette",
        "<noscript><strong>We're sorry but this site doesn't work properly without JavaScript "
        f"enabled. Please enable it to continue.</strong></noscript><div id='app'></div>{_BUNDLE}",
    ),
    "angular": _shell("Harbour Gazette", f"<app-root></app-root>{_BUNDLE}"),
    "next": _shell("Harbour Gazette", f"<div id='__next'></div>{_BUNDLE}{_BUNDLE}"),
    "inline-bundle": _shell(
        "Harbour Gazette",
        "<div class='loading'>Loading…</div><script>" + "var state = {};" * 400 + "</script>",
    ),
}


# -- ordinary articles that must stay `ok` ------------------------------------------------------


@dataclass(frozen=True)
class Normal:
    name: str
    page: bytes


def normal_pages(seed: str) -> list[Normal]:
    """Whole articles wearing what walls wear: each must be read as its article."""
    text = article_text(seed)
    newsletter = (
        "<aside class='newsletter'><p>Subscribe to our newsletter for the week's stories.</p>"
        "<form action='/subscribe'><input name='email'><button>Subscribe</button></form></aside>"
    )
    about_js = [
        *text[:2],
        "Readers who enable JavaScript see the interactive map; without JavaScript the page "
        "shows a table. Subscribe to the council's alerts to hear of changes.",
        *text[2:],
    ]
    about_walls = [
        *text[:3],
        "Sites behind Cloudflare may show a page titled “Just a moment...” that says it needs "
        "to review the security of your connection, or ask readers to press & hold to confirm "
        "they are human. Some publishers answer “Subscribe to continue reading” instead.",
        *text[3:],
    ]
    comments = (
        "<section id='comments'><div class='g-recaptcha' data-sitekey='6Lc'></div>"
        "<noscript>Please enable JavaScript to view the comments powered by Disqus.</noscript>"
        "</section><script src='/cdn-cgi/challenge-platform/scripts/jsd/main.js'></script>"
    )
    byline = [*text[:3], "Reporting by Ada Marsh; editing by Tom Reed"]
    short = [" ".join(sentences(f"{seed}-brief", 4))]
    return [
        Normal("newsletter-footer", html("Ferry timetable changes", text, after=newsletter)),
        Normal("mentions-javascript-and-subscribe", html("Map of the works", about_js)),
        Normal("reports-on-bot-walls", html("Why pages ask if you are human", about_walls)),
        Normal("comments-captcha-and-disqus", html("Pier repairs", text, after=comments)),
        Normal(
            "paywall-class-on-free-article",
            html("Market reopens", text, wrapper="div class='paywall-wrapper paywall'"),
        ),
        Normal(
            "login-line-and-byline",
            html("Harbour vote", byline, before="<p>Already a subscriber? Log in</p>"),
        ),
        Normal(
            "jsonld-free",
            html("Bridge opens", text, head=json_ld(_news("Bridge", isAccessibleForFree=True))),
        ),
        Normal("short-brief", html("Tram stop moves", short)),
        Normal("react-rendered-on-server", _ssr(seed)),
    ]


def _ssr(seed: str) -> bytes:
    """A client app rendered on the server: its root holds the article, its scripts follow."""
    body = "".join(f"<p>{p}</p>" for p in article_text(seed))
    return (
        "<!DOCTYPE html><html><head><title>Library extension | Harbour Gazette</title></head>"
        f"<body><div id='root'><article><h1>Library extension</h1>{body}</article></div>"
        f"<noscript>You need to enable JavaScript to run this app.</noscript>{_BUNDLE}"
        "</body></html>"
    ).encode()
