"""What counts as a new version of an article, and which canonical links may merge two pages
(pure functions: wirehouse.dedup.versions, wirehouse.dedup.canonical)."""

from __future__ import annotations

import dataclasses

import pytest

from tests.factories import article
from wirehouse.dedup.canonical import screen_canonicals, trusted_pairs
from wirehouse.dedup.versions import changed_meaningfully
from wirehouse.urls import site_of

BODY = (
    "The harbour board voted on Tuesday to extend the ferry timetable into the winter months.\n"
    "Councillor Ana Pérez said the 3 extra sailings would cost the port £120,000 a year, paid "
    "from the tourism levy.\n"
    "Fishing crews had asked for the change since the storm in March closed the road bridge."
)


@pytest.mark.parametrize(
    "edit",
    [
        lambda t: t.replace(" ", "  "),  # spacing
        lambda t: t.replace("\n", "\n\n"),  # blank lines between paragraphs
        lambda t: "Updated 10:42 GMT\n" + t,  # a date line added
        lambda t: "Published 3 June 2026, 09:15\n" + t + "\n5 min read",
        lambda t: t.replace(".", "!").replace(",", ""),  # punctuation
        lambda t: t.upper(),  # case
        lambda t: t.replace("'", "\u2019").replace('"', "\u201c"),  # typographic quotes
        lambda t: t.replace("£", "£"),  # unchanged
        lambda t: "Zuletzt aktualisiert: 01.12.2026 08:00\n" + t,  # a dateline in German
    ],
)
def test_changes_that_are_not_the_article_are_not_a_new_version(edit):
    assert not changed_meaningfully(BODY, edit(BODY))


@pytest.mark.parametrize(
    "edit",
    [
        lambda t: t.replace("Pérez", "Peres"),  # a corrected name
        lambda t: t.replace("3 extra", "4 extra"),  # a changed figure inside a sentence
        lambda t: t.replace("£120,000", "£210,000"),
        lambda t: t + "\nThe board meets again next week to set the fares for the new routes.",
        lambda t: t.rsplit("\n", 1)[0],  # a paragraph removed
        lambda t: t.replace("extend", "cut"),
    ],
)
def test_any_changed_word_of_the_body_is_a_new_version(edit):
    assert changed_meaningfully(BODY, edit(BODY))


SHORT = (
    "Storm kills 12 people.\nRescue teams searched the coast through the night.\nFinal score: 3-2"
)


@pytest.mark.parametrize(
    "edit",
    [
        lambda t: t.replace("12 people", "40 people"),  # a corrected toll in a short line
        lambda t: t.replace("3-2", "2-3"),  # a corrected score
        lambda t: t.replace("Final score: 3-2", "3-2"),
        lambda t: t + "\n12 dead",  # a short line that is a figure, not a date
        lambda t: t + "\nArsenal 3-2 Chelsea",
        lambda t: t + "\n12th",  # a figure with its ordinal is no date
        lambda t: t + "\nThe 12 men",
    ],
)
def test_a_changed_figure_in_a_short_line_is_a_new_version(edit):
    assert changed_meaningfully(SHORT, edit(SHORT))


@pytest.mark.parametrize(
    "line",
    [
        "Updated 10:42 GMT",
        "5 min read",
        "Read time: 7 minutes",
        "2 hours ago",
        "Last modified on Sun 14 Dec 2026 09.12 GMT",
        "Sunday 14 December 2026 07.30 GMT",
        "12/06/2026",
        "2026-06-12 10:42",
        "Mis à jour le 12 juin 2026 à 10h42",
        "Actualizado: 12 de junio de 2026, 10:42",
        "Stand: 12.06.2026 10:42 Uhr",
        # other languages, abbreviations, and numbers glued to their unit
        "Aggiornato il 12 giugno 2026 alle 10:42",
        "Bijgewerkt op 12 juni 2026 om 10:42",
        "Atualizado em 12/06/2026 às 10h42",
        "Actualizado el 12 de junio de 2026, 10:42 h",
        "Lesedauer: 5 Min.",
        "Tempo di lettura: 5 minuti",
        "Publié le 3 déc. 2026 à 10h42",
        "Aktualisiert am 3. Dez. 2026",
        "Veröffentlicht am 12.06.2026 um 10:42 Uhr MESZ",
        "Quarta-feira, 12 de junho de 2026",
        "Woensdag 12 juni 2026",
        "Originally published June 12th, 2026",
        "Updated 10:42am BST",
        "Updated 12 June 2026 10:42 GMT+1",
        "Updated: 2026-06-12T10:42:00Z",
    ],
)
def test_dateline_boilerplate_in_many_forms_is_not_a_new_version(line):
    assert not changed_meaningfully(SHORT, line + "\n" + SHORT)
    assert not changed_meaningfully(line + "\n" + SHORT, SHORT)


