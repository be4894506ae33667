"""Why a page has the text it has: a bot challenge, a script shell, a paywall, or its article.

Pure: `read_signs` reads the tree `loading.parse_html` built (and the JSON-LD already read from
it) once, before trafilatura changes anything, and `paywall_of` weighs those signs against the
text extracted. Markers are lxml attribute and string checks, never regexes. A marker alone is
not enough where ordinary pages carry it too: a captcha widget on a comment form, a Cloudflare
detection script, a `paywall` class on every article of a site. Those count only on a page with
almost no text, or with a text that looks like a teaser (short and cut mid-sentence).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from lxml import etree
from lxml.html import HtmlElement

from wirehouse.extractors.jsonld import Node
from wirehouse.extractors.loading import meta_key
from wirehouse.extractors.textcap import CJK_STOPS, SENTENCE_STOPS
from wirehouse.folding import normalized

# visible text (characters) of a page that can be an interstitial: challenges, shells
CHALLENGE_TEXT_CHARS = 2_000
# visible text of a page whose challenge phrases are its text, not quoted in an article
PHRASE_TEXT_CHARS = 1_000
# visible text of a page where even a generic captcha widget means a wall: no article fits
WIDGET_TEXT_CHARS = 400
# the longest text taken for a teaser; a page that gave more gave us its article
STUB_MAX_CHARS = 2_500
# the longest line of text read for a paywall's prompt
PROMPT_CHARS = 200
# the fewest words of a last paragraph read as cut mid-sentence (a byline is not cut)
CUT_MIN_WORDS = 12
# the page's markup, read by compiled XPath (C, no Python per element; lxml's HTML parser
# lower-cases tag and attribute names). Text nodes of the body outside the hidden elements:
# script and style hold text only, so their children are excluded by parent; noscript and
# template hold elements, whose whole subtrees need the ancestor test (on the pages that have one)
_VISIBLE_TEXT = etree.XPath(
    "//body//text()[not(ancestor::script or ancestor::style or ancestor::noscript"
    " or ancestor::template)]",
    smart_strings=False,
)
_TEXT_OUTSIDE_SCRIPTS = etree.XPath(
    "//body//text()[not(parent::script or parent::style)]", smart_strings=False
)
_HAS_HIDDEN_SUBTREE = etree.XPath("boolean(//body//noscript | //body//template)")
_IDS = etree.XPath("//@id", smart_strings=False)
_CLASSES = etree.XPath("//@class", smart_strings=False)
# what a page loads or sends to, in document order: sources, form actions and the targets of
# refreshes (`content` beside `http-equiv`, read by `_markup`; smart strings know their element)
_SOURCES = etree.XPath("//@src | //@action | //@data-src | //*[@http-equiv]/@content")
_INLINE_SCRIPTS = etree.XPath("//script[not(@src) or @src = '']")

# -- bot challenges ----------------------------------------------------------------------------
# page titles of challenge interstitials (compared whole, folded as `_fold` folds them)
_CHALLENGE_TITLES = {
    "just a moment...": "cloudflare",
    "attention required! | cloudflare": "cloudflare",
    "please wait... | cloudflare": "cloudflare",
    "pardon our interruption": "imperva",
    "request rejected": "waf",
    "human verification": "captcha",
    "verify you are human": "captcha",
    "are you a robot?": "captcha",
    "robot check": "captcha",
    "ddos-guard": "ddos-guard",
    "access to this page has been denied": "perimeterx",
    "access to this page has been denied.": "perimeterx",
    "sucuri website firewall - access denied": "sucuri",
    "vercel security checkpoint": "vercel",
    "challenge validation": "akamai",
}
# Akamai's block page is titled "Access Denied" like many an article about access: it counts with
# the page's "Reference #" line or its errors.edgesuite.net address
_AKAMAI_TITLE = "access denied"
_AKAMAI_LINES = ("reference #", "errors.edgesuite.net")
# ids and classes only challenge pages render
_CHALLENGE_IDS = {
    "challenge-form": "cloudflare",
    "challenge-stage": "cloudflare",
    "challenge-running": "cloudflare",
    "challenge-body-text": "cloudflare",
    "cf-challenge-running": "cloudflare",
    "cf-browser-verification": "cloudflare",
    "cf-error-details": "cloudflare",
    "cf-please-wait": "cloudflare",
    "px-captcha": "perimeterx",
    "px-captcha-wrapper": "perimeterx",
    "captcha-container": "aws-waf",
    "sec-if-cpt-container": "akamai",
    "sec-cpt-if": "akamai",
}
# substrings of script/iframe/form addresses only challenge pages load
_CHALLENGE_SOURCES = {
    "captcha-delivery.com": "datadome",
    "captcha.px-cdn.net": "perimeterx",
    "/_incapsula_resource": "imperva",
    "errors.edgesuite.net": "akamai",
    "captcha.awswaf.com": "aws-waf",
    "__cf_chl_": "cloudflare",
    "/_sec/cp_challenge/": "akamai",
    "/.well-known/vercel/security/": "vercel",
    "/.well-known/sgcaptcha/": "siteground",
    "/.well-known/ddos-guard/": "ddos-guard",
    "validate.perfdrive.com": "radware",
}
# substrings of inline scripts only challenge pages run
_CHALLENGE_SCRIPTS = {
    "_cf_chl_opt": "cloudflare",
    "cf_chl_": "cloudflare",
    "window._pxappid": "perimeterx",
    "_pxcaptcha": "perimeterx",
    "gokuprops": "aws-waf",
    "captcha-delivery.com": "datadome",
    "sucuri_cloudproxy_js": "sucuri",
    "window.kpsdk": "kasada",
}
# phrases of the visible text of challenge pages (folded)
_CHALLENGE_PHRASES = {
    "needs to review the security of your connection": "cloudflare",
    "checking if the site connection is secure": "cloudflare",
    "checking your browser before accessing": "cloudflare",
    "enable javascript and cookies to continue": "cloudflare",
    "verify you are human by completing the action below": "cloudflare",
    "why have i been blocked?": "cloudflare",
    "performance & security by cloudflare": "cloudflare",
    "please enable js and disable any ad blocker": "datadome",
    "press & hold to confirm you are": "perimeterx",
    "press and hold to confirm you are": "perimeterx",
    "incapsula incident id": "imperva",
    "you don't have permission to access": "akamai",
    "request unsuccessful.": "imperva",
    "our systems have detected unusual traffic": "captcha",
    "to continue, please type the characters": "captcha",
    "complete the security check to access": "captcha",
    "access denied - sucuri website firewall": "sucuri",
    "we're verifying your browser": "vercel",
    "verifying you are human. this may take a few seconds": "cloudflare",
    "your access to this site has been limited by the site owner": "wordfence",
    "the requested url was rejected. please consult with your administrator": "f5",
    "this error was generated by mod_security": "modsecurity",
}
# generic widgets: on a page with almost no text, the widget is the page
_WIDGET_CLASSES = {
    "g-recaptcha": "recaptcha",
    "h-captcha": "hcaptcha",
    "cf-turnstile": "cloudflare-turnstile",
    "frc-captcha": "friendly-captcha",
}
_WIDGET_SOURCES = {
    "google.com/recaptcha/": "recaptcha",
    "recaptcha.net/recaptcha/": "recaptcha",
    "hcaptcha.com/1/api.js": "hcaptcha",
    "challenges.cloudflare.com/turnstile": "cloudflare-turnstile",
    "/cdn-cgi/challenge-platform/": "cloudflare",
    "token.awswaf.com": "aws-waf",
    "arkoselabs.com/": "arkose",
    "geetest.com/": "geetest",
}

# -- script shells -----------------------------------------------------------------------------
# the mount points of client-rendered apps (React, Next.js, Nuxt, Vue, Gatsby, Angular, Svelte)
_APP_ROOTS = frozenset(
    {"root", "app", "__next", "__nuxt", "___gatsby", "svelte", "app-root", "application"}
)
_APP_ROOT_TAGS = frozenset({"app-root"})
_NOSCRIPT_PHRASES = ("javascript", "enable js", "js is disabled")
# inline script characters per visible text character above which the page is its scripts
SCRIPT_SHARE = 10

# -- paywalls ----------------------------------------------------------------------------------
# ids and classes vendors and CMSs render only for a reader without access
_PAYWALL_IDS = {
    "poool-widget": "poool",
    "poool-paywall": "poool",
    "tp-modal": "piano",
    "piano-inline": "piano",
    "piano-paywall": "piano",
    "zephr-paywall": "zephr",
    "lp_purchase-overlay": "laterpay",
    "lp_js_purchase-overlay": "laterpay",
    "leaky_paywall_message_wrap": "leaky-paywall",
    "mepr-unauthorized-message": "memberpress",
    "rcp_restricted": "restrict-content-pro",
    "gh-post-upgrade-cta": "ghost",
    "gateway-content": "nytimes",
    "subscriber-only": "cms",
    "subscribers-only": "cms",
    "premium-content": "cms",
    "premium-article": "cms",
    "paywall-teaser": "cms",
    "article-paywall": "cms",
    "regwall": "cms",
    "paywall": "cms",
}
# what a paywall vendor's or CMS's integration puts on every page of a site, free ones too
# (Zephr features, Poool and Piano templates, Pelcro's and BlueConic's apps): a sign only with
# a text cut mid-sentence, like a CMS's class
_PAYWALL_ATTRIBUTES = {
    "data-zephr-feature": "zephr",
    "data-poool": "poool",
    "data-piano-template": "piano",
    "data-paywall": "cms",
}
_HAS_ATTRIBUTE = {name: etree.XPath(f"boolean(//@{name})") for name in _PAYWALL_ATTRIBUTES}
_SITE_IDS = {"pelcro-app": "pelcro"}
_SITE_SOURCES = {
    "js.pelcro.com": "pelcro",
    ".blueconic.net/": "blueconic",
}
# Arc XP's story data (`Fusion.globalContent`, inline): `content_restrictions.content_code`,
# any code but a free one
_ARC_RESTRICTIONS = '"content_restrictions"'
_ARC_CODE = '"content_code"'
_ARC_FREE = frozenset({"", "free", "open", "none", "null"})
# the sentences a paywall asks with (folded); newsletters ask to subscribe too, so none of
# these is a bare "subscribe"
_PAYWALL_PROMPTS = (
    "subscribe to continue reading",
    "subscribe to read the full",
    "subscribe to read the rest",
    "subscribe to read this",
    "subscribe to read more",
    "subscribe to keep reading",
    "subscribe now to continue",
    "subscribe to unlock",
    "continue reading with a subscription",
    "to continue reading, subscribe",
    "to continue reading this article",
    "this article is for subscribers",
    "this article is only available to subscribers",
    "this content is for subscribers",
    "this story is for subscribers",
    "this post is for paid subscribers",
    "this post is for subscribers only",
    "for subscribers only",
    "exclusive to subscribers",
    "available to subscribers only",
    "become a subscriber to read",
    "sign in to continue reading",
    "log in to continue reading",
    "log in to read the full",
    "register to continue reading",
    "create a free account to continue",
    "you have reached your limit of free articles",
    "you've reached your free article limit",
    "you have used all your free articles",
    "the rest of this article is",
    "member-only story",
    "unlock this article",
    "continue reading your article with",
    "dieser artikel ist nur für abonnenten",
    "jetzt weiterlesen mit",
    "lesen sie jetzt mit",
    "cet article est réservé aux abonnés",
    "article réservé aux abonnés",
    "la suite est réservée aux abonnés",
    "contenido exclusivo para suscriptores",
    "este contenido es exclusivo para suscriptores",
    "suscríbete para seguir leyendo",
    "per continuare a leggere",
    "contenuto riservato agli abbonati",
    "dit artikel is alleen voor abonnees",
    "conteúdo exclusivo para assinantes",
    "este conteúdo é exclusivo para assinantes",
    "assine para continuar lendo",
    "denne artikel er kun for abonnenter",
    "denne artikkelen er kun for abonnenter",
    "den här artikeln är endast för prenumeranter",
    "artykuł dostępny tylko dla subskrybentów",
    "この記事は有料会員限定です",
    "有料会員になると続きをお読みいただけます",
)
# prompts that are one only as a block's whole text ("Subscribe to read", not "Subscribe to
# read our daily briefing")
_BARE_PROMPTS = ("subscribe to read", "subscribers only", "subscriber exclusive")
# where a prompt is not the page's: around the article, in a list of links, or quoted
_NOT_ASKED = frozenset(
    {"aside", "nav", "footer", "header", "li", "blockquote", "q", "em", "i", "cite", "figure"}
)
_NOT_ASKED_INSIDE = frozenset({"aside", "nav", "footer", "li", "blockquote", "figure"})
_HIDDEN = frozenset({"script", "style", "noscript", "template"})
# the elements whose whole text a prompt is
_BLOCKS = ("p", "div", "section", "h1", "h2", "h3", "h4", "h5", "h6")
# what may stand before a prompt in its block: the end of a sentence, a colon, a bar
_BEFORE_PROMPT = (*SENTENCE_STOPS, *CJK_STOPS, *":|;")
# what metered sites print on every page, free ones too: a hint only with a cut text
_ACCOUNT_PROMPTS = (
    "already a subscriber?",
    "already subscribed?",
    "already a member?",
    "bereits abonnent?",
    "déjà abonné ?",
    "déjà abonné?",
    "¿ya eres suscriptor?",
    "sei già abbonato?",
    "já é assinante?",
    "allerede abonnent?",
    "redan prenumerant?",
)
# what ends a sentence; closing quotes and brackets after it are looked through
_FINAL = (*SENTENCE_STOPS, *CJK_STOPS)
_CLOSERS = " \t\"'”’»)]」』›"
# the apostrophes and quotes pages print, as the tables spell them (NFKC leaves these)
# (pairs for `str.replace`: `str.translate` with a table is 50x slower on non-ASCII text)
_QUOTES = (("\u2019", "'"), ("\u2018", "'"), ("\u02bc", "'"), ("\u201c", '"'), ("\u201d", '"'))


@dataclass(frozen=True, slots=True)
class Signs:
    """What the page's markup says about access; each field names the marker that showed it."""

    bot_wall: str | None = None  # a challenge page: no article text is in it
    shell: str | None = None  # a script bundle without its text in the HTML
    declared: str | None = None  # the page declares itself not free (JSON-LD, meta)
    marker: str | None = None  # a vendor's paywall element, rendered only for a gated reader
    site_marker: str | None = None  # a CMS's class or a vendor's app, on free pages too
    prompt: str | None = None  # the article's text asks to subscribe to read on
    hint: str | None = None  # the visible text offers a subscriber's log-in


