-- 012: the archive files this warehouse wrote, so that pruning removes only its own files from
-- an archive folder it may share with other warehouses (one `archive_dir` for several).
CREATE TABLE archive_files (
    warc_file     VARCHAR PRIMARY KEY,             -- a file name in the archive folder
    created_at    TIMESTAMPTZ NOT NULL
);
INSERT INTO archive_files SELECT warc_file, min(stored_at) FROM raw_pages GROUP BY warc_file;
