"""The boilerplate post-filter: what each rule removes, and the real paragraphs it must keep."""

from __future__ import annotations

import pytest

from wirehouse.extractors.cleanup import (
    clean_lines,
    clean_text,
    is_tag_line,
    is_ticker_row,
    strip_licence_tail,
    unique_tags,
    whole_line_rule,
)

PARA = "The council approved the budget on Tuesday after a debate that lasted four hours."
PARA2 = "Opposition members said the plan would raise local taxes by 3 percent next year."


@pytest.mark.parametrize(
    "line",
    [
        "• Copperline 41 00% 12.5%",
        "Harbex20 1,204.5 0.75% -3.2%",
        "RiverIdx 88 12% -1%",
        "| TCCU | 14.82 | 2.31% | 6.04% |",
        "Brent 81.20 +0.4% Gold 2,311 -0.2% Dow 39,112 0.1%",
    ],
)
def test_ticker_rows(line: str) -> None:
    assert is_ticker_row(line)


@pytest.mark.parametrize(
    "line",
    [
        "Shares rose 2.3% to 14.82 crowns in early trading, their best day since March.",
        "Brent crude 82.10 1.2%",  # two words, two numbers: could be a sentence fragment
        "Revenue 612 million, up 71%",
        "2024 2025 2026",  # no percentage
        PARA,
    ],
)
def test_not_ticker_rows(line: str) -> None:
    assert not is_ticker_row(line)


def test_ticker_rows_go_only_from_the_edges_of_the_text() -> None:
    rows = ["• Copperline 41 00% 12.5%", "Harbex20 1,204.5 0.75% -3.2%"]
    middle = "Stoxx 4,112 0.4% 1.1%"
    kept, dropped = clean_lines([*rows, PARA, middle, PARA2, rows[0]])
    assert kept == [PARA, middle, PARA2]
    assert [rule for rule, _ in dropped] == ["ticker", "ticker", "ticker"]


@pytest.mark.parametrize(
    ("line", "rule"),
    [
        ("Add new comment", "comment_prompt"),
        ("Leave a Reply", "comment_prompt"),
        ("Read our comment policy before posting your viewpoints", "comment_prompt"),
        ("Log in or register to post comments", "comment_prompt"),
        ("12 comments", "comment_prompt"),
        ("Copyright © 2025 The Valley Times. All rights reserved.", "licence"),
        ("© 2024 Northshore Media Group Ltd. All Rights Reserved", "licence"),
        ("Mayor Ilse Brandvold. [Photo/Agencies]", "caption"),
        ("Rescue teams at the quarry on Sunday. (Photo: Tomas Reyes/Valley Wire)", "caption"),
        ("Containers stacked at the terminal. (CWS file photo)", "caption"),
        ("Photo: Gazette staff", "caption"),
        ("Read more: Council confirms four-day bin collections", "promo"),
        ("ALSO READ: Tram extension opens a year late", "promo"),
        ("Sign up for our morning briefing, in your inbox before 7am", "promo"),
        ("Share this:", "promo"),
        (
            "We use cookies to improve your experience. By continuing, you agree to our policy.",
            "promo",
        ),
    ],
)
def test_whole_line_rules(line: str, rule: str) -> None:
    assert whole_line_rule(line) == rule


@pytest.mark.parametrize(
    "line",
    [
        PARA,
        # prose that mentions the same words as the rules
        "Residents can add new comments to the planning portal until Friday, the council said.",
        "The photo agency said its archive of 40,000 images would be digitised by 2027.",
        "“Read more books,” the librarian told the children at the opening on Saturday.",
        "Related: the museum also returned two paintings to the city last year.",
        "The company uses cookies from a bakery in Linden Street for its staff canteen.",
        "Copyright lawyers said the ruling could affect thousands of musicians.",
        "The mayor posed for a photograph with the winners (pictured) outside the town hall, "
        "then left for a meeting with the regional transport partnership about the ferry.",
        "Comments from the public will be heard at the next meeting.",
        "Share prices fell by 4 percent.",
    ],
)
def test_real_paragraphs_are_kept(line: str) -> None:
    assert whole_line_rule(line) is None
    assert clean_lines([line]) == ([line], [])


def test_licence_glued_to_the_last_sentence_is_cut_with_the_editor_initials() -> None:
    line = (
        "The union will decide on further action next week. ED/KM All content by Coastal Wire "
        "Service is licensed under a Creative Commons Attribution 4.0 International License."
    )
    assert strip_licence_tail(line) == "The union will decide on further action next week."
    assert strip_licence_tail("This work is licensed under a Creative Commons licence.") == ""
    assert strip_licence_tail(PARA) == PARA
    kept, dropped = clean_lines([PARA, line])
    assert kept == [PARA, "The union will decide on further action next week."]
    assert dropped[0][0] == "licence"