def read_signs(tree: HtmlElement, json_ld: Sequence[Node] = ()) -> Signs:
    """The access signs of one parsed page (the tree is read, never changed)."""
    texts = (_VISIBLE_TEXT if _HAS_HIDDEN_SUBTREE(tree) else _TEXT_OUTSIDE_SCRIPTS)(tree)
    folded, text_chars = folded_text(texts)
    ids, classes, attributes, sources, scripts = _markup(tree)
    title = _fold(tree.findtext(".//title") or "")
    names = ids | classes
    marker = _first(_PAYWALL_IDS, names)
    weak = marker is not None and marker.startswith("cms:")
    asks = any(p in folded for p in (*_PAYWALL_PROMPTS, *_BARE_PROMPTS, *_ACCOUNT_PROMPTS))
    blocks = _article_blocks(tree) if asks else []
    return Signs(
        bot_wall=_bot_wall(texts, folded, text_chars, title, names, sources, scripts),
        shell=_shell(tree, text_chars, sum(len(s) for s in scripts)),
        declared=_declared(tree, json_ld),
        marker=None if weak else marker,
        site_marker=(marker if weak else None)
        or _first(_PAYWALL_ATTRIBUTES, attributes)
        or _first(_SITE_IDS, ids)
        or _first_in(_SITE_SOURCES, sources)
        or _arc_restriction(scripts),
        prompt=_asked(blocks, _PAYWALL_PROMPTS, _BARE_PROMPTS),
        hint=_asked(blocks, _ACCOUNT_PROMPTS, ()),
    )


