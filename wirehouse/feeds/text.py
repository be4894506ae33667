"""Feed HTML (summaries, content, titles) to plain text: paragraphs as lines, no markup.

Feeds carry HTML that feedparser has already sanitised; what dedup and the warehouse want is
the words. lxml parses the fragment and an iterative walk (no recursion, so hostile nesting
cannot overflow the stack) turns block elements into line breaks.
"""

from __future__ import annotations

import html
import logging
import re

from lxml import etree
from lxml import html as lxml_html

from wirehouse.escape import plain_text, strip_controls

logger = logging.getLogger(__name__)

# elements that start a new line of text
_BLOCK = frozenset(
    {
        "address", "article", "aside", "blockquote", "br", "caption", "dd", "div", "dl", "dt",
        "figcaption", "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr",
        "li", "main", "nav", "ol", "p", "pre", "section", "table", "td", "th", "tr", "ul",
    }
)  # fmt: skip
# elements whose text is never reader-visible
_SKIP = frozenset({"script", "style", "noscript", "template", "head", "title", "iframe", "object"})
# [^<>]: a run of "<" without ">" would make each start scan to the end (quadratic)
_TAG = re.compile(r"<[^<>]*>")


def html_to_text(markup: str | None) -> str | None:
    """Visible text of an HTML fragment, block elements as line breaks; None when empty."""
    if not markup or not markup.strip():
        return None
    cleaned = strip_controls(markup)
    if "<" not in cleaned:
        return plain_text(html.unescape(" ".join(cleaned.split())))
    try:
        root = lxml_html.fragment_fromstring(cleaned, create_parent="div")
    except (etree.ParserError, ValueError) as exc:
        # lxml refuses some inputs outright; strip tags crudely rather than lose the text
        logger.debug("html fragment not parseable (%s); stripping tags", exc)
        return plain_text(html.unescape(" ".join(_TAG.sub(" ", cleaned).split())))
    return _walk(root)


def _walk(root: lxml_html.HtmlElement) -> str | None:
    lines: list[str] = []
    current: list[str] = []

    def flush() -> None:
        line = " ".join("".join(current).split())
        if line:
            lines.append(line)
        current.clear()

    skipping = 0
    for event, element in etree.iterwalk(root, events=("start", "end", "comment", "pi")):
        tag = element.tag if isinstance(element.tag, str) else None
        if event in ("comment", "pi"):
            if not skipping and element.tail:
                current.append(element.tail)
            continue
        if event == "start":
            if tag in _SKIP:
                skipping += 1
            elif not skipping:
                if tag in _BLOCK:
                    flush()
                if element.text:
                    current.append(element.text)
            continue
        if tag in _SKIP:
            skipping -= 1
        elif skipping:
            continue
        elif tag in _BLOCK:
            flush()
        if not skipping and element is not root and element.tail:
            current.append(element.tail)
    flush()
    return "\n".join(lines) or None
