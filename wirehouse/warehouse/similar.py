"""Near-duplicates and stories against the warehouse: incremental, one join per lookup.

Both functions run inside the caller's batch transaction. `find_near_duplicates` reads only:
it turns NEW decisions whose text is a near copy of a stored text (or of an earlier NEW text of
the batch) into DUPLICATE ones. `store_similarity`, called after `load_batch`, stores the
batch's fingerprints, applies the canonical rule and places articles in stories.

Canonical rule: of two near copies, the one published earlier is the article (the wire original
beats its reprints); when either date is unknown, or both are equal, the one stored first is.
When an original arrives after its reprint, the reprint is demoted: its URLs move to the
original (the reprint's own URL as `near`, with its similarity), its fingerprints join the
original's, the original takes over its story (`canonical_reason` `earlier_published`), and its
row moves from `articles` to `demoted_articles` whole, with its own URL, outlet and text and a
`duplicate_of` pointer (its pages and versions stay under its old id). A new copy claiming a
publication date more than `max_claimed_backdate_hours` before a stored copy's does not take
over: the claim is too large to be a wire original seen late, and looks back-dated.
"""

from __future__ import annotations

import hashlib
import logging
import weakref
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import duckdb
import pyarrow as pa

from wirehouse.config.settings import DedupSettings
from wirehouse.dedup import near, stories
from wirehouse.dedup.exact import Decision, Outcome, comparable
from wirehouse.records import CanonicalReason, MatchKind
from wirehouse.warehouse.arrow import TS, insert_new

log = logging.getLogger(__name__)


def scheme_for(settings: DedupSettings) -> near.Scheme:
    """The fingerprint scheme the settings describe."""
    return near.Scheme(
        shingle_words=settings.near_shingle_words,
        num_perm=settings.near_num_perm,
        bands=settings.near_bands,
        rows=settings.near_rows,
    )


def story_id_for(article_id: str) -> str:
    """A story is named after the article that started it (deterministic: re-runs agree)."""
    return hashlib.sha256(f"story:{article_id}".encode()).hexdigest()[:16]


# -- near-duplicates ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Probe:
    """One NEW text of the batch being compared."""

    index: int  # position in the decisions
    fp: near.Fingerprint
    published: datetime | None


@dataclass(frozen=True, slots=True)
class _Match:
    """A stored article whose text (one of them) is a confirmed near copy of a probe."""

    index: int
    article_id: str
    published: datetime | None
    similarity: float


def _probes(decisions: Sequence[Decision], settings: DedupSettings) -> list[_Probe]:
    scheme = scheme_for(settings)
    probes = []
    for i, d in enumerate(decisions):
        if d.outcome is not Outcome.NEW or d.article.text is None or not comparable(d.article):
            continue  # no text, no copy of anything
        fp = near.fingerprint(d.article.text, scheme)
        if fp.shingles >= settings.near_min_shingles:
            probes.append(_Probe(i, fp, d.article.published_at))
    return probes


# find_near_duplicates -> load_batch -> store_similarity: nothing stores fingerprints between
# the first and the last, so the last reuses the band join of the first (the costliest query of
# a batch). Per connection, by text, valid while the number of stored signatures is unchanged;
# cleared whenever fingerprints are stored.
_matches_seen: weakref.WeakKeyDictionary[
    duckdb.DuckDBPyConnection, tuple[int, dict[tuple[str, str, str], list[_Match]]]
] = weakref.WeakKeyDictionary()


def _signature_count(con: duckdb.DuckDBPyConnection) -> int:
    row = con.execute("SELECT count(*) FROM near_signatures").fetchone()
    return int(row[0]) if row else 0


def _probe_key(d: Decision, settings: DedupSettings) -> tuple[str, str, str]:
    return (d.article_id, d.article.content_hash or "", scheme_for(settings).name)


