"""extract_page: rejects, encodings, metadata; it returns a value for every input, never raises."""

from __future__ import annotations

import pytest

from tests.extractors.conftest import GOLD_PAGES
from wirehouse.config.settings import ExtractSettings
from wirehouse.extractors import page as page_module
from wirehouse.extractors.loading import choose_encoding, parse_html, unwrap_layout_tables
from wirehouse.extractors.page import canonical_url, extract_page, page_language
from wirehouse.records import Extracted, Rejected

URL = "https://paper.unseen.example/news/2025/04/07/bakery-wins-award"
SETTINGS = ExtractSettings(workers=1)

PARAGRAPHS = [
    "The café on Quarry Lane won the regional bakers’ award on Sunday for its “rye and "
    "caraway” loaf, beating 46 other entries from across the county.",
    "Owner Benedikt Sørlie said the recipe came from his grandmother, who ran a bakery in the "
    "same building until 1979. “She would have said the crust is too dark,” he said.",
    "The judges praised the loaf’s texture and said the café’s entry was the only one baked "
    "entirely with flour milled within twenty miles of the shop.",
    "The prize includes a stand at the spring food festival in the market square.",
]


def article_html(charset: str, *, lang: str = "en-GB") -> str:
    body = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    return (
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="{charset}">'
        "<title>Café wins bakers’ award | The Quarry Ledger</title></head><body>"
        '<nav><a href="/">Home</a> <a href="/news">News</a></nav>'
        f"<article><h1>Café wins bakers’ award</h1>{body}</article>"
        "<footer>© 2025 The Quarry Ledger</footer></body></html>"
    )


def extract(body: bytes, url: str = URL) -> Extracted:
    result = extract_page(body, url, settings=SETTINGS)
    assert isinstance(result, Extracted), result
    return result


# --------------------------------------------------------------------------- rejects


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n" * 20, "pdf"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200), "png"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF" + bytes(200), "jpeg"),
        (b"RIFF\x24\x00\x00\x00WEBPVP8 " + bytes(64), "webp"),
        (b"", "no_markup"),
        (b"just a plain text answer, no markup at all\n" * 30, "no_markup"),
        (
            b'<?xml version="1.0"?><rss version="2.0"><channel><title>x</title></channel></rss>',
            "feed",
        ),
    ],
)
def test_not_html_is_rejected(body: bytes, detail: str) -> None:
    assert extract_page(body, URL, settings=SETTINGS) == Rejected(
        "extract", URL, "not_html", detail
    )


@pytest.mark.parametrize(
    "body",
    [
        b"<html><head><title>Empty</title></head><body></body></html>",
        b"<html><body><p>Too short to be an article.</p></body></html>",
        # a section front: navigation and teasers, no article
        (
            b"<html><head><title>News | The Quarry Ledger</title></head><body><nav><ul>"
            + b"".join(b'<li><a href="/s/%d">Section %d</a></li>' % (i, i) for i in range(30))
            + b"</ul></nav><main><ul>"
            + b"".join(
                b'<li><a href="/n/%d">Teaser headline number %d</a></li>' % (i, i)
                for i in range(20)
            )
            + b"</ul></main><footer>Contact us</footer></body></html>"
        ),
    ],
    ids=["empty", "short", "section-front"],
)
def test_a_page_without_an_article_is_no_text(body: bytes) -> None:
    result = extract_page(body, URL, settings=SETTINGS)
    assert isinstance(result, Rejected) and result.reason == "no_text" and result.stage == "extract"


def test_min_text_chars_comes_from_the_settings() -> None:
    body = article_html("utf-8").encode()
    strict = ExtractSettings(workers=1, min_text_chars=5000)
    result = extract_page(body, URL, settings=strict)
    assert isinstance(result, Rejected) and result.reason == "no_text"


