"""Appending feeds to a feed list file: text kept as written, no repeats, never a broken list."""

from __future__ import annotations

from pathlib import Path

import pytest

from wirehouse.config.feedlist import add_feeds, load_feed_list
from wirehouse.errors import ConfigError
from wirehouse.records import FeedSource

TOML = """\
# my feeds
#   (indented comment)

[[feeds]]
url = "https://a.test/rss"   # trailing comment
name = "A"
tags = ["x"]
interval_minutes = 30
"""


def test_toml_gets_tables_after_its_text(tmp_path: Path):
    path = tmp_path / "feeds.toml"
    path.write_text(TOML)
    added, present = add_feeds(
        path,
        [
            FeedSource(url="https://b.test/feed", name='B "quoted" \\ back'),
            FeedSource(url="https://c.test/atom.xml"),
        ],
    )
    assert [s.url for s in added] == ["https://b.test/feed", "https://c.test/atom.xml"]
    assert present == []
    text = path.read_text()
    assert text.startswith(TOML)
    assert text[len(TOML) :] == (
        '\n[[feeds]]\nurl = "https://b.test/feed"\nname = "B \\"quoted\\" \\\\ back"\n'
        '\n[[feeds]]\nurl = "https://c.test/atom.xml"\n'
    )
    loaded = load_feed_list(path)
    assert [(s.url, s.name) for s in loaded] == [
        ("https://a.test/rss", "A"),
        ("https://b.test/feed", 'B "quoted" \\ back'),
        ("https://c.test/atom.xml", None),
    ]
    assert loaded[0].tags == ("x",) and loaded[0].interval_minutes == 30


@pytest.mark.parametrize(
    "spelling",
    [
        "https://a.test/rss",
        "HTTPS://A.TEST:443/rss",
        "https://a.test/rss#latest",
        "https://a.test/rss?utm_source=x",
    ],
)
def test_a_url_already_listed_in_any_spelling_is_not_added(tmp_path: Path, spelling: str):
    path = tmp_path / "feeds.toml"
    path.write_text(TOML)
    added, present = add_feeds(path, [FeedSource(url=spelling)])
    assert (added, present) == ([], ["https://a.test/rss"])  # as the list spells it
    assert path.read_text() == TOML


@pytest.mark.parametrize(
    ("url", "also_at"),
    [
        ("https://b.test/feed/", ("https://a.test/rss",)),  # the list holds where it began
        ("https://a.test/rss", ("https://b.test/feed",)),  # the list holds where it ended
        ("https://b.test/feed/", ("https://b.test/feed", "HTTPS://A.TEST/rss#top")),
    ],
)
def test_a_feed_listed_under_another_of_its_addresses_is_not_added(tmp_path, url, also_at):
    path = tmp_path / "feeds.toml"
    path.write_text(TOML)
    added, present = add_feeds(path, [FeedSource(url=url)], also_at={url: also_at})
    assert (added, present) == ([], ["https://a.test/rss"])
    assert path.read_text() == TOML


def test_other_addresses_count_among_the_new_feeds_too(tmp_path: Path):
    path = tmp_path / "feeds.toml"
    path.write_text(TOML)
    added, present = add_feeds(
        path,
        [FeedSource(url="https://b.test/feed/"), FeedSource(url="https://b.test/feed")],
        also_at={"https://b.test/feed/": ("https://b.test/feed",)},
    )
    assert [s.url for s in added] == ["https://b.test/feed/"]
    assert present == ["https://b.test/feed/"]
    assert [s.url for s in load_feed_list(path)] == ["https://a.test/rss", "https://b.test/feed/"]


def test_repeats_among_the_new_feeds_are_added_once(tmp_path: Path):
    path = tmp_path / "feeds.toml"
    path.write_text(TOML)
    added, _ = add_feeds(
        path, [FeedSource(url="https://b.test/f"), FeedSource(url="https://B.test/f#x")]
    )
    assert [s.url for s in added] == ["https://b.test/f"]
    assert len(load_feed_list(path)) == 2


def test_a_name_is_stored_without_controls_and_on_one_line(tmp_path: Path):
    path = tmp_path / "feeds.toml"
    path.write_text(TOML)
    add_feeds(path, [FeedSource(url="https://b.test/f", name="Evil\x1b[2J\nname\x7f \U0001f600")])
    assert load_feed_list(path)[1].name == "Evil[2J name \U0001f600"