def test_the_first_text_of_an_article_is_always_a_version():
    assert changed_meaningfully(None, BODY)


@pytest.mark.parametrize(
    ("url", "site"),
    [
        ("https://www.theguardian.com/world/x", "theguardian.com"),
        ("https://news.bbc.co.uk/1/hi/x.stm", "bbc.co.uk"),
        ("https://amp.lemonde.fr/a", "lemonde.fr"),
        ("https://alice.github.io/post", "alice.github.io"),  # a private suffix: each user
        # blogging platforms the public suffix list does not split: each writer
        ("https://alice.substack.com/p/x", "alice.substack.com"),
        ("https://bob.wordpress.com/2026/03/x", "bob.wordpress.com"),
        ("https://medium.com/@Alice/a-post-1a2b", "medium.com/@alice"),
        ("http://127.0.0.1:8081/a", "127.0.0.1:8081"),  # no suffix: the origin is the site
        ("http://evil.example/a", "evil.example"),
        ("http://intranet/news/1", "intranet"),
        # one site however the URL spells it: case, trailing dot, default port, Unicode host
        ("https://WWW.TheGuardian.com./world/x", "theguardian.com"),
        ("http://localhost:80/a", "localhost"),
        ("http://LOCALHOST/a", "localhost"),
        ("https://Wire.Example:443/b", "wire.example"),
        ("https://news.bücher.de/x", "xn--bcher-kva.de"),
        ("https://www.xn--bcher-kva.de/y", "xn--bcher-kva.de"),
        ("http://[::1]:8080/x", "[::1]:8080"),
    ],
)
def test_the_site_of_a_url_is_its_registrable_domain(url, site):
    assert site_of(url) == site


def page(url: str, canonical: str | None):
    return dataclasses.replace(
        article(url, "text of " + url), canonical_url=canonical, canonical_key=canonical
    )


def test_same_site_canonicals_stay_and_cross_site_ones_become_claims():
    pages = [
        page("https://amp.victim-news.com/a", "https://www.victim-news.com/a"),  # same site
        page("https://evil.com/copy", "https://www.victim-news.com/a"),
        page("https://evil.co.uk/copy", "https://victim-news.co.uk/a"),
        page("https://blog.github.io/copy", "https://victim.github.io/a"),  # another user
        page("http://127.0.0.1:9001/copy", "http://127.0.0.1:9002/a"),  # another origin
        page("https://plain.com/a", None),
    ]
    screened, claims = screen_canonicals(pages, trusted_pairs([]))
    assert [a.canonical_key for a in screened] == ["https://www.victim-news.com/a", *[None] * 5]
    assert [a.canonical_url for a in screened] == [p.canonical_url for p in pages]
    assert [(c.claimer_site, c.claimed_site, c.trusted) for c in claims] == [
        ("evil.com", "victim-news.com", False),
        ("evil.co.uk", "victim-news.co.uk", False),
        ("blog.github.io", "victim.github.io", False),
        ("127.0.0.1:9001", "127.0.0.1:9002", False),
    ]


def test_syndication_partners_canonicals_are_trusted_both_ways_and_only_theirs():
    partners = trusted_pairs([["wire.com", "courier.co.uk"]])
    pages = [
        page("https://www.courier.co.uk/a", "https://wire.com/story"),
        page("https://wire.com/b", "https://courier.co.uk/b"),
        page("https://evil.com/c", "https://wire.com/story"),
    ]
    screened, claims = screen_canonicals(pages, partners)
    assert [a.canonical_key for a in screened] == [
        "https://wire.com/story",
        "https://courier.co.uk/b",
        None,
    ]
    assert [c.trusted for c in claims] == [True, True, False]


def test_a_same_site_canonical_spelled_differently_is_no_claim():
    pages = [
        page("https://www.bücher.de/a", "https://xn--bcher-kva.de/a"),
        page("http://localhost:80/a", "http://localhost/a"),
        page("https://WWW.Victim-News.com./a", "https://www.victim-news.com/a"),
    ]
    screened, claims = screen_canonicals(pages, trusted_pairs([]))
    assert [a.canonical_key for a in screened] == [p.canonical_key for p in pages]
    assert claims == []


@pytest.mark.parametrize(
    "group",
    [
        ["wire.com", "courier.co.uk"],
        ["WIRE.com", " www.courier.co.uk "],  # a host, any case: its site is the partner
        ["https://wire.com/", "https://news.courier.co.uk/feed.xml"],  # a URL
    ],
)
def test_partners_are_named_by_their_site_however_written(group):
    assert trusted_pairs([group]) == {
        ("wire.com", "courier.co.uk"),
        ("courier.co.uk", "wire.com"),
    }
