-- 001: the foundation schema. Every column is documented in docs/warehouse.md.

CREATE TABLE runs (
    run_id              VARCHAR PRIMARY KEY,
    flow_run_id         VARCHAR,
    started_at          TIMESTAMPTZ NOT NULL,
    finished_at         TIMESTAMPTZ,
    status              VARCHAR NOT NULL,          -- running, completed, failed
    feeds_total         INTEGER DEFAULT 0,
    feeds_fetched       INTEGER DEFAULT 0,
    feeds_not_modified  INTEGER DEFAULT 0,
    feeds_failed        INTEGER DEFAULT 0,
    feeds_skipped       INTEGER DEFAULT 0,
    entries_seen        INTEGER DEFAULT 0,
    entries_new         INTEGER DEFAULT 0,
    pages_fetched       INTEGER DEFAULT 0,
    pages_failed        INTEGER DEFAULT 0,
    new_articles        INTEGER DEFAULT 0,
    new_versions        INTEGER DEFAULT 0,
    duplicates          INTEGER DEFAULT 0,
    error               VARCHAR,
    summary             JSON
);

CREATE TABLE feeds (
    feed_url              VARCHAR PRIMARY KEY,
    name                  VARCHAR,
    title                 VARCHAR,
    site_url              VARCHAR,
    tags                  VARCHAR[],
    etag                  VARCHAR,
    last_modified         VARCHAR,
    body_hash             VARCHAR,
    ttl_minutes           INTEGER,
    last_fetch_at         TIMESTAMPTZ,
    last_status           INTEGER,
    last_error            VARCHAR,
    last_success_at       TIMESTAMPTZ,
    consecutive_failures  INTEGER DEFAULT 0,
    last_new_items        INTEGER DEFAULT 0,
    items_seen_total      BIGINT DEFAULT 0
);

CREATE TABLE fetches (
    run_id      VARCHAR,
    url         VARCHAR NOT NULL,
    kind        VARCHAR NOT NULL,                  -- feed, page, robots
    final_url   VARCHAR,
    status      INTEGER,
    bytes       BIGINT,
    elapsed_ms  DOUBLE,
    error       VARCHAR,
    fetched_at  TIMESTAMPTZ NOT NULL
);

CREATE TABLE articles (
    article_id           VARCHAR PRIMARY KEY,
    url                  VARCHAR NOT NULL,         -- first URL it was seen at, as fetched
    url_key              VARCHAR NOT NULL,         -- normalised form of that URL
    canonical_url        VARCHAR,
    canonical_key        VARCHAR,
    title                VARCHAR,
    text                 VARCHAR NOT NULL,
    description          VARCHAR,
    author               VARCHAR,
    sitename             VARCHAR,
    language             VARCHAR,
    tags                 VARCHAR[],
    image                VARCHAR,
    published_at         TIMESTAMPTZ,
    published_at_source  VARCHAR NOT NULL,         -- feed, page, url, first_seen
    feed_url             VARCHAR,
    content_hash         VARCHAR NOT NULL,
    body_source          VARCHAR NOT NULL,         -- page, or feed when the page gave no text
    version              INTEGER NOT NULL DEFAULT 1,
    first_seen_at        TIMESTAMPTZ NOT NULL,
    updated_at           TIMESTAMPTZ NOT NULL,         -- when the current version was loaded
    last_fetched_at      TIMESTAMPTZ NOT NULL,         -- last time its page was fetched
    story_id             VARCHAR
);

CREATE TABLE article_urls (
    url          VARCHAR NOT NULL,                 -- as listed in the feed
    url_key      VARCHAR NOT NULL,
    feed_url     VARCHAR NOT NULL,
    guid         VARCHAR,
    entry_updated_at TIMESTAMPTZ,                  -- the entry's <updated> when last fetched
    article_id   VARCHAR NOT NULL,
    match_kind   VARCHAR NOT NULL,                 -- new, url, guid, canonical, exact, near
    similarity   DOUBLE,
    seen_at      TIMESTAMPTZ NOT NULL,
    run_id       VARCHAR,
    PRIMARY KEY (url, feed_url)
);

CREATE TABLE article_versions (
    article_id    VARCHAR NOT NULL,
    version       INTEGER NOT NULL,
    title         VARCHAR,
    text          VARCHAR NOT NULL,
    content_hash  VARCHAR NOT NULL,
    body_source   VARCHAR NOT NULL,
    fetched_at    TIMESTAMPTZ NOT NULL,
    run_id        VARCHAR,
    PRIMARY KEY (article_id, version)
);

CREATE TABLE pages (
    url           VARCHAR NOT NULL,                -- the URL as fetched (after redirects)
    fetched_at    TIMESTAMPTZ NOT NULL,
    article_id    VARCHAR NOT NULL,
    content_type  VARCHAR,
    html_bytes    INTEGER NOT NULL,                -- size before compression
    html_zlib     BLOB NOT NULL,                   -- zlib-compressed raw page
    PRIMARY KEY (url, fetched_at)
);

CREATE INDEX article_urls_url_key ON article_urls (url_key);
CREATE INDEX articles_content_hash ON articles (content_hash);
CREATE INDEX articles_canonical_key ON articles (canonical_key);