def folded_text(texts: Sequence[str]) -> tuple[str, int]:
    """The text nodes folded (`_fold`) and joined, and its characters but the joins: one fold
    of the joined text, which is each node folded and the non-empty ones joined (a space stops
    NFKC's composition and reordering on both sides, and a text folds to nothing exactly when
    it is whitespace only)."""
    folded = _fold(" ".join(texts))
    pieces = sum(1 for text in texts if text and not text.isspace())
    return folded, len(folded) - max(0, pieces - 1)


def paywall_of(signs: Signs, text: str) -> str | None:
    """Why `text` (what the extractor kept of the page) is a paywall's teaser, or None.

    A declaration, a vendor's gate or a subscribe-to-read prompt on a short text; a CMS's
    paywall class, a vendor's site-wide integration or a subscriber's log-in only on a short
    text cut mid-sentence (a free article ends its last sentence, and many sites print them on
    every article)."""
    if len(text) > STUB_MAX_CHARS:
        return None
    if signs.declared:
        return signs.declared
    if signs.marker:
        return signs.marker
    if signs.prompt:
        return f"prompt:{signs.prompt}"
    if (signs.site_marker or signs.hint) and cut_short(text):
        return signs.site_marker or f"hint:{signs.hint}"
    return None


def prompts_only(text: str) -> bool:
    """Whether every line of the text is a paywall's prompt: a wall without a teaser."""
    prompts = (*_PAYWALL_PROMPTS, *_ACCOUNT_PROMPTS)
    lines = [_fold(line) for line in text.splitlines() if line.strip()]
    return all(any(p in line for p in prompts) or _bare(line) in _BARE_PROMPTS for line in lines)


