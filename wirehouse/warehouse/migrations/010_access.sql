-- 010: why each article's text is what it is (docs/access.md, records.Access). `status` says
-- where the article is in fetching its page; `access` says what the page gave:
-- ok, paywalled, bot_wall, js_shell, truncated, feed_only. Rows stored before this migration
-- are ok, truncated (cut to the size cap) or feed_only (no page text); which of them were
-- walls is not known, as no raw page was stored for a page that gave no text. A row with
-- status ok and the feed's text is a `prefer_feed_text` source's full text, which ingest
-- labels ok (or truncated) too: the rule of `extractors.article.build_article`.
ALTER TABLE articles ADD COLUMN access VARCHAR;
UPDATE articles SET access = CASE
    WHEN split_part(status, ':', 1) <> 'ok' OR body_source = 'none' THEN 'feed_only'
    WHEN text_truncated THEN 'truncated'
    ELSE 'ok' END;
-- demoted rows keep the columns of `articles` (008)
ALTER TABLE demoted_articles ADD COLUMN access VARCHAR;
UPDATE demoted_articles SET access = CASE
    WHEN split_part(status, ':', 1) <> 'ok' OR body_source = 'none' THEN 'feed_only'
    WHEN text_truncated THEN 'truncated'
    ELSE 'ok' END;

-- The share of each access per outlet (the host of its URL, without `www.`: the rule of
-- sqltext.host_sql), outlets with the largest share of walls first: which outlets need
-- attention. `outlet_articles` is the outlet's total, `share` this access's part of it,
-- unrounded (an outlet's shares add up to 1).
CREATE VIEW access_by_outlet AS
WITH per AS (
    SELECT lower(regexp_extract(url, '^[A-Za-z][A-Za-z0-9+.-]*://(www\.)?([^/?#@]+)', 2))
               AS outlet,
           coalesce(access, 'ok') AS access,
           count(*)::INTEGER AS articles
    FROM articles
    GROUP BY ALL
), totals AS (
    SELECT outlet, sum(articles)::INTEGER AS outlet_articles,
           sum(articles) FILTER (WHERE access IN ('paywalled', 'bot_wall', 'js_shell'))
               / sum(articles) AS walled
    FROM per GROUP BY outlet
)
SELECT p.outlet, p.access, p.articles, t.outlet_articles,
       p.articles / t.outlet_articles AS share
FROM per p JOIN totals t USING (outlet)
ORDER BY coalesce(t.walled, 0) DESC, p.outlet, p.articles DESC, p.access;
