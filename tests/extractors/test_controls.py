"""A control character in a page never costs the article, and never reaches a stored string.

Regression tests: one ESC in a page's <title> or headline made the page
`no_text` (lxml refuses such characters when trafilatura builds its output tree), although
the same page without it was extracted.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wirehouse.config.settings import ExtractSettings
from wirehouse.escape import strip_controls
from wirehouse.extractors import metadata
from wirehouse.extractors.article import build_article
from wirehouse.extractors.loading import choose_encoding, without_controls
from wirehouse.extractors.page import extract_page
from wirehouse.records import Entry, Extracted, Page

SETTINGS = ExtractSettings(workers=1)
URL = "https://www.harbourpost.example/2026/03/04/dockworkers-strike"
HEADLINE = "Dockworkers begin strike over café shift rota"
SENTENCES = [
    "About 1,200 workers joined the stoppage on Wednesday, leaving eleven ships at anchor.",
    "The union said the new rota would make it impossible to plan childcare or second jobs.",
    "The terminal operator said it had offered a 4 percent allowance for the rolling pattern.",
    "Shipping agents said the strike would add to delays that built up earlier this month.",
    "The chamber of commerce urged both sides to accept mediation before the weekend.",
]
# every C0 control, DEL, and C1 controls (NEL, CSI, the ends of the block)
CONTROLS = [chr(c) for c in range(0x20)] + ["\x7f", "\x80", "\x85", "\x9b", "\x9f"]
# what no stored string may contain: C0 but tab/LF/CR, DEL, C1, surrogates, noncharacters
FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def page(*, title: str = HEADLINE, h1: str = HEADLINE, meta: str = "Harbour Post") -> bytes:
    body = "".join(f"<p>{s}</p>" for s in SENTENCES)
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{title} | Harbour Post</title>"
        f'<meta property="og:site_name" content="{meta}">'
        f'<meta name="description" content="The strike began at 6 a.m. {meta}">'
        f'<meta name="author" content="Corentin {meta[:3]}Abalo">'
        '<meta property="article:published_time" content="2026-03-04T06:00:00Z">'
        f"</head><body><article><h1>{h1}</h1>{body}</article></body></html>"
    ).encode("utf-8", "surrogatepass")


def extracted(body: bytes) -> Extracted:
    result = extract_page(body, URL, settings=SETTINGS)
    assert isinstance(result, Extracted), result
    return result


def assert_clean(result: Extracted) -> None:
    for field in (result.title, result.text, result.author, result.sitename, result.description):
        assert field is None or not FORBIDDEN.search(field), repr(field)
    assert all(not FORBIDDEN.search(t) for t in result.tags)


@pytest.mark.parametrize("char", CONTROLS, ids=[f"U+{ord(c):04X}" for c in CONTROLS])
@pytest.mark.parametrize("where", ["title", "headline", "meta"])
def test_a_control_character_costs_nothing(char: str, where: str) -> None:
    dirty = f"Dockworkers begin{char} strike over café shift rota"
    body = page(
        title=dirty if where == "title" else HEADLINE,
        h1=dirty if where == "headline" else HEADLINE,
        meta=f"Harbour{char} Post" if where == "meta" else "Harbour Post",
    )
    result = extracted(body)
    assert all(s in result.text for s in SENTENCES)
    assert_clean(result)
    # a line-breaking control separates words; any other one simply goes
    assert result.title in {HEADLINE, HEADLINE.replace("begin strike", "begin  strike")} or (
        " ".join(result.title.split()) == HEADLINE
    )
    assert result.sitename is not None and " ".join(result.sitename.split()) == "Harbour Post"


@pytest.mark.parametrize("char", CONTROLS, ids=[f"U+{ord(c):04X}" for c in CONTROLS])
def test_a_control_character_in_the_body_keeps_the_paragraph(char: str) -> None:
    body = page().replace(b"eleven ships", f"eleven{char} ships".encode())
    result = extracted(body)
    assert "About 1,200 workers joined the stoppage" in result.text
    assert_clean(result)


@pytest.mark.parametrize(
    ("raw", "name"),
    [
        (b"\xed\xa0\x80", "lone high surrogate"),
        (b"\xed\xbf\xbf", "lone low surrogate"),
        (b"\xef\xbf\xbe", "U+FFFE"),
        (b"\xef\xbf\xbf", "U+FFFF"),
        (b"\x00\x00", "two NULs"),
        (b"&#27;", "ESC as a character reference"),
        (b"&#x0;", "NUL as a character reference"),
        (b"&#xD800;", "surrogate as a character reference"),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_invalid_code_points_in_declared_utf8_keep_the_page_utf8(raw: bytes, name: str) -> None:
    body = page().replace(b"begin strike", b"begin" + raw + b" strike", 2)
    assert choose_encoding(body) == "utf-8"  # not a Windows-1252 guess: "café" stays café
    result = extracted(body)
    assert "café" in (result.title or "") and "cafÃ" not in (result.title or "")
    assert " ".join(result.title.split()) == HEADLINE
    assert all(s in result.text for s in SENTENCES)
    assert_clean(result)


def test_a_stray_nul_is_not_a_binary_file() -> None:
    body = page(title="Dockworkers\x00 begin strike over café shift rota")
    assert b"\x00" in body[:1024]
    assert extracted(body).title == HEADLINE


def test_the_byte_scrub_leaves_clean_pages_alone_and_keeps_utf8_whole() -> None:
    clean = page()
    assert without_controls(clean) is clean
    dirty = "a\x1bb\x0bc\x7fd\u0085e\u009bf é 日本 \U0001f600".encode()
    assert without_controls(dirty).decode() == "ab cd ef é 日本 \U0001f600"


def test_a_reference_to_a_c1_code_point_is_windows_1252_punctuation() -> None:
    body = page(h1=HEADLINE + " &#150; live&#133;")
    assert extracted(body).title == HEADLINE + " – live…"


def test_an_iso_2022_jp_page_keeps_its_escape_sequences() -> None:
    text = "札幌で記録的な大雪、交通に乱れ"
    sentences = "".join(
        f"<p>{text}。市内の交通機関に大きな乱れが出ました{i}。</p>" for i in range(8)
    )
    html = (
        '<html lang="ja"><head><meta charset="iso-2022-jp">'
        f"<title>{text} | 北海新聞</title></head><body><article>{sentences}</article></body></html>"
    )
    result = extracted(html.encode("iso-2022-jp"))
    assert result.title == text and "大雪" in result.text


# --------------------------------------------------------------------------- properties

_any_text = st.text(
    alphabet=st.characters(codec=None, categories=("Cc", "Cs", "Cn", "L", "P", "Zs", "Cf")),
    max_size=40,
)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(title=_any_text, headline=_any_text, meta=_any_text, noise=_any_text)
def test_no_stored_string_carries_a_control_character(title, headline, meta, noise) -> None:
    """Whatever a page carries, what extraction and the merge with the entry give is clean."""
    import html as html_module

    body = page(
        title=html_module.escape(title),
        h1=html_module.escape(headline),
        meta=html_module.escape(meta, quote=True),
    ).replace(b"eleven ships", html_module.escape(noise).encode("utf-8", "surrogatepass"))
    result = extract_page(body, URL, settings=SETTINGS)
    assert isinstance(result, Extracted), result  # the article text is always there
    assert "About 1,200 workers joined the stoppage" in result.text
    assert_clean(result)
    entry = Entry(
        feed_url="https://harbourpost.example/feed",
        url=URL,
        url_key=URL,
        guid=None,
        title=title,
        author=noise,
        feed_title=meta,
        summary=noise,
    )
    article = build_article(
        Page(entry, URL, body, "text/html", datetime(2026, 3, 4, tzinfo=UTC)), result
    )
    for field in (article.title, article.text, article.author, article.sitename):
        assert field is None or not FORBIDDEN.search(field), repr(field)
    assert article.sitename  # an outlet is always named: at worst the host


@given(value=_any_text)
def test_strip_controls_leaves_nothing_forbidden_and_is_idempotent(value: str) -> None:
    once = metadata.strip_controls(value)
    assert not FORBIDDEN.search(once)
    assert metadata.strip_controls(once) == once


def test_the_byte_scrub_removes_exactly_what_strip_controls_removes() -> None:
    """One definition of a control: the scrub of a page's bytes before parsing and
    `strip_controls` on stored strings agree on every code point of the BMP (and beyond)."""
    points = [*range(0x10000), 0x1FFFE, 0x10FFFF, 0x1F600]
    differ = [
        hex(code)
        for code in points
        if without_controls(chr(code).encode("utf-8", "surrogatepass"))
        != strip_controls(chr(code)).encode("utf-8", "surrogatepass")
    ]
    assert differ == []
