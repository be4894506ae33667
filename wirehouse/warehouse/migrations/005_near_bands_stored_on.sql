-- 005: when each band key was stored. Near-duplicate candidates are the texts stored in the
-- last `dedup.near_window_days`; rows are appended in time order, so a filter on this column
-- lets DuckDB skip every older row group of the (largest) table by its min/max. Rows stored
-- before this migration count as stored today, so they stay candidates for one window.
ALTER TABLE near_bands ADD COLUMN stored_on DATE;
UPDATE near_bands SET stored_on = current_date;
