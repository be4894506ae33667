-- 007: where each article's headline and outlet name were read (extractors/metadata.py).
-- title_source: og:title, json-ld, h1, twitter:title, title-tag, title-tag-split, feed, page,
-- or one of the page's sources followed by ":feed-differs" when the feed's title was different.
-- sitename_source: og:site_name, json-ld, application-name, feed, title-tag, host, page.
-- Rows stored before this migration keep their title and sitename; where they came from is
-- known only for the ones whose text came from the feed (the entry's title).
ALTER TABLE articles ADD COLUMN title_source VARCHAR;
ALTER TABLE articles ADD COLUMN sitename_source VARCHAR;
UPDATE articles SET title_source = 'feed' WHERE body_source = 'feed' AND title IS NOT NULL;
