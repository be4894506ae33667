"""The `near_signatures` and `near_bands` tables: MinHash fingerprints of stored texts.

`stored_matches` finds the stored texts a batch's new ones nearly copy (one band join);
`store_fingerprints` adds the batch's own. Both run inside the caller's batch transaction.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

import duckdb
import pyarrow as pa

from wirehouse.config.settings import DedupSettings
from wirehouse.dedup import near
from wirehouse.dedup.copies import Match, Probe, best_matches
from wirehouse.dedup.exact import comparable
from wirehouse.records import Decision, MatchKind, Outcome
from wirehouse.warehouse.arrow import registered

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


def stored_matches(
    con: duckdb.DuckDBPyConnection,
    probes: Sequence[Probe],
    settings: DedupSettings,
    *,
    now: datetime,
) -> list[Match]:
    """Stored texts sharing a band key with a probe (one join), confirmed by their estimated
    Jaccard similarity; the best text per (probe, article). Only texts stored in the last
    `near_window_days` are candidates: the join then reads the newest row groups of
    `near_bands` (appended in time order, skipped by their min/max) instead of all of them."""
    if not probes:
        return []
    scheme = near.scheme_for(settings)
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
    since = now - timedelta(days=settings.near_window_days)
    with registered(con, _near_probe=probe_table):
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
    return best_matches(
        probes,
        [(index, aid, published, near.unpack(blob)) for index, aid, published, blob in rows],
        settings.near_threshold,
    )


def _sig_id(article_id: str, content_hash: str, scheme: str) -> int:
    digest = hashlib.blake2b(f"{article_id}:{content_hash}:{scheme}".encode(), digest_size=8)
    return int.from_bytes(digest.digest(), "little", signed=True)


def store_fingerprints(
    con: duckdb.DuckDBPyConnection,
    decisions: Sequence[Decision],
    settings: DedupSettings,
    *,
    now: datetime,
    computed: Mapping[int, near.Fingerprint] | None = None,
) -> int:
    """Store one signature and its band keys per new text: NEW articles, new versions and near
    copies (a later reprint may be closer to a copy, or to an update, than to the original).
    `computed` holds fingerprints already made, by position in `decisions` (the probes')."""
    scheme = near.scheme_for(settings)
    computed = computed or {}
    rows: dict[int, tuple[Decision, near.Fingerprint]] = {}
    for i, d in enumerate(decisions):
        keep = d.outcome in (Outcome.NEW, Outcome.VERSION) or (
            d.outcome is Outcome.DUPLICATE and d.match_kind is MatchKind.NEAR
        )
        if not keep or d.article.text is None or d.article.content_hash is None:
            continue
        if not comparable(d.article):  # a teaser is the outlet's, not the article's
            continue
        fp = computed.get(i) or near.fingerprint(d.article.text, scheme)
        if fp.shingles < settings.near_min_shingles:
            continue
        rows.setdefault(_sig_id(d.article_id, d.article.content_hash, scheme.name), (d, fp))
    if not rows:
        return 0
    # Arrow, not a list parameter: DuckDB binds a Python list element by element
    with registered(con, _sig_ids=pa.table({"sig_id": pa.array(list(rows), pa.int64())})):
        present = {
            r[0]
            for r in con.execute(
                "SELECT sig_id FROM near_signatures WHERE sig_id IN (SELECT sig_id FROM _sig_ids)"
            ).fetchall()
        }
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
    with registered(con, _new_signatures=signatures, _new_bands=bands):
        con.execute("INSERT INTO near_signatures SELECT * FROM _new_signatures")
        con.execute(
            "INSERT INTO near_bands (band_key, sig_id, stored_on)"
            " SELECT band_key, sig_id, ?::DATE FROM _new_bands",
            [now.date()],
        )
    return len(fresh)
