"""Raw page bytes -> one lxml tree: sniff what the bytes are, settle the encoding, parse once.

lxml parses bytes about twice as fast as a decoded str (measured), so the page is parsed from
its bytes with the encoding forced on the parser. The encoding is settled here and not left to
the page's own declaration, because pages lie about it:

1. a byte-order mark wins;
2. bytes that are valid UTF-8 are UTF-8, whatever the page declares (a Windows-1252 text is
   almost never valid UTF-8 by accident, while a UTF-8 page declared latin-1 is common);
3. otherwise the declared charset, if the bytes decode with it (`iso-8859-1`/`ascii` labels
   mean Windows-1252, as in the WHATWG encoding standard and every browser);
4. otherwise charset_normalizer's guess (Windows-1252 among equally good ones), else
   Windows-1252.

Non-UTF-8 pages (a minority) are decoded in Python and re-encoded to UTF-8 before parsing, so
libxml2 only ever sees UTF-8 and no codec name has to be translated between Python and iconv.
"""

from __future__ import annotations

import codecs
import logging
import re
import threading

import lxml.html
from lxml.html import HtmlElement, HTMLParser

from wirehouse.escape import strip_controls

logger = logging.getLogger(__name__)

# magic numbers of the non-HTML bodies a "page" URL most often serves
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "pdf"),
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
    (b"PK\x03\x04", "zip"),
    (b"\x1f\x8b", "gzip"),
    (b"ID3", "mp3"),
    (b"OggS", "ogg"),
    (b"\x00\x00\x00", "binary"),
    (b"{\\rtf", "rtf"),
)
_RIFF_KINDS = {b"WEBP": "webp", b"WAVE": "wav", b"AVI ": "avi"}
# some markup a page cannot do without; searched in the first 100 KB only
_MARKUP = re.compile(
    rb"<(?:!doctype\s+html|html|head|body|title|meta|p|div|article|main|section|span|br|table|h[1-6])[\s/>]",
    re.IGNORECASE,
)
# the root element of a feed, checked after the prolog that _starts_as_feed skips
_FEED_ROOT = re.compile(rb"<(?:rss|feed|rdf:RDF)[\s>]")
# [^<>] rather than [^>]: a run of "<meta" cannot make each start scan to the end (quadratic)
_CHARSET = re.compile(rb"""<meta[^<>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_.:-]+)""", re.IGNORECASE)
# Control characters that real CMS output carries and that make lxml or trafilatura drop a
# page (an ESC in a headline once cost a whole article): `strip_controls`'s characters, as
# UTF-8 bytes (a test checks every code point): C0 but tab/LF/CR and DEL (derived), and the C1
# block, UTF-16 surrogates encoded on their own and the noncharacters U+FDD0-U+FDEF,
# U+FFFE/U+FFFF. Each goes as `strip_controls` has it (vertical tab, form feed, NEL: a space).
_C0_BYTES = bytes(b for b in range(0x80) if strip_controls(chr(b)) != chr(b))
_UTF8_CONTROLS = (
    re.compile(rb"\xc2[\x80-\x9f]"),
    re.compile(rb"\xed[\xa0-\xbf][\x80-\xbf]"),
    re.compile(rb"\xef\xb7[\x90-\xaf]"),
    re.compile(rb"\xef\xbf[\xbe\xbf]"),
)
# the same bytes as one pattern, for the substitution (slower than the scans, so run only on a
# page that has some)
_CONTROL_BYTES = re.compile(
    b"|".join([b"[" + re.escape(_C0_BYTES) + b"]", *(p.pattern for p in _UTF8_CONTROLS)])
)
# a numeric character reference: the parser turns "&#27;" into an ESC in the tree
_CHAR_REF = re.compile(rb"&#(?:[xX]([0-9a-fA-F]{1,8})|([0-9]{1,10}));?")
# WHATWG: these labels are decoded as windows-1252 by every browser
_AS_CP1252 = {"iso-8859-1", "iso8859-1", "latin-1", "latin1", "l1", "ascii", "us-ascii", "cp819"}

# lxml parsers must not be shared between threads: one per thread
_LOCAL = threading.local()


