"""The deduplication stage, end to end: is each article of a batch new, a copy, or a new
version, which story is it, and into the warehouse with it. Its one entry point is
`dedupe_and_load`, for the ingest and reextract flows, the tests and the benchmarks alike.

Inside the caller's batch transaction: screen cross-site canonicals (`dedup.canonical`), look
up stored keys and hashes, decide exact duplicates (`dedup.exact`), screen new versions
(`dedup.versions`), find near copies (`dedup.copies`), load, record the canonical claims,
demote stored copies an earlier original beats, store the fingerprints, and place new
articles in stories (`dedup.stories`). Running it again on the same batch changes nothing.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import duckdb

from wirehouse.config.settings import DedupSettings
from wirehouse.dedup import copies
from wirehouse.dedup.canonical import screen_canonicals, trusted_pairs
from wirehouse.dedup.exact import decide_exact
from wirehouse.dedup.versions import screen_versions
from wirehouse.records import (
    Article,
    Decision,
    Entry,
    Fetched,
    Known,
    MatchKind,
    Outcome,
    Sighting,
)
from wirehouse.warehouse.articles import (
    LoadCounts,
    load_batch,
    lookups_for,
    record_claims,
    stored_versions,
)
from wirehouse.warehouse.demotions import apply_demotions
from wirehouse.warehouse.fingerprints import store_fingerprints, stored_matches
from wirehouse.warehouse.stories import place_in_stories

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Deduped:
    """What a batch became: a decision per article loaded (in the batch's order, without the
    ones another writer had loaded meanwhile), the load's counts, and the story of every NEW
    and VERSION article."""

    decisions: list[Decision]
    counts: LoadCounts
    stories: dict[str, str]
    # URLs recorded as copies of a stored article, by match kind (followers count as `url`)
    duplicates: Counter[str] = field(default_factory=Counter)


def dedupe_and_load(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    articles: Sequence[Article],
    *,
    settings: DedupSettings,
    now: datetime,
    refetched: Mapping[str, Known] | None = None,
    followers: Mapping[str, Sequence[Entry]] | None = None,
    fetched: Sequence[Fetched] = (),
    fetched_now: bool = True,
) -> Deduped:
    """Deduplicate a batch of articles against the warehouse and load it (inside the caller's
    transaction).

    `refetched` maps the url_key of entries fetched again on purpose to their stored article
    (their text may be a new version); `followers` maps a url_key to later entries of the run
    with the same URL, recorded as its sightings; `fetched` are the fetches to log. `fetched_now`
    False (reextract): the articles come from stored pages, so no article is marked fetched
    again."""
    refetched = refetched or {}
    followers = followers or {}
    partners = trusted_pairs(settings.syndication_partners)
    # a canonical link to another site merges nothing unless the sites are partners
    articles, claims = screen_canonicals(articles, partners)
    found = lookups_for(con, articles, partners=partners)
    # URLs another writer (a concurrent run on a DuckLake) loaded since this run's triage
    batch: list[Article] = []
    late: list[Sighting] = []
    for a in articles:
        key = a.entry.url_key
        if key in found.by_url and key not in refetched:
            for entry in (a.entry, *followers.get(key, ())):
                late.append(Sighting(entry, found.by_url[key], MatchKind.URL))
        else:
            batch.append(a)
    decisions = decide_exact(
        batch,
        by_url=found.by_url,
        by_claim=found.by_claim,
        by_hash=found.by_hash,
        refetched=refetched,
        lead=settings.claimed_lead,
    )
    stored = stored_versions(con, decisions, now=now)
    decisions = screen_versions(decisions, stored, per_day=settings.versions_per_day)
    probes = copies.probes(decisions, settings)
    # no fingerprint is stored before the last step, so one band join serves both uses
    matches = stored_matches(con, probes, settings, now=now)
    decisions = copies.mark_near_copies(decisions, probes, matches, settings)
    counts = load_batch(
        con,
        run_id,
        decisions,
        sightings=late,
        followers=followers,
        fetched=fetched,
        now=now,
        fetched_now=fetched_now,
    )
    record_claims(con, run_id, claims, decisions, now=now)
    inherited = apply_demotions(con, copies.demotions(decisions, probes, matches, settings))
    fingerprinted = store_fingerprints(
        con, decisions, settings, now=now, computed={p.index: p.fp for p in probes}
    )
    placed = place_in_stories(con, decisions, settings, now=now, inherited=inherited)
    log.debug("stored %d fingerprints, placed %d articles in stories", fingerprinted, len(placed))
    duplicates: Counter[str] = Counter()
    for d in decisions:
        if d.outcome is Outcome.DUPLICATE:
            duplicates[str(d.match_kind)] += 1
        if count := len(followers.get(d.article.entry.url_key, ())):
            duplicates[str(MatchKind.URL)] += count
    return Deduped(decisions, counts, placed, duplicates)