def test_an_exception_becomes_extract_error(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("lxml exploded")

    monkeypatch.setattr(page_module, "bare_extraction", broken)
    result = extract_page(article_html("utf-8").encode(), URL, settings=SETTINGS)
    assert result == Rejected("extract", URL, "extract_error", "RuntimeError: lxml exploded")


@pytest.mark.parametrize(
    "body",
    [
        b"\x00\x01\x02garbage",
        b"<html" * 10_000,
        b"<<<<>>>><html><body><p>\xff\xfe\xfd</p>",
        b"<html><body>" + b"<div>" * 3000 + b"deep" + b"</div>" * 3000 + b"</body></html>",
        "<html><body><p>\ud800 lone surrogate</p></body></html>".encode("utf-8", "surrogatepass"),
    ],
)
def test_hostile_input_gives_a_value_not_an_exception(body: bytes) -> None:
    assert isinstance(extract_page(body, URL, settings=SETTINGS), Extracted | Rejected)


# --------------------------------------------------------------------------- encodings


def test_utf8_page() -> None:
    result = extract(article_html("utf-8").encode("utf-8"))
    assert "The café on Quarry Lane" in result.text and "“rye and caraway” loaf" in result.text


def test_windows_1252_page_declared_utf8_keeps_its_characters() -> None:
    body = article_html("utf-8").encode("cp1252")
    result = extract(body)
    assert "The café on Quarry Lane" in result.text
    assert "“She would have said the crust is too dark,”" in result.text
    assert "Sørlie" in result.text and "loaf’s texture" in result.text
    assert "\ufffd" not in result.text and result.title == "Café wins bakers’ award"


@pytest.mark.parametrize("declared", ["windows-1252", "iso-8859-1", "shift_jis"])
def test_utf8_page_declared_otherwise_keeps_its_characters(declared: str) -> None:
    result = extract(article_html(declared).encode("utf-8"))
    assert "The café on Quarry Lane" in result.text and "Sørlie" in result.text
    assert "Ã" not in result.text and "â€" not in result.text


def test_latin1_label_means_windows_1252() -> None:
    # 0x93/0x94 are curly quotes in windows-1252 but control characters in real latin-1
    body = article_html("iso-8859-1").encode("cp1252")
    assert choose_encoding(body) == "cp1252"
    assert "“rye and caraway” loaf" in extract(body).text


def test_utf8_with_bom_and_utf16() -> None:
    assert "Sørlie" in extract(b"\xef\xbb\xbf" + article_html("utf-8").encode()).text
    assert "Sørlie" in extract(article_html("utf-16").encode("utf-16")).text


def test_undeclared_legacy_encoding_is_guessed() -> None:
    html = article_html("x").replace('<meta charset="x">', "")
    assert "The café on Quarry Lane" in extract(html.encode("cp1252")).text


# --------------------------------------------------------------------------- metadata


def test_metadata_of_a_wordpress_page(extracted: dict) -> None:
    result = extracted["harbourline_wordpress"]
    assert result.language == "en"
    assert result.author == "Moira Lindqvist"
    assert result.sitename == "The Harbourline Gazette"
    assert result.canonical_url == GOLD_PAGES[2].url
    assert result.image and result.image.endswith("ardent-tern-drydock.jpg")
    assert result.description and "three weeks" in result.description
    assert {"ferry", "Skelmoor"} <= set(result.tags)


def test_relative_canonical_is_made_absolute(extracted: dict) -> None:
    assert extracted["lantern_comments"].canonical_url == (
        "https://lanterncourier.example/news/2025-01-21/library-expansion-wins-council-vote-single-ballot"
    )


def test_keywords_meta_is_split_into_tags(extracted: dict) -> None:
    assert extracted["dailyhorizon_captions"].tags == ("glacier", "climate", "Nordfjell")


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ('<html lang="en-GB">', "en"),
        ('<html lang="pt_BR">', "pt"),
        ('<html xml:lang="de">', "de"),
        ('<html><head><meta http-equiv="content-language" content="fr-CA, en">', "fr"),
        ('<html><head><meta property="og:locale" content="nb_NO">', "nb"),
        ('<html><head><meta http-equiv=" Content-Language\t" content="fr">', "fr"),
        ('<html><head><meta property="\nOG:Locale " content="nb_NO">', "nb"),
        ('<html><head><meta http-equiv=" " name="language" content="es">', "es"),
        ('<html lang="">', None),
        ("<html>", None),
        # every spelling of one language is one language: ISO 639-2 (B and T), retired codes
        ('<html lang="eng">', "en"),
        ('<html><head><meta name="DC.Language" content="ger">', "de"),
        ('<html><head><meta name="dc.language" content="fra">', "fr"),
        ('<html lang="iw">', "he"),
        # a tag naming no language gives way to the next one that does
        ('<html lang="und"><head><meta http-equiv="content-language" content="it">', "it"),
        ('<html lang="qaa"><head><meta property="og:locale" content="pl_PL">', "pl"),
    ],
)
def test_page_language(html: str, expected: str | None) -> None:
    tree = parse_html(f"{html}<body><p>x</p></body></html>".encode())
    assert tree is not None and page_language(tree) == expected


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        ('<link rel="canonical" href="/a/b?id=1">', "https://paper.unseen.example/a/b?id=1"),
        (
            '<link rel="canonical" href="https://other.example/story">',
            "https://other.example/story",
        ),
        (
            '<meta property="og:url" content="https://paper.unseen.example/x">',
            "https://paper.unseen.example/x",
        ),
        # the key as pages spell it: any case, spaced, or in `name` beside a blank `property`
        (
            '<meta property=" OG:URL\t" content="https://paper.unseen.example/x">',
            "https://paper.unseen.example/x",
        ),
        (
            '<meta property=" " name="og:url" content="https://paper.unseen.example/x">',
            "https://paper.unseen.example/x",
        ),
        # a CMS that points every article at the home page would merge them all
        ('<link rel="canonical" href="https://paper.unseen.example/">', None),
        ('<link rel="canonical" href="javascript:void(0)">', None),
        ("", None),
    ],
)
def test_canonical_url(head: str, expected: str | None) -> None:
    tree = parse_html(f"<html><head>{head}</head><body><p>x</p></body></html>".encode())
    assert tree is not None and canonical_url(tree, URL) == expected