def _parser() -> HTMLParser:
    parser = getattr(_LOCAL, "parser", None)
    if parser is None:
        parser = _LOCAL.parser = HTMLParser(
            encoding="utf-8",
            collect_ids=False,
            default_doctype=False,
            remove_comments=True,
            remove_pis=True,
        )
    return parser


def sniff_not_html(body: bytes) -> str | None:
    """Why `body` is certainly not an HTML page (e.g. `"pdf"`, `"no_markup"`), or None."""
    head = body[:512]
    stripped = head.lstrip()
    for magic, kind in _MAGIC:
        if stripped.startswith(magic) or head.startswith(magic):
            return kind
    if head.startswith(b"RIFF") and head[8:12] in _RIFF_KINDS:
        return _RIFF_KINDS[head[8:12]]
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return None  # UTF-16 HTML: rare but legal, checked after decoding
    if _looks_binary(body[:1024]):
        return "binary"
    if _starts_as_feed(body[:4096]):
        return "feed"
    if not _MARKUP.search(body[:100_000]):
        return "no_markup"
    return None


def _starts_as_feed(head: bytes) -> bool:
    """True when `head` opens, after an XML declaration and comments, with a feed's root.

    Skipped with find() in one pass: a regex with a starred group of comments backtracks
    exponentially on a run of empty comments before a non-feed root.
    """
    pos = _skip_space(head, 0)
    if head.startswith(b"<?xml", pos):
        end = head.find(b">", pos)
        if end < 0:
            return False
        pos = _skip_space(head, end + 1)
    while head.startswith(b"<!--", pos):
        end = head.find(b"-->", pos + 4)
        if end < 0:
            return False
        pos = _skip_space(head, end + 3)
    return _FEED_ROOT.match(head, pos) is not None


def _skip_space(data: bytes, pos: int) -> int:
    while pos < len(data) and data[pos] in b" \t\r\n\f\v":
        pos += 1
    return pos


def _looks_binary(head: bytes) -> bool:
    """Many NUL bytes: a binary file. A stray NUL or two in a CMS's markup is not one."""
    return head.count(b"\x00") * 16 > len(head)


def without_controls(body: bytes) -> bytes:
    """UTF-8 (or ASCII) bytes without the control characters lxml and trafilatura choke on.

    Checked with C-speed scans first (a page has none almost always); only a page that has
    some pays for the substitution.
    """
    if len(body.translate(None, _C0_BYTES)) != len(body) or any(
        pattern.search(body) for pattern in _UTF8_CONTROLS
    ):
        body = _CONTROL_BYTES.sub(_control, body)
    if b"&#" in body:
        body = _CHAR_REF.sub(_char_ref, body)
    return body


def _control(match: re.Match[bytes]) -> bytes:
    """A control's UTF-8 bytes become what `strip_controls` makes of the character."""
    return strip_controls(match[0].decode("utf-8", "surrogatepass")).encode("utf-8")


def _char_ref(match: re.Match[bytes]) -> bytes:
    """A character reference to a control becomes what `strip_controls` makes of the
    character; references to C1 code points mean Windows-1252 punctuation (WHATWG), as in
    every browser ("&#150;" is an en dash); any other reference is left to the parser."""
    code = int(match[1], 16) if match[1] else int(match[2])
    if 0x80 <= code <= 0x9F:
        return bytes([code]).decode("cp1252", errors="ignore").encode("utf-8")
    if code > 0x10FFFF:
        return b""
    char = chr(code)
    kept = strip_controls(char)
    return match[0] if kept == char else kept.encode("utf-8")


def declared_charset(body: bytes) -> str | None:
    """The charset the page declares in a <meta> tag of its first 4 KB, lower-cased."""
    match = _CHARSET.search(body[:4096])
    return match.group(1).decode("ascii", "replace").lower() if match else None


