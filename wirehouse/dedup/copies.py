"""Near copies and the canonical-copy rule: which copy of a text is the article.

Pure functions over a batch's decisions and the stored texts its new ones match (found by the
warehouse, `warehouse.fingerprints`).

Canonical rule: of two near copies, the one published earlier is the article (the wire original
beats its reprints); when either date is unknown, or both are equal, the one stored first is.
When an original arrives after its reprint, the reprint is demoted (`demotions`; the warehouse
merges it into the original, `warehouse.demotions`). A new copy claiming a publication date
more than `max_claimed_backdate_hours` before a stored copy's does not take over: the claim is
too large to be a wire original seen late, and looks back-dated.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from wirehouse.config.settings import DedupSettings
from wirehouse.dedup import near
from wirehouse.dedup.exact import comparable, followed, leads_too_much
from wirehouse.records import Decision, MatchKind, Outcome

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Probe:
    """One NEW text of the batch being compared."""

    index: int  # position in the decisions
    fp: near.Fingerprint
    published: datetime | None


@dataclass(frozen=True, slots=True)
class Match:
    """A stored article whose text (one of them) is a confirmed near copy of a probe."""

    index: int
    article_id: str
    published: datetime | None
    similarity: float


@dataclass(frozen=True, slots=True)
class Demotion:
    """A stored copy that turned out to be a later reprint of a NEW article of the batch."""

    copy_id: str
    original_id: str
    similarity: float


def probes(decisions: Sequence[Decision], settings: DedupSettings) -> list[Probe]:
    """The NEW texts of a batch long enough to be compared (no text or a paywall's teaser, no
    copy of anything: `exact.comparable`)."""
    scheme = near.scheme_for(settings)
    found = []
    for i, d in enumerate(decisions):
        if d.outcome is not Outcome.NEW or d.article.text is None or not comparable(d.article):
            continue
        fp = near.fingerprint(d.article.text, scheme)
        if fp.shingles >= settings.near_min_shingles:
            found.append(Probe(i, fp, d.article.published_at))
    return found


def best_matches(
    probes: Sequence[Probe],
    candidates: Sequence[tuple[int, str, datetime | None, near.U32]],
    threshold: float,
) -> list[Match]:
    """Confirm candidates `(probe index, article_id, published, signature)` by their estimated
    Jaccard similarity; the best text per (probe, article), by probe then article."""
    by_index = {p.index: p for p in probes}
    best: dict[tuple[int, str], Match] = {}
    for index, article_id, published, signature in candidates:
        sim = near.similarity(by_index[index].fp.signature, signature)
        if sim < threshold:
            continue
        key = (index, article_id)
        if key not in best or sim > best[key].similarity:
            best[key] = Match(index, article_id, published, sim)
    return sorted(best.values(), key=lambda m: (m.index, m.article_id))


def _batch_pairs(probes: Sequence[Probe], settings: DedupSettings) -> dict[int, dict[int, float]]:
    """Confirmed near pairs inside the batch: probes sharing a band key, by similarity."""
    buckets: dict[int, list[Probe]] = {}
    for p in probes:
        for key in set(p.fp.band_keys.tolist()):
            buckets.setdefault(key, []).append(p)
    pairs: dict[int, dict[int, float]] = {}
    seen: set[tuple[int, int]] = set()
    for bucket in buckets.values():
        for i, a in enumerate(bucket):
            for b in bucket[i + 1 :]:
                pair = (min(a.index, b.index), max(a.index, b.index))
                if pair in seen:
                    continue
                seen.add(pair)
                small, large = sorted((a.fp.shingles, b.fp.shingles))
                if small < settings.near_threshold * large:
                    continue
                sim = near.similarity(a.fp.signature, b.fp.signature)
                if sim >= settings.near_threshold:
                    pairs.setdefault(a.index, {})[b.index] = sim
                    pairs.setdefault(b.index, {})[a.index] = sim
    return pairs


def _beats(a: datetime | None, b: datetime | None, lead: timedelta) -> bool:
    """Whether a copy published at `a` is canonical over a stored one published at `b`:
    strictly earlier, with both dates known (otherwise the copy stored first stays canonical),
    and by at most `lead`: a claimed date is evidence, not proof, and a back-dated
    `article:published_time` must not take over an article stored before it."""
    return a is not None and b is not None and a < b and not leads_too_much(a, b, lead)


def _order_key(published: datetime | None) -> tuple[bool, datetime]:
    return (published is None, published or datetime.max.replace(tzinfo=None))


def mark_near_copies(
    decisions: Sequence[Decision],
    probes: Sequence[Probe],
    stored: Sequence[Match],
    settings: DedupSettings,
) -> list[Decision]:
    """Return the decisions with NEW texts that near-duplicate a stored article (`stored`, the
    matches of `probes`), or an earlier NEW one of the batch, turned into DUPLICATE (match_kind
    NEAR, similarity set) of the canonical copy; the others are unchanged, in the same order.

    A NEW article published strictly before every copy it matches stays NEW: it is the
    original, and the stored copies are demoted (`demotions`). Exact duplicates that pointed
    at an article now found to be a copy follow it to the canonical one.
    """
    out = list(decisions)
    if not probes:
        return out
    by_probe: dict[int, list[Match]] = {}
    for m in stored:
        by_probe.setdefault(m.index, []).append(m)
    pairs = _batch_pairs(probes, settings)

    # roots[i]: the article the batch's i-th text now belongs to, and that article's date
    roots: dict[int, tuple[str, datetime | None]] = {}
    moved: dict[str, str] = {}
    lead = settings.claimed_lead
    batch_ids = {out[p.index].article_id for p in probes}
    for p in sorted(probes, key=lambda p: (_order_key(p.published), p.index)):
        d = out[p.index]
        # (date, similarity, whether the article is one of this batch's)
        targets: dict[str, tuple[datetime | None, float, bool]] = {}
        for m in by_probe.get(p.index, ()):
            if m.article_id != d.article_id:  # itself, when a batch is decided twice
                targets[m.article_id] = (m.published, m.similarity, False)
        for other, sim in pairs.get(p.index, {}).items():
            if other in roots:
                article_id, published = roots[other]
                if article_id not in targets or targets[article_id][1] < sim:
                    targets[article_id] = (published, sim, article_id in batch_ids)
        # a stored copy is beaten by a claim earlier by at most the lead; one of this batch
        # came first in publication order, and yields only a lead too large to trust
        kept = {
            aid: t
            for aid, t in targets.items()
            if not (
                leads_too_much(t[0], p.published, lead) if t[2] else _beats(p.published, t[0], lead)
            )
        }
        if not kept:
            roots[p.index] = (d.article_id, p.published)
            for aid, (_, sim, in_batch) in targets.items():
                if in_batch:  # that copy and its own copies are this one's
                    _follow(out, roots, moved, aid, (d.article_id, p.published), sim)
            continue
        # the copy this one does not beat that was published first (stored ones win ties)
        article_id, (published, sim, _) = min(
            kept.items(),
            key=lambda item: (_order_key(item[1][0]), item[1][2], item[0]),
        )
        roots[p.index] = (article_id, published)
        moved[d.article_id] = article_id
        out[p.index] = replace(
            d,
            outcome=Outcome.DUPLICATE,
            article_id=article_id,
            match_kind=MatchKind.NEAR,
            similarity=round(sim, 4),
        )
    if moved:
        for i, d in enumerate(out):
            if d.outcome is Outcome.DUPLICATE and d.article_id in moved:
                out[i] = replace(d, article_id=moved[d.article_id])
        log.debug("near duplicates in batch: %d", len(moved))
    return out


def _follow(
    out: list[Decision],
    roots: dict[int, tuple[str, datetime | None]],
    moved: dict[str, str],
    old: str,
    new: tuple[str, datetime | None],
    similarity: float,
) -> None:
    """The batch's article `old` becomes a near copy of `new`, and its own copies follow it."""
    for i, root in roots.items():
        if root[0] == old:
            roots[i] = new
    out[:] = [followed(d, old, new[0], MatchKind.NEAR, round(similarity, 4)) for d in out]
    moved[old] = new[0]
    for key, value in moved.items():
        if value == old:
            moved[key] = new[0]


def demotions(
    decisions: Sequence[Decision],
    probes: Sequence[Probe],
    stored: Sequence[Match],
    settings: DedupSettings,
) -> list[Demotion]:
    """Stored articles that are near copies of a NEW article published strictly before them
    (`decisions` as `mark_near_copies` left them; `probes` and `stored` as it was given)."""
    by_index = {p.index: p for p in probes}
    found: dict[str, Demotion] = {}
    for m in stored:
        d = decisions[m.index]
        if (
            d.outcome is not Outcome.NEW
            or m.article_id == d.article_id
            or not _beats(by_index[m.index].published, m.published, settings.claimed_lead)
        ):
            continue
        current = found.get(m.article_id)
        if current is None or m.similarity > current.similarity:
            found[m.article_id] = Demotion(m.article_id, d.article_id, round(m.similarity, 4))
    return sorted(found.values(), key=lambda x: x.copy_id)
