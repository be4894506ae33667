"""trafilatura's page-wide prunes, evaluated without a Python call per element.

trafilatura prunes boilerplate, comment sections and appended articles with XPath expressions
whose ``re:test`` predicates make lxml call back into Python for every element of the page,
several times an element. With ``favor_precision`` the page-wide discard runs twice: on a 128 KB
page these expressions take about a third of the CPU of its text extraction. `install` swaps each
for a `Selection` that selects the same elements in the same (document) order: the candidates
are the elements of the expression's tags (lxml's tag filter) or of any tag (an XPath without
extension functions) that carry an attribute the expression reads (no pattern matches an
empty value), and a Python predicate applies the patterns to those. Only an expression that
is, character for character, the one a predicate was written for (`EXPRESSIONS`) is swapped;
any other is kept.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from lxml.etree import XPath
from lxml.html import HtmlElement
from trafilatura import xpaths

logger = logging.getLogger(__name__)

_COOKIE = "cookie"
_ID_TOKENS = (
    "^shar|social|viral|newsletter|syndication|tags|sidebar|banner|bread-?crumb|button|author|"
    "^(?:jp-|dpsp-content)|bmdh|footer|Footer|share|Share|nav|Nav|menu|related|"
    "message-container|premium|^ad-"
)
_CLASS_TOKENS = (
    "^shar|social|viral|newsletter|syndication|tags|sidebar|banner|bread-?crumb|button|author|"
    "^(?:nav|post-nav|ZendeskForm)|subnav|avigation|navbar|navbox|menu|bar| ad |-ad-|(?:^| )ad-|"
    "dfp[Aa]d|outbrain|taboola|criteo|paid-?content|widget|footer|Footer|byline|Byline|share-|"
    "sociable|embedded|embed|tag-list|consent|modal-content|permission|elated|next-|-stories|"
    "most-popular|more-on|meta|rating|attachment|timestamp|user-info|user-profile|-icon|"
    "article-infos|message-container|slide|viewport|overlay|options|expand|obfuscated|blurred|"
    "mol-factbox|yin|zlylin|nfoline"
)


def _tag_test(tags: tuple[str, ...]) -> str:
    """XPath's test for `tags`, as trafilatura writes it ("self::div or self::p")."""
    return " or ".join(f"self::{tag}" for tag in tags)


_BLOCK_TAGS = ("div", "item", "list", "p", "section", "span")
_HIDDEN_ID = "reader-comments|akismet"
_HIDDEN_CLASS = (
    "^hide-|comments-title|nocomments|-reply-|message|akismet|suggest-links|-hide-|hide-print|"
    " hidden| hide|noprint|notloaded"
)

# the expressions as trafilatura writes them, which the predicates below implement
BOILERPLATE = f"""
        .//*[{_tag_test(_BLOCK_TAGS)}][
        @data-lp-replacement-content or
        contains(translate(@role, 'N', 'n'), 'nav') or
        contains(@data-component, 'MostPopularStories') or
        re:test(@id|@class, '{_COOKIE}') or
        re:test(@id, '{_ID_TOKENS}') or
        re:test(@class, '{_CLASS_TOKENS}')]
        """
HIDDEN = f"""
        .//*[@class='comments-title' or
        starts-with(@id|@class, 'reply-') or
        re:test(@id|@style, 'hidden') or
        contains(@style, 'display:none') or contains(@style, 'display: none') or
        re:test(@id, '{_HIDDEN_ID}') or
        re:test(@class, '{_HIDDEN_CLASS}') or @aria-hidden='true']
        """