def choose_encoding(body: bytes) -> str:
    """The Python codec that decodes `body` right (see the module docstring for the order)."""
    if body.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if body.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if b"\x1b$" in body or b"\x1b(" in body:  # ISO-2022 escapes are 7-bit, so "valid UTF-8"
        declared = declared_charset(body)
        if declared and declared.startswith("iso-2022"):
            return declared
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        try:  # UTF-8 but for lone surrogates (CMS output): `parse_html` drops those
            body.decode("utf-8", errors="surrogatepass")
        except UnicodeDecodeError:
            pass
        else:
            return "utf-8"
    else:
        return "utf-8"
    candidates: list[str] = []
    declared = declared_charset(body)
    if declared and declared not in {"utf-8", "utf8"}:
        candidates.append("cp1252" if declared in _AS_CP1252 else declared)
    candidates.extend(guess_encodings(body))
    candidates.append("cp1252")
    for name in candidates:
        try:
            body.decode(name)
        except (LookupError, UnicodeDecodeError):
            continue
        return name
    return "latin-1"  # decodes any byte string; reached only for garbage


def guess_encodings(body: bytes) -> list[str]:
    """charset_normalizer's guesses, best first; among equally good guesses Windows-1252 first.

    Latin text often scores the same in cp1250, cp1252 and cp1257 (they differ in a few
    letters); Windows-1252 is by far the most common of them on the web.
    """
    from charset_normalizer import from_bytes  # slow to import and to run; rarely needed

    sample = body if len(body) <= 20_000 else body[:10_000] + body[-10_000:]
    matches = list(from_bytes(sample))
    if not matches:
        return []
    best = (matches[0].chaos, matches[0].coherence)
    names = [m.encoding for m in matches]
    if "cp1252" in [m.encoding for m in matches if (m.chaos, m.coherence) == best]:
        names.remove("cp1252")
        names.insert(0, "cp1252")
    return [n for n in names if n not in {"utf_8", "utf-8"}]


def parse_html(body: bytes) -> HtmlElement | None:
    """Parse page bytes into an lxml tree with the right encoding; None if nothing parses."""
    encoding = choose_encoding(body)
    if encoding == "utf-8":
        data = without_controls(body)
    else:
        logger.debug("decoding page as %s", encoding)
        text = strip_controls(body.decode(encoding, errors="replace"))
        data = without_controls(text.encode("utf-8", errors="replace"))
        if encoding == "utf-16" and _MARKUP.search(data[:100_000]) is None:
            return None
    try:
        tree = lxml.html.fromstring(data, parser=_parser())
    except (ValueError, lxml.etree.ParserError) as exc:
        logger.debug("lxml could not parse the page: %s", exc)
        return None
    return tree if isinstance(tree, HtmlElement) else None


_BLOCKS = ("p", "div", "h1", "h2", "h3", "table", "ul", "ol", "blockquote", "article")


def unwrap_layout_tables(tree: HtmlElement) -> int:
    """Turn tables used for page layout into divs; returns how many were unwrapped.

    trafilatura keeps tables as content (a results table is article text), so an old
    table-layout page comes out as one blob with its navigation and classifieds glued to the
    story. A table is layout, not data, when it holds another table, or one of its cells holds
    two or more blocks (paragraphs, headings, lists) or more than 600 characters of text; such
    tables become divs so that trafilatura's ordinary boilerplate rules see each cell as a
    separate block. Tables are judged before any is changed; a nested data table stays a table.
    """
    layout = [table for table in tree.iter("table") if _is_layout(table)]
    parts: list[HtmlElement] = []
    for table in layout:
        parts.append(table)
        parts.extend(
            elem
            for elem in table.iter("tbody", "thead", "tfoot", "tr", "td", "th")
            if next(elem.iterancestors("table"), None) is table
        )
    for elem in parts:
        elem.tag = "div"
        for attr in ("width", "height", "valign", "align", "bgcolor", "colspan", "rowspan"):
            elem.attrib.pop(attr, None)
    return len(layout)


def _is_layout(table: HtmlElement) -> bool:
    if next(table.iterdescendants("table"), None) is not None:
        return True
    for cell in table.iter("td", "th"):
        if next(cell.iterancestors("table"), None) is not table:
            continue
        blocks = sum(1 for _ in cell.iterdescendants(*_BLOCKS))
        if blocks >= 2 or len(cell.text_content()) > 600:
            return True
    return False


def meta_key(element: HtmlElement, *names: str) -> str:
    """The first non-empty of the element's `names` attributes, trimmed and lower-cased: pages
    write meta keys as " Refresh ", "Content-Language" or "\tog:locale" alike."""
    for name in names:
        value = (element.get(name) or "").strip()
        if value:
            return value.lower()
    return ""