def test_layout_tables_become_divs_and_data_tables_stay() -> None:
    long_cell = "<p>One.</p><p>Two.</p>"
    tree = parse_html(
        (
            "<html><body><table><tr><td>nav</td><td><table><tr><td>"
            f"{long_cell}</td></tr></table></td></tr></table>"
            "<table><tr><th>Team</th><th>Points</th></tr><tr><td>Harriers</td><td>12</td></tr></table>"
            "</body></html>"
        ).encode()
    )
    assert tree is not None
    assert unwrap_layout_tables(tree) == 2
    remaining = tree.findall(".//table")
    assert len(remaining) == 1 and remaining[0].findtext(".//td") == "Harriers"


# --------------------------------------------------------------------------- page dates

UNDATED_URL = "https://paper.unseen.example/news/bakery-wins-award"


def test_a_copyright_year_is_not_a_publication_date() -> None:
    # htmldate turns "© 2025" into 2025-01-01; that must not become the article's date
    result = extract(article_html("utf-8").encode(), UNDATED_URL)
    assert result.page_date is None and not result.page_date_has_time


def test_a_modified_date_is_not_a_publication_date() -> None:
    html = article_html("utf-8").replace(
        "</head>", '<meta property="article:modified_time" content="2025-03-01T10:00:00Z"></head>'
    )
    assert extract(html.encode(), UNDATED_URL).page_date is None


def test_a_date_only_in_the_url_is_left_to_the_url_rule() -> None:
    # the URL rule records the source as `url`; the page itself said nothing
    assert extract(article_html("utf-8").encode(), URL).page_date is None


def test_a_visible_byline_date_is_a_day_only_page_date() -> None:
    html = article_html("utf-8").replace(
        "<h1>", '<p class="byline">Posted Monday, March 3, 2025 by Staff</p><h1>'
    )
    result = extract(html.encode(), UNDATED_URL)
    assert (
        result.page_date is not None and result.page_date.isoformat() == "2025-03-03T00:00:00+00:00"
    )
    assert not result.page_date_has_time


@pytest.mark.parametrize(
    "mark",
    [
        '<meta name="citation_publication_date" content="2025/03/03">',
        '<abbr class="published" title="2025-03-03">3 March</abbr>',
        '<div class="post-date">2025-03-03</div>',
    ],
)
def test_a_date_only_htmldate_reads_is_a_day_only_page_date(mark: str) -> None:
    # markup that `dates` does not read: htmldate, the fallback, still finds it
    html = article_html("utf-8")
    html = html.replace("</head>", f"{mark}</head>", 1) if "<meta" in mark else html
    html = html.replace("<h1>", f"{mark}<h1>", 1) if "<meta" not in mark else html
    result = extract(html.encode(), UNDATED_URL)
    assert result.page_date is not None and result.page_date.date().isoformat() == "2025-03-03"
    assert not result.page_date_has_time
