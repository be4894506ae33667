-- 003: views for asking the warehouse questions (docs/warehouse.md, "Views"),
-- and the state of the full-text index (wirehouse/warehouse/search.py).
-- Days are UTC calendar days, whatever the session's time zone.

-- One row per article, newest first: the outlet is the page's site name, else the URL's host.
CREATE VIEW latest_articles AS
SELECT article_id,
       coalesce(nullif(trim(sitename), ''),
                lower(regexp_extract(url, '^[A-Za-z][A-Za-z0-9+.-]*://(www\.)?([^/?#@]+)', 2)))
           AS outlet,
       title,
       url,
       published_at,
       story_id
FROM articles
ORDER BY published_at DESC NULLS LAST, article_id;

-- Articles per outlet per publication day (first sight when the publication time is unknown).
CREATE VIEW outlet_coverage AS
SELECT (coalesce(a.published_at, a.first_seen_at) AT TIME ZONE 'UTC')::DATE AS day,
       l.outlet,
       count(*)::INTEGER AS articles
FROM articles a JOIN latest_articles l USING (article_id)
GROUP BY ALL
ORDER BY day DESC, articles DESC, outlet;

-- Per feed: is it alive? Items are the URLs it listed that were new to it (article_urls rows,
-- duplicates of other outlets' articles included); silence runs from its last such item, or
-- from its last successful fetch when it never yielded one.
CREATE VIEW feed_health AS
WITH items AS (
    SELECT feed_url,
           max(seen_at) AS last_item_at,
           count(*) FILTER (WHERE seen_at >= now() - INTERVAL 7 DAY)::INTEGER AS items_7d
    FROM article_urls
    GROUP BY feed_url
)
SELECT f.feed_url,
       coalesce(f.name, f.title, f.feed_url) AS name,
       f.last_success_at,
       coalesce(f.consecutive_failures, 0) AS consecutive_failures,
       coalesce(i.items_7d, 0) AS items_7d,
       round(coalesce(i.items_7d, 0) / 7.0, 2) AS items_per_day,
       i.last_item_at,
       now() - coalesce(i.last_item_at, f.last_success_at) AS silent_for
FROM feeds f LEFT JOIN items i USING (feed_url)
ORDER BY consecutive_failures DESC, silent_for DESC NULLS FIRST, name;

-- Per day of first sight: the URLs seen, how many were new articles and how many were
-- duplicates (the same article at another URL: url, guid, canonical, exact or near match).
CREATE VIEW daily_volume AS
SELECT (seen_at AT TIME ZONE 'UTC')::DATE AS day,
       count(*)::INTEGER AS urls_seen,
       count(*) FILTER (WHERE match_kind = 'new')::INTEGER AS new_articles,
       count(*) FILTER (WHERE match_kind <> 'new')::INTEGER AS duplicates
FROM article_urls
GROUP BY ALL
ORDER BY day DESC;

-- One row: what the full-text index was built from, so a reader can tell when it is stale.
CREATE TABLE fts_state (
    built_at        TIMESTAMPTZ NOT NULL,
    articles        BIGINT NOT NULL,               -- count of articles indexed
    max_updated_at  TIMESTAMPTZ,                   -- newest articles.updated_at indexed
    fingerprint     UBIGINT NOT NULL,              -- xor of hash(article_id, content_hash, title)
    build_seconds   DOUBLE NOT NULL
);