def _stored_matches(
    con: duckdb.DuckDBPyConnection,
    decisions: Sequence[Decision],
    probes: Sequence[_Probe],
    settings: DedupSettings,
    now: datetime,
) -> list[_Match]:
    """Stored texts sharing a band key with a probe (one join), confirmed by their estimated
    Jaccard similarity; the best text per (probe, article). Only texts stored in the last
    `near_window_days` are candidates: the join then reads the newest row groups of
    `near_bands` (appended in time order, skipped by their min/max) instead of all of them."""
    count = _signature_count(con)
    cached = _matches_seen.get(con)
    if cached is None or cached[0] != count:
        cached = (count, {})
        _matches_seen[con] = cached
    seen = cached[1]
    known = [p for p in probes if _probe_key(decisions[p.index], settings) in seen]
    if known and len(known) == len(probes):
        return sorted(
            (
                replace(m, index=p.index)
                for p in probes
                for m in seen[_probe_key(decisions[p.index], settings)]
            ),
            key=lambda m: (m.index, m.article_id),
        )
    found = _join_matches(
        con, probes, settings, since=now - timedelta(days=settings.near_window_days)
    )
    by_probe: dict[int, list[_Match]] = {p.index: [] for p in probes}
    for m in found:
        by_probe[m.index].append(m)
    for p in probes:
        seen[_probe_key(decisions[p.index], settings)] = by_probe[p.index]
    return found


def _join_matches(
    con: duckdb.DuckDBPyConnection,
    probes: Sequence[_Probe],
    settings: DedupSettings,
    *,
    since: datetime,
) -> list[_Match]:
    if not probes:
        return []
    scheme = scheme_for(settings)
    idx: list[int] = []
    keys: list[int] = []
    sizes: list[int] = []
    for p in probes:
        idx += [p.index] * len(p.fp.band_keys)
        keys += p.fp.band_keys.tolist()
        sizes += [p.fp.shingles] * len(p.fp.band_keys)
    probe_table = pa.table(
        {
            "idx": pa.array(idx, pa.int32()),
            "band_key": pa.array(keys, pa.int64()),
            "shingles": pa.array(sizes, pa.int32()),
        }
    )
    con.register("_near_probe", probe_table)
    try:
        rows = con.execute(
            """
            WITH hits AS (
                SELECT DISTINCT p.idx, p.shingles, b.sig_id
                FROM _near_probe p JOIN near_bands b ON b.band_key = p.band_key
                WHERE b.stored_on >= ?::DATE)
            SELECT h.idx, s.article_id, a.published_at, s.signature
            FROM hits h
            JOIN near_signatures s ON s.sig_id = h.sig_id
            JOIN articles a ON a.article_id = s.article_id
            WHERE s.scheme = ?
              -- J <= shorter/longer: the exact length guard, free of estimation noise
              AND least(s.shingles, h.shingles) >= ? * greatest(s.shingles, h.shingles)
            """,
            [since.date(), scheme.name, settings.near_threshold],
        ).fetchall()
    finally:
        con.unregister("_near_probe")
    by_index = {p.index: p for p in probes}
    best: dict[tuple[int, str], _Match] = {}
    for index, article_id, published, blob in rows:
        sim = near.similarity(by_index[index].fp.signature, near.unpack(blob))
        if sim < settings.near_threshold:
            continue
        key = (index, article_id)
        if key not in best or sim > best[key].similarity:
            best[key] = _Match(index, article_id, published, sim)
    return sorted(best.values(), key=lambda m: (m.index, m.article_id))


def _batch_pairs(probes: Sequence[_Probe], settings: DedupSettings) -> dict[int, dict[int, float]]:
    """Confirmed near pairs inside the batch: probes sharing a band key, by similarity."""
    buckets: dict[int, list[_Probe]] = {}
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


