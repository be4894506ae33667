"""`wirehouse feeds add`: real sites on loopback, the real fetcher and parser, real files.

Each test writes a small site (home page, feeds, broken links) on a loopback server, runs the
command through typer's runner (and once as a process on a terminal) and checks what it shows,
what it refuses and what the feed list holds afterwards.
"""

from __future__ import annotations

import os
import pty
import select
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from devkit.ports import free_port
from tests.fetch.conftest import Handler, LoopbackServer
from tests.reliability.conftest import WIREHOUSE
from tests.test_cli_output import CONTROL, HOSTILE
from wirehouse.cli import app
from wirehouse.config.feedlist import load_feed_list

runner = CliRunner()


def rss(title: str, items: list[str], section: str = "") -> bytes:
    entries = "".join(
        f"<item><title>{t}</title><link>https://outlet.test/{section}{i}</link>"
        f"<pubDate>0{i + 1} Dec 2025 10:00:00 +0000</pubDate></item>"
        for i, t in enumerate(items)
    )
    return (
        f"<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>{title}"
        f"</title><link>https://outlet.test/</link>{entries}</channel></rss>"
    ).encode()


def atom(title: str, items: list[str], section: str = "") -> bytes:
    entries = "".join(
        f"<entry><title>{t}</title><id>urn:{i}</id><link href='https://outlet.test/{section}{i}'/>"
        f"<updated>2025-12-0{i + 1}T10:00:00Z</updated></entry>"
        for i, t in enumerate(items)
    )
    return (
        "<?xml version='1.0' encoding='utf-8'?><feed xmlns='http://www.w3.org/2005/Atom'>"
        f"<title>{title}</title><id>urn:feed</id><updated>2025-12-09T10:00:00Z</updated>"
        f"{entries}</feed>"
    ).encode()


def html(head: str = "", body: str = "") -> bytes:
    return f"<!doctype html><html><head>{head}</head><body>{body}</body></html>".encode()


def serve(server: LoopbackServer, path: str, body: bytes, content_type: str) -> None:
    def route(handler: Handler) -> None:
        handler.reply(200, body, {"Content-Type": content_type})

    server.routes[path] = route


def redirect(server: LoopbackServer, path: str, to: str) -> None:
    def route(handler: Handler) -> None:
        handler.reply(301, b"", {"Location": to})

    server.routes[path] = route