def cut_short(text: str) -> bool:
    """Whether the text's last paragraph (after any subscribe prompt) stops mid-sentence; a
    short last line (a byline, a credit) that ends without a full stop is not a cut."""
    paragraphs = [p.strip() for p in text.splitlines() if p.strip()]
    prompts = (*_PAYWALL_PROMPTS, *_ACCOUNT_PROMPTS)
    while paragraphs and any(p in _fold(paragraphs[-1]) for p in prompts):
        paragraphs.pop()
    if not paragraphs:
        return True
    last = paragraphs[-1].rstrip(_CLOSERS)
    if last.endswith(("...", "…")):
        return True
    words = len(last.split())
    # scripts written without spaces (Chinese, Japanese, Thai) count by characters
    long = words >= CUT_MIN_WORDS or (words <= 2 and len(last) >= 2 * CUT_MIN_WORDS)
    return long and not last.endswith(_FINAL)


def _article_blocks(tree: HtmlElement) -> list[str]:
    """The folded whole texts (at most `PROMPT_CHARS`) of the block elements of the article's
    area (its `article`/`main` elements, else the body), outside asides, navigation, footers,
    lists of links and quotes, in document order: where a paywall asks, and nothing else does.

    One walk of each area (an area inside another is walked with it): every open block
    gathers the visible text of its own (not of a hidden element it sits in) until it holds
    more than a prompt's, so a deep, wide page costs its size, not its size times its depth."""
    areas = tree.xpath("//article | //main | //*[@role='main']") or tree.xpath("//body")
    walked = set(areas)
    out: list[str | None] = []
    for area in areas:
        if any(a in walked for a in area.iterancestors()):
            continue  # its blocks are the enclosing area's
        outside = sum(1 for a in area.iterancestors() if a.tag in _NOT_ASKED)
        _walk_blocks(area, outside, out)
    return [said for said in out if said]