def _beats(a: datetime | None, b: datetime | None, lead: timedelta | None = None) -> bool:
    """Whether a copy published at `a` is canonical over one published at `b`: strictly earlier,
    with both dates known (otherwise the copy stored first stays canonical), and, against a
    stored copy, by at most `lead`: a claimed date is evidence, not proof, and a back-dated
    `article:published_time` must not take over an article stored before it."""
    if a is None or b is None or a >= b:
        return False
    return lead is None or b - a <= lead


def _lead(settings: DedupSettings) -> timedelta:
    return timedelta(hours=settings.max_claimed_backdate_hours)


def _order_key(published: datetime | None) -> tuple[bool, datetime]:
    return (published is None, published or datetime.max.replace(tzinfo=None))


def find_near_duplicates(
    con: duckdb.DuckDBPyConnection,
    decisions: Sequence[Decision],
    settings: DedupSettings,
    *,
    now: datetime,
) -> list[Decision]:
    """Return the decisions with NEW texts that near-duplicate a stored article, or an earlier
    NEW one of the batch, turned into DUPLICATE (match_kind NEAR, similarity set) of the
    canonical copy; the others are unchanged, in the same order.

    A NEW article published strictly before every copy it matches stays NEW: it is the
    original, and `store_similarity` demotes the stored copies. Exact duplicates that pointed
    at an article now found to be a copy follow it to the canonical one.
    """
    out = list(decisions)
    probes = _probes(decisions, settings)
    if not probes:
        return out
    stored: dict[int, list[_Match]] = {}
    for m in _stored_matches(con, decisions, probes, settings, now):
        stored.setdefault(m.index, []).append(m)
    pairs = _batch_pairs(probes, settings)

    # roots[i]: the article the batch's i-th text now belongs to, and that article's date
    roots: dict[int, tuple[str, datetime | None]] = {}
    moved: dict[str, str] = {}
    for p in sorted(probes, key=lambda p: (_order_key(p.published), p.index)):
        d = out[p.index]
        targets: dict[str, tuple[datetime | None, float, int]] = {}
        for m in stored.get(p.index, ()):
            if m.article_id != d.article_id:  # itself, when a batch is decided twice
                targets[m.article_id] = (m.published, m.similarity, 0)
        for other, sim in pairs.get(p.index, {}).items():
            if other in roots:
                article_id, published = roots[other]
                if article_id not in targets or targets[article_id][1] < sim:
                    targets[article_id] = (published, sim, 1)
        # t[2] == 0: a stored copy, which a claimed date beats only by at most the lead
        lead = {0: _lead(settings), 1: None}
        if not targets or all(_beats(p.published, t[0], lead[t[2]]) for t in targets.values()):
            roots[p.index] = (d.article_id, p.published)
            continue
        # the copy this one does not beat that was published first (stored ones win ties)
        article_id, (published, sim, _) = min(
            ((aid, t) for aid, t in targets.items() if not _beats(p.published, t[0], lead[t[2]])),
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


# -- storing fingerprints and the canonical rule ------------------------------------------


_SIGNATURE_SCHEMA = pa.schema(
    [
        ("sig_id", pa.int64()),
        ("article_id", pa.string()),
        ("content_hash", pa.string()),
        ("scheme", pa.string()),
        ("shingles", pa.int32()),
        ("signature", pa.binary()),
    ]
)


def _sig_id(article_id: str, content_hash: str, scheme: str) -> int:
    digest = hashlib.blake2b(f"{article_id}:{content_hash}:{scheme}".encode(), digest_size=8)
    return int.from_bytes(digest.digest(), "little", signed=True)


def _store_fingerprints(
    con: duckdb.DuckDBPyConnection,
    decisions: Sequence[Decision],
    settings: DedupSettings,
    now: datetime,
) -> int:
    """Store one signature and its band keys per new text: NEW articles, new versions and near
    copies (a later reprint may be closer to a copy, or to an update, than to the original)."""
    scheme = scheme_for(settings)
    rows: dict[int, tuple[Decision, near.Fingerprint]] = {}
    for d in decisions:
        keep = d.outcome in (Outcome.NEW, Outcome.VERSION) or (
            d.outcome is Outcome.DUPLICATE and d.match_kind is MatchKind.NEAR
        )
        if not keep or d.article.text is None or d.article.content_hash is None:
            continue
        if not comparable(d.article):
            continue
        fp = near.fingerprint(d.article.text, scheme)
        if fp.shingles < settings.near_min_shingles:
            continue
        rows.setdefault(_sig_id(d.article_id, d.article.content_hash, scheme.name), (d, fp))
    _matches_seen.pop(con, None)
    if not rows:
        return 0
    # Arrow, not a list parameter: DuckDB binds a Python list element by element
    con.register("_sig_ids", pa.table({"sig_id": pa.array(list(rows), pa.int64())}))
    try:
        present = {
            r[0]
            for r in con.execute(
                "SELECT sig_id FROM near_signatures WHERE sig_id IN (SELECT sig_id FROM _sig_ids)"
            ).fetchall()
        }
    finally:
        con.unregister("_sig_ids")
    fresh = [(sid, d, fp) for sid, (d, fp) in rows.items() if sid not in present]
    if not fresh:
        return 0
    signatures = pa.table(
        [
            pa.array([sid for sid, _, _ in fresh], pa.int64()),
            pa.array([d.article_id for _, d, _ in fresh], pa.string()),
            pa.array([d.article.content_hash for _, d, _ in fresh], pa.string()),
            pa.array([scheme.name] * len(fresh), pa.string()),
            pa.array([fp.shingles for _, _, fp in fresh], pa.int32()),
            pa.array([near.pack(fp.signature) for _, _, fp in fresh], pa.binary()),
        ],
        schema=_SIGNATURE_SCHEMA,
    )
    bands = pa.table(
        {
            "band_key": pa.array(
                [k for _, _, fp in fresh for k in fp.band_keys.tolist()], pa.int64()
            ),
            "sig_id": pa.array([sid for sid, _, fp in fresh for _ in fp.band_keys], pa.int64()),
        }
    )
    con.register("_new_signatures", signatures)
    con.register("_new_bands", bands)
    try:
        con.execute("INSERT INTO near_signatures SELECT * FROM _new_signatures")
        con.execute(
            "INSERT INTO near_bands (band_key, sig_id, stored_on)"
            " SELECT band_key, sig_id, ?::DATE FROM _new_bands",
            [now.date()],
        )
    finally:
        con.unregister("_new_signatures")
        con.unregister("_new_bands")
    return len(fresh)


@dataclass(frozen=True, slots=True)
class Demotion:
    """A stored copy that turned out to be a later reprint of a NEW article of the batch."""

    copy_id: str
    original_id: str
    similarity: float


def find_demotions(
    con: duckdb.DuckDBPyConnection,
    decisions: Sequence[Decision],
    settings: DedupSettings,
    *,
    now: datetime,
) -> list[Demotion]:
    """Stored articles that are near copies of a NEW article published strictly before them."""
    probes = _probes(decisions, settings)
    found: dict[str, Demotion] = {}
    by_index = {p.index: p for p in probes}
    for m in _stored_matches(con, decisions, probes, settings, now):
        d = decisions[m.index]
        if m.article_id == d.article_id or not _beats(
            by_index[m.index].published, m.published, _lead(settings)
        ):
            continue
        current = found.get(m.article_id)
        if current is None or m.similarity > current.similarity:
            found[m.article_id] = Demotion(m.article_id, d.article_id, round(m.similarity, 4))
    return sorted(found.values(), key=lambda x: x.copy_id)


def apply_demotions(
    con: duckdb.DuckDBPyConnection, demotions: Sequence[Demotion]
) -> dict[str, str]:
    """Merge each demoted copy into its original (see the module docstring); return the
    stories the originals inherit, {original_id: story_id}."""
    if not demotions:
        return {}
    table = pa.table(
        {
            "copy_id": pa.array([x.copy_id for x in demotions], pa.string()),
            "original_id": pa.array([x.original_id for x in demotions], pa.string()),
            "similarity": pa.array([x.similarity for x in demotions], pa.float64()),
        }
    )
    con.register("_demoted", table)
    try:
        con.execute(
            """
            UPDATE article_urls AS u SET
                article_id = d.original_id,
                match_kind = CASE WHEN u.match_kind = 'new' THEN 'near' ELSE u.match_kind END,
                similarity = CASE WHEN u.match_kind = 'new' THEN d.similarity
                                  ELSE u.similarity END
            FROM _demoted d WHERE u.article_id = d.copy_id
            """
        )
        con.execute(
            "UPDATE near_signatures AS s SET article_id = d.original_id"
            " FROM _demoted d WHERE s.article_id = d.copy_id"
        )
        inherited = dict(
            con.execute(
                "SELECT d.original_id, min(c.story_id) FROM _demoted d"
                " JOIN articles c ON c.article_id = d.copy_id"
                " WHERE c.story_id IS NOT NULL GROUP BY d.original_id"
            ).fetchall()
        )
        # the copy's row, text and all, moves to demoted_articles: demotion deletes no text
        con.execute(
            "INSERT INTO demoted_articles BY NAME SELECT c.*, d.original_id AS duplicate_of,"
            " d.similarity AS demoted_similarity, now() AS demoted_at,"
            f" '{CanonicalReason.EARLIER_PUBLISHED}' AS demoted_reason"
            " FROM articles c JOIN _demoted d ON d.copy_id = c.article_id"
            " WHERE c.article_id NOT IN (SELECT article_id FROM demoted_articles)"
        )
        con.execute(
            f"UPDATE articles SET canonical_reason = '{CanonicalReason.EARLIER_PUBLISHED}'"
            " WHERE article_id IN (SELECT original_id FROM _demoted)"
        )
        for target in ("story_terms", "story_members", "articles"):
            con.execute(f"DELETE FROM {target} WHERE article_id IN (SELECT copy_id FROM _demoted)")
    finally:
        con.unregister("_demoted")
    log.info("demoted %d stored copies in favour of earlier originals", len(demotions))
    return inherited


# -- stories -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Placing:
    decision: Decision
    published: datetime
    terms: frozenset[str]


_MEMBER_SCHEMA = pa.schema(
    [
        ("article_id", pa.string()),
        ("story_id", pa.string()),
        ("published_at", TS),
        ("score", pa.float64()),
        ("assigned_at", TS),
    ]
)


def _window_weights(
    con: duckdb.DuckDBPyConnection, placing: Sequence[_Placing], window: timedelta
) -> dict[str, float]:
    """Term weights with IDF over the articles around the batch (stored ones and the batch)."""
    lo = min(p.published for p in placing) - window
    hi = max(p.published for p in placing) + window
    terms = sorted({t for p in placing for t in p.terms})
    con.register("_story_vocab", pa.table({"term": pa.array(terms, pa.string())}))
    try:
        df = dict(
            con.execute(
                "SELECT t.term, count(*) FROM story_terms t JOIN _story_vocab v ON v.term = t.term"
                " WHERE t.published_at BETWEEN ? AND ? GROUP BY t.term",
                [lo, hi],
            ).fetchall()
        )
        row = con.execute(
            "SELECT count(*) FROM story_members WHERE published_at BETWEEN ? AND ?", [lo, hi]
        ).fetchone()
    finally:
        con.unregister("_story_vocab")
    n = (int(row[0]) if row else 0) + len(placing)
    for p in placing:
        for t in p.terms:
            df[t] = df.get(t, 0) + 1
    return {t: stories.weight(t, df[t], n) for t in terms}


def _stored_story_matches(
    con: duckdb.DuckDBPyConnection,
    placing: Sequence[_Placing],
    weights: dict[str, float],
    settings: DedupSettings,
) -> tuple[dict[str, list[stories.StoredMatch]], dict[str, int]]:
    """Stories with members within the window of each article, sharing its terms: one join of
    the batch's terms against story_terms in the time range, summed per (article, story)."""
    window = timedelta(days=settings.story_window_days)
    idx, terms, ws = [], [], []
    for i, p in enumerate(placing):
        for t in p.terms:
            if not weights[t]:
                continue  # common this week: no evidence, and the costliest to join
            idx.append(i)
            terms.append(t)
            ws.append(weights[t])
    batch_terms = pa.table(
        {
            "idx": pa.array(idx, pa.int32()),
            "term": pa.array(terms, pa.string()),
            "w": pa.array(ws, pa.float64()),
        }
    )
    bounds = pa.table(
        {
            "idx": pa.array(range(len(placing)), pa.int32()),
            "lo": pa.array([p.published - window for p in placing], TS),
            "hi": pa.array([p.published + window for p in placing], TS),
            # an article can only reach the threshold through stories it shares this much with
            "floor": pa.array(
                [settings.story_threshold * sum(weights[t] for t in p.terms) for p in placing],
                pa.float64(),
            ),
        }
    )
    con.register("_story_terms_in", batch_terms)
    con.register("_story_bounds", bounds)
    try:
        rows = con.execute(
            """
            WITH lo_hi AS (SELECT min(lo) AS lo, max(hi) AS hi FROM _story_bounds),
            near_terms AS (
                SELECT t.story_id, t.published_at, t.term
                FROM story_terms t, lo_hi WHERE t.published_at BETWEEN lo_hi.lo AND lo_hi.hi),
            hits AS (
                SELECT b.idx, t.story_id, sum(b.w) AS overlap
                FROM _story_terms_in b
                JOIN near_terms t ON t.term = b.term
                JOIN _story_bounds w ON w.idx = b.idx
                WHERE t.published_at BETWEEN w.lo AND w.hi
                GROUP BY b.idx, t.story_id
                HAVING sum(b.w) >= any_value(w.floor)),
            members AS (
                SELECT h.idx, h.story_id, any_value(h.overlap) AS overlap, count(*) AS n
                FROM hits h
                JOIN _story_bounds w ON w.idx = h.idx
                JOIN story_members m ON m.story_id = h.story_id
                WHERE m.published_at BETWEEN w.lo AND w.hi
                GROUP BY h.idx, h.story_id)
            SELECT idx, story_id, overlap, n FROM members ORDER BY idx, story_id
            """
        ).fetchall()
    finally:
        con.unregister("_story_terms_in")
        con.unregister("_story_bounds")
    matches: dict[str, list[stories.StoredMatch]] = {}
    sizes: dict[str, int] = {}
    for i, story_id, overlap, n in rows:
        aid = placing[i].decision.article_id
        matches.setdefault(aid, []).append(stories.StoredMatch(story_id, float(overlap), int(n)))
        sizes[story_id] = max(sizes.get(story_id, 0), int(n))
    return matches, sizes


def _existing_stories(con: duckdb.DuckDBPyConnection, article_ids: Sequence[str]) -> dict[str, str]:
    if not article_ids:
        return {}
    con.register("_story_ids", pa.table({"article_id": pa.array(article_ids, pa.string())}))
    try:
        return dict(
            con.execute(
                "SELECT a.article_id, a.story_id FROM articles a"
                " JOIN _story_ids i ON i.article_id = a.article_id WHERE a.story_id IS NOT NULL"
            ).fetchall()
        )
    finally:
        con.unregister("_story_ids")


def _place_in_stories(
    con: duckdb.DuckDBPyConnection,
    decisions: Sequence[Decision],
    settings: DedupSettings,
    now: datetime,
    inherited: dict[str, str],
) -> dict[str, str]:
    """Give every NEW article (and any VERSION one without a story) its story: the one it
    inherits from a demoted copy, the best-scoring one of its window, or a new one."""
    wanted: dict[str, Decision] = {}
    for d in decisions:
        # an article without text yet gets its story when its text arrives (a VERSION)
        if d.outcome in (Outcome.NEW, Outcome.VERSION) and d.article.text is not None:
            wanted.setdefault(d.article_id, d)
    existing = _existing_stories(con, list(wanted))
    placing = [
        _Placing(
            d,
            d.article.published_at or d.article.fetched_at or now,
            stories.features(d.article.text or "", d.article.title),
        )
        for aid, d in wanted.items()
        if aid not in existing
    ]
    result = dict(existing)
    if not placing:
        return result
    window = timedelta(days=settings.story_window_days)
    weights = _window_weights(con, placing, window)
    stored, sizes = _stored_story_matches(con, placing, weights, settings)
    placed = {
        p.decision.article_id: stories.Placement(inherited[p.decision.article_id], None)
        for p in placing
        if p.decision.article_id in inherited
    }
    placed |= stories.assign(
        [
            stories.Candidate(p.decision.article_id, p.published, p.terms)
            for p in placing
            if p.decision.article_id not in inherited
        ],
        stored=stored,
        stored_members=sizes,
        weights=weights,
        threshold=settings.story_threshold,
        window=window,
        new_story_id={p.decision.article_id: story_id_for(p.decision.article_id) for p in placing},
    )
    members = pa.table(
        [
            pa.array([p.decision.article_id for p in placing], pa.string()),
            pa.array([placed[p.decision.article_id].story_id for p in placing], pa.string()),
            pa.array([p.published for p in placing], TS),
            pa.array([placed[p.decision.article_id].score for p in placing], pa.float64()),
            pa.array([now] * len(placing), TS),
        ],
        schema=_MEMBER_SCHEMA,
    )
    insert_new(con, "story_members", members, key=("article_id",))
    term_rows = [
        (p.decision.article_id, placed[p.decision.article_id].story_id, p.published, t)
        for p in placing
        for t in sorted(p.terms)
    ]
    terms = pa.table(
        {
            "article_id": pa.array([r[0] for r in term_rows], pa.string()),
            "story_id": pa.array([r[1] for r in term_rows], pa.string()),
            "published_at": pa.array([r[2] for r in term_rows], TS),
            "term": pa.array([r[3] for r in term_rows], pa.string()),
        }
    )
    con.register("_new_story_terms", terms)
    con.register("_placed_members", members)
    try:
        # articles placed here had no story, so they have no terms stored yet
        con.execute("INSERT INTO story_terms SELECT * FROM _new_story_terms")
        con.execute(
            "UPDATE articles AS a SET story_id = m.story_id FROM _placed_members m"
            " WHERE a.article_id = m.article_id"
        )
    finally:
        con.unregister("_new_story_terms")
        con.unregister("_placed_members")
    for p in placing:
        result[p.decision.article_id] = placed[p.decision.article_id].story_id
    return result


def store_similarity(
    con: duckdb.DuckDBPyConnection,
    decisions: Sequence[Decision],
    settings: DedupSettings,
    *,
    now: datetime,
) -> dict[str, str]:
    """After `load_batch`, in the same transaction: apply the canonical rule, store the
    batch's fingerprints, and place NEW articles in stories (VERSION ones keep theirs).

    Returns {article_id: story_id} for the NEW and VERSION articles of the batch. Running it
    again on the same decisions changes nothing.
    """
    inherited = apply_demotions(con, find_demotions(con, decisions, settings, now=now))
    stored = _store_fingerprints(con, decisions, settings, now)
    placed = _place_in_stories(con, decisions, settings, now, inherited)
    log.debug("stored %d fingerprints, placed %d articles in stories", stored, len(placed))
    return placed
