"""A page's JSON-LD, parsed once for everything read from it (headline, publisher, dates).

Every object of every ``application/ld+json`` script: top-level objects, list members and
``@graph`` members, not the objects nested in their properties. A script that is not JSON,
even once the comment and CDATA wrappers CMSs put around it are removed, is skipped; size and
nesting are bounded, so a hostile script costs no more than a large page.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from lxml.html import HtmlElement

Node = dict[str, Any]

_MAX_JSON = 500_000  # characters of one JSON-LD script parsed
_MAX_DEPTH = 8  # levels of lists and @graph walked


def read_nodes(tree: HtmlElement) -> tuple[Node, ...]:
    """Every JSON-LD object of the page, in document order."""
    nodes: list[Node] = []
    for script in tree.iter("script"):
        if (script.get("type") or "").split(";")[0].strip().lower() != "application/ld+json":
            continue
        data = _load_json(script.text or "")
        if data is not None:
            nodes.extend(_nodes(data, 0))
    return tuple(nodes)


def types(node: Node) -> set[str]:
    """The node's ``@type`` names, lower-cased, without a vocabulary URL ("newsarticle")."""
    kind = node.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    return {k.rsplit("/", 1)[-1].lower() for k in kinds if isinstance(k, str)}


def _load_json(text: str) -> Any:
    """The script's JSON, tolerating the comment and CDATA wrappers CMSs put around it."""
    text = text.strip()[:_MAX_JSON]
    for attempt in (text, _unwrap(text)):
        try:
            return json.loads(attempt)
        except (ValueError, RecursionError):  # deep nesting exhausts the decoder's stack
            continue
    return None


def _unwrap(text: str) -> str:
    for wrapper in ("<!--", "-->", "//<![CDATA[", "//]]>", "<![CDATA[", "]]>"):
        text = text.replace(wrapper, "")
    return text.strip().rstrip(";")


def _nodes(data: Any, depth: int) -> Iterator[Node]:
    if depth > _MAX_DEPTH:
        return
    if isinstance(data, list):
        for item in data:
            yield from _nodes(item, depth + 1)
    elif isinstance(data, dict):
        yield data
        if "@graph" in data:
            yield from _nodes(data["@graph"], depth + 1)
