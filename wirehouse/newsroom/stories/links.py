"""Feed items that are not article pages: a document (PDF) and a page that has gone (404)."""

from __future__ import annotations

from datetime import datetime

from wirehouse.newsroom.model import VELORIA_WINTER, Piece

LEDGER_REPORT = Piece(
    key="ledger-report",
    outlet="ledger",
    path="/documents/port-of-brennick-authority-annual-report-2025.pdf",
    title="Document: Port of Brennick Authority annual report 2025 (PDF)",
    published=datetime(2026, 11, 9, 10, 0, tzinfo=VELORIA_WINTER),
    story="annual-report",
    kind="document",
    section="Documents",
    summary="The full annual report and accounts of the Port of Brennick Authority, as filed.",
    paragraphs=(),
)

POST_GONE = Piece(
    key="post-gone",
    outlet="post",
    path="/news/local/council-approves-bus-lanes-on-harbour-parade-48177",
    title="Council approves bus lanes on Harbour Parade",
    published=datetime(2026, 11, 9, 11, 20, tzinfo=VELORIA_WINTER),
    story="bus-lanes",
    kind="missing",
    summary="Councillors voted 31 to 17 for the scheme, which starts in the spring.",
    paragraphs=(),
)

PIECES = (LEDGER_REPORT, POST_GONE)