@pytest.fixture
def make_site(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[Callable[[], LoopbackServer]]:
    """Loopback sites; the command runs in an empty folder (no config file) without politeness
    delays, so only the site decides what it finds."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("WIREHOUSE_HTTP__PER_HOST_DELAY_S", "0")
    servers: list[LoopbackServer] = []

    def make() -> LoopbackServer:
        servers.append(LoopbackServer())
        return servers[-1]

    yield make
    for server in servers:
        server.close()


@pytest.fixture
def news_site(make_site: Callable[[], LoopbackServer]) -> LoopbackServer:
    """A WordPress-like home page: RSS and Atom of the same posts (one protocol-relative), a
    comments feed, the REST API's alternate link, a section's feed, and feed-looking anchors to
    a 404 and to an HTML page."""
    site = make_site()
    head = (
        '<link rel="alternate" type="application/rss+xml" title="Outlet » Feed" href="/rss.xml">'
        f'<link rel="alternate" type="application/atom+xml" href="//{site.netloc}/atom.xml">'
        '<link rel="alternate" type="application/rss+xml" title="Outlet » Comments Feed" '
        'href="comments/feed/">'
        '<link rel="alternate" type="application/json" href="/wp-json/wp/v2/pages/2">'
        '<link rel="alternate" type="application/rss+xml" title="Outlet » Sport" '
        'href="/sport/feed/">'
    )
    body = '<a href="/gone.rss">Old RSS</a><a href="/help/rss">About our RSS</a>'
    serve(site, "/", html(head, body), "text/html; charset=utf-8")
    serve(
        site,
        "/rss.xml",
        rss("Outlet", ["Flood warning", "Vote today", "Storm ends"]),
        "application/rss+xml",
    )
    serve(
        site,
        "/atom.xml",
        atom("Outlet (Atom)", ["Flood warning", "Vote today", "Storm ends"]),
        "application/atom+xml",
    )
    serve(
        site,
        "/sport/feed/",
        rss("Outlet Sport", ["Cup final tonight", "Rovers win"], section="sport/"),
        "application/rss+xml",
    )
    serve(
        site,
        "/comments/feed/",
        rss("Comments for Outlet", ["Re: Flood warning"]),
        "application/rss+xml",
    )
    serve(site, "/help/rss", html(body="<p>How to use RSS</p>"), "text/html")
    return site


def add(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["feeds", "add", *args])
    return result.exit_code, result.stdout, result.stderr


def rows(stdout: str) -> list[str]:
    """The table's lines that start a row (the number column)."""
    return [line for line in stdout.splitlines() if line.lstrip("│┃ ").split(" ")[0].isdigit()]


def test_a_site_with_several_feeds_is_listed_with_latest_titles(news_site, tmp_path):
    feeds = tmp_path / "feeds.toml"
    code, out, err = add(news_site.url("/"), "--dry-run", "--feeds", str(feeds))
    assert code == 0, err
    listed = rows(out)
    assert len(listed) == 6, out
    rss_row, atom_row, comments_row, sport_row, gone_row, help_row = listed
    assert news_site.url("/rss.xml") in rss_row and "ok, 3 items" in rss_row
    assert "Storm ends" in rss_row  # the newest first
    assert news_site.url("/atom.xml") in atom_row and "Outlet (Atom)" in atom_row
    assert "same items as #1" in out and "same items" not in rss_row + sport_row
    assert "comments" in comments_row and news_site.url("/comments/feed/") in comments_row
    assert news_site.url("/sport/feed/") in sport_row and "ok, 2 items" in sport_row
    assert "http_404" in gone_row
    assert "not_a_feed" in help_row
    assert "Vote today" in out and "Rovers win" in out
    assert "wp-json" not in out
    assert not feeds.exists()  # --dry-run writes nothing
    assert news_site.hits("/feed") == []  # linked feeds work: no paths guessed


def test_all_adds_the_working_feeds_but_comments_and_repeats_and_again_adds_nothing(
    news_site, tmp_path
):
    """The Atom feed carries the RSS feed's items: `--all` takes one of them (the first)."""
    feeds = tmp_path / "feeds.toml"
    original = (
        "# my feeds: keep this comment\n\n"
        "[[feeds]]\n"
        'url = "https://mine.test/rss"  # and this one\n'
        'tags = ["mine"]\n'
    )
    feeds.write_text(original)
    code, out, err = add(news_site.url("/"), "--all", "--feeds", str(feeds))
    assert code == 0, err
    assert f"added to {feeds}: {news_site.url('/rss.xml')}" in out
    text = feeds.read_text()
    assert text.startswith(original)
    loaded = load_feed_list(feeds)
    assert [(s.url, s.name) for s in loaded] == [
        ("https://mine.test/rss", None),
        (news_site.url("/rss.xml"), "Outlet"),
        (news_site.url("/sport/feed/"), "Outlet Sport"),
    ]
    assert loaded[0].tags == ("mine",)

    code, out, err = add(news_site.url("/"), "--all", "--pick", "1", "--feeds", str(feeds))
    assert code == 0, err
    assert feeds.read_text() == text
    assert f"already in {feeds}: {news_site.url('/rss.xml')}" in out
    assert "nothing added" not in out


def test_pick_adds_the_numbered_feeds_and_refuses_broken_or_missing_ones(news_site, tmp_path):
    feeds = tmp_path / "feeds.toml"
    code, _, err = add(news_site.url("/"), "--pick", "3", "--pick", "2", "--feeds", str(feeds))
    assert code == 0, err
    assert [s.url for s in load_feed_list(feeds)] == [
        news_site.url("/comments/feed/"),
        news_site.url("/atom.xml"),
    ]
    before = feeds.read_bytes()
    for pick, message in (("5", "feed 5 does not work: http_404"), ("9", "no feed 9")):
        code, _out, err = add(news_site.url("/"), "--pick", pick, "--feeds", str(feeds))
        assert code != 0
        assert len(err.strip().splitlines()) == 1 and err.startswith(f"error: {message}")
    assert feeds.read_bytes() == before


def test_without_a_choice_off_a_terminal_nothing_is_added(news_site, tmp_path):
    feeds = tmp_path / "feeds.toml"
    code, out, err = add(news_site.url("/"), "--feeds", str(feeds))
    assert code != 0
    assert len(err.strip().splitlines()) == 1 and "--pick N or --all" in err
    assert len(rows(out)) == 6
    assert not feeds.exists()


def test_a_site_whose_feed_is_only_at_a_common_path(make_site, tmp_path):
    site = make_site()
    serve(site, "/", html(body="<p>Welcome</p><a href='/about'>About</a>"), "text/html")
    serve(site, "/index.xml", rss("Hugo site", ["First post"]), "application/xml")
    feeds = tmp_path / "feeds.txt"
    code, out, err = add(site.url("/"), "--all", "--feeds", str(feeds))
    assert code == 0, err
    listed = rows(out)
    assert len(listed) == 1 and "path" in listed[0] and "First post" in listed[0]
    assert feeds.read_text() == site.url("/index.xml") + "\n"  # a new non-.toml list: URL lines
    assert [s.url for s in load_feed_list(feeds)] == [site.url("/index.xml")]


def test_common_paths_obey_robots_txt(make_site, tmp_path):
    site = make_site()
    serve(site, "/", html(body="<p>Welcome</p>"), "text/html")
    serve(site, "/robots.txt", b"User-agent: *\nDisallow: /feed\n", "text/plain")
    serve(site, "/feed", rss("Hidden", ["x"]), "application/rss+xml")
    code, _out, err = add(site.url("/"), "--dry-run")
    assert code != 0
    assert err.strip() == f"error: no feeds found at {site.url('/')}"
    assert site.hits("/feed") == []


def test_feed_looking_anchors_obey_robots_txt(make_site):
    """An `<a>` that looks like a feed is a guess, not an invitation: its host's robots.txt
    decides, as for the common paths."""
    site = make_site()
    serve(site, "/", html(body='<a href="/feed">RSS</a>'), "text/html")
    serve(site, "/robots.txt", b"User-agent: *\nDisallow: /feed\n", "text/plain")
    serve(site, "/feed", rss("Hidden", ["x"]), "application/rss+xml")
    code, out, err = add(site.url("/"), "--dry-run")
    assert code != 0
    assert err.strip() == f"error: no working feed found at {site.url('/')}"
    (row,) = rows(out)
    assert "anchor" in row and "robots_disallowed" in row
    assert site.hits("/feed") == []


@pytest.mark.parametrize("robots_status", [500, 503])
def test_the_given_address_and_linked_feeds_do_not_wait_for_robots_txt(make_site, robots_status):
    """The address the operator types, and the feeds a page advertises, are fetched as a run
    fetches a listed feed: a robots.txt that fails (which means "disallow all") stops neither."""
    site = make_site()

    def broken(handler: Handler) -> None:
        handler.reply(robots_status, b"down", {"Content-Type": "text/plain"})

    site.routes["/robots.txt"] = broken
    head = '<link rel="alternate" type="application/rss+xml" href="/rss.xml">'
    serve(site, "/", html(head), "text/html")
    serve(site, "/rss.xml", rss("Outlet", ["Flood warning"]), "application/rss+xml")
    for address, via in ((site.url("/rss.xml"), "given"), (site.url("/"), "link")):
        code, out, err = add(address, "--dry-run")
        assert code == 0, err
        (row,) = rows(out)
        assert via in row and "ok, 1 item" in row and "Flood warning" in row


def test_a_site_with_no_feeds_is_a_one_line_error(make_site):
    site = make_site()
    serve(site, "/", html(body="<p>Nothing to subscribe to</p>"), "text/html")
    code, out, err = add(site.url("/"), "--all")
    assert code != 0
    assert err.strip() == f"error: no feeds found at {site.url('/')}"
    assert out == ""


def test_only_broken_candidates_are_shown_then_an_error(make_site, tmp_path):
    site = make_site()
    head = '<link rel="alternate" type="application/rss+xml" href="/broken.xml">'
    serve(site, "/", html(head), "text/html")
    serve(site, "/broken.xml", b"<html><body>Moved</body></html>", "text/html")
    code, out, err = add(site.url("/"), "--all", "--feeds", str(tmp_path / "f.toml"))
    assert code != 0
    assert err.strip() == f"error: no working feed found at {site.url('/')}"
    assert "not_a_feed" in out and site.url("/broken.xml") in out
    assert not (tmp_path / "f.toml").exists()


def test_a_feed_address_is_that_feed(news_site, tmp_path):
    feeds = tmp_path / "feeds.toml"
    code, out, err = add(news_site.url("/atom.xml"), "--all", "--feeds", str(feeds))
    assert code == 0, err
    listed = rows(out)
    assert len(listed) == 1 and "given" in listed[0] and "Storm ends" in listed[0]
    assert [s.url for s in load_feed_list(feeds)] == [news_site.url("/atom.xml")]
    assert news_site.hits("/") == []


def test_links_that_redirect_to_one_feed_are_one_row(make_site):
    site = make_site()
    body = '<a href="/feed">RSS</a><a href="/rss">Also RSS</a>'
    serve(site, "/", html(body=body), "text/html")
    redirect(site, "/feed", "/feed/")
    redirect(site, "/rss", site.url("/feed/"))
    serve(site, "/feed/", rss("Outlet", ["One"]), "application/rss+xml")
    code, out, err = add(site.url("/"), "--dry-run")
    assert code == 0, err
    assert len(rows(out)) == 1 and site.url("/feed") in out


def test_a_redirected_feed_is_listed_where_it_ends_and_never_twice(make_site, tmp_path):
    """The page links `/feed`, which redirects to `/feed/` on the same site: the list gets
    `/feed/`, and a list that holds either spelling already has the feed."""
    site = make_site()
    head = '<link rel="alternate" type="application/rss+xml" href="/feed">'
    serve(site, "/", html(head), "text/html")
    redirect(site, "/feed", "/feed/")
    serve(site, "/feed/", rss("Outlet", ["One"]), "application/rss+xml")
    for listed in ("/feed/", "/feed"):
        feeds = tmp_path / f"{len(listed)}.toml"
        feeds.write_text(f'[[feeds]]\nurl = "{site.url(listed)}"\n')
        before = feeds.read_text()
        code, out, err = add(site.url("/"), "--all", "--feeds", str(feeds))
        assert code == 0, err
        assert feeds.read_text() == before
        assert f"already in {feeds}: {site.url(listed)}" in out
    feeds = tmp_path / "new.toml"
    code, out, err = add(site.url("/"), "--all", "--feeds", str(feeds))
    assert code == 0, err
    assert [s.url for s in load_feed_list(feeds)] == [site.url("/feed/")]
    assert f"added to {feeds}: {site.url('/feed/')}" in out


def test_a_link_to_another_private_host_is_refused(make_site):
    """The operator named this site, not what it links to: a page on loopback cannot make
    wirehouse fetch another loopback service (the fetcher's address policy)."""
    site, other = make_site(), make_site()
    serve(other, "/rss.xml", rss("Internal", ["secret"]), "application/rss+xml")
    head = f'<link rel="alternate" type="application/rss+xml" href="{other.url("/rss.xml")}">'
    serve(site, "/", html(head), "text/html")
    code, out, _err = add(site.url("/"), "--dry-run")
    assert code != 0
    assert "refused_address" in out
    assert other.hits("/rss.xml") == []
    assert "secret" not in out


@pytest.mark.parametrize(
    ("address", "problem"),
    [
        ("ftp://outlet.test/", "not an http(s) URL"),
        ("outlet.test", "not an http(s) URL"),
        ("file:///etc/passwd", "not an http(s) URL"),
        ("javascript:x", "not an http(s) URL"),
        ("", "url must be a non-empty string"),
        ("https://", "bad URL"),
        # what a feed list would refuse is refused before anything is fetched
        ("http://127.0.0.1:{port}/a feed", "URL contains whitespace"),
    ],
)
def test_an_address_that_is_not_http_is_a_one_line_error(address, problem, make_site):
    code, _out, err = add(address.format(port=free_port()), "--dry-run")
    assert code != 0
    assert err.strip().startswith(f"error: {problem}")
    assert err.strip().endswith("(give the whole URL, e.g. https://outlet.example/)")
    assert len(err.strip().splitlines()) == 1


def test_a_site_that_cannot_be_fetched_is_a_one_line_error(make_site):
    address = f"http://127.0.0.1:{free_port()}/"
    code, _out, err = add(address, "--dry-run")
    assert code != 0
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: cannot fetch {address}: ")
    assert "connect_error" in lines[0]


def test_hostile_titles_and_urls_are_shown_escaped(make_site, tmp_path):
    """The parser already drops C0 controls from titles (XML cannot carry them); what XML can
    carry (bidi overrides, markup-like text) reaches the table only through visible(), and an
    href's bidi mark is percent-encoded as a browser does."""
    site = make_site()
    titles = [
        HOSTILE[name].replace("&", "&amp;").replace("<", "&lt;")
        for name in ("bidi", "link", "style")
    ]
    head = (
        '<link rel="alternate" type="application/rss+xml" href="/rss.xml">'
        '<link rel="alternate" type="application/rss+xml" href="/x%1b\u202e.xml">'
    )
    serve(site, "/", html(head), "text/html")
    serve(site, "/rss.xml", rss("Evil \u202eswen\u202c News", titles), "application/rss+xml")
    feeds = tmp_path / "feeds.toml"
    code, out, err = add(site.url("/"), "--pick", "1", "--feeds", str(feeds))
    assert code == 0, err
    for ch in CONTROL:
        assert ch not in out, repr(ch)
    assert "Evil \\u202eswen\\u202c News" in out
    assert "txt.\\u202eexe" in out
    assert HOSTILE["link"] in out and HOSTILE["style"] in out
    assert site.url("/x%1b%E2%80%AE.xml") in out  # an href's bidi mark, percent-encoded
    (source,) = load_feed_list(feeds)
    assert source.name == "Evil \u202eswen\u202c News"


def test_an_opml_feed_list_is_refused_untouched(news_site, tmp_path):
    feeds = tmp_path / "reader.xml"
    opml = (
        b'<?xml version="1.0"?><opml version="2.0"><body>'
        b'<outline text="x" xmlUrl="https://mine.test/rss"/></body></opml>'
    )
    feeds.write_bytes(opml)
    code, _out, err = add(news_site.url("/"), "--all", "--feeds", str(feeds))
    assert code != 0
    assert "an OPML file" in err and len(err.strip().splitlines()) == 1
    assert feeds.read_bytes() == opml


def test_a_url_list_gets_lines_and_keeps_its_comments(news_site, tmp_path):
    feeds = tmp_path / "feeds.txt"
    original = f"# reading list\n{news_site.url('/rss.xml')}  # already here\nhttps://mine.test/rss"
    feeds.write_text(original)
    code, _out, err = add(news_site.url("/"), "--all", "--feeds", str(feeds))
    assert code == 0, err
    assert feeds.read_text() == original + "\n" + news_site.url("/sport/feed/") + "\n"
    assert len(load_feed_list(feeds)) == 3


def test_the_terminal_prompt_adds_what_is_typed(news_site, tmp_path):
    """On a terminal the command asks; run as a process whose stdin is a pseudo-terminal."""
    feeds = tmp_path / "feeds.toml"
    controller, terminal = pty.openpty()
    env = {**os.environ, "WIREHOUSE_HTTP__PER_HOST_DELAY_S": "0"}
    process = subprocess.Popen(
        [WIREHOUSE, "feeds", "add", news_site.url("/"), "--feeds", str(feeds)],
        stdin=terminal,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=tmp_path,
        env=env,
    )
    os.close(terminal)
    try:
        out = b""
        deadline = time.monotonic() + 120
        while b"Add which?" not in out and time.monotonic() < deadline:
            ready, _, _ = select.select([process.stdout], [], [], 1.0)
            if ready:
                chunk = os.read(process.stdout.fileno(), 65536)  # type: ignore[union-attr]
                if not chunk:
                    break
                out += chunk
        assert b"Add which?" in out, out
        os.write(controller, b"2, 1\n")
        rest, err = process.communicate(timeout=60)
    finally:
        os.close(controller)
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, err
    assert [s.url for s in load_feed_list(feeds)] == [
        news_site.url("/atom.xml"),
        news_site.url("/rss.xml"),
    ]
    assert b"added to" in rest


def test_a_candidate_that_never_answers_is_cut_at_the_deadline(make_site, monkeypatch):
    """The fetcher's own limits are set far off, so only the search's deadline can end it."""
    monkeypatch.setenv("WIREHOUSE_HTTP__READ_TIMEOUT_S", "600")
    monkeypatch.setenv("WIREHOUSE_HTTP__TOTAL_TIMEOUT_S", "600")
    site = make_site()
    head = (
        '<link rel="alternate" type="application/rss+xml" href="/rss.xml">'
        '<link rel="alternate" type="application/atom+xml" href="/silent.xml">'
    )
    serve(site, "/", html(head), "text/html")
    serve(site, "/rss.xml", rss("Outlet", ["On time"]), "application/rss+xml")

    def silent(handler: Handler) -> None:
        handler.server.owner.stopping.wait(600)

    site.routes["/silent.xml"] = silent
    started = time.monotonic()
    code, out, err = add(site.url("/"), "--dry-run", "--timeout", "20")
    assert time.monotonic() - started < 300  # far under the fetcher's 600 s
    assert code == 0, err
    ok_row, silent_row = rows(out)
    assert "On time" in ok_row
    assert site.url("/silent.xml") in silent_row and "timeout:discovery" in silent_row