def test_a_sentence_about_a_licence_is_kept() -> None:
    line = "The archive said all content is licensed under a Creative Commons licence since May"
    assert strip_licence_tail(line) == line
    line3 = "The archive said all content is licensed under a Creative Commons licence."
    assert strip_licence_tail(line3) == line3
    line2 = (
        "All content by the museum is licensed under a Creative Commons licence, it said, and free."
    )
    assert strip_licence_tail(line2) == line2


def test_trailing_tag_lists() -> None:
    tags = ["Cocoa", "Tamarind Coast", "Commodities", "Earnings, Agriculture"]
    assert is_tag_line("Cocoa Tamarind Coast Commodities Agriculture Earnings", tags)
    assert is_tag_line("Tags: ferry, Skelmoor, islands", [])
    assert is_tag_line("Topics ferry islands", [])
    # a real closing sentence naming two tags is no tag list
    assert not is_tag_line("Cocoa prices on the Tamarind Coast rose again this week.", tags)
    assert not is_tag_line("Reporting by Ama Owusu; editing by Tom Hale", tags)
    kept, dropped = clean_lines([PARA, PARA2, "Cocoa Commodities Earnings"], tags=tags)
    assert kept == [PARA, PARA2] and dropped == [("tag_list", "Cocoa Commodities Earnings")]


def test_trailing_tag_lists_against_a_keywords_tag_of_thousands() -> None:
    """Each trailing line is checked against the page's tags; a keywords tag may list
    thousands, and lines made of its names may run to the end of the page."""
    tags = [",".join(f"{a}{b}{c}" for a in "klmnoprstu" for b in "aeiou" for c in "bdgkmnprst")]
    lines = [
        f"{a}{b}{c} {a}{b}{d}"
        for a in "klmno"
        for b in "aeiou"
        for c, d in zip("bdgkm", "nprst", strict=True)
    ]
    assert all(is_tag_line(line, tags) for line in lines)
    assert not is_tag_line("The kab and the keb went out together this week.", tags)
    kept, dropped = clean_lines([PARA, PARA2, *lines], tags=tags)
    assert kept == [PARA, PARA2] and len(dropped) == len(lines)
    # only at the end
    kept, _ = clean_lines(["Cocoa Commodities Earnings", PARA], tags=tags)
    assert kept == ["Cocoa Commodities Earnings", PARA]


def test_the_headline_repeated_at_the_top_is_dropped_once() -> None:
    title = "Ferry link suspended after crack found"
    kept, _ = clean_lines([title, PARA, title], title=title)
    assert kept == [PARA, title]
    kept, _ = clean_lines(["Live updates", "Kicker", PARA, title], title=title)
    assert kept == ["Live updates", "Kicker", PARA, title]


def test_clean_text_joins_kept_lines_and_drops_blank_ones() -> None:
    text = f"Add new comment\n\n{PARA}\n  \n{PARA2}\nMayor Ilse Brandvold. [Photo/Agencies]"
    assert clean_text(text) == f"{PARA}\n{PARA2}"


def test_an_undeclared_trailing_keyword_list_goes() -> None:
    body = [
        "The harbour board ruled out any new fees this year, chair Mirela Vasko said.",
        "Ferry operators had warned that higher harbour dues would end the winter timetable.",
    ]
    keywords = "Harbour board Mirela Vasko fees Ferry operators Winter timetable"
    kept, dropped = clean_lines([*body, keywords])
    assert kept == body and dropped == [("tag_list", keywords)]


@pytest.mark.parametrize(
    "last",
    [
        "Reporting by Mirela Vasko; editing by Tom Hale",  # function words, punctuation
        "Harbour Board Statement Expected Thursday",  # words not in the text above
        "The board will meet again on Thursday",  # a sentence without its period
        "Vasko fees",  # too short to tell
    ],
)
def test_last_lines_that_are_not_keyword_lists_stay(last: str) -> None:
    body = [
        "The harbour board ruled out any new fees this year, chair Mirela Vasko said.",
        "Ferry operators had warned that higher harbour dues would end the winter timetable.",
    ]
    assert clean_lines([*body, last]) == ([*body, last], [])


def test_unique_tags_are_single_names_once_without_controls():
    """One rule for a page's tags and for a page's merged with its feed entry's."""
    tags = ["Ferries, Port; ferries", "\x1bPORT\x0b", "", " ; ", "Strike", "Port of Merrow"]
    assert unique_tags(tags) == ("Ferries", "Port", "Strike", "Port of Merrow")