_APPENDED = "mvp-post-add-(?:box|wrap)"
_SCROLLED = f"{_APPENDED}|infinite-?scroll"
_COMMENT_NAMES = "[Cc]omment(?!ary)|comol"
_COMMENT_IDS = f"^(?:{_COMMENT_NAMES}|disqus_thread|dsq-comments)"
_COMMENT_LIST_IDS = f"^(?:{_COMMENT_NAMES})"
_COMMENT_CLASSES = "^[Cc]omment(?!ary)|(?:article|post)-comments"
_APPENDED_TAGS = ("div", "section", "aside")
_COMMENT_TAGS = ("div", "list", "section", "details")
_LIST_TAGS = ("ol", "ul")  # a comment list's own tags (`not(self::ol or self::ul)` below)
_COMMENT_LIST_TAGS = (*_COMMENT_TAGS, *_LIST_TAGS)
APPENDED = f"""
        .//*[{_tag_test(_APPENDED_TAGS)}][
        re:test(@id, '{_SCROLLED}') or
        re:test(@class, '{_SCROLLED}')][
        not(.//h1) or re:test(@id, '{_APPENDED}') or re:test(@class, '{_APPENDED}')]
        """
COMMENTS = f"""
        .//*[{_tag_test(_COMMENT_TAGS)}][
        re:test(@id, '{_COMMENT_IDS}') or
        re:test(@class, '{_COMMENT_CLASSES}')]
        """
COMMENTS_AND_LISTS = f"""
        .//*[{_tag_test(_COMMENT_LIST_TAGS)}][
        re:test(@id, '{_COMMENT_IDS}') or
        re:test(@class, '{_COMMENT_CLASSES}')][
        not(self::ol or self::ul) or re:test(@id, '{_COMMENT_LIST_IDS}') or re:test(@class, '{_COMMENT_CLASSES}')]
        """  # noqa: E501 (trafilatura's line, character for character)

_cookie = re.compile(_COOKIE).search
_ids = re.compile(_ID_TOKENS).search
_classes = re.compile(_CLASS_TOKENS).search
_hidden = re.compile("hidden").search
_hidden_ids = re.compile(_HIDDEN_ID).search
_hidden_classes = re.compile(_HIDDEN_CLASS).search
_scrolled = re.compile(_SCROLLED).search
_appended = re.compile(_APPENDED).search
_comment_ids = re.compile(_COMMENT_IDS).search
_comment_list_ids = re.compile(_COMMENT_LIST_IDS).search
_comment_classes = re.compile(_COMMENT_CLASSES).search


def _first(element: HtmlElement, names: tuple[str, str]) -> str:
    """XPath's string value of ``@a|@b``: the first of the two in the tag's own order, or ""."""
    for name, value in element.items():
        if name in names:
            return value
    return ""


def _is_boilerplate(element: HtmlElement) -> bool:
    """`BOILERPLATE`'s predicate (its tags are the candidates')."""
    get = element.get
    return (
        get("data-lp-replacement-content") is not None
        or "nav" in (get("role") or "").replace("N", "n")
        or "MostPopularStories" in (get("data-component") or "")
        or _cookie(_first(element, ("id", "class"))) is not None
        or _ids(get("id") or "") is not None
        or _classes(get("class") or "") is not None
    )


def _is_hidden(element: HtmlElement) -> bool:
    """`HIDDEN`'s predicate."""
    get = element.get
    style = get("style") or ""
    return (
        get("class") == "comments-title"
        or _first(element, ("id", "class")).startswith("reply-")
        or _hidden(_first(element, ("id", "style"))) is not None
        or "display:none" in style
        or "display: none" in style
        or _hidden_ids(get("id") or "") is not None
        or _hidden_classes(get("class") or "") is not None
        or get("aria-hidden") == "true"
    )


def _is_appended_article(element: HtmlElement) -> bool:
    """`APPENDED`'s predicates (its tags are the candidates')."""
    ids, classes = element.get("id") or "", element.get("class") or ""
    if _scrolled(ids) is None and _scrolled(classes) is None:
        return False
    return (
        element.find(".//h1") is None
        or _appended(ids) is not None
        or _appended(classes) is not None
    )


def _is_comments(element: HtmlElement) -> bool:
    """`COMMENTS`'s predicate (its tags are the candidates')."""
    ids, classes = element.get("id") or "", element.get("class") or ""
    return _comment_ids(ids) is not None or _comment_classes(classes) is not None


