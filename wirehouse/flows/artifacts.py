"""What an ingest run publishes to the Prefect UI: a summary, its failures, and page progress.

Scheduled runs have no terminal: these artifacts are how an operator sees, run by run, what
happened. Keys are stable (`ingest-summary`, `ingest-failures`, `ingest-progress`), so the UI's
Artifacts page keeps each key's history across runs. Publishing is best effort: an artifact that
cannot be written is a warning in the run's log, never a failed run.
"""

from __future__ import annotations

import logging
from collections import Counter
from pathlib import Path
from typing import Any
from uuid import UUID

from prefect.artifacts import (
    acreate_link_artifact,
    acreate_markdown_artifact,
    acreate_progress_artifact,
    acreate_table_artifact,
    aupdate_progress_artifact,
)

from wirehouse.escape import markdown_cell, visible
from wirehouse.records import RunSummary, Stage

SUMMARY_KEY = "ingest-summary"
FAILURES_KEY = "ingest-failures"
PROGRESS_KEY = "ingest-progress"
DIGEST_KEY = "ingest-digest"

# stages whose rejections mean "this page gave no article text"
_PAGE_STAGES = (Stage.PAGE, Stage.EXTRACT)
# the order a run goes through its stages, for a table that reads top to bottom
_STAGE_ORDER = ("open", "fetch_feeds", "triage", "fetch_pages", "extract", "load")

logger = logging.getLogger(__name__)


def render_summary(summary: RunSummary) -> str:
    """The run's counts as markdown: one table per question an operator asks after a run.

    Every value that is text passes through markdown_cell: a reason or kind can carry a header
    value an outlet chose, and the UI renders this markdown.
    """
    dups = summary.duplicates
    lines = [
        f"# Ingest run `{summary.run_id}`",  # our own id: hex digits and dashes
        "",
        "## Feeds",
        "",
        "| feeds | count |",
        "|---|---:|",
        f"| fetched | {summary.feeds_fetched} |",
        f"| not modified | {summary.feeds_not_modified} |",
        f"| failed | {summary.feeds_failed} |",
        f"| not due | {summary.feeds_skipped} |",
        f"| total | {summary.feeds_total} |",
        "",
        "## Articles",
        "",
        "| articles | count |",
        "|---|---:|",
        f"| entries seen | {summary.entries_seen} |",
        f"| entries new | {summary.entries_new} |",
        f"| entries without a link (not stored) | {summary.entries_unlinked} |",
        f"| pages fetched | {summary.pages_fetched} |",
        f"| pages failed | {summary.pages_failed} |",
        f"| new articles | {summary.new_articles} |",
        f"| new versions | {summary.new_versions} |",
        f"| duplicates | {sum(dups.values())} |",
        f"| stories touched | {len(summary.stories_touched)} |",
        "",
        "## Duplicates by kind",
        "",
    ]
    lines += _count_table("kind", dups) if dups else ["No duplicates."]
    lines += ["", "## Pages failed by reason", ""]
    reasons = Counter(r.reason for r in summary.rejected if r.stage in _PAGE_STAGES)
    lines += _count_table("reason", reasons) if reasons else ["No page failed."]
    lines += ["", "## Seconds per stage", "", "| stage | seconds |", "|---|---:|"]
    known = [s for s in _STAGE_ORDER if s in summary.stage_seconds]
    others = sorted(s for s in summary.stage_seconds if s not in _STAGE_ORDER)
    lines += [f"| {markdown_cell(s)} | {summary.stage_seconds[s]:.2f} |" for s in known + others]
    return "\n".join(lines) + "\n"


def _count_table(label: str, counts: dict[str, int] | Counter[str]) -> list[str]:
    rows = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return [
        f"| {label} | count |",
        "|---|---:|",
        *(f"| {markdown_cell(k)} | {v} |" for k, v in rows),
    ]


def failure_rows(summary: RunSummary) -> list[dict[str, Any]]:
    """One row per feed or page that failed, with its reason (the `ingest-failures` table).

    The UI shows table cells as text, not markdown, so only control characters are escaped.
    """
    return [
        {
            "stage": visible(r.stage),
            "url": visible(r.url),
            "reason": visible(r.reason),
            "detail": visible(r.detail or ""),
        }
        for r in summary.rejected
    ]


async def publish_summary(summary: RunSummary) -> None:
    """Publish the summary and failures artifacts of the current flow run (never raises)."""
    try:
        await acreate_markdown_artifact(
            render_summary(summary),
            key=SUMMARY_KEY,
            description=f"Counts of ingest run {summary.run_id}",
        )
        # published even when empty, so the key's latest version never shows old failures
        await acreate_table_artifact(
            failure_rows(summary),
            key=FAILURES_KEY,
            description=f"{len(summary.rejected)} feeds and pages that failed in run "
            f"{summary.run_id}",
        )
    except Exception as exc:  # an artifact is a report, not part of the run's work
        _warn("summary", exc)


async def publish_digest_link(path: Path) -> None:
    """Link the run's HTML digest (a file next to the warehouse) from its artifacts."""
    try:
        await acreate_link_artifact(
            path.resolve().as_uri(),
            link_text="digest of the last 24 hours",
            key=DIGEST_KEY,
            description=f"HTML digest written to {markdown_cell(path)}",
        )
    except Exception as exc:  # an artifact is a report, not part of the run's work
        _warn("digest link", exc)


class PageProgress:
    """A progress artifact that moves as page batches finish; silent if it cannot be written."""

    def __init__(self) -> None:
        self._id: UUID | None = None
        self._total = 0
        self._done = 0

    async def start(self, total: int) -> None:
        """Create the artifact at 0 % for `total` pages."""
        self._total, self._done = total, 0
        try:
            self._id = await acreate_progress_artifact(
                0.0, key=PROGRESS_KEY, description=f"Pages fetched and extracted of {total}"
            )
        except Exception as exc:
            _warn("progress", exc)

    async def advance(self, count: int) -> None:
        """Count `count` more pages done and move the artifact."""
        self._done += count
        if self._id is None or not self._total:
            return
        try:
            await aupdate_progress_artifact(self._id, min(100.0, 100.0 * self._done / self._total))
        except Exception as exc:
            _warn("progress", exc)
            self._id = None  # one warning per run, not one per batch


def _warn(what: str, exc: BaseException) -> None:
    from prefect import get_run_logger
    from prefect.exceptions import MissingContextError

    try:
        run_logger: Any = get_run_logger()
    except MissingContextError:
        run_logger = logger
    run_logger.warning("could not publish the %s artifact: %s: %s", what, type(exc).__name__, exc)
