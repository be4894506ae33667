-- 004: one row that every deciding write bumps first (see connection.write_atomically).
-- In a DuckLake, two transactions that both update it conflict, so a loader that decided
-- "new article" on a stale snapshot is retried instead of committing a duplicate.
CREATE TABLE write_clock (
    writes  BIGINT NOT NULL                        -- deciding write transactions committed
);
INSERT INTO write_clock VALUES (0);