@dataclass(slots=True)
class _Block:
    """A block being read: where its text goes in the output, and what it holds so far."""

    slot: int
    hidden: int  # the hidden elements around it (its text is what shows inside them)
    asked: bool  # no aside, navigation, footer, list item or quote around it
    parts: list[str]
    size: int = 0
    mixed: bool = False  # it holds an aside, a list or a quote block: no prompt's text


def _walk_blocks(area: HtmlElement, outside: int, out: list[str | None]) -> None:
    """`_article_blocks` for one area, appending each block's text (or None) to `out`."""
    open_blocks: list[_Block] = []
    hidden = 0
    not_asked = outside

    def add(text: str | None) -> None:
        # the innermost blocks that see this text: outer blocks hold at least the text of inner
        # ones, so the blocks still short enough are the innermost of the same hidden level
        if not text:
            return
        for block in reversed(open_blocks):
            if block.hidden != hidden or block.size > 2 * PROMPT_CHARS:
                break
            block.parts.append(text)
            block.size += len(text)

    for event, node in etree.iterwalk(area, events=("start", "end")):
        tag = node.tag if isinstance(node.tag, str) else None
        if event == "start":
            if tag in _NOT_ASKED_INSIDE:
                for block in reversed(open_blocks):
                    if block.mixed:
                        break  # and so is every block around it
                    block.mixed = True
            if tag in _BLOCKS:
                open_blocks.append(_Block(len(out), hidden, not not_asked, []))
                out.append(None)
            if tag in _NOT_ASKED:
                not_asked += 1
            if tag is None or tag in _HIDDEN:
                hidden += 1
            else:
                add(node.text)
            continue
        if tag is None or tag in _HIDDEN:
            hidden -= 1
        if tag in _NOT_ASKED:
            not_asked -= 1
        if tag in _BLOCKS:
            block = open_blocks.pop()
            if block.asked and not block.mixed and block.size <= 2 * PROMPT_CHARS:
                said = _fold(" ".join(block.parts))
                out[block.slot] = said if len(said) <= PROMPT_CHARS else None
        if node is not area:
            add(node.tail)


