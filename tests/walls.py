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

from devkit.evals.entries import WORDS


def sentences(seed: str, n: int, words: int = 18) -> list[str]:
    """`n` sentences of words drawn by `seed` (another seed, another text)."""
    rng = random.Random(seed)
    return [" ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "." for _ in range(n)]


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


def _wsj(title: str, text: list[str]) -> bytes:
    box = (
        "<div class='snippet-promotion'><h3>Continue reading your article with a WSJ "
        "subscription</h3><a href='/subscribe'>Subscribe Now</a>"
        "<p>Already a subscriber? <a href='/login'>Sign In</a></p></div>"
    )
    return html(title, text, after=box)


def _arc_restrictions(title: str, text: list[str]) -> bytes:
    story = {
        "_id": "ABC123",
        "type": "story",
        "headlines": {"basic": title},
        "content_restrictions": {"content_code": "premium"},
    }
    script = f"<script>Fusion.globalContent={json.dumps(story)};Fusion.lastModified=1;</script>"
    return html(title, text, head=script)


def _pelcro(title: str, text: list[str]) -> bytes:
    app = "<div id='pelcro-app'></div><script src='https://js.pelcro.com/sdk/main.min.js'></script>"
    return html(title, text, after=app)


def _blueconic(title: str, text: list[str]) -> bytes:
    script = (
        "<script src='https://h3u05083ad.blueconic.net/frontend/static/javascript/blueconic/"
        "blueconic.min.js'></script>"
    )
    return html(title, text, head=script)


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
    "wsj-prompt": _wsj,
    "arc-content-restrictions": _arc_restrictions,
    "pelcro": _pelcro,
    "blueconic": _blueconic,
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
    "sucuri-js": _challenge(
        "You are being redirected...",
        "<noscript>Javascript is required. Please enable javascript before you are allowed to "
        "see this page.</noscript><script>var s={},u,c,U,r,i,l=0,a,e=eval,w=String.fromCharCode,"
        "sucuri_cloudproxy_js='',S='cz0iMSIuc3Vic3RyKDAsMSkgKyAnYicgKyAiZCIg';L=S.length;"
        "</script>",
    ),
    "sucuri-block": _challenge(
        "Sucuri WebSite Firewall - Access Denied",
        "<div id='main-container'><h1>Access Denied - Sucuri Website Firewall</h1>"
        "<p>If you are the site owner, please contact Sucuri support.</p><table><tr>"
        "<td>Block reason:</td><td>Access from your Country was disabled by the administrator."
        "</td></tr><tr><td>Block ID:</td><td>GEO01</td></tr></table></div>",
    ),
    "vercel-checkpoint": _challenge(
        "Vercel Security Checkpoint",
        "<div class='container'><p>We're verifying your browser</p>"
        "<p>Website owner? Click here to fix</p></div>"
        "<script src='/.well-known/vercel/security/static/challenge.v2.min.js'></script>",
    ),
    "akamai-sec-cpt": _challenge(
        "Challenge Validation",
        "<div id='sec-if-cpt-container'><div id='sec-cpt-if'></div></div>",
        head="<script src='/_sec/cp_challenge/sec-4-4.js'></script>",
    ),
    "kasada": _challenge(
        "",
        "",
        head="<script>window.KPSDK={};KPSDK.now=typeof performance!=='undefined'"
        "&&performance.now?performance.now.bind(performance):Date.now.bind(Date);"
        "KPSDK.start=KPSDK.now();</script>"
        "<script src='/149e9513-01fa-4fb0-aad4-566afd725d1b/2d206a39-8ed7-437e-a3be-"
        "862e0f06eea3/ips.js?tkrm_alpekz_s1.3=0E'></script>",
    ),
    "siteground-sgcaptcha": _challenge(
        "",
        "",
        head="<meta http-equiv='refresh' content='0;/.well-known/sgcaptcha/?r=%2Fnews%2F2026"
        "%2F12%2F01%2Fferry&amp;y=ipr:203.0.113.9:1764579600.000'>",
    ),
    "ddos-guard": _challenge(
        "DDoS-Guard",
        "<div id='ddg-l'><div>Checking your browser before accessing harbour.example</div></div>"
        "<script src='/.well-known/ddos-guard/check?context=free_splash'></script>",
    ),
    "radware": _challenge(
        "Radware Bot Manager Captcha",
        "<p>We apologize for the inconvenience...</p><p>To ensure we keep this website safe, "
        "please can you confirm you are a human by ticking the box below.</p>"
        "<iframe src='https://validate.perfdrive.com/captcha?ssa=5d2e&amp;ssb=1a2b'></iframe>",
    ),
    "f5-asm": _challenge(
        "Request Rejected",
        "The requested URL was rejected. Please consult with your administrator.<br><br>"
        "Your support ID is: 11987654321098765432<br><br>"
        "<a href='javascript:history.back();'>[Go Back]</a>",
    ),
    "modsecurity": _challenge(
        "Not Acceptable!",
        "<h1>Not Acceptable!</h1><p>An appropriate representation of the requested resource "
        "could not be found on this server. This error was generated by Mod_Security.</p>",
    ),
    "friendly-captcha-interstitial": _challenge(
        "harbour.example",
        "<p>One more step</p><div class='frc-captcha' data-sitekey='FCMGEMUD2KTDSQ5H'></div>",
    ),
    "arkose-interstitial": _challenge(
        "harbour.example",
        "<p>Please solve this puzzle so we know you are a real person</p><div id='arkose'></div>"
        "<script src='https://client-api.arkoselabs.com/v2/11111111-1111/api.js'></script>",
    ),
    "geetest-interstitial": _challenge(
        "harbour.example",
        "<div id='captcha'></div><script src='https://static.geetest.com/v4/gt4.js'></script>",
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


def short_free_pages(seed: str) -> list[Normal]:
    """A short, whole article (every paragraph ends its sentence) on pages that print a
    paywall's words or a vendor's markup elsewhere, or quote a challenge: all free."""
    text = [" ".join(sentences(f"{seed}-{i}", 2, words=12)) for i in range(3)]
    quoted = [
        *text,
        "Readers of rival sites often see a box reading <em>subscribe to continue reading</em>"
        " before the second paragraph, the study found.",
    ]
    challenge_quoted = [
        *text[:2],
        "The site showed 'Checking your browser before accessing' for hours, the council said.",
    ]
    around = {
        "related-card-subscribers-only": "<aside><ul><li><a href='/a'>Port strike ends</a>"
        " <span>For subscribers only</span></li></ul></aside>",
        "related-card-exclusive": "<aside><a href='/b'>Budget row</a>"
        "<span class='label'>Exclusive to subscribers</span></aside>",
        "newsletter-subscribe-to-read": "<aside><h3>Newsletter</h3>"
        "<p>Subscribe to read our daily briefing in your inbox</p></aside>",
        "e-edition-link": "<div><a href='/e'>Subscribe to read the print edition online</a></div>",
        "italian-next-page": "<div><a href='/p2'>Clicca qui per continuare a leggere</a></div>",
        "zephr-feature-div": "<div data-zephr-feature='article-footer'></div>",
        "piano-template-div": "<div id='newsletter' data-piano-template='OTNL'></div>",
        "pelcro-app-everywhere": "<div id='pelcro-app'></div>",
    }
    inside = {"zephr-feature-div", "piano-template-div", "pelcro-app-everywhere"}
    pages = [
        Normal(name, html("Ferry link approved", text, after=extra))
        if name in inside
        else Normal(name, _beside(html("Ferry link approved", text), extra))
        for name, extra in around.items()
    ]
    return [
        *pages,
        Normal("em-quoted-prompt", html("Ferry link approved", quoted)),
        Normal("quoted-challenge-phrase", html("Ferry link approved", challenge_quoted)),
        Normal("titled-access-denied", _titled("Access denied", text)),
    ]


def _beside(page: bytes, extra: str) -> bytes:
    """The page with `extra` between its article and its footer (a sidebar, a link box)."""
    return page.replace(b"<footer>", extra.encode() + b"<footer>", 1)


def _titled(title: str, text: list[str]) -> bytes:
    """A page whose whole `<title>` is `title` (no site name after it)."""
    whole = f"<title>{title}</title>".encode()
    return html("x", text).replace(b"<title>x | The Harbour Gazette</title>", whole)


def _ssr(seed: str) -> bytes:
    """A client app rendered on the server: its root holds the article, its scripts follow."""
    body = "".join(f"<p>{p}</p>" for p in article_text(seed))
    return (
        "<!DOCTYPE html><html><head><title>Library extension | Harbour Gazette</title></head>"
        f"<body><div id='root'><article><h1>Library extension</h1>{body}</article></div>"
        f"<noscript>You need to enable JavaScript to run this app.</noscript>{_BUNDLE}"
        "</body></html>"
    ).encode()
