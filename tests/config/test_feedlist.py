"""load_feed_list: three formats told apart by content, one clear line for every mistake."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from wirehouse.config.feedlist import load_feed_list, sources_from_urls
from wirehouse.errors import ConfigError
from wirehouse.records import FeedSource

REPO = Path(__file__).resolve().parents[2]


def write(tmp_path: Path, text: str | bytes, name: str = "feeds.conf") -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def error_of(path: Path) -> str:
    with pytest.raises(ConfigError) as info:
        load_feed_list(path)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(str(path))
    return message


# --- TOML -------------------------------------------------------------------------------------

TOML = """
# news
[[feeds]]
url = "https://example.org/rss"
name = "Example"
enabled = true
tags = ["world", " world ", "europe"]
interval_minutes = 60
respect_robots = false

[[feeds]]
url = "http://other.example.net/atom.xml"
enabled = false
"""


def test_toml(tmp_path: Path) -> None:
    sources = load_feed_list(write(tmp_path, TOML, "anything.txt"))
    assert sources == [
        FeedSource(
            url="https://example.org/rss",
            name="Example",
            enabled=True,
            tags=("world", "europe"),
            interval_minutes=60,
            respect_robots=False,
        ),
        FeedSource(url="http://other.example.net/atom.xml", enabled=False),
    ]


def test_toml_inline_array_form(tmp_path: Path) -> None:
    text = (
        'feeds = [{url = "https://a.example/rss"}, {url = "https://b.example/rss", name = "B"}]\n'
    )
    assert [s.url for s in load_feed_list(write(tmp_path, text))] == [
        "https://a.example/rss",
        "https://b.example/rss",
    ]


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ('[[feeds]]\nurl = "https://a.example/rss"\nname = \n', "bad TOML: "),
        ('[[feeds]]\nname = "No URL"\n', ":1: feed #1: missing url"),
        (
            '[[feeds]]\nurl = "ftp://a.example/rss"\n',
            ":1: feed #1: not an http(s) URL: 'ftp://a.example/rss'",
        ),
        ('[[feeds]]\nurl = "a.example/rss"\n', "not an http(s) URL"),
        ('[[feeds]]\nurl = "https://a.example/\\u007f"\n', "URL contains a control character"),
        ('[[feeds]]\nurl = ""\n', "url must be a non-empty string"),
        ("[[feeds]]\nurl = 42\n", "url must be a non-empty string"),
        (
            '[[feeds]]\nurl = "https://a.example/rss"\n\n'
            '[[feeds]]\nurl = "https://b.example/rss"\nintervall = 5\n',
            ":4: feed #2: unknown key 'intervall'",
        ),
        (
            '[[feeds]]\nurl = "https://a.example/rss"\n\n[[feeds]]\nurl = "https://A.EXAMPLE:443/rss#x"\n',
            ":4: feed #2: duplicate feed URL https://A.EXAMPLE:443/rss#x (same as feed #1)",
        ),
        (
            '[[feeds]]\nurl = "https://a.example/rss"\ninterval_minutes = 0\n',
            "interval_minutes must be a positive",
        ),
        (
            '[[feeds]]\nurl = "https://a.example/rss"\ninterval_minutes = "60"\n',
            "interval_minutes must be a positive",
        ),
        (
            '[[feeds]]\nurl = "https://a.example/rss"\ninterval_minutes = true\n',
            "interval_minutes must be a positive",
        ),
        (
            '[[feeds]]\nurl = "https://a.example/rss"\nenabled = "yes"\n',
            "enabled must be true or false",
        ),
        (
            '[[feeds]]\nurl = "https://a.example/rss"\ntags = "world"\n',
            "tags must be a list of strings",
        ),
        ('[[feeds]]\nurl = "https://a.example/rss"\nname = 3\n', "name must be a string"),
        ('[feed]\nurl = "https://a.example/rss"\n', "unknown top-level key 'feed'"),
        ('title = "my feeds"\n', "unknown top-level key 'title'"),
        ('feeds = "https://a.example/rss"\n', "'feeds' must be an array of tables"),
        ("# nothing here yet\n\n", "no feeds in the feed list"),
    ],
)
def test_toml_mistakes(tmp_path: Path, text: str, fragment: str) -> None:
    assert fragment in error_of(write(tmp_path, text))


def test_bad_toml_names_the_line(tmp_path: Path) -> None:
    message = error_of(write(tmp_path, '[[feeds]]\nurl = "https://a.example/rss"\nname = \n'))
    assert "line 3" in message


def test_the_shipped_feed_list_loads() -> None:
    sources = load_feed_list(REPO / "config" / "feeds.toml")
    assert 15 <= len(sources) <= 25
    assert all(s.url.startswith("https://") for s in sources)
    assert all(s.name and s.tags and s.interval_minutes for s in sources)
    assert all(s.enabled and s.respect_robots for s in sources)


# --- OPML -------------------------------------------------------------------------------------

OPML = """<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0">
  <head><title>My subscriptions</title></head>
  <body>
    <outline text="News" title="News">
      <outline text="World">
        <outline type="rss" text="BBC World" title="BBC World"
                 xmlUrl="https://feeds.bbci.co.uk/news/world/rss.xml" htmlUrl="https://www.bbc.co.uk/news/world"/>
      </outline>
      <outline type="rss" text="NPR" xmlurl="https://feeds.npr.org/1001/rss.xml"/>
    </outline>
    <outline type="rss" text="Top level" xmlUrl="https://top.example.org/feed"/>
    <outline text="Just a link" htmlUrl="https://example.org/"/>
    <outline text="Empty folder"/>
  </body>
