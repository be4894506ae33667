-- 008: every entry kept, no text overwritten or taken over (docs/warehouse.md).
-- An article may be stored before its page gave text: `text` and `content_hash` NULL, and
-- `status` says what is missing and why. A column's NOT NULL cannot be dropped while an index
-- covers the table (and dropping the index first crashed DuckDB 1.5.5 on a file), so the table
-- is rebuilt with every row, as 006 did for `pages`; views and the search index bind by name.
CREATE TABLE articles_008 (
    article_id           VARCHAR PRIMARY KEY,
    url                  VARCHAR NOT NULL,
    url_key              VARCHAR NOT NULL,
    canonical_url        VARCHAR,
    canonical_key        VARCHAR,
    title                VARCHAR,
    text                 VARCHAR,                  -- NULL: the page gave no text yet (status)
    description          VARCHAR,
    author               VARCHAR,
    sitename             VARCHAR,
    language             VARCHAR,
    tags                 VARCHAR[],
    image                VARCHAR,
    published_at         TIMESTAMPTZ,
    published_at_source  VARCHAR NOT NULL,
    feed_url             VARCHAR,
    content_hash         VARCHAR,                  -- NULL without text
    body_source          VARCHAR NOT NULL,         -- page, feed, or none (no text)
    version              INTEGER NOT NULL DEFAULT 1,   -- 0: no text yet
    first_seen_at        TIMESTAMPTZ NOT NULL,
    updated_at           TIMESTAMPTZ NOT NULL,
    last_fetched_at      TIMESTAMPTZ NOT NULL,
    story_id             VARCHAR,
    text_truncated       BOOLEAN DEFAULT false,
    title_source         VARCHAR,
    sitename_source      VARCHAR,
    -- ok, pending, page_failed:<reason>, feed_only, gave_up:<reason> (records.ArticleStatus)
    status               VARCHAR NOT NULL DEFAULT 'ok',
    -- why this row is the canonical copy of its text: first_seen, earlier_published
    canonical_reason     VARCHAR NOT NULL DEFAULT 'first_seen'
);
-- Rows whose text came from the feed were waiting for their page: they are retried until
-- `dedup.page_retry_days` after first sight, and older ones become feed_only on the next run.
INSERT INTO articles_008 BY NAME
SELECT *,
       CASE WHEN body_source = 'page' THEN 'ok' ELSE 'page_failed:before_status' END AS status,
       'first_seen' AS canonical_reason
FROM articles;
DROP TABLE articles;
ALTER TABLE articles_008 RENAME TO articles;
CREATE INDEX articles_content_hash ON articles (content_hash);
CREATE INDEX articles_canonical_key ON articles (canonical_key);

-- Stored copies demoted in favour of an earlier-published original: the whole row, text
-- included, with what it is a copy of and why. Same columns as `articles` (a migration that
-- adds a column there adds it here too), without its constraints.
CREATE TABLE demoted_articles AS
SELECT *,
       NULL::VARCHAR AS duplicate_of,                 -- the article that is canonical now
       NULL::DOUBLE AS demoted_similarity,            -- estimated Jaccard with it
       NULL::TIMESTAMPTZ AS demoted_at,
       NULL::VARCHAR AS demoted_reason                -- why the other won: earlier_published
FROM articles WHERE false;

-- Canonical links to another site: a claim, acted on only between syndication partners.
CREATE TABLE canonical_claims (
    article_id    VARCHAR NOT NULL,                -- the article the claiming page became
    url           VARCHAR NOT NULL,                -- the claiming page, as fetched
    claimed_url   VARCHAR NOT NULL,                -- the canonical URL it declared
    claimed_key   VARCHAR NOT NULL,
    claimer_site  VARCHAR NOT NULL,                -- registrable domains (host:port without one)
    claimed_site  VARCHAR NOT NULL,
    trusted       BOOLEAN NOT NULL,                -- partners: the claim was acted on
    seen_at       TIMESTAMPTZ NOT NULL,
    run_id        VARCHAR
);

-- What is still waiting for its page, by outlet and reason (the part of status after ':').
CREATE VIEW pending_pages AS
SELECT coalesce(nullif(trim(sitename), ''),
                lower(regexp_extract(url, '^[A-Za-z][A-Za-z0-9+.-]*://(www\.)?([^/?#@]+)', 2)))
           AS outlet,
       CASE WHEN contains(status, ':') THEN substr(status, strpos(status, ':') + 1)
            ELSE status END AS reason,
       count(*)::INTEGER AS articles,
       count(*) FILTER (WHERE text IS NULL)::INTEGER AS without_text,
       min(first_seen_at) AS oldest_first_seen,
       max(last_fetched_at) AS last_attempt
FROM articles
WHERE split_part(status, ':', 1) IN ('pending', 'page_failed')
GROUP BY ALL
ORDER BY articles DESC, outlet, reason;