def _asked(blocks: Sequence[str], prompts: Sequence[str], bare: Sequence[str]) -> str | None:
    """The first prompt a block asks: it opens the block or a sentence of it (one quoted in the
    middle of a sentence is told, not asked), or, for a bare prompt, it is the whole block."""
    for block in blocks:
        for prompt in prompts:
            start = block.find(prompt)
            while start != -1:
                before = block[:start].rstrip()
                if not any(c.isalnum() for c in before) or before.endswith(_BEFORE_PROMPT):
                    return prompt
                start = block.find(prompt, start + 1)
        if (alone := _bare(block)) in bare:
            return alone
    return None


def _bare(line: str) -> str:
    """A folded line without the punctuation and padlocks around it."""
    return line.strip(_CLOSERS + ".!:-–—🔒")


def _fold(text: str) -> str:
    """Text as the tables spell it: compatibility forms unified (full-width punctuation, the
    ellipsis character, no-break spaces), apostrophes and quotes made ASCII, case folded and
    spaces collapsed; so one entry stands for every way a page writes it."""
    text = normalized("NFKC", text)
    for quote, ascii_quote in _QUOTES:
        text = text.replace(quote, ascii_quote)
    return " ".join(text.casefold().split())


def _arc_restriction(scripts: Sequence[str]) -> str | None:
    """Arc XP's story data restricting the story (`content_restrictions.content_code` not
    free), read by string search in the inline script that carries it."""
    for script in scripts:
        at = script.find(_ARC_RESTRICTIONS)
        if at == -1:
            continue
        code = script.find(_ARC_CODE, at, at + 400)
        if code == -1:
            continue
        rest = script[code + len(_ARC_CODE) : code + len(_ARC_CODE) + 80].lstrip(" :")
        value = rest[1 : rest.find('"', 1)] if rest.startswith('"') else ""
        if value.strip().lower() not in _ARC_FREE:
            return f"arc:content_restrictions:{value.strip().lower()[:40]}"
    return None


def _markup(
    tree: HtmlElement,
) -> tuple[set[str], set[str], set[str], list[str], list[str]]:
    """Ids, class tokens, the paywall attributes present, sources (with the targets of meta
    refreshes) and inline scripts (lower-cased but for the scripts)."""
    ids = {value.strip().lower() for value in _IDS(tree)}
    classes = {token for value in _CLASSES(tree) for token in value.lower().split()}
    attributes = {name for name in _PAYWALL_ATTRIBUTES if _HAS_ATTRIBUTE[name](tree)}
    sources = [
        value.lower()
        for value in _SOURCES(tree)
        # a refresh's target: a redirect to a challenge's address
        if value.attrname != "content" or _http_equiv(value.getparent()) == "refresh"
    ]
    scripts = [script.text or "" for script in _INLINE_SCRIPTS(tree)]
    return ids, classes, attributes, sources, scripts


def _http_equiv(element: HtmlElement) -> str:
    return meta_key(element, "http-equiv")