@pytest.mark.parametrize("control", ["\x00", "\x07", "\x1b", "\x7f", "\x85", "\x9b", "\ud800"])
def test_a_url_with_a_control_character_is_refused_and_the_file_left_as_it_was(
    tmp_path: Path, control: str
):
    """Any control character or lone surrogate (a page's href, a pasted address): a URL a
    feed list cannot hold, said so, not a TOML error about the file after the append."""
    path = tmp_path / "feeds.toml"
    path.write_text(TOML)
    with pytest.raises(ConfigError, match=r"URL contains (a control character|whitespace)"):
        add_feeds(path, [FeedSource(url=f"https://b.test/f{control}eed")])
    assert path.read_text() == TOML


def test_a_file_without_a_final_newline_or_with_a_bom(tmp_path: Path):
    path = tmp_path / "feeds.toml"
    path.write_bytes(b"\xef\xbb\xbf" + TOML.rstrip("\n").encode())
    add_feeds(path, [FeedSource(url="https://b.test/f")])
    assert path.read_bytes().startswith(b"\xef\xbb\xbf" + TOML.rstrip("\n").encode() + b"\n\n")
    assert [s.url for s in load_feed_list(path)] == ["https://a.test/rss", "https://b.test/f"]


def test_url_lists_get_lines(tmp_path: Path):
    path = tmp_path / "feeds.txt"
    path.write_text("# list\nhttps://a.test/rss  # note")
    added, _ = add_feeds(path, [FeedSource(url="https://b.test/f", name="ignored here")])
    assert len(added) == 1
    assert path.read_text() == "# list\nhttps://a.test/rss  # note\nhttps://b.test/f\n"


@pytest.mark.parametrize(
    ("name", "start", "expected"),
    [
        ("feeds.toml", None, '[[feeds]]\nurl = "https://b.test/f"\n'),
        ("feeds.txt", None, "https://b.test/f\n"),
        (
            "feeds.toml",
            "# only comments\n",
            '# only comments\n\n[[feeds]]\nurl = "https://b.test/f"\n',
        ),
        ("list", "\n\n", "\n\nhttps://b.test/f\n"),
    ],
)
def test_a_new_or_feedless_file_is_begun_by_its_name(tmp_path, name, start, expected):
    path = tmp_path / name
    if start is not None:
        path.write_text(start)
    add_feeds(path, [FeedSource(url="https://b.test/f")])
    assert path.read_text() == expected
    assert [s.url for s in load_feed_list(path)] == ["https://b.test/f"]


def test_opml_is_refused_and_left_alone(tmp_path: Path):
    path = tmp_path / "subs.txt"  # named like a URL list: the content decides
    opml = b'<opml version="2.0"><body><outline xmlUrl="https://a.test/rss"/></body></opml>'
    path.write_bytes(opml)
    with pytest.raises(ConfigError, match="an OPML file"):
        add_feeds(path, [FeedSource(url="https://b.test/f")])
    assert path.read_bytes() == opml


@pytest.mark.parametrize(
    "broken",
    [
        '[[feeds]]\nurl = "https://a.test/rss"\ncolour = "red"\n',  # unknown key
        '[[feeds]]\nurl = "https://a.test/rss"\n[[feeds]]\nurl = "https://a.test/rss"\n',
        "[[feeds]\nurl = 1\n",
    ],
)
def test_a_list_that_does_not_load_is_not_appended_to(tmp_path: Path, broken: str):
    path = tmp_path / "feeds.toml"
    path.write_text(broken)
    with pytest.raises(ConfigError):
        add_feeds(path, [FeedSource(url="https://b.test/f")])
    assert path.read_text() == broken


def test_an_unusable_url_is_refused_before_writing(tmp_path: Path):
    path = tmp_path / "feeds.toml"
    path.write_text(TOML)
    with pytest.raises(ConfigError, match="not an http"):
        add_feeds(path, [FeedSource(url="https://b.test/ok"), FeedSource(url="ftp://c.test/")])
    assert path.read_text() == TOML


def test_a_missing_folder_is_a_config_error(tmp_path: Path):
    with pytest.raises(ConfigError, match="cannot write feed list"):
        add_feeds(tmp_path / "no" / "feeds.toml", [FeedSource(url="https://b.test/f")])
