-- 002: near-duplicate fingerprints and stories (wirehouse/warehouse/fingerprints.py and stories.py).
-- Insert-mostly tables with no primary keys: rows are keyed by deterministic ids and written
-- with anti-joins, and the few updates touch columns that no index covers.

-- One MinHash signature per stored text: every text of an article (its versions and its
-- near copies) so that a later reprint of any of them is recognised.
CREATE TABLE near_signatures (
    sig_id        BIGINT NOT NULL,                 -- hash of (first article id, content hash, scheme)
    article_id    VARCHAR NOT NULL,                -- the canonical article this text belongs to
    content_hash  VARCHAR NOT NULL,
    scheme        VARCHAR NOT NULL,                -- shingle size, permutations, bands x rows, seed
    shingles      INTEGER NOT NULL,                -- distinct word shingles: the length guard
    signature     BLOB NOT NULL                    -- num_perm little-endian uint32 minima
);

-- LSH band keys: two texts are near-duplicate candidates when they share any key. The lookup
-- is a hash join of the batch's keys against this table (no index: an ART index did not make
-- the join faster and costs memory on every insert).
CREATE TABLE near_bands (
    band_key  BIGINT NOT NULL,
    sig_id    BIGINT NOT NULL
);

-- Which story each article belongs to, at the time used for story windows (publication, or
-- first sight when unknown). articles.story_id holds the same link for readers.
CREATE TABLE story_members (
    article_id    VARCHAR NOT NULL,
    story_id      VARCHAR NOT NULL,
    published_at  TIMESTAMPTZ NOT NULL,
    score         DOUBLE,                          -- story score when it joined; NULL: it started it
    assigned_at   TIMESTAMPTZ NOT NULL
);

-- Story terms of each article (names, numbers, quoted words, keywords; see dedup/stories.py),
-- with the story and time, so that "stories active in the window sharing terms with this
-- article" is one join restricted to a time range.
CREATE TABLE story_terms (
    article_id    VARCHAR NOT NULL,
    story_id      VARCHAR NOT NULL,
    published_at  TIMESTAMPTZ NOT NULL,
    term          VARCHAR NOT NULL
);

-- Per story: a representative title (its earliest article's), first and last seen, number of
-- articles (near and exact copies are URLs of one article, not articles) and the outlets
-- (host names, with a port when the URL has one, of every URL the story's articles were seen at,
-- copies included).
CREATE VIEW stories AS
WITH members AS (
    SELECT story_id, article_id, title, url,
           coalesce(published_at, first_seen_at) AS seen
    FROM articles
    WHERE story_id IS NOT NULL
),
hosts AS (
    SELECT m.story_id,
           lower(regexp_extract(u.url, '^[A-Za-z][A-Za-z0-9+.-]*://(www\.)?([^/?#@]+)', 2)) AS host
    FROM members m JOIN article_urls u ON u.article_id = m.article_id
    UNION
    SELECT story_id,
           lower(regexp_extract(url, '^[A-Za-z][A-Za-z0-9+.-]*://(www\.)?([^/?#@]+)', 2))
    FROM members
),
outlets AS (
    SELECT story_id, list(host ORDER BY host) AS outlets
    FROM hosts WHERE host <> ''
    GROUP BY story_id
)
SELECT m.story_id,
       arg_min(m.title, m.seen) AS title,
       min(m.seen) AS first_seen,
       max(m.seen) AS last_seen,
       count(*)::INTEGER AS articles,
       coalesce(any_value(o.outlets), []::VARCHAR[]) AS outlets
FROM members m LEFT JOIN outlets o ON o.story_id = m.story_id
GROUP BY m.story_id;