def _bot_wall(
    texts: Sequence[str],
    folded: str,
    text_chars: int,
    title: str,
    names: set[str],
    sources: Sequence[str],
    scripts: Sequence[str],
) -> str | None:
    """A challenge page's marker: markup only challenges render (ids, sources, inline scripts)
    on a page of little text, or a title or phrase backed by a second sign (the other of the
    two, or a captcha widget), or a phrase that is most of the page's text. A title or a phrase
    alone is quoted as often as it is served. `texts` are the page's visible text nodes,
    `folded` their text folded (`_fold`) and `text_chars` its characters but the joins; `title`
    is folded too."""
    if text_chars > CHALLENGE_TEXT_CHARS:
        return None
    folded_scripts = [s.casefold() for s in scripts]
    if found := (
        _first(_CHALLENGE_IDS, names)
        or _first_in(_CHALLENGE_SOURCES, sources)
        or _first_in(_CHALLENGE_SCRIPTS, folded_scripts)
    ):
        return found
    if title == _AKAMAI_TITLE and any(line in folded for line in _AKAMAI_LINES):
        return "akamai:title"
    titled = _CHALLENGE_TITLES.get(title)
    phrase = _first_in(_CHALLENGE_PHRASES, (folded,)) if text_chars <= PHRASE_TEXT_CHARS else None
    widget = text_chars <= PHRASE_TEXT_CHARS and (
        _first(_WIDGET_CLASSES, names) or _first_in(_WIDGET_SOURCES, sources)
    )
    if titled and (phrase or widget):
        return f"{titled}:title"
    if phrase and (widget or _most_of(texts, phrase.partition(":")[2], text_chars)):
        return phrase
    if text_chars > WIDGET_TEXT_CHARS:
        return None
    return _first(_WIDGET_CLASSES, names) or _first_in(_WIDGET_SOURCES, sources)


def _most_of(texts: Sequence[str], phrase: str, text_chars: int) -> bool:
    """Whether the text nodes that say `phrase` are more than half of the page's text."""
    saying = sum(len(p) for p in map(_fold, texts) if phrase in p)
    return 2 * saying > text_chars


def _shell(tree: HtmlElement, text_chars: int, script_chars: int) -> str | None:
    """A marker of a page whose content its scripts would render (its own text aside)."""
    for element in tree.iter(*_APP_ROOT_TAGS, "div", "main", "section"):
        root = (element.get("id") or "").lower()
        framework = element.get("ng-app") is not None or element.get("data-reactroot") is not None
        mount = root in _APP_ROOTS or element.tag in _APP_ROOT_TAGS or framework
        # the first text that is more than spaces ends the walk (mount points nest: joining
        # every text of each, 256 deep, cost seconds on a 40 KB page)
        if mount and all(t.isspace() for t in element.itertext() if t):
            return f"empty-root:{root or element.tag}"
    for noscript in tree.iter("noscript"):
        said = _fold("".join(noscript.itertext()))
        if any(p in said for p in _NOSCRIPT_PHRASES):
            return "noscript"
    if script_chars > SCRIPT_SHARE * max(text_chars, 1):
        return "script-share"
    return None


def _declared(tree: HtmlElement, json_ld: Sequence[Node]) -> str | None:
    """The page's own statement that its content is not free (JSON-LD, microdata, OG)."""
    for node in json_ld:
        if any(_is_false(v) for v in _free_flags(node, 0)):
            return "json-ld:isAccessibleForFree"
    for element in tree.iter("meta"):
        key = meta_key(element, "property", "name")
        content = (element.get("content") or "").strip().lower()
        if key == "article:content_tier" and content == "locked":
            return "meta:article:content_tier"
        # itemprop is a list of case-sensitive names (microdata)
        itemprop = (element.get("itemprop") or "").split()
        if "isAccessibleForFree" in itemprop and _is_false(content):
            return "microdata:isAccessibleForFree"
    return None


def _free_flags(value: Any, depth: int) -> Iterator[Any]:
    """Every `isAccessibleForFree` value in a JSON-LD object, its `hasPart`s and nested objects."""
    if depth > 6:
        return
    if isinstance(value, list):
        for item in value[:200]:
            yield from _free_flags(item, depth + 1)
    elif isinstance(value, dict):
        for key, item in value.items():
            if key == "isAccessibleForFree":
                yield item
            elif isinstance(item, dict | list):
                yield from _free_flags(item, depth + 1)


def _is_false(value: Any) -> bool:
    if isinstance(value, bool):
        return not value
    # "false", "False", "no", and the schema.org enumeration "https://schema.org/False"
    return isinstance(value, str) and value.strip().rsplit("/", 1)[-1].lower() in ("false", "no")


def _first(table: dict[str, str], names: set[str]) -> str | None:
    found = next((name for name in table if name in names), None)
    return f"{table[found]}:{found}" if found else None


def _first_in(table: dict[str, str], haystacks: Iterable[str]) -> str | None:
    for haystack in haystacks:
        for needle, vendor in table.items():
            if needle in haystack:
                return f"{vendor}:{needle}"
    return None
