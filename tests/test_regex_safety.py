"""Every regex in the package is safe from catastrophic backtracking (ReDoS): checked in make test.

The checker (tests/redos.py) is regexploit's static analysis plus a timed probe with pump strings
built from each pattern. It is shown to catch known catastrophic patterns, including the two a
hostile outlet used to stall a run: a page of empty comments that hung the feed sniff
for seconds (N=24) to days, and an author of `a@a@a@...` that blocked the event loop.
"""

from __future__ import annotations

import ast
import re
import time
from pathlib import Path

import pytest

import wirehouse
from tests.redos import findings, package_patterns
from wirehouse.extractors.loading import sniff_not_html
from wirehouse.feeds.parse import parse_feed_bytes
from wirehouse.feeds.text import html_to_text

PACKAGE = Path(wirehouse.__file__).parent
# the `re` functions whose first argument is a pattern
_RE_CALLS = {
    "compile",
    "match",
    "fullmatch",
    "search",
    "sub",
    "subn",
    "split",
    "findall",
    "finditer",
}


def inline_patterns() -> list[tuple[str, re.Pattern[str] | re.Pattern[bytes]]]:
    """Literal patterns written inline in `re.sub(r"...", ...)` and the like, anywhere."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_bytes())):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "re"
                and node.func.attr in _RE_CALLS
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str | bytes)
            ):
                where = f"{path.relative_to(PACKAGE.parent)}:{node.lineno}"
                found.append((where, re.compile(node.args[0].value)))
    return found


def all_patterns() -> list[tuple[str, re.Pattern[str] | re.Pattern[bytes]]]:
    compiled = list(package_patterns(wirehouse))
    known = {p.pattern for _, p in compiled}  # a module-level re.compile is found both ways
    return compiled + [(w, p) for w, p in inline_patterns() if p.pattern not in known]


ALL_PATTERNS = all_patterns()


def test_the_package_has_patterns_to_check():
    # a walk that found nothing would pass every check below
    assert len(ALL_PATTERNS) > 40
    names = {name for name, _ in ALL_PATTERNS}
    assert "wirehouse.extractors.cleanup._LICENCE_TAIL" in names
    assert any(name.startswith("wirehouse/config/feedlist.py:") for name in names)


@pytest.mark.parametrize(
    "pattern", [p for _, p in ALL_PATTERNS], ids=[name for name, _ in ALL_PATTERNS]
)
def test_no_regex_in_the_package_can_backtrack_catastrophically(pattern):
    assert findings(pattern) == []


@pytest.mark.parametrize(
    "source",
    [
        r"(a+)+$",  # nested quantifiers: exponential
        r"(?:<!--.*?-->\s*)*x",  # a lazy .*? in a starred group
        r"^(\w+\s?)*$",  # the classic from OWASP's ReDoS page
        r"^\s*\S+@\S+\s*\((?P<name>[^)]+)\)\s*$",  # the author pattern that was quadratic
        r"<[^>]*>",  # a tag stripper on a run of "<": quadratic under search
        r"\s+[|–—·•»:~-]{1,2}\s+",  # a separator on a run of spaces: quadratic under search
        r"(\d+)\s*/\s*(\d+)",  # a run of digits: quadratic under search
    ],
)
def test_the_checker_flags_known_catastrophic_patterns(source):
    assert findings(re.compile(source)) != []


def test_the_checker_flags_the_feed_sniff_pattern_that_hung_a_run():
    old_feed_start = re.compile(
        rb"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:rss|feed|rdf:RDF)[\s>]", re.S
    )
    assert findings(old_feed_start) != []


def elapsed(call, *args):
    """The call's result and the CPU seconds this thread spent on it: on a busy shared machine
    wall time also counts the waits for a core, CPU time only the work (all of it in-thread)."""
    start = time.thread_time()
    result = call(*args)
    return result, time.thread_time() - start


@pytest.mark.parametrize("count", [24, 100, 585])  # 585 empty comments fill the 4 KB sniffed
@pytest.mark.parametrize(
    "comment", [b"<!---->", b"<!-- -->\n", b"<!--x-->", b"<!---->\t\r\n"], ids=repr
)
def test_a_page_of_empty_comments_is_sniffed_at_once(count, comment):
    body = comment * count + b"<html><body><p>Hello</p></body></html>"
    verdict, seconds = elapsed(sniff_not_html, body)
    assert verdict is None and seconds < 1.0  # a regression guard, not a benchmark


@pytest.mark.parametrize(
    "prolog",
    [
        b"",
        b"  \n",
        b'<?xml version="1.0"?>',
        b'<?xml version="1.0" encoding="utf-8"?>\n<!-- generator -->\n',
        b"<!---->" * 30,
        b"<!-- a -- b --><!--\n-->\t",
    ],
)
@pytest.mark.parametrize("root", [b"<rss version='2.0'>", b"<feed xmlns='x'>", b"<rdf:RDF\n>"])
def test_feeds_are_still_recognised_after_their_prolog(prolog, root):
    assert sniff_not_html(prolog + root + b"<channel></channel>") == "feed"


@pytest.mark.parametrize(
    "body",
    [
        b"<!-- unclosed comment <rss>",
        b"<?xml version='1.0' <rss>",  # no end to the declaration: never a feed
        b"<!----><html><rss>",
        b"<rsss>",
        b"<RSS>",  # as before: feed roots are case-sensitive XML names
    ],
)
def test_what_only_looks_like_a_feed_is_not_one(body):
    assert sniff_not_html(body) != "feed"


def feed_with_author(author: str) -> bytes:
    return (
        '<?xml version="1.0"?><rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/">'
        "<channel><title>T</title><link>https://a.test/</link>"
        f"<item><title>One</title><link>https://a.test/1</link><dc:creator>{author}</dc:creator>"
        "</item></channel></rss>"
    ).encode()


@pytest.mark.parametrize(
    "author",
    [
        "a@" * 20_000,  # 40 KB: 6.6 s before
        "a@" * 200_000 + " (x",
        "@" * 40_000,
        "a@b " * 10_000 + "(Name)",
        "x@y(" * 10_000,
        "mailto:" * 5_000 + "a@b",
    ],
    ids=["a@-40KB", "a@-400KB-open-paren", "@-run", "spaced-with-name", "open-parens", "mailto"],
)
def test_a_hostile_author_is_parsed_at_once(author):
    feed, seconds = elapsed(
        lambda: parse_feed_bytes(feed_with_author(author), url="https://a.test/feed")
    )
    assert seconds < 2.0  # feedparser's own pass included; the quadratic regex took 6.6 s
    assert len(feed.entries) == 1


@pytest.mark.parametrize(
    ("author", "name"),
    [
        ("jdoe@example.com (Jane Doe)", "Jane Doe"),
        ("  jdoe@example.com   ( Jane Doe )  ", "Jane Doe"),
        ("jdoe@example.com(Jane)", "Jane"),
        ("jdoe@example.com", None),
        ("mailto:jdoe@example.com", None),
        ("mailto:", None),  # what feedparser leaves of the name of a mailto: author
        ("  mailto: ", None),
        ("jdoe@example.com ()", "jdoe@example.com ()"),
        ("Jane Doe", "Jane Doe"),
        ("Jane   Doe\n and  Bob", "Jane Doe and Bob"),
        ("a@b@c", "a@b@c"),  # two @: not an address, kept as written
        ("Staff (Reuters)", "Staff (Reuters)"),  # no address before the bracket
        ("j@x.org (Jane) (extra)", "j@x.org (Jane) (extra)"),
    ],
)
def test_the_author_parser_keeps_its_meaning(author, name):
    from wirehouse.feeds.parse import _author_name

    assert _author_name(author) == name


@pytest.mark.parametrize(
    "call",
    [
        lambda n: html_to_text("<" * n + "<p>text"),
        lambda n: html_to_text("<b" * n),
    ],
    ids=["lt-run", "open-tags"],
)
def test_text_helpers_stay_linear_on_long_runs(call):
    _, seconds = elapsed(call, 200_000)
    assert seconds < 2.0