</opml>
"""


def test_opml(tmp_path: Path) -> None:
    sources = load_feed_list(write(tmp_path, OPML, "subscriptions.txt"))
    assert sources == [
        FeedSource(
            url="https://feeds.bbci.co.uk/news/world/rss.xml",
            name="BBC World",
            tags=("News", "World"),
        ),
        FeedSource(url="https://feeds.npr.org/1001/rss.xml", name="NPR", tags=("News",)),
        FeedSource(url="https://top.example.org/feed", name="Top level"),
    ]


def test_opml_with_bom_and_utf16(tmp_path: Path) -> None:
    assert len(load_feed_list(write(tmp_path, b"\xef\xbb\xbf" + OPML.encode()))) == 3
    utf16 = OPML.replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16")
    assert len(load_feed_list(write(tmp_path, utf16, "x.opml"))) == 3


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("<opml><body><outline xmlUrl='https://a.example/rss'></body></opml>", "not valid XML: "),
        ("<rss version='2.0'><channel/></rss>", "XML but not OPML (root element <rss>)"),
        ("<opml version='2.0'><head/></opml>", "OPML has no <body>"),
        (
            "<opml><body>\n<outline xmlUrl='javascript:alert(1)'/></body></opml>",
            ":2: not an http(s) URL",
        ),
        (
            "<opml><body>\n<outline xmlUrl='https://a.example/rss'/>\n<outline xmlUrl='https://a.example/rss?utm_source=x'/>"
            "</body></opml>",
            ":3: duplicate feed URL https://a.example/rss?utm_source=x (first on line 2)",
        ),
        ("<opml><body><outline text='only folders'/></body></opml>", "no feeds in the feed list"),
    ],
)
def test_opml_mistakes(tmp_path: Path, text: str, fragment: str) -> None:
    assert fragment in error_of(write(tmp_path, text))


def test_opml_billion_laughs_is_refused_quickly(tmp_path: Path) -> None:
    entities = '<!ENTITY lol0 "lol">' + "".join(
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)
    )
    text = (
        f'<?xml version="1.0"?><!DOCTYPE opml [{entities}]><opml version="2.0"><body>'
        '<outline text="&lol9;" xmlUrl="https://a.example/rss"/></body></opml>'
    )
    start = time.perf_counter()
    message = error_of(write(tmp_path, text))
    assert time.perf_counter() - start < 1.0
    assert "not valid XML" in message or "declares XML entities" in message


def test_opml_with_harmless_entity_declaration_is_still_refused(tmp_path: Path) -> None:
    text = (
        '<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY co "Example Co">]><opml version="2.0"><body>'
        '<outline text="&co;" xmlUrl="https://a.example/rss"/></body></opml>'
    )
    assert "declares XML entities" in error_of(write(tmp_path, text))


def test_opml_external_entity_is_not_fetched(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET")
    text = (
        f'<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY x SYSTEM "file://{secret}">]>'
        '<opml version="2.0"><body><outline text="&x;" xmlUrl="https://a.example/rss"/></body></opml>'
    )
    assert "TOPSECRET" not in error_of(write(tmp_path, text))


# --- plain URL list ---------------------------------------------------------------------------


def test_url_list(tmp_path: Path) -> None:
    text = (
        "# my feeds\n"
        "\n"
        "https://a.example/rss\n"
        "   http://b.example/feed.xml   # trailing comment\n"
        "https://c.example/rss?edition=int#top\n"
    )
    assert load_feed_list(write(tmp_path, text)) == [
        FeedSource(url="https://a.example/rss"),
        FeedSource(url="http://b.example/feed.xml"),
        FeedSource(url="https://c.example/rss?edition=int#top"),
    ]


def test_url_list_with_crlf_and_bom(tmp_path: Path) -> None:
    path = write(tmp_path, b"\xef\xbb\xbfhttps://a.example/rss\r\nhttps://b.example/rss\r\n")
    assert [s.url for s in load_feed_list(path)] == [
        "https://a.example/rss",
        "https://b.example/rss",
    ]


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        (
            "https://a.example/rss\nfeeds.example.org/rss\n",
            ":2: not an http(s) URL: 'feeds.example.org/rss'",
        ),
        (
            "https://a.example/rss\n\nHTTPS://A.example/rss\n",
            ":3: duplicate feed URL HTTPS://A.example/rss (first on line 1)",
        ),
        ("https://a.example/rss extra words\n", ":1: URL contains whitespace"),
        ("https://a.example/r\x1b[2Jss\n", ":1: URL contains a control character"),
        ("https://exa_mple!.org:99999/rss\n", ":1: bad URL"),
    ],
)
def test_url_list_mistakes(tmp_path: Path, text: str, fragment: str) -> None:
    assert fragment in error_of(write(tmp_path, text))


def test_not_utf8(tmp_path: Path) -> None:
    assert "not UTF-8 text" in error_of(
        write(tmp_path, "https://a.example/caf\xe9\n".encode("latin-1"))
    )


def test_unreadable_file(tmp_path: Path) -> None:
    assert "cannot read feed list" in error_of(tmp_path / "missing.toml")
    assert "cannot read feed list" in error_of(tmp_path)  # a directory


# --- sources_from_urls ------------------------------------------------------------------------


def test_sources_from_urls() -> None:
    assert sources_from_urls(
        [" https://a.example/rss ", "https://b.example/rss", "https://A.example/rss"]
    ) == [
        FeedSource(url="https://a.example/rss"),
        FeedSource(url="https://b.example/rss"),
    ]
    assert sources_from_urls([]) == []


def test_sources_from_urls_rejects_non_http() -> None:
    with pytest.raises(ConfigError, match=r"feed URL: not an http\(s\) URL: 'file:///etc/passwd'"):
        sources_from_urls(["file:///etc/passwd"])
