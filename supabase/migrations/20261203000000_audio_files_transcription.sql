-- Scheduled transcription (Temporal dispatch): indexes on the existing table audio_files.
-- The table itself is owned by the ingest pipeline and already exists in production; this file
-- only adds what this product's queries need. Safe to run more than once.
-- Plain CREATE INDEX (not CONCURRENTLY) because migrations run inside a transaction; it blocks
-- writes to audio_files while it builds, which takes seconds at this table's size.

-- Dispatch: pending rows, oldest created_at first, ties by file_path (keyset paging).
create index if not exists audio_files_transcriptions_status_created_at_file_path_idx
  on audio_files (transcriptions_status, created_at, file_path);

-- Every status read and update is keyed by file_path (this product and the transcriber alike);
-- the index above cannot serve those lookups because file_path is not its leading column.
create index if not exists audio_files_file_path_idx
  on audio_files (file_path);
