-- 009: story watches (wirehouse/warehouse/watches.py). One row per story a watch announced:
-- a story is announced once per watch, however often later runs touch it.
CREATE TABLE watch_hits (
    watch        VARCHAR NOT NULL,                 -- the watch's name in the config file
    story_id     VARCHAR NOT NULL,
    run_id       VARCHAR,                          -- the run that announced it
    matched_at   TIMESTAMPTZ NOT NULL,
    title        VARCHAR,                          -- the story's title then
    outlets      VARCHAR[] NOT NULL,               -- the story's outlets then (host names)
    articles     INTEGER NOT NULL,                 -- the story's articles then
    event_id     VARCHAR NOT NULL,                 -- id of the Prefect event that announced it
    PRIMARY KEY (watch, story_id)
);
