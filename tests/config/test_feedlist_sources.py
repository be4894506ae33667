"""Per-source settings in the TOML feed list: each key parsed, checked, and refused clearly."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.config.test_feedlist import error_of, write
from wirehouse.config.feedlist import load_feed_list, resolve_sources
from wirehouse.config.settings import HttpSettings, Settings, fill_contact
from wirehouse.errors import ConfigError
from wirehouse.records import FeedSource, SourceRules

ALL_KEYS = """
[[feeds]]
url = "https://example.org/rss"
timezone = "Europe/Berlin"
language = "pt-BR"
prefer_feed_text = true
user_agent = "PartnerBot/2.0 (+{contact})"
per_host_delay_s = 1.5
per_host_connections = 1

[[feeds]]
url = "https://other.example.net/rss"
per_host_delay_s = 0
"""


def test_every_per_source_key(tmp_path: Path) -> None:
    first, second = load_feed_list(write(tmp_path, ALL_KEYS))
    assert first == FeedSource(
        url="https://example.org/rss",
        rules=SourceRules(timezone="Europe/Berlin", language="pt", prefer_feed_text=True),
        user_agent="PartnerBot/2.0 (+{contact})",
        per_host_delay_s=1.5,
        per_host_connections=1,
    )
    # unset keys leave the defaults: UTC, the page's language, the page's text, settings.http
    assert second == FeedSource(url="https://other.example.net/rss", per_host_delay_s=0.0)
    assert second.rules == SourceRules()


@pytest.mark.parametrize(
    ("tag", "stored"),
    [
        ("de", "de"),
        ("EN", "en"),
        ("pt_BR", "pt"),
        ("zh-Hant-TW", "zh"),
        ("gsw", "gsw"),
        ("ger", "de"),  # ISO 639-2: stored as pages' "de" is
        ("eng", "en"),
        ("iw", "he"),  # a retired code
    ],
)
def test_language_tags_store_their_primary_subtag(tmp_path: Path, tag: str, stored: str) -> None:
    text = f'[[feeds]]\nurl = "https://example.org/rss"\nlanguage = "{tag}"\n'
    assert load_feed_list(write(tmp_path, text))[0].rules.language == stored


@pytest.mark.parametrize(
    ("key_line", "fragment"),
    [
        ('timezone = "Mars/Olympus_Mons"', "unknown timezone 'Mars/Olympus_Mons'"),
        ('timezone = "CEST"', "unknown timezone 'CEST'"),
        ('timezone = "../../etc/passwd"', "unknown timezone"),
        ('timezone = "/usr/share/zoneinfo/UTC"', "unknown timezone"),
        ('timezone = ""', "timezone must be an IANA zone name"),
        ("timezone = 1", "timezone must be an IANA zone name"),
        ('language = "english"', "language must be a BCP 47 tag"),
        ('language = "e"', "language must be a BCP 47 tag"),
        ('language = "de-"', "language must be a BCP 47 tag"),
        ('language = "und"', "'und' names no one language"),  # a tag, but of no language
        ('language = "mul"', "'mul' names no one language"),
        ('language = "qaa"', "'qaa' names no one language"),  # private use
        ("language = 7", "language must be a BCP 47 tag"),
        ('prefer_feed_text = "yes"', "prefer_feed_text must be true or false, not 'yes'"),
        ("prefer_feed_text = 1", "prefer_feed_text must be true or false, not 1"),
        ('user_agent = ""', "user_agent must be a non-empty string"),
        ('user_agent = "Bot/1.0\\nX-Evil: 1"', "printable ASCII"),
        ('user_agent = "Bot/1.0 \\u00e9"', "printable ASCII"),
        ('user_agent = "Bot/1.0 {name}"', "no braces but the placeholder {contact}"),
        ('user_agent = "Bot/1.0 {"', "no braces but the placeholder {contact}"),
        ('user_agent = "Bot/1.0 }"', "no braces but the placeholder {contact}"),
        ('user_agent = "Bot/1 {contact:>600}"', "no braces but the placeholder {contact}"),
        ('user_agent = "Bot/1 {contact.__class__}"', "no braces but the placeholder {contact}"),
        ('user_agent = "Bot/1 {contact!r}"', "no braces but the placeholder {contact}"),
        ('user_agent = "Bot/1 {{contact}}"', "no braces but the placeholder {contact}"),
        ('user_agent = "Bot/1 {0}"', "no braces but the placeholder {contact}"),
        ("per_host_delay_s = -1", "per_host_delay_s must be a number of seconds"),
        ("per_host_delay_s = true", "per_host_delay_s must be a number of seconds"),
        ("per_host_delay_s = nan", "per_host_delay_s must be a number of seconds"),
        ("per_host_delay_s = inf", "per_host_delay_s must be a number of seconds"),
        ("per_host_delay_s = 10.5", "per_host_delay_s must be a number of seconds from 0 to 10"),
        ("per_host_delay_s = 3600", "per_host_delay_s must be a number of seconds from 0 to 10"),
        ("per_host_connections = 0", "per_host_connections must be a whole number from 1 to 16"),
        ("per_host_connections = 17", "per_host_connections must be a whole number from 1"),
        ("per_host_connections = 100000", "per_host_connections must be a whole number from 1"),
        ("per_host_connections = 1.5", "per_host_connections must be a whole number from 1"),
        ("per_host_connections = false", "per_host_connections must be a whole number from 1"),
        ("time_zone = 'UTC'", "unknown key 'time_zone'"),
        ("min_gap_s = 1", "unknown key 'min_gap_s'"),
    ],
)
def test_bad_values_name_the_feed_line_and_key(
    tmp_path: Path, key_line: str, fragment: str
) -> None:
    text = (
        '[[feeds]]\nurl = "https://example.org/a"\n\n'
        f'[[feeds]]\nurl = "https://example.org/rss"\n{key_line}\n'
    )
    message = error_of(write(tmp_path, text))
    assert f"{tmp_path / 'feeds.conf'}:4: feed #2" in message
    assert fragment in message


def test_the_unknown_key_message_lists_the_new_keys(tmp_path: Path) -> None:
    text = '[[feeds]]\nurl = "https://example.org/rss"\ntimezne = "UTC"\n'
    message = error_of(write(tmp_path, text))
    for key in ("timezone", "language", "prefer_feed_text", "user_agent", "per_host_delay_s"):
        assert key in message


def test_opml_and_url_lists_take_the_defaults(tmp_path: Path) -> None:
    opml = (
        '<opml version="2.0"><body><outline text="x" xmlUrl="https://example.org/rss"'
        ' timezone="Europe/Berlin" language="de"/></body></opml>'
    )
    listed = "https://example.org/rss\n"
    for name, text in (("feeds.opml", opml), ("feeds.txt", listed)):
        (source,) = load_feed_list(write(tmp_path, text, name))
        assert source.rules == SourceRules()
        assert (source.user_agent, source.per_host_delay_s, source.per_host_connections) == (
            None,
            None,
            None,
        )


def test_the_user_agent_header_is_checked_with_the_contact_filled_in(tmp_path: Path) -> None:
    # 50 placeholders fit in 512 characters as written, not once a contact URL fills each one
    agent = "Bot/1 " + "{contact}" * 50
    text = f'[[feeds]]\nurl = "https://example.org/rss"\nuser_agent = "{agent}"\n'
    path = write(tmp_path, text)
    assert load_feed_list(path)[0].user_agent == agent  # the template alone is short enough
    settings = Settings(http=HttpSettings(contact_url="mailto:operations@example.org"))
    with pytest.raises(ConfigError) as caught:
        resolve_sources(settings, feeds=None, feeds_file=str(path))
    message = str(caught.value)
    assert f"{path}:1: feed #1" in message and "not 1456 characters" in message
    short = '[[feeds]]\nurl = "https://example.org/rss"\nuser_agent = "Bot/1 (+{contact})"\n'
    (source,) = resolve_sources(settings, feeds=None, feeds_file=str(write(tmp_path, short)))
    assert source.user_agent == "Bot/1 (+{contact})"


def test_contact_is_filled_in_as_plain_text() -> None:
    # a contact URL with braces is not read as a template either
    assert fill_contact("Bot/1 (+{contact}; {contact})", "https://x.test/{a}") == (
        "Bot/1 (+https://x.test/{a}; https://x.test/{a})"
    )
    http = HttpSettings(user_agent="wirehouse ({contact})", contact_url="mailto:{0}@x.test")
    assert http.user_agent_header() == "wirehouse (mailto:{0}@x.test)"


@pytest.mark.parametrize(
    ("settings", "problem"),
    [
        ({"contact_url": "https://ops.example/\r\nX-Evil: 1"}, "printable ASCII"),
        ({"contact_url": "https://bücher.example/kontakt"}, "printable ASCII"),
        ({"contact_url": "https://ops.example/\x1b[2J"}, "printable ASCII"),
        ({"contact_url": "https://ops.example/" + "a" * 600}, "not 653 characters"),
        ({"user_agent": "wirehouse\t(+{contact})"}, "printable ASCII"),
        ({"user_agent": "Bot/1 " + "{contact}" * 20}, "not 586 characters"),
    ],
)
def test_the_settings_user_agent_header_is_checked_when_the_settings_load(
    settings: dict[str, str], problem: str
) -> None:
    """The settings' own User-Agent and contact URL make the header every request sends: a
    line break, a control, non-ASCII or a huge header is refused at load, in one message, not
    met by every request of a run failing to send it."""
    with pytest.raises(ValueError, match=problem) as caught:
        HttpSettings(**settings)
    assert "user_agent and contact_url must make a header" in str(caught.value)
