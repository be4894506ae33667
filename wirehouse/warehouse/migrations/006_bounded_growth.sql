-- 006: bounded growth. Raw pages are stored once per payload in `raw_pages`, keyed by the
-- sha256 of the compressed bytes (zlib gives equal bytes for equal payloads), and `pages` rows
-- point at them; every stored blob moves there, none is dropped. Articles and versions say
-- when their text was cut to `extract.max_text_chars`; `feeds.deferred_entries` counts what a
-- budget left for the next run; `prunes` logs each retention pass.
CREATE TABLE raw_pages (
    raw_hash      VARCHAR PRIMARY KEY,
    html_bytes    INTEGER NOT NULL,
    html_zlib     BLOB NOT NULL,
    stored_at     TIMESTAMPTZ NOT NULL
);
INSERT INTO raw_pages
SELECT sha256(html_zlib), any_value(html_bytes), any_value(html_zlib), min(fetched_at)
FROM pages GROUP BY sha256(html_zlib);
CREATE TABLE pages_006 (
    url           VARCHAR NOT NULL,
    fetched_at    TIMESTAMPTZ NOT NULL,
    article_id    VARCHAR NOT NULL,
    content_type  VARCHAR,
    html_bytes    INTEGER NOT NULL,
    raw_hash      VARCHAR NOT NULL,
    PRIMARY KEY (url, fetched_at)
);
INSERT INTO pages_006
SELECT url, fetched_at, article_id, content_type, html_bytes, sha256(html_zlib) FROM pages;
DROP TABLE pages;
ALTER TABLE pages_006 RENAME TO pages;
-- 'false' as a string: DuckLake refuses a non-literal default, and takes this one
ALTER TABLE articles ADD COLUMN text_truncated BOOLEAN DEFAULT 'false';
ALTER TABLE article_versions ADD COLUMN text_truncated BOOLEAN DEFAULT 'false';
ALTER TABLE feeds ADD COLUMN deferred_entries INTEGER DEFAULT 0;
CREATE TABLE prunes (
    pruned_at          TIMESTAMPTZ NOT NULL,
    cutoff             TIMESTAMPTZ NOT NULL,
    fetches_deleted    BIGINT NOT NULL,
    pages_deleted      BIGINT NOT NULL,
    raw_pages_deleted  BIGINT NOT NULL
);