def _is_comments_or_their_list(element: HtmlElement) -> bool:
    """`COMMENTS_AND_LISTS`'s predicates (its tags are the candidates')."""
    if not _is_comments(element):
        return False
    ids, classes = element.get("id") or "", element.get("class") or ""
    return (
        element.tag not in _LIST_TAGS
        or _comment_list_ids(ids) is not None
        or _comment_classes(classes) is not None
    )


class Selection:
    """A callable that selects what one of trafilatura's expressions selects; `path` is that
    expression's text, which `install` matches on.

    The candidates are the descendants that carry one of `attributes` (the ones the predicate
    reads); `keep` is the predicate itself. With `tags`, lxml's own tag filter walks the tree
    (a third of the time of the same test in XPath, where each ``self::div`` is a node-set);
    without, one XPath tests the attributes of every element (faster than a Python loop).
    """

    def __init__(
        self,
        path: str,
        keep: Callable[[HtmlElement], bool],
        *,
        attributes: tuple[str, ...],
        tags: tuple[str, ...] = (),
    ) -> None:
        self.path = path
        self._keep = keep
        self._attributes = frozenset(attributes)
        self._tags = tags
        tests = " or ".join(f"@{a}" for a in attributes)
        self._any_tag = None if tags else XPath(f"descendant::*[{tests}]")

    def __call__(self, tree: HtmlElement) -> list[HtmlElement]:
        keep = self._keep
        if self._any_tag is not None:
            return [e for e in self._any_tag(tree) if keep(e)]
        attributes = self._attributes
        return [
            e
            for e in tree.iterdescendants(*self._tags)
            if not attributes.isdisjoint(e.keys()) and keep(e)
        ]


_ID_OR_CLASS = ("id", "class")
EXPRESSIONS: dict[str, Selection] = {
    BOILERPLATE: Selection(
        BOILERPLATE,
        _is_boilerplate,
        tags=_BLOCK_TAGS,
        attributes=("data-lp-replacement-content", "role", "data-component", "id", "class"),
    ),
    HIDDEN: Selection(HIDDEN, _is_hidden, attributes=("id", "class", "style", "aria-hidden")),
    APPENDED: Selection(
        APPENDED, _is_appended_article, tags=_APPENDED_TAGS, attributes=_ID_OR_CLASS
    ),
    COMMENTS: Selection(COMMENTS, _is_comments, tags=_COMMENT_TAGS, attributes=_ID_OR_CLASS),
    COMMENTS_AND_LISTS: Selection(
        COMMENTS_AND_LISTS,
        _is_comments_or_their_list,
        tags=_COMMENT_LIST_TAGS,
        attributes=_ID_OR_CLASS,
    ),
}
# the lists of expressions trafilatura's modules import (they share each list object)
_LISTS = (
    "OVERALL_DISCARD_XPATH",
    "RAW_TREE_PRUNE_XPATH",
    "REMOVE_COMMENTS_XPATH",
    "REMOVE_COMMENTS_AND_LISTS_XPATH",
)
_ORIGINAL = {name: list(getattr(xpaths, name)) for name in _LISTS}


def install() -> int:
    """Swap in the selections for the expressions they match; returns how many were swapped.

    trafilatura's modules share each list object, so replacing its items reaches them all.
    """
    swapped = 0
    for name, originals in _ORIGINAL.items():
        target = getattr(xpaths, name)
        for i, expression in enumerate(originals):
            selection = EXPRESSIONS.get(getattr(expression, "path", ""))
            if selection is not None:
                target[i] = selection
                swapped += 1
    if swapped < len(EXPRESSIONS):
        logger.warning("trafilatura's prunes changed: %d of %d swapped", swapped, len(EXPRESSIONS))
    return swapped


@contextmanager
def trafilatura_own() -> Iterator[None]:
    """trafilatura's own expressions while the block runs: the tests compare against them, and
    `bench.extract_cpu` times the worker both ways in one process."""
    current = {name: list(getattr(xpaths, name)) for name in _LISTS}
    for name, originals in _ORIGINAL.items():
        getattr(xpaths, name)[:] = originals
    try:
        yield
    finally:
        for name, items in current.items():
            getattr(xpaths, name)[:] = items
